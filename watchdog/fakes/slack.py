"""Loopback fake of a Slack incoming webhook: records posts, checks Block Kit limits, answers scripted errors."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from watchdog.fakes._server import LoopbackServer

WEBHOOK_PATH = "/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
_PATH_RE = re.compile(r"^/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+$")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received. Authorization values are never recorded."""

    method: str
    path: str
    json: object | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScriptedResponse:
    """An answer to give instead of the normal one (consumed in order, one per request)."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def check_payload(payload: object) -> str | None:
    """Slack's error string for a payload it would refuse, or None (the limits of reference §2.2)."""
    if not isinstance(payload, dict):
        return "invalid_payload"
    blocks = payload.get("blocks")
    if not payload.get("text") and not blocks:
        return "no_text"
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    for block in blocks:
        kind = block.get("type") if isinstance(block, dict) else None
        text = (block.get("text") or {}).get("text", "") if kind in ("header", "section") else ""
        if kind == "header" and not 1 <= len(text) <= 150:
            return "invalid_blocks"
        if kind == "section" and not 1 <= len(text) <= 3000:
            return "invalid_blocks"
        if kind == "context" and not 1 <= len(block.get("elements") or []) <= 10:
            return "invalid_blocks"
        if kind not in ("header", "section", "context", "divider"):
            return "invalid_blocks"
    return None


class FakeSlack(LoopbackServer):
    """A webhook at `url` on 127.0.0.1. `messages` holds accepted payloads; `script()` queues error answers."""

    def __init__(self, path: str = WEBHOOK_PATH, *, on_message: Callable[[dict], None] | None = None) -> None:
        self.path = path
        self.on_message = on_message  # called with each accepted payload (the command line prints it)
        self.requests: list[RecordedRequest] = []
        self.messages: list[dict] = []
        self._script: deque[ScriptedResponse] = deque()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The webhook URL to put in SLACK_WEBHOOK_URL."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    def script(self, status: int, body: str = "", headers: dict[str, str] | None = None) -> None:
        """Answer the next unscripted request with this status (e.g. 429 + Retry-After, 500 `rollup_error`)."""
        with self._lock:
            self._script.append(ScriptedResponse(status, body, dict(headers or {})))

    def start(self) -> FakeSlack:
        """Listen on an ephemeral loopback port in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                return

            def _answer(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(raw.decode("utf-8")) if raw else None
                except (UnicodeDecodeError, json.JSONDecodeError):
                    payload = None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
                with fake._lock:
                    fake.requests.append(RecordedRequest("POST", self.path, payload, headers))
                    scripted = fake._script.popleft() if fake._script else None
                if scripted is not None:
                    self._answer(scripted.status, scripted.body, scripted.headers)
                    return
                if self.path != fake.path or not _PATH_RE.match(self.path):
                    self._answer(404, "no_service")
                    return
                error = check_payload(payload)
                if error:
                    self._answer(400, error)
                    return
                with fake._lock:
                    fake.messages.append(payload)  # type: ignore[arg-type]
                    if fake.on_message is not None:
                        fake.on_message(payload)  # type: ignore[arg-type]
                self._answer(200, "ok")

            def do_GET(self) -> None:
                self._answer(405, "invalid_method")

        self._serve(Handler, "fake-slack")
        return self

    def __enter__(self) -> FakeSlack:
        return self.start()


def main() -> int:
    """Serve until interrupted, printing the webhook URL and each accepted message."""
    fake = FakeSlack(on_message=lambda payload: print(json.dumps(payload, indent=2, ensure_ascii=False), flush=True))
    fake.start()
    print(f"Fake Slack webhook listening: SLACK_WEBHOOK_URL={fake.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        print(f"{len(fake.messages)} message(s) received", flush=True)
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
