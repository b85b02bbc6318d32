#!/usr/bin/env python3
"""A local rehearsal of the GitHub Actions set-up as a user gets it: caller workflow → reusable workflow → action.

    python tests/workflow_rehearsal.py          # from the checkout, with the dev venv's python: prints the run log

It builds a temporary *user* repository holding only what the README tells a user to add (`policies.yaml` and the
two caller workflows, taken from the README's own code blocks), then plays GitHub: for each scenario it evaluates
the caller's triggers and inputs, resolves `uses: OWNER/hf-endpoint-watchdog/...@v1` to this checkout, runs the
reusable workflow's jobs and, inside them, every step of the composite action in `action.yml`, with bash, exactly
as written, the install step included. Every `${{ }}` expression and `if:` on the way is evaluated by a small
evaluator of GitHub's expression language (below); one it cannot evaluate fails the run, so nothing passes by
being skipped.

What is simulated, and how:

- Well-known actions (`uses:` pinned to a commit SHA) are small stand-ins: checkout (a local clone of the user
  repository, or a copy of this checkout for the watchdog's own repository), setup-python (this interpreter; it
  only reports its path), cache restore/save (a folder store honouring `key` and `restore-keys` prefixes, newest
  first, immutable keys) and upload-artifact (a copy into an artifacts folder). Any other `uses:` fails.
- The install step runs for real: pip installs the pinned set and builds this checkout. Environment only makes
  it offline and fast: `PIP_NO_INDEX`, `PIP_FIND_LINKS` to a wheelhouse packed once per session from the test
  venv's own installed distributions (so the test venv must hold the pinned set: `pip install -c
  requirements/watchdog.txt -e '.[test]'`), `PIP_CONFIG_FILE=/dev/null`. The rehearsal keeps one RUNNER_TEMP for
  all its jobs (GitHub gives each job a clean one), so the first job installs and later ones take the step's
  "already installed in this job" branch, the one a second use of the action in one job takes.
- Hugging Face, Slack and GitHub are the bundled fakes on 127.0.0.1, reached through `fakes()` only. The runner's
  environment points the watchdog at them (WATCHDOG_ENDPOINTS_API_URL, HF_ENDPOINT, GITHUB_API_URL). Nothing
  reaches the network.
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import hashlib
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import yaml

REPO = Path(__file__).resolve().parents[1]  # not tests.paths: this file also runs as a script
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

README = REPO / "README.md"
PLACEHOLDER = "OWNER/hf-endpoint-watchdog"
ACTION_SHA = "5" * 40  # job.workflow_sha: the commit a caller's `@v1` resolves to (any fixed commit will do)
USER_REPOSITORY = "acme/ml-ops"
DEFAULT_BRANCH = "main"

# Sentinel secrets: every log, summary, output, artifact and cached file is searched for them.
HF_TOKEN = "hf_SENTINEL_rehearsal_token_7f3a9c"
SLACK_PATH_SECRET = "SENTINELslackREHEARSAL42"
GITHUB_TOKEN = "ghs_SENTINEL_rehearsal_github_1b2c3d"
SENTINELS = (HF_TOKEN, SLACK_PATH_SECRET, GITHUB_TOKEN)


def fakes() -> SimpleNamespace:
    """The bundled fake servers and the demo fleet: the one place this module imports the package's fakes."""
    from watchdog.fakes.clock import FakeClock
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI, demo_fleet_path
    from watchdog.fakes.github import FakeGitHub
    from watchdog.fakes.slack import FakeSlack

    return SimpleNamespace(EndpointsAPI=FakeEndpointsAPI, Slack=FakeSlack, GitHub=FakeGitHub, Clock=FakeClock,
                           demo_fleet=Path(demo_fleet_path()))


class RehearsalError(Exception):
    """Something the rehearsal cannot do faithfully (an unknown action, expression, input...): fails the test."""


# ---------------------------------------------------------------------------------------------------------------
# GitHub's expression language: literals, contexts, property and index access, ! < <= > >= == != && ||, and the
# functions below. Semantics as documented: loose equality with numeric coercion, case-insensitive string
# comparison, `&&`/`||` return an operand, null for a missing property (except where the context is strict).


class ExpressionError(RehearsalError):
    pass


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^']|'')*')
  | (?P<num>-?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\],.])
  | (?P<id>[A-Za-z_][A-Za-z0-9_-]*)
""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ExpressionError(f"cannot read {text[pos:pos + 20]!r} in expression {text!r}")
        pos = match.end()
        kind = match.lastgroup
        if kind == "ws":
            continue
        value = match.group(kind)
        if kind == "str":
            out.append(("lit", value[1:-1].replace("''", "'")))
        elif kind == "num":
            # After a value, `-1` would be a binary minus, which the language does not have.
            if (out and out[-1][0] in ("lit", "id")) or (out and out[-1] == ("op", ")")):
                raise ExpressionError(f"unexpected number {value!r} in {text!r}")
            out.append(("lit", int(value, 16) if "x" in value.lower() else float(value)))
        elif kind == "id" and value in ("true", "false", "null"):
            out.append(("lit", {"true": True, "false": False, "null": None}[value]))
        else:
            out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.i = text, _tokens(text), 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, kind: str, value: Any = None) -> tuple[str, Any]:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value or kind} at token {self.i} of {self.text!r}, got {token}")
        self.i += 1
        return token

    def at(self, *ops: str) -> str | None:
        token = self.peek()
        return token[1] if token and token[0] == "op" and token[1] in ops else None

    def parse(self) -> tuple:
        node = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()} in {self.text!r}")
        return node

    def or_(self) -> tuple:
        node = self.and_()
        while self.at("||"):
            self.i += 1
            node = ("or", node, self.and_())
        return node

    def and_(self) -> tuple:
        node = self.eq()
        while self.at("&&"):
            self.i += 1
            node = ("and", node, self.eq())
        return node

    def eq(self) -> tuple:
        node = self.cmp()
        while op := self.at("==", "!="):
            self.i += 1
            node = ("cmp", op, node, self.cmp())
        return node

    def cmp(self) -> tuple:
        node = self.unary()
        while op := self.at("<", "<=", ">", ">="):
            self.i += 1
            node = ("cmp", op, node, self.unary())
        return node

    def unary(self) -> tuple:
        if self.at("!"):
            self.i += 1
            return ("not", self.unary())
        return self.postfix()

    def postfix(self) -> tuple:
        node = self.primary()
        while True:
            if self.at("."):
                self.i += 1
                token = self.peek()
                if token is None or token[0] != "id":
                    raise ExpressionError(f"expected a property name in {self.text!r} "
                                          "(object filters are not supported)")
                self.i += 1
                node = ("get", node, ("lit", token[1]))
            elif self.at("["):
                self.i += 1
                index = self.or_()
                self.take("op", "]")
                node = ("get", node, index)
            else:
                return node

    def primary(self) -> tuple:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"unexpected end of {self.text!r}")
        if token[0] == "lit":
            self.i += 1
            return token
        if self.at("("):
            self.i += 1
            node = self.or_()
            self.take("op", ")")
            return node
        if token[0] == "id":
            self.i += 1
            if self.at("("):
                self.i += 1
                args = []
                if not self.at(")"):
                    args.append(self.or_())
                    while self.at(","):
                        self.i += 1
                        args.append(self.or_())
                self.take("op", ")")
                return ("call", token[1].lower(), args)
            return ("ctx", token[1])
        raise ExpressionError(f"unexpected {token} in {self.text!r}")


class StrictMap(dict):
    """A context (or part of one) where an unknown key is a mistake, not null: `inputs`, `steps`, `secrets`..."""

    def __init__(self, label: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "") or isinstance(value, (dict, list))


def to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if type(a) is type(b) and isinstance(a, (dict, list)):
        return a is b
    if a is None and b is None:
        return True
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    x, y = _number(a), _number(b)
    return x == y  # NaN never equals anything


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if isinstance(a, str) and isinstance(b, str):
        x, y = a.casefold(), b.casefold()
    else:
        x, y = _number(a), _number(b)
        if math.isnan(x) or math.isnan(y):
            return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _get(value: Any, key: Any) -> Any:
    if isinstance(value, list):
        index = _number(key)
        return value[int(index)] if not math.isnan(index) and 0 <= index < len(value) else None
    if not isinstance(value, dict):
        return None
    name = to_text(key)
    if name in value:
        return value[name]
    for candidate in value:  # property names are case-insensitive
        if isinstance(candidate, str) and candidate.casefold() == name.casefold():
            return value[candidate]
    if isinstance(value, StrictMap):
        raise ExpressionError(f"{value.label}.{name} does not exist (known: {', '.join(sorted(value)) or 'none'})")
    return None


