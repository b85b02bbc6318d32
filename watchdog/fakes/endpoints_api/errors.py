"""The error a route raises to answer `{"error": message}` with a status (and optional headers)."""

from __future__ import annotations

from collections.abc import Mapping


class HTTPError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
