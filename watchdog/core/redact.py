"""Scrub secret values (HF token, Slack webhook URL, GitHub token) from any text before it leaves the process."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, is_dataclass, replace
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, TypeVar, cast

T = TypeVar("T")

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


def scrub(value: T, redactor: Callable[[str], str]) -> T:
    """`value` with every string in it redacted: dataclass fields, tuples, lists and mappings, followed down.

    Scrubbing data before it is rendered is what makes the scrubber reliable: rendered text escapes (`https\\://`)
    and truncates (`hf_ab…`), and a secret cut or escaped that way no longer matches. Parts holding no secret are
    returned as they are, so a clean report comes back as the same object.
    """
    return cast(T, _scrub(value, redactor))


def _scrub(value: Any, redactor: Callable[[str], str]) -> Any:
    kind = type(value)
    if kind is str:  # exactly str: a StrEnum member is a constant of the program, never a secret
        return redactor(value)
    if kind in _LEAVES or isinstance(value, Enum):
        return value
    if kind is tuple or kind is list:
        items = [_scrub(item, redactor) for item in value]
        return kind(items) if any(new is not old for new, old in zip(items, value, strict=True)) else value
    if isinstance(value, Mapping):
        pairs = [(_scrub(k, redactor), _scrub(v, redactor)) for k, v in value.items()]
        changed = any(nk is not k or nv is not v for (nk, nv), (k, v) in zip(pairs, value.items(), strict=True))
        return dict(pairs) if changed else value
    names = _field_names(kind)
    if names is None:
        return value
    updates = {}
    for name in names:
        old = getattr(value, name)
        if type(old) in _LEAVES:  # most fields: skipped without a call
            continue
        new = _scrub(old, redactor)
        if new is not old:
            updates[name] = new
    return replace(value, **updates) if updates else value


# Values that hold no text: skipped without a look (a 10,000-endpoint report is mostly these).
_LEAVES = frozenset({int, float, bool, type(None), datetime, date, timedelta, bytes})


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names (looked up once per class), or None for anything else, kept as it is."""
    if kind not in _FIELDS:
        _FIELDS[kind] = tuple(f.name for f in fields(kind)) if is_dataclass(kind) else None
    return _FIELDS[kind]
