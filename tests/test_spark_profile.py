"""The Spark target of profiles.yml and orchestration/spark/session.py state the same settings.

Runs in the default suite (it needs no Spark): whoever edits one sees the other.
"""

from __future__ import annotations

import jinja2
import yaml

from orchestration.config import PROJECT_DIR
from orchestration.spark.session import spark_conf


def _render(value, env: dict[str, str]):
    if not isinstance(value, str):
        return value
    return jinja2.Template(value).render(env_var=lambda name, default=None: env.get(name, default))


def test_spark_profile_matches_session_settings(tmp_path):
    directory = (tmp_path / "contact_cost.build" / "spark").resolve()
    env = {"CCW_SPARK_DIR": str(directory)}
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    target = profile["contact_cost_warehouse"]["outputs"]["spark"]
    assert target["type"] == "spark" and target["method"] == "session"
    rendered = {k: _render(v, env) for k, v in target["server_side_parameters"].items()}
    assert rendered == spark_conf(directory, env={})


def test_spark_files_stay_under_the_build_folder(tmp_path):
    directory = tmp_path / "w.build" / "spark"
    for key, value in spark_conf(directory, env={}).items():
        if "/" in value:
            assert str(directory.resolve()) in value, key
