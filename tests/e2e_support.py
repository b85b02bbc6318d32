"""Helpers for end-to-end tests: the real CLI (in-process, or a subprocess where it matters) against the bundled fake
servers on 127.0.0.1."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from watchdog.cli import Runtime, main

NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
NOW_ISO = "2026-11-23T02:17:00Z"
# Sentinel secrets: the tests grep every output for them.
HF_TOKEN = "hf_SENTINEL_TOKEN_7f3a9c"
SLACK_SECRET = "SENTINELslackPATH42"
GITHUB_TOKEN = "ghs_SENTINEL_GITHUB_1b2c3d"

# A policy written for the test fleet below, independent of the shipped example.
POLICY = """\
version: 1
namespaces: [acme-ml, alice]
timezone: UTC
max_actions_per_run: 20
defaults:
  max_uptime: 12h
  max_idle: 2h
  action: pause
  on_unknown_idle: notify
endpoints:
  - match: "prod-*"
    protected: true
  - match: {instance_type: "nvidia-l4"}
    max_idle: 1h
    action: scale-to-zero
"""

# A small fleet with one endpoint per situation the issue asks to prove.
FLEET: dict[str, Any] = {
    "user": "alice",
    "namespaces": {
        "acme-ml": {"endpoints": [
            # Forgotten: 30h running with recent traffic: only max_uptime is broken -> pause.
            {"name": "forgotten-a100", "instance": "aws-us-east-1-nvidia-a100-x1", "repository": "org/llm",
             "running_for": "30h", "last_used_ago": "10m"},
            # Idle L4, the rule says scale-to-zero.
            {"name": "idle-l4", "instance": "aws-us-east-1-nvidia-l4-x1", "repository": "org/emb",
             "running_for": "5h", "last_used_ago": "3h"},
            # Protected production endpoint far over every limit: must stay running.
            {"name": "prod-chat", "instance": "aws-us-east-1-nvidia-a10g-x1", "repository": "org/chat",
             "running_for": "3d", "last_used_ago": "5h"},
            # Healthy: recent traffic, short uptime.
            {"name": "busy", "instance": "aws-us-east-1-nvidia-t4-x1", "repository": "org/small",
             "running_for": "1h", "last_used_ago": "1m"},
            {"name": "asleep", "instance": "aws-us-east-1-nvidia-t4-x1", "repository": "org/small", "state": "paused"},
        ]},
        "alice": {"endpoints": [
            {"name": "alice-demo", "instance": "aws-us-east-1-nvidia-t4-x1", "repository": "alice/demo",
             "running_for": "20h", "last_used_ago": "20m"},
        ]},
    },
}


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str
    sleeps: tuple[float, ...] = ()  # what the run asked to sleep (retry waits, polls): in-process runs only

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli_env(api_base: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment: the fake API, a sentinel token, nothing inherited that could reach a real service."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "GITHUB_", "SLACK_", "WATCHDOG_"))}
    env.update(
        HF_TOKEN=HF_TOKEN,
        HF_ENDPOINT=api_base,
        WATCHDOG_ENDPOINTS_API_URL=f"{api_base}/v2",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HOME=str(Path(env.get("TMPDIR", "/tmp")) / "watchdog-tests-hf-home"),
    )
    env.update(extra or {})
    return env


def run_cli(args: Sequence[str], env: Mapping[str, str], cwd: Path | None = None,
            runtime: Runtime | None = None) -> CliResult:
    """`watchdog ARGS` in this process, exactly as `main()` runs it, with its own environment and working folder.

    Nothing is shared with the test process but the interpreter: the environment is the `env` mapping (the CLI
    reads no other), stdout and stderr are captured (argparse's own messages too), and the runtime's sleep only
    records its argument, so retry back-off and polling cost no wall time. The real Hub adapter and
    huggingface_hub talk real HTTP to the fake servers on 127.0.0.1.
    """
    out, err = io.StringIO(), io.StringIO()
    sleeps: list[float] = []
    runtime = runtime or Runtime(sleep=sleeps.append)
    folder = contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext()
    with folder, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args), env=dict(env), stdout=out, stderr=err, runtime=runtime)
    return CliResult(code, out.getvalue(), err.getvalue(), tuple(sleeps))


def run_cli_subprocess(args: list[str], env: Mapping[str, str], cwd: Path, timeout: float = 90) -> CliResult:
    """`python -m watchdog ARGS` in a subprocess, bounded in time: for the few tests where the process is the point."""
    proc = subprocess.run(
        [sys.executable, "-m", "watchdog", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)
