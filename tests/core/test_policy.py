"""Parsing valid policies: defaults, merging, matching, and how errors are printed for people and GitHub."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.paths import REPO
from watchdog.adapters.policy_file import load_policy
from watchdog.core.model import EndpointSnapshot
from watchdog.core.policy import (
    Match,
    NotifySettings,
    PolicyError,
    PolicyIssue,
    format_issue,
    github_annotation,
    parse_policy,
)
from watchdog.core.policy.model import DEFAULT_MAX_ACTIONS


def test_shipped_policy_validates_and_shows_every_feature():
    policy = load_policy(REPO / "policies.yaml")
    assert policy.namespaces == ("acme-ml", "alice")
    texts = [r.match.text for r in policy.rules]
    assert texts[0] == "prod-*" and policy.rules[0].protected
    assert "namespace=acme-ml name=mert-*" in texts and "tag=benchmark" in texts
    bench = next(r for r in policy.rules if r.match.text == "tag=benchmark")
    assert bench.exempt_until is not None and bench.reason
    assert (bench.settings.values.get("max_cost") and bench.settings.values.get("max_replicas")
            and bench.settings.values.get("require_scale_to_zero"))
    assert any(r.settings.values.get("action") == "scale-to-zero" and r.settings.values.get("max_idle")
               for r in policy.rules)
    assert any(r.settings.values.get("schedule") and r.settings.values.get("schedule").crosses_midnight
               for r in policy.rules)
    assert any(r.settings.cleared for r in policy.rules)
    assert any(r.settings.values.get("fix_config") and r.settings.values.get("scale_to_zero_after")
               for r in policy.rules)


def test_minimal_policy_gets_documented_defaults():
    policy = parse_policy("version: 1\n", "p.yaml")
    assert policy.timezone == "UTC"
    assert policy.rules == () and policy.namespaces == ()
    assert policy.max_actions_per_run == DEFAULT_MAX_ACTIONS == 20
    assert policy.run_every_seconds == 24 * 3600
    assert policy.notify == NotifySettings(None, None)
    effective = policy.effective(None)
    assert (effective["action"], effective["on_unknown_idle"], effective["max_uptime"]) == ("pause", "notify", None)


def test_rule_overrides_only_what_it_sets_and_null_clears_a_default():
    policy = parse_policy(
        "version: 1\n"
        "defaults: {max_uptime: 12h, max_idle: 2h, action: notify, warn_before: 1h}\n"
        "endpoints:\n"
        "  - match: \"batch-*\"\n    max_idle: null\n    max_uptime: 1d\n",
        "p.yaml",
    )
    effective = policy.effective(policy.rules[0])
    assert (effective["max_uptime"], effective["max_idle"], effective["action"], effective["warn_before"]) == (
        86400, None, "notify", 3600)
    # Config checks only act on the rule's own action, never on the one inherited from defaults.
    assert effective.config_action == "notify"


def test_config_action_comes_from_the_rule_only():
    policy = parse_policy(
        "version: 1\ndefaults: {action: pause}\nendpoints:\n"
        "  - match: a\n    max_replicas: 1\n  - match: b\n    max_replicas: 1\n    action: scale-to-zero\n",
        "p.yaml",
    )
    assert [policy.effective(r).config_action for r in policy.rules] == ["notify", "scale-to-zero"]
    assert [policy.effective(r)["action"] for r in policy.rules] == ["pause", "scale-to-zero"]


@pytest.mark.parametrize(
    ("match", "fields", "expected"),
    [
        (Match("m", name="mert-*"), {"name": "mert-x"}, True),
        (Match("m", name="mert-*"), {"name": "Mert-x"}, False),  # case-sensitive, like endpoint names
        (Match("m", namespace="acme-ml", name="mert-*"), {"name": "mert-x", "namespace": "alice"}, False),
        (Match("m", tag="bench*"), {"tags": ("prod", "benchmark")}, True),
        (Match("m", tag="bench*"), {"tags": ()}, False),
        (Match("m", repository="meta-llama/*"), {"repository": "meta-llama/Llama-3.1-8B"}, True),
        (Match("m", repository="*"), {"repository": None}, False),  # a missing field never matches
        (Match("m", instance_type="nvidia-l4"), {"instance_type": "nvidia-l4"}, True),
        (Match("m", instance_type="*-l4-*"), {"instance": "aws-us-east-1-nvidia-l4-x1"}, True),
        (Match("m", name="a?c"), {"name": "abc"}, True),
    ],
)
def test_match_semantics(match, fields, expected):
    base = {"namespace": "acme-ml", "name": "x", "state": "running"}
    assert match.matches(EndpointSnapshot(**{**base, **fields})) is expected


def test_catch_all_detection():
    assert Match("*", name="*").is_catch_all
    assert Match("x", namespace="*", name="**").is_catch_all
    assert not Match("x", tag="*").is_catch_all  # endpoints without tags are not matched
    assert not Match("x", name="*", namespace="acme-ml").is_catch_all


def test_first_matching_rule_wins():
    policy = parse_policy(
        "version: 1\nendpoints:\n  - match: {tag: gpu}\n  - match: \"mert-*\"\n  - match: \"*\"\n", "p.yaml")
    snapshot = EndpointSnapshot("acme-ml", "mert-1", "running", tags=("gpu",))
    assert policy.rule_for(snapshot).index == 1
    assert policy.rule_for(EndpointSnapshot("acme-ml", "mert-1", "running")).index == 2
    assert policy.rule_for(EndpointSnapshot("acme-ml", "other", "running")).index == 3


def test_dates_quoted_or_not_and_exemption_end_uses_schedule_zone():
    policy = parse_policy(
        "version: 1\ntimezone: Europe/Paris\nendpoints:\n"
        "  - match: a\n    exempt_until: '2026-12-15'\n    reason: r\n"
        "  - match: b\n    exempt_until: 2026-12-15\n    reason: r\n"
        "    schedule: {hours: '08:00-19:00', timezone: America/New_York}\n",
        "p.yaml",
    )
    first, second = policy.rules
    assert first.exempt_until == second.exempt_until == date(2026, 12, 15)
    assert policy.exemption_end(first) == datetime(2026, 12, 15, 23, 0, tzinfo=UTC)  # midnight in Paris
    assert policy.exemption_end(second) == datetime(2026, 12, 16, 5, 0, tzinfo=UTC)  # midnight in New York


def test_schedule_inherits_policy_timezone():
    policy = parse_policy("version: 1\ntimezone: Asia/Tokyo\ndefaults:\n  schedule: {days: mon-fri}\n", "p.yaml")
    assert policy.defaults.values["schedule"].timezone == "Asia/Tokyo"


def test_yaml_1_1_pitfalls_are_handled():
    # `on`/`no` keys stay words (YAML 1.1 would make them booleans), so they are reported as unknown keys.
    with pytest.raises(PolicyError) as caught:
        parse_policy("version: 1\non: 2\n", "p.yaml")
    assert [i.message for i in caught.value.issues] == ["unknown key 'on' at top level"]


def test_policy_error_lists_every_issue_in_file_order():
    with pytest.raises(PolicyError) as caught:
        parse_policy("version: 3\ntimezone: Nowhere\ndefaults: {max_idle: x}\n", "p.yaml")
    issues = caught.value.issues
    assert [(i.line, i.column) for i in issues] == [(1, 10), (2, 11), (3, 22)]
    assert str(caught.value).splitlines()[0].startswith("p.yaml:1:10: invalid version")


@pytest.mark.parametrize("text", ["", "   \n", "# nothing\n"])
def test_empty_policy_is_a_located_error(text):
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.yaml")
    assert [(i.line, i.column, i.message) for i in caught.value.issues] == [(1, 1, "the policy file is empty")]


def test_load_policy_non_utf8_and_missing_file(tmp_path):
    binary = tmp_path / "bad.yaml"
    binary.write_bytes(b"version: 1\ntimezone: \xff\xfe\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(binary)
    assert [(i.line, i.column, i.message) for i in caught.value.issues] == [(2, 11, "the file is not UTF-8 text")]
    with pytest.raises(PolicyError) as missing:
        load_policy(tmp_path / "nope.yaml")
    assert missing.value.issues[0].message.startswith("cannot read the policy file")


def test_format_issue_and_github_annotation():
    issue = PolicyIssue("policies.yaml", 7, 5, "unknown key 'max_uptme' in rule 2", "did you mean 'max_uptime'?")
    assert format_issue(issue) == "policies.yaml:7:5: unknown key 'max_uptme' in rule 2 (did you mean 'max_uptime'?)"
    assert github_annotation(issue) == (
        "::error file=policies.yaml,line=7,col=5::unknown key 'max_uptme' in rule 2 (did you mean 'max_uptime'?)"
    )
    odd = PolicyIssue("a,b:c.yaml", 1, 1, "50% broken\nsecond line")
    assert github_annotation(odd) == "::error file=a%2Cb%3Ac.yaml,line=1,col=1::50%25 broken%0Asecond line"


def test_policy_is_frozen():
    policy = parse_policy("version: 1\n", "p.yaml")
    with pytest.raises(AttributeError):
        policy.timezone = "UTC"  # type: ignore[misc]
