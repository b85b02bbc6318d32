"""Keep one dashboard issue per repository via GitHub REST: find, create, rewrite, comment, close duplicates."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from watchdog import __version__
from watchdog.adapters.http_retry import RetryPolicy, call_with_retries, is_retryable_status
from watchdog.adapters.log_redaction import redacted_logs
from watchdog.core.redact import redact
from watchdog.core.render.issue import (
    DASHBOARD_LABEL,
    DASHBOARD_MARKER,
    GITHUB_BODY_MAX_CHARS,
    LABEL_COLOR,
    LABEL_DESCRIPTION,
)

DEFAULT_API_URL = "https://api.github.com"
# Secondary limits ask for ≥ 1 s between content-creating requests (reference §3.4).
MIN_MUTATION_INTERVAL = 1.0
# GitHub asks to wait at least a minute after a secondary rate limit without headers; a longer wait
# than that means the job reports the failure instead of hanging.
GITHUB_RETRY = RetryPolicy(max_attempts=3, base_delay=2.0, max_delay=60.0, deadline_seconds=120.0)
MAX_LIST_PAGES = 10
_IDEMPOTENT = frozenset({"GET", "PATCH", "PUT", "DELETE"})


class GitHubError(Exception):
    """A failed GitHub call, explained for people. Never contains the token."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DashboardSync:
    """What `sync_dashboard` did."""

    number: int | None
    url: str | None
    created: bool = False
    body_updated: bool = False
    commented: bool = False
    closed_duplicates: tuple[int, ...] = ()
    skipped: str | None = None  # why nothing was done at all


def _message(response: httpx.Response) -> tuple[str, str]:
    """GitHub's `message` and the joined `errors[].message|code` of an error response."""
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()[:200], ""
    if not isinstance(data, Mapping):
        return "", ""
    errors = data.get("errors") or []
    detail = "; ".join(
        str(e.get("message") or e.get("code")) if isinstance(e, Mapping) else str(e) for e in errors
    )
    return str(data.get("message") or ""), detail


def _is_rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    headers = response.headers
    return (
        "retry-after" in headers
        or headers.get("x-ratelimit-remaining") == "0"
        or "rate limit" in _message(response)[0].lower()
    )


def explain(response: httpx.Response, *, doing: str, repository: str) -> str:
    """One clear sentence for a failed call, naming the fix where there is one."""
    status = response.status_code
    message, detail = _message(response)
    said = f"{message}: {detail}" if detail else message
    if _is_rate_limited(response):
        reset = response.headers.get("x-ratelimit-reset")
        when = f"; the limit resets at epoch {reset}" if reset else ""
        return f"{doing}: GitHub rate limit hit (HTTP {status}: {said or 'rate limited'}){when}; gave up after waiting"
    if status == 401:
        return f"{doing}: GitHub rejected GITHUB_TOKEN (401 {said or 'Bad credentials'})"
    if status == 403 and "resource not accessible by integration" in message.lower():
        needed = response.headers.get("x-accepted-github-permissions")
        extra = f" (GitHub wants: {needed})" if needed else ""
        return (f"{doing}: the token lacks `issues: write` on {repository} (403 Resource not accessible by "
                f"integration){extra}; add `permissions: {{contents: read, issues: write}}` to the job")
    if status == 404:
        return f"{doing}: repository {repository} not found, or the token cannot see it (404)"
    if status == 410:
        return (f"{doing}: Issues are disabled for this repository (410); enable Issues in the repository "
                f"settings or set `notify: {{github_issue: false}}` in policies.yaml")
    if status == 422:
        return f"{doing}: GitHub rejected the request (422 {said or 'Validation Failed'})"
    return f"{doing}: GitHub API answered HTTP {status}" + (f" ({said})" if said else "")


