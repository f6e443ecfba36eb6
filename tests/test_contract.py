"""The landing contract is defined once (landing_contract.yml); what dbt reads is generated from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.config import PROJECT_DIR
from orchestration.contract import CONTRACT_FILE, ROW_RULES, SOURCES, ContractError, load_contract
from orchestration.quality.policy import default_policy
from orchestration.tools import contract as contract_files


def test_the_generated_dbt_files_are_up_to_date():
    """`ccw contract check`: macros/landing_contract.sql and _landing__sources.yml are what the contract gives."""
    assert contract_files.stale() == [], "run `ccw contract generate`"
    assert main(["contract", "check"]) == 0


def test_check_names_a_generated_file_edited_by_hand(tmp_path, capsys):
    for path in contract_files.generated_files():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_DIR / path, tmp_path / path)
    assert contract_files.stale(tmp_path) == []
    macro = tmp_path / contract_files.MACRO_FILE
    macro.write_text(macro.read_text().replace("'pii': true", "'pii': false", 1))
    assert contract_files.stale(tmp_path) == [contract_files.MACRO_FILE]
    assert contract_files.write(tmp_path) == [contract_files.MACRO_FILE]
    assert contract_files.stale(tmp_path) == []


def test_every_source_names_its_staging_models_and_rules_name_its_columns():
    for source in SOURCES.values():
        assert source.base_model.startswith("base_") and source.staging_model.startswith("stg_")
    assert ROW_RULES[-1] == "duplicate_id"  # a set rule: decided after every row rule
    # the quality policy knows every row rule, and quarantines by default
    assert {rule for rule in ROW_RULES} <= set(default_policy().actions)


def test_a_rule_on_a_column_the_source_lacks_is_refused(tmp_path):
    text = CONTRACT_FILE.read_text().replace(
        "{end: ended_at, start: started_at}", "{end: closed_at, start: started_at}"
    )
    broken = tmp_path / "contract.yml"
    broken.write_text(text)
    with pytest.raises(ContractError, match=r"chats names column\(s\) \['closed_at'\]"):
        load_contract(broken)


def test_an_unknown_type_is_refused(tmp_path):
    broken = tmp_path / "contract.yml"
    broken.write_text(CONTRACT_FILE.read_text().replace("name: fte, type: decimal", "name: fte, type: float"))
    with pytest.raises(ContractError, match="agents.fte: type 'float'"):
        load_contract(broken)


def test_each_staging_model_of_the_contract_exists():
    models = {p.stem for p in Path(PROJECT_DIR / "models" / "staging").rglob("*.sql")}
    for source in SOURCES.values():
        assert {source.base_model, source.staging_model} <= models, source.name
