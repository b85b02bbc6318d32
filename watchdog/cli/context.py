"""What every command shares: exit codes, the usage error, the run's Context (arguments, settings, the instant, streams
and the injectable runtime), and the helpers that turn flags into a policy, a hub and namespaces."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from watchdog.adapters.environment import Settings
from watchdog.adapters.interface import EndpointGone, Hub, HubError
from watchdog.cli.parser import DEFAULT_POLICIES
from watchdog.core.redact import Redactor
from watchdog.core.render.escape import strip_controls, terminal_text

if TYPE_CHECKING:  # the policy package imports PyYAML: `--help` need not pay for it
    from watchdog.core.policy import Policy

EXIT_OK = 0
EXIT_FAILED = 1  # ran, but something could not be done (in the report and the alert)
EXIT_USAGE = 2  # usage error, invalid policy or missing credentials: nothing was touched
EXIT_VIOLATIONS = 3  # only `check --fail-on-violation`


class UsageError(Exception):
    """Bad flags, missing credentials or an unusable argument: exit 2 with this message, nothing touched."""


class CommandFailed(Exception):
    """The command could not do its job for a reason outside the user's input (the API unreachable, an answer that
    cannot be used): exit 1 with this message."""


def unreachable(error: HubError) -> CommandFailed:
    return CommandFailed(f"could not reach the Endpoints API ({error})")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _real_hub(settings: Any, runtime: Runtime) -> Hub:
    from watchdog.adapters.hub import EndpointsHub  # imports huggingface_hub: only commands that call the API pay

    return EndpointsHub(settings, sleep=runtime.sleep, monotonic=runtime.monotonic)


@dataclass(frozen=True)
class Runtime:
    """The process's clocks, sleep and Hub adapter. Tests inject fakes; `main()` uses the real ones."""

    clock: Callable[[], datetime] = _utc_now
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    # Builds the Hub adapter from HubSettings; the default is the huggingface_hub adapter.
    hub_factory: Callable[[Any, Runtime], Hub] = _real_hub


