"""Golden files from the real path: policy text → measure raw API answers → evaluate → act → render.

The inputs (`tests/golden/pipeline/inputs.json`) are raw API answers of the demo fleet at two instants an hour
apart, captured once; no server runs here. The goldens pin what a person reads (`render_text`, the Markdown
report) and what a machine reads (the JSON report), so a refactor that changes any byte fails. After a deliberate
change, `WATCHDOG_UPDATE_GOLDEN=1 pytest tests/e2e/test_golden_pipeline.py` rewrites them; review the diff.
"""

from __future__ import annotations

import json
from typing import Any

from tests.alerts_support import check_golden
from tests.paths import GOLDEN
from watchdog.adapters.interface import EndpointGone, HubError
from watchdog.core.evaluate import evaluate_all
from watchdog.core.measure import Signals, measure
from watchdog.core.model import Report
from watchdog.core.outcomes import planned_outcomes
from watchdog.core.policy import parse_policy
from watchdog.core.render.json_report import report_to_dict
from watchdog.core.render.markdown import render_report_markdown
from watchdog.core.render.text import render_text
from watchdog.core.timestamps import parse_timestamp
from watchdog.operations.sweep import act

HERE = GOLDEN / "pipeline"
INPUTS = json.loads((HERE / "inputs.json").read_text())
POLICY = parse_policy((HERE / "policies.yaml").read_text(), "policies.yaml")


class _ActingHub:
    """Acts like the API on pause / scale-to-zero: one endpoint fails for good, one was deleted meanwhile."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def map(self, fn: Any, items: list[Any]) -> list[Any]:
        return [fn(item) for item in items]

    def pause(self, namespace: str, name: str) -> str:
        self.calls.append(("pause", f"{namespace}/{name}"))
        if name == "alice-sandbox":
            raise HubError(f"pause {namespace}/{name}: HTTP 500: internal error", 500)
        return "paused"

    def scale_to_zero(self, namespace: str, name: str) -> str:
        self.calls.append(("scale-to-zero", f"{namespace}/{name}"))
        raise EndpointGone(f"scale-to-zero {namespace}/{name}: HTTP 404: Endpoint not found", 404)


def _night(index: int, memory: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    night = INPUTS["nights"][index]
    now = parse_timestamp(night["now"])
    snapshots, new_memory = [], {}
    for namespace, data in night["namespaces"].items():
        for raw in data["items"]:
            sig = data["signals"].get(raw["name"])
            signals = Signals() if sig is None else Signals(
                price_per_replica_hour=sig["price_per_replica_hour"],
                replica_started_at=parse_timestamp(sig["replica_started_at"]),
                request_counter=sig["request_counter"],
                notes=tuple(sig["notes"]),
            )
            snapshot, kept = measure(raw, namespace, signals, memory.get(f"{namespace}/{raw['name']}"), now)
            snapshots.append(snapshot)
            if kept:
                new_memory[snapshot.key] = kept
    snapshots.sort(key=lambda s: s.key)
    return now, evaluate_all(POLICY, snapshots, now), new_memory


def _namespaces(index: int) -> tuple[Any, ...]:
    from watchdog.core.model import NamespaceResult

    return tuple(NamespaceResult(ns, ok=True, endpoints=len(d["items"]))
                 for ns, d in INPUTS["nights"][index]["namespaces"].items())


def test_first_night_check_text() -> None:
    now, evaluations, _ = _night(0, {})
    report = Report(now, "check", False, _namespaces(0), planned_outcomes(evaluations))
    check_golden("pipeline/check_night1.txt", render_text(report))


def test_second_night_check_text_uses_the_first_nights_memory() -> None:
    _, _, memory = _night(0, {})
    now, evaluations, _ = _night(1, memory)
    report = Report(now, "check", False, _namespaces(1), planned_outcomes(evaluations))
    check_golden("pipeline/check_night2.txt", render_text(report))


def test_second_night_run_json_and_markdown() -> None:
    _, _, memory = _night(0, {})
    now, evaluations, _ = _night(1, memory)
    hub = _ActingHub()
    results, errors = act(hub, evaluations, max_actions=POLICY.max_actions_per_run)
    assert hub.calls, "the golden run must act on something"
    report = Report(now, "run", False, _namespaces(1), results, errors=errors)
    check_golden("pipeline/run_night2.json", json.dumps(report_to_dict(report), indent=2) + "\n")
    check_golden("pipeline/run_night2.md", render_report_markdown(report))


def test_second_night_status_cards() -> None:
    from watchdog.core.render.status import render_status

    _, _, memory = _night(0, {})
    now, evaluations, _ = _night(1, memory)
    snapshots = [ev.endpoint for ev in evaluations]
    check_golden("pipeline/status_night2.txt", render_status(snapshots, evaluations, now) + "\n")
    check_golden("pipeline/status_night2.json", render_status(snapshots, evaluations, now, fmt="json") + "\n")
