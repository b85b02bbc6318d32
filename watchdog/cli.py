"""The command line: reads the clock and the environment once, wires the edges to the core, maps results to exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TextIO

from watchdog import __version__
from watchdog.redact import Redactor

EXIT_OK = 0
EXIT_FAILED = 1  # ran, but something could not be done (in the report and the alert)
EXIT_USAGE = 2  # usage error, invalid policy or missing credentials: nothing was touched
EXIT_VIOLATIONS = 3  # only `check --fail-on-violation`

DEFAULT_STATE = ".watchdog/state.json"
DEFAULT_POLICIES = "policies.yaml"


class UsageError(Exception):
    """Bad flags, missing credentials or an unusable argument: exit 2 with this message, nothing touched."""


# ---------------------------------------------------------------------------------------------------------------
# Parser


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The spec's global options, accepted before or after the command (`watchdog --now X check` or `check --now X`)."""
    default = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
    group = parser.add_argument_group("global options")
    group.add_argument("--policies", metavar="PATH", default=default(None),
                       help=f"policy file (default: {DEFAULT_POLICIES})")
    group.add_argument("--namespace", metavar="NS", action="append", default=default(None),
                       help="namespace to watch; repeatable (default: `namespaces:` in the policy, else the token owner)")
    group.add_argument("--state", metavar="PATH", default=default(None), help=f"state file (default: {DEFAULT_STATE})")
    group.add_argument("--report", metavar="PATH", default=default(None), help="also write the JSON report to PATH")
    group.add_argument("--now", metavar="ISO-8601", default=default(None),
                       help="evaluate as of this instant (replays, tests), e.g. 2026-11-23T02:17:00Z")
    group.add_argument("--format", choices=("text", "json", "markdown"), default=default(None),
                       help="stdout format (default: text)")
    group.add_argument("--concurrency", type=int, metavar="N", default=default(None),
                       help="at most N API requests in flight (default: 16)")
    group.add_argument("--request-timeout", type=float, metavar="SECONDS", default=default(None),
                       help="timeout of one API request (default: 30)")
    group.add_argument("--deadline", type=float, metavar="SECONDS", default=default(None),
                       help="stop calling the API after this long and report what is left undone (default: 600)")


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line interface; the workflow tests check every `watchdog` call against it."""
    parser = argparse.ArgumentParser(
        prog="watchdog",
        description="Finds, measures and pauses forgotten Hugging Face Inference Endpoints.",
        epilog="Exit codes: 0 done, 1 something failed (see report), 2 usage/policy/credentials error, "
        "3 violations found (check --fail-on-violation).",
    )
    parser.add_argument("--version", action="version", version=f"hf-endpoint-watchdog {__version__}")
    _add_global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _add_global_options(p, suppress=True)
        return p

    p = command("validate", "validate a policy file offline (no token needed)")
    p.add_argument("path", nargs="?", help="policy file (default: --policies)")

    p = command("check", "list, measure and evaluate; print what `run` would do. Changes nothing, sends nothing")
    p.add_argument("--fail-on-violation", action="store_true", help="exit 3 when any endpoint breaks its policy")

    p = command("run", "check, then act (pause / scale-to-zero / notify), alert, write state and report")
    p.add_argument("--dry-run", action="store_true",
                   help="touch no endpoint; print the alerts that would be sent instead of sending them")

    p = command("pause-all", "emergency brake: pause every billable endpoint of one namespace")
    p.add_argument("--confirm", metavar="NS", required=True, help="the namespace to pause, typed again on purpose")
    p.add_argument("--include-protected", action="store_true", help="also pause `protected: true` endpoints")
    p.add_argument("--dry-run", action="store_true", help="only list what would be paused")

    p = command("plan", "for policy pull requests: which endpoints change decision under the new policy (Markdown)")
    p.add_argument("--base", metavar="OLD.yaml", required=True, help="the policy file before the change")
    p.add_argument("--from-report", metavar="REPORT.json",
                   help="evaluate the endpoints of a saved JSON report instead of listing live (no token needed)")

    p = command("status", "show one endpoint (or all): state, URL, model, replicas, $/h, uptime, idle, applicable rule")
    p.add_argument("name", nargs="?", help="endpoint name or NS/NAME (default: every endpoint)")

    for verb, what in (("pause", "pause one endpoint (stops billing, frees GPU quota; needs a resume)"),
                       ("scale-to-zero", "scale one endpoint to zero (stops billing, keeps quota; the next request wakes it)")):
        p = command(verb, what + "; idempotent")
        p.add_argument("name", help="endpoint name or NS/NAME")
        p.add_argument("--force", action="store_true", help="act even on an endpoint the policy protects")

    p = command("resume", "resume a paused or scaled-to-zero endpoint")
    p.add_argument("name", help="endpoint name or NS/NAME")
    p.add_argument("--wait", action="store_true", help="poll the status route until running; exit 1 on failure or timeout")
    p.add_argument("--timeout", type=float, default=600, metavar="SECONDS", help="how long --wait waits (default: 600)")

    p = command("session", "resume and wait, run COMMAND with HF_ENDPOINT_URL set, then always pause")
    p.add_argument("name", help="endpoint name or NS/NAME")
    p.add_argument("--timeout", type=float, default=600, metavar="SECONDS", help="how long to wait for running (default: 600)")
    p.add_argument("--keep-running", action="store_true", help="do not pause afterwards")
    # The command comes after `--` and is split off before parsing (see main), so its own flags never
    # reach argparse and the global options may still follow NAME.
    p.add_argument("cmd", nargs="*", metavar="-- COMMAND", help="the command to run, after `--`")

    p = command("demo", "run check and run --dry-run against a bundled fake fleet on 127.0.0.1 (no account, no token)")
    p.add_argument("--fleet", metavar="PATH", help="fleet file for the fake API (default: the bundled demo fleet)")
    return parser


# ---------------------------------------------------------------------------------------------------------------
# Context: everything read from the outside world, once


@dataclass(frozen=True)
class Context:
    """The run's inputs from outside the core: arguments, environment, the clock, output streams."""

    args: argparse.Namespace
    env: Mapping[str, str]
    now: datetime
    stdout: TextIO
    stderr: TextIO
    redact: Redactor

    def opt(self, name: str, default: Any = None) -> Any:
        value = getattr(self.args, name, None)
        return default if value is None else value

    def out(self, text: str) -> None:
        self.stdout.write(self.redact(text))
        if not text.endswith("\n"):
            self.stdout.write("\n")
        self.stdout.flush()

    def err(self, text: str) -> None:
        self.stderr.write(self.redact(text).rstrip("\n") + "\n")
        self.stderr.flush()