class Evaluator:
    """Evaluates expressions against `contexts`; `status` gives success/failure for the status functions."""

    def __init__(self, contexts: Mapping[str, Any], *, failed: bool = False, workspace: Path | None = None,
                 log: Callable[[str, Any], None] | None = None) -> None:
        self.contexts = dict(contexts)
        self.failed = failed
        self.workspace = workspace
        self.log = log

    def child(self, **changes: Any) -> Evaluator:
        contexts = dict(self.contexts)
        contexts.update(changes)
        return Evaluator(contexts, failed=self.failed, workspace=self.workspace, log=self.log)

    def evaluate(self, text: str) -> Any:
        value = self._eval(_Parser(text).parse())
        if self.log:
            self.log(text, value)
        return value

    def _eval(self, node: tuple) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "ctx":
            name = node[1]
            if name not in self.contexts:
                raise ExpressionError(f"context {name!r} is not available here "
                                      f"(available: {', '.join(sorted(self.contexts))})")
            return self.contexts[name]
        if kind == "get":
            return _get(self._eval(node[1]), self._eval(node[2]))
        if kind == "not":
            return not truthy(self._eval(node[1]))
        if kind == "and":
            left = self._eval(node[1])
            return self._eval(node[2]) if truthy(left) else left
        if kind == "or":
            left = self._eval(node[1])
            return left if truthy(left) else self._eval(node[2])
        if kind == "cmp":
            return _compare(node[1], self._eval(node[2]), self._eval(node[3]))
        if kind == "call":
            return self._call(node[1], [self._eval(arg) for arg in node[2]])
        raise ExpressionError(f"unknown node {node}")

    def _call(self, name: str, args: list[Any]) -> Any:
        def arity(low: int, high: int | None = None) -> None:
            if not low <= len(args) <= (low if high is None else high):
                raise ExpressionError(f"{name}() takes {low}{'' if high is None else f'..{high}'} arguments, "
                                      f"got {len(args)}")

        if name in ("success", "failure", "always", "cancelled"):
            arity(0)
            return {"success": not self.failed, "failure": self.failed, "always": True, "cancelled": False}[name]
        if name == "contains":
            arity(2)
            haystack, needle = args
            if isinstance(haystack, list):
                return any(_equal(item, needle) for item in haystack)
            return to_text(needle).casefold() in to_text(haystack).casefold()
        if name in ("startswith", "endswith"):
            arity(2)
            text, affix = to_text(args[0]).casefold(), to_text(args[1]).casefold()
            return text.startswith(affix) if name == "startswith" else text.endswith(affix)
        if name == "format":
            if not args:
                raise ExpressionError("format() needs a format string")
            template, values = to_text(args[0]), args[1:]

            def field_(match: re.Match) -> str:
                if match.group(0) in ("{{", "}}"):
                    return match.group(0)[0]
                index = int(match.group(1))
                if index >= len(values):
                    raise ExpressionError(f"format(): no argument {{{index}}} in {template!r}")
                return to_text(values[index])

            return re.sub(r"\{\{|\}\}|\{(\d+)\}", field_, template)
        if name == "join":
            arity(1, 2)
            separator = to_text(args[1]) if len(args) == 2 else ","
            return separator.join(to_text(v) for v in args[0]) if isinstance(args[0], list) else to_text(args[0])
        if name == "tojson":
            arity(1)
            return json.dumps(args[0], indent=2)
        if name == "fromjson":
            arity(1)
            try:
                return json.loads(to_text(args[0]))
            except ValueError as error:
                raise ExpressionError(f"fromJSON(): {error}") from None
        if name == "hashfiles":
            if not args or self.workspace is None:
                raise ExpressionError("hashFiles() needs patterns and a workspace")
            files = sorted({p for pattern in args for p in self.workspace.glob(to_text(pattern)) if p.is_file()})
            if not files:
                return ""
            total = hashlib.sha256()
            for path in files:
                total.update(hashlib.sha256(path.read_bytes()).digest())
            return total.hexdigest()
        raise ExpressionError(f"unknown function {name}()")


def expressions_in(text: str) -> list[str]:
    """The `${{ ... }}` expressions in a string, respecting `}}` inside string literals."""
    found, pos = [], 0
    while (start := text.find("${{", pos)) != -1:
        i, quoted = start + 3, False
        while i < len(text):
            if text[i] == "'":
                quoted = not quoted
            elif not quoted and text.startswith("}}", i):
                break
            i += 1
        else:
            raise ExpressionError(f"unterminated ${{{{ in {text!r}")
        found.append(text[start + 3:i].strip())
        pos = i + 2
    return found


def interpolate(value: Any, ev: Evaluator) -> Any:
    """A YAML value with `${{ }}` evaluated: a lone expression keeps its type, anything else becomes text."""
    if not isinstance(value, str) or "${{" not in value:
        return value
    exprs = expressions_in(value)
    if len(exprs) == 1 and value.strip().startswith("${{") and value.strip().endswith("}}"):
        return ev.evaluate(exprs[0])
    out, pos = [], 0
    for expr in exprs:
        start = value.index("${{", pos)
        end = value.index("}}", start + 3 + len(expr)) + 2
        out.append(value[pos:start])
        out.append(to_text(ev.evaluate(expr)))
        pos = end
    out.append(value[pos:])
    return "".join(out)


def text_of(value: Any, ev: Evaluator) -> str:
    return to_text(interpolate(value, ev))


def condition(value: Any, ev: Evaluator) -> bool:
    """An `if:`: with `${{ }}` or without, and GitHub's implicit `success() &&` when no status function is used."""
    if value is None:
        return not ev.failed
    if isinstance(value, bool):
        return value and not ev.failed
    text = str(value).strip()
    if text.startswith("${{") and text.endswith("}}") and len(expressions_in(text)) == 1:
        text = expressions_in(text)[0]
    elif "${{" in text:
        return truthy(interpolate(text, ev))
    if re.search(r"\b(success|failure|always|cancelled)\s*\(", text):
        return truthy(ev.evaluate(text))
    parse_expression(text)
    return not ev.failed and truthy(ev.evaluate(text))  # the implicit `success() && (...)`


