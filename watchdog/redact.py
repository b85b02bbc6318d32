"""Scrub secret values (HF token, Slack webhook URL, GitHub token) from any text before it leaves the process."""

from __future__ import annotations

from typing import Iterable, Mapping

# Environment variables whose values are secrets. Their values are replaced wherever they appear.
SECRET_ENV_VARS = ("HF_TOKEN", "SLACK_WEBHOOK_URL", "GITHUB_TOKEN", "HUGGING_FACE_HUB_TOKEN")
_MIN_SECRET_LENGTH = 6  # shorter values would redact ordinary words; real secrets are far longer


class Redactor:
    """Replaces every known secret (and the path part of a webhook URL) with a fixed mask."""

    MASK = "***"

    def __init__(self, secrets: Iterable[str | None]):
        values = {s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH}
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted(values, key=len, reverse=True)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Redactor":
        return cls(env.get(name) for name in SECRET_ENV_VARS)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, self.MASK)
        return text