def parse_now(text: str | None) -> datetime:
    """`--now` or the real clock, always timezone-aware UTC. The only place the clock is read."""
    if text is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--now: expected an ISO-8601 instant like 2026-11-23T02:17:00Z, got {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


# ---------------------------------------------------------------------------------------------------------------
# Commands


def cmd_validate(ctx: Context) -> int:
    from watchdog.policy import PolicyError, format_issue, github_annotation, load_policy

    path = ctx.args.path or ctx.opt("policies", DEFAULT_POLICIES)
    try:
        policy = load_policy(path)
    except PolicyError as error:
        for issue in error.issues:
            ctx.err(format_issue(issue))
            if ctx.env.get("GITHUB_ACTIONS") == "true":
                # Workflow commands go to stdout; GitHub turns them into annotations on the PR's lines.
                ctx.out(github_annotation(issue))
        ctx.err(f"{path}: {len(error.issues)} error(s); nothing was changed")
        return EXIT_USAGE
    ctx.out(f"{path}: OK ({len(policy.rules)} rule(s), version {policy.version})")
    return EXIT_OK


def _load_policy_or_usage(ctx: Context, path: str | None = None) -> Any:
    from watchdog.policy import PolicyError, format_issue, load_policy

    path = path or ctx.opt("policies", DEFAULT_POLICIES)
    if not Path(path).exists():
        raise UsageError(f"policy file {path} not found (pass --policies PATH; see README 'Policies')")
    try:
        return load_policy(path)
    except PolicyError as error:
        for issue in error.issues:
            ctx.err(format_issue(issue))
        raise UsageError(f"{path} is invalid ({len(error.issues)} error(s)): nothing was touched") from None


def _hub(ctx: Context) -> Any:
    from watchdog.hub import DEFAULT_API_URL, EndpointsHub, HubSettings

    token = ctx.env.get("HF_TOKEN") or ctx.env.get("HUGGING_FACE_HUB_TOKEN")
    if not token:
        raise UsageError(
            "HF_TOKEN is not set: create a fine-grained token with 'Manage Inference Endpoints' on each watched "
            "namespace and export it (in GitHub Actions: a repository secret). Nothing was touched."
        )
    concurrency = ctx.opt("concurrency", 16)
    timeout = ctx.opt("request_timeout", 30.0)
    deadline = ctx.opt("deadline", 600.0)
    if concurrency < 1 or timeout <= 0 or deadline <= 0:
        raise UsageError("--concurrency, --request-timeout and --deadline must be positive")
    return EndpointsHub(
        HubSettings(
            token=token,
            api_url=ctx.env.get("WATCHDOG_ENDPOINTS_API_URL") or DEFAULT_API_URL,
            hub_url=ctx.env.get("HF_ENDPOINT") or None,
            concurrency=concurrency,
            timeout_seconds=timeout,
            run_deadline_seconds=deadline,
        )
    )


def _namespaces(ctx: Context, policy: Any, hub: Any) -> list[str]:
    from watchdog.hub import HubError

    if ctx.opt("namespace"):
        return list(dict.fromkeys(ctx.opt("namespace")))
    if policy is not None and policy.namespaces:
        return list(policy.namespaces)
    try:
        return [hub.whoami()]
    except HubError as error:
        raise UsageError(f"no namespace given and the token owner could not be found ({error})") from None


def _emit(ctx: Context, report: Any, rendered_alerts: str = "") -> None:
    from watchdog.render_text import render_text
    from watchdog.report_json import report_to_dict

    data = report_to_dict(report)
    if rendered_alerts:
        data["dry_run_alerts"] = rendered_alerts
    fmt = ctx.opt("format", "text")
    # Serialized once: indented JSON takes the pure-Python encoder, which is slow on a large fleet.
    text = json.dumps(data, indent=2) if fmt == "json" or ctx.opt("report") else ""
    if fmt == "json":
        ctx.out(text)
    elif fmt == "markdown":
        from watchdog.render_markdown import render_report_markdown

        ctx.out(render_report_markdown(report))
    else:
        ctx.out(render_text(report))
        if rendered_alerts:
            ctx.out("\n--- alerts that would be sent (dry run) ---\n" + rendered_alerts)
    if ctx.opt("report"):
        path = Path(ctx.opt("report"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ctx.redact(text) + "\n", encoding="utf-8")


def _stale_run_notice(runs: Mapping[str, Any], now: datetime, run_every_seconds: int) -> str | None:
    """A scheduled workflow can be dropped or auto-disabled silently; notice when the last success is too old."""
    from watchdog.durations import format_duration
    from watchdog.measure import parse_timestamp

    last = parse_timestamp(runs.get("last_success_at"))
    if last is None:
        return None
    gap = (now - last).total_seconds()
    # Two missed slots plus slack: GitHub delays schedules under load, one late run is not news.
    if gap > 2 * run_every_seconds + 3600:
        return (
            f"the previous successful run was {format_duration(gap)} ago but runs are expected every "
            f"{format_duration(run_every_seconds)}: the schedule may have been dropped or disabled "
            "(GitHub disables schedules after 60 days without repository activity)"
        )
    return None


def cmd_fleet(ctx: Context) -> int:
    """check, run, run --dry-run and pause-all: one pipeline with different endings."""
    from watchdog.evaluate import evaluate_all
    from watchdog.model import Report
    from watchdog.runner import act, collect, pause_all_evaluations, planned_outcomes
    from watchdog.state import load_state, save_state

    command = ctx.args.command
    dry_run = bool(getattr(ctx.args, "dry_run", False))
    policy = _load_policy_or_usage(ctx)
    hub = _hub(ctx)
    if command == "pause-all":
        namespaces = _pause_all_namespace(ctx, policy)
    else:
        namespaces = _namespaces(ctx, policy, hub)

    state_path = ctx.opt("state", DEFAULT_STATE)
    state = load_state(state_path)
    errors: list[str] = []
    notices: list[str] = []
    if state.problem:
        notices.append(state.problem)

    fleet = collect(hub, namespaces, state.section("endpoints"), ctx.now)
    evaluations = evaluate_all(policy, fleet.snapshots, ctx.now)
    if command == "pause-all":
        evaluations = pause_all_evaluations(evaluations, include_protected=ctx.args.include_protected)

    if command == "check" or dry_run:
        results = planned_outcomes(evaluations)
    else:
        # pause-all is the deliberate brake: the runaway-policy cap does not apply to it.
        cap = None if command == "pause-all" else policy.max_actions_per_run
        results, act_errors = act(hub, evaluations, max_actions=cap)
        errors.extend(act_errors)

    if command == "run" and not dry_run:
        stale = _stale_run_notice(state.section("runs"), ctx.now, policy.run_every_seconds)
        if stale:
            notices.append(stale)
        if not state.existed:
            # In Actions the state lives in a cache that GitHub evicts after 7 unused days: a missing file is
            # either the first run or a gap long enough to matter. Either way people should know.
            notices.append(
                f"no state file from an earlier run at {state_path}: this is the first run, or no run has saved "
                "state for a while (GitHub evicts caches unused for 7 days). Uptime and idle fall back to weaker "
                "sources for this run."
            )

    report = Report(
        generated_at=ctx.now,
        command=command,
        dry_run=dry_run,
        namespaces=fleet.namespaces,
        endpoints=results,
        errors=tuple(errors),
        extra={"notices": notices} if notices else {},
    )

    rendered = ""
    new_state = dict(state.data)
    if command != "check":
        from watchdog.alerts import deliver_alerts

        delivery = deliver_alerts(
            report,
            state.section("alerts"),
            now=ctx.now,
            dry_run=dry_run,
            env=ctx.env,
            slack_enabled=policy.notify.slack,
            github_enabled=policy.notify.github_issue,
        )
        report = replace(report, alerts=tuple(delivery.results))
        rendered = delivery.rendered if dry_run else ""
        if not dry_run:
            new_state["alerts"] = delivery.memory
        new_state["endpoints"] = fleet.memory
        runs = dict(state.section("runs"))
        if not dry_run:
            runs["last_run_at"] = report.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            if not report.failed:
                runs["last_success_at"] = runs["last_run_at"]
        new_state["runs"] = runs
        save_state(state_path, new_state)
    else:
        _write_step_summary_for_check(ctx, report)

    _emit(ctx, report, rendered)
    if report.failed:
        return EXIT_FAILED
    if command == "check" and ctx.args.fail_on_violation and any(r.evaluation.violations for r in report.endpoints):
        return EXIT_VIOLATIONS
    return EXIT_OK


def _write_step_summary_for_check(ctx: Context, report: Any) -> None:
    path = ctx.env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    from watchdog.render_markdown import render_report_markdown

    with open(path, "a", encoding="utf-8") as handle:
        handle.write(ctx.redact(render_report_markdown(report)) + "\n")


def _pause_all_namespace(ctx: Context, policy: Any) -> list[str]:
    confirm = ctx.args.confirm.strip()
    given = ctx.opt("namespace") or []
    if given and given != [confirm]:
        raise UsageError(f"--confirm {confirm!r} must equal the namespace being paused ({', '.join(given)}); nothing was touched")
    watched = set(policy.namespaces) | set(given)
    if watched and confirm not in watched:
        raise UsageError(
            f"--confirm {confirm!r} is not a watched namespace ({', '.join(sorted(watched))}); nothing was touched"
        )
    return [confirm]


def cmd_plan(ctx: Context) -> int:
    from watchdog.plan import plan_diff, render_plan_markdown
    from watchdog.report_json import snapshots_from_report

    new_path = ctx.opt("policies", DEFAULT_POLICIES)
    new_policy = _load_policy_or_usage(ctx, new_path)
    old_policy = _load_policy_or_usage(ctx, ctx.args.base)
    if ctx.args.from_report:
        try:
            data = json.loads(Path(ctx.args.from_report).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise UsageError(f"--from-report {ctx.args.from_report}: cannot read a JSON report ({error})") from None
        snapshots = snapshots_from_report(data)
        namespaces_ok = True
    else:
        from watchdog.runner import collect
        from watchdog.state import load_state

        hub = _hub(ctx)
        fleet = collect(hub, _namespaces(ctx, new_policy, hub), load_state(ctx.opt("state", DEFAULT_STATE)).section("endpoints"), ctx.now)
        snapshots = fleet.snapshots
        namespaces_ok = all(ns.ok for ns in fleet.namespaces)
        for ns in fleet.namespaces:
            if not ns.ok:
                ctx.err(f"namespace {ns.name}: {ns.error}")
    diff = plan_diff(old_policy, new_policy, snapshots, ctx.now)
    markdown = render_plan_markdown(diff, ctx.args.base, new_path)
    ctx.out(markdown)
    if ctx.opt("report"):
        Path(ctx.opt("report")).write_text(ctx.redact(markdown), encoding="utf-8")
    return EXIT_OK if namespaces_ok else EXIT_FAILED


def cmd_demo(ctx: Context) -> int:
    from watchdog.demo.runner import run_demo

    return run_demo(ctx, main)


def _optional_policy(ctx: Context) -> Any:
    """The policy when there is one: lifecycle commands work without it but then cannot tell what is protected."""
    explicit = ctx.opt("policies")
    if explicit is None and not Path(DEFAULT_POLICIES).exists():
        return None
    return _load_policy_or_usage(ctx, explicit)


def _resolve(ctx: Context, policy: Any, hub: Any, name: str) -> tuple[str, dict]:
    """Find NAME (or NS/NAME) among the watched namespaces; returns (namespace, raw endpoint)."""
    from watchdog.hub import EndpointGone, HubError

    if "/" in name:
        namespace, _, name = name.partition("/")
        candidates = [namespace]
    else:
        candidates = _namespaces(ctx, policy, hub)
    found = []
    for namespace in candidates:
        try:
            found.append((namespace, hub.get_raw(namespace, name)))
        except EndpointGone:
            continue
        except HubError as error:
            ctx.err(f"namespace {namespace}: {error}")
    if not found:
        raise UsageError(f"no endpoint named {name!r} in {', '.join(candidates)}")
    if len(found) > 1:
        raise UsageError(f"{name!r} exists in several namespaces ({', '.join(ns for ns, _ in found)}): use NS/NAME")
    return found[0]


def _one_evaluation(ctx: Context, policy: Any, namespace: str, raw: dict) -> Any:
    from watchdog.evaluate import evaluate
    from watchdog.measure import Signals, measure

    snapshot, _ = measure(raw, namespace, Signals(), None, ctx.now)
    return evaluate(policy, snapshot, ctx.now) if policy is not None else None


def cmd_status(ctx: Context) -> int:
    from watchdog.evaluate import evaluate_all
    from watchdog.render_status import render_status
    from watchdog.runner import collect
    from watchdog.state import load_state

    policy = _optional_policy(ctx)
    hub = _hub(ctx)
    if ctx.args.name:
        namespace, _ = _resolve(ctx, policy, hub, ctx.args.name)
        namespaces = [namespace]
    else:
        namespaces = _namespaces(ctx, policy, hub)
    fleet = collect(hub, namespaces, load_state(ctx.opt("state", DEFAULT_STATE)).section("endpoints"), ctx.now)
    snapshots = fleet.snapshots
    if ctx.args.name:
        short = ctx.args.name.rpartition("/")[2]
        snapshots = tuple(s for s in snapshots if s.name == short)
    evaluations = evaluate_all(policy, snapshots, ctx.now) if policy is not None else None
    ctx.out(render_status(snapshots, evaluations, ctx.now, fmt=ctx.opt("format", "text")))
    for ns in fleet.namespaces:
        if not ns.ok:
            ctx.err(f"namespace {ns.name}: {ns.error}")
    return EXIT_OK if all(ns.ok for ns in fleet.namespaces) else EXIT_FAILED


def cmd_stop(ctx: Context) -> int:
    """`pause` and `scale-to-zero` of one endpoint: idempotent, and protected endpoints need --force."""
    from watchdog.hub import EndpointGone, HubError
    from watchdog.model import Decision

    verb = ctx.args.command
    policy = _optional_policy(ctx)
    hub = _hub(ctx)
    namespace, raw = _resolve(ctx, policy, hub, ctx.args.name)
    name = raw.get("name", ctx.args.name.rpartition("/")[2])
    state = (raw.get("status") or {}).get("state")
    done_states = {"pause": {"paused"}, "scale-to-zero": {"scaledToZero", "paused"}}[verb]
    if state in done_states:
        ctx.out(f"{namespace}/{name} is already {state}: nothing to do")
        return EXIT_OK
    evaluation = _one_evaluation(ctx, policy, namespace, raw)
    if policy is None:
        ctx.err("note: no policy file, so protection was not checked")
    elif evaluation.decision is Decision.PROTECTED and not ctx.args.force:
        raise UsageError(
            f"{namespace}/{name} is protected by rule {evaluation.rule.index} \"{evaluation.rule.match}\": "
            f"not touched (pass --force to {verb} it anyway)"
        )
    try:
        new_state = hub.pause(namespace, name) if verb == "pause" else hub.scale_to_zero(namespace, name)
    except EndpointGone:
        ctx.out(f"{namespace}/{name} no longer exists: nothing to do")
        return EXIT_OK
    except HubError as error:
        ctx.err(f"could not {verb} {namespace}/{name}: {error}")
        return EXIT_FAILED
    ctx.out(f"{namespace}/{name}: {state} → {new_state}. Undo: watchdog resume {name} --namespace {namespace}")
    return EXIT_OK


def _progress(ctx: Context) -> Callable[[float], None]:
    """A dot per poll on a terminal; nothing in logs (CI output stays one line per state change)."""
    if not ctx.stderr.isatty():
        return lambda elapsed: None
    return lambda elapsed: (ctx.stderr.write("."), ctx.stderr.flush()) and None


def cmd_resume(ctx: Context) -> int:
    from watchdog.hub import HubError
    from watchdog.lifecycle import resume_and_wait

    policy = _optional_policy(ctx)
    hub = _hub(ctx)
    namespace, raw = _resolve(ctx, policy, hub, ctx.args.name)
    name = raw.get("name")
    if not ctx.args.wait:
        try:
            state = hub.resume(namespace, name)
        except HubError as error:
            ctx.err(f"could not resume {namespace}/{name}: {error}")
            return EXIT_FAILED
        ctx.out(f"{namespace}/{name}: resuming ({state}); follow with: watchdog resume {name} --namespace {namespace} --wait")
        return EXIT_OK
    url = resume_and_wait(hub, namespace, name, timeout=ctx.args.timeout, say=ctx.out, progress=_progress(ctx))
    if url is None:
        return EXIT_FAILED
    ctx.out(f"export HF_ENDPOINT_URL={url}")
    return EXIT_OK


def cmd_session(ctx: Context) -> int:
    from watchdog.lifecycle import run_session

    command = list(ctx.args.cmd)
    if not command:
        raise UsageError("session needs a command: watchdog session NAME -- COMMAND ...")
    policy = _optional_policy(ctx)
    hub = _hub(ctx)
    namespace, raw = _resolve(ctx, policy, hub, ctx.args.name)
    return run_session(hub, namespace, raw.get("name"), command, keep_running=ctx.args.keep_running,
                       timeout=ctx.args.timeout, say=ctx.out, env=ctx.env)


COMMANDS: dict[str, Callable[[Context], int]] = {
    "status": cmd_status,
    "pause": cmd_stop,
    "scale-to-zero": cmd_stop,
    "resume": cmd_resume,
    "session": cmd_session,
    "validate": cmd_validate,
    "check": cmd_fleet,
    "run": cmd_fleet,
    "pause-all": cmd_fleet,
    "plan": cmd_plan,
    "demo": cmd_demo,
}


# ---------------------------------------------------------------------------------------------------------------
# Entry point and error boundary


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one command; returns the exit code (0 done, 1 failed, 2 usage/policy/credentials, 3 violations)."""
    env = dict(os.environ if env is None else env)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    redact = Redactor.from_env(env)
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    child_command = None
    if "--" in argv and "session" in argv[: argv.index("--")]:
        split = argv.index("--")
        argv, child_command = argv[:split], argv[split + 1 :]
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) if exit_.code in (0, None) else EXIT_USAGE
    if child_command is not None:
        args.cmd = child_command
    try:
        ctx = Context(args=args, env=env, now=parse_now(getattr(args, "now", None)), stdout=stdout, stderr=stderr, redact=redact)
        return COMMANDS[args.command](ctx)
    except UsageError as error:
        stderr.write(redact(f"watchdog: error: {error}") + "\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        stderr.write("watchdog: interrupted\n")
        return 130
    except Exception as error:  # noqa: BLE001 - the one boundary: a clear line, never a token, exit 1
        if env.get("WATCHDOG_DEBUG"):
            import traceback

            stderr.write(redact(traceback.format_exc()))
        stderr.write(redact(f"watchdog: unexpected error: {type(error).__name__}: {error}") + "\n")
        return EXIT_FAILED
