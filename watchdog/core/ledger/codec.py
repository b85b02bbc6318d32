"""The ledger history as the state file's `history` section, and back (pure: dicts in, dicts out).

Reading is strict: anything unexpected drops the whole history with a notice, never a crash. Losing the history
loses the money figures of the past, never a measurement or a decision (nothing else reads it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from watchdog.core.ledger import History, MonthFold, RunRecord, Stretch
from watchdog.core.timestamps import format_timestamp, parse_timestamp

HISTORY_VERSION = 1
_ENDS = (None, "resumed", "woke", "deleted")


def _ts(value: datetime) -> str:
    return format_timestamp(value) or ""


def _money_map(values: Mapping[str, float]) -> dict[str, float]:
    return {k: round(v, 6) for k, v in sorted(values.items())}


def history_to_dict(history: History) -> dict[str, Any]:
    """JSON-able form; keys are short because the file holds up to 400 runs."""
    return {
        "version": HISTORY_VERSION,
        "runs": [
            {
                "at": _ts(r.at),
                "command": r.command,
                "run_every": r.run_every_seconds,
                "billable": r.billable,
                "unpriced": r.unpriced,
                "namespaces": _money_map(r.namespaces),
                "rates": _money_map(r.rates),
                "exceptions": sorted(r.exceptions),
                "actions": dict(sorted(r.actions.items())),
            }
            for r in history.runs
        ],
        "stretches": [
            {
                "endpoint": s.key,
                "stopped_by": s.action,  # pause | scale-to-zero
                "usd_per_hour": s.usd_per_hour,
                "stopped_at": _ts(s.stopped_at),
                "seen_stopped_at": _ts(s.seen_stopped_at),
                "ended_at": format_timestamp(s.ended_at),
                "end": s.end,
            }
            for s in history.stretches
        ],
        "months": [
            {
                "month": m.month,
                "first_run_at": _ts(m.first_run_at),
                "runs": m.runs,
                "billed": _money_map(m.billed),
                "saved": _money_map(m.saved),
                "exceptions": _money_map(m.exceptions),
                "unknown_hours": round(m.unknown_hours, 6),
                "namespace_unknown_hours": _money_map(m.namespace_unknown_hours),
                "spenders": _money_map(m.spenders),
            }
            for m in history.months
        ],
    }


class _Bad(ValueError):
    pass


def _get(item: Any, key: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(item, Mapping) or key not in item:
        raise _Bad(f"missing {key!r}")
    value = item[key]
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise _Bad(f"{key!r} has the wrong type")
    return value


def _instant(item: Any, key: str, optional: bool = False) -> datetime | None:
    value = item.get(key) if isinstance(item, Mapping) else None
    if value is None and optional:
        return None
    parsed = parse_timestamp(value)
    if parsed is None:
        raise _Bad(f"{key!r} is not a timestamp")
    return parsed


def _amounts(item: Any, key: str) -> dict[str, float]:
    values = _get(item, key, dict)
    if not all(isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
               for k, v in values.items()):
        raise _Bad(f"{key!r} must map names to amounts")
    return {k: float(v) for k, v in values.items()}


def _run(item: Any) -> RunRecord:
    exceptions = _get(item, "exceptions", list)
    actions = _get(item, "actions", dict)
    if not all(isinstance(k, str) for k in exceptions) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in actions.items()):
        raise _Bad("bad exceptions or actions")
    return RunRecord(
        at=_instant(item, "at"),  # type: ignore[arg-type]
        command=_get(item, "command", str),
        run_every_seconds=_get(item, "run_every", int),
        billable=_get(item, "billable", int),
        unpriced=_get(item, "unpriced", int),
        namespaces=_amounts(item, "namespaces"),
        rates=_amounts(item, "rates"),
        exceptions=frozenset(exceptions),
        actions=dict(actions),
    )


def _stretch(item: Any) -> Stretch:
    end = item.get("end") if isinstance(item, Mapping) else None
    if end not in _ENDS:
        raise _Bad("bad stretch end")
    return Stretch(
        key=_get(item, "endpoint", str),
        action=_get(item, "stopped_by", str),
        usd_per_hour=float(_get(item, "usd_per_hour", (int, float))),
        stopped_at=_instant(item, "stopped_at"),  # type: ignore[arg-type]
        seen_stopped_at=_instant(item, "seen_stopped_at"),  # type: ignore[arg-type]
        ended_at=_instant(item, "ended_at", optional=True),
        end=end,
    )


def _month(item: Any) -> MonthFold:
    label = _get(item, "month", str)
    try:
        datetime.strptime(label, "%Y-%m")
    except ValueError:
        raise _Bad("bad month") from None
    return MonthFold(
        month=label,
        first_run_at=_instant(item, "first_run_at"),  # type: ignore[arg-type]
        runs=_get(item, "runs", int),
        billed=_amounts(item, "billed"),
        saved=_amounts(item, "saved"),
        exceptions=_amounts(item, "exceptions"),
        unknown_hours=float(_get(item, "unknown_hours", (int, float))),
        namespace_unknown_hours=_amounts(item, "namespace_unknown_hours"),
        spenders=_amounts(item, "spenders"),
    )


def history_from_dict(data: Any) -> tuple[History, str | None]:
    """The history, or an empty one plus the notice to report when the section could not be read."""
    if data is None or data == {}:
        return History(), None
    try:
        if _get(data, "version", int) != HISTORY_VERSION:
            raise _Bad(f"version {data.get('version')!r}")
        runs = tuple(sorted((_run(r) for r in _get(data, "runs", list)), key=lambda r: r.at))
        stretches = tuple(_stretch(s) for s in _get(data, "stretches", list))
        months = tuple(sorted((_month(m) for m in _get(data, "months", list)), key=lambda m: m.month))
    except _Bad as error:
        return History(), (f"the ledger history in the state file could not be read ({error}); it starts afresh "
                           "from this run (past money figures are lost, nothing else)")
    return History(runs, stretches, months), None
