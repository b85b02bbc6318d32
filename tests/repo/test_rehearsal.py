"""The GitHub Actions set-up as a user gets it, rehearsed end to end: README callers → reusable workflows → action.

One session (module scope) builds a user repository from the README, starts the fakes and plays the scenarios in
order (they share the state cache and the action's installed venv, as consecutive nights do); the tests below each
check one promise of that session. Machinery and what it simulates: tests/workflow_rehearsal.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests import workflow_rehearsal as wr
from tests.paths import REPO

ACTION_FILES = [REPO / "action.yml", REPO / ".github/workflows/reusable-watchdog.yml",
                REPO / ".github/workflows/reusable-policies.yml",
                REPO / "watchdog/templates/workflows/watchdog.yml",
                REPO / "watchdog/templates/workflows/policies.yml"]


# One rehearsal for the whole module (a real pip install of the action, about 12 s): under pytest-xdist the module
# runs on one worker (`--dist loadscope`, pyproject.toml), so the session is played once, not once per worker.
@pytest.fixture(scope="module")
def session(tmp_path_factory):
    with wr.Rehearsal(tmp_path_factory.mktemp("rehearsal") / "session") as rehearsal:
        played = wr.play(rehearsal)
        yield rehearsal, played


def step_log(job: wr.JobResult, suffix: str) -> wr.StepLog:
    matches = [log for log in job.logs if log.where.endswith(suffix)]
    assert len(matches) == 1, [log.where for log in job.logs]
    return matches[0]


def report_of(rehearsal: wr.Rehearsal, run: wr.RunResult, name: str = "watchdog-report") -> dict:
    folder = rehearsal.runner.artifacts_dir / str(run_id(rehearsal, run)) / name
    return json.loads((folder / "watchdog-report.json").read_text(encoding="utf-8"))


def run_id(rehearsal: wr.Rehearsal, run: wr.RunResult) -> int:
    return 7001 + rehearsal.runner.results.index(run)


# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_the_user_repository_holds_only_what_the_readme_tells_a_user_to_add(session):
    rehearsal, _ = session
    files = set(wr.git(rehearsal.runner.user_repo, "ls-tree", "-r", "--name-only", wr.DEFAULT_BRANCH).splitlines())
    assert files == {"policies.yaml", ".github/workflows/watchdog.yml", ".github/workflows/policies.yml",
                     ".github/dependabot.yml"}


@pytest.mark.e2e
def test_dry_run_installs_for_real_touches_nothing_and_reports(session):
    rehearsal, s = session
    job = s.dry_run.job("watchdog")
    assert job.result == "success", job.output[-4000:]
    install = step_log(job, "Install the watchdog")
    # The real install: pip resolved the pinned set and built the watchdog from the action's own files.
    assert "Successfully installed" in install.output and "hf-endpoint-watchdog-0.1.0" in install.output
    assert re.search(r"^hf-endpoint-watchdog \d", install.output, re.M), install.output[-1000:]
    assert s.mutations["posts_after_dry_run"] == s.mutations["posts_before_dry_run"], "the dry run touched an endpoint"
    assert s.mutations["slack_after_dry_run"] == s.mutations["slack_before_dry_run"], "the dry run posted to Slack"
    report = report_of(rehearsal, s.dry_run)
    assert report["command"] == "run" and report["dry_run"] is True
    assert "No saved state from a previous run" in job.summary  # the first run has nothing in the cache
    assert "mert-spike6" in job.summary  # the watchdog's own step summary: every endpoint and its decision
    outputs = job.steps["watchdog"]["outputs"]
    assert outputs["exit-code"] == "0" and outputs["report"] == "watchdog-report.json"
    assert outputs["paused"] == str(report["summary"]["paused"]) == "0"
    assert s.dry_run.outputs["watchdog"]["exit-code"] == "0"  # through the reusable workflow's outputs
    # A dry run leaves no state a real run would trust (it may be a replay at another --now): nothing is cached.
    assert not any(str(run_id(rehearsal, s.dry_run)) in key for _, key, _ in rehearsal.runner.cache.entries)


@pytest.mark.e2e
def test_the_installed_watchdog_lives_in_its_own_venv_and_the_job_environment_is_untouched(session):
    rehearsal, s = session
    venvs = list((rehearsal.runner.runner_temp / "hf-endpoint-watchdog").glob("venv-*"))
    assert len(venvs) == 1, venvs  # one install for the session: every later use found it ready
    where = subprocess.run([str(venvs[0] / "bin" / "python"), "-c", "import watchdog; print(watchdog.__file__)"],
                           capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
                           cwd=venvs[0])  # not this checkout, whose watchdog/ `python -c` would import
    assert where.stdout.startswith(str(venvs[0])), where  # the installed copy, not this checkout
    for run in rehearsal.runner.results:
        for job in run.jobs.values():
            assert not any(log.wrote_env for log in job.logs), "a step wrote GITHUB_ENV or GITHUB_PATH"
            assert job.environment_changes == []  # setup-python with update-environment: false added nothing
    later = [step_log(run.job("watchdog"), "Install the watchdog") for run in (s.run, s.pause_all_wrong)]
    assert all("reusing" in log.output and "Successfully installed" not in log.output for log in later)


@pytest.mark.e2e
def test_the_installed_package_ships_what_init_writes(session, tmp_path):
    # The action's venv holds a real, non-editable install built from this checkout: its `watchdog init` must find
    # the templates as package data (an editable install would read them from the checkout).
    rehearsal, _ = session
    (venv,) = (rehearsal.runner.runner_temp / "hf-endpoint-watchdog").glob("venv-*")
    done = subprocess.run([str(venv / "bin" / "watchdog"), "init", "repo"], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    written = {p.relative_to(tmp_path / "repo").as_posix(): p.read_text() for p in (tmp_path / "repo").rglob("*")
               if p.is_file()}
    templates = REPO / "watchdog" / "templates"
    assert written == {"policies.yaml": (templates / "policies.yaml").read_text(),
                       ".github/workflows/watchdog.yml": (templates / "workflows/watchdog.yml").read_text(),
                       ".github/workflows/policies.yml": (templates / "workflows/policies.yml").read_text()}
    # ...which are the README's blocks the rehearsal's user repository was built from.
    for name in (".github/workflows/watchdog.yml", ".github/workflows/policies.yml"):
        assert (rehearsal.runner.user_repo / name).read_text() == written[name]


@pytest.mark.e2e
def test_run_pauses_the_violator_writes_report_summary_state_and_outputs(session):
    rehearsal, s = session
    job = s.run.job("watchdog")
    assert job.result == "success", job.output[-4000:]
    assert rehearsal.api.state_of("acme-ml", "mert-spike6") == "paused"  # over its 4h limit: the violator
    assert rehearsal.api.state_of("acme-ml", "prod-chat") == "running"  # protected
    report = report_of(rehearsal, s.run)
    assert report["command"] == "run" and report["dry_run"] is False
    paused = [e["name"] for e in report["endpoints"] if e["outcome"] in ("paused", "scaled-to-zero")]
    assert "mert-spike6" in paused
    outputs = job.steps["watchdog"]["outputs"]
    assert outputs["exit-code"] == "0"
    # Paused or scaled to zero, as the output is described; the burn still billing after the run's actions.
    assert int(outputs["paused"]) == len(paused) >= 1
    summary = report["summary"]
    assert float(outputs["saved-usd-per-hour"]) == report["summary"]["saved_usd_per_hour"] > 0
    assert float(outputs["burn-usd-per-hour"]) == round(summary["burn_usd_per_hour"] - summary["saved_usd_per_hour"], 2)
    assert s.run.outputs["watchdog"]["paused"] == outputs["paused"]
    # The dry run saved no state, so this is the first run that remembers anything, and it says so.
    assert "mert-spike6" in job.summary and "No saved state" in job.summary
    assert step_log(job, "Restore the state").outcome == "success"  # a miss is not a failure
    keys = [key for _, key, _ in rehearsal.runner.cache.entries]
    assert keys[:2] == [f"watchdog-state-{run_id(rehearsal, s.run)}-1",
                        f"watchdog-state-{run_id(rehearsal, s.run_again)}-1"]
    assert rehearsal.slack.messages, "the run's news reached Slack"
    assert any("endpoint-watchdog" in str(i["labels"]) for i in rehearsal.github.issues.values())


@pytest.mark.e2e
def test_the_next_run_restores_the_state_by_prefix_and_does_not_pause_again(session):
    rehearsal, s = session
    job = s.run_again.job("watchdog")
    assert job.result == "success", job.output[-4000:]
    assert "No saved state" not in job.summary
    assert f"restored watchdog-state-{run_id(rehearsal, s.run)}-1" in "\n".join(rehearsal.runner.lines)
    report = report_of(rehearsal, s.run_again)
    assert not [e["name"] for e in report["endpoints"] if e["outcome"] in ("paused", "scaled-to-zero")]
    assert rehearsal.api.state_of("acme-ml", "mert-spike6") == "paused"  # still paused: nothing left to do


@pytest.mark.e2e
def test_pause_all_without_or_with_a_wrong_confirm_fails_and_touches_nothing(session):
    rehearsal, s = session
    assert s.mutations["posts_after_pause_all"] == s.mutations["posts_before_pause_all"]
    assert s.mutations["slack_after_pause_all"] == s.mutations["slack_before_pause_all"]
    empty = s.pause_all_empty.job("watchdog")
    assert empty.result == "failure"
    assert any(props == "title=pause-all needs confirm" for _, props, _ in empty.annotations), empty.annotations
    assert not [log for log in empty.logs if log.where.endswith("Install the watchdog")], "installed before refusing"
    wrong = s.pause_all_wrong.job("watchdog")
    assert wrong.result == "failure"
    assert wrong.steps["watchdog"]["outputs"]["exit-code"] == "2"
    assert "is not a watched namespace" in step_log(wrong, "/ Run the watchdog").output
    assert not (rehearsal.runner.artifacts_dir / str(run_id(rehearsal, s.pause_all_wrong))).exists()
    assert any(level == "warning" and "No files were found" in msg for level, _, msg in wrong.annotations)


@pytest.mark.e2e
def test_policy_pull_request_validates_plans_and_keeps_one_sticky_comment(session):
    rehearsal, s = session
    plan = s.pr_first.job("plan")
    assert plan.result == "success", plan.output[-4000:]
    assert "### Policy check: `policies.yaml`" in plan.summary and "Valid:" in plan.summary
    assert "### Policy plan" in plan.summary and "base-policies.yaml" in plan.summary
    assert s.pr_first.job("comment").result == "success"
    comments = rehearsal.github.comments_on(s.pr_number)
    assert len(comments) == 1, comments
    body = comments[0]["body"]
    assert body.startswith("<!-- hf-endpoint-watchdog:policy-plan -->")
    assert "Evaluated against the live endpoints" in body and "max_uptime" in body
    # Pushed again: the same comment, edited in place (a PATCH, not a second POST).
    assert s.pr_again.job("plan").result == "success"
    patches = [r for r in rehearsal.github.requests if r.method == "PATCH" and "/issues/comments/" in r.path]
    assert len(patches) == 1 and patches[0].path.endswith(f"/{comments[0]['id']}")
    assert "3h" in body  # comments_on returns the live object: the second plan (max_uptime 3h) replaced the first


@pytest.mark.e2e
def test_fork_pull_request_with_an_invalid_policy_is_annotated_and_gets_no_comment(session):
    rehearsal, s = session
    plan = s.pr_fork.job("plan")
    assert plan.result == "failure"
    errors = [(props, msg) for level, props, msg in plan.annotations if level == "error"]
    assert any("file=policies.yaml" in props and "line=" in props and "6 hours" in msg for props, msg in errors), errors
    assert "does not validate" in plan.summary
    assert s.pr_fork.job("comment").result == "skipped"
    assert len(rehearsal.github.comments_on(s.pr_number)) == 1  # still only the same-repository PR's comment


@pytest.mark.e2e
def test_no_secret_appears_anywhere_and_each_one_was_really_used(session):
    rehearsal, s = session
    assert rehearsal.secrets_found() == []
    # And the search does look: a sentinel slipped into one step summary is found.
    logs = s.run.job("watchdog").logs
    logs.append(wr.StepLog("planted", "success", summary=f"token {wr.HF_TOKEN}"))
    try:
        assert rehearsal.secrets_found() == [f"{wr.HF_TOKEN[:12]}… in planted: summary"]
    finally:
        logs.pop()
    # Used, not just absent: the token listed the fleet (the fake refuses a request without one), the webhook got
    # the message, the GitHub token wrote the dashboard issue and the PR comment.
    assert any(q.route == "list" for q in rehearsal.api.request_log())
    assert rehearsal.slack.messages and rehearsal.github.mutations()


@pytest.mark.e2e
def test_every_expression_of_the_action_the_workflows_and_the_callers_was_evaluated(session):
    rehearsal, _ = session
    evaluated = {text.strip() for text, _ in rehearsal.runner.expressions}
    missing = []
    for path in ACTION_FILES:
        for where, expr in wr.all_expressions(yaml.safe_load(path.read_text(encoding="utf-8"))):
            if expr.strip() not in evaluated:
                missing.append(f"{path.name} {where}: {expr}")
    assert missing == []


# ---------------------------------------------------------------------------------------------------------------
# The expression evaluator the rehearsal relies on (GitHub's documented semantics)


def _ev(failed: bool = False, workspace: Path | None = None) -> wr.Evaluator:
    return wr.Evaluator({"inputs": wr.StrictMap("inputs", {"mode": None, "flag": True}),
                         "github": {"event_name": "schedule", "event": {"pull_request": None}},
                         "steps": wr.StrictMap("steps", {"later": None})}, failed=failed, workspace=workspace)


@pytest.mark.parametrize("expression, value", [
    ("inputs.mode || 'run'", "run"),                       # null is falsy; || returns an operand
    ("'a' && 'b'", "b"),
    ("inputs.flag == true", True),
    ("'Schedule' == github.event_name", True),             # strings compare case-insensitively
    ("1 == 1.0 && '1' == 1 && null == 0", True),           # loose equality coerces to numbers
    ("'abc' != 'abd' && !(2 < 1) && 3 >= 3", True),
    ("github.event.pull_request.head.repo", None),         # a missing property is null, all the way down
    ("steps.later.outputs.x", None),                       # a declared step that has not run yet
    ("format('{0} by {1} {{0}}', 'pause-all', 'alice')", "pause-all by alice {0}"),
    ("contains(fromJSON('[\"run\", \"dry-run\"]'), 'DRY-RUN')", True),
    ("contains('refs/heads/main', 'heads')", True),
    ("startsWith('watchdog-state-7-1', 'watchdog-state-') && endsWith('a.yml', '.YML')", True),
    ("join(fromJSON('[1, 2]'), '-')", "1-2"),
    ("fromJSON('{\"a\": [1]}').a[0]", 1.0),
    ("success() && !failure() && always() && !cancelled()", True),
])
def test_the_evaluator_follows_githubs_semantics(expression, value):
    assert _ev().evaluate(expression) == value


@pytest.mark.parametrize("expression", [
    "secrets.HF_TOKEN",          # a context that is not available here
    "inputs.hf-tokn",            # a typo in a strict context
    "steps.nope.outputs.x",      # a step that does not exist
    "toLower('A')",              # a function the evaluator does not know
    "inputs.mode ==",            # not an expression
    "github.event.*.name",       # object filters are not supported
    "format('{1}', 'x')",        # a missing format argument
])
def test_the_evaluator_refuses_what_it_cannot_evaluate(expression):
    with pytest.raises(wr.ExpressionError):
        _ev().evaluate(expression)


def test_conditions_interpolation_and_hashfiles(tmp_path):
    assert wr.condition("inputs.flag", _ev()) is True
    assert wr.condition("inputs.flag", _ev(failed=True)) is False  # the implicit success() &&
    assert wr.condition("always() && inputs.flag", _ev(failed=True)) is True
    assert wr.condition(None, _ev(failed=True)) is False
    assert wr.interpolate("${{ inputs.flag }}", _ev()) is True  # a lone expression keeps its type
    assert wr.interpolate("key-${{ inputs.flag }}-${{ inputs.mode }}", _ev()) == "key-true-"
    assert wr.expressions_in("${{ format('}}{0}', 'x') }} and ${{ inputs.mode }}") == [
        "format('}}{0}', 'x')", "inputs.mode"]
    (tmp_path / "requirements.txt").write_text("x==1\n")
    digest = _ev(workspace=tmp_path).evaluate("hashFiles('requirements.txt')")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert _ev(workspace=tmp_path).evaluate("hashFiles('nothing-*.txt')") == ""
