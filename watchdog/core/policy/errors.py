"""Policy errors: every problem located at file:line:column, as people and GitHub annotations read them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyIssue:
    """One problem in a policy file, located at the key or value it is about (1-based)."""

    file: str
    line: int
    column: int
    message: str
    hint: str | None = None


class PolicyError(Exception):
    """The policy file is not valid; `issues` holds every problem found, in file order."""

    def __init__(self, issues: tuple[PolicyIssue, ...] | list[PolicyIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(format_issue(i) for i in self.issues))


def format_issue(issue: PolicyIssue) -> str:
    """`file:line:column: message (hint)`, the form editors and people both read."""
    hint = f" ({issue.hint})" if issue.hint else ""
    return f"{issue.file}:{issue.line}:{issue.column}: {issue.message}{hint}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(issue: PolicyIssue) -> str:
    """A GitHub Actions workflow command that pins the issue on the pull request's diff."""
    hint = f" ({issue.hint})" if issue.hint else ""
    return (
        f"::error file={_escape_property(issue.file)},line={issue.line},col={issue.column}::"
        f"{_escape_data(issue.message + hint)}"
    )
