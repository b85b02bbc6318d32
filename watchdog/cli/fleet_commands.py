"""The fleet commands, one pipeline with different endings: `check`, `run`, `run --dry-run` and `pause-all`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from watchdog.cli.context import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_VIOLATIONS,
    CommandFailed,
    Context,
    UsageError,
    load_policy_or_usage,
    make_hub,
    namespaces,
)
from watchdog.cli.parser import DEFAULT_STATE
from watchdog.core.model import Report
from watchdog.core.policy import Policy


def emit_report(ctx: Context, report: Report, rendered_alerts: str = "") -> None:
    """Print the report in the chosen format and write `--report` (serialised once)."""
    from watchdog.core.render.text import render_text

    fmt = ctx.opt("format", "text")
    data: dict[str, Any] | None = None
    if fmt == "json" or ctx.opt("report"):  # only then: the dict is a large fraction of a big fleet's run time
        from watchdog.core.render.json_report import report_to_dict

        data = report_to_dict(report)
        if rendered_alerts:
            data["dry_run_alerts"] = rendered_alerts
    text = ""
    if fmt == "json":
        # Serialized once: indented JSON takes the pure-Python encoder, which is slow on a large fleet.
        text = json.dumps(data, indent=2)
        ctx.out(text)
    elif fmt == "markdown":
        from watchdog.core.redact import scrub
        from watchdog.core.render.markdown import render_report_markdown

        # Scrubbed before rendering: escaping (`https\\://`) would hide a URL from the scrub of the printed text.
        ctx.out(render_report_markdown(scrub(report, ctx.redact)))
    else:
        ctx.out(render_text(report))
        if rendered_alerts:
            ctx.out("\n--- alerts that would be sent (dry run) ---\n" + rendered_alerts)
    if ctx.opt("report"):
        path = Path(ctx.opt("report"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if text:
            path.write_text(ctx.redact(text) + "\n", encoding="utf-8")
        else:
            write_json(path, data, ctx.redact)


def write_json(path: Path, data: Any, redact: Callable[[str], str]) -> None:
    """`json.dumps(data, indent=2)` + newline, redacted, written as it is encoded: the same bytes without holding the
    whole text and its pieces at once (at 10,000 endpoints that took the run's peak memory from 130 to 216 MB).

    Redacted line by line: a secret never spans lines (JSON escapes the newlines inside a string).
    """
    with path.open("w", encoding="utf-8") as handle:
        pieces: list[str] = []
        size = 0
        for piece in json.JSONEncoder(indent=2).iterencode(data):
            pieces.append(piece)
            size += len(piece)
            if size >= 1 << 16:
                buffered = "".join(pieces)
                cut = buffered.rfind("\n") + 1
                if cut:
                    handle.write(redact(buffered[:cut]))
                    buffered = buffered[cut:]
                pieces, size = [buffered], len(buffered)
        handle.write(redact("".join(pieces)) + "\n")


def later_run_notice(runs: Mapping[str, Any], now: datetime) -> str | None:
    """The state was written by a run at a later instant than this one: `measure` ignores what it remembers from
    then for each endpoint, and this says why, once for the run."""
    from watchdog.core.replicas import CLOCK_SKEW
    from watchdog.core.timestamps import format_timestamp, parse_timestamp

    last = parse_timestamp(runs.get("last_run_at"))
    if last is None or last <= now + CLOCK_SKEW:
        return None
    return (f"the state file was written by a run at {format_timestamp(last)}, after this run's instant "
            f"{format_timestamp(now)} (a replay at an earlier --now, or a clock that went back): what it remembers "
            "from after that instant is ignored")


def stale_run_notice(runs: Mapping[str, Any], now: datetime, run_every_seconds: int) -> str | None:
    """A scheduled workflow can be dropped or auto-disabled silently; notice when the previous run is too old.

    Any real run counts, failed ones too: a run that failed (a namespace it could not list) proves the schedule
    works, and its failure is reported as such; blaming the schedule would repeat a wrong notice every night.
    """
    from watchdog.core.durations import format_duration
    from watchdog.core.timestamps import parse_timestamp

    last = parse_timestamp(runs.get("last_run_at") or runs.get("last_success_at"))
    if last is None:
        return None
    gap = (now - last).total_seconds()
    # Two missed slots plus slack: GitHub delays schedules under load, one late run is not news.
    if gap > 2 * run_every_seconds + 3600:
        return (
            f"the previous run was {format_duration(gap)} ago but runs are expected every "
            f"{format_duration(run_every_seconds)}: the schedule may have been dropped or disabled "
            "(GitHub disables schedules after 60 days without repository activity)"
        )
    return None


def cmd_fleet(ctx: Context) -> int:
    """check, run, run --dry-run and pause-all: one pipeline with different endings. A run that writes the state
    holds it from reading to writing, so two at once take turns instead of losing each other's memory."""
    from watchdog.adapters.state_file import StateBusy, held

    if ctx.args.command == "check" or getattr(ctx.args, "dry_run", False):
        return _fleet(ctx)  # reads the state, never writes it
    try:
        with held(ctx.opt("state", DEFAULT_STATE), sleep=ctx.runtime.sleep, monotonic=ctx.runtime.monotonic):
            return _fleet(ctx)
    except StateBusy as busy:
        raise CommandFailed(str(busy)) from None


def _fleet(ctx: Context) -> int:
    from watchdog.adapters.state_file import load_state, remembered_without_metrics, save_state
    from watchdog.core.endpoint_memory import after_run, keep_unlisted
    from watchdog.core.evaluate import evaluate_all
    from watchdog.core.open_metrics import SECTION as METRICS_SECTION
    from watchdog.core.open_metrics import to_section
    from watchdog.core.outcomes import pause_all_evaluations, planned_outcomes, safety_cap_exceeded
    from watchdog.operations.sweep import act, collect

    command = ctx.args.command
    dry_run = bool(getattr(ctx.args, "dry_run", False))
    policy = load_policy_or_usage(ctx)
    hub = make_hub(ctx)
    watched = _pause_all_namespace(ctx, policy) if command == "pause-all" else namespaces(ctx, policy, hub)

    state_path = ctx.opt("state", DEFAULT_STATE)
    state = load_state(state_path)
    errors: list[str] = []
    notices: list[str] = []
    if state.problem:
        notices.append(state.problem)
    later = later_run_notice(state.section("runs"), ctx.now)
    if later:
        notices.append(later)

    fleet = collect(hub, watched, state.section("endpoints"), ctx.now,
                    remembered_without_metrics(state, watched, ctx.now))
    notices.extend(fleet.notices)
    refused = hub.deadline_refusals
    if refused:
        errors.append(f"the run deadline (--deadline) passed before {refused} API call(s) were made: endpoints "
                      "measured without them are reported with what is known, and weaker measurements can only "
                      "notify. Raise --deadline, or watch fewer namespaces per run")
    evaluations = evaluate_all(policy, fleet.snapshots, ctx.now)
    if command == "pause-all":
        evaluations = pause_all_evaluations(evaluations, include_protected=ctx.args.include_protected)

    # pause-all is the deliberate brake: the runaway-policy cap does not apply to it.
    cap = None if command == "pause-all" else policy.max_actions_per_run
    if command == "check" or dry_run:
        results = planned_outcomes(evaluations, cap)
        capped = safety_cap_exceeded(evaluations, cap, planned=True)
        if capped:  # the real run would act on none: say so rather than promise the actions
            # A dry run rehearses the run, which fails on the cap (exit 1): so does the rehearsal, or a CI dry run
            # would pass a policy that trips the breaker. `check` only looks: a notice, exit 0.
            (errors if dry_run else notices).append(capped)
    else:
        results, act_errors = act(hub, evaluations, max_actions=cap)
        errors.extend(act_errors)

    if command == "run" and not dry_run:
        stale = stale_run_notice(state.section("runs"), ctx.now, policy.run_every_seconds)
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
        notices=tuple(notices),
    )

    rendered = ""
    new_state = dict(state.data)
    if command != "check":
        from watchdog.operations.alerts import deliver_alerts
        from watchdog.operations.ledger_history import attach_ledger

        report, history = attach_ledger(report, state.data.get("history"), now=ctx.now,
                                        run_every_seconds=policy.run_every_seconds, record=not dry_run)
        if history is not None:
            new_state["history"] = history

        delivery = deliver_alerts(
            report,
            state.section("alerts"),
            now=ctx.now,
            dry_run=dry_run,
            settings=ctx.settings,
            slack_enabled=policy.notify.slack,
            github_enabled=policy.notify.github_issue,
            redact=ctx.redact,
            sleep=ctx.runtime.sleep,
        )
        report = replace(report, alerts=tuple(delivery.results))
        rendered = delivery.rendered if dry_run else ""
        if not dry_run:
            new_state["alerts"] = delivery.memory
        if not dry_run:  # a dry run (perhaps a replay at another --now) leaves no memory a real run would trust
            configured = policy.namespaces or None
            new_state["endpoints"] = after_run(fleet.memory, results, ctx.now, before=state.section("endpoints"),
                                               listed=watched, watched=configured)
            new_state[METRICS_SECTION] = keep_unlisted(  # measurement memory, like endpoints
                state.section(METRICS_SECTION), to_section(fleet.metrics_unavailable), listed=watched,
                watched=configured)
            runs = dict(state.section("runs"))
            runs["last_run_at"] = report.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            if not report.failed:
                runs["last_success_at"] = runs["last_run_at"]
            new_state["runs"] = runs
            try:
                if not state.keep_file:  # a newer watchdog's file is left as it is (the notice says so)
                    save_state(state_path, new_state)
            except OSError as error:
                # Everything this run did is done and must still be told: the table, the report, exit 1.
                report = replace(report, errors=(*report.errors, (
                    f"could not save the state file {state_path} ({type(error).__name__}: {error}): this run's "
                    "actions are done and listed here; the next run measures without its memory")))
    else:
        _write_step_summary_for_check(ctx, report)

    emit_report(ctx, report, rendered)
    if report.failed:
        return EXIT_FAILED
    if command == "check" and ctx.args.fail_on_violation and any(r.evaluation.violations for r in report.endpoints):
        return EXIT_VIOLATIONS
    return EXIT_OK


def _write_step_summary_for_check(ctx: Context, report: Report) -> None:
    path = ctx.settings.step_summary_path
    if not path:
        return
    from watchdog.core.redact import scrub
    from watchdog.core.render.markdown import render_report_markdown

    # Scrubbed before rendering too: Markdown escaping (`https\\://`) would hide a URL from a scrub of the text.
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(ctx.redact(render_report_markdown(scrub(report, ctx.redact))) + "\n")


def _pause_all_namespace(ctx: Context, policy: Policy) -> list[str]:
    confirm = ctx.args.confirm.strip()
    given = ctx.opt("namespace") or []
    if given and given != [confirm]:
        raise UsageError(
            f"--confirm {confirm!r} must equal the namespace being paused ({', '.join(given)}); nothing was touched"
        )
    watched = set(policy.namespaces) | set(given)
    if watched and confirm not in watched:
        raise UsageError(
            f"--confirm {confirm!r} is not a watched namespace ({', '.join(sorted(watched))}); nothing was touched"
        )
    return [confirm]
