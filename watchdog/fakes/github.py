"""Loopback fake of the GitHub issues REST API: real issue/comment/label state, auth, scripted errors."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from watchdog.fakes._server import LoopbackServer

MAX_BODY_CHARS = 65_536


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received: method, path (with query), JSON body. Never the Authorization value."""

    method: str
    path: str
    json: object | None
    user_agent: str | None = None


@dataclass(frozen=True)
class ScriptedResponse:
    """An answer given instead of the normal one to the next request matching `method` (None = any)."""

    status: int
    body: dict | list | None = None
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None


class FakeGitHub(LoopbackServer):
    """Issues, comments and labels of one repository (`owner/name`), served at `url` on 127.0.0.1."""

    def __init__(self, repository: str = "acme/ml-ops", *, issues_enabled: bool = True) -> None:
        self.repository = repository
        self.issues_enabled = issues_enabled
        self.issues: dict[int, dict] = {}
        self.comments: list[dict] = []
        self.labels: dict[str, dict] = {}
        self.requests: list[RecordedRequest] = []
        self._next_number = 1
        self._next_comment_id = 1000
        self._script: deque[ScriptedResponse] = deque()
        self._lock = threading.Lock()

    # --- set-up helpers for tests and the demo ---

    @property
    def url(self) -> str:
        """The API base to put in GITHUB_API_URL."""
        if self._server is None:
            raise RuntimeError("FakeGitHub is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, status: int, body: dict | list | None = None, headers: dict[str, str] | None = None,
               *, method: str | None = None) -> None:
        """Queue an answer (e.g. 403 with `retry-after`, 410) for the next request with `method` (any if None)."""
        with self._lock:
            self._script.append(ScriptedResponse(status, body, dict(headers or {}), method))

    def add_issue(self, title: str, body: str = "", labels: tuple[str, ...] = (), *, state: str = "open",
                  pull_request: bool = False) -> dict:
        """Seed an issue (or a pull request, which the issues list API also returns)."""
        with self._lock:
            return self._create_issue(title, body, list(labels), state=state, pull_request=pull_request)

    def comments_on(self, number: int) -> list[dict]:
        """Comments of one issue, oldest first."""
        with self._lock:
            return [c for c in self.comments if c["issue_number"] == number]

    def mutations(self) -> list[RecordedRequest]:
        """Every non-GET request received."""
        with self._lock:
            return [r for r in self.requests if r.method != "GET"]

    # --- state ---

    def _label_objects(self, names: list[str]) -> list[dict]:
        out = []
        for name in names:
            # GitHub creates unknown labels on the fly when the caller has push access.
            label = self.labels.setdefault(name, {"name": name, "color": "ededed", "description": None})
            out.append(dict(label))
        return out

    def _create_issue(self, title: str, body: str, labels: list[str], *, state: str = "open",
                      pull_request: bool = False) -> dict:
        number = self._next_number
        self._next_number += 1
        issue = {
            "number": number,
            "title": title,
            "body": body,
            "labels": self._label_objects(labels),
            "state": state,
            "state_reason": None,
            "html_url": f"https://github.com/{self.repository}/issues/{number}",
            "comments": 0,
        }
        if pull_request:
            issue["pull_request"] = {"url": f"https://github.com/{self.repository}/pull/{number}"}
        self.issues[number] = issue
        return dict(issue)

    # --- server ---

    def start(self) -> FakeGitHub:
        """Listen on an ephemeral loopback port in a daemon thread."""
        self._serve(_make_handler(self), "fake-github")
        return self

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def handle(self, method: str, target: str, payload: object, authorized: bool) -> tuple[int, object, dict]:
        """Route one request; returns (status, JSON body, extra headers). Called with the lock held."""
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        for i, scripted in enumerate(self._script):
            if scripted.method in (None, method):
                del self._script[i]
                return scripted.status, scripted.body or {"message": "scripted"}, scripted.headers
        if not authorized:
            return 401, {"message": "Requires authentication"}, {}
        prefix = f"/repos/{self.repository}"
        if not parts.path.startswith(prefix + "/"):
            return 404, {"message": "Not Found"}, {}
        rest = parts.path[len(prefix):]
        if rest.startswith("/issues") and not self.issues_enabled:
            return 410, {"message": "Issues are disabled for this repo"}, {}
        if rest == "/issues" and method == "GET":
            return self._list(query, parts.path)
        if rest == "/issues" and method == "POST":
            if not isinstance(payload, dict) or not payload.get("title"):
                return 422, {"message": "Validation Failed",
                             "errors": [{"field": "title", "code": "missing_field"}]}, {}
            if too_long := _too_long(payload, "Issue"):
                return 422, too_long, {}
            issue = self._create_issue(str(payload["title"]), str(payload.get("body") or ""),
                                       [str(n) for n in payload.get("labels") or []])
            return 201, issue, {}
        if match := re.fullmatch(r"/issues/(\d+)", rest):
            found = self.issues.get(int(match.group(1)))
            if found is None:
                return 404, {"message": "Not Found"}, {}
            issue = found
            if method == "GET":
                return 200, dict(issue), {}
            if method == "PATCH" and isinstance(payload, dict):
                return self._patch(issue, payload)
        if match := re.fullmatch(r"/issues/(\d+)/comments", rest):
            number = int(match.group(1))
            if number not in self.issues:
                return 404, {"message": "Not Found"}, {}
            if method == "GET":
                return 200, [c for c in self.comments if c["issue_number"] == number], {}
            if method == "POST":
                if not isinstance(payload, dict) or not payload.get("body"):
                    return 422, {"message": "Validation Failed",
                                 "errors": [{"field": "body", "code": "missing_field"}]}, {}
                if too_long := _too_long(payload, "IssueComment"):
                    return 422, too_long, {}
                comment = {"id": self._next_comment_id, "issue_number": number, "body": payload["body"]}
                self._next_comment_id += 1
                self.comments.append(comment)
                self.issues[number]["comments"] += 1
                return 201, comment, {}
        if match := re.fullmatch(r"/labels/([^/]+)", rest):
            label = self.labels.get(unquote(match.group(1)))
            return (200, dict(label), {}) if label else (404, {"message": "Not Found"}, {})
        if rest == "/labels" and method == "POST" and isinstance(payload, dict):
            name = str(payload.get("name") or "")
            if name in self.labels:
                return 422, {"message": "Validation Failed",
                             "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}]}, {}
            self.labels[name] = {"name": name, "color": payload.get("color", "ededed"),
                                 "description": payload.get("description")}
            return 201, dict(self.labels[name]), {}
        return 404, {"message": "Not Found"}, {}

    def _list(self, query: dict[str, str], path: str) -> tuple[int, object, dict]:
        state = query.get("state", "open")
        wanted = {n for n in query.get("labels", "").split(",") if n}
        items = [
            dict(i) for _, i in sorted(self.issues.items(), reverse=True)  # GitHub's default: newest first
            if (state == "all" or i["state"] == state) and wanted <= {lbl["name"] for lbl in i["labels"]}
        ]
        per_page = min(100, int(query.get("per_page", "30")))
        page = int(query.get("page", "1"))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(items):
            nxt = dict(query, page=str(page + 1), per_page=str(per_page))
            qs = "&".join(f"{k}={v}" for k, v in nxt.items())
            headers["Link"] = f'<{self.url}{path}?{qs}>; rel="next"'
        return 200, chunk, headers

    def _patch(self, issue: dict, payload: dict) -> tuple[int, object, dict]:
        if "body" in payload and (too_long := _too_long(payload, "Issue")):
            return 422, too_long, {}
        for key in ("title", "body"):
            if key in payload:
                issue[key] = payload[key]
        if "labels" in payload:
            issue["labels"] = self._label_objects([str(n) for n in payload["labels"]])
        new_state = payload.get("state")
        # GitHub ignores state_reason unless the state actually changes.
        if new_state in ("open", "closed") and new_state != issue["state"]:
            issue["state"] = new_state
            issue["state_reason"] = (payload.get("state_reason")
                                     or ("completed" if new_state == "closed" else "reopened"))
        return 200, dict(issue), {}


def _too_long(payload: dict, resource: str) -> dict | None:
    if len(str(payload.get("body") or "")) <= MAX_BODY_CHARS:
        return None
    return {"message": "Validation Failed", "errors": [{"resource": resource, "code": "custom", "field": "body",
                                                         "message": "body is too long (maximum is 65536 characters)"}]}


def _make_handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output clean
            return

        def _serve(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = json.loads(raw.decode("utf-8")) if raw else None
            except (UnicodeDecodeError, json.JSONDecodeError):
                self._send(400, {"message": "Problems parsing JSON"}, {})
                return
            auth = self.headers.get("Authorization", "")
            authorized = auth.startswith(("Bearer ", "token ")) and len(auth.split(" ", 1)[1]) > 0
            with fake._lock:
                fake.requests.append(RecordedRequest(self.command, self.path, payload, self.headers.get("User-Agent")))
                status, body, headers = fake.handle(self.command, self.path, payload, authorized)
            self._send(status, body, headers)

        def _send(self, status: int, body: object, headers: dict[str, str]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    return Handler


def main() -> int:
    """Serve until interrupted, printing the API URL to use."""
    fake = FakeGitHub().start()
    print(f"Fake GitHub API listening: GITHUB_API_URL={fake.url} GITHUB_REPOSITORY={fake.repository} "
          f"(any non-empty Bearer token)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
