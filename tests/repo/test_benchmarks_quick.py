"""Small, quick variants of benchmarks/sweep.py and benchmarks/startup.py (the full runs are not unit tests).

Each script runs as a subprocess exactly as a person would run it, with `--json` for the figures; the script
itself exits non-zero on a missed target, and the assertions below restate the important ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.paths import REPO

ROOT = REPO
pytestmark = pytest.mark.e2e


def _run(script: str, *args: str, out: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args, "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, f"{script} {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return json.loads(out.read_text(encoding="utf-8"))


def test_quick_sweep_meets_request_bound_concurrency_and_ratio(tmp_path: Path) -> None:
    data = _run("sweep.py", "--quick", out=tmp_path / "sweep.json")
    shape, bound, counts = data["shape"], data["bound"], data["check_requests"]
    # The bound, computed from the served fleet, and met exactly: pages + 1 hardware/namespace + 2/billable.
    assert bound["total"] == shape["list_pages"] + len(shape["namespaces"]) + 2 * shape["billable"]
    assert sum(counts.values()) == bound["total"]
    assert counts == {"list": shape["list_pages"], "provider": len(shape["namespaces"]),
                      "replica": shape["billable"], "open-metrics": shape["billable"]}
    # The naive script fetched every endpoint; check fetched none individually.
    assert data["baseline_requests"]["get"] == shape["endpoints"]
    # Concurrency was used, and bounded by the product's default.
    assert 2 <= data["check_max_in_flight"] <= data["default_concurrency"] == 16
    assert data["baseline_max_in_flight"] == 1
    assert data["ratio"] >= 3
    assert data["rss"]["peak_rss_mb"] <= 150
    assert all(c["ok"] for c in data["checks"]), data["checks"]


def test_sweep_honours_a_configured_concurrency(tmp_path: Path) -> None:
    data = _run("sweep.py", "--endpoints", "60", "--latency", "0.01", "--concurrency", "3", "--repeat", "1",
                "--rss-endpoints", "0", "--min-ratio", "1", out=tmp_path / "sweep.json")
    assert 2 <= data["check_max_in_flight"] <= 3
    assert sum(data["check_requests"].values()) == data["bound"]["total"]


def test_quick_startup_is_fast_and_imports_no_http_stack(tmp_path: Path) -> None:
    data = _run("startup.py", "--quick", out=tmp_path / "startup.json")
    assert {r["command"] for r in data["results"]} == {"watchdog --help", "watchdog validate policies.yaml"}
    for result in data["results"]:
        assert result["median"] < 1.0, result
        assert result["forbidden"] == [], result
        assert result["modules"] > 20  # the import log was really read
