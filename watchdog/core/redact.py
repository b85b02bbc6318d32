"""Scrub secret values (HF token, Slack webhook URL, GitHub token) from any text before it leaves the process."""

from __future__ import annotations

from typing import Iterable

_MIN_SECRET_LENGTH = 6  # shorter values would redact ordinary words; real secrets are far longer


class Redactor:
    """Replaces every known secret (and the path part of a webhook URL) with a fixed mask."""

    MASK = "***"

    def __init__(self, secrets: Iterable[str | None], min_length: int = _MIN_SECRET_LENGTH):
        values = {s for s in secrets if s and len(s) >= min_length}
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, self.MASK)
        return text


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every non-empty secret in `text` by `***` (longest first, so a URL goes before its parts)."""
    return Redactor(secrets, min_length=1)(text)
