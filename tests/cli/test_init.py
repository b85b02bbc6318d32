"""`watchdog init [DIR]` (issue 11, item 3): the files it writes pass `watchdog validate` and the workflow checks,
nothing is overwritten without --force, and with a token the starter policy comes from the live fleet and acts on
nothing surprising. In-process against the bundled fake; the core part (core/starter.py) is tested on data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e_support import NOW, NOW_ISO, cli_env, run_cli
from tests.paths import REPO
from tests.repo.test_workflows import (
    caller_problems,
    parse,
    pin_problems,
    schema_problems,
    workflow_secret_problems,
)
from watchdog.core.model import Decision, EndpointSnapshot, NamespaceResult
from watchdog.core.policy import parse_policy
from watchdog.core.starter import DEFAULTS, production_glob, starter_policy
from watchdog.demo import bundled
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI
from watchdog.templates import CALLER_WORKFLOWS, POLICY_TEMPLATE, template

WRITTEN = ("policies.yaml", *CALLER_WORKFLOWS)


def no_token_env(tmp_path: Path) -> dict[str, str]:
    env = cli_env("http://127.0.0.1:9")  # nothing listens there: init without a token must not call anything
    env.pop("HF_TOKEN")
    env["HOME"] = str(tmp_path)
    return env


@pytest.fixture
def demo_api():
    with FakeEndpointsAPI.from_fleet_file(bundled("fleet.yaml"), clock=FakeClock(NOW)) as server:
        yield server


def test_init_without_a_token_writes_the_template_and_the_callers_and_says_what_next(tmp_path):
    repo = tmp_path / "repo"
    done = run_cli(["init", str(repo)], no_token_env(tmp_path), tmp_path)
    assert done.code == 0, done.stderr
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file()) == sorted(WRITTEN)
    assert (repo / "policies.yaml").read_text() == template(POLICY_TEMPLATE).read_text()
    for target, source in CALLER_WORKFLOWS.items():
        assert (repo / target).read_text() == template(source).read_text()
    out = done.stdout
    assert "the commented template: HF_TOKEN is not set" in out
    for step in ("HF_TOKEN", "SLACK_WEBHOOK_URL", "Features → Issues", "mode dry-run",
                 "gh workflow run watchdog.yml -f mode=dry-run", "replace OWNER", "02:17 UTC"):
        assert step in out, step
    valid = run_cli(["validate"], no_token_env(tmp_path), repo)
    assert valid.code == 0 and "OK" in valid.stdout, valid.stderr


def test_what_init_writes_passes_the_projects_workflow_checks(tmp_path):
    repo = tmp_path / "repo"
    assert run_cli(["init", str(repo)], no_token_env(tmp_path), tmp_path).code == 0
    paths = [repo / target for target in CALLER_WORKFLOWS]
    assert schema_problems("vendor.github-workflows", *paths) == []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert caller_problems(text, path.name) == []  # short, and exactly the README's block
        assert pin_problems(text, f"templates/{path.name}") == []
        assert workflow_secret_problems(parse(text), path.name) == []
        assert parse(text)["permissions"] == {}


def test_an_existing_file_stops_everything_until_force(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "policies.yml").write_text("mine\n")
    env = no_token_env(tmp_path)
    refused = run_cli(["init", str(repo)], env, tmp_path)
    assert refused.code == 2 and refused.stdout == ""
    assert ".github/workflows/policies.yml exists" in refused.stderr and "--force" in refused.stderr
    # Every target is checked before any is written: the folder is exactly as it was.
    assert [p.name for p in repo.rglob("*") if p.is_file()] == ["policies.yml"]
    assert (repo / ".github" / "workflows" / "policies.yml").read_text() == "mine\n"
    forced = run_cli(["init", str(repo), "--force"], env, tmp_path)
    assert forced.code == 0, forced.stderr
    assert "overwriting 1" in forced.stdout
    assert ((repo / ".github" / "workflows" / "policies.yml").read_text()
            == template("workflows/policies.yml").read_text())


def test_init_refuses_options_it_does_not_use_and_a_file_for_a_folder(tmp_path):
    env = no_token_env(tmp_path)
    for argv, message in ((["init", "--policies", "p.yaml"], "init writes DIR/policies.yaml"),
                          (["init", "--format", "json"], "does not use it"),
                          (["init", "--state", "s.json"], "no state")):
        done = run_cli(argv, env, tmp_path)
        assert done.code == 2 and message in done.stderr, done.stderr
    (tmp_path / "file").write_text("x")
    done = run_cli(["init", "file"], env, tmp_path)
    assert done.code == 2 and "is not a folder" in done.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "file"]


def test_init_with_a_token_proposes_a_starter_policy_from_the_fleet(tmp_path, demo_api):
    env = cli_env(demo_api.base_url)
    done = run_cli(["init", "repo", "--now", NOW_ISO], env, tmp_path)
    assert done.code == 0, done.stderr
    text = (tmp_path / "repo" / "policies.yaml").read_text()
    assert "namespaces: [alice, acme-ml]" in text  # the user, then the organizations whoami names
    assert '- match: "prod-*"  # today: acme-ml/prod-chat\n    protected: true' in text
    assert "acme-ml/mert-eval-70b     $10.00/h" in text and "acme-ml/bench-llama-l40s   $8.30/h" in text
    assert "15 endpoint(s), 11 billing $31.47/h" in text
    out = done.stdout
    assert "protected as production: acme-ml/prod-chat" in out
    assert "today it would pause 1: acme-ml/mert-eval-70b ($10.00/h)" in out  # 3 days of a forgotten A100 x4
    assert "read the proposal in policies.yaml" in out and "mode dry-run" in out
    # What it writes validates, and `check` with it says what init said: one pause, production protected.
    repo = tmp_path / "repo"
    assert run_cli(["validate"], env, repo).code == 0
    check = run_cli(["check", "--now", NOW_ISO, "--format", "json"], env, repo)
    decisions = {(e["namespace"] + "/" + e["name"]): e["decision"] for e in check.json()["endpoints"]}
    assert [k for k, d in decisions.items() if d == "pause"] == ["acme-ml/mert-eval-70b"]
    assert decisions["acme-ml/prod-chat"] == "protected"
    assert not [k for k, d in decisions.items() if d == "scale-to-zero"]
    assert demo_api.request_counts().get("pause", 0) == 0  # init only reads


def test_a_namespace_the_token_cannot_list_is_left_out_and_named(tmp_path):
    fleet = {"user": "alice", "namespaces": {
        "alice": {"endpoints": [{"name": "Prod_API", "instance": "aws-us-east-1-nvidia-t4-x1",
                                 "repository": "alice/api", "running_for": "2d"}]},
        "big-org": {"deny": 403, "endpoints": []}}}
    with FakeEndpointsAPI.from_dict(fleet, clock=FakeClock(NOW)) as api:
        done = run_cli(["init", "repo", "--now", NOW_ISO], cli_env(api.base_url), tmp_path)
    assert done.code == 1  # written, but a namespace could not be listed
    text = (tmp_path / "repo" / "policies.yaml").read_text()
    assert "namespaces: [alice]\n# Not watched: big-org, which could not be listed (" in text
    assert "HTTP 403" in text and "big-org could not be listed" in done.stderr
    assert '- match: "Prod_*"  # today: alice/Prod_API' in text
    assert "today it would pause nothing" in done.stdout
    parse_policy(text, "policies.yaml")


def test_namespace_flag_skips_whoami(tmp_path, demo_api):
    done = run_cli(["init", "repo", "--namespace", "alice", "--now", NOW_ISO], cli_env(demo_api.base_url), tmp_path)
    assert done.code == 0, done.stderr
    assert "namespaces: [alice]\n" in (tmp_path / "repo" / "policies.yaml").read_text()
    assert demo_api.request_counts().get("whoami", 0) == 0


# ------------------------------------------------------------------------------------------------ the core part


@pytest.mark.parametrize("name, glob", [
    ("prod-chat", "prod-*"), ("chat-prod", "*-prod"), ("eu-prod-chat", "*-prod-*"),
    ("search_production", "*_production"), ("PRD.api", "PRD.*"), ("prod", "prod"), ("product-search", None),
    ("reproduce", None), ("my-bot", None),
])
def test_production_looking_names(name, glob):
    assert production_glob(name) == glob


def _snapshot(name: str, namespace: str = "acme", **kw) -> EndpointSnapshot:
    return EndpointSnapshot(namespace=namespace, name=name, state=kw.pop("state", "running"),
                            price_per_replica_hour=kw.pop("price", 1.0), **kw)


def test_the_starter_and_the_template_share_their_defaults_and_the_production_rule():
    starter = starter_policy([NamespaceResult("acme", True)], [], NOW)
    proposed = parse_policy(starter.text, "policies.yaml")
    shipped = parse_policy(template(POLICY_TEMPLATE).read_text(), "policies.yaml")
    for field in ("defaults", "timezone", "run_every_seconds", "max_actions_per_run", "notify"):
        assert getattr(proposed, field) == getattr(shipped, field), field
    assert [(r.match.text, r.protected) for r in proposed.rules] == [(r.match.text, r.protected) for r in shipped.rules]
    assert dict(proposed.defaults.written) == {key: value for key, value, _ in DEFAULTS}
    assert shipped.run_every_seconds == 24 * 3600  # the callers' cron is nightly


def test_the_starter_names_the_biggest_spenders_and_acts_only_on_the_clearly_forgotten():
    from datetime import timedelta

    def since(hours: float):
        return NOW - timedelta(hours=hours)

    snapshots = [
        _snapshot("forgotten", price=10.0, running_since=since(80), running_since_source="replica"),
        _snapshot("busy-service", price=4.0, running_since=since(70), running_since_source="replica",
                  last_activity=since(0.1), last_activity_source="last_used_at"),
        _snapshot("api-prod", price=3.0, running_since=since(500), running_since_source="replica"),
        _snapshot("quiet", price=1.0, running_since=since(10), running_since_source="replica",
                  last_activity=since(9), last_activity_source="last_used_at"),
        *(_snapshot(f"small-{i}", price=0.1, running_since=since(1), running_since_source="replica") for i in range(4)),
        _snapshot("asleep", state="paused"),
    ]
    starter = starter_policy([NamespaceResult("acme", True, endpoints=len(snapshots))], snapshots, NOW, user="acme")
    text = starter.text
    assert starter.protected == ("acme/api-prod",)
    assert '- match: "*-prod"  # today: acme/api-prod' in text
    assert [ev.endpoint.name for ev in starter.deciding(Decision.PAUSE)] == ["forgotten", "quiet"]
    spenders = [line for line in text.splitlines() if line.startswith("#   acme/")]
    assert [line.split()[1] for line in spenders] == ["acme/forgotten", "acme/busy-service", "acme/api-prod",
                                                      "acme/quiet", "acme/small-0"]  # top 5 by $/h
    assert "$10.00/h" in spenders[0] and "would pause: running 3d8h > max_uptime 3d (defaults)" in spenders[0]
    assert "kept" in spenders[1] and "protected (rule 2" in spenders[2]
    assert "9 endpoint(s), 8 billing $18.40/h" in text


def test_odd_namespace_names_are_quoted_and_an_empty_fleet_still_validates():
    starter = starter_policy([NamespaceResult("yes", True), NamespaceResult("123", True),
                              NamespaceResult("ok-org", True)], [], NOW)
    assert 'namespaces: ["yes", "123", ok-org]' in starter.text
    assert parse_policy(starter.text, "p.yaml").namespaces == ("yes", "123", "ok-org")
    assert "none billing." in starter.text
    # API text stays inside its comment: a message with a newline cannot write a key into the file.
    nothing = starter_policy([NamespaceResult("acme", False, "HTTP 401\nmax_actions_per_run: 1000")], [], NOW)
    assert parse_policy(nothing.text, "p.yaml").namespaces == () and "# namespaces: []" in nothing.text
    assert parse_policy(nothing.text, "p.yaml").max_actions_per_run == 10
    assert "(HTTP 401 max_actions_per_run: 1000)." in nothing.text


def test_the_readme_quotes_what_init_prints_in_an_empty_folder(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quoted = readme.split("```text\n$ watchdog init\n", 1)[1].split("```", 1)[0]
    repo = tmp_path / "ml-ops"
    repo.mkdir()
    done = run_cli(["init"], no_token_env(tmp_path), repo)
    assert done.code == 0
    assert done.stdout.replace(str(repo.resolve()), "/home/alice/ml-ops") == quoted
