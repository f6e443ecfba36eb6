"""The data-quality policy (quality_policy.yml): which failed check stops a run.

Three actions (see the YAML file for the rule list):
  stop        the run stops before publishing, naming file, row and rule;
  quarantine  row rules only: the rows are set aside in quarantine.rejected_rows;
  warn        recorded (meta.quality_results, data docs); the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from orchestration.config import DEFAULT_POLICY_FILE
from orchestration.contract import ROW_RULES as CONTRACT_ROW_RULES
from orchestration.errors import PipelineError

POLICY_FILE = DEFAULT_POLICY_FILE

FILE_RULES = {
    "unreadable_file": "stop",
    "missing_required_column": "stop",
    "wrong_delimiter": "stop",
    "truncated_file": "stop",
    "malformed_row": "stop",
    "empty_file": "stop",
}
# the row rules of the landing contract (landing_contract.yml), in precedence order
ROW_RULES = dict.fromkeys(CONTRACT_ROW_RULES, "quarantine")
BUILD_RULES = {
    "absent_source": "warn",
    "unresolved_reference": "warn",
    "key_not_unique": "stop",
    "value_out_of_range": "stop",
    "rows_unaccounted": "stop",
    "row_count_mismatch": "stop",
    "cost_reconciliation": "stop",
    "totals_disagree": "stop",
    "rate_out_of_bounds": "stop",
    "negative_value": "stop",
    "negative_cost": "warn",
}
# What each group of rules may be set to. A file that cannot be read completely
# can only stop the run or (empty_file) be skipped: loading part of it would lose rows.
ALLOWED = {
    "file_rules": {"stop"},
    "row_rules": {"stop", "quarantine"},
    "build_rules": {"stop", "warn"},
}
ALLOWED_OVERRIDES = {"empty_file": {"stop", "warn"}}


class PolicyError(PipelineError):
    pass


@dataclass(frozen=True)
class Policy:
    actions: dict[str, str] = field(default_factory=dict)
    source: str = "defaults"

    def action(self, rule: str) -> str:
        try:
            return self.actions[rule]
        except KeyError as exc:
            raise PolicyError(f"rule '{rule}' is not in the quality policy ({self.source})") from exc

    def stops(self, rule: str) -> bool:
        return self.action(rule) == "stop"


def default_policy() -> Policy:
    return Policy({**FILE_RULES, **ROW_RULES, **BUILD_RULES})


def load_policy(path: Path | None = None) -> Policy:
    """The policy of `path` (a run passes Settings.policy_file: CCW_QUALITY_POLICY), else
    quality_policy.yml of the repository."""
    path = path or POLICY_FILE
    if not path.exists():
        if path == POLICY_FILE:
            return default_policy()
        raise PolicyError(f"quality policy {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise PolicyError(f"quality policy {path} is not valid YAML: {exc}") from exc
    actions = dict(default_policy().actions)
    groups = {"file_rules": FILE_RULES, "row_rules": ROW_RULES, "build_rules": BUILD_RULES}
    for group, rules in data.items():
        if group not in groups:
            raise PolicyError(f"quality policy {path}: unknown section '{group}' (expected {sorted(groups)})")
        for rule, action in (rules or {}).items():
            if rule not in groups[group]:
                raise PolicyError(f"quality policy {path}: unknown rule '{rule}' in {group}")
            allowed = ALLOWED_OVERRIDES.get(rule, ALLOWED[group])
            if action not in allowed:
                raise PolicyError(
                    f"quality policy {path}: {group}.{rule} = '{action}', expected one of {sorted(allowed)}"
                )
            actions[rule] = action
    return Policy(actions, str(path))
