"""The namespace's hardware list (`GET /v2/provider/{ns}`), read entry by entry (pure).

Only two fields of a compute entry matter for cost: `id` (what endpoints carry in `compute.id`) and `pricePerHour`.
huggingface_hub's parser also insists on quota, architecture and memory figures, so one sloppy entry used to
remove every price of the namespace and let `max_cost` silently stop applying. Here each entry stands alone: an
unreadable one is skipped with a note, and an endpoint whose price is unknown says why.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PriceList(Mapping[str, float]):
    """Price per replica-hour by compute id, plus what could not be read (a mapping of the prices)."""

    prices: Mapping[str, float] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)  # compute id → why its entry was not used
    coerced: Mapping[str, str] = field(default_factory=dict)  # compute id → what was tolerated to read it
    unattributed: tuple[str, ...] = ()  # entries without a usable id, and structural oddities

    def __getitem__(self, key: str) -> float:
        return self.prices[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.prices)

    def __len__(self) -> int:
        return len(self.prices)


# USD per replica-hour above which a listed price is treated as broken (the dearest compute lists about $80/h).
MAX_PLAUSIBLE_PRICE = 100_000.0


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _price(value: Any) -> tuple[float | None, str | None, str | None]:
    """(price, why it is unusable, what was tolerated)."""
    if isinstance(value, bool):
        return None, f"pricePerHour is {_kind(value)}", None
    if isinstance(value, (int, float)):
        number, tolerated = float(value), None
    elif isinstance(value, str):
        try:
            number, tolerated = float(value.strip()), f"pricePerHour given as text ({value!r})"
        except ValueError:
            return None, f"pricePerHour is not a number ({value!r})", None
    elif value is None:
        return None, "no pricePerHour", None
    else:
        return None, f"pricePerHour is {_kind(value)}", None
    if not math.isfinite(number) or number < 0:
        return None, f"pricePerHour is {value!r}", None
    if number > MAX_PLAUSIBLE_PRICE:
        # The dearest compute costs tens of dollars an hour; a price this high is a broken answer, and summing it
        # would overflow every total (`$inf/h`, `Infinity` in the state file).
        return None, f"pricePerHour {value!r} is not a plausible price (over ${MAX_PLAUSIBLE_PRICE:,.0f}/h)", None
    return number, None, tolerated


def _children(node: Any, key: str, where: str, problems: list[str]) -> list[Any]:
    value = node.get(key) if isinstance(node, Mapping) else None
    if isinstance(value, list):
        return value
    if not isinstance(node, Mapping):
        problems.append(f"{where} is {_kind(node)}, not an object")
    elif value is not None:
        problems.append(f"{where}.{key} is {_kind(value)}, not a list")
    return []


def read_price_list(payload: Any) -> PriceList:
    """Every readable compute price of a provider answer: vendors → regions → computes (or computes at any level)."""
    prices: dict[str, float] = {}
    skipped: dict[str, str] = {}
    coerced: dict[str, str] = {}
    problems: list[str] = []
    if not isinstance(payload, Mapping) or not isinstance(payload.get("vendors"), list):
        what = "keys " + ", ".join(sorted(map(str, payload))) if isinstance(payload, Mapping) else _kind(payload)
        return PriceList(unattributed=(f"hardware list answered an unrecognized shape: {what}",))
    computes: list[tuple[str, Any]] = []
    for v, vendor in enumerate(payload["vendors"]):
        for r, region in enumerate(_children(vendor, "regions", f"vendors[{v}]", problems)):
            for c, compute in enumerate(_children(region, "computes", f"vendors[{v}].regions[{r}]", problems)):
                computes.append((f"vendors[{v}].regions[{r}].computes[{c}]", compute))
    for where, compute in computes:
        if not isinstance(compute, Mapping):
            problems.append(f"{where} is {_kind(compute)}, not an entry: skipped")
            continue
        compute_id = compute.get("id")
        if not isinstance(compute_id, str) or not compute_id:
            problems.append(f"{where} has no usable id ({_kind(compute_id)}): skipped")
            continue
        price, why, tolerated = _price(compute.get("pricePerHour"))
        if price is None:
            skipped.setdefault(compute_id, why or "unreadable")
            continue
        if compute_id in prices:
            continue  # the first entry for an id wins
        prices[compute_id] = price
        skipped.pop(compute_id, None)
        if tolerated:
            coerced[compute_id] = tolerated
    return PriceList(prices, skipped, coerced, tuple(problems))


def price_notes(price_list: Mapping[str, float], compute_id: Any) -> tuple[str, ...]:
    """What to tell about one endpoint's price beyond "no price": why it is missing, or what was tolerated."""
    if not isinstance(price_list, PriceList):
        return ()
    key = str(compute_id)
    if key in price_list.coerced:
        return (f"hardware list entry for {key}: {price_list.coerced[key]}, read as a number",)
    if key in price_list.prices:
        return ()
    if key in price_list.skipped:
        return (f"hardware list entry for {key} is unreadable ({price_list.skipped[key]}): skipped, so its price "
                "is unknown",)
    if price_list.unattributed:
        extra = f" (+{len(price_list.unattributed) - 1} more)" if len(price_list.unattributed) > 1 else ""
        return (f"no price for {key}; the hardware list had unreadable parts: {price_list.unattributed[0]}{extra}",)
    return ()
