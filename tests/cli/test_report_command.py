"""`watchdog report` in-process: no token, no network; missing, corrupt and good state files; --since forms."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from tests.ledger_support import three_nights
from watchdog.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, main
from watchdog.cli.report_command import parse_since
from watchdog.core.ledger.codec import history_to_dict

NOW = datetime(2026, 11, 22, 2, 17, tzinfo=UTC)


def report(tmp_path, *args):
    out, err = io.StringIO(), io.StringIO()
    code = main(["report", "--state", str(tmp_path / "state.json"), "--now", "2026-11-22T02:17:00Z", *args],
                env={}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_since_takes_durations_dates_and_instants():
    assert parse_since(None, NOW) is None
    assert parse_since("30d", NOW) == datetime(2026, 10, 23, 2, 17, tzinfo=UTC)
    assert parse_since("1d12h", NOW) == datetime(2026, 11, 20, 14, 17, tzinfo=UTC)
    assert parse_since("2026-11-01", NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-21T06:00:00+01:00", NOW) == datetime(2026, 11, 21, 5, tzinfo=UTC)
    for bad in ("last week", "0d", "2026-12-01"):
        with pytest.raises(UsageError):
            parse_since(bad, NOW)


def test_no_state_file_is_no_history_yet(tmp_path):
    code, out, err = report(tmp_path)
    assert code == EXIT_OK and "No history yet" in out and "no state file" in err


def test_a_corrupt_state_file_or_history_is_said_and_exits_1(tmp_path):
    (tmp_path / "state.json").write_text("{not json")
    code, _, err = report(tmp_path)
    assert code == EXIT_FAILED and "unreadable" in err
    (tmp_path / "state.json").write_text(json.dumps({"version": 1, "history": {"version": 1, "runs": 3}}))
    code, _, err = report(tmp_path)
    assert code == EXIT_FAILED and "could not be read" in err


def test_every_format_from_a_good_history(tmp_path):
    history, _ = three_nights()
    (tmp_path / "state.json").write_text(json.dumps({"version": 1, "history": history_to_dict(history)}))
    code, text, _ = report(tmp_path)
    assert code == EXIT_OK and "$244.80" in text and "$120.00" in text
    code, out, _ = report(tmp_path, "--format", "csv", "--report", str(tmp_path / "ledger.json"))
    assert out.splitlines()[0].startswith("run_at,command,gap_hours,counted,burn_usd_per_hour")
    assert len(out.splitlines()) == 4
    assert json.loads((tmp_path / "ledger.json").read_text())["saved_usd"] == 120.0
    code, out, _ = report(tmp_path, "--format", "json", "--since", "1d")
    data = json.loads(out)
    assert data["month_to_date"] is False and data["billed_usd"] == 127.2 and data["month"]["billed_usd"] == 244.8
    code, out, _ = report(tmp_path, "--format", "markdown")
    assert "```mermaid" in out and "### Per month (UTC)" in out
    assert report(tmp_path, "--since", "soon")[0] == EXIT_USAGE
    assert report(tmp_path, "--format", "csv")[0] == EXIT_OK
    assert main(["check", "--format", "csv"], env={}, stdout=io.StringIO(), stderr=io.StringIO()) == EXIT_USAGE
