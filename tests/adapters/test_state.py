"""The state file: atomic writes and recovery from missing, truncated or garbage files."""

from __future__ import annotations

import json
import threading

from watchdog.adapters.state_file import empty_state, load_state, save_state


def test_missing_file_is_an_empty_state_without_problem(tmp_path):
    loaded = load_state(tmp_path / "none.json")
    assert loaded.data == empty_state()
    assert loaded.problem is None


def test_round_trip(tmp_path):
    path = tmp_path / "deep" / "state.json"
    save_state(path, {"endpoints": {"ns/a": {"first_billable_at": "2026-11-23T00:00:00Z"}}, "alerts": {}, "runs": {}})
    loaded = load_state(path)
    assert loaded.problem is None
    assert loaded.section("endpoints") == {"ns/a": {"first_billable_at": "2026-11-23T00:00:00Z"}}


def test_truncated_and_garbage_files_are_recovered_and_reported(tmp_path):
    path = tmp_path / "state.json"
    for content in (b'{"version": 1, "endpo', b"\x00\xff garbage", b"[1, 2]", b'{"version": "one"}', b'{"version": 0}'):
        path.write_bytes(content)
        loaded = load_state(path)
        assert loaded.data == empty_state()
        assert loaded.problem and "started afresh" in loaded.problem


def test_wrong_section_types_are_replaced(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"version": 1, "endpoints": [], "alerts": "x"}))
    loaded = load_state(path)
    assert loaded.section("endpoints") == {} and loaded.section("alerts") == {} and loaded.section("runs") == {}


def test_concurrent_writers_never_leave_a_torn_file(tmp_path):
    path = tmp_path / "state.json"
    big = {"endpoints": {f"ns/e{i}": {"first_billable_at": "2026-11-23T00:00:00Z"} for i in range(2000)}}

    def writer(tag: int) -> None:
        for _ in range(20):
            save_state(path, {**big, "runs": {"writer": tag}})

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    loaded = load_state(path)
    assert loaded.problem is None
    assert loaded.section("runs")["writer"] in range(4)
    assert len(loaded.section("endpoints")) == 2000
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_second_holder_waits_for_the_first_and_a_stuck_one_is_named(tmp_path):
    import pytest

    from watchdog.adapters.state_file import StateBusy, held

    path = tmp_path / "state.json"
    order: list[str] = []
    released = threading.Event()

    def first():
        with held(path):
            order.append("first in")
            released.wait(5)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    while not order:
        threading.Event().wait(0.01)
    clock = iter(float(i) for i in range(100))
    busy = pytest.raises(StateBusy, match="held by another run \\(waited 3 s\\): nothing was done")
    with busy, held(path, wait_seconds=3, sleep=lambda s: None, monotonic=lambda: next(clock)):
        order.append("never")
    released.set()
    with held(path):  # waits for the first to let go, then holds it
        order.append("second in")
    thread.join(5)
    assert order == ["first in", "first out", "second in"]


def test_where_no_lock_can_be_taken_the_run_goes_on_and_the_save_fails_loudly(tmp_path):
    import pytest

    from watchdog.adapters.state_file import held

    (tmp_path / "not-a-dir").write_text("")
    path = tmp_path / "not-a-dir" / "state.json"
    with held(path), pytest.raises(OSError):
        save_state(path, empty_state())


def test_a_newer_watchdogs_state_is_neither_misread_nor_marked_for_overwriting(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"version": 2, "endpoints": {"a/b": {"first_billable_at": "2026-11-01T00:00:00Z"}}}))
    state = load_state(path)
    assert state.keep_file and state.data["endpoints"] == {}
    assert "written by a newer watchdog (state version 2, this one reads 1)" in (state.problem or "")
    assert not load_state(tmp_path / "missing.json").keep_file
