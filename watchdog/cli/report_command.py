"""`watchdog report`: the ledger from the state file, as text, Markdown, JSON or CSV. No token, no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from watchdog.cli.context import EXIT_FAILED, EXIT_OK, Context, UsageError, parse_now
from watchdog.cli.parser import DEFAULT_STATE


def parse_since(text: str | None, now: datetime) -> datetime | None:
    """`30d` / `12h` / `1d12h` back from `now`, or an ISO date or instant; None: the start of the month."""
    from watchdog.core.durations import DurationError, parse_duration

    if text is None:
        return None
    try:
        return now - timedelta(seconds=parse_duration(text))
    except DurationError:
        pass
    try:
        moment = parse_now(text)  # the one ISO-8601 rule of the command line (a bare date is 00:00 UTC)
    except UsageError:
        raise UsageError(f"--since: expected a duration like 30d or 12h, or a date like 2026-11-01, "
                         f"got {text!r}") from None
    if moment > now:
        raise UsageError(f"--since {text} is after now ({now.astimezone(UTC):%Y-%m-%d %H:%M} UTC)")
    return moment


def cmd_report(ctx: Context) -> int:
    from watchdog.adapters.state_file import load_state
    from watchdog.core.ledger import ledger
    from watchdog.core.ledger.codec import history_from_dict
    from watchdog.core.render import ledger as render

    since = parse_since(ctx.args.since, ctx.now)
    path = ctx.opt("state", DEFAULT_STATE)
    state = load_state(path)
    history, problem = history_from_dict(state.data.get("history"))
    problem = state.problem or problem
    if not state.existed:
        ctx.err(f"note: no state file at {path}: no history yet (each `watchdog run` records one entry; pass --state)")
    elif problem:
        ctx.err(f"watchdog: {problem}")
    result = ledger(history, ctx.now, since=since)
    data = render.ledger_to_dict(result, detail=True)
    fmt = ctx.opt("format", "text")
    if fmt == "json":
        ctx.out(json.dumps(data, indent=2))
    elif fmt == "csv":
        ctx.out(render.render_csv(result))
    elif fmt == "markdown":
        ctx.out(render.render_markdown(result))
    else:
        ctx.out(render.render_text(result))
    if ctx.opt("report"):
        target = Path(ctx.opt("report"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    # An unreadable history is an answer that cannot be trusted: say so in the exit code too.
    return EXIT_FAILED if problem else EXIT_OK