class GitHubIssues:
    """A small GitHub issues client for one repository: serial calls, spaced mutations, bounded retries."""

    def __init__(
        self,
        *,
        token: str,
        repository: str,
        api_url: str = DEFAULT_API_URL,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        policy: RetryPolicy = GITHUB_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], float] = time.time,
        min_mutation_interval: float = MIN_MUTATION_INTERVAL,
    ) -> None:
        owner, _, name = repository.partition("/")
        if not owner or not name or "/" in name:
            raise GitHubError("GITHUB_REPOSITORY must look like OWNER/NAME")
        if not token:
            raise GitHubError("GITHUB_TOKEN is empty")
        self.repository = repository
        self._token = token
        self._base = api_url.rstrip("/")
        self._repo_path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self._owns_client = client is None
        self._policy = policy
        self._sleep = sleep
        self._monotonic = monotonic
        self._clock = clock
        self._interval = min_mutation_interval
        self._last_mutation: float | None = None
        self.requests_made = 0

    def __enter__(self) -> GitHubIssues:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this object made it."""
        if self._owns_client:
            self._client.close()

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"hf-endpoint-watchdog/{__version__}",
        }

    def _classify(self, method: str) -> Callable[[object], tuple[int | None, Mapping[str, str]] | None]:
        def classify(outcome: object) -> tuple[int | None, Mapping[str, str]] | None:
            if isinstance(outcome, httpx.Response):
                if _is_rate_limited(outcome):
                    headers = outcome.headers
                    if "retry-after" in headers:
                        return 429, {"retry-after": headers["retry-after"]}
                    reset = headers.get("x-ratelimit-reset")
                    if headers.get("x-ratelimit-remaining") == "0" and reset and reset.isdigit():
                        return 429, {"retry-after": str(max(1.0, int(reset) - self._clock() + 1))}
                    return 429, {"retry-after": "60"}  # GitHub: "wait at least one minute"
                # A retried POST could create a second issue or comment; only idempotent calls retry 5xx.
                if method in _IDEMPOTENT and outcome.status_code >= 500 and is_retryable_status(outcome.status_code):
                    return outcome.status_code, {}
                return None
            if isinstance(outcome, (httpx.ConnectError, httpx.ConnectTimeout)):
                return None, {}
            if isinstance(outcome, httpx.TransportError) and method in _IDEMPOTENT:
                return None, {}
            return None

        return classify

    def request(self, method: str, url: str, *, doing: str, json: object = None,
                params: Mapping[str, str] | None = None) -> httpx.Response:
        """One API call (`url` relative to the repository, or absolute under the API base); raise GitHubError
        unless 2xx."""
        if url.startswith("/"):
            url = self._base + self._repo_path + url
        elif not url.startswith(self._base + "/"):
            # Never send the token to a host the user did not configure (e.g. a spoofed Link header).
            raise GitHubError(f"{doing}: refusing to follow a URL outside GITHUB_API_URL")
        if method != "GET" and self._last_mutation is not None:
            wait = self._last_mutation + self._interval - self._monotonic()
            if wait > 0:
                self._sleep(wait)
        secrets = (self._token,)

        def attempt() -> httpx.Response:
            self.requests_made += 1
            return self._client.request(method, url, json=json, params=params, headers=self._headers())

        try:
            with redacted_logs(secrets):
                response = call_with_retries(attempt, classify=self._classify(method), policy=self._policy,
                                             sleep=self._sleep, monotonic=self._monotonic)
        except httpx.HTTPError as exc:
            raise GitHubError(f"{doing}: could not reach the GitHub API ({type(exc).__name__})") from None
        finally:
            if method != "GET":
                self._last_mutation = self._monotonic()
        if not 200 <= response.status_code < 300:
            raise GitHubError(redact(explain(response, doing=doing, repository=self.repository), secrets),
                              status=response.status_code)
        return response

    def list_dashboard_issues(self, label: str = DASHBOARD_LABEL, marker: str = DASHBOARD_MARKER) -> list[dict]:
        """Open issues with `label` whose body holds `marker`, oldest first (list API, not search: search lags)."""
        found: list[dict] = []
        url: str | None = "/issues"
        params: dict[str, str] | None = {"state": "open", "labels": label, "per_page": "100"}
        for _ in range(MAX_LIST_PAGES):
            if url is None:
                break
            response = self.request("GET", url, params=params, doing="listing dashboard issues")
            items = response.json()
            found += [i for i in items if isinstance(i, dict) and "pull_request" not in i
                      and marker in (i.get("body") or "")]
            url = response.links.get("next", {}).get("url")
            params = None  # the `next` link carries the query
        return sorted(found, key=lambda i: int(i["number"]))

    def ensure_label(self, name: str = DASHBOARD_LABEL) -> None:
        """Create the label when missing: without push access a new label on an issue is a 403, not a silent drop."""
        try:
            self.request("GET", f"/labels/{quote(name, safe='')}", doing=f"checking label {name!r}")
            return
        except GitHubError as exc:
            if exc.status != 404:
                raise
        try:
            self.request("POST", "/labels", doing=f"creating label {name!r}",
                         json={"name": name, "color": LABEL_COLOR, "description": LABEL_DESCRIPTION})
        except GitHubError as exc:
            if exc.status != 422:  # already_exists: an overlapping run made it first
                raise

    def create_issue(self, title: str, body: str, labels: list[str]) -> dict:
        """POST a new issue."""
        return _json_object(self.request("POST", "/issues", doing="creating the dashboard issue",
                                         json={"title": title, "body": body, "labels": labels}))

    def update_issue(self, number: int, doing: str, **fields: object) -> dict:
        """PATCH an issue's fields (body, state, state_reason...)."""
        return _json_object(self.request("PATCH", f"/issues/{number}", doing=doing, json=fields))

    def add_comment(self, number: int, body: str) -> dict:
        """POST a comment (this is what notifies the issue's watchers)."""
        return _json_object(self.request("POST", f"/issues/{number}/comments",
                                         doing=f"commenting on issue #{number}", json={"body": body}))


