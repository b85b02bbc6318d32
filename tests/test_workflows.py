"""The GitHub Actions workflows are part of the product (users copy them as they are): check they are right.

Static checks on `.github/workflows/*.yml`: schema, least-privilege permissions, SHA pins, no script injection,
secrets only where the watchdog runs, state carried between runs, and every `watchdog ...` command line in a
`run:` accepted by the real CLI parser. Nothing here contacts GitHub; the behaviour of the `run:` steps
is rehearsed end to end by `tests/workflow_rehearsal.py` (see `test_rehearsal_of_every_workflow_scenario`).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from watchdog.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+){0,2}\b")

# Least privilege, job by job: anything added here must be argued for in docs/workflows.md.
EXPECTED_PERMISSIONS = {
    ("watchdog.yml", "watchdog"): {"contents": "read", "issues": "write"},
    ("policies.yml", "plan"): {"contents": "read", "actions": "read"},
    ("policies.yml", "comment"): {"pull-requests": "write"},
    ("ci.yml", "test"): {"contents": "read"},
}
# Steps that need the GITHUB_TOKEN without running the watchdog: the PR comment and the report download.
TOKEN_STEPS_WITHOUT_WATCHDOG = {("policies.yml", "comment"), ("policies.yml", "report")}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The `on:` mapping. PyYAML (YAML 1.1) reads the bare key `on` as the boolean True."""
    value = workflow.get("on", workflow.get(True))
    if isinstance(value, str):
        return {value: None}
    if isinstance(value, list):
        return {name: None for name in value}
    return value or {}


def workflow(name: str) -> dict[str, Any]:
    return load(WORKFLOWS / name)


