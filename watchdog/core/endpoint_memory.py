"""What one run hands the next about each endpoint (the state's `endpoints` section): pure, `now` is an argument.

`measure` writes each listed endpoint's entry (its first billable sighting, its request counter). This module
decides what else survives a run: the run's own stops end a remembered stretch, and namespaces this run did not
list keep their entries, as long as the policy still watches them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from watchdog.core.model import EndpointResult, Outcome
from watchdog.core.timestamps import format_timestamp

# When this watchdog paused or scaled the endpoint to zero. Kept while it is not billable; when it bills again the
# owner resumed it, and a status.updatedAt older than this says nothing about the new stretch.
STOPPED_AT = "stopped_at"
# When a run last saw the endpoint not billing (paused, scaled to zero, failed: by anyone). Kept while it bills again:
# the current stretch began after it, so no uptime, idle or counter evidence may reach back before it.
SEEN_NOT_BILLING = "seen_not_billing_at"

_STOPS = (Outcome.PAUSED, Outcome.SCALED_TO_ZERO)


def keep_unlisted(before: Mapping[str, Any], after: Mapping[str, Any], *, listed: Collection[str],
                  watched: Collection[str] | None,
                  namespace_of: Callable[[str], str] = lambda key: key) -> dict[str, Any]:
    """`after` plus the entries of `before` from namespaces this run did not list but the policy still watches
    (`watched`; None: the policy names none, so every namespace counts as watched). Keys map to their namespace
    through `namespace_of` (identity for sections keyed by namespace)."""
    kept = {key: value for key, value in before.items()
            if key not in after and namespace_of(key) not in listed
            and (watched is None or namespace_of(key) in watched)}
    return {**after, **kept}


def _namespace(key: str) -> str:
    return key.split("/", 1)[0]


def after_run(
    measured: Mapping[str, Any],
    results: Iterable[EndpointResult],
    now: datetime,
    *,
    before: Mapping[str, Any],
    listed: Collection[str],
    watched: Collection[str] | None,
) -> dict[str, Any]:
    """The endpoint memory to save once the run has acted.

    `measured`: what measuring the listed namespaces produced; `before`: the state's section as this run found it;
    `listed`: the namespaces this run listed (or tried to: a failed one already kept its entries); `watched`: the
    namespaces the policy watches. An endpoint this run stopped forgets its stretch (otherwise the owner's resume
    would continue it, and the next run would pause again at once); a namespace the policy watches but this run did
    not list (`pause-all`, `--namespace`) keeps its entries; one the policy no longer watches is forgotten.
    """
    memory = dict(measured)
    for result in results:
        if result.outcome in _STOPS:
            entry = memory.get(result.endpoint.key)
            kept = {"created_at": entry["created_at"]} if isinstance(entry, Mapping) and "created_at" in entry else {}
            memory[result.endpoint.key] = {**kept, STOPPED_AT: format_timestamp(now)}
    return keep_unlisted(before, memory, listed=listed, watched=watched, namespace_of=_namespace)
