"""Settings: declared once (orchestration/config.py), validated with a message a person can act on,
listed by `ccw run --help` and the README, fed to dbt; dbt unit tests pass under any settings."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import run_dbt

from orchestration.cli import main
from orchestration.config import (
    PROJECT_DIR,
    SECRETS,
    Settings,
    SettingsError,
    declared,
    load_settings,
    settings_help,
)
from orchestration.tools import settings as settings_files

DBT_VARS = {s.dbt_var for _, s in declared() if s.dbt_var}


def example_settings(settings: Settings) -> Settings:
    """These settings with every setting that feeds dbt at its non-default example value."""
    return replace(
        settings, **{name: spec.parse(spec.example) for name, spec in declared() if name and spec.dbt_var}
    )


# ---------------------------------------------------------------- validation
def test_an_invalid_setting_stops_with_the_variable_the_value_and_what_to_do():
    with pytest.raises(SettingsError) as stopped:
        load_settings(
            {
                "CCW_BUSINESS_TIMEZONE": "America/New York",
                "CCW_REPORTING_CURRENCY": "usd",
                "CCW_SERVICE_LEVEL_SECONDS_CALL": "20s",
                "CCW_REPEAT_WINDOW_DAYS": "0",
                "CCW_PII_SALT": "   ",
            }
        )
    message = str(stopped.value)
    assert "CCW_BUSINESS_TIMEZONE = 'America/New York': not a time zone of the IANA" in message
    assert "(default: America/New_York)" in message
    assert "CCW_REPORTING_CURRENCY = 'usd': not an ISO 4217 currency code" in message
    assert "CCW_SERVICE_LEVEL_SECONDS_CALL = '20s': not a whole number of seconds of at least 0" in message
    assert "CCW_REPEAT_WINDOW_DAYS = '0': not a whole number of days of at least 1" in message
    assert "CCW_PII_SALT (the value is secret): must not be blank" in message
    assert message.count("\n") == 5  # one line per bad setting, all of them at once


def test_ccw_run_stops_on_an_invalid_timezone_without_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("CCW_BUSINESS_TIMEZONE", "Mars/Olympus_Mons")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ccw run stopped: invalid setting(s)")
    assert "CCW_BUSINESS_TIMEZONE = 'Mars/Olympus_Mons'" in err and "Traceback" not in err


def test_defaults_empty_variables_and_the_round_trip_through_the_environment():
    defaults = load_settings({"CCW_LANDING_DIR": "", "CCW_THREADS": ""})
    assert defaults.landing_dir == Path.cwd() / "data" / "landing"
    assert defaults.business_timezone == "America/New_York" and defaults.reporting_currency == "USD"
    assert (defaults.service_level_seconds_call, defaults.service_level_seconds_chat) == (20, 60)
    assert (defaults.short_abandon_seconds, defaults.repeat_window_days) == (5, 7)
    assert defaults.config_dir is None and defaults.configuration_dir == PROJECT_DIR / "seeds"
    assert defaults.threads >= 1
    changed = example_settings(defaults)
    assert load_settings(changed.environment()) == changed
    # a secret is never held by the settings (nor by Dagster's resource config made from them)
    assert all(spec.env not in changed.environment() for spec in SECRETS)
    assert "contact-cost-warehouse" not in repr(changed)


def test_every_setting_that_feeds_dbt_reaches_dbt_and_the_fingerprint(monkeypatch):
    monkeypatch.setenv("CCW_PII_SALT", "s3cret")
    settings = example_settings(load_settings({}))
    env = settings.dbt_env()
    assert env["CCW_BUSINESS_TIMEZONE"] == "Asia/Jerusalem" and env["CCW_REPORTING_CURRENCY"] == "EUR"
    assert env["CCW_SERVICE_LEVEL_SECONDS_CALL"] == "30" and env["CCW_REPEAT_WINDOW_DAYS"] == "3"
    assert "CCW_PII_SALT" not in env  # dbt reads a secret from the process environment
    assert settings.result_settings()["CCW_PII_SALT"] == "s3cret"
    assert env["DBT_LOG_PATH"] == str(settings.dbt_log.parent)  # where dagster-dbt writes dbt.log


# ---------------------------------------------------------------- one declaration, derived text
def test_readme_help_and_dbt_vars_derive_from_the_declaration():
    assert settings_files.stale() == [], "run `ccw settings generate`"
    readme, help_text = (PROJECT_DIR / "README.md").read_text(), settings_help()
    vars_block = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    for name, spec in declared():
        assert f"| `{spec.env}` |" in readme and f"  {spec.env} (default: " in help_text
        if spec.dbt_var:
            assert vars_block[spec.dbt_var] == f"{{{{ env_var('{spec.env}', '{spec.default}') }}}}"
        assert spec.example == "" or spec.parse(spec.example) != spec.parse(spec.default), spec.env
        if name and spec.dbt_var:
            assert spec.example, f"{spec.env}: an example value lets the tests run with it changed"
    assert set(vars_block) == DBT_VARS


def test_a_block_edited_by_hand_is_named(tmp_path):
    for name in (settings_files.README, settings_files.DBT_PROJECT):
        (tmp_path / name).write_text((PROJECT_DIR / name).read_text())
    assert settings_files.stale(tmp_path) == []
    dbt_project = tmp_path / settings_files.DBT_PROJECT
    dbt_project.write_text(dbt_project.read_text().replace("'USD'", "'EUR'"))
    assert settings_files.stale(tmp_path) == [settings_files.DBT_PROJECT]
    settings_files.write(tmp_path)
    assert settings_files.stale(tmp_path) == []


# ---------------------------------------------------------------- the vars the SQL reads
MACRO = re.compile(r"{%-?\s*macro\s+(\w+)\s*\((.*?){%-?\s*endmacro\s*-?%}", re.S)
VAR = re.compile(r"""\bvar\(\s*['"](\w+)['"]""")


def _macros() -> dict[str, str]:
    return {
        m.group(1): m.group(2)
        for f in PROJECT_DIR.glob("macros/**/*.sql")
        for m in MACRO.finditer(f.read_text())
    }


def vars_read(text: str, macros: dict[str, str], seen: frozenset[str] = frozenset()) -> set[str]:
    """The dbt vars SQL text reads, itself or through the macros it calls (dispatched ones included)."""
    found = set(VAR.findall(text))
    called = {n for n in macros if re.search(rf"\b{n}\b", text)}
    for dispatched in re.findall(r"dispatch\(\s*['\"](\w+)['\"]", text):
        called |= {f"{prefix}__{dispatched}" for prefix in ("default", "duckdb", "spark")} & set(macros)
    for name in called - seen:
        found |= vars_read(macros[name], macros, seen | called)
    return found


def test_every_var_the_project_reads_is_a_declared_setting():
    macros = _macros()
    texts = [p.read_text() for p in PROJECT_DIR.glob("models/**/*.sql")] + list(macros.values())
    texts += [p.read_text() for p in PROJECT_DIR.glob("models/**/*.yml")]
    # pii_salt: a var only in unit tests (the run's salt reaches the SQL as a session variable)
    assert set().union(*(VAR.findall(t) for t in texts)) <= DBT_VARS | {"pii_salt"}


def test_every_unit_test_pins_the_vars_its_model_reads():
    """A unit test's fixtures assume values of the settings; pinned (`overrides: vars:`), it passes
    whatever the environment says."""
    macros = _macros()
    models = {p.stem: p.read_text() for p in PROJECT_DIR.glob("models/**/*.sql")}
    unpinned = []
    for path in PROJECT_DIR.glob("models/**/*.yml"):
        for test in yaml.safe_load(path.read_text()).get("unit_tests") or []:
            pinned = set((test.get("overrides") or {}).get("vars") or {})
            missing = vars_read(models[test["model"]], macros) - pinned
            unpinned += [f"{test['name']}: {sorted(missing)}"] if missing else []
    assert unpinned == []


@pytest.mark.slow
def test_the_unit_tests_pass_with_every_setting_changed(published):
    """`make test` and CI run the unit tests (a run does not): on the built warehouse, with every
    setting dbt reads at a non-default value."""
    settings, _ = published
    changed = example_settings(settings)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CCW_")},
        **changed.dbt_env(),
        "CCW_PII_SALT": next(s.example for s in SECRETS if s.env == "CCW_PII_SALT"),
        "DBT_TARGET_PATH": str(settings.work_dir / "dbt_target_unit_tests"),
        "DBT_LOG_PATH": str(settings.work_dir / "dbt_target_unit_tests"),
    }
    proc = run_dbt(["test", "--select", "resource_type:unit_test"], env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    summary = re.search(r"PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", proc.stdout)
    assert summary and int(summary.group(1)) >= 39 and summary.group(3) == "0", proc.stdout[-2000:]
