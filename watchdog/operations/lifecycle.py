"""Day-time endpoint lifecycle: resume and wait until ready, and sessions that always pause afterwards."""

from __future__ import annotations

import contextlib
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from watchdog.adapters.environment import Settings, process_environment
from watchdog.adapters.interface import EndpointGone, HubError
from watchdog.core.lenient import section

# Still on its way up: keep polling. Anything else that is not `running` ends the wait as a failure.
_STARTING = frozenset({"pending", "initializing", "updating", "scaledToZero"})
_FAILED = frozenset({"failed", "updateFailed", "paused"})
# The status route is cheap but a cold start takes one to several minutes: poll every 5 s at first, then
# back off to 15 s so a long start does not turn into hundreds of requests.
POLL_INTERVALS = (5.0, 5.0, 10.0, 10.0, 15.0)


@dataclass(frozen=True)
class EndpointStatus:
    """The few status fields the lifecycle commands need."""

    state: str
    url: str | None = None
    message: str | None = None


def status_from_raw(raw: Mapping[str, Any]) -> EndpointStatus:
    status = section(raw, "status")
    state, url, message = status.get("state"), status.get("url"), status.get("message")
    return EndpointStatus(state if isinstance(state, str) and state else "unknown",
                          url if isinstance(url, str) and url else None,
                          message if isinstance(message, str) else None)


@dataclass(frozen=True)
class WaitResult:
    """How a wait for `running` ended."""

    ok: bool
    status: EndpointStatus
    waited_seconds: float
    timed_out: bool = False

    def describe(self) -> str:
        if self.ok:
            return f"running after {self.waited_seconds:.0f}s: {self.status.url}"
        if self.timed_out:
            return (f"still {self.status.state} after {self.waited_seconds:.0f}s (timeout): "
                    f"{self.status.message or ''}").rstrip(": ")
        return f"ended {self.status.state}: {self.status.message or 'no message from the API'}"


def wait_until_running(
    get_status: Callable[[], EndpointStatus],
    *,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    on_change: Callable[[EndpointStatus, float], None] = lambda status, elapsed: None,
    on_tick: Callable[[float], None] = lambda elapsed: None,
) -> WaitResult:
    """Poll the status route (never the inference URL) until running, failed or timed out."""
    started = monotonic()
    last_state: str | None = None
    polls = 0
    while True:
        status = get_status()
        elapsed = monotonic() - started
        if status.state != last_state:
            on_change(status, elapsed)
            last_state = status.state
        else:
            on_tick(elapsed)
        if status.state == "running":
            return WaitResult(True, status, elapsed)
        if status.state in _FAILED or status.state not in _STARTING:
            return WaitResult(False, status, elapsed)
        if elapsed >= timeout:
            return WaitResult(False, status, elapsed, timed_out=True)
        interval = POLL_INTERVALS[min(polls, len(POLL_INTERVALS) - 1)]
        sleep(min(interval, timeout - elapsed))  # elapsed < timeout here: never past the timeout
        polls += 1


