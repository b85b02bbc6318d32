"""`watchdog demo`: the tool's main job against the bundled fake fleet on 127.0.0.1, with no account and no token."""

from __future__ import annotations

import io
import json
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Callable

from watchdog.cli.context import Context
from watchdog.demo import bundled

# Secrets and CI settings of the person running the demo must not leak into it, nor the demo into their Slack.
_STRIPPED_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "SLACK_WEBHOOK_URL", "GITHUB_TOKEN", "GITHUB_STEP_SUMMARY",
                 "GITHUB_REPOSITORY", "GITHUB_API_URL", "HF_HUB_OFFLINE")
DEMO_TOKEN = "hf_demo_token_for_the_local_fake_api"


def run_demo(ctx: Context, main: Callable[..., int]) -> int:
    """Start the fake API with the demo fleet, then run `check` and `run --dry-run` against it."""
    from watchdog.fakes.clock import FakeClock
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI

    fleet = Path(ctx.args.fleet) if ctx.args.fleet else bundled("fleet.yaml")
    policies = ctx.opt("policies") or str(bundled("policies.yaml"))
    now_iso = ctx.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    server = FakeEndpointsAPI.from_fleet_file(fleet, clock=FakeClock(ctx.now))
    base_url = server.start()
    try:
        env = {k: v for k, v in ctx.env.items() if k not in _STRIPPED_ENV}
        env.update(
            HF_TOKEN=DEMO_TOKEN,
            WATCHDOG_ENDPOINTS_API_URL=f"{base_url}/v2",
            HF_ENDPOINT=base_url,
        )
        with tempfile.TemporaryDirectory(prefix="watchdog-demo-") as tmp:
            common = ["--policies", policies, "--state", str(Path(tmp) / "state.json"), "--now", now_iso]
            if ctx.opt("format"):
                common += ["--format", ctx.opt("format")]
            ctx.out(
                f"Demo: a fake Inference Endpoints API is serving the fleet in {fleet.name} at {base_url} (loopback only).\n"
                f"Policy: {policies}\n"
                "Nothing here touches Hugging Face, Slack or GitHub.\n\n"
                "=== 1. watchdog check: what is running, what it costs, what the policy says ==="
            )
            check_code = main(["check", *common], env=env, stdout=ctx.stdout, stderr=ctx.stderr, runtime=ctx.runtime)
            ctx.out("\n=== 2. watchdog run --dry-run: the actions and the alerts a real run would send ===")
            run_code = main(["run", "--dry-run", *common], env=env, stdout=ctx.stdout, stderr=ctx.stderr,
                            runtime=ctx.runtime)
            ctx.out("\nThat was a dry run: every endpoint of the fake fleet is untouched.")
            ledger_code = replay_nights(ctx, main, env, fleet, policies)
            ctx.out("\nNext: set HF_TOKEN and run `watchdog check` on your own namespaces (see README, 'Set-up').")
    finally:
        server.stop()
    return max(check_code, run_code, ledger_code)


def replay_nights(ctx: Context, main: Callable[..., int], env: dict[str, str], fleet: Path, policies: str) -> int:
    """The ledger's story: real `watchdog run` nights on a second fake fleet whose clock starts three days ago and
    moves a day at a time (someone resumes one paused endpoint on the way), then `watchdog report`."""
    from watchdog.fakes.clock import FakeClock
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI

    start = ctx.now - timedelta(days=3)
    server = FakeEndpointsAPI.from_fleet_file(fleet, clock=FakeClock(start))
    base_url = server.start()
    night_env = {**env, "WATCHDOG_ENDPOINTS_API_URL": f"{base_url}/v2", "HF_ENDPOINT": base_url}
    worst = 0
    ctx.out("\n=== 3. four nights of `watchdog run` on a fresh copy of the fleet (the fake clock moves a day each night) ===")
    try:
        with tempfile.TemporaryDirectory(prefix="watchdog-demo-ledger-") as tmp:
            common = ["--policies", policies, "--state", str(Path(tmp) / "state.json")]
            for night in range(4):
                at = start + timedelta(days=night)
                stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
                quiet = io.StringIO()
                if night == 2:  # an hour before the third night Mert takes his experiment back: its saving stops
                    server.set_time(at - timedelta(hours=1))
                    main(["resume", "mert-spike6", "--namespace", "acme-ml", *common], env=night_env, stdout=quiet,
                         stderr=quiet, runtime=ctx.runtime)
                server.set_time(at)
                report = Path(tmp) / "report.json"
                code = main(["run", "--now", stamp, "--report", str(report), *common], env=night_env, stdout=quiet,
                            stderr=quiet, runtime=ctx.runtime)
                worst = max(worst, code)
                s = json.loads(report.read_text())["summary"]
                resumed = " (mert-spike6 was resumed by its owner an hour before)" if night == 2 else ""
                ctx.out(f"  {at:%a %d %b %H:%M} UTC: {s['billable']} billable, burning ${s['burn_usd_per_hour']:.2f}/h; "
                        f"paused {s['paused']}, scaled {s['scaled_to_zero']} to zero{resumed}")
            ctx.out("\n=== 4. watchdog report: what the endpoints cost and what the watchdog saved ===")
            fmt = ["--format", ctx.opt("format")] if ctx.opt("format") else []
            since = ["--since", start.strftime("%Y-%m-%dT%H:%M:%SZ")]
            state = common[common.index("--state"):][:2]  # the ledger reads the state file only, no policy
            worst = max(worst, main(["report", "--now", stamp, *since, *fmt, *state], env=night_env,
                                    stdout=ctx.stdout, stderr=ctx.stderr, runtime=ctx.runtime))
            ctx.out("In GitHub Actions the dashboard issue and the job summary show these figures with Mermaid charts "
                    "of burn $/h and cumulative saved $; `watchdog report --format markdown` prints them.")
    finally:
        server.stop()
    return worst


def cmd_demo(ctx: Context) -> int:
    from watchdog.cli import main

    return run_demo(ctx, main)
