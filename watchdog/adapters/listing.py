"""Listing one namespace page by page, defensively (the caller supplies `fetch(cursor, limit) -> page`).

What is known of the list route's paging: the one spec that documents it names `cursor`/`limit` (default 20) and
answers `nextCursor`/`prevCursor` — with the two descriptions swapped, probably a typo. huggingface_hub never pages.
So: follow `nextCursor`; when a page has no usable `nextCursor` but carries another cursor not seen yet
(`prevCursor`), follow that too, so the listing is complete whichever way the labels are meant; never follow a
cursor twice; list the same endpoint name once; and say "listing may be incomplete" rather than stay silent when
the answer gives reason to doubt it (a full page of 20, or of the `limit` asked for, with no cursor at all, a
cursor answered with itself, a cursor of an unusable type, an absurd number of pages, a last page that says there
is more — `hasMore`, a `total` above what was listed, a `next` link, a key named like a cursor, such as
`next_cursor` or `continuationToken` — with no cursor to follow).

Page size: the spec gives `limit` a default of 20 and no maximum. The watchdog asks for PAGE_LIMIT (100) per page:
five times fewer sequential round trips than the default, and the cap most list APIs (and the bundled fake) serve;
asking more risks a 400 from a server whose cap is 100, which would cost the fallback below. A server that serves
less than asked is fine (cursors are followed); one that refuses the parameter (400 or 422 on the first page) is
asked again without it, and that namespace is listed at the server's default.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from watchdog.adapters.interface import HubError, Listing

DOCUMENTED_PAGE_SIZE = 20
PAGE_LIMIT = 100
MAX_PAGES = 1000
REFUSED_LIMIT = (400, 422)  # the answers that mean "no such parameter here": ask again without it
_CURSOR_KEYS = ("nextCursor", "prevCursor")
# Other ways an API says "there is more" (not the documented cursor): not followed, since what they mean is a guess,
# but a page that carries one with no cursor to follow makes the listing doubtful, and the report says so.
_MORE_FLAGS = ("hasMore", "has_more", "hasNext", "has_next", "more")
_TOTAL_KEYS = ("total", "totalCount", "total_count", "totalItems", "count")
_NEXT_LINKS = ("next", "nextPage", "next_page", "nextUrl", "next_url", "nextLink", "next_link", "nextPageToken",
               "next_page_token")
# Another API's cursor under another name (`next_cursor`, `cursor`, `nextToken`, `continuationToken`): not followed
# (the API documents nextCursor, and a guessed key could loop or skip), but named in the warning. Looked for on the
# last page only: while the listing goes on, such a key is more likely a companion (`nextCursorExpiresAt`).
_CURSOR_LIKE = ("cursor", "token", "continuation", "next")
_KNOWN_KEYS = frozenset(k.lower() for k in ("items", *_CURSOR_KEYS, *_MORE_FLAGS, *_TOTAL_KEYS, *_NEXT_LINKS))
_SHOWN_KEY = 40  # characters of a key's name in the warning: an odd API's key is not worth a paragraph


def _more_hint(page: Mapping[str, Any], listed: int) -> str | None:
    """What on the last page says more endpoints exist than were listed, or None."""
    for key in _MORE_FLAGS:
        if page.get(key) is True:
            return f"the last page says {key}: true"
    for key in _TOTAL_KEYS:
        total = page.get(key)
        if isinstance(total, int) and not isinstance(total, bool) and total > listed:
            return f"the answer says {key} {total} but {listed} were listed"
    links = page.get("links") if isinstance(page.get("links"), Mapping) else page.get("_links")
    for where, key in [(page, k) for k in _NEXT_LINKS] + ([(links, "next")] if isinstance(links, Mapping) else []):
        value = where.get(key)
        if value not in (None, "", False, [], {}):
            return f"the last page has a {key!r} link the watchdog does not follow"
    return None


def _unknown_cursors(page: Mapping[str, Any], seen: set[str]) -> str | None:
    """The page's keys named like a cursor, holding a string the watchdog never asked for, as a warning's start."""
    keys = [key for key, value in page.items()
            if isinstance(key, str) and key.lower() not in _KNOWN_KEYS
            and any(word in key.lower() for word in _CURSOR_LIKE)
            and isinstance(value, str) and value.strip() and value not in seen]
    if not keys:
        return None
    names = ", ".join(repr(key if len(key) <= _SHOWN_KEY else key[:_SHOWN_KEY] + "…") for key in keys[:3])
    more = f" and {len(keys) - 3} more" if len(keys) > 3 else ""
    return f"the last page has {'a key' if len(keys) == 1 else 'keys'} named like a cursor ({names}{more}) " \
           "the watchdog does not follow (it follows nextCursor)"


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _identity(item: Any) -> str:
    name = item.get("name") if isinstance(item, Mapping) else None
    if isinstance(name, str) and name:
        return "name:" + name
    return "json:" + json.dumps(item, sort_keys=True, default=str)


def list_pages(fetch: Callable[[str | None, int | None], Any], namespace: str, *, limit: int | None = None,
               on_page: Callable[[list[Any]], None] | None = None) -> Listing:
    """Every item of one namespace, with the warnings a person should see; HubError when it cannot be listed.

    `limit` is asked on every page unless the first page refuses it; `on_page` gets each page's new items as soon
    as the page is read (the listing may still fail later: the caller then drops what it started).
    """
    what = f"list namespace {namespace!r}"
    items: dict[str, Any] = {}
    warnings: list[str] = []
    seen: set[str] = set()
    pending: list[str] = []  # cursors still to follow; nextCursor ones are pushed last, so taken first
    cursor: str | None = None
    pages = 0
    any_cursor = False
    first_page_size = 0
    while True:
        try:
            page = fetch(cursor, limit)
        except HubError as error:
            if pages or limit is None or error.status not in REFUSED_LIMIT:
                raise
            limit = None
            page = fetch(cursor, None)
        pages += 1
        if isinstance(page, list):
            page_items: list[Any] = page
            if pages == 1:
                warnings.append("the list route answered a bare list (no 'items' key): read as the items")
            page = {}
        elif isinstance(page, Mapping) and isinstance(page.get("items"), list):
            page_items = page["items"]
        else:
            came = "keys " + ", ".join(sorted(map(str, page))) if isinstance(page, Mapping) else _kind(page)
            if isinstance(page, Mapping) and "items" in page:
                came = f"items is {_kind(page['items'])}"
            raise HubError(f"{what}: unexpected answer ({came}), not a page of endpoints")
        if pages == 1:
            first_page_size = len(page_items)
        fresh: list[Any] = []
        for item in page_items:
            identity = _identity(item)
            if identity not in items:
                items[identity] = item
                fresh.append(item)
        if on_page is not None and fresh:
            on_page(fresh)
        found: list[str] = []
        for key in reversed(_CURSOR_KEYS):  # prevCursor first onto the stack, nextCursor on top
            value = page.get(key)
            if value is None or value == "" or value is False:
                continue
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                warnings.append(f"{key} was {_kind(value)}, not a string: not followed; listing may be incomplete")
                continue
            any_cursor = True
            if value == cursor:
                warnings.append(f"the API answered a cursor with the same {key}: listing may be incomplete")
                continue
            if value not in seen:
                found.append(value)
        for value in found:
            if value not in pending:
                pending.append(value)
        cursor = None
        while pending and cursor is None:
            candidate = pending.pop()
            if candidate not in seen:
                cursor = candidate
        if cursor is None:
            for hint in (_more_hint(page, len(items)), _unknown_cursors(page, seen)):
                if hint:
                    warnings.append(f"{hint}, and no cursor to follow: listing may be incomplete")
            break
        if pages >= MAX_PAGES:
            warnings.append(f"stopped after {MAX_PAGES} pages: listing may be incomplete")
            break
        seen.add(cursor)
    if not any_cursor and first_page_size == DOCUMENTED_PAGE_SIZE:
        warnings.append(f"a full page of {DOCUMENTED_PAGE_SIZE} endpoints (the documented default page size) came "
                        "with no cursor: listing may be incomplete")
    elif not any_cursor and limit is not None and first_page_size == limit:
        warnings.append(f"a full page of {limit} endpoints (the page size asked for) came with no cursor: "
                        "listing may be incomplete")
    return Listing(list(items.values()), tuple(dict.fromkeys(warnings)))