class SessionInterrupted(Exception):
    """SIGINT or SIGTERM arrived during a session; the endpoint is paused before the process exits."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """Turn SIGTERM (and SIGINT) into an exception so `finally: pause` always runs."""

    def handler(signum: int, frame: Any) -> None:
        raise SessionInterrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _stop_child(child: subprocess.Popen, signum: int) -> int:
    """Pass the signal on to the command and give it a moment to clean up; kill it if it will not stop."""
    with contextlib.suppress(ProcessLookupError):
        child.send_signal(signum)
    try:
        return child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


def run_session(
    hub: Any,
    namespace: str,
    name: str,
    command: Sequence[str],
    *,
    keep_running: bool = False,
    timeout: float = 600,
    say: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    env: Mapping[str, str] | None = None,
) -> int:
    """Resume and wait, run `command` with HF_ENDPOINT_URL set, then pause — on success, failure or a signal.

    Returns the command's exit code; 1 when the endpoint never became ready; 128+N after signal N. When the resume
    call itself fails (anything but "already running", which the adapter absorbs) the session changed nothing, so
    it pauses nothing either: 1, with the reason.
    """
    code = 1
    unchanged = False  # the resume was refused: the endpoint is not ours to pause
    try:
        with _signals_raise():
            try:
                if not resume(hub, namespace, name, say):
                    unchanged = True
                    return 1
                url = wait_for_running(hub, namespace, name, timeout=timeout, say=say, sleep=sleep,
                                       monotonic=monotonic)
                if url is None:
                    return 1
                child_env = {**(process_environment() if env is None else env), "HF_ENDPOINT_URL": url}
                say(f"running: {shlex.join(command)}")  # exactly as it will run, quotes and all
                child = subprocess.Popen(list(command), env=child_env)
                try:
                    code = child.wait()
                except SessionInterrupted as interrupted:
                    _stop_child(child, interrupted.signum)
                    raise
                say(f"command exited with {code}")
                return code
            except SessionInterrupted as interrupted:
                say(f"interrupted by {interrupted}")
                code = 128 + interrupted.signum
                return code
            except FileNotFoundError as error:
                say(f"cannot run the command: {error.strerror}: {error.filename}")
                code = 127
                return code
    finally:
        # Outside the signal handler so a second Ctrl-C cannot skip the pause: it is the point of a session.
        if unchanged:
            pass
        elif keep_running:
            say(f"--keep-running: {namespace}/{name} is left running (it bills until paused)")
        else:
            _pause_for_session(hub, namespace, name, say)


def resume(hub: Any, namespace: str, name: str, say: Callable[[str], None]) -> bool:
    """Ask for a resume; False (after saying why) when the API refused it and nothing was changed."""
    try:
        hub.resume(namespace, name)
    except EndpointGone:
        say(f"could not resume {namespace}/{name}: it no longer exists")
        return False
    except HubError as error:
        say(f"could not resume {namespace}/{name}: {error} (it was not changed, so it is not paused either)")
        return False
    return True


def _pause_for_session(hub: Any, namespace: str, name: str, say: Callable[[str], None]) -> None:
    # Finish the pause even if Ctrl-C is pressed again or a second SIGTERM arrives.
    originals = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        hub.pause(namespace, name)
        say(f"paused {namespace}/{name}")
    except EndpointGone:
        say(f"{namespace}/{name} no longer exists: nothing to pause")
    except HubError as error:
        say(f"WARNING: could not pause {namespace}/{name}: {error} — it may still be billing; pause it by hand")
    finally:
        for sig, old in originals.items():
            signal.signal(sig, old)


def resume_and_wait(hub: Any, namespace: str, name: str, *, say: Callable[[str], None] = print,
                    **waiting: Any) -> str | None:
    """Resume, then `wait_for_running` (its keywords: timeout, sleep, monotonic, progress); returns the URL when
    running, else None (after saying why)."""
    if not resume(hub, namespace, name, say):
        return None
    return wait_for_running(hub, namespace, name, say=say, **waiting)


def wait_for_running(
    hub: Any,
    namespace: str,
    name: str,
    *,
    timeout: float,
    say: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    progress: Callable[[float], None] = lambda elapsed: None,
) -> str | None:
    """After a resume: poll until running; returns the URL, else None (after saying why)."""
    say(f"resuming {namespace}/{name} (timeout {timeout:.0f}s)")

    def poll() -> EndpointStatus:
        try:
            return status_from_raw(hub.get_raw(namespace, name))
        except HubError as error:  # after the adapter's retries: stop waiting, say why
            return EndpointStatus("unknown", None, f"could not read its status: {error}")

    result = wait_until_running(
        poll,
        timeout=timeout,
        sleep=sleep,
        monotonic=monotonic,
        on_change=lambda status, elapsed: say(f"  {elapsed:5.0f}s  {status.state}"
                                              + (f" — {status.message}" if status.message else "")),
        on_tick=progress,
    )
    if not result.ok:
        say(f"{namespace}/{name} did not become ready: {result.describe()}")
        return None
    return result.status.url


@contextlib.contextmanager
def endpoint_session(
    name: str,
    namespace: str,
    *,
    token: str | None = None,
    timeout: float = 600,
    keep_running: bool = False,
    hub: Any = None,
    settings: Settings | None = None,
) -> Iterator[str]:
    """Python form of `watchdog session`: yields the URL of the running endpoint and pauses it on the way out.

        with endpoint_session("llm-eval", "acme-ml") as url:
            run_my_eval(url)
    """
    if hub is None:
        from watchdog.adapters.hub import EndpointsHub, HubSettings

        settings = settings or Settings.from_env(process_environment())
        if not (token or settings.hf_token):
            raise RuntimeError("endpoint_session needs a token: pass token=, set HF_TOKEN or run `hf auth login`")
        hub = EndpointsHub(HubSettings(
            token=token or settings.hf_token,
            api_url=settings.endpoints_api_url,
            hub_url=settings.hub_url,
            disable_telemetry=settings.disable_hub_telemetry,
        ))
    said: list[str] = []
    if not resume(hub, namespace, name, said.append):
        raise RuntimeError(said[-1])  # refused: nothing was changed, so nothing is paused
    try:
        url = wait_for_running(hub, namespace, name, timeout=timeout, say=lambda text: None)
        if url is None:
            raise RuntimeError(f"{namespace}/{name} did not become ready within {timeout:.0f}s")
        yield url
    finally:
        if not keep_running:
            _pause_for_session(hub, namespace, name, lambda text: None)
