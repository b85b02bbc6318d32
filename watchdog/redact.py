"""Scrub secret values (HF token, Slack webhook URL, GitHub token) from any text before it leaves the process."""

from __future__ import annotations

import contextlib
import logging
from typing import Iterable, Iterator, Mapping

# Environment variables whose values are secrets. Their values are replaced wherever they appear.
SECRET_ENV_VARS = ("HF_TOKEN", "SLACK_WEBHOOK_URL", "GITHUB_TOKEN", "HUGGING_FACE_HUB_TOKEN")
_MIN_SECRET_LENGTH = 6  # shorter values would redact ordinary words; real secrets are far longer


class Redactor:
    """Replaces every known secret (and the path part of a webhook URL) with a fixed mask."""

    MASK = "***"

    def __init__(self, secrets: Iterable[str | None], min_length: int = _MIN_SECRET_LENGTH):
        values = {s for s in secrets if s and len(s) >= min_length}
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


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every non-empty secret in `text` by `***` (longest first, so a URL goes before its parts)."""
    return Redactor(secrets, min_length=1)(text)


# Logger filters do not apply to records from child loggers, so every emitting logger is listed.
_HTTP_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")


class _RedactingFilter(logging.Filter):
    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self._redactor = Redactor(secrets, min_length=1)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._redactor(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


@contextlib.contextmanager
def redacted_logs(secrets: Iterable[str | None], loggers: Iterable[str] = _HTTP_LOGGERS) -> Iterator[None]:
    """While active, scrub `secrets` from records of the HTTP client loggers (httpx logs every request URL at INFO)."""
    kept = tuple(s for s in secrets if s)
    installed = [(logging.getLogger(name), _RedactingFilter(kept)) for name in loggers]
    for logger, flt in installed:
        logger.addFilter(flt)
    try:
        yield
    finally:
        for logger, flt in installed:
            logger.removeFilter(flt)
