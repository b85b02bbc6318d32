#!/usr/bin/env python3
"""A local dry rehearsal of the GitHub Actions workflows: their real `run:` steps, with bash, against loopback fakes.

    python tests/workflow_rehearsal.py            # from the checkout, with the dev venv's python

For each scenario (a cron run, manual dry-run and pause-all runs, policy pull requests) it parses the workflow,
walks each job's steps in order, evaluates `if:` and `${{ }}` from a small context table (github, inputs,
secrets, steps, needs), and runs every `run:` step with `bash -e` in a temporary copy of the repository, with
GITHUB_STEP_SUMMARY / GITHUB_OUTPUT / GITHUB_ENV pointing at temporary files. Hugging Face, Slack and GitHub are
the bundled fakes on 127.0.0.1 (`watchdog.fakes.*`). Nothing reaches the network.

Not rehearsed, and said so in the output: `uses:` steps (checkout, setup-python, cache, upload; their outputs come
from the scenario table, and the state cache is simulated by carrying `.watchdog/` from one run to the next),
`pip install` steps (the venv running this script is already installed: its bin goes first on PATH), and
ci.yml (its only steps are the install and the test suite that runs this very rehearsal).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import yaml

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from watchdog.fakes.clock import FakeClock  # noqa: E402
from watchdog.fakes.endpoints_api import FakeEndpointsAPI  # noqa: E402
from watchdog.fakes.github import FakeGitHub  # noqa: E402
from watchdog.fakes.slack import FakeSlack  # noqa: E402

FLEET = REPO / "watchdog" / "demo" / "fleet.yaml"
REPOSITORY = "acme/ml-ops"
FAKE_HF_TOKEN = "hf_rehearsal_token_not_a_real_one"
FAKE_GITHUB_TOKEN = "ghs_rehearsal_token_not_a_real_one"
BILLABLE = {"pending", "initializing", "updating", "running"}
IGNORED = {".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis", ".watchdog", "build", "dist"}


# ---------------------------------------------------------------------------------------------------------------
# GitHub expressions: the small subset the workflows use (contexts, literals, ==, !=, !, &&, ||, status functions)

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>&&|\|\||==|!=|!|\(|\)|,)|(?P<num>\d+(?:\.\d+)?)"
                    r"|(?P<word>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*))")


def _lookup(contexts: dict[str, Any], dotted: str) -> Any:
    value: Any = contexts
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def evaluate(expression: str, contexts: dict[str, Any], status: dict[str, bool]) -> Any:
    """Evaluate one expression; `&&`/`||` return operands like GitHub's (and JavaScript's) do."""
    source, values, pos = [], [], 0
    expression = expression.strip()
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        if not match or match.end() == pos:
            raise ValueError(f"unsupported expression: {expression!r}")
        pos = match.end()
        if match.group("str") is not None:
            source.append(repr(match.group("str")[1:-1].replace("''", "'")))
        elif match.group("op"):
            source.append({"&&": " and ", "||": " or ", "!": " not "}.get(match.group("op"), match.group("op")))
        elif match.group("num"):
            source.append(match.group("num"))
        else:
            word = match.group("word")
            if word in ("true", "false", "null"):
                source.append({"true": "True", "false": "False", "null": "None"}[word])
            elif word in ("always", "success", "failure", "cancelled"):
                source.append(f"_{word}")
            else:
                values.append(_lookup(contexts, word))
                source.append(f"_v[{len(values) - 1}]")
    functions = {"_always": lambda: True, "_success": lambda: not status["failed"],
                 "_failure": lambda: status["failed"], "_cancelled": lambda: False}
    return eval("".join(source), {"__builtins__": {}, "_v": values, **functions})  # noqa: S307 - our own table


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def substitute(text: str, contexts: dict[str, Any], status: dict[str, bool]) -> str:
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: as_text(evaluate(m.group(1), contexts, status)), str(text))


def condition(text: Any, contexts: dict[str, Any], status: dict[str, bool]) -> bool:
    if text is None:
        return not status["failed"]
    expression = str(text).strip()
    if expression.startswith("${{"):
        expression = expression[3:].rstrip("}").strip()
    if not re.search(r"\b(always|success|failure|cancelled)\(", expression):
        expression = f"success() && ({expression})"  # GitHub's implicit success()
    return bool(evaluate(expression, contexts, status))


def read_outputs(path: Path) -> dict[str, str]:
    """`name=value` and `name<<DELIM ... DELIM` lines of a GITHUB_OUTPUT file."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[name] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        i += 1
    return outputs


