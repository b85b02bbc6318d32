"""Scrub secrets from the HTTP client's log records (httpx logs every request URL, webhook path included)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator

from watchdog.core.redact import Redactor

# Logger filters do not apply to records from child loggers, so every emitting logger is listed.
_HTTP_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")


class _RedactingFilter(logging.Filter):
    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self._redactor = Redactor(secrets)

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
