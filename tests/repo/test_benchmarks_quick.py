"""Small, quick variants of benchmarks/sweep.py and benchmarks/startup.py (the full runs are not unit tests).

The sweep runs in this process (`--quick`: `watchdog.cli.main` against the fake, 200 endpoints at 5 ms, one run per
case), so it costs about a second; the start-up benchmark needs subprocesses by nature. Each script exits non-zero
on a missed target, and the assertions below restate the important ones, the non-Enterprise request bound exactly.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO

ROOT = REPO
_SPEC = importlib.util.spec_from_file_location("benchmarks_sweep", ROOT / "benchmarks" / "sweep.py")
assert _SPEC is not None and _SPEC.loader is not None
sweep = sys.modules.setdefault("benchmarks_sweep", importlib.util.module_from_spec(_SPEC))
_SPEC.loader.exec_module(sweep)

pytestmark = pytest.mark.e2e


def _sweep(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "sweep.json"
    assert sweep.main(["--quick", *args, "--json", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_quick_sweep_meets_the_request_bounds_exactly(tmp_path: Path) -> None:
    data = _sweep(tmp_path)
    cases = {c["case"]["key"]: c for c in data["cases"]}
    assert set(cases) == {"no-metrics", "no-metrics-404", "enterprise"}
    limit = data["page_limit"]
    for key, case in cases.items():
        fleet, counts = case["fleet"], case["runs"][0]["requests"]
        per_namespace = math.ceil(fleet["endpoints"] / len(fleet["namespaces"]) / limit)
        namespaces, billable = len(fleet["namespaces"]), fleet["billable"]
        # Issue #15: pages + one price list per namespace + one replica call per billable endpoint + open metrics:
        # one probe per namespace where the plan has none (403 or 404), one per billable endpoint where it has them.
        metrics = billable if case["case"]["open_metrics"] else namespaces
        assert counts == {"list": per_namespace * namespaces, "provider": namespaces, "replica": billable,
                          "open-metrics": metrics}, key
        assert all(q.get("limit") == str(limit) for q in case["runs"][0]["list_queries"]), key
        assert 2 <= case["max_in_flight"] <= data["default_concurrency"] == 16
    assert cases["no-metrics"]["runs"][0]["requests"]["open-metrics"] == 4  # 4 namespaces, not 50 endpoints
    assert all(c["ok"] for c in data["checks"]), [c for c in data["checks"] if not c["ok"]]


def test_quick_sweep_honours_a_configured_concurrency(tmp_path: Path) -> None:
    data = _sweep(tmp_path, "--case", "enterprise", "--concurrency", "3")
    (case,) = data["cases"]
    assert 2 <= case["max_in_flight"] <= 3
    assert sum(case["runs"][0]["requests"].values()) == case["bound"]["total"]


def test_quick_startup_is_fast_and_imports_no_http_stack(tmp_path: Path) -> None:
    out = tmp_path / "startup.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "startup.py"), "--quick", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"startup.py --quick exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {r["command"] for r in data["results"]} == {"watchdog --help", "watchdog validate policies.yaml"}
    for result in data["results"]:
        assert result["median"] < 1.0, result
        assert result["forbidden"] == [], result
        assert result["modules"] > 20  # the import log was really read
