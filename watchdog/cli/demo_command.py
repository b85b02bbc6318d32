"""`watchdog demo`: the tool's main job against the bundled fake fleet on 127.0.0.1, with no account and no token.

It runs at its own fixed instant, DEMO_NOW (the fleet's story: early Monday morning), so it prints the same thing
whenever it runs; `--now` picks another. The bundled policy's dates are absolute (`exempt_until: 2026-12-15`, the
file stays byte-identical to the shipped example users read) and DEMO_NOW falls before them, so the exemption
holds in the demo every month; tests/cli/test_demo.py checks that. `--show-alerts` adds the exact alerts a run would
send; `--serve` keeps the fake running on the real clock for other commands to play with.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from watchdog.cli.context import EXIT_OK, Context, UsageError
from watchdog.demo import bundled

# Secrets and CI settings of the person running the demo must not leak into it, nor the demo into their Slack.
_STRIPPED_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "SLACK_WEBHOOK_URL", "GITHUB_TOKEN", "GITHUB_STEP_SUMMARY",
                 "GITHUB_REPOSITORY", "GITHUB_API_URL", "HF_HUB_OFFLINE")
DEMO_TOKEN = "hf_demo_token_for_the_local_fake_api"
# A Monday, 02:17 UTC (the nightly cron's minute): 03:17 in Paris, Sunday evening in New York.
DEMO_NOW = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _fleet_and_policies(ctx: Context) -> tuple[Path, str]:
    fleet = Path(ctx.args.fleet) if ctx.args.fleet else bundled("fleet.yaml")
    return fleet, ctx.opt("policies") or str(bundled("policies.yaml"))


def _clean_env(ctx: Context, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in ctx.env.items() if k not in _STRIPPED_ENV}
    env.update(HF_TOKEN=DEMO_TOKEN, WATCHDOG_ENDPOINTS_API_URL=f"{base_url}/v2", HF_ENDPOINT=base_url)
    return env


def run_demo(ctx: Context, main: Callable[..., int]) -> int:
    """Start the fake API with the demo fleet, run `check` and a quiet `run --dry-run` against it, then the ledger."""
    from watchdog.fakes.clock import FakeClock
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI

    fleet, policies = _fleet_and_policies(ctx)
    now = ctx.now if ctx.opt("now") else DEMO_NOW
    server = FakeEndpointsAPI.from_fleet_file(fleet, clock=FakeClock(now))
    base_url = server.start()
    try:
        env = _clean_env(ctx, base_url)
        with tempfile.TemporaryDirectory(prefix="watchdog-demo-") as tmp:
            common = ["--policies", policies, "--state", str(Path(tmp) / "state.json"), "--now", _stamp(now)]
            fmt = ["--format", ctx.opt("format")] if ctx.opt("format") else []
            ctx.out(
                f"Demo: a fake Inference Endpoints API is serving the fleet in {fleet.name} at {base_url} "
                "(loopback only).\n"
                f"Policy: {policies}\n"
                "Nothing here touches Hugging Face, Slack or GitHub.\n\n"
                "=== 1. watchdog check: what is running, what it costs, what the policy says ==="
            )
            check_code = main(["check", *common, *fmt], env=env, stdout=ctx.stdout, stderr=ctx.stderr,
                              runtime=ctx.runtime)
            ctx.out("\n=== 2. watchdog run --dry-run: what a real run would send ===")
            report = Path(tmp) / "dry-run.json"
            quiet = io.StringIO()
            run_code = main(["run", "--dry-run", "--report", str(report), *common], env=env, stdout=quiet,
                            stderr=ctx.stderr, runtime=ctx.runtime)
            data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
            if ctx.args.show_alerts:
                alerts = data.get("dry_run_alerts") or "(none)"
                ctx.out("--- alerts that would be sent (dry run) ---\n" + alerts.rstrip("\n") + "\n\n")
            else:
                ctx.out(_would_send(data.get("alerts") or []))
            ctx.out("That was a dry run: every endpoint of the fake fleet is untouched.")
            ledger_code = replay_nights(ctx, main, env, fleet, policies, now)
            ctx.out("\nNext: `watchdog demo --serve` keeps this fake running for other commands; `watchdog init` "
                    "sets up a repository; set HF_TOKEN and run `watchdog check` on your own namespaces (README, "
                    "'Set-up').")
    finally:
        server.stop()
    return max(check_code, run_code, ledger_code)


def _would_send(alerts: list[dict[str, Any]]) -> str:
    """One line per channel of the dry run's alerts, without the "not sent in a real run" notes (the demo has no
    channel configured on purpose)."""
    names = {"github": "the GitHub dashboard issue", "slack": "Slack"}
    parts = [f"{names[a['channel']]} ({(a.get('detail') or '').split('; not sent')[0]})" for a in alerts
             if a.get("channel") in names and a.get("status") == "dry-run"]
    return ("What a real run would send, besides the job summary in GitHub Actions: " + ", ".join(parts) + ".\n"
            "`watchdog demo --show-alerts` prints them exactly: the issue's body and comment, the Slack payload.")


def replay_nights(ctx: Context, main: Callable[..., int], env: dict[str, str], fleet: Path, policies: str,
                  now: datetime) -> int:
    """The ledger's story: real `watchdog run` nights on a second fake fleet whose clock starts three days ago and
    moves a day at a time (someone resumes one paused endpoint on the way), then `watchdog report`."""
    from watchdog.fakes.clock import FakeClock
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI

    start = now - timedelta(days=3)
    server = FakeEndpointsAPI.from_fleet_file(fleet, clock=FakeClock(start))
    base_url = server.start()
    night_env = {**env, "WATCHDOG_ENDPOINTS_API_URL": f"{base_url}/v2", "HF_ENDPOINT": base_url}
    worst = 0
    ctx.out("\n=== 3. four nights of `watchdog run` on a fresh copy of the fleet "
            "(the fake clock moves a day each night) ===")
    try:
        with tempfile.TemporaryDirectory(prefix="watchdog-demo-ledger-") as tmp:
            common = ["--policies", policies, "--state", str(Path(tmp) / "state.json")]
            for night in range(4):
                at = start + timedelta(days=night)
                stamp = _stamp(at)
                quiet = io.StringIO()
                if night == 2:  # an hour before the third night Mert takes his experiment back: its saving stops
                    server.set_time(at - timedelta(hours=1))
                    # resume takes no --state: each command takes only the global options it uses.
                    worst = max(worst, main(["resume", "mert-spike6", "--namespace", "acme-ml", "--policies",
                                             policies], env=night_env, stdout=quiet, stderr=quiet, runtime=ctx.runtime))
                server.set_time(at)
                report = Path(tmp) / "report.json"
                code = main(["run", "--now", stamp, "--report", str(report), *common], env=night_env, stdout=quiet,
                            stderr=quiet, runtime=ctx.runtime)
                worst = max(worst, code)
                s = json.loads(report.read_text())["summary"]
                owner = " (mert-spike6 was resumed by its owner an hour before)" if night == 2 else ""
                ctx.out(f"  {at:%a %d %b %H:%M} UTC: {s['billable']} billable, "
                        f"burning ${s['burn_usd_per_hour']:.2f}/h; "
                        f"paused {s['paused']}, scaled {s['scaled_to_zero']} to zero{owner}")
            ctx.out("\n=== 4. watchdog report: what the endpoints cost and what the watchdog saved ===")
            fmt = ["--format", ctx.opt("format")] if ctx.opt("format") else []
            since = ["--since", _stamp(start)]
            state = common[common.index("--state"):][:2]  # the ledger reads the state file only, no policy
            worst = max(worst, main(["report", "--now", stamp, *since, *fmt, *state], env=night_env,
                                    stdout=ctx.stdout, stderr=ctx.stderr, runtime=ctx.runtime))
            ctx.out("In GitHub Actions the dashboard issue and the job summary show these figures with Mermaid charts "
                    "of burn $/h and cumulative saved $; `watchdog report --format markdown` prints them.")
    finally:
        server.stop()
    return worst


def serve(ctx: Context) -> int:
    """`demo --serve`: the fake API with the demo fleet on the real clock until Ctrl-C, and the lines that point
    every other command at it."""
    from watchdog.core.durations import format_duration
    from watchdog.fakes.clock import FakeClock
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI

    for flag, given in (("--now", ctx.opt("now")), ("--format", ctx.opt("format")),
                        ("--show-alerts", ctx.args.show_alerts)):
        if given:
            raise UsageError(f"{flag} has no effect with --serve: the playground runs on the real clock, so the "
                             "commands you run against it (which read the real clock too) agree with it; "
                             "nothing was done")
    fleet, policies = _fleet_and_policies(ctx)
    server = FakeEndpointsAPI.from_fleet_file(fleet, clock=FakeClock(ctx.now, ticking=True),
                                              port=ctx.args.port or 0)
    try:
        base_url = server.start()
    except OSError as error:
        raise UsageError(f"--port {ctx.args.port}: cannot listen on 127.0.0.1 ({error.strerror}); "
                         "nothing was done") from None
    try:
        env = _clean_env(ctx, base_url)
        names = ", ".join(ns.name for ns in server.fleet.namespaces)
        ctx.out(
            f"Playground: a fake Inference Endpoints API is serving {fleet.name} ({server.fleet.endpoint_count} "
            f"endpoints in {names}) at {base_url}, loopback only, on the real clock.\n"
            "Nothing here touches Hugging Face. In another shell, point every other command at it:\n\n"
            + "".join(f"export {key}={env[key]}\n" for key in ("HF_TOKEN", "WATCHDOG_ENDPOINTS_API_URL", "HF_ENDPOINT"))
            + "\nthen, for example:\n"
            f"  watchdog check --policies {policies}\n"
            "  watchdog status acme-ml/mert-spike6\n"
            "  watchdog pause acme-ml/mert-spike6\n"
            "  watchdog resume acme-ml/mert-spike6 --wait\n"
            "  watchdog init /tmp/playground-repo        # the starter policy this fleet would get\n\n"
            f"A resume takes {format_duration(server.resume_delay)} here (initializing, then running), "
            "as the fleet file says: `resume --wait` polls until then. On Hugging Face it takes minutes too.\n"
            "Ctrl-C stops the playground; its endpoints start afresh next time."
        )
        try:
            while True:
                ctx.runtime.sleep(3600)
        except KeyboardInterrupt:
            ctx.out("\nPlayground stopped.")
    finally:
        server.stop()
    return EXIT_OK


def cmd_demo(ctx: Context) -> int:
    from watchdog.cli import main

    if ctx.args.port is not None and not ctx.args.serve:
        raise UsageError("--port only applies with --serve; nothing was done")
    if ctx.args.serve:
        return serve(ctx)
    return run_demo(ctx, main)
