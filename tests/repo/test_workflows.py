"""The GitHub Actions files are part of the product (users copy the callers, call the rest): check they are right.

Static checks on `action.yml`, the reusable workflows, the callers (this repository's and the ready-to-copy ones in
`watchdog/templates/workflows/`, which the README shows and `watchdog init` writes) and `ci.yml`: schema,
least-privilege permissions, SHA pins, no script injection, secrets only where the watchdog runs, state carried
between runs, the exit-code contract, and every `watchdog ...` command line accepted by the real CLI parser. Each
check is a function returning the problems it finds; `test_each_check_catches_a_broken_copy` feeds each one a
deliberately broken copy, so none can pass by checking nothing. Nothing here contacts GitHub;
tests/repo/test_rehearsal.py runs the whole chain against the fakes.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.paths import REPO
from watchdog.cli import build_parser

WORKFLOWS = REPO / ".github" / "workflows"
TEMPLATES = REPO / "watchdog" / "templates" / "workflows"  # what `watchdog init` writes; the README shows them
ACTION = REPO / "action.yml"
CALLERS = ("watchdog.yml", "policies.yml")
REUSABLE = {"watchdog.yml": "reusable-watchdog.yml", "policies.yml": "reusable-policies.yml"}
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
TEMPLATE_FILES = [TEMPLATES / name for name in CALLERS]
ALL_WORKFLOWS = WORKFLOW_FILES + TEMPLATE_FILES
PLACEHOLDER = "OWNER/hf-endpoint-watchdog"
SELF_ACTION = "./.watchdog-action"
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+){0,2}\b")
SECRET_INPUTS = ("hf-token", "slack-webhook-url", "github-token")

# Least privilege, job by job: anything added here must be argued for in docs/workflows.md. A caller's job grants
# exactly what the called workflow's jobs ask for (test_each_caller_grants_exactly_what_its_called_jobs_use).
EXPECTED_PERMISSIONS = {
    ("watchdog.yml", "watchdog"): {"contents": "read", "issues": "write"},
    ("policies.yml", "policies"): {"contents": "read", "actions": "read", "pull-requests": "write"},
    ("reusable-watchdog.yml", "watchdog"): {"contents": "read", "issues": "write"},
    ("reusable-policies.yml", "plan"): {"contents": "read", "actions": "read"},
    ("reusable-policies.yml", "comment"): {"pull-requests": "write"},
    ("ci.yml", "test"): {"contents": "read"},
}
# Where a workflow may name a secret or the token, and why:
#   (file, job, step id, place, key): the secret's value goes to the action's input, or to a step that uses it.
ALLOWED_SECRET_PLACES = {
    ("reusable-watchdog.yml", "watchdog", "watchdog", "with", "hf-token"),
    ("reusable-watchdog.yml", "watchdog", "watchdog", "with", "slack-webhook-url"),
    ("reusable-watchdog.yml", "watchdog", "watchdog", "with", "github-token"),
    ("reusable-policies.yml", "plan", "plan", "with", "hf-token"),
    # A boolean (`secrets.HF_TOKEN != ''`), never the value: decides live plan vs nightly report.
    ("reusable-policies.yml", "plan", "source", "env", "HAS_HF_TOKEN"),
    # The read-only token that lists and downloads the nightly report artifact (actions: read).
    ("reusable-policies.yml", "plan", "source", "env", "GITHUB_TOKEN"),
    # The pull-requests: write token of the job that runs no pull request code.
    ("reusable-policies.yml", "comment", None, "env", "GITHUB_TOKEN"),
}
# In action.yml, which step gets which secret input, and in which modes: validate none (it runs offline), plan only
# the Hugging Face token and only to list endpoints live, check no Slack URL and no GitHub token (it sends nothing).
ACTION_SECRET_ENV = {
    ("plan", "HF_TOKEN"): "${{ inputs.from-report == '' && inputs.hf-token || '' }}",
    ("fleet", "HF_TOKEN"): "${{ inputs.hf-token }}",
    ("fleet", "SLACK_WEBHOOK_URL"): "${{ inputs.mode != 'check' && inputs.slack-webhook-url || '' }}",
    ("fleet", "GITHUB_TOKEN"): "${{ inputs.mode != 'check' && inputs.github-token || '' }}",
}


def load(path: Path) -> dict[str, Any]:
    return parse(path.read_text(encoding="utf-8"))


def parse(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    if isinstance(data, dict) and True in data and "on" not in data:
        data["on"] = data.pop(True)  # PyYAML (YAML 1.1) reads the bare key `on` as the boolean True
    return data


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    value = workflow.get("on")
    if isinstance(value, str):
        return {value: None}
    if isinstance(value, list):
        return dict.fromkeys(value)
    return value or {}


def steps(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(job id, step) of a workflow, or ("action", step) of action.yml."""
    if "runs" in doc:
        for step in doc["runs"]["steps"]:
            yield "action", step
        return
    for job_id, job in doc["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def action() -> dict[str, Any]:
    return load(ACTION)


def action_step(step_id: str) -> dict[str, Any]:
    (step,) = [s for s in action()["runs"]["steps"] if s.get("id") == step_id]
    return step


# ---------------------------------------------------------------------------------------------------------------
# Extracting `watchdog ...` command lines from shell text


_VAR = re.compile(r'"?\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}?"?')
_COMMAND_START = re.compile(r"(?:^|[;&|(]\s*|\b(?:then|else|do)\s+)watchdog(?=\s|$)")
SAMPLE_VALUES = {"CONFIRM": "acme-ml", "MODE": "run", "POLICIES": "policies.yaml"}


def watchdog_commands(script: str) -> list[str]:
    """Each `watchdog ...` command in a shell script, `\\`-continued lines joined, cut at the first shell operator.

    A `watchdog` word only counts in command position (line start, after `;`, `&&`, `||`, `|`, `(`, `then`,
    `else`, `do`), so `echo "the watchdog ..."` is not a command.
    """
    joined = re.sub(r"\\\n\s*", " ", script)
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        for match in _COMMAND_START.finditer(stripped):
            rest = re.sub(r"\s\d+(?=[<>])", " ", stripped[match.end() - len("watchdog"):])  # `2>&1`: not an argument
            lexer = shlex.shlex(rest, posix=True, punctuation_chars=";&|<>()")
            lexer.whitespace_split = True
            words = []
            for token in lexer:
                if token and set(token) <= set(";&|<>()"):
                    break  # a redirection or the next command
                words.append(token)
            found.append(shlex.join(words))
    return found


def with_samples(command: str) -> list[str]:
    """argv for the parser: `"$CONFIRM"` -> `acme-ml`, other variables -> a sample path, `"${array[@]}"` -> nothing."""
    words = [w for w in shlex.split(command) if not re.fullmatch(r"\$\{\w+\[@\]\}", w)]
    return [_VAR.sub(lambda m: SAMPLE_VALUES.get(m.group(1), f"/tmp/sample-{m.group(1).lower()}"), w) for w in words]


def test_the_extractor_finds_commands_joins_continuations_and_ignores_prose():
    script = (
        'echo "the watchdog says hi"\n'
        "# watchdog run in a comment\n"
        'if [ -n "$X" ]; then watchdog plan --base "$base" >> "$body" || status=$?; fi\n'
        'watchdog pause-all --confirm "$CONFIRM" --include-protected \\\n'
        '    --state .watchdog/state.json "${namespace_args[@]}"\n'
    )
    assert watchdog_commands(script) == [
        "watchdog plan --base '$base'",
        "watchdog pause-all --confirm '$CONFIRM' --include-protected --state .watchdog/state.json "
        "'${namespace_args[@]}'",
    ]
    assert with_samples(watchdog_commands(script)[1]) == [
        "watchdog", "pause-all", "--confirm", "acme-ml", "--include-protected", "--state", ".watchdog/state.json"]


# ---------------------------------------------------------------------------------------------------------------
# The checks, as functions returning problems (so each can be shown to catch a broken copy)


def pin_problems(text: str, name: str) -> list[str]:
    """Every `uses:` is pinned to a full commit SHA with a `# vX.Y.Z` comment, or is one of the documented local or
    placeholder references; the same commit always carries the same version."""
    problems, pins = [], {}
    doc = parse(text)
    uses_lines = [line for line in text.splitlines() if re.match(r"\s*(-\s+)?uses:", line)]
    in_jobs = [job["uses"] for job in (doc.get("jobs") or {}).values() if "uses" in job]
    in_steps = [step["uses"] for _, step in steps(doc) if "uses" in step]
    if len(uses_lines) != len(in_jobs) + len(in_steps):
        problems.append(f"{name}: every `uses:` on its own line")
    for line in uses_lines:
        ref = line.split("uses:", 1)[1].split("#", 1)[0].strip()
        if ref in in_jobs:  # a reusable workflow
            if name in CALLERS and ref == f"./.github/workflows/{REUSABLE[name]}":
                continue  # this repository's own callers: the same commit as the caller
            template = name.removeprefix("templates/")
            if name.startswith("templates/") and ref == f"{PLACEHOLDER}/.github/workflows/{REUSABLE.get(template)}@v1":
                continue  # the ready-to-copy callers: the documented placeholder and moving tag (README)
            problems.append(f"{name}: reusable workflow {ref} is not the expected one")
            continue
        if ref == SELF_ACTION:
            continue  # checked by self_checkout_problems
        if not SHA_PIN.match(ref):
            problems.append(f"{name}: {ref} is not pinned to a full commit SHA")
            continue
        comment = VERSION_COMMENT.search(line)
        if not comment:
            problems.append(f"{name}: {ref} has no `# vX.Y.Z` comment")
            continue
        version = comment.group(0).lstrip("# ").strip()
        if pins.setdefault(ref, version) != version:
            problems.append(f"{ref}: {pins[ref]} vs {version}")
    return problems


def self_checkout_problems(doc: dict[str, Any], name: str) -> list[str]:
    """`uses: ./.watchdog-action` only right after checking out this workflow's own repository and commit."""
    problems = []
    for job_id, job in (doc.get("jobs") or {}).items():
        checked_out = False
        for step in job.get("steps", []):
            uses = step.get("uses", "")
            if uses.startswith("actions/checkout@") and (step.get("with") or {}).get("path") == ".watchdog-action":
                w = step["with"]
                checked_out = (w.get("repository") == "${{ job.workflow_repository }}"
                               and w.get("ref") == "${{ job.workflow_sha }}")
                if not checked_out:
                    problems.append(f"{name} {job_id}: .watchdog-action must be job.workflow_repository "
                                    "at job.workflow_sha")
            elif uses.startswith("./") and (uses != SELF_ACTION or not checked_out):
                problems.append(f"{name} {job_id}: `uses: {uses}` without the self checkout before it")
    return problems


def expression_in_run_problems(doc: dict[str, Any], name: str) -> list[str]:
    # `${{ github.event.* }}`, `${{ inputs.* }}` or `${{ secrets.* }}` pasted into a script is script injection
    # (a PR title or an input becomes shell code) or a secret in the script text; values go through `env:`.
    return [f"{name} {job_id} {step.get('name')}: ${{{{ }}}} in run: (use env:)"
            for job_id, step in steps(doc) if "${{" in step.get("run", "")]


def _strings(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, path + (index,))
    elif isinstance(node, str):
        yield path, node


def workflow_secret_problems(doc: dict[str, Any], name: str) -> list[str]:
    """Secrets and the token only where ALLOWED_SECRET_PLACES says; a caller maps each secret by name, no inherit."""
    problems = []
    if name in CALLERS:
        for job_id, job in doc["jobs"].items():
            if job.get("secrets") == "inherit":
                problems.append(f"{name} {job_id}: secrets: inherit hands every secret over; name them")
            for key, value in (job.get("secrets") or {}).items() if isinstance(job.get("secrets"), dict) else ():
                if value != f"${{{{ secrets.{key} }}}}":
                    problems.append(f"{name} {job_id}: secret {key} should be passed as itself, got {value}")
        for where, text in _strings(doc):
            if re.search(r"\$\{\{[^}]*\b(secrets\.|github\.token\b)", text) and where[2:3] != ("secrets",):
                problems.append(f"{name}: a secret outside the jobs' secrets mapping at {where}")
        return problems
    for where, text in _strings(doc):
        if not re.search(r"\$\{\{[^}]*\b(secrets\.|github\.token\b)", text):
            continue
        if len(where) == 6 and where[0] == "jobs" and where[2] == "steps" and where[4] in ("with", "env"):
            step = doc["jobs"][where[1]]["steps"][where[3]]
            if (name, where[1], step.get("id"), where[4], where[5]) in ALLOWED_SECRET_PLACES:
                continue
        problems.append(f"{name}: secret or token at {where} is not in ALLOWED_SECRET_PLACES")
    return problems


def action_secret_problems(doc: dict[str, Any]) -> list[str]:
    """The secret inputs reach only the env of the step that runs the watchdog in its mode; no script names them."""
    problems, seen = [], {}
    pattern = re.compile(r"\binputs\.(" + "|".join(map(re.escape, SECRET_INPUTS)) + r")\b")
    for where, text in _strings(doc):
        if not pattern.search(text) or where[:1] == ("inputs",):
            continue
        if len(where) == 5 and where[:2] == ("runs", "steps") and where[3] == "env":
            seen[(doc["runs"]["steps"][where[2]].get("id"), where[4])] = text
        else:
            problems.append(f"action.yml: a secret input at {where}")
    if seen != ACTION_SECRET_ENV:
        problems.append(f"action.yml: secret inputs reach {seen}, expected {ACTION_SECRET_ENV}")
    for _, step in steps(doc):
        if re.search(r"\$\{?(HF_TOKEN|SLACK_WEBHOOK_URL|GITHUB_TOKEN)\b", step.get("run", "")):
            problems.append(f"action.yml {step.get('id')}: the script itself reads a secret (the watchdog reads env)")
    return problems


def caller_problems(text: str, name: str) -> list[str]:
    """A caller a user copies: at most 30 lines, shown verbatim in the README."""
    problems = []
    if len(text.splitlines()) > 30:
        problems.append(f"{name}: {len(text.splitlines())} lines, more than 30")
    shown = readme_blocks().get(f".github/workflows/{name}")
    if shown != text:
        problems.append(f"{name}: not what the README shows")
    return problems


def readme_blocks() -> dict[str, str]:
    from tests.workflow_rehearsal import readme_blocks as blocks

    return blocks()


# ---------------------------------------------------------------------------------------------------------------
# Schema and general hygiene


def schema_problems(schema: str, *paths: Path) -> list[str]:
    """check-jsonschema (the `test` extra) with one of its bundled schemas, offline; in-process, which saves an
    interpreter start per call."""
    import contextlib
    import io

    from check_jsonschema.cli.main_command import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main.main(args=["--builtin-schema", schema, *map(str, paths)], standalone_mode=False)
        except SystemExit as done:
            code = done.code
    return [] if code == 0 else [out.getvalue() or f"check-jsonschema exited {code}"]


def test_the_workflow_files():
    assert {p.name for p in WORKFLOW_FILES} == {"watchdog.yml", "policies.yml", "reusable-watchdog.yml",
                                                "reusable-policies.yml", "ci.yml"}
    assert {p.name for p in TEMPLATES.iterdir()} == set(CALLERS)
    # One source of truth: the package's templates (what `watchdog init` writes), no second ready-to-copy folder.
    from watchdog.templates import CALLER_WORKFLOWS

    assert {f".github/workflows/{name}": f"workflows/{name}" for name in CALLERS} == CALLER_WORKFLOWS
    assert not (REPO / "examples").exists()


def test_every_workflow_matches_the_github_workflow_schema():
    assert schema_problems("vendor.github-workflows", *ALL_WORKFLOWS) == []


def test_the_action_matches_the_github_action_schema():
    assert schema_problems("vendor.github-actions", ACTION) == []


def test_dependabot_config_matches_its_schema_and_watches_actions_and_pins():
    path = REPO / ".github" / "dependabot.yml"
    assert schema_problems("vendor.dependabot", path) == []
    ecosystems = {u["package-ecosystem"] for u in load(path)["updates"]}
    assert {"github-actions", "pip"} <= ecosystems


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_top_level_permissions_are_empty(path: Path):
    assert load(path)["permissions"] == {}


def test_each_job_gets_exactly_its_permissions():
    seen = {}
    for path in WORKFLOW_FILES:
        for job_id, job in load(path)["jobs"].items():
            seen[(path.name, job_id)] = job.get("permissions")
    assert seen == EXPECTED_PERMISSIONS
    for path in TEMPLATE_FILES:  # the copies a user takes grant the same
        for job_id, job in load(path)["jobs"].items():
            assert job.get("permissions") == EXPECTED_PERMISSIONS[(path.name, job_id)]


def test_each_caller_grants_exactly_what_its_called_jobs_use():
    # A called job cannot get more than its caller grants, and a caller should not grant more than is used.
    rank = {"read": 1, "write": 2}
    for caller, reusable in REUSABLE.items():
        used: dict[str, str] = {}
        for job in load(WORKFLOWS / reusable)["jobs"].values():
            for scope, level in job["permissions"].items():
                used[scope] = max(used.get(scope, level), level, key=rank.get)
        (job,) = load(WORKFLOWS / caller)["jobs"].values()
        assert job["permissions"] == used, caller


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_job_that_runs_steps_has_a_short_timeout(path: Path):
    wf = load(path)
    call_inputs = (triggers(wf).get("workflow_call") or {}).get("inputs") or {}
    for job_id, job in wf["jobs"].items():
        if "uses" in job:
            assert "timeout-minutes" not in job  # a caller's job cannot set one: the called jobs do
            continue
        timeout = job.get("timeout-minutes")
        if isinstance(timeout, str):
            match = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", timeout)
            assert match, f"{path.name} {job_id}: {timeout}"
            timeout = call_inputs[match.group(1)]["default"]
        assert isinstance(timeout, int) and 1 <= timeout <= 30, (path.name, job_id)


@pytest.mark.parametrize("path", ALL_WORKFLOWS + [ACTION], ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_action_is_pinned_to_a_commit_sha_with_a_version_comment(path: Path):
    name = path.name
    problems = pin_problems(path.read_text(encoding="utf-8"), name if path.parent != TEMPLATES else f"templates/{name}")
    assert problems == []


def test_pins_are_consistent_across_all_files():
    pins: dict[str, str] = {}
    count = 0
    for path in ALL_WORKFLOWS + [ACTION]:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"\s*(?:-\s+)?uses:\s*(\S+@[0-9a-f]{40})\s*#\s*(v[\d.]+)", line)
            if match:
                assert pins.setdefault(match.group(1), match.group(2)) == match.group(2), match.group(1)
                count += 1
    assert count >= 10


@pytest.mark.parametrize("name", sorted(REUSABLE.values()))
def test_reusable_workflows_use_the_action_from_their_own_repository_and_commit(name: str):
    doc = load(WORKFLOWS / name)
    assert self_checkout_problems(doc, name) == []
    assert any(step.get("uses") == SELF_ACTION for _, step in steps(doc))


def test_no_workflow_uses_pull_request_target():
    for path in ALL_WORKFLOWS:
        assert "pull_request_target" not in triggers(load(path)), path.name
        for job in load(path)["jobs"].values():
            assert "workflow_run" not in str(job.get("if", ""))


def test_every_checkout_drops_its_credentials():
    checkouts = [(p.name, s) for p in WORKFLOW_FILES for _, s in steps(load(p))
                 if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 5  # the policy file and the action, twice; ci.yml
    for name, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, name


@pytest.mark.parametrize("path", ALL_WORKFLOWS + [ACTION], ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_expression_is_expanded_inside_shell_text(path: Path):
    assert expression_in_run_problems(load(path), path.name) == []


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_secrets_reach_only_the_places_that_need_them(path: Path):
    assert workflow_secret_problems(load(path), path.name) == []


def test_the_action_gives_each_secret_only_to_the_step_that_needs_it_and_no_script_reads_one():
    assert action_secret_problems(action()) == []


# ---------------------------------------------------------------------------------------------------------------
# The callers: what a user copies


@pytest.mark.parametrize("name", CALLERS)
def test_the_ready_to_copy_callers_are_short_and_exactly_what_the_readme_shows(name: str):
    assert caller_problems((TEMPLATES / name).read_text(encoding="utf-8"), name) == []


@pytest.mark.parametrize("name", CALLERS)
def test_this_repositorys_callers_are_the_same_but_call_the_local_reusable_workflows(name: str):
    # The "use this repository as a template" way in: the same caller, the reusable workflow of the same commit.
    example = (TEMPLATES / name).read_text(encoding="utf-8")
    local = (WORKFLOWS / name).read_text(encoding="utf-8")
    assert local == example.replace(f"uses: {PLACEHOLDER}/.github/workflows/{REUSABLE[name]}@v1",
                                    f"uses: ./.github/workflows/{REUSABLE[name]}")
    assert local != example


def test_the_readme_explains_the_placeholder_once_and_offers_watchdog_init():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "**`OWNER/hf-endpoint-watchdog`** stands for" in text
    assert "URL-of-this-repo" not in text
    assert "init: pending" not in text  # `watchdog init` exists (tests/cli/test_init.py)
    assert re.search(r"ready to copy\. `watchdog init` writes `policies.yaml` and both workflows for you", text)
    assert "Copy `policies.yaml`, `requirements/`" not in text  # the dead copy instructions are gone


def test_nightly_runs_at_an_odd_minute_and_the_policy_expects_it():
    schedule = triggers(load(TEMPLATES / "watchdog.yml"))["schedule"]
    assert len(schedule) == 1
    minute, hour, *rest = schedule[0]["cron"].split()
    assert minute.isdigit() and int(minute) % 2 == 1, "odd minute: GitHub drops and delays top-of-hour runs"
    assert hour.isdigit() and rest == ["*", "*", "*"], "nightly"
    # The dropped-cron check compares the last successful run with `run_every`: both must say "daily".
    from watchdog.adapters.policy_file import load_policy

    assert load_policy(REPO / "policies.yaml").run_every_seconds == 24 * 3600


def test_nightly_dispatch_inputs_and_what_the_caller_passes():
    wf = load(TEMPLATES / "watchdog.yml")
    assert set(triggers(wf)) == {"schedule", "workflow_dispatch"}
    inputs = triggers(wf)["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"mode", "confirm", "include_protected"}
    assert inputs["mode"] == {"type": "choice", "options": ["run", "dry-run", "pause-all"], "default": "run"}
    assert inputs["confirm"]["type"] == "string" and not inputs["confirm"].get("required", False)
    assert inputs["include_protected"]["type"] == "boolean" and inputs["include_protected"]["default"] is False
    (job,) = wf["jobs"].values()
    # A scheduled run has no inputs: each value falls back explicitly (a boolean input must receive a boolean).
    assert job["with"] == {"mode": "${{ inputs.mode || 'run' }}", "confirm": "${{ inputs.confirm || '' }}",
                           "include_protected": "${{ inputs.include_protected == true }}"}
    assert set(job["secrets"]) == {"HF_TOKEN", "SLACK_WEBHOOK_URL"}


def test_nightly_runs_never_overlap_nor_cancel_each_other_and_cannot_deadlock():
    caller = load(TEMPLATES / "watchdog.yml")["concurrency"]
    called = load(WORKFLOWS / "reusable-watchdog.yml")["jobs"]["watchdog"]["concurrency"]
    assert caller["cancel-in-progress"] is False and called["cancel-in-progress"] is False
    # One group for cron and dispatch: nothing run- or event-specific in either name.
    for group in (caller["group"], called["group"]):
        assert not re.search(r"run_id|event_name|inputs\.|github\.ref|head_ref", group)
    # A called job waiting on its caller's own group would wait forever: the names differ.
    assert caller["group"] != called["group"] and "github.workflow" not in called["group"]


def test_policy_caller_runs_on_policy_pull_requests_only_and_cancels_superseded_runs():
    wf = load(TEMPLATES / "policies.yml")
    assert set(triggers(wf)) == {"pull_request"}
    assert triggers(wf)["pull_request"]["paths"] == ["policies.yaml"]
    assert wf["concurrency"]["cancel-in-progress"] is True
    assert "github.event.pull_request.number" in wf["concurrency"]["group"]
    (job,) = wf["jobs"].values()
    assert job["secrets"] == {"HF_TOKEN": "${{ secrets.HF_TOKEN }}"} and "with" not in job


# ---------------------------------------------------------------------------------------------------------------
# The reusable workflows


def test_reusable_workflows_are_only_called_and_declare_their_interface():
    nightly = load(WORKFLOWS / "reusable-watchdog.yml")
    assert set(triggers(nightly)) == {"workflow_call"}
    call = triggers(nightly)["workflow_call"]
    assert set(call["inputs"]) == {"mode", "confirm", "include_protected", "policies", "runs-on", "timeout-minutes"}
    assert call["inputs"]["include_protected"]["type"] == "boolean"
    assert set(call["secrets"]) == {"HF_TOKEN", "SLACK_WEBHOOK_URL"}
    policies = load(WORKFLOWS / "reusable-policies.yml")
    assert set(triggers(policies)) == {"workflow_call"}
    assert set(triggers(policies)["workflow_call"]["secrets"]) == {"HF_TOKEN"}
    assert not triggers(policies)["workflow_call"]["secrets"]["HF_TOKEN"].get("required")  # forks have none


def test_policy_workflow_comments_only_from_same_repository_prs_and_without_pr_code():
    jobs = load(WORKFLOWS / "reusable-policies.yml")["jobs"]
    comment = jobs["comment"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    assert all("uses" not in step for step in comment["steps"])  # the write token's job runs no PR code
    assert "hf-endpoint-watchdog:policy-plan" in comment["steps"][0]["run"]
    plan = jobs["plan"]
    assert plan["steps"][0]["uses"].startswith("actions/checkout@") and plan["steps"][0]["with"]["fetch-depth"] == 0


def test_policy_workflow_validates_then_plans_the_base_branch_file_and_plans_even_after_failure():
    plan = load(WORKFLOWS / "reusable-policies.yml")["jobs"]["plan"]["steps"]
    modes = [(s.get("id"), s["with"]["mode"]) for s in plan if s.get("uses") == SELF_ACTION]
    assert modes == [("validate", "validate"), ("plan", "plan")]
    by_id = {s.get("id"): s for s in plan}
    assert by_id["plan"]["with"]["base"] == "${{ steps.base.outputs.path }}"
    assert 'git show "origin/$BASE_REF:$POLICIES"' in by_id["base"]["run"]
    # The comment is rewritten on every push, even when validation failed, so it never shows an older plan.
    assert by_id["plan"]["if"].startswith("always()") and by_id["comment"]["if"].startswith("always()")


# ---------------------------------------------------------------------------------------------------------------
# The action


def test_the_action_has_the_inputs_and_outputs_of_the_spec():
    doc = action()
    defaults = {name: spec.get("default") for name, spec in doc["inputs"].items()}
    assert defaults == {
        "mode": "run", "policies": "policies.yaml", "namespaces": "", "confirm": "", "include-protected": "false",
        "base": "", "from-report": "", "hf-token": "", "slack-webhook-url": "", "github-token": "${{ github.token }}",
        "state": "cache", "report": "watchdog-report.json", "python-version": "3.12"}
    assert set(doc["outputs"]) == {"exit-code", "paused", "failed", "burn-usd-per-hour", "saved-usd-per-hour", "report"}
    assert doc["runs"]["using"] == "composite"


def test_the_action_installs_itself_from_its_own_files_into_its_own_venv():
    install = action_step("install")["run"]
    assert '-r "$GITHUB_ACTION_PATH/requirements/watchdog.txt" "$GITHUB_ACTION_PATH"' in install
    assert 'venv="$RUNNER_TEMP/' in install and '-m venv' in install and '--python "$venv/bin/python"' in install
    assert not re.search(r"pip install\s+(-\S+\s+)*watchdog\b", install)  # PyPI's `watchdog` is another library
    python = action_step("python")
    assert python["with"]["update-environment"] is False  # the job's own Python and PATH stay as they were
    for _, step in steps(action()):
        assert not re.search(r"GITHUB_(PATH|ENV)\b", step.get("run", "")), step.get("id")


def _bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], capture_output=True,
                          text=True, timeout=30, cwd=cwd, env={"PATH": os.environ["PATH"], **env})


INPUT_CASES = [
    # (inputs, exit code, outputs or the error it must name)
    ({"MODE": "run"}, 0, {"report": "watchdog-report.json", "artifact": "watchdog-report", "restore-state": "true",
                          "save-state": "true"}),
    ({"MODE": "check"}, 0, {"artifact": "watchdog-report", "restore-state": "true", "save-state": "false"}),
    ({"MODE": "validate"}, 0, {"report": "", "artifact": "", "restore-state": "false", "save-state": "false"}),
    ({"MODE": "plan", "BASE": "old.yaml"}, 0, {"report": "watchdog-plan.md", "artifact": "watchdog-plan",
                                               "save-state": "false"}),
    ({"MODE": "run", "STATE": "none"}, 0, {"restore-state": "false", "save-state": "false"}),
    ({"MODE": "pause-all", "CONFIRM": "acme-ml"}, 0, {"save-state": "true"}),
    ({"MODE": "pause-all", "CONFIRM": "  "}, 2, "pause-all needs confirm"),
    ({"MODE": "plan"}, 2, "plan needs base"),
    ({"MODE": "nightly"}, 2, "unknown mode"),
    ({"MODE": "run", "STATE": "artifact"}, 2, "unknown state"),
    ({"MODE": "pause-all", "CONFIRM": "x", "INCLUDE_PROTECTED": "yes"}, 2, "include-protected"),
]


@pytest.mark.parametrize("given, code, expected", INPUT_CASES, ids=[str(c[0]) for c in INPUT_CASES])
def test_the_input_check_runs_first_and_refuses_bad_inputs_before_anything_is_installed(tmp_path, given, code,
                                                                                          expected):
    first = action()["runs"]["steps"][0]
    assert first["id"] == "inputs" and "uses" not in first
    env = {"STATE": "cache", "CONFIRM": "", "INCLUDE_PROTECTED": "false", "BASE": "", "FROM_REPORT": "",
           "REPORT": "watchdog-report.json", "GITHUB_OUTPUT": str(tmp_path / "out"), **given}
    done = _bash(first["run"], tmp_path, **env)
    assert done.returncode == code, done.stdout + done.stderr
    if code:
        assert f"::error title={expected}" in done.stdout and "Nothing was touched" in done.stdout
    else:
        from tests.workflow_rehearsal import _read_outputs

        outputs = _read_outputs(tmp_path / "out")
        assert {k: outputs[k] for k in expected} == expected


def test_state_is_restored_before_and_saved_after_every_run_even_a_failed_one():
    doc = action()
    order = [s.get("id") or s["uses"].split("@")[0] for s in doc["runs"]["steps"]]
    restore = action_step("restore")
    (save,) = [s for s in doc["runs"]["steps"] if s.get("uses", "").startswith("actions/cache/save@")]
    assert order.index("restore") < order.index("validate") < order.index("plan") < order.index("fleet") \
        < order.index("actions/cache/save")
    assert save["if"].startswith("always() && "), "a failed run still measured things the next run needs"
    assert restore["with"]["path"] == save["with"]["path"] == ".watchdog"
    assert restore["with"]["key"] == save["with"]["key"]
    assert "github.run_id" in save["with"]["key"] and "github.run_attempt" in save["with"]["key"]
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"]), "the next run finds this one by prefix"
    for step_id in ("plan", "fleet"):  # every command that reads or writes state uses the cached folder
        for command in watchdog_commands(action_step(step_id)["run"]):
            assert "--state .watchdog/state.json" in command or "--from-report" in command, command


def test_the_report_is_uploaded_even_after_a_failure_and_then_the_step_fails():
    doc = action()["runs"]["steps"]
    (upload,) = [s for s in doc if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["if"].startswith("always() && ") and upload["with"]["if-no-files-found"] in ("warn", "ignore")
    assert upload["with"]["path"] == "${{ steps.inputs.outputs.report }}"
    last = doc[-1]
    assert last["id"] == "result" and last["if"] == "always()" and doc.index(upload) < len(doc) - 1
    assert action()["outputs"]["exit-code"]["value"] == "${{ steps.result.outputs.exit-code }}"


@pytest.mark.parametrize("code, step_fails", [("0", False), ("1", True), ("2", True), ("3", False), ("127", True)])
def test_the_last_step_fails_on_exit_1_or_2_only(tmp_path, code, step_fails):
    done = _bash(action()["runs"]["steps"][-1]["run"], tmp_path, MODE="run", CODE=code, INPUTS="success",
                 GITHUB_OUTPUT=str(tmp_path / "out"))
    assert (done.returncode != 0) is step_fails, done.stdout
    assert (tmp_path / "out").read_text() == f"exit-code={code}\n"


def test_the_watchdog_steps_catch_the_exit_code_so_the_state_and_report_are_kept():
    for step_id in ("validate", "plan", "fleet"):
        script = action_step(step_id)["run"]
        assert "set +e" in script and 'echo "exit-code=$code" >> "$GITHUB_OUTPUT"' in script, step_id
        assert "continue-on-error" not in action_step(step_id)


def test_the_modes_map_to_the_right_commands_and_each_parses_with_the_real_cli():
    parser = build_parser()
    found = {}
    for step_id in ("validate", "plan", "fleet"):
        for command in watchdog_commands(action_step(step_id)["run"]):
            try:
                args = parser.parse_args(with_samples(command)[1:])
            except SystemExit:  # argparse already printed why
                pytest.fail(f"action.yml {step_id}: `{command}` is not accepted by the CLI")
            key = args.command + (" --dry-run" if getattr(args, "dry_run", False) else "") \
                + (" --include-protected" if getattr(args, "include_protected", False) else "") \
                + (" --from-report" if getattr(args, "from_report", None) else "")
            found[key] = found.get(key, 0) + 1
            assert args.command == "validate" or args.policies == "policies.yaml", command
    assert found == {"validate": 1, "plan": 1, "plan --from-report": 1, "run": 1, "run --dry-run": 1, "check": 1,
                     "pause-all": 1, "pause-all --include-protected": 1}


def test_the_workflows_run_no_watchdog_command_themselves():
    # Every `watchdog` call is the action's (checked above); a workflow calling it directly would bypass the
    # action's install, state and exit-code handling.
    for path in ALL_WORKFLOWS:
        for _, step in steps(load(path)):
            assert watchdog_commands(step.get("run", "")) == [], path.name


# ---------------------------------------------------------------------------------------------------------------
# Each check catches a broken copy


def _mutated(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}: update this mutation"
    return text.replace(old, new, 1)


BROKEN_COPIES: list[tuple[str, Callable[[], list[str]]]] = [
    ("a tag instead of a SHA", lambda: pin_problems(_mutated(
        ACTION, "actions/cache/restore@27d5ce7f107fe9357f9df03efb73ab90386fccae", "actions/cache/restore@v5"),
        "action.yml")),
    ("a SHA without its version comment", lambda: pin_problems(_mutated(ACTION, " # v7.0.0\n", "\n"), "action.yml")),
    ("one commit with two versions", lambda: pin_problems(_mutated(
        WORKFLOWS / "reusable-policies.yml", "# v7.0.1\n", "# v7.0.2\n"), "reusable-policies.yml")),
    ("a caller calling another workflow", lambda: pin_problems(_mutated(
        TEMPLATES / "watchdog.yml", "reusable-watchdog.yml@v1", "reusable-policies.yml@v1"), "templates/watchdog.yml")),
    ("the action from the caller's workspace", lambda: self_checkout_problems(parse(_mutated(
        WORKFLOWS / "reusable-watchdog.yml", "ref: ${{ job.workflow_sha }}", "ref: ${{ github.sha }}")),
        "reusable-watchdog.yml")),
    ("an expression in a script", lambda: expression_in_run_problems(parse(_mutated(
        ACTION, 'PATH="$WATCHDOG_BIN:$PATH"\n        log=', 'echo "${{ inputs.policies }}"\n        log=')),
        "action.yml")),
    ("a secret given to the validate step", lambda: action_secret_problems(parse(_mutated(
        ACTION, "        POLICIES: ${{ inputs.policies }}\n      run: |\n"
        "        PATH=\"$WATCHDOG_BIN:$PATH\"\n        log=",
        "        POLICIES: ${{ inputs.policies }}\n        HF_TOKEN: ${{ inputs.hf-token }}\n      run: |\n"
        "        PATH=\"$WATCHDOG_BIN:$PATH\"\n        log=")))),
    ("a script echoing a secret", lambda: action_secret_problems(parse(_mutated(
        ACTION, 'PATH="$WATCHDOG_BIN:$PATH"\n        if [ "$STATE"', 'echo "$HF_TOKEN"\n        if [ "$STATE"')))),
    ("the Slack URL given to check", lambda: action_secret_problems(parse(_mutated(
        ACTION, "${{ inputs.mode != 'check' && inputs.slack-webhook-url || '' }}",
        "${{ inputs.slack-webhook-url }}")))),
    ("secrets: inherit in a caller", lambda: workflow_secret_problems(parse(_mutated(
        TEMPLATES / "policies.yml", "    secrets:\n      HF_TOKEN: ${{ secrets.HF_TOKEN }}", "    secrets: inherit")),
        "policies.yml")),
    ("a secret in a step that does not need it", lambda: workflow_secret_problems(parse(_mutated(
        WORKFLOWS / "reusable-policies.yml", "          BASE_REF: ${{ github.base_ref }}",
        "          BASE_REF: ${{ github.base_ref }}\n          HF_TOKEN: ${{ secrets.HF_TOKEN }}")),
        "reusable-policies.yml")),
    ("a caller over 30 lines", lambda: caller_problems(
        (TEMPLATES / "watchdog.yml").read_text(encoding="utf-8") + "#\n" * 8, "watchdog.yml")),
    ("a caller that differs from the README", lambda: caller_problems(_mutated(
        TEMPLATES / "policies.yml", "cancel-in-progress: true", "cancel-in-progress: false"), "policies.yml")),
]


@pytest.mark.parametrize("label, check", BROKEN_COPIES, ids=[label for label, _ in BROKEN_COPIES])
def test_each_check_catches_a_broken_copy(label, check):
    assert check() != [], f"the check did not notice: {label}"


def test_the_schemas_catch_a_broken_workflow_and_a_broken_action(tmp_path):
    workflow = tmp_path / "broken.yml"
    workflow.write_text(_mutated(WORKFLOWS / "reusable-watchdog.yml", "issues: write    #", "issues: scribble    #"),
                        encoding="utf-8")
    broken_action = tmp_path / "action.yml"
    broken_action.write_text(_mutated(ACTION, "using: composite", "using: compost"), encoding="utf-8")
    assert schema_problems("vendor.github-workflows", workflow) != []
    assert schema_problems("vendor.github-actions", broken_action) != []


# ---------------------------------------------------------------------------------------------------------------
# ci.yml and the pinned installs


def test_ci_runs_the_gates_and_the_readme_test_command_on_311_and_312():
    wf = load(WORKFLOWS / "ci.yml")
    assert set(triggers(wf)) == {"push", "pull_request"}
    job = wf["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12"]
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert runs == ["python -m pip install -c requirements/watchdog.txt -e '.[test,lint]'", "python -m mypy",
                    "ruff check .", "python -m pytest -q"]
    ci_run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci_run.splitlines() if line.startswith(".venv/bin/")]
    assert commands[-4:] == [
        ".venv/bin/python -m pip install --quiet -c requirements/watchdog.txt -e '.[test,lint]'",
        ".venv/bin/python -m mypy", ".venv/bin/ruff check .", ".venv/bin/python -m pytest -q"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "pip install -c requirements/watchdog.txt -e '.[test]' && .venv/bin/python -m pytest -q" in readme


def test_requirements_pin_every_runtime_dependency_within_pyproject_ranges():
    pins = {}
    for line in (REPO / "requirements" / "watchdog.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"{line}: pin exactly"
            pins[canonicalize_name(requirement.name)] = spec.version
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for text in project["dependencies"]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is a dependency but not pinned in requirements/watchdog.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} vs {text}"
    # The transitive set too (huggingface-hub and httpx pull in more than the four direct dependencies).
    assert len(pins) > len(project["dependencies"])


@pytest.mark.parametrize("step_id", ["plan", "fleet"])
def test_the_namespaces_input_is_split_on_spaces_and_never_expanded_as_a_glob(step_id, tmp_path):
    """`namespaces: "a *"` once became `--namespace a --namespace <every file in the workspace>`: the step split the
    input with an unquoted `for ns in $NAMESPACES`. Its own script runs here with a `watchdog` that prints its argv."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    [step] = [s for s in action["runs"]["steps"] if s.get("id") == step_id]
    stub = tmp_path / "bin" / "watchdog"
    stub.parent.mkdir()
    stub.write_text('#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done > "$ARGV_OUT"\n')
    stub.chmod(0o755)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "evil-file.txt").write_text("")
    env = {"PATH": os.environ["PATH"], "WATCHDOG_BIN": str(stub.parent), "NAMESPACES": "a b $(touch pwned) *",
           "POLICIES": "policies.yaml", "BASE": "old.yaml", "FROM_REPORT": "r.json", "MODE": "check",
           "REPORT": str(tmp_path / "out" / "report.json"), "ARGV_OUT": str(tmp_path / "argv"),
           "GITHUB_OUTPUT": str(tmp_path / "gh-output"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=workspace, env=env, check=False, timeout=30)
    argv = (tmp_path / "argv").read_text()
    assert "[--namespace][a][--namespace][b][--namespace][$(touch][--namespace][pwned)][--namespace][*]" in argv
    assert "evil-file.txt" not in argv and not (workspace / "pwned").exists()
