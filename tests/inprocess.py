"""The CLI in this process (`watchdog.cli.main`) against the bundled fake on 127.0.0.1: fast end-to-end scenarios.

No subprocess, no real sleep: a scenario of several nights runs in a fraction of a second. The real
`EndpointsHub` and the real `huggingface_hub` are used, talking HTTP to the fake on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.e2e_support import run_cli
from watchdog.cli import Runtime

SENTINEL_TOKEN = "hf_SENTINEL_inprocess_5e6f7a"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None

    def endpoint(self, name: str) -> dict[str, Any]:
        assert self.report is not None, self.stdout + self.stderr
        return next(e for e in self.report["endpoints"] if e["name"] == name or f"{e['namespace']}/{e['name']}" == name)

    def decisions(self) -> dict[str, str]:
        assert self.report is not None, self.stdout + self.stderr
        return {f"{e['namespace']}/{e['name']}": e["decision"] for e in self.report["endpoints"]}


def env_for(base_url: str | None, home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Only what the watchdog needs: the fake's addresses, a sentinel token, an empty HF_HOME (no saved token)."""
    env = {"HF_HUB_DISABLE_TELEMETRY": "1", "HF_HOME": str(home / "hf-home"), "HOME": str(home)}
    if base_url is not None:
        env.update(HF_TOKEN=SENTINEL_TOKEN, HF_ENDPOINT=base_url, WATCHDOG_ENDPOINTS_API_URL=f"{base_url}/v2")
    env.update(extra or {})
    return {k: v for k, v in env.items() if v is not None}


def only_what_the_command_takes(args: Sequence[str]) -> list[str]:
    """`args` without the global options (and their values) that its command does not use.

    Scenarios pass one set of globals to every command; the CLI refuses a global a command does not use (it is
    never silently ignored), so the harness keeps, per command, only those it takes.
    """
    from watchdog.cli.parser import COMMAND_SPECS, GLOBAL_OPTIONS

    argv = list(args)
    if "--" in argv:
        argv, child = argv[: argv.index("--")], argv[argv.index("--"):]
    else:
        child = []
    command = next((a for a in argv if a in COMMAND_SPECS), None)
    if command is None:
        return [*argv, *child]
    flags = {o.flag: o.dest for o in GLOBAL_OPTIONS}
    kept, skip = [], False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        dest = flags.get(arg.split("=", 1)[0])
        if dest is not None and dest not in COMMAND_SPECS[command].options:
            skip = "=" not in arg and i + 1 < len(argv)
            continue
        kept.append(arg)
    return [*kept, *child]


def run_watchdog(args: Sequence[str], env: Mapping[str, str], *, report: Path | None = None,
                 runtime: Runtime | None = None) -> Run:
    """`watchdog ARGS` in-process; with `report`, `--report` is added and the JSON report read back. Global
    options the command does not use are dropped (see `only_what_the_command_takes`)."""
    argv = only_what_the_command_takes(args)
    if report is not None:
        if report.exists():
            report.unlink()
        argv += ["--report", str(report)]
    result = run_cli(argv, env, runtime=runtime or Runtime(sleep=lambda seconds: None))
    code, stdout, stderr = result.code, result.stdout, result.stderr
    data = json.loads(report.read_text()) if report is not None and report.exists() else None
    assert SENTINEL_TOKEN not in stdout + stderr, "the token leaked"
    assert "Traceback" not in stdout + stderr, stderr
    return Run(code, stdout, stderr, data)


@contextmanager
def fleet_world(fleet: Mapping[str, Any], policy: str, folder: Path, now: datetime,
                *options: str) -> Iterator[tuple[Any, Callable[..., Run]]]:
    """The bundled fake serving `fleet` from `now`, and `watchdog(*args)`: the CLI in-process with `policy`,
    `--now` and `options` before the command's own arguments (everything after `--` belongs to a child)."""
    from watchdog.fakes.clock import FakeClock
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI

    (folder / "p.yaml").write_text(policy)
    with FakeEndpointsAPI.from_dict(dict(fleet), FakeClock(now)) as api:
        env = env_for(api.base_url, folder)
        at = now.strftime("%Y-%m-%dT%H:%M:%SZ")

        def watchdog(*args: str) -> Run:
            return run_watchdog(["--now", at, "--policies", str(folder / "p.yaml"), *options, *args], env)

        yield api, watchdog
