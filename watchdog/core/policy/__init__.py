"""`policies.yaml` → a frozen Policy: the model, layered validation and located errors (text in, no file I/O)."""

from watchdog.core.policy.errors import PolicyError, PolicyIssue, format_issue, github_annotation
from watchdog.core.policy.model import Effective, Match, NotifySettings, Policy, Rule, RuleSettings
from watchdog.core.policy.validation import parse_policy

__all__ = [
    "Effective", "Match", "NotifySettings", "Policy", "PolicyError", "PolicyIssue", "Rule", "RuleSettings",
    "format_issue", "github_annotation", "parse_policy",
]
