"""Every invalid policy under tests/policies/invalid/ fails with exactly the errors its `# expect:` lines name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import POLICY_CORPUS
from watchdog.adapters.policy_file import load_policy
from watchdog.core.policy import PolicyError, format_issue

CORPUS = POLICY_CORPUS
FILES = sorted(CORPUS.glob("*.yaml"))


def expected_lines(path: Path) -> list[str]:
    """The `# expect: L:C: message (hint)` comments at the top of the file, in order."""
    prefix = "# expect: "
    return [line[len(prefix):] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(prefix)]


def test_corpus_is_large_enough():
    assert len(FILES) >= 25
    assert all(expected_lines(path) for path in FILES), "each corpus file states its expected errors"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_invalid_policy_reports_exact_errors(path: Path):
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    # format_issue prints `file:line:column: message (hint)`; the expectation leaves out the file part.
    actual = [format_issue(issue).removeprefix(f"{path}:") for issue in caught.value.issues]
    assert actual == expected_lines(path)
    assert all(issue.file == str(path) for issue in caught.value.issues)