# ---------------------------------------------------------------------------------------------------------------
# Running a job


@dataclass
class JobResult:
    result: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    summary: str = ""
    log: str = ""


@dataclass
class Scenario:
    name: str
    workflow: str
    event_name: str
    inputs: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    event: dict[str, Any] = field(default_factory=dict)
    base_ref: str = ""
    uses_outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # step id -> outputs of a skipped action
    expect: dict[str, str] = field(default_factory=dict)  # job id -> expected result
    prepare: Callable[[Path], None] | None = None
    check: Callable[[Path, dict[str, JobResult]], list[str]] | None = None  # returns problems


class Rehearsal:
    def __init__(self, workdir: Path, *, verbose: bool = True) -> None:
        self.workdir = workdir
        self.verbose = verbose
        self.now = datetime.now(timezone.utc).replace(microsecond=0)
        # Ticking: the watchdog reads the wall clock, so the fake must move with it.
        self.api = FakeEndpointsAPI.from_fleet_file(FLEET, clock=FakeClock(self.now, ticking=True))
        self.slack = FakeSlack()
        self.github = CommentEditingGitHub(REPOSITORY)
        self.cache: Path | None = None  # the simulated actions/cache entry (a copy of .watchdog/)
        self.run_id = 1000
        self.ran: list[str] = []

    def say(self, text: str) -> None:
        if self.verbose:
            print(text, flush=True)

    def __enter__(self) -> "Rehearsal":
        self.api_root = self.api.start()
        self.slack.start()
        self.github.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.stop()
        self.slack.stop()
        self.github.stop()

    def workspace(self, name: str) -> Path:
        """A fresh copy of the repository, standing in for actions/checkout."""
        target = self.workdir / re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        shutil.copytree(REPO, target, ignore=lambda d, names: [n for n in names if n in IGNORED or n.endswith(".egg-info")])
        return target

    def base_env(self, workspace: Path, runner_temp: Path) -> dict[str, str]:
        venv_bin = str(Path(sys.executable).parent)
        # Only what a runner would set: the developer's own HF_TOKEN or SLACK_WEBHOOK_URL must never leak in.
        return {
            "PATH": venv_bin + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(runner_temp),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_RUN_ID": str(self.run_id),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_API_URL": self.github.url,
            "RUNNER_TEMP": str(runner_temp),
            "WATCHDOG_ENDPOINTS_API_URL": f"{self.api_root}/v2",
            "HF_ENDPOINT": self.api_root,
            "GIT_CONFIG_NOSYSTEM": "1",
        }

    def contexts(self, scenario: Scenario) -> dict[str, Any]:
        event = {"repository": {"default_branch": "main"}, **scenario.event}
        if scenario.event_name == "workflow_dispatch":
            event["inputs"] = {k: as_text(v) for k, v in scenario.inputs.items()}
        return {
            "github": {"event_name": scenario.event_name, "workflow": scenario.workflow.removesuffix(".yml"),
                       "repository": REPOSITORY, "run_id": str(self.run_id), "run_attempt": "1", "actor": "rehearsal",
                       "base_ref": scenario.base_ref, "token": FAKE_GITHUB_TOKEN, "event": event},
            "inputs": dict(scenario.inputs),
            "secrets": {"GITHUB_TOKEN": FAKE_GITHUB_TOKEN, **scenario.secrets},
            "steps": {}, "needs": {}, "matrix": {}, "env": {},
        }

    def run_job(self, scenario: Scenario, wf: dict[str, Any], job_id: str, workspace: Path,
                needs: dict[str, JobResult]) -> JobResult:
        job = wf["jobs"][job_id]
        ctx = self.contexts(scenario)
        ctx["needs"] = {name: {"result": r.result, "outputs": r.outputs} for name, r in needs.items()}
        status = {"failed": any(r.result == "failure" for r in needs.values())}
        if not condition(job.get("if"), ctx, status):
            self.say(f"  job {job_id}: skipped (if: {job.get('if')})")
            return JobResult("skipped")
        self.say(f"  job {job_id}")
        runner_temp = Path(tempfile.mkdtemp(prefix=f"{job_id}-", dir=self.workdir))
        env = self.base_env(workspace, runner_temp)
        # A `watchdog` shim first on PATH records each real invocation (argv only: secrets live in env, not argv).
        shim_dir, trace = runner_temp / "bin", runner_temp / "watchdog-calls.txt"
        shim_dir.mkdir()
        (shim_dir / "watchdog").write_text(
            f'#!/usr/bin/env bash\nprintf "%q " watchdog "$@" >> {shlex.quote(str(trace))}\n'
            f'echo >> {shlex.quote(str(trace))}\nexec {shlex.quote(str(Path(sys.executable).parent / "watchdog"))} "$@"\n',
            encoding="utf-8")
        (shim_dir / "watchdog").chmod(0o755)
        env["PATH"] = f"{shim_dir}{os.pathsep}{env['PATH']}"
        env.update({k: substitute(v, ctx, status) for k, v in (wf.get("env") or {}).items()})
        env.update({k: substitute(v, ctx, status) for k, v in (job.get("env") or {}).items()})
        summary_parts, log = [], []
        status = {"failed": False}
        for index, step in enumerate(job["steps"]):
            label = step.get("name") or step.get("uses") or f"step {index + 1}"
            step_id = step.get("id", f"__{index}")
            if not condition(step.get("if"), ctx, status):
                ctx["steps"][step_id] = {"outcome": "skipped", "conclusion": "skipped", "outputs": {}}
                self.say(f"    - {label}: not run (if: {step.get('if', 'success()')})")
                continue
            if "uses" in step:
                outputs = dict(scenario.uses_outputs.get(step_id, {}))
                ctx["steps"][step_id] = {"outcome": "success", "conclusion": "success", "outputs": outputs}
                self.say(f"    - {label}: SKIPPED uses: {step['uses'].split('@')[0]}"
                         + (f" (simulated outputs {outputs})" if outputs else ""))
                continue
            script = step["run"]
            if re.search(r"\bpip install\b", script):
                ctx["steps"][step_id] = {"outcome": "success", "conclusion": "success", "outputs": {}}
                self.say(f"    - {label}: SKIPPED pip install (the rehearsal's venv is on PATH)")
                continue
            files = {name: runner_temp / f"{name.lower()}-{index}" for name in
                     ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV")}
            for path in files.values():
                path.touch()
            step_env = dict(env, **{k: str(v) for k, v in files.items()})
            step_env.update({k: substitute(v, ctx, status) for k, v in (step.get("env") or {}).items()})
            script_file = runner_temp / f"step-{index}.sh"
            script_file.write_text(script, encoding="utf-8")
            # GitHub's default for `run:` on Linux: bash --noprofile --norc -e {0}
            trace.write_text("", encoding="utf-8")
            done = subprocess.run(["bash", "--noprofile", "--norc", "-e", str(script_file)], cwd=workspace,
                                  env=step_env, capture_output=True, text=True, timeout=120)
            outcome = "success" if done.returncode == 0 else "failure"
            if outcome == "failure" and not step.get("continue-on-error"):
                status["failed"] = True
            outputs = read_outputs(files["GITHUB_OUTPUT"])
            ctx["steps"][step_id] = {"outcome": outcome, "conclusion": outcome, "outputs": outputs}
            for line in files["GITHUB_ENV"].read_text(encoding="utf-8").splitlines():
                if "=" in line:
                    env[line.split("=", 1)[0]] = line.split("=", 1)[1]
            summary_parts.append(files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"))
            log.append(f"$ [{label}]\n{done.stdout}{done.stderr}")
            commands = trace.read_text(encoding="utf-8").splitlines()
            self.say(f"    - {label}: RAN with bash, exit {done.returncode} ({outcome})")
            for command in commands:
                self.say(f"        ran: {command.strip()}")
            for line in (done.stdout + done.stderr).splitlines():
                if line.startswith(("::error", "::warning")):
                    self.say(f"        {line[:160]}")
            self.ran.append(f"{scenario.workflow}/{job_id}/{label}")
        outputs = {k: substitute(v, ctx, status) for k, v in (job.get("outputs") or {}).items()}
        return JobResult("failure" if status["failed"] else "success", outputs, ctx["steps"], "".join(summary_parts),
                         "\n".join(log))

    def play(self, scenario: Scenario) -> list[str]:
        self.run_id += 1
        self.say(f"\n=== {scenario.name} ({scenario.workflow}, event {scenario.event_name}) ===")
        wf = yaml.safe_load((REPO / ".github" / "workflows" / scenario.workflow).read_text(encoding="utf-8"))
        workspace = self.workspace(f"{self.run_id}-{scenario.name}")
        if scenario.workflow == "watchdog.yml" and self.cache is not None:
            shutil.copytree(self.cache, workspace / ".watchdog")  # actions/cache/restore
        if scenario.prepare:
            scenario.prepare(workspace)
        results: dict[str, JobResult] = {}
        for job_id, job in wf["jobs"].items():  # the workflows' jobs are declared in dependency order
            needs = job.get("needs", [])
            needs = [needs] if isinstance(needs, str) else needs
            results[job_id] = self.run_job(scenario, wf, job_id, workspace, {n: results[n] for n in needs})
        if scenario.workflow == "watchdog.yml" and (workspace / ".watchdog").exists():
            self.cache = self.workdir / f"cache-{self.run_id}"  # actions/cache/save, if: always()
            shutil.copytree(workspace / ".watchdog", self.cache)
        problems = []
        for job_id, result in results.items():
            wanted = scenario.expect.get(job_id, "success")
            if result.result != wanted:
                problems.append(f"job {job_id}: {result.result}, expected {wanted}\n{result.log[-4000:]}")
        if not problems and scenario.check:
            problems += scenario.check(workspace, results)
        for job_id, result in results.items():
            self.say(f"  -> job {job_id}: {result.result}")
            head = [line for line in result.summary.splitlines() if line.strip()][:6]
            if head:
                self.say("     step summary begins: " + " | ".join(line[:100] for line in head))
        self.say("  OK" if not problems else "  PROBLEMS:\n    " + "\n    ".join(problems))
        return problems


class CommentEditingGitHub(FakeGitHub):
    """The bundled fake plus `PATCH /issues/comments/{id}`, which the sticky PR comment needs."""

    def handle(self, method: str, target: str, payload: object, authorized: bool) -> tuple[int, object, dict]:
        match = re.fullmatch(rf"/repos/{re.escape(self.repository)}/issues/comments/(\d+)", target.split("?")[0])
        if match and method == "PATCH" and authorized and isinstance(payload, dict):
            for comment in self.comments:
                if comment["id"] == int(match.group(1)):
                    comment["body"] = payload.get("body", comment["body"])
                    return 200, dict(comment), {}
            return 404, {"message": "Not Found"}, {}
        return super().handle(method, target, payload, authorized)


# ---------------------------------------------------------------------------------------------------------------
# The scenarios


def _report(workspace: Path) -> dict[str, Any]:
    return json.loads((workspace / "watchdog-report.json").read_text(encoding="utf-8"))


def scenarios(r: Rehearsal) -> list[Scenario]:
    secrets = {"HF_TOKEN": FAKE_HF_TOKEN, "SLACK_WEBHOOK_URL": r.slack.url}
    pr = r.github.add_issue("Loosen the mert-* limits", pull_request=True)["number"]
    same_repo_pr = {"pull_request": {"number": pr, "head": {"repo": {"full_name": REPOSITORY}, "sha": "a1b2c3d4e5f6"}}}
    fork_pr = {"pull_request": {"number": pr, "head": {"repo": {"full_name": "someone/ml-ops"}, "sha": "0f0f0f0f0f"}}}
    billable_before: dict[str, list[str]] = {}

    def check_first_run(ws: Path, results: dict[str, JobResult]) -> list[str]:
        report, problems = _report(ws), []
        if report.get("command") != "run" or report.get("dry_run"):
            problems.append(f"report: {report.get('command')} dry_run={report.get('dry_run')}")
        if not (ws / ".watchdog" / "state.json").exists():
            problems.append("no state file to cache")
        if "No saved state" not in results["watchdog"].summary:
            problems.append("the step summary does not say that no state was restored")
        if not r.github.issues or not any("endpoint-watchdog" in str(i["labels"]) for i in r.github.issues.values()):
            problems.append("no dashboard issue in the fake GitHub")
        return problems

    def make_state_old(ws: Path) -> None:
        # As if the schedule had been off for 3 days: the restored state's last success is that old.
        path = ws / ".watchdog" / "state.json"
        state = json.loads(path.read_text(encoding="utf-8"))
        state.setdefault("runs", {})["last_success_at"] = (r.now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        path.write_text(json.dumps(state), encoding="utf-8")

    def check_stale_notice(ws: Path, results: dict[str, JobResult]) -> list[str]:
        text = json.dumps(_report(ws))
        return [] if "may have been dropped or disabled" in text else ["the report does not mention the dropped cron"]

    def before_dry_run(ws: Path) -> None:
        billable_before["slack"] = [str(len(r.slack.messages))]
        billable_before["pauses"] = [str(sum(1 for q in r.api.request_log() if q.method == "POST"))]

    def check_dry_run(ws: Path, results: dict[str, JobResult]) -> list[str]:
        problems = []
        if not _report(ws).get("dry_run"):
            problems.append("report is not a dry run")
        if str(sum(1 for q in r.api.request_log() if q.method == "POST")) != billable_before["pauses"][0]:
            problems.append("the dry run changed an endpoint")
        if str(len(r.slack.messages)) != billable_before["slack"][0]:
            problems.append("the dry run posted to Slack")
        return problems

    def check_refused(ws: Path, results: dict[str, JobResult]) -> list[str]:
        job = results["watchdog"]
        problems = []
        if "pause-all needs confirm" not in job.log:
            problems.append("no clear error for the missing confirm")
        if job.steps.get("watchdog", {}).get("outcome") not in (None, "skipped"):
            problems.append("the watchdog ran although confirm was empty")
        if (ws / "watchdog-report.json").exists():
            problems.append("a report was written: something ran")
        return problems

    def check_pause_all(ws: Path, results: dict[str, JobResult]) -> list[str]:
        report = _report(ws)
        still = [e["name"] for e in report["endpoints"]
                 if e["namespace"] == "alice" and r.api.state_of("alice", e["name"]) in BILLABLE]
        problems = [f"still billable after pause-all: {still}"] if still else []
        if report.get("command") != "pause-all":
            problems.append(f"report command {report.get('command')}")
        return problems

    def pr_change(old: str, new: str) -> Callable[[Path], None]:
        def prepare(ws: Path) -> None:
            git = ["git", "-c", "user.name=rehearsal", "-c", "user.email=rehearsal@example.invalid",
                   "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
            run = lambda *a: subprocess.run([*git, *a], cwd=ws, check=True, capture_output=True)  # noqa: E731
            run("init", "-q")
            run("add", "-A")
            run("commit", "-q", "-m", "base")
            run("update-ref", "refs/remotes/origin/main", "HEAD")  # what fetch-depth: 0 gives
            text = (ws / "policies.yaml").read_text(encoding="utf-8")
            assert old in text, f"rehearsal: {old!r} not in policies.yaml"
            (ws / "policies.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
            run("commit", "-q", "-am", "the PR")
        return prepare

    def check_comment(expect_text: str) -> Callable[[Path, dict[str, JobResult]], list[str]]:
        def check(ws: Path, results: dict[str, JobResult]) -> list[str]:
            comments = r.github.comments_on(pr)
            problems = []
            if len(comments) != 1:
                problems.append(f"{len(comments)} plan comments on the PR, expected exactly one")
            elif expect_text not in comments[0]["body"] or "hf-endpoint-watchdog:policy-plan" not in comments[0]["body"]:
                problems.append(f"the comment lacks {expect_text!r}: {comments[0]['body'][:300]}")
            if expect_text not in results["plan"].summary:
                problems.append("the plan is not in the step summary")
            return problems
        return check

    def check_fork(ws: Path, results: dict[str, JobResult]) -> list[str]:
        problems = []
        if "needs the HF_TOKEN secret" not in results["plan"].summary:
            problems.append("the summary does not say the plan needs the secret")
        if results["comment"].result != "skipped":
            problems.append("a fork PR must not get a comment")
        return problems

    # The PR's change: the first `max_uptime` limit (in `defaults`) moves, so decisions can change.
    text = (REPO / "policies.yaml").read_text(encoding="utf-8")
    first_limit = re.search(r"max_uptime: \d+h", text).group(0)

    return [
        Scenario("nightly cron run, no saved state yet", "watchdog.yml", "schedule", secrets=secrets,
                 uses_outputs={"state": {"cache-matched-key": ""}}, check=check_first_run),
        Scenario("nightly cron run after the schedule was off for 3 days", "watchdog.yml", "schedule", secrets=secrets,
                 uses_outputs={"state": {"cache-matched-key": "watchdog-state-1001-1"}},
                 prepare=make_state_old, check=check_stale_notice),
        Scenario("manual dry-run", "watchdog.yml", "workflow_dispatch", secrets=secrets,
                 inputs={"mode": "dry-run", "confirm": "", "include_protected": False},
                 uses_outputs={"state": {"cache-matched-key": "watchdog-state-1002-1"}},
                 prepare=before_dry_run, check=check_dry_run),
        Scenario("manual pause-all with an empty confirm (must be refused)", "watchdog.yml", "workflow_dispatch",
                 secrets=secrets, inputs={"mode": "pause-all", "confirm": "", "include_protected": False},
                 expect={"watchdog": "failure"}, check=check_refused),
        Scenario("manual pause-all --confirm alice", "watchdog.yml", "workflow_dispatch", secrets=secrets,
                 inputs={"mode": "pause-all", "confirm": "alice", "include_protected": False},
                 uses_outputs={"state": {"cache-matched-key": "watchdog-state-1003-1"}}, check=check_pause_all),
        Scenario("policy PR from this repository: validate, plan, comment", "policies.yml", "pull_request",
                 secrets={"HF_TOKEN": FAKE_HF_TOKEN}, event=same_repo_pr, base_ref="main",
                 prepare=pr_change(first_limit, "max_uptime: 6h"), check=check_comment("Evaluated against the live")),
        Scenario("the same PR, pushed again: the comment is edited in place", "policies.yml", "pull_request",
                 secrets={"HF_TOKEN": FAKE_HF_TOKEN}, event=same_repo_pr, base_ref="main",
                 prepare=pr_change(first_limit, "max_uptime: 3h"), check=check_comment("max_uptime")),
        Scenario("policy PR with an invalid file: annotations, job fails, comment says so", "policies.yml",
                 "pull_request", secrets={"HF_TOKEN": FAKE_HF_TOKEN}, event=same_repo_pr, base_ref="main",
                 prepare=pr_change(first_limit, "max_uptime: 6 hours"), expect={"plan": "failure"},
                 check=check_comment("does not validate")),
        Scenario("policy PR from a fork: no secrets, no artifact access, summary only", "policies.yml",
                 "pull_request", event=fork_pr, base_ref="main",
                 prepare=pr_change(first_limit, "max_uptime: 6h"), expect={"comment": "skipped"}, check=check_fork),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", help="where to put the temporary repository copies (default: a temp dir)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    tmp = None
    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="workflow-rehearsal-")
        workdir = Path(tmp.name)
    failures = []
    try:
        with Rehearsal(workdir, verbose=not args.quiet) as rehearsal:
            print("not rehearsed: ci.yml (its steps are the install and the test suite, which runs this rehearsal)")
            plays = scenarios(rehearsal)
            for scenario in plays:
                if problems := rehearsal.play(scenario):
                    failures.append((scenario.name, problems))
            print(f"\nran {len(rehearsal.ran)} run: steps with bash; fakes: Endpoints API {rehearsal.api_root}, "
                  f"Slack {len(rehearsal.slack.messages)} message(s), GitHub {len(rehearsal.github.requests)} request(s)")
    finally:
        if tmp is not None:
            tmp.cleanup()
    if failures:
        print(f"rehearsal: {len(failures)} of {len(plays)} scenarios FAILED: " + "; ".join(n for n, _ in failures))
        return 1
    print(f"rehearsal: all {len(plays)} scenarios as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
