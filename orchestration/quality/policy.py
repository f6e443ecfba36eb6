"""The data-quality policy (quality_policy.yml): which failed check stops a run.

Three actions (see the YAML file for the rule list):
  stop        the run stops before publishing, naming file, row and rule;
  quarantine  row rules only: the rows are set aside in quarantine.rejected_rows;
  warn        recorded (meta.quality_results, data docs); the run goes on.

And the rejection limits: the largest share of a source's rows of a run that may be
quarantined before the run stops (rule rejected_share_exceeded; docs/decisions/quality.md Q10).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from orchestration.config import DEFAULT_POLICY_FILE
from orchestration.contract import FILE_RULES as CONTRACT_FILE_RULES
from orchestration.contract import ROW_RULES as CONTRACT_ROW_RULES
from orchestration.contract import SOURCES
from orchestration.errors import PipelineError

POLICY_FILE = DEFAULT_POLICY_FILE

# the file rules of the landing contract: a file that cannot be read whole stops the run
FILE_RULES = dict.fromkeys(CONTRACT_FILE_RULES, "stop")
# the row rules of the landing contract (landing_contract.yml), in precedence order
ROW_RULES = dict.fromkeys(CONTRACT_ROW_RULES, "quarantine")
REJECTED_SHARE_RULE = "rejected_share_exceeded"  # a build rule: too large a share of a run's rows rejected
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
    REJECTED_SHARE_RULE: "stop",
}
# The share of a source's rows of a run (the files the run loads) that may be quarantined;
# more stops the run (Q10). quality_policy.yml may set `default` and a limit per source.
DEFAULT_REJECTION_LIMIT = 0.02
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
    rejection_limits: dict[str, float] = field(default_factory=dict)  # source or "default" -> share

    def action(self, rule: str) -> str:
        try:
            return self.actions[rule]
        except KeyError as exc:
            raise PolicyError(f"rule '{rule}' is not in the quality policy ({self.source})") from exc

    def stops(self, rule: str) -> bool:
        return self.action(rule) == "stop"

    def rejection_limit(self, source: str) -> float:
        """The largest share of the source's rows of a run that may be rejected (0.02 = 2%)."""
        return self.rejection_limits.get(
            source, self.rejection_limits.get("default", DEFAULT_REJECTION_LIMIT)
        )

    def accepting_rejections(self) -> Policy:
        """This policy for a run that publishes above the rejection limits (`--accept-rejections`):
        an exceeded limit is recorded as a warning instead of stopping the run."""
        return replace(self, actions={**self.actions, REJECTED_SHARE_RULE: "warn"})


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
    limits = _rejection_limits(path, data.pop("rejection_limits", None) or {})
    for group, rules in data.items():
        if group not in groups:
            raise PolicyError(
                f"quality policy {path}: unknown section '{group}' (expected {sorted([*groups, 'rejection_limits'])})"
            )
        for rule, action in (rules or {}).items():
            if rule not in groups[group]:
                raise PolicyError(f"quality policy {path}: unknown rule '{rule}' in {group}")
            allowed = ALLOWED_OVERRIDES.get(rule, ALLOWED[group])
            if action not in allowed:
                raise PolicyError(
                    f"quality policy {path}: {group}.{rule} = '{action}', expected one of {sorted(allowed)}"
                )
            actions[rule] = action
    return Policy(actions, str(path), limits)


def _rejection_limits(path: Path, limits: dict) -> dict[str, float]:
    """The `rejection_limits` section: `default` and landing sources, each a share from 0 to 1."""
    for name, limit in limits.items():
        if name != "default" and name not in SOURCES:
            raise PolicyError(
                f"quality policy {path}: rejection_limits.{name} is not a landing source "
                f"(expected default or one of {sorted(SOURCES)})"
            )
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 <= limit <= 1:
            raise PolicyError(
                f"quality policy {path}: rejection_limits.{name} = {limit!r}, expected a share from 0 to 1 "
                "(0.05 for 5%)"
            )
    return {name: float(limit) for name, limit in limits.items()}