def all_expressions(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every `${{ }}` in a loaded YAML document, plus every bare `if:` expression, with where it sits."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}.{key}" if where else str(key)
            if key == "if" and isinstance(value, str) and "${{" not in value:
                yield path, value
            yield from all_expressions(value, path)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from all_expressions(value, f"{where}[{index}]")
    elif isinstance(node, str):
        for expr in expressions_in(node):
            yield where, expr


def parse_expression(text: str) -> None:
    """Raises ExpressionError when the evaluator could not read `text`."""
    _Parser(text).parse()


# ---------------------------------------------------------------------------------------------------------------
# The user's side, from the README: the two caller workflows and the policy file


def readme_blocks(readme: Path = README) -> dict[str, str]:
    """README ```yaml blocks whose first line is a comment naming their path (`# .github/workflows/x.yml: ...`)."""
    blocks = {}
    for match in re.finditer(r"^```ya?ml\n(.*?)^```", readme.read_text(encoding="utf-8"), re.S | re.M):
        body = match.group(1)
        head = re.match(r"# (\.github/[\w./-]+\.ya?ml)\b", body)
        if head:
            blocks[head.group(1)] = body
    return blocks


def git(cwd: Path, *args: str, check: bool = True) -> str:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "rehearsal", "GIT_AUTHOR_EMAIL": "r@example.invalid",
           "GIT_COMMITTER_NAME": "rehearsal", "GIT_COMMITTER_EMAIL": "r@example.invalid", "LANG": "C.UTF-8"}
    done = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=60)
    if check and done.returncode != 0:
        raise RehearsalError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def build_user_repository(root: Path, policy_text: str) -> Path:
    """A git repository holding only what the README tells a user to add: policies.yaml, the two callers (and the
    Dependabot snippet)."""
    root.mkdir(parents=True)
    blocks = readme_blocks()
    workflows = {path for path in blocks if path.startswith(".github/workflows/")}
    if workflows != {".github/workflows/watchdog.yml", ".github/workflows/policies.yml"}:
        raise RehearsalError(f"the README should show exactly the two caller workflows, found {sorted(workflows)}")
    for path, body in blocks.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(body, encoding="utf-8")
    (root / "policies.yaml").write_text(policy_text, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Add the hf-endpoint-watchdog")
    return root


# ---------------------------------------------------------------------------------------------------------------
# The offline wheelhouse: the test venv's installed distributions, packed back into wheels once per session


def pinned_requirements() -> list[tuple[str, str]]:
    pins = []
    for line in (REPO / "requirements" / "watchdog.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins.append((name.strip(), version.strip()))
    return pins


def _pack_wheel(dist: importlib.metadata.Distribution, dest: Path) -> Path:
    tags = [line.split(":", 1)[1].strip() for line in (dist.read_text("WHEEL") or "").splitlines()
            if line.startswith("Tag:")]
    if not tags or not dist.files:
        raise RehearsalError(f"{dist.metadata['Name']} was not installed from a wheel: cannot pack it")
    tag = "-".join(".".join(dict.fromkeys(t.split("-")[i] for t in tags)) for i in range(3))
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    target = dest / f"{name}-{dist.version}-{tag}.whl"
    records, dist_info = [], None
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for item in dist.files:
            relative = item.as_posix()
            if relative.startswith("..") or "__pycache__" in item.parts:
                continue  # console scripts (regenerated from entry_points.txt) and bytecode
            if item.parts[0].endswith(".dist-info"):
                dist_info = item.parts[0]
                if item.name in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json"):
                    continue
            path = Path(str(dist.locate_file(item)))
            if not path.is_file():
                continue
            data = path.read_bytes()
            archive.writestr(relative, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{relative},sha256={digest},{len(data)}")
        records.append(f"{dist_info}/RECORD,,")
        archive.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
    return target


def build_wheelhouse(dest: Path) -> Path:
    """Wheels of the pinned runtime set and of the build backend, from what the test venv has installed."""
    dest.mkdir(parents=True, exist_ok=True)
    wrong = []
    for name, version in pinned_requirements():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong.append(f"{name}=={version} (installed: {installed})")
    if wrong:
        raise RehearsalError("the test venv does not hold the pinned set of requirements/watchdog.txt, which the "
                             "rehearsal installs offline: " + ", ".join(wrong) +
                             ". Install with: pip install -c requirements/watchdog.txt -e '.[test]'")
    for name, _ in pinned_requirements():
        _pack_wheel(importlib.metadata.distribution(name), dest)
    _pack_wheel(importlib.metadata.distribution("setuptools"), dest)  # pyproject's build backend
    return dest


def action_snapshot(dest: Path) -> Path:
    """This checkout's files as `actions/checkout` of the watchdog's repository would give them."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                            timeout=60)
    if listed.returncode == 0:
        names = [n for n in listed.stdout.decode().split("\0") if n]
    else:  # not a git checkout (an sdist): everything but the usual litter
        skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "build", "dist", ".watchdog"}
        names = [str(p.relative_to(REPO)) for p in REPO.rglob("*")
                 if p.is_file() and not skip & set(p.relative_to(REPO).parts)]
    for name in names:
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


# ---------------------------------------------------------------------------------------------------------------
# Stand-ins for the well-known actions


@dataclass
class StepResult:
    outcome: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class StandIn:
    run: Callable[[JobRun, dict[str, str]], dict[str, str]]
    inputs: frozenset[str]
    outputs: frozenset[str]


class StandInFailure(Exception):
    """The simulated action failed (as the real one would, e.g. upload-artifact with if-no-files-found: error)."""


def _checkout(job: JobRun, args: dict[str, str]) -> dict[str, str]:
    if args.get("persist-credentials", "true") != "false":
        raise RehearsalError("actions/checkout without persist-credentials: false")
    target = (job.workspace / args.get("path", ".")).resolve()
    if job.workspace not in (target, *target.parents):
        raise RehearsalError(f"checkout path {args.get('path')} is outside the workspace")
    repository = args.get("repository") or job.runner.github["repository"]
    if repository == job.runner.github["repository"]:
        ref = args.get("ref") or job.runner.checkout_ref
        if target != job.workspace:
            raise RehearsalError("the rehearsal checks out the user repository at the workspace root only")
        depth = args.get("fetch-depth", "1")
        clone = ["clone", "-q", "--no-hardlinks"]
        if depth != "0":
            clone += ["--depth", depth, "--single-branch", "--branch", ref]
        git(job.workspace.parent, *clone, f"file://{job.runner.user_repo}", job.workspace.name)
        git(job.workspace, "checkout", "-q", ref)
        return {"ref": ref, "commit": git(job.workspace, "rev-parse", "HEAD")}
    workflow_repository, workflow_sha = job.contexts["job"]["workflow_repository"], job.contexts["job"]["workflow_sha"]
    if repository == workflow_repository and args.get("ref") == workflow_sha:
        if target == job.workspace:
            raise RehearsalError("the watchdog's repository must not replace the user's workspace")
        shutil.copytree(job.runner.snapshot, target, symlinks=True)
        return {"ref": workflow_sha, "commit": workflow_sha}
    raise RehearsalError(f"checkout of {repository}@{args.get('ref')}: not a repository this rehearsal knows")


def _setup_python(job: JobRun, args: dict[str, str]) -> dict[str, str]:
    if args.get("cache"):
        raise RehearsalError("setup-python with a cache: not simulated")
    requested = args.get("python-version", "")
    job.say(f"        stand-in: Python {platform.python_version()} at {sys.executable} (asked for {requested})")
    if args.get("update-environment", "true") != "false":
        job.path_additions.append(str(Path(sys.executable).parent))
    return {"python-version": platform.python_version(), "python-path": sys.executable, "cache-hit": "false"}


def _cache_restore(job: JobRun, args: dict[str, str]) -> dict[str, str]:
    key = args["key"]
    prefixes = [line.strip() for line in args.get("restore-keys", "").splitlines() if line.strip()]
    entry = job.runner.cache.lookup(key, prefixes)
    target = job.workspace / args["path"]
    if entry is None:
        job.say(f"        stand-in: cache miss for {key} (restore-keys {prefixes})")
        return {"cache-hit": "false", "cache-primary-key": key, "cache-matched-key": ""}
    matched, folder = entry
    shutil.copytree(folder, target, dirs_exist_ok=True)
    job.say(f"        stand-in: restored {matched} into {args['path']}")
    return {"cache-hit": str(matched == key).lower(), "cache-primary-key": key, "cache-matched-key": matched}


def _cache_save(job: JobRun, args: dict[str, str]) -> dict[str, str]:
    source = job.workspace / args["path"]
    if not source.exists():
        job.annotate("warning", f"Path Validation Error: {args['path']} does not exist, no cache is saved")
    elif not job.runner.cache.save(args["key"], source):
        job.annotate("warning", f"Failed to save: a cache entry with key {args['key']} exists (entries are immutable)")
    else:
        job.say(f"        stand-in: saved {args['path']} as {args['key']}")
    return {}


def _upload_artifact(job: JobRun, args: dict[str, str]) -> dict[str, str]:
    name, pattern = args.get("name", "artifact"), args["path"]
    files = []
    for line in filter(None, (line.strip() for line in pattern.splitlines())):
        matches = [Path(line)] if Path(line).is_absolute() else job.workspace.glob(line)
        files += [p for p in matches if p.is_file()]
    if not files:
        policy = args.get("if-no-files-found", "warn")
        if policy == "error":
            raise StandInFailure(f"No files were found with the provided path: {pattern}")
        if policy == "warn":
            job.annotate("warning", f"No files were found with the provided path: {pattern}. "
                         "No artifacts will be uploaded.")
        return {}
    folder = job.runner.artifacts_dir / str(job.runner.run_id) / name
    if folder.exists():
        if args.get("overwrite", "false") != "true":
            raise StandInFailure(f"an artifact named {name} already exists in this run")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for path in files:
        shutil.copy2(path, folder / path.name)
    job.say(f"        stand-in: uploaded {[p.name for p in files]} as artifact {name}")
    return {"artifact-id": str(len(list(job.runner.artifacts_dir.rglob("*")))), "artifact-url": "",
            "artifact-digest": ""}


STAND_INS: dict[str, StandIn] = {
    "actions/checkout": StandIn(_checkout, frozenset({
        "repository", "ref", "token", "path", "fetch-depth", "persist-credentials", "clean", "sparse-checkout",
        "fetch-tags", "lfs", "submodules"}), frozenset({"ref", "commit"})),
    "actions/setup-python": StandIn(_setup_python, frozenset({
        "python-version", "python-version-file", "cache", "cache-dependency-path", "architecture",
        "check-latest", "update-environment", "allow-prereleases", "freethreaded"}),
        frozenset({"python-version", "python-path", "cache-hit"})),
    "actions/cache/restore": StandIn(_cache_restore, frozenset({
        "path", "key", "restore-keys", "fail-on-cache-miss", "lookup-only", "enableCrossOsArchive"}),
        frozenset({"cache-hit", "cache-primary-key", "cache-matched-key"})),
    "actions/cache/save": StandIn(_cache_save, frozenset({"path", "key", "upload-chunk-size", "enableCrossOsArchive"}),
                                  frozenset()),
    "actions/upload-artifact": StandIn(_upload_artifact, frozenset({
        "name", "path", "if-no-files-found", "retention-days", "compression-level", "overwrite",
        "include-hidden-files"}), frozenset({"artifact-id", "artifact-url", "artifact-digest"})),
}
PINNED_USES = re.compile(r"^(?P<name>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})$")


class CacheStore:
    """actions/cache as GitHub runs it: immutable keys; restore by exact key, else by prefix, newest first."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.entries: list[tuple[int, str, Path]] = []

    def lookup(self, key: str, prefixes: list[str]) -> tuple[str, Path] | None:
        for _, name, folder in self.entries:
            if name == key:
                return name, folder
        for prefix in prefixes:
            matches = [(seq, name, folder) for seq, name, folder in self.entries if name.startswith(prefix)]
            if matches:
                _, name, folder = max(matches)
                return name, folder
        return None

    def save(self, key: str, source: Path) -> bool:
        if any(name == key for _, name, _ in self.entries):
            return False
        folder = self.root / f"{len(self.entries):03d}-{key}"
        shutil.copytree(source, folder)
        self.entries.append((len(self.entries), key, folder))
        return True


# ---------------------------------------------------------------------------------------------------------------
# Running workflows, jobs, steps and the composite action


@dataclass
class StepLog:
    where: str  # "job / step" or "job / action step"
    outcome: str
    output: str = ""
    summary: str = ""
    outputs_file: str = ""
    wrote_env: bool = False


@dataclass
class JobResult:
    result: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    logs: list[StepLog] = field(default_factory=list)
    annotations: list[tuple[str, str, str]] = field(default_factory=list)  # (level, properties, message)
    permissions: dict[str, str] = field(default_factory=dict)
    concurrency: str = ""
    files: dict[str, str] = field(default_factory=dict)  # the workspace at the end (not .git, not the action)
    environment_changes: list[str] = field(default_factory=list)  # what steps added to PATH or the job's env

    @property
    def summary(self) -> str:
        return "".join(log.summary for log in self.logs)

    @property
    def output(self) -> str:
        return "\n".join(f"$ [{log.where}] ({log.outcome})\n{log.output}" for log in self.logs)


@dataclass
class RunResult:
    workflow: str
    run_name: str
    concurrency: str
    jobs: dict[str, JobResult]  # "caller-job" and "caller-job / called-job"
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def job(self, suffix: str) -> JobResult:
        matches = [result for name, result in self.jobs.items() if name == suffix or name.endswith(" / " + suffix)]
        if len(matches) != 1:
            raise KeyError(f"{suffix}: {sorted(self.jobs)}")
        return matches[0]


def _load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and True in data and "on" not in data:
        data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as a boolean
    return data


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    on = workflow.get("on")
    if isinstance(on, str):
        return {on: {}}
    if isinstance(on, list):
        return {name: {} for name in on}
    return {k: (v or {}) for k, v in (on or {}).items()}


def _permissions(value: Any) -> dict[str, str]:
    if value in (None, {}):
        return {}
    if isinstance(value, str):
        raise RehearsalError(f"permissions: {value!r} (name each scope)")
    return {str(k): str(v) for k, v in value.items()}


def _within(granted: dict[str, str], asked: dict[str, str]) -> list[str]:
    rank = {"none": 0, "read": 1, "write": 2}
    return [f"{scope}: {level} (granted {granted.get(scope, 'none')})" for scope, level in asked.items()
            if rank[level] > rank[granted.get(scope, "none")]]


class Runner:
    """One rehearsal session: the fakes, the user repository, the cache and artifact stores, one RUNNER_TEMP."""

    def __init__(self, root: Path, *, verbose: bool = False) -> None:
        self.root = root
        self.verbose = verbose
        self.lines: list[str] = []
        self.expressions: list[tuple[str, Any]] = []
        self.run_id = 7000
        self.github: dict[str, Any] = {}
        self.checkout_ref = DEFAULT_BRANCH
        self.cache = CacheStore(root / "cache")
        self.artifacts_dir = root / "artifacts"
        self.runner_temp = root / "runner" / "_temp"
        self.tool_cache = root / "runner" / "_tool"
        self.workspace = root / "runner" / "work" / "ml-ops" / "ml-ops"
        for folder in (self.cache.root, self.artifacts_dir, self.runner_temp, self.tool_cache):
            folder.mkdir(parents=True, exist_ok=True)
        self.snapshot = action_snapshot(root / "action-source")
        self.wheelhouse = build_wheelhouse(root / "wheelhouse")
        self.user_repo: Path = root / "user-repo"
        # The runner's system python3 (the PR comment job's inline script), and nothing else of this venv on PATH.
        self.system_bin = root / "runner" / "bin"
        self.system_bin.mkdir(parents=True)
        os.symlink(getattr(sys, "_base_executable", sys.executable), self.system_bin / "python3")
        (root / "runner" / "home").mkdir()
        self.environment: dict[str, str] = {}
        self.results: list[RunResult] = []

    def say(self, text: str) -> None:
        self.lines.append(text)
        if self.verbose:
            print(text, flush=True)

    def log_expression(self, text: str, value: Any) -> None:
        self.expressions.append((text, value))

    # --- a run of a caller workflow ---

    def run(self, workflow_file: str, event_name: str, *, event: dict[str, Any] | None = None,
            inputs: dict[str, Any] | None = None, secrets: dict[str, str] | None = None, ref: str = DEFAULT_BRANCH,
            changed_files: Iterable[str] = ()) -> RunResult:
        self.run_id += 1
        caller_path = self.user_repo / ".github" / "workflows" / workflow_file
        workflow = _load_yaml(caller_path)
        triggers = _triggers(workflow)
        if event_name not in triggers:
            raise RehearsalError(f"{workflow_file} does not run on {event_name}")
        if event_name == "pull_request":
            paths = triggers["pull_request"].get("paths")
            if paths and not any(fnmatch.fnmatch(f, p) for f in changed_files for p in paths):
                raise RehearsalError(f"{workflow_file}: no changed file matches paths {paths}")
        declared = (triggers.get("workflow_dispatch") or {}).get("inputs") or {}
        if event_name == "workflow_dispatch":
            typed_inputs = self._typed_inputs("workflow_dispatch", declared, inputs or {}, None)
        elif inputs:
            raise RehearsalError("inputs are for workflow_dispatch only")
        else:  # other events: the inputs context is empty, so a declared input reads as null
            typed_inputs = StrictMap("inputs", dict.fromkeys(declared))
        self.checkout_ref = ref
        sha = git(self.user_repo, "rev-parse", ref)
        payload = {"repository": {"full_name": USER_REPOSITORY, "default_branch": DEFAULT_BRANCH}, **(event or {})}
        if event_name == "workflow_dispatch":
            payload["inputs"] = {k: to_text(v) for k, v in typed_inputs.items()}
        self.github = StrictMap("github", {
            "event_name": event_name, "event": payload, "repository": USER_REPOSITORY,
            "repository_owner": USER_REPOSITORY.split("/")[0], "workflow": workflow.get("name") or workflow_file,
            "workflow_ref": f"{USER_REPOSITORY}/.github/workflows/{workflow_file}@refs/heads/{ref}",
            "workflow_sha": sha, "run_id": str(self.run_id), "run_number": str(self.run_id - 7000),
            "run_attempt": "1", "actor": "alice", "triggering_actor": "alice", "sha": sha,
            "ref": (f"refs/heads/{ref}" if event_name != "pull_request"
                    else f"refs/pull/{payload['pull_request']['number']}/merge"),
            "ref_name": ref, "head_ref": ref if event_name == "pull_request" else "",
            "base_ref": DEFAULT_BRANCH if event_name == "pull_request" else "", "token": GITHUB_TOKEN,
            "server_url": "https://github.com", "api_url": self.environment["GITHUB_API_URL"],
            "workspace": str(self.workspace), "action_path": "", "action_repository": "", "action_ref": "",
            "retention_days": "90", "event_path": str(self.runner_temp / "_github_workflow" / "event.json"),
            "job": "", "path": "", "env": "", "output": "", "step_summary": "", "ref_type": "branch",
            "ref_protected": False, "secret_source": "Actions", "repositoryUrl": f"git://github.com/{USER_REPOSITORY}.git",
        })
        ev = Evaluator({"github": self.github, "inputs": typed_inputs, "vars": {}, "env": {}}, log=self.log_expression)
        run_name = text_of(workflow.get("run-name", workflow.get("name", "")), ev)
        concurrency = self.concurrency_group(workflow.get("concurrency"), ev)
        self.say(f"\n=== {workflow_file} on {event_name} "
                 f"(run {self.run_id}: {run_name!r}; concurrency {concurrency!r})")
        if _permissions(workflow.get("permissions")) != {}:
            raise RehearsalError(f"{workflow_file}: top-level permissions should be {{}}")
        repo_secrets = {"GITHUB_TOKEN": GITHUB_TOKEN, **(secrets or {})}
        result = RunResult(workflow_file, run_name, concurrency, {})
        for job_id, job in self._ordered(workflow["jobs"]):
            needs = self._needs(job, result.jobs)
            # `with:` sees github, inputs, needs, vars, strategy, matrix; `secrets:` sees the secrets as well.
            job_ev = ev.child(needs=needs, strategy={}, matrix={})
            job_ev.failed = any(n["result"] != "success" for n in needs.values())
            if "uses" not in job:
                raise RehearsalError(f"{workflow_file}: job {job_id} is not a reusable workflow call")
            if unknown := set(job) - {"name", "uses", "with", "secrets", "permissions", "needs", "if", "concurrency"}:
                raise RehearsalError(f"{workflow_file}: job {job_id}: {sorted(unknown)} not rehearsed")
            if not condition(job.get("if"), job_ev):
                result.jobs[job_id] = JobResult("skipped")
                continue
            result.outputs[job_id] = self._call(workflow_file, job_id, job, job_ev,
                                                job_ev.child(secrets=dict(repo_secrets)), result)
        self.results.append(result)
        return result

    def _typed_inputs(self, where: str, declared: dict[str, Any], given: dict[str, Any], ev: Evaluator | None,
                      ) -> StrictMap:
        values = StrictMap("inputs")
        unknown = set(given) - set(declared)
        if unknown:
            raise RehearsalError(f"{where}: unknown inputs {sorted(unknown)}")
        for name, spec in declared.items():
            spec = spec or {}
            kind = spec.get("type", "string")
            if name in given:
                value = given[name]
            elif spec.get("required"):
                raise RehearsalError(f"{where}: input {name} is required")
            else:
                value = spec.get("default", {"boolean": False, "number": 0}.get(kind, ""))
                if ev is not None:
                    value = interpolate(value, ev)
            if kind == "boolean" and not isinstance(value, bool):
                raise RehearsalError(f"{where}: input {name} is a boolean, got {value!r}")
            if kind == "number":
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise RehearsalError(f"{where}: input {name} is a number, got {value!r}")
                value = float(value)
            if kind in ("string", "choice", "environment"):
                if value is None:
                    value = ""
                if not isinstance(value, str):
                    raise RehearsalError(f"{where}: input {name} is a string, got {value!r}")
                if kind == "choice" and value not in spec.get("options", []):
                    raise RehearsalError(f"{where}: {value!r} is not an option of {name}")
            values[name] = value
        return values

    def concurrency_group(self, value: Any, ev: Evaluator) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return text_of(value, ev)
        if not isinstance(value.get("cancel-in-progress", False), bool):
            truthy(interpolate(value["cancel-in-progress"], ev))  # evaluated, so a broken expression fails here
        return text_of(value["group"], ev)

    def _runner_context(self) -> StrictMap:
        return StrictMap("runner", {"os": "Linux", "arch": "X64", "name": "rehearsal", "environment": "github-hosted",
                                    "temp": str(self.runner_temp), "tool_cache": str(self.tool_cache), "debug": ""})

    @staticmethod
    def _ordered(jobs: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        done: list[str] = []
        pending = dict(jobs)
        while pending:
            ready = [j for j, spec in pending.items() if all(n in done for n in Runner._need_list(spec))]
            if not ready:
                raise RehearsalError(f"jobs with unmet needs: {sorted(pending)}")
            for job_id in ready:
                done.append(job_id)
                pending.pop(job_id)
        return [(j, jobs[j]) for j in done]

    @staticmethod
    def _need_list(job: dict[str, Any]) -> list[str]:
        needs = job.get("needs", [])
        return [needs] if isinstance(needs, str) else list(needs)

    @staticmethod
    def _needs(job: dict[str, Any], results: dict[str, JobResult]) -> StrictMap:
        return StrictMap("needs", {name: {"result": results[name].result, "outputs": results[name].outputs}
                                   for name in Runner._need_list(job)})

    def _resolve_workflow(self, uses: str) -> tuple[Path, str]:
        if uses.startswith("./"):
            return self.user_repo / uses[2:], f"{USER_REPOSITORY}/{uses[2:]}@refs/heads/{DEFAULT_BRANCH}"
        match = re.fullmatch(rf"{re.escape(PLACEHOLDER)}/(\.github/workflows/[\w.-]+\.ya?ml)@([\w./-]+)", uses)
        if not match:
            raise RehearsalError(f"reusable workflow {uses}: only {PLACEHOLDER}/.github/workflows/...@ref is known")
        return self.snapshot / match.group(1), f"{PLACEHOLDER}/{match.group(1)}@refs/tags/{match.group(2)}"

    def _call(self, caller_file: str, job_id: str, job: dict[str, Any], ev: Evaluator, secrets_ev: Evaluator,
              result: RunResult) -> dict[str, Any]:
        path, workflow_ref = self._resolve_workflow(job["uses"])
        called = _load_yaml(path)
        call = _triggers(called).get("workflow_call")
        if call is None:
            raise RehearsalError(f"{job['uses']} has no workflow_call trigger")
        given = {k: interpolate(v, ev) for k, v in (job.get("with") or {}).items()}
        inputs = self._typed_inputs(f"{caller_file} → {path.name}", call.get("inputs") or {}, given, ev)
        declared_secrets = call.get("secrets") or {}
        passed = job.get("secrets") or {}
        if passed == "inherit":
            passed_values = dict(secrets_ev.contexts["secrets"])
        else:
            unknown = set(passed) - set(declared_secrets)
            if unknown:
                raise RehearsalError(f"{path.name}: secrets {sorted(unknown)} are not declared")
            passed_values = {k: text_of(v, secrets_ev) for k, v in passed.items()}
        for name, spec in declared_secrets.items():
            if (spec or {}).get("required") and not passed_values.get(name):
                raise RehearsalError(f"{path.name}: secret {name} is required")
        secrets = StrictMap("secrets", {name: passed_values.get(name, "") for name in declared_secrets})
        secrets["GITHUB_TOKEN"] = GITHUB_TOKEN
        granted = _permissions(job.get("permissions"))
        if _permissions(called.get("permissions")) != {}:
            raise RehearsalError(f"{path.name}: top-level permissions should be {{}}")
        job_context = StrictMap("job", {
            "workflow_repository": PLACEHOLDER if path.is_relative_to(self.snapshot) else USER_REPOSITORY,
            "workflow_sha": ACTION_SHA if path.is_relative_to(self.snapshot) else self.github["sha"],
            "workflow_ref": workflow_ref, "workflow_file_path": f".github/workflows/{path.name}", "status": "success",
            "container": {}, "services": {}, "check_run_id": "1"})
        base = Evaluator({"github": self.github, "inputs": inputs, "secrets": secrets, "vars": {}, "env": {},
                          "job": job_context, "runner": self._runner_context(), "strategy": {}, "matrix": {}},
                         log=self.log_expression)
        called_results: dict[str, JobResult] = {}
        for called_id, spec in self._ordered(called["jobs"]):
            name = f"{job_id} / {called_id}"
            needs = self._needs(spec, called_results)
            job_ev = base.child(needs=needs)
            job_ev.failed = any(n["result"] != "success" for n in needs.values())
            if not condition(spec.get("if"), job_ev):
                self.say(f"  job {name}: skipped (if: {spec.get('if')})")
                called_results[called_id] = result.jobs[name] = JobResult("skipped")
                continue
            asked = _permissions(spec.get("permissions"))
            if over := _within(granted, asked):
                raise RehearsalError(f"{name} asks for more than the caller grants: {over}")
            outcome = JobRun(self, name, spec, job_ev).run()
            outcome.permissions = asked
            called_results[called_id] = result.jobs[name] = outcome
        outputs_ev = base.child(jobs=StrictMap("jobs", {j: {"result": r.result, "outputs": r.outputs}
                                                         for j, r in called_results.items()}))
        return {k: interpolate((v or {}).get("value"), outputs_ev) for k, v in (call.get("outputs") or {}).items()}


class JobRun:
    """One job with steps on a fresh runner: the same workspace path, emptied first; one shared RUNNER_TEMP."""

    def __init__(self, runner: Runner, name: str, spec: dict[str, Any], ev: Evaluator) -> None:
        self.runner, self.name, self.spec = runner, name, spec
        self.workspace = runner.workspace
        self.result = JobResult("success")
        self.path_additions: list[str] = []
        self.env_additions: dict[str, str] = {}
        self.ev = ev
        self.contexts = ev.contexts

    def say(self, text: str) -> None:
        self.runner.say(text)

    def annotate(self, level: str, message: str, properties: str = "") -> None:
        self.result.annotations.append((level, properties, message))
        self.say(f"        ::{level}:: {message[:160]}")

    JOB_KEYS: ClassVar[set[str]] = {"name", "runs-on", "timeout-minutes", "permissions", "concurrency", "outputs",
                                    "steps", "needs", "if", "env"}
    STEP_KEYS: ClassVar[set[str]] = {"name", "id", "if", "uses", "with", "run", "shell", "env", "working-directory",
                                     "continue-on-error"}

    def run(self) -> JobResult:
        spec, ev = self.spec, self.ev
        if unknown := set(spec) - self.JOB_KEYS:
            raise RehearsalError(f"{self.name}: {sorted(unknown)} not rehearsed")
        runs_on = interpolate(spec.get("runs-on"), ev)
        timeout = interpolate(spec.get("timeout-minutes", 360), ev)
        if not runs_on or not isinstance(timeout, (int, float)) or not 0 < timeout <= 360:
            raise RehearsalError(f"{self.name}: runs-on {runs_on!r}, timeout-minutes {timeout!r}")
        self.result.concurrency = self.runner.concurrency_group(spec.get("concurrency"), ev)
        self.say(f"  job {self.name} (runs-on {runs_on}, timeout {to_text(timeout)} min, "
                 f"concurrency {self.result.concurrency!r})")
        if self.workspace.exists():
            shutil.rmtree(self.workspace)
        self.workspace.mkdir(parents=True)
        ev.workspace = self.workspace
        self.job_env = {k: text_of(v, ev) for k, v in (spec.get("env") or {}).items()}
        ev.contexts["env"] = dict(self.job_env)
        steps = StrictMap("steps", {s["id"]: None for s in spec["steps"] if "id" in s})
        ev.contexts["steps"] = steps
        failed = ev.failed
        for index, step in enumerate(spec["steps"]):
            ev.failed = failed
            outcome = self.step(step, index, ev, steps, self.name)
            if outcome.outcome == "failure" and not truthy(interpolate(step.get("continue-on-error", False), ev)):
                failed = True
        ev.failed = failed
        self.result.result = "failure" if failed else "success"
        self.result.outputs = {k: text_of(v, ev) for k, v in (spec.get("outputs") or {}).items()}
        self.result.steps = {k: v for k, v in steps.items() if v is not None}
        self.result.environment_changes = [*self.path_additions, *self.env_additions]
        self.result.files = {str(p.relative_to(self.workspace)): p.read_text(errors="replace")
                             for p in self.workspace.rglob("*") if p.is_file()
                             and not {".git", ".watchdog-action"} & set(p.relative_to(self.workspace).parts)}
        self.say(f"  -> job {self.name}: {self.result.result}")
        return self.result

    def base_env(self) -> dict[str, str]:
        env = dict(self.runner.environment)
        env.update({
            "PATH": os.pathsep.join([*reversed(self.path_additions), str(self.runner.system_bin), "/usr/bin", "/bin"]),
            "HOME": str(self.runner.root / "runner" / "home"), "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_REPOSITORY": USER_REPOSITORY, "GITHUB_RUN_ID": str(self.runner.run_id), "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_EVENT_NAME": self.runner.github["event_name"], "GITHUB_SHA": self.runner.github["sha"],
            "GITHUB_REF": self.runner.github["ref"], "GITHUB_WORKFLOW": self.runner.github["workflow"],
            "GITHUB_ACTOR": "alice", "RUNNER_TEMP": str(self.runner.runner_temp),
            "RUNNER_TOOL_CACHE": str(self.runner.tool_cache), "RUNNER_OS": "Linux", "GITHUB_ACTIONS": "true",
            "CI": "true", "GITHUB_JOB": self.name.rsplit(" / ", 1)[-1],
            "GITHUB_BASE_REF": self.runner.github["base_ref"], "GITHUB_HEAD_REF": self.runner.github["head_ref"],
        })
        env.update(self.env_additions)
        return env

    def step(self, step: dict[str, Any], index: int, ev: Evaluator, steps: StrictMap, where: str,
             action_path: Path | None = None) -> StepResult:
        label = step.get("name") or step.get("uses") or f"step {index + 1}"
        label = text_of(label, ev)
        step_id = step.get("id")
        if unknown := set(step) - self.STEP_KEYS:
            raise RehearsalError(f"{where} / {label}: {sorted(unknown)} not rehearsed")
        if not condition(step.get("if"), ev):
            result = StepResult("skipped")
            self.say(f"    - {label}: not run (if: {step.get('if', 'success()')})")
        elif "uses" in step:
            result = self.uses(step, ev, label, where, action_path)
        else:
            result = self.shell(step, ev, label, where, action_path)
        if step_id:
            steps[step_id] = {"outcome": result.outcome,
                              "conclusion": "success" if result.outcome == "failure" and step.get("continue-on-error")
                              else result.outcome,
                              "outputs": result.outputs}
        return result

    def shell(self, step: dict[str, Any], ev: Evaluator, label: str, where: str,
              action_path: Path | None) -> StepResult:
        shell = step.get("shell")
        if action_path is not None and shell is None:
            raise RehearsalError(f"{where} / {label}: a composite action's run step needs `shell:`")
        if shell not in (None, "bash"):
            raise RehearsalError(f"{where} / {label}: shell {shell!r} is not rehearsed")
        script = step["run"]
        if "${{" in script:
            raise RehearsalError(f"{where} / {label}: ${{{{ }}}} inside run: (pass values through env:)")
        step_env = {k: text_of(v, ev) for k, v in (step.get("env") or {}).items()}
        files_dir = Path(tempfile.mkdtemp(prefix="step-", dir=self.runner.root))
        files = {name: files_dir / name.lower() for name in
                 ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE")}
        for path in files.values():
            path.touch()
        env = self.base_env()
        env.update({k: str(v) for k, v in files.items()})
        env.update({k: to_text(v) for k, v in ev.contexts["env"].items()})
        if action_path is not None:
            env["GITHUB_ACTION_PATH"] = str(action_path)
        env.update(step_env)
        script_file = files_dir / "script.sh"
        script_file.write_text(script, encoding="utf-8")
        # GitHub's commands: `shell: bash` → bash --noprofile --norc -eo pipefail {0}; no shell → bash -e {0}.
        command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)] if shell == "bash" \
            else ["bash", "-e", str(script_file)]
        cwd = self.workspace / text_of(step.get("working-directory", "."), ev)
        started = time.monotonic()
        done = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=180)
        output = done.stdout + done.stderr
        for line in done.stdout.splitlines():
            if match := re.match(r"::(error|warning|notice)( [^:]*)?::(.*)", line):
                self.annotate(match.group(1), match.group(3), (match.group(2) or "").strip())
            elif re.match(r"::(set-output|save-state|set-env|add-path)\b", line):
                raise RehearsalError(f"{where} / {label}: deprecated workflow command {line[:40]}")
        outputs = _read_outputs(files["GITHUB_OUTPUT"])
        wrote_env = bool(files["GITHUB_ENV"].read_text().strip() or files["GITHUB_PATH"].read_text().strip())
        for line in files["GITHUB_PATH"].read_text().splitlines():
            self.path_additions.append(line.strip())
        self.env_additions.update(_read_outputs(files["GITHUB_ENV"]))
        outcome = "success" if done.returncode == 0 else "failure"
        self.result.logs.append(StepLog(f"{where} / {label}", outcome, output,
                                        files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"),
                                        files["GITHUB_OUTPUT"].read_text(encoding="utf-8"), wrote_env))
        self.say(f"    - {label}: bash, exit {done.returncode} ({outcome}, {time.monotonic() - started:.2f} s)")
        shutil.rmtree(files_dir)
        return StepResult(outcome, outputs)

    def uses(self, step: dict[str, Any], ev: Evaluator, label: str, where: str,
             action_path: Path | None) -> StepResult:
        uses = step["uses"]
        args = {k: text_of(v, ev) for k, v in (step.get("with") or {}).items()}
        if uses.startswith("./"):
            return self.composite(self.workspace / uses[2:], args, ev, label, where, step.get("env"))
        match = PINNED_USES.match(uses)
        if not match:
            raise RehearsalError(f"{where} / {label}: `uses: {uses}` is neither local nor pinned to a commit SHA")
        if step.get("env"):
            raise RehearsalError(f"{where} / {label}: env: on a stand-in action is not rehearsed")
        stand_in = STAND_INS.get(match.group("name"))
        if stand_in is None:
            raise RehearsalError(f"{where} / {label}: no stand-in for {match.group('name')}")
        if unknown := set(args) - stand_in.inputs:
            raise RehearsalError(f"{where} / {label}: {match.group('name')} has no input(s) {sorted(unknown)}")
        try:
            outputs = stand_in.run(self, args)
            outcome = "success"
        except StandInFailure as error:
            self.annotate("error", str(error))
            outputs, outcome = {}, "failure"
        self.result.logs.append(StepLog(f"{where} / {label}", outcome, f"(stand-in for {match.group('name')})"))
        self.say(f"    - {label}: stand-in {match.group('name')} ({outcome})")
        return StepResult(outcome, StrictMap(f"steps.{step.get('id')}.outputs",
                                             {o: outputs.get(o, "") for o in stand_in.outputs}))

    def composite(self, path: Path, args: dict[str, str], outer: Evaluator, label: str, where: str,
                  step_env: dict[str, Any] | None = None) -> StepResult:
        manifest = next((p for p in (path / "action.yml", path / "action.yaml") if p.is_file()), None)
        if manifest is None:
            raise RehearsalError(f"{where} / {label}: no action.yml in {path}")
        action = _load_yaml(manifest)
        if action["runs"]["using"] != "composite":
            raise RehearsalError(f"{manifest}: only composite actions are rehearsed")
        declared = action.get("inputs") or {}
        if unknown := set(args) - set(declared):
            raise RehearsalError(f"{where} / {label}: the action has no input(s) {sorted(unknown)}")
        github = StrictMap("github", self.runner.github)
        github["action_path"] = str(path)
        env = dict(outer.contexts["env"])
        env.update({k: text_of(v, outer) for k, v in (step_env or {}).items()})
        inner = Evaluator({"github": github, "env": env, "job": outer.contexts["job"],
                           "runner": outer.contexts["runner"], "strategy": {}, "matrix": {}},
                          failed=outer.failed, workspace=self.workspace, log=self.runner.log_expression)
        inputs = StrictMap("inputs")
        for name, spec in declared.items():
            if name in args:
                inputs[name] = args[name]
            elif (spec or {}).get("required") and "default" not in (spec or {}):
                raise RehearsalError(f"{where} / {label}: input {name} is required")
            else:
                inputs[name] = text_of((spec or {}).get("default", ""), inner)
        steps = StrictMap("steps", {s["id"]: None for s in action["runs"]["steps"] if "id" in s})
        inner.contexts.update(inputs=inputs, steps=steps)
        self.say(f"    - {label}: composite action {path.relative_to(self.workspace)}")
        failed = inner.failed
        own_failure = False
        for index, step in enumerate(action["runs"]["steps"]):
            inner.failed = failed
            outcome = self.step(step, index, inner, steps, f"{where} / {label}", action_path=path)
            if outcome.outcome == "failure" and not step.get("continue-on-error"):
                failed = own_failure = True
        inner.failed = failed
        outputs = StrictMap(f"outputs of {label}", {name: text_of((spec or {}).get("value", ""), inner)
                                                     for name, spec in (action.get("outputs") or {}).items()})
        return StepResult("failure" if own_failure else "success", outputs)


def _read_outputs(path: Path) -> dict[str, str]:
    """`name=value` and `name<<DELIMITER ... DELIMITER` lines of a GITHUB_OUTPUT or GITHUB_ENV file."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            try:
                end = lines.index(delimiter, i + 1)
            except ValueError:
                raise RehearsalError(f"unterminated {delimiter} in {path.name}") from None
            outputs[name] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        elif line.strip():
            raise RehearsalError(f"malformed line in {path.name}: {line!r}")
        i += 1
    return outputs


# ---------------------------------------------------------------------------------------------------------------
# The session: fakes up, user repository built; scenarios call `runner.run(...)`


class Rehearsal:
    """The fakes on 127.0.0.1, a user repository from the README and a Runner pointed at both."""

    def __init__(self, root: Path, *, verbose: bool = False) -> None:
        self.root = root
        kit = fakes()
        self.kit = kit
        self.api = kit.EndpointsAPI.from_fleet_file(kit.demo_fleet, clock=kit.Clock(ticking=True))
        self.slack = kit.Slack(path=f"/services/T000/B000/{SLACK_PATH_SECRET}")
        self.github = comment_editing_github(kit.GitHub)(USER_REPOSITORY)
        self.runner = Runner(root, verbose=verbose)

    def __enter__(self) -> Rehearsal:
        api_root = self.api.start()
        self.slack.start()
        self.github.start()
        self.runner.environment = {
            "WATCHDOG_ENDPOINTS_API_URL": f"{api_root}/v2", "HF_ENDPOINT": api_root, "GITHUB_API_URL": self.github.url,
            "GITHUB_SERVER_URL": "https://github.com", "HF_HUB_DISABLE_TELEMETRY": "1", "LANG": "C.UTF-8",
            "GIT_CONFIG_NOSYSTEM": "1",
            # pip: offline, from the session's wheelhouse, ignoring this machine's pip configuration
            "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(self.runner.wheelhouse), "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_CACHE_DIR": "1",
        }
        policy = (REPO / "policies.yaml").read_text(encoding="utf-8")
        self.runner.user_repo = build_user_repository(self.root / "user-repo", policy)
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.stop()
        self.slack.stop()
        self.github.stop()

    def pull_request(self, branch: str, old: str, new: str, *, base: str = DEFAULT_BRANCH) -> dict[str, Any]:
        """A commit on `branch` (made from `base` if new) replacing `old` by `new` in policies.yaml."""
        repo = self.runner.user_repo
        existing = git(repo, "branch", "--list", branch)
        git(repo, "checkout", "-q", branch if existing else "-b", *([] if existing else [branch, base]))
        text = (repo / "policies.yaml").read_text(encoding="utf-8")
        if old not in text:
            raise RehearsalError(f"{old!r} is not in policies.yaml")
        (repo / "policies.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
        git(repo, "commit", "-q", "-am", f"policies: {new}")
        sha = git(repo, "rev-parse", "HEAD")
        git(repo, "checkout", "-q", DEFAULT_BRANCH)
        return {"sha": sha, "branch": branch}

    def secrets_found(self) -> list[str]:
        """Where a sentinel secret shows up: logs, summaries, outputs, artifacts, cache, fakes' payloads."""
        places: list[tuple[str, str]] = []
        places += [("rehearsal log", "\n".join(self.runner.lines))]
        places += [(f"expression value {t}", to_text(v)) for t, v in self.runner.expressions
                   if not re.search(r"\bsecrets\.|github\.token|inputs\.(hf-token|slack-webhook-url|github-token)", t)]
        for run in self.runner.results:
            for name, job in run.jobs.items():
                for log in job.logs:
                    places += [(f"{log.where}: log", log.output), (f"{log.where}: summary", log.summary),
                               (f"{log.where}: outputs", log.outputs_file)]
                places += [(f"{name}: {path}", text) for path, text in job.files.items()]
                places += [(f"{name}: annotations", json.dumps(job.annotations))]
        for folder in (self.runner.artifacts_dir, self.runner.cache.root, self.runner.runner_temp):
            places += [(str(p), p.read_text(errors="replace")) for p in folder.rglob("*")
                       if p.is_file() and not any(part.startswith("venv-") for part in p.parts)]
        places += [("Slack payloads", json.dumps([r.json for r in self.slack.requests]))]
        places += [("GitHub payloads", json.dumps([[r.method, r.path, r.json] for r in self.github.requests]))]
        places += [("Endpoints API log", json.dumps([vars(r) for r in self.api.request_log()], default=str))]
        return [f"{secret[:12]}… in {where}" for where, text in places for secret in SENTINELS if secret in text]


def comment_editing_github(base: type) -> type:
    """The bundled fake plus `PATCH /issues/comments/{id}`, which the sticky PR comment needs."""

    class _GitHub(base):  # type: ignore[misc, valid-type]
        def handle(self, method: str, target: str, payload: object, authorized: bool) -> tuple[int, object, dict]:
            match = re.fullmatch(rf"/repos/{re.escape(self.repository)}/issues/comments/(\d+)", target.split("?")[0])
            if match and method == "PATCH" and authorized and isinstance(payload, dict):
                for comment in self.comments:
                    if comment["id"] == int(match.group(1)):
                        comment["body"] = payload.get("body", comment["body"])
                        return 200, dict(comment), {}
                return 404, {"message": "Not Found"}, {}
            return super().handle(method, target, payload, authorized)

    return _GitHub


# ---------------------------------------------------------------------------------------------------------------
# The scenarios (shared by the pytest tests and the script)


BILLABLE = {"pending", "initializing", "updating", "running"}
PR_NUMBER_TITLE = "Loosen the default uptime limit"


@dataclass
class Scenarios:
    """Every scenario's result, in the order they ran (they share the fakes, the cache and the installed venv)."""

    dry_run: RunResult
    run: RunResult
    run_again: RunResult  # the next night: restores the state the first run saved
    pause_all_empty: RunResult
    pause_all_wrong: RunResult
    pr_first: RunResult
    pr_again: RunResult
    pr_fork: RunResult
    pr_number: int
    mutations: dict[str, int]  # Endpoints API POSTs / Slack messages counted around the scenarios that must not touch
    timings: dict[str, float]


def _api_posts(r: Rehearsal) -> int:
    return sum(1 for q in r.api.request_log() if q.method != "GET")


def play(r: Rehearsal) -> Scenarios:
    secrets = {"HF_TOKEN": HF_TOKEN, "SLACK_WEBHOOK_URL": r.slack.url}
    timings, counts = {}, {}

    def timed(name: str, fn: Callable[[], RunResult]) -> RunResult:
        started = time.monotonic()
        value = fn()
        timings[name] = time.monotonic() - started
        return value

    counts["posts_before_dry_run"], counts["slack_before_dry_run"] = _api_posts(r), len(r.slack.messages)
    dry_run = timed("dry-run", lambda: r.runner.run("watchdog.yml", "workflow_dispatch", secrets=secrets, inputs={
        "mode": "dry-run", "confirm": "", "include_protected": False}))
    counts["posts_after_dry_run"], counts["slack_after_dry_run"] = _api_posts(r), len(r.slack.messages)
    run = timed("run", lambda: r.runner.run("watchdog.yml", "schedule", secrets=secrets,
                                            event={"schedule": "17 2 * * *"}))
    run_again = timed("run, again", lambda: r.runner.run("watchdog.yml", "schedule", secrets=secrets,
                                                         event={"schedule": "17 2 * * *"}))
    counts["posts_before_pause_all"], counts["slack_before_pause_all"] = _api_posts(r), len(r.slack.messages)
    empty = timed("pause-all, empty confirm", lambda: r.runner.run(
        "watchdog.yml", "workflow_dispatch", secrets=secrets, inputs={"mode": "pause-all"}))
    wrong = timed("pause-all, wrong confirm", lambda: r.runner.run(
        "watchdog.yml", "workflow_dispatch", secrets=secrets,
        inputs={"mode": "pause-all", "confirm": "acme", "include_protected": True}))
    counts["posts_after_pause_all"], counts["slack_after_pause_all"] = _api_posts(r), len(r.slack.messages)

    number = r.github.add_issue(PR_NUMBER_TITLE, pull_request=True)["number"]
    text = (REPO / "policies.yaml").read_text(encoding="utf-8")
    limit = re.search(r"max_uptime: \d+h", text).group(0)  # the first one: in `defaults`

    def pr_event(head: dict[str, Any], head_repo: str) -> dict[str, Any]:
        return {"pull_request": {"number": number, "head": {"sha": head["sha"], "ref": head["branch"],
                                                             "repo": {"full_name": head_repo}},
                                 "base": {"ref": DEFAULT_BRANCH, "repo": {"full_name": USER_REPOSITORY}}}}

    head = r.pull_request("loosen-uptime", limit, "max_uptime: 6h")
    pr_first = timed("policy PR", lambda: r.runner.run(
        "policies.yml", "pull_request", secrets={"HF_TOKEN": HF_TOKEN}, event=pr_event(head, USER_REPOSITORY),
        ref=head["branch"], changed_files=["policies.yaml"]))
    head = r.pull_request("loosen-uptime", "max_uptime: 6h", "max_uptime: 3h")
    pr_again = timed("policy PR, pushed again", lambda: r.runner.run(
        "policies.yml", "pull_request", secrets={"HF_TOKEN": HF_TOKEN}, event=pr_event(head, USER_REPOSITORY),
        ref=head["branch"], changed_files=["policies.yaml"]))
    fork = r.pull_request("from-a-fork", limit, "max_uptime: 6 hours")
    pr_fork = timed("policy PR from a fork, invalid", lambda: r.runner.run(
        "policies.yml", "pull_request", secrets={}, event=pr_event(fork, "someone/ml-ops"), ref=fork["branch"],
        changed_files=["policies.yaml"]))
    return Scenarios(dry_run, run, run_again, empty, wrong, pr_first, pr_again, pr_fork, number, counts, timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", help="where to put the session (default: a temporary directory)")
    args = parser.parse_args(argv)
    holder = None
    if args.workdir:
        root = Path(args.workdir)
        if root.exists() and any(root.iterdir()):
            parser.error(f"{root} is not empty")
    else:
        holder = tempfile.TemporaryDirectory(prefix="workflow-rehearsal-")
        root = Path(holder.name) / "session"
    try:
        started = time.monotonic()
        with Rehearsal(root, verbose=True) as rehearsal:
            done = play(rehearsal)
            leaks = rehearsal.secrets_found()
        print(f"\n{len(rehearsal.runner.expressions)} expressions evaluated; "
              + "; ".join(f"{k} {v:.1f} s" for k, v in done.timings.items())
              + f"; total {time.monotonic() - started:.1f} s")
        if leaks:
            print("SECRETS FOUND: " + "; ".join(leaks))
            return 1
        return 0
    finally:
        if holder is not None:
            holder.cleanup()


if __name__ == "__main__":
    sys.exit(main())
