"""Where things are, for tests in any subfolder: the repository, the package, the goldens, the policy corpus."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
PACKAGE = REPO / "watchdog"
GOLDEN = TESTS / "golden"
POLICY_CORPUS = TESTS / "policies" / "invalid"
