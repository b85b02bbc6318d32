"""The ledger's part of a fleet run: read the history from the state, record this run, attach the ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from watchdog.core.ledger import ledger, record_run
from watchdog.core.ledger.codec import history_from_dict, history_to_dict
from watchdog.core.model import Report


def attach_ledger(report: Report, section: Any, *, now: datetime, run_every_seconds: int,
                  record: bool) -> tuple[Report, dict[str, Any] | None]:
    """The report with its month-to-date ledger, and the history section to save (None: leave it as it was).

    Only real runs record (`record`); a dry run shows the ledger of the runs before it. An unreadable history
    becomes a notice and starts afresh.
    """
    history, problem = history_from_dict(section)
    if problem:
        report = replace(report, notices=(*report.notices, problem))
    if record:
        history = record_run(history, report, now, run_every_seconds)
    return replace(report, ledger=ledger(history, now)), history_to_dict(history) if record else None