def parse_now(text: str | None, clock: Callable[[], datetime] = _utc_now) -> datetime:
    """`--now` or the clock, always timezone-aware UTC. The only place the clock is read."""
    if text is None:
        return clock().astimezone(UTC).replace(microsecond=0)
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--now: expected an ISO-8601 instant like 2026-11-23T02:17:00Z, got {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class Context:
    """The run's inputs from outside the core: arguments, environment, the instant, output streams, runtime."""

    args: argparse.Namespace
    env: Mapping[str, str]  # kept for what is passed on (a session's child, the demo's inner runs)
    settings: Settings
    now: datetime
    stdout: TextIO
    stderr: TextIO
    redact: Redactor
    runtime: Runtime = field(default_factory=Runtime)

    def opt(self, name: str, default: Any = None) -> Any:
        value = getattr(self.args, name, None)
        return default if value is None else value

    # Everything printed passes `terminal_text`: API strings carry no ANSI escape or control character to the
    # terminal, and no line they shape can be taken for a GitHub Actions workflow command.
    def out(self, text: str) -> None:
        self.stdout.write(terminal_text(self.redact(text)))
        if not text.endswith("\n"):
            self.stdout.write("\n")
        self.stdout.flush()

    def err(self, text: str) -> None:
        self.stderr.write(terminal_text(self.redact(text).rstrip("\n")) + "\n")
        self.stderr.flush()

    def command(self, line: str) -> None:
        """Print one workflow command the watchdog means (`::error file=…::…`, escaped by its builder)."""
        self.stdout.write(strip_controls(self.redact(line)).rstrip("\n") + "\n")
        self.stdout.flush()


def load_policy_or_usage(ctx: Context, path: str | None = None) -> Policy:
    """The policy file, or a usage error (exit 2) after printing every issue."""
    from watchdog.adapters.policy_file import load_policy
    from watchdog.core.policy import PolicyError, format_issue

    path = path or ctx.opt("policies", DEFAULT_POLICIES)
    if not Path(path).exists():
        raise UsageError(f"policy file {path} not found (pass --policies PATH; see README 'Policies')")
    try:
        return load_policy(path)
    except PolicyError as error:
        for issue in error.issues:
            ctx.err(format_issue(issue))
        raise UsageError(f"{path} is invalid ({len(error.issues)} error(s)): nothing was touched") from None


def optional_policy(ctx: Context) -> Policy | None:
    """The policy when there is one: lifecycle commands work without it but then cannot tell what is protected."""
    explicit = ctx.opt("policies")
    if explicit is None and not Path(DEFAULT_POLICIES).exists():
        return None
    return load_policy_or_usage(ctx, explicit)


def make_hub(ctx: Context, *, run_deadline: bool = True) -> Hub:
    """The Hub adapter for this run, or a usage error when the token or a limit is missing.

    `run_deadline=False` for the commands on one endpoint: a session's final pause comes after a command of any
    length and must never be refused for lateness (each request keeps its timeout and retries).
    """
    from watchdog.adapters.hub import HubSettings

    token = ctx.settings.hf_token
    if not token:
        raise UsageError(
            "no token: HF_TOKEN is not set and no token saved by `hf auth login` was found at "
            f"{ctx.settings.hf_token_path}. Export HF_TOKEN (in GitHub Actions: a repository secret) or run "
            "`hf auth login`, with a fine-grained token that has 'Manage Inference Endpoints' on each watched "
            "namespace. Nothing was touched."
        )
    concurrency = ctx.opt("concurrency", 16)
    timeout = ctx.opt("request_timeout", 30.0)
    deadline = ctx.opt("deadline", 600.0) if run_deadline else None
    if concurrency < 1 or timeout <= 0 or (deadline is not None and deadline <= 0):
        raise UsageError("--concurrency, --request-timeout and --deadline must be positive")
    settings = HubSettings(
        token=token,
        api_url=ctx.settings.endpoints_api_url,
        hub_url=ctx.settings.hub_url,
        concurrency=concurrency,
        timeout_seconds=timeout,
        run_deadline_seconds=deadline,
        disable_telemetry=ctx.settings.disable_hub_telemetry,
    )
    return ctx.runtime.hub_factory(settings, ctx.runtime)


def namespaces(ctx: Context, policy: Policy | None, hub: Hub) -> list[str]:
    """`--namespace`, else the policy's `namespaces:`, else the token owner's namespace."""
    if ctx.opt("namespace"):
        return list(dict.fromkeys(ctx.opt("namespace")))
    if policy is not None and policy.namespaces:
        return list(policy.namespaces)
    try:
        return [hub.whoami()]
    except HubError as error:
        if error.unreachable:
            raise unreachable(error) from None
        if error.status in (401, 403):
            raise UsageError(f"no namespace given and the token was refused by whoami ({error})") from None
        raise CommandFailed(f"no namespace given and the token owner could not be found ({error})") from None


def resolve_endpoint(ctx: Context, policy: Policy | None, hub: Hub, name: str) -> tuple[str, Mapping[str, Any]]:
    """Find NAME (or NS/NAME) among the watched namespaces; returns (namespace, raw endpoint)."""
    if "/" in name:
        namespace, _, name = name.partition("/")
        candidates = [namespace]
    else:
        candidates = namespaces(ctx, policy, hub)
    found = []
    errors: list[HubError] = []
    for namespace in candidates:
        try:
            found.append((namespace, hub.get_raw(namespace, name)))
        except EndpointGone:
            continue
        except HubError as failure:
            errors.append(failure)
    if not found:
        # Only a clean "not found" everywhere means it does not exist; otherwise we could not tell.
        down = [e for e in errors if e.unreachable]
        if down:
            raise unreachable(down[0])
        if errors:
            raise CommandFailed(f"could not look up {name!r}: " + "; ".join(map(str, errors)))
        raise UsageError(f"no endpoint named {name!r} in {', '.join(candidates)}")
    for error in errors:
        ctx.err(f"note: {error}")
    if len(found) > 1:
        raise UsageError(f"{name!r} exists in several namespaces ({', '.join(ns for ns, _ in found)}): use NS/NAME")
    return found[0]