def _json_object(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object; anything else (a list, a string) reads as an empty object."""
    data = response.json()
    return data if isinstance(data, dict) else {}


def _fit(text: str) -> str:
    # The renderers already stay under the limit; this guards the API against any other caller.
    if len(text) <= GITHUB_BODY_MAX_CHARS:
        return text
    return text[:GITHUB_BODY_MAX_CHARS] + "\n\n_Truncated (GitHub's 65,536-character limit)._\n"


def _same(a: str | None, b: str) -> bool:
    return (a or "").replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def sync_dashboard(gh: GitHubIssues, *, title: str, body: str, comment: str | None) -> DashboardSync:
    """Make the one dashboard issue show `body`, closing duplicates; comment only when `comment` is given.

    With no dashboard issue yet and nothing new, nothing is created: a quiet fleet opens no issue.
    """
    body = _fit(body)
    closed: tuple[int, ...] = ()
    issues = gh.list_dashboard_issues()
    if not issues:
        if comment is None:
            return DashboardSync(number=None, url=None, skipped="no dashboard issue yet and nothing new")
        gh.ensure_label()
        issue = gh.create_issue(title, body, [DASHBOARD_LABEL])
        created, updated = True, False
    else:
        issue, duplicates = issues[0], issues[1:]
        # Overlapping runs can each create one (list-then-create is not atomic): keep the oldest.
        for dup in duplicates:
            gh.update_issue(int(dup["number"]), f"closing duplicate issue #{dup['number']}",
                            state="closed", state_reason="duplicate")
        closed = tuple(int(d["number"]) for d in duplicates)
        created = False
        updated = not _same(issue.get("body"), body)
        if updated:
            gh.update_issue(int(issue["number"]), f"updating issue #{issue['number']}", body=body)
    number = int(issue["number"])
    if comment is not None:
        gh.add_comment(number, _fit(comment))
    return DashboardSync(number=number, url=issue.get("html_url"), created=created, body_updated=updated,
                         commented=comment is not None, closed_duplicates=closed)
