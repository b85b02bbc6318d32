"""Scrub secret values (HF token, Slack webhook URL, GitHub token) from any text before it leaves the process."""

from __future__ import annotations

from collections.abc import Iterable

# Shorter values would mask ordinary letters everywhere (`runnin***`); real tokens and webhook URLs are far longer.
# A shorter value set in a secret variable is warned about instead (see `too_short`).
MIN_SECRET_LENGTH = 8


def too_short(value: str | None) -> bool:
    """A value set in a secret variable that is too short to be a real secret, and so is not masked."""
    return bool(value) and len(value or "") < MIN_SECRET_LENGTH


class Redactor:
    """Replaces every known secret of at least MIN_SECRET_LENGTH characters with a fixed mask."""

    MASK = "***"

    def __init__(self, secrets: Iterable[str | None], min_length: int = MIN_SECRET_LENGTH):
        values = {s for s in secrets if s and len(s) >= min_length}
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, self.MASK)
        return text


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret in `text` by `***` (longest first, so a URL goes before its parts)."""
    return Redactor(secrets)(text)