def steps(wf: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in wf["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def all_steps() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path in WORKFLOW_FILES:
        for job_id, step in steps(load(path)):
            yield path.name, job_id, step


# ---------------------------------------------------------------------------------------------------------------
# Extracting `watchdog ...` command lines from shell text


_VAR = re.compile(r'"?\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}?"?')
_COMMAND_START = re.compile(r"(?:^|[;&|(]\s*|\b(?:then|else|do)\s+)watchdog(?=\s|$)")
SAMPLE_VALUES = {"CONFIRM": "acme-ml", "MODE": "run"}


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
            rest = stripped[match.end() - len("watchdog"):]
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
    """argv for the parser: shell variables replaced by sample values (`"$CONFIRM"` -> `acme-ml`)."""
    words = shlex.split(command)
    return [_VAR.sub(lambda m: SAMPLE_VALUES.get(m.group(1), f"/tmp/sample-{m.group(1).lower()}"), w) for w in words]


def test_the_extractor_finds_commands_joins_continuations_and_ignores_prose():
    script = (
        'echo "the watchdog says hi"\n'
        "# watchdog run in a comment\n"
        'if [ -n "$X" ]; then watchdog plan --base "$base" >> "$body" || status=$?; fi\n'
        'watchdog pause-all --confirm "$CONFIRM" --include-protected \\\n'
        "    --state .watchdog/state.json\n"
    )
    assert watchdog_commands(script) == [
        "watchdog plan --base '$base'",
        "watchdog pause-all --confirm '$CONFIRM' --include-protected --state .watchdog/state.json",
    ]
    assert with_samples("watchdog pause-all --confirm $CONFIRM") == ["watchdog", "pause-all", "--confirm", "acme-ml"]


# ---------------------------------------------------------------------------------------------------------------
# Schema and general hygiene


def test_there_are_the_three_workflows():
    assert {p.name for p in WORKFLOW_FILES} == {"watchdog.yml", "policies.yml", "ci.yml"}


def _check_jsonschema() -> str:
    # The venv's own copy (installed by the `test` extra), next to the interpreter running the tests.
    exe = Path(sys.executable).parent / ("check-jsonschema.exe" if os.name == "nt" else "check-jsonschema")
    assert exe.exists(), f"{exe} not found: install the test extra (pip install -e '.[test]')"
    return str(exe)


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_matches_the_github_workflow_schema(path: Path):
    result = subprocess.run([_check_jsonschema(), "--builtin-schema", "vendor.github-workflows", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_config_matches_its_schema_and_watches_actions_and_pins():
    path = REPO / ".github" / "dependabot.yml"
    result = subprocess.run([_check_jsonschema(), "--builtin-schema", "vendor.dependabot", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    ecosystems = {u["package-ecosystem"] for u in load(path)["updates"]}
    assert {"github-actions", "pip"} <= ecosystems


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_top_level_permissions_are_empty(path: Path):
    assert load(path)["permissions"] == {}


def test_each_job_gets_exactly_its_permissions():
    seen = {}
    for path in WORKFLOW_FILES:
        for job_id, job in load(path)["jobs"].items():
            seen[(path.name, job_id)] = job.get("permissions")
    assert seen == EXPECTED_PERMISSIONS


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_job_has_a_short_timeout(path: Path):
    for job_id, job in load(path)["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int) and 1 <= job["timeout-minutes"] <= 30, job_id


def test_every_action_is_pinned_to_a_commit_sha_with_a_version_comment():
    pins: dict[str, str] = {}
    count = 0
    for path in WORKFLOW_FILES:
        lines = path.read_text(encoding="utf-8").splitlines()
        uses_lines = [line for line in lines if re.match(r"\s*(-\s+)?uses:", line)]
        parsed = [step["uses"] for _, step in steps(load(path)) if "uses" in step]
        assert len(uses_lines) == len(parsed), f"{path.name}: every `uses:` on its own line"
        for line in uses_lines:
            ref = line.split("uses:", 1)[1].split("#", 1)[0].strip()
            assert SHA_PIN.match(ref), f"{path.name}: {ref} is not pinned to a full commit SHA"
            comment = VERSION_COMMENT.search(line)
            assert comment, f"{path.name}: {ref} has no `# vX.Y.Z` comment"
            # The same commit must carry the same version everywhere (a half-done manual bump shows here).
            version = comment.group(0).lstrip("# ").strip()
            assert pins.setdefault(ref, version) == version, f"{ref}: {pins[ref]} vs {version}"
            count += 1
    assert count >= 8


def test_no_workflow_uses_pull_request_target():
    for path in WORKFLOW_FILES:
        assert "pull_request_target" not in triggers(load(path)), path.name
        for job in load(path)["jobs"].values():
            assert "workflow_run" not in str(job.get("if", ""))


def test_every_checkout_drops_its_credentials():
    checkouts = [(f, s) for f, _, s in all_steps() if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 3
    for name, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, name


def test_no_expression_is_expanded_inside_shell_text():
    # `${{ github.event.* }}`, `${{ inputs.* }}` or `${{ secrets.* }}` pasted into a script is script injection
    # (a PR title or an input becomes shell code) or a secret in the script text; values go through `env:`.
    for name, job_id, step in all_steps():
        script = step.get("run", "")
        assert "${{" not in script, f"{name} {job_id} {step.get('name')}: use env: instead of ${{{{ }}}} in run:"
        for context in ("secrets.", "github.event.", "inputs.", "github.token", "github.head_ref"):
            assert f"{{ {context}" not in script and "${{" + context not in script


def _strings(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, path + (index,))
    elif isinstance(node, str):
        yield path, node


def test_secrets_reach_only_the_env_of_the_steps_that_need_them():
    places = 0
    for path in WORKFLOW_FILES:
        wf = load(path)
        for where, text in _strings(wf):
            if not re.search(r"\$\{\{[^}]*\b(secrets\.|github\.token\b)", text):
                continue
            places += 1
            # Only as a step-level env value: jobs.<job>.steps[i].env.<NAME>
            assert len(where) == 6 and where[0] == "jobs" and where[2] == "steps" and where[4] == "env", (path.name, where)
            step = wf["jobs"][where[1]]["steps"][where[3]]
            runs_watchdog = bool(watchdog_commands(step.get("run", "")))
            if "secrets." in text:
                assert runs_watchdog, f"{path.name}: {where[-1]} given to a step that does not run the watchdog"
            else:
                assert runs_watchdog or (path.name, step.get("id")) in TOKEN_STEPS_WITHOUT_WATCHDOG, (path.name, where)
    assert places >= 6


# ---------------------------------------------------------------------------------------------------------------
# watchdog.yml


def test_watchdog_runs_nightly_at_an_odd_minute_and_the_policy_expects_it():
    schedule = triggers(workflow("watchdog.yml"))["schedule"]
    assert len(schedule) == 1
    minute, hour, *rest = schedule[0]["cron"].split()
    assert minute.isdigit() and int(minute) % 2 == 1, "odd minute: GitHub drops and delays top-of-hour runs"
    assert hour.isdigit() and rest == ["*", "*", "*"], "nightly"
    # The dropped-cron check compares the last successful run with `run_every`: both must say "daily".
    from watchdog.policy import load_policy

    assert load_policy(REPO / "policies.yaml").run_every_seconds == 24 * 3600


def test_watchdog_dispatch_inputs():
    inputs = triggers(workflow("watchdog.yml"))["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"mode", "confirm", "include_protected"}
    assert inputs["mode"]["type"] == "choice"
    assert inputs["mode"]["options"] == ["run", "dry-run", "pause-all"]
    assert inputs["mode"]["default"] == "run"
    assert inputs["confirm"]["type"] == "string" and not inputs["confirm"].get("required", False)
    assert inputs["include_protected"]["type"] == "boolean" and inputs["include_protected"]["default"] is False
    assert set(triggers(workflow("watchdog.yml"))) == {"schedule", "workflow_dispatch"}


def test_watchdog_runs_never_overlap_nor_cancel_each_other():
    concurrency = workflow("watchdog.yml")["concurrency"]
    assert concurrency["cancel-in-progress"] is False
    # One group for cron and dispatch: nothing run- or event-specific in its name.
    assert not re.search(r"run_id|event_name|inputs\.|github\.ref|head_ref", concurrency["group"])


def _step(wf: dict[str, Any], prefix: str) -> dict[str, Any]:
    matches = [s for _, s in steps(wf) if s.get("uses", "").startswith(prefix)]
    assert len(matches) == 1, prefix
    return matches[0]


def test_state_is_restored_before_and_saved_after_every_run():
    wf = workflow("watchdog.yml")
    order = [s.get("uses", "").split("@")[0] or ("watchdog" if watchdog_commands(s.get("run", "")) else "")
             for _, s in steps(wf)]
    assert order.index("actions/cache/restore") < order.index("watchdog") < order.index("actions/cache/save")
    restore, save = _step(wf, "actions/cache/restore@"), _step(wf, "actions/cache/save@")
    assert save.get("if") == "always()", "a failed run still measured things the next run needs"
    assert restore["with"]["path"] == save["with"]["path"] == ".watchdog"
    assert restore["with"]["key"] == save["with"]["key"]
    assert "github.run_id" in save["with"]["key"] and "github.run_attempt" in save["with"]["key"]
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"]), "the next run finds this one by prefix"
    # Every watchdog command keeps its state inside the cached folder.
    for _, step in steps(wf):
        for command in watchdog_commands(step.get("run", "")):
            assert "--state .watchdog/state.json" in command, command


def test_report_is_uploaded_even_when_the_run_failed():
    wf = workflow("watchdog.yml")
    upload = _step(wf, "actions/upload-artifact@")
    assert upload.get("if") == "always()"
    for _, step in steps(wf):
        for command in watchdog_commands(step.get("run", "")):
            assert f"--report {upload['with']['path']}" in command, command


def test_watchdog_exit_codes_fail_the_job():
    # 1 (something failed) and 2 (usage/policy/credentials) must turn the run red: nothing may swallow them.
    for _, step in steps(workflow("watchdog.yml")):
        if watchdog_commands(step.get("run", "")):
            assert "continue-on-error" not in step and "shell" not in step
            assert not re.search(r"\|\|\s*(true|:)|set \+e", step["run"])


def test_the_modes_map_to_the_right_commands():
    commands = [c for _, s in steps(workflow("watchdog.yml")) for c in watchdog_commands(s.get("run", ""))]
    heads = sorted(" ".join(c.split()[:3]) for c in commands)
    assert heads == ["watchdog pause-all --confirm", "watchdog pause-all --confirm", "watchdog run --dry-run",
                     "watchdog run --state"]
    assert sum("--include-protected" in c for c in commands) == 1


def _bash(script: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=30,
                          env={"PATH": os.environ["PATH"], **env})


def test_pause_all_without_confirm_fails_clearly_before_anything_runs():
    wf = workflow("watchdog.yml")
    first = wf["jobs"]["watchdog"]["steps"][0]
    assert "uses" not in first, "the input check comes before checkout and install"
    refused = _bash(first["run"], MODE="pause-all", CONFIRM="  ")
    assert refused.returncode != 0
    assert "::error" in refused.stdout and "confirm" in refused.stdout
    assert _bash(first["run"], MODE="pause-all", CONFIRM="acme-ml").returncode == 0
    assert _bash(first["run"], MODE="run", CONFIRM="").returncode == 0


# ---------------------------------------------------------------------------------------------------------------
# policies.yml


def test_policies_workflow_runs_on_policy_pull_requests_only():
    on = triggers(workflow("policies.yml"))
    assert set(on) == {"pull_request"}
    assert on["pull_request"]["paths"] == ["policies.yaml"]
    concurrency = workflow("policies.yml")["concurrency"]
    assert concurrency["cancel-in-progress"] is True
    assert "github.event.pull_request.number" in concurrency["group"]


def test_policies_workflow_comments_only_from_same_repository_prs_and_without_checkout():
    jobs = workflow("policies.yml")["jobs"]
    comment = jobs["comment"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    # The job holding the write token runs no code from the PR.
    assert all("uses" not in step for step in comment["steps"])
    assert "hf-endpoint-watchdog:policy-plan" in comment["steps"][0]["run"]
    plan = jobs["plan"]
    assert _step({"jobs": {"plan": plan}}, "actions/checkout@")["with"]["fetch-depth"] == 0


def test_policies_workflow_validates_then_plans_against_the_base_file():
    commands = [c for _, s in steps(workflow("policies.yml")) for c in watchdog_commands(s.get("run", ""))]
    assert commands[0] == "watchdog validate policies.yaml"
    plans = [c for c in commands if c.startswith("watchdog plan")]
    assert len(plans) == 2 and sum("--from-report" in c for c in plans) == 1
    base_step = next(s for _, s in steps(workflow("policies.yml")) if s.get("id") == "base")
    assert 'git show "origin/$BASE_REF:policies.yaml"' in base_step["run"]


# ---------------------------------------------------------------------------------------------------------------
# Every watchdog command line is one the CLI accepts


def test_every_watchdog_command_in_every_workflow_parses_with_the_real_cli():
    parser = build_parser()
    parsed = 0
    for name, job_id, step in all_steps():
        for command in watchdog_commands(step.get("run", "")):
            argv = with_samples(command)
            assert argv[0] == "watchdog"
            try:
                args = parser.parse_args(argv[1:])
            except SystemExit:  # argparse already printed why
                pytest.fail(f"{name} / {job_id} / {step.get('name')}: `{command}` is not accepted by the CLI")
            assert args.command in {"run", "pause-all", "validate", "plan"}
            parsed += 1
    assert parsed == 7  # run, run --dry-run, pause-all x2, validate, plan, plan --from-report


# ---------------------------------------------------------------------------------------------------------------
# ci.yml and the pinned installs


def test_ci_runs_the_readme_test_command_on_311_and_312():
    wf = workflow("ci.yml")
    assert set(triggers(wf)) == {"push", "pull_request"}
    job = wf["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12"]
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert runs == ["python -m pip install -c requirements/watchdog.txt -e '.[test]'", "python -m pytest -q"]
    assert "-m pip install --quiet -c requirements/watchdog.txt -e '.[test]'" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "-m pytest -q" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_installs_are_pinned_and_cached():
    for name in ("watchdog.yml", "policies.yml"):
        wf = workflow(name)
        setup = _step(wf, "actions/setup-python@")["with"]
        assert setup["cache"] == "pip" and setup["cache-dependency-path"] == "requirements/watchdog.txt"
        installs = [s["run"] for _, s in steps(wf) if "pip install" in s.get("run", "")]
        assert installs == ["python -m pip install -r requirements/watchdog.txt ."], name


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


# ---------------------------------------------------------------------------------------------------------------
# The rehearsal: every run: step of every scenario, with bash, against the loopback fakes


@pytest.mark.e2e
def test_rehearsal_of_every_workflow_scenario(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "tests" / "workflow_rehearsal.py"), "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "rehearsal: all" in result.stdout and "scenarios as expected" in result.stdout
