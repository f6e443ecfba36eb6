"""The organisation's configuration folder (CCW_CONFIG_DIR): `ccw config init`, validation with a
message naming file, line and rule, and the build's seeds folder made from the company's files only."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from orchestration.build.plan import project_fingerprint
from orchestration.cli import main
from orchestration.config import PROJECT_DIR, Settings, load_settings
from orchestration.configuration import (
    ConfigurationError,
    configuration_seeds,
    prepare_build_seeds,
    seed_specs,
    validate_folder,
)

CONFIG_FILES = {
    "account_mapping.csv",
    "cost_centers.csv",
    "allocation_drivers.csv",
    "fx_rates.csv",
    "channel_benchmarks.csv",
    "scenarios.csv",
    "currency_minor_units.csv",
}


@pytest.fixture
def company(tmp_path) -> Path:
    """A configuration folder outside the checkout, written by `ccw config init`."""
    folder = tmp_path / "company-config"
    assert main(["config", "init", str(folder)]) == 0
    return folder


def _settings(tmp_path: Path, folder: Path | None) -> Settings:
    base = load_settings(
        {"CCW_LANDING_DIR": str(tmp_path / "landing"), "CCW_WAREHOUSE": str(tmp_path / "w.duckdb")}
    )
    return replace(base, config_dir=folder)


def test_every_seed_says_who_supplies_it_and_the_taxonomy_is_the_products():
    assert {s.file_name for s in configuration_seeds()} == CONFIG_FILES
    assert seed_specs()["channels"].supplied_by == "product"
    assert {p.stem for p in (PROJECT_DIR / "seeds").glob("*.csv")} == set(seed_specs())


def test_init_writes_the_sample_and_explains_every_column_and_never_overwrites(company, capsys):
    assert {p.name for p in company.iterdir()} == CONFIG_FILES | {"README.md"}
    readme = (company / "README.md").read_text()
    for spec in configuration_seeds():
        assert f"## {spec.file_name}" in readme
        for column in spec.columns:
            assert f"| `{column.name}` | {column.type} |" in readme
    assert "| `month` | date | yes | the first day of a month |" in readme
    assert "`labour`, `platform`, `overhead`, `out_of_scope`" in readme
    assert validate_folder(company) == []
    (company / "account_mapping.csv").write_text("account_code,cost_category,in_scope\n9999,salaries,true\n")
    assert main(["config", "init", str(company)]) == 1
    assert "already holds account_mapping.csv" in capsys.readouterr().err
    assert (company / "account_mapping.csv").read_text().endswith("9999,salaries,true\n")


@pytest.mark.parametrize(
    ("file", "text", "problem"),
    [
        ("fx_rates.csv", None, "fx_rates.csv: the file is missing (every configuration file must be there)"),
        ("account_mapping.csv", "account_code,cost_category\n6000,salaries\n", "the header lacks in_scope"),
        (
            "account_mapping.csv",
            "account_code,cost_category,in_scope,inscope\n6000,salaries,true,x\n",
            "unknown column(s) 'inscope'",
        ),
        (
            "account_mapping.csv",
            "account_code;cost_category;in_scope\n6000;salaries;true\n",
            "the file is not comma-separated",
        ),
        (
            "account_mapping.csv",
            "account_code,cost_category,in_scope\n6000,salaries,yes\n",
            "line 2: in_scope = 'yes' is not true or false",
        ),
        (
            "account_mapping.csv",
            "account_code,cost_category,in_scope\n6000,,true\n",
            "line 2: cost_category is empty (it is required)",
        ),
        (
            "account_mapping.csv",
            "account_code,cost_category,in_scope\n6000 ,salaries,true\n",
            "has leading or trailing spaces",
        ),
        (
            "account_mapping.csv",
            "account_code,cost_category,in_scope\n6000,salaries,true\n6010,overtime,true\n6000,benefits,true\n",
            "account_mapping.csv: lines 2 and 4: account_code = '6000' twice (it must be unique)",
        ),
        (
            "account_mapping.csv",
            "account_code,cost_category,in_scope\n6000,salaries\n",
            "line 2: 2 fields, the header has 3",
        ),
        (
            "fx_rates.csv",
            "month,currency,rate_to_reporting\n2025-03-15,EUR,1.08\n",
            "is not the first day of a month",
        ),
        (
            "fx_rates.csv",
            "month,currency,rate_to_reporting\n01/03/2025,EUR,1.08\n",
            "is not a date written YYYY-MM-DD",
        ),
        (
            "fx_rates.csv",
            'month,currency,rate_to_reporting\n2025-03-01,EUR,"1,08"\n',
            "'1,08' is not a number",
        ),
        (
            "fx_rates.csv",
            "month,currency,rate_to_reporting\n2025-03-01,EUR,1.0812345678\n",
            "has more than 8 decimals",
        ),
        (
            "fx_rates.csv",
            "month,currency,rate_to_reporting\n2025-03-01,EUR,0\n",
            "rate_to_reporting = '0' is not above 0",
        ),
        (
            "fx_rates.csv",
            "month,currency,rate_to_reporting\n2025-03-01,EUR,1.08\n2025-03-01,EUR,1.09\n",
            "lines 2 and 3: month = '2025-03-01', currency = 'EUR' twice",
        ),
        (
            "allocation_drivers.csv",
            "pool_type,cost_pool,cost_category,driver,description\nlabour,*,*,minutes,x\n",
            "driver = 'minutes' is not one of productive_handle_minutes",
        ),
        ("cost_centers.csv", b"\xff\xfecost_center", "is not UTF-8 text"),
        (
            "account_mapping.csv",
            "account_code,cost_category,in_scope,default_cost_pool\n6000,salaries,true,\n"
            "6400,rent,true,overheads\n",
            "account_mapping.csv: line 3: default_cost_pool = 'overheads' is not a cost_pool of "
            "cost_centers.csv (its values: chatbot_platform, digital_platform, finance,",
        ),
    ],
)
def test_a_malformed_file_is_named_with_its_line_and_rule(company, file, text, problem):
    path = company / file
    if text is None:
        path.unlink()
    elif isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    problems = validate_folder(company)
    assert any(problem in p and p.startswith(file) for p in problems), problems


def test_the_build_reads_the_companys_files_only_and_a_change_changes_the_fingerprint(tmp_path, company):
    """The company's file (Excel's byte-order mark, CRLF line ends, a trailing blank line) is what dbt
    reads, normalised; the sample's is never read, not even for a file the company lacks."""
    mapping = "account_code,cost_category,in_scope\r\n0600,salaries,TRUE\r\n,,\r\n"
    (company / "account_mapping.csv").write_bytes(b"\xef\xbb\xbf" + mapping.encode())
    settings = _settings(tmp_path, company)
    seeds = prepare_build_seeds(settings)
    # a file written before default_cost_pool existed reads as if the column were there, empty
    assert (
        seeds / "account_mapping.csv"
    ).read_text() == "account_code,cost_category,in_scope,default_cost_pool\n0600,salaries,TRUE,\n"
    assert (seeds / "channels.csv").read_bytes() == (PROJECT_DIR / "seeds" / "channels.csv").read_bytes()
    assert (seeds / "_seeds.yml").exists()
    before = project_fingerprint(settings)
    (company / "cost_centers.csv").write_text(
        (company / "cost_centers.csv").read_text().replace("Voice Care agent team", "Voice care team")
    )
    prepare_build_seeds(settings)
    assert project_fingerprint(settings) != before

    (company / "fx_rates.csv").unlink()
    with pytest.raises(ConfigurationError) as stopped:
        prepare_build_seeds(settings)
    assert f"the configuration in {company} is not valid" in str(stopped.value)
    assert "fx_rates.csv: the file is missing" in str(stopped.value)


def test_ccw_config_check_validates_the_folder_of_the_setting(tmp_path, company, monkeypatch, capsys):
    monkeypatch.setenv("CCW_CONFIG_DIR", str(company))
    assert main(["config", "check"]) == 0
    assert f"the configuration in {company} is valid" in capsys.readouterr().out
    shutil.copy(company / "fx_rates.csv", company / "fx_rates.csv.bak")
    (company / "fx_rates.csv").write_text("month,currency,rate\n")
    assert main(["config", "check"]) == 1
    err = capsys.readouterr().err
    assert "fx_rates.csv: the header lacks rate_to_reporting" in err
    assert "the published warehouse is unchanged" in err
