"""The Slack digest: one Block Kit message per run with news, within Slack's documented limits (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from watchdog.core.events import (
    ACTION_KINDS,
    FAILURE_KINDS,
    RECONFIGURE_KINDS,
    Event,
    action_counts,
    saved_usd_per_hour,
)
from watchdog.core.idle_coverage import IdleCoverage
from watchdog.core.render.escape import slack_code, slack_reason, slack_text
from watchdog.core.render.markdown import EVENT_LABELS, money, utc_text

# Block Kit limits (reference §2.2).
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_CHARS = 4000
# `msg_blocks_too_long` has been seen with every per-block limit met at ~13.2k characters in total:
# keep all section text together under this.
MAX_TOTAL_SECTION_CHARS = 12_000

EMOJI = {
    "namespace-error": ":x:",
    "action-failed": ":x:",
    "unmeasurable": ":x:",
    "run-error": ":x:",
    "namespace-warning": ":warning:",
    "paused": ":double_vertical_bar:",
    "scaled-to-zero": ":arrow_down:",
    "would-pause": ":double_vertical_bar:",
    "would-scale-to-zero": ":arrow_down:",
    "reconfigured": ":wrench:",
    "would-reconfigure": ":wrench:",
    "violation": ":warning:",
    "limit-approaching": ":hourglass_flowing_sand:",
    "exemption-expiring": ":calendar:",
    "idle-unknown": ":grey_question:",
    "run-notice": ":information_source:",
    "recovered": ":white_check_mark:",
}

_SLACK_ID = re.compile(r"^@?([UW][A-Z0-9]{6,})$")
# What an owner may write to ping on purpose: a member (`<@U024BE7LH>`), a user group, `<!here>`, `<!channel>`.
_SLACK_MENTION = re.compile(r"^<(?:@[UW][A-Z0-9]{6,}|!subteam\^[A-Z0-9]{6,}|!here|!channel)>$")


def escape(text: object) -> str:
    """Text from outside the watchdog, shown literally in mrkdwn (see `escape.slack_text`)."""
    return slack_text(text)


def mention(owner: str) -> str:
    """`<@U123ABC>` for Slack member IDs (a real ping), and a Slack mention the owner wrote on purpose
    (`<@U…>`, `<!subteam^S…>`, `<!here>`, `<!channel>`); anything else, like `@alice`, is shown as written."""
    owner = owner.strip()
    if _SLACK_MENTION.match(owner):
        return owner
    match = _SLACK_ID.match(owner)
    return f"<@{match.group(1)}>" if match else slack_text(owner)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _group(events: Sequence[Event]) -> list[list[Event]]:
    """Events grouped by subject (one section per endpoint), in the order of each subject's first event."""
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(event.subject if event.subject != "run" else event.key, []).append(event)
    return list(groups.values())


def section_text(group: Sequence[Event]) -> str:
    """One section: what happened to one endpoint (or namespace), why, the cost, the owner, the undo."""
    first = group[0]
    label = EVENT_LABELS.get(first.kind, first.kind)
    subject = f"{first.namespace}/{first.name}" if first.name else (first.namespace or "")
    title = f"{EMOJI.get(first.kind, '')} *{label}*".strip()
    if subject:
        title += f" {slack_code(subject)}"
    if first.decision and first.name:
        title += f" · decision *{first.decision}*"
    lines = [title]
    if first.carried_from:
        lines.append(f"_(from the run at {slack_text(first.carried_from)}: not delivered then)_")
    for event in group:
        prefix = "" if event is first else f"{EMOJI.get(event.kind, '')} {EVENT_LABELS.get(event.kind, event.kind)}: "
        lines.append(f"{prefix}{slack_reason(event.detail, event.rule)}")
    facts = []
    if first.hourly_usd:
        facts.append(money(first.hourly_usd, "/h"))
        if first.stretch_usd is not None:
            facts.append(f"this stretch {'at least ' if first.stretch_at_least else ''}{money(first.stretch_usd)}")
    if first.owner:
        facts.append(f"owner {mention(first.owner)}")
    if facts:
        lines.append(" · ".join(facts))
    undo = next((e.undo for e in group if e.undo), None)
    if undo:
        lines.append(f"Undo: {slack_code(undo)}")
        note = next((e.undo_note for e in group if e.undo_note), None)
        if note:
            lines.append(f"({slack_text(note)})")
    return _clip("\n".join(lines), MAX_SECTION_CHARS)


