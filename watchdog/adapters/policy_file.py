"""Read a policy file from disk (bytes → UTF-8 text) and hand the text to the pure parser."""

from __future__ import annotations

from pathlib import Path

from watchdog.core.policy import Policy, PolicyError, PolicyIssue, parse_policy


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; raise PolicyError (with every issue) when it is not valid."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise PolicyError([PolicyIssue(source, 1, 1,
                                       f"cannot read the policy file: {error.strerror or error}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise PolicyError([PolicyIssue(source, line, column, "the file is not UTF-8 text",
                                       "policy files are plain UTF-8 YAML")]) from None
    return parse_policy(text, source)
