"""Tasks on one bounded pool of threads, where any task may start others; `wait()` returns when none is left.

The sweep runs every API call on one `Pipeline` of `Hub.concurrency` threads, so that number bounds the requests in
flight whichever namespace or kind of call they belong to. No task ever waits for another (that could starve the
pool): a task that depends on an answer is started by the task that gets it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


class Pipeline:
    """`start(fn, *args)` from anywhere (the caller or a task); `wait()` once, from the caller."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="watchdog-sweep")
        self._lock = threading.Lock()
        self._open = 1  # the caller's own token: tasks finishing before everything is started cannot end the run
        self._idle = threading.Event()
        self._failure: BaseException | None = None

    def start(self, fn: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            self._open += 1
        self._pool.submit(self._run, fn, args)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            fn(*args)
        except BaseException as error:
            with self._lock:
                self._failure = self._failure or error
        finally:
            self._done()

    def _done(self) -> None:
        with self._lock:
            self._open -= 1
            idle = self._open == 0
        if idle:
            self._idle.set()

    def wait(self) -> None:
        """Block until every task (and every task they started) has ended; re-raise the first unexpected error."""
        self._done()
        try:
            self._idle.wait()
        except BaseException:  # interrupted: leave the running calls to their own timeouts
            self._pool.shutdown(wait=False, cancel_futures=True)
            raise
        self._pool.shutdown(wait=True)
        if self._failure is not None:
            raise self._failure