def headline(events: Sequence[Event], *, dry_run: bool = False, saved_this_month: float | None = None,
             idle_coverage: str | None = None) -> str:
    """`Endpoint watchdog: 2 paused · 1 reconfigured · 1 failed · 3 to watch · $3.50/h saved · saved $75.00 this
    month (est.) · idle known 8/11` (≤ 150 characters; the month's saving comes from the ledger)."""
    acted = sum(1 for e in events if e.kind in ACTION_KINDS and not e.carried_from)
    reconfigured = sum(1 for e in events if e.kind in RECONFIGURE_KINDS and not e.carried_from)
    failed = sum(1 for e in events if e.kind in FAILURE_KINDS or e.kind == "run-error")
    recovered = sum(1 for e in events if e.kind == "recovered")
    watch = sum(1 for e in events if not e.carried_from) - acted - reconfigured - failed - recovered
    carried = sum(1 for e in events if e.carried_from)
    parts = [*action_counts(e.kind for e in events if not e.carried_from), f"{failed} failed" if failed else "",
             f"{watch} to watch" if watch else "", f"{recovered} recovered" if recovered else "",
             f"{carried} from an earlier run" if carried else ""]
    saved = saved_usd_per_hour(events)
    if saved:
        parts.append(f"{money(saved, '/h')} {'would be ' if dry_run else ''}saved")
    if saved_this_month is not None and saved_this_month >= 0.005:
        parts.append(f"saved {money(saved_this_month)} this month (est.)")
    if idle_coverage:
        parts.append(idle_coverage)
    prefix = "[dry run] " if dry_run else ""
    return _clip(f"{prefix}Endpoint watchdog: " + " · ".join(p for p in parts if p), MAX_HEADER_CHARS)


def _fallback(head: str, groups: Sequence[Sequence[Event]]) -> str:
    # The fallback `text` is not verbatim: Slack links URLs, `@here` and `#channel` in it by itself.
    lines = [head] + [f"- {slack_text(g[0].title, autoparse=True)}" for g in groups]
    return _clip("\n".join(lines), MAX_FALLBACK_CHARS)


def build_slack_payload(
    events: Sequence[Event],
    *,
    now: datetime,
    dry_run: bool = False,
    run_url: str | None = None,
    issue_url: str | None = None,
    saved_this_month: float | None = None,
    idle_coverage: IdleCoverage | None = None,
) -> dict:
    """The webhook JSON for this run's news: header, a section per endpoint, a "+N more" line, a context line.

    With `idle_coverage`, the header ends with `idle known 8/11` and the context line gives the sources, the
    namespaces with no idle signal at all and the fix."""
    coverage = idle_coverage if idle_coverage is not None and idle_coverage.billable else None
    head = headline(events, dry_run=dry_run, saved_this_month=saved_this_month,
                    idle_coverage=coverage.short if coverage else None)
    groups = _group(events)
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": head, "emoji": True}}]
    # Reserve the context block and a possible "+N more" section.
    room = MAX_BLOCKS - len(blocks) - 2
    used = 0
    shown = 0
    for group in groups:
        text = section_text(group)
        if shown >= room or used + len(text) > MAX_TOTAL_SECTION_CHARS:
            break
        # verbatim: Slack must not link URLs or names in the text by itself; only `<…>` written here links.
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}})
        used += len(text)
        shown += 1
    if shown < len(groups):
        where = "the dashboard issue" if issue_url else "the workflow run summary" if run_url else "the report"
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": f"+{len(groups) - shown} more — see {where}."}})
    context = [{"type": "mrkdwn", "text": utc_text(now)}]
    if coverage:
        context.append({"type": "mrkdwn", "text": _clip(slack_text(coverage.sentence), MAX_SECTION_CHARS)})
    if run_url:
        context.append({"type": "mrkdwn", "text": f"<{run_url}|Workflow run>"})
    if issue_url:
        context.append({"type": "mrkdwn", "text": f"<{issue_url}|Dashboard issue>"})
    blocks.append({"type": "context", "elements": context[:MAX_CONTEXT_ELEMENTS]})
    return {"text": _fallback(head, groups), "blocks": blocks}
