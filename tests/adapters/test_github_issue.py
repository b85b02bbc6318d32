"""The dashboard issue against the loopback GitHub fake: one issue, in-place body, comments on news, clear errors."""

from __future__ import annotations

import httpx
import pytest

from watchdog.adapters.github_issues import GitHubError, GitHubIssues, sync_dashboard
from watchdog.core.render.issue import DASHBOARD_LABEL, DASHBOARD_MARKER
from watchdog.fakes.github import FakeGitHub

TOKEN = "ghs_SENTINELtoken0123456789"
REPO = "acme/ml-ops"
BODY = f"{DASHBOARD_MARKER}\n## Billable Inference Endpoints\n\nNothing billable.\n"


class Sleeps:
    """Records sleeps and advances a fake monotonic clock, so spacing is checked without waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self.calls: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def fake():
    with FakeGitHub(REPO) as server:
        yield server


def client(fake: FakeGitHub, sleeps: Sleeps | None = None, **kw) -> GitHubIssues:
    sleeps = sleeps or Sleeps()
    return GitHubIssues(token=TOKEN, repository=REPO, api_url=fake.url, sleep=sleeps.sleep,
                        monotonic=sleeps.monotonic, **kw)


def sync(fake: FakeGitHub, body: str = BODY, comment: str | None = None, sleeps: Sleeps | None = None):
    with client(fake, sleeps) as gh:
        return sync_dashboard(gh, title="Endpoint watchdog dashboard", body=body, comment=comment)


def test_created_once_with_its_label_then_refreshed_in_place(fake: FakeGitHub) -> None:
    first = sync(fake, comment="2 paused")
    assert (first.created, first.commented, first.number) == (True, True, 1)
    assert fake.labels[DASHBOARD_LABEL]["color"] == "d93f0b"
    assert [r.method + " " + r.path.split("?")[0] for r in fake.mutations()] == [
        f"POST /repos/{REPO}/labels", f"POST /repos/{REPO}/issues", f"POST /repos/{REPO}/issues/1/comments"]
    assert [c["body"] for c in fake.comments_on(1)] == ["2 paused"]

    quiet = sync(fake)  # same body, nothing new
    assert (quiet.created, quiet.body_updated, quiet.commented) == (False, False, False)
    assert len(fake.mutations()) == 3  # no PATCH when unchanged, no comment

    new_body = BODY.replace("Nothing billable.", "| `acme-ml/a` | running |")
    refreshed = sync(fake, body=new_body)
    assert (refreshed.body_updated, refreshed.commented) == (True, False)
    assert fake.issues[1]["body"] == new_body
    assert len(fake.issues) == 1
    assert len(fake.comments_on(1)) == 1


def test_a_quiet_run_creates_no_issue(fake: FakeGitHub) -> None:
    result = sync(fake)
    assert result.skipped == "no dashboard issue yet and nothing new"
    assert fake.issues == {} and fake.mutations() == []


def test_pull_requests_and_unmarked_issues_are_not_the_dashboard(fake: FakeGitHub) -> None:
    fake.add_issue("PR mentioning the marker", BODY, (DASHBOARD_LABEL,), pull_request=True)
    fake.add_issue("someone else's issue with our label", "no marker", (DASHBOARD_LABEL,))
    result = sync(fake, comment="news")
    assert result.created and result.number == 3


def test_duplicates_from_overlapping_runs_are_closed_keeping_the_oldest(fake: FakeGitHub) -> None:
    for _ in range(3):
        fake.add_issue("Endpoint watchdog dashboard", BODY, (DASHBOARD_LABEL,))
    result = sync(fake, comment="news")
    assert result.number == 1 and result.closed_duplicates == (2, 3)
    assert [(fake.issues[n]["state"], fake.issues[n]["state_reason"]) for n in (1, 2, 3)] == [
        ("open", None), ("closed", "duplicate"), ("closed", "duplicate")]
    assert len(fake.comments_on(1)) == 1 and fake.comments_on(2) == []


def test_the_dashboard_is_found_beyond_the_first_page(fake: FakeGitHub) -> None:
    fake.add_issue("the dashboard", BODY, (DASHBOARD_LABEL,))
    for i in range(120):
        fake.add_issue(f"other {i}", "labelled but unmarked", (DASHBOARD_LABEL,))
    result = sync(fake, comment="news")
    assert (result.created, result.number) == (False, 1)
    assert sum(1 for r in fake.requests if r.method == "GET" and "/issues" in r.path) == 2


def test_mutations_are_spaced_at_least_a_second(fake: FakeGitHub) -> None:
    sleeps = Sleeps()
    sync(fake, comment="news", sleeps=sleeps)  # label, issue, comment: three mutations
    assert len(sleeps.calls) == 2
    assert all(s >= 0.999 for s in sleeps.calls)


def test_requests_carry_a_user_agent_and_the_fake_never_records_the_token(fake: FakeGitHub) -> None:
    sync(fake, comment="news")
    assert all((r.user_agent or "").startswith("hf-endpoint-watchdog/") for r in fake.requests)
    assert TOKEN not in repr(fake.requests)


def test_the_fake_requires_a_token(fake: FakeGitHub) -> None:
    answer = httpx.get(f"{fake.url}/repos/{REPO}/issues")
    assert answer.status_code == 401


def expect_error(fake: FakeGitHub, comment: str | None = "news") -> GitHubError:
    with pytest.raises(GitHubError) as info:
        sync(fake, comment=comment)
    assert TOKEN not in str(info.value)
    return info.value


def test_410_says_issues_are_disabled() -> None:
    with FakeGitHub(REPO, issues_enabled=False) as fake:
        error = expect_error(fake)
    assert error.status == 410
    assert "Issues are disabled for this repository (410)" in str(error)


def test_403_integration_means_the_token_lacks_issues_write(fake: FakeGitHub) -> None:
    fake.script(403, {"message": "Resource not accessible by integration"},
                {"X-Accepted-GitHub-Permissions": "issues=write"}, method="POST")
    error = expect_error(fake)
    assert "lacks `issues: write`" in str(error) and "issues=write" in str(error)


def test_404_names_the_repository(fake: FakeGitHub) -> None:
    with (GitHubIssues(token=TOKEN, repository="acme/missing", api_url=fake.url, sleep=lambda s: None) as gh,
          pytest.raises(GitHubError, match="repository acme/missing not found, or the token cannot see it")):
        sync_dashboard(gh, title="t", body=BODY, comment="x")


def test_422_passes_githubs_reason_on(fake: FakeGitHub) -> None:
    with client(fake) as gh, pytest.raises(GitHubError, match="body is too long"):
        gh.create_issue("t", "x" * 70_000, [DASHBOARD_LABEL])


def test_secondary_rate_limit_with_retry_after_is_waited_out(fake: FakeGitHub) -> None:
    fake.script(403, {"message": "You have exceeded a secondary rate limit."}, {"retry-after": "5"}, method="POST")
    sleeps = Sleeps()
    result = sync(fake, comment="news", sleeps=sleeps)
    assert result.created
    assert 5.0 in sleeps.calls


def test_429_on_a_comment_is_retried_once(fake: FakeGitHub) -> None:
    fake.add_issue("Endpoint watchdog dashboard", BODY, (DASHBOARD_LABEL,))
    fake.script(429, {"message": "slow down"}, {"retry-after": "2"}, method="POST")
    result = sync(fake, comment="news")
    assert result.commented and len(fake.comments_on(1)) == 1


def test_an_exhausted_primary_limit_far_away_fails_clearly_without_waiting(fake: FakeGitHub) -> None:
    far = "9999999999"
    fake.script(403, {"message": "API rate limit exceeded"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": far},
                method="GET")
    sleeps = Sleeps()
    with pytest.raises(GitHubError, match="GitHub rate limit hit") as info:
        sync(fake, comment="news", sleeps=sleeps)
    assert far in str(info.value)
    assert sleeps.calls == []


def test_server_errors_retry_reads_but_never_creates(fake: FakeGitHub) -> None:
    fake.script(502, {"message": "Bad gateway"}, method="GET")
    fake.script(500, {"message": "Server Error"}, method="POST")
    with pytest.raises(GitHubError, match="HTTP 500"):
        sync(fake, comment="news")
    gets = [r for r in fake.requests if r.method == "GET" and r.path.startswith(f"/repos/{REPO}/issues")]
    assert len(gets) == 2  # the 502 list was retried
    assert [r.method for r in fake.mutations()] == ["POST"]  # the failed label POST was not repeated


def test_a_next_link_to_another_host_is_refused(fake: FakeGitHub) -> None:
    with client(fake) as gh, pytest.raises(GitHubError, match="outside GITHUB_API_URL"):
        gh.request("GET", "https://evil.example/steal", doing="following a link")


def test_a_malformed_repository_is_refused() -> None:
    with pytest.raises(GitHubError, match="OWNER/NAME"):
        GitHubIssues(token=TOKEN, repository="no-slash")
