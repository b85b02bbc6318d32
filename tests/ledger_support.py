"""A small history for the ledger's renderers: three nights of a four-endpoint fleet in two namespaces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.alerts_support import endpoint_result, kept, make_report
from watchdog.core.ledger import History, record_run
from watchdog.core.model import Decision, Finding, Outcome, Report
from watchdog.core.rules import Check

NIGHT1 = datetime(2026, 11, 20, 2, 17, tzinfo=UTC)
DAY = timedelta(days=1)
OVER = (Finding(Check.MAX_UPTIME, "12h", "12d", "running 12d > max_uptime 12h (defaults)"),)


def night_report(night: int) -> Report:
    """Night 1 pauses `mert-spike6` ($2.50/h) and scales `alice/sandbox` ($0.80/h) to zero; the sandbox wakes
    on traffic before night 2; `prod-api` ($4/h) is protected and over its limit every night (an exception)."""
    at = NIGHT1 + (night - 1) * DAY
    prod = endpoint_result("prod-api", decision=Decision.PROTECTED, outcome=Outcome.NONE, price=4.0, violations=OVER,
                           now=at, up=timedelta(days=11 + night))
    chat = kept("chat", price=0.5, now=at)
    if night == 1:
        spike = endpoint_result("mert-spike6", price=2.5, now=at)
        sandbox = endpoint_result("sandbox", "alice", price=0.8, now=at, decision=Decision.SCALE_TO_ZERO,
                                  outcome=Outcome.SCALED_TO_ZERO)
    else:
        spike = endpoint_result("mert-spike6", state="paused", decision=Decision.KEEP, outcome=Outcome.NONE, up=None)
        sandbox = kept("sandbox", "alice", price=0.8, now=at, up=timedelta(hours=2))
    return make_report(spike, prod, chat, sandbox, now=at)


def three_nights() -> tuple[History, datetime]:
    history = History()
    for night in (1, 2, 3):
        report = night_report(night)
        history = record_run(history, report, report.generated_at, 86400)
    return history, NIGHT1 + 2 * DAY
