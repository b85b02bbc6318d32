"""Fleet files for the fake Endpoints API: namespaces and endpoints described relative to the clock.

A fleet file (YAML or JSON) looks like::

    user: alice                 # whoami name; every other namespace is one of alice's orgs
    page_size: null             # server-side page size for the list route (null = no pagination)
    resume_delay: 2m            # simulated time from resume to running (default 2m)
    pending_delay: 0            # time spent in `pending` before `initializing` (default 0: skipped)
    namespaces:
      acme-ml:
        deny: null              # 401 or 403: the token cannot reach this namespace (all its routes)
        endpoints:
          - name: mert-spike6
            state: running
            instance: aws-us-east-1-nvidia-a10g-x1

Endpoint keys (all but `name`, `instance` and `repository` optional) are listed in `ENDPOINT_KEYS`.
Durations use the policy syntax (`9h12m`, `2d`) or plain seconds. Unknown keys are errors, so a typo in a
scenario fails loudly instead of silently serving a different fleet.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from watchdog.fakes.api_facts import STATES, parse_duration
from watchdog.fakes.hardware import CATALOG, compute_by_id

FLEET_KEYS = frozenset({"user", "page_size", "resume_delay", "pending_delay", "namespaces"})
NAMESPACE_KEYS = frozenset({"endpoints", "deny"})
ENDPOINT_KEYS = frozenset({
    "name", "state", "instance", "repository", "revision", "task", "framework", "type", "image", "env",
    "running_for", "last_used_ago", "requests_per_hour", "requests_total", "open_metrics",
    "min_replica", "max_replica", "replicas", "scale_to_zero_timeout", "tags",
    "created_ago", "updated_ago", "message", "start_fails", "ready_in", "created_by",
})


class FleetError(ValueError):
    """A fleet file or mapping the fake cannot serve; the message names the offending key."""


@dataclass(frozen=True)
class EndpointSpec:
    """One endpoint as the fleet describes it at the clock's starting instant (durations in seconds)."""

    name: str
    instance: str
    repository: str
    state: str = "running"
    revision: str | None = None
    task: str = "text-generation"
    framework: str = "pytorch"
    type: str = "private"
    image: Mapping[str, Any] | None = None  # None: derived from the task (TGI, TEI or the default container)
    env: Mapping[str, str] = field(default_factory=dict)
    running_for: int | None = None  # billable states: the current stretch started this long ago
    last_used_ago: int | None = None  # set: `status.lastUsedAt` is served; None: the key is absent
    requests_per_hour: float = 0.0  # growth of the open-metrics counter while running
    requests_total: int | None = None  # counter value at the start (default: rate x running_for)
    open_metrics: bool = True  # False: the route answers 403 as on plans without it
    min_replica: int = 1  # huggingface_hub >= 0.31 creates endpoints with min_replica=1
    max_replica: int = 1
    replicas: int | None = None  # ready replicas while running (default: max(1, min_replica))
    scale_to_zero_timeout: int | None = None  # minutes, as the API counts them
    tags: tuple[str, ...] = ()
    created_ago: int | None = None
    updated_ago: int | None = None
    message: str | None = None
    start_fails: str | None = None  # set: starting ends in `failed` (or `updateFailed`) with this message
    ready_in: int | None = None  # pending/initializing/updating: time left before running
    created_by: str | None = None


@dataclass(frozen=True)
class NamespaceSpec:
    """A user or organization namespace and its endpoints."""

    name: str
    endpoints: tuple[EndpointSpec, ...] = ()
    deny: int | None = None  # 401 or 403 on every route of this namespace


@dataclass(frozen=True)
class Fleet:
    """Everything the fake serves at start-up."""

    user: str
    namespaces: tuple[NamespaceSpec, ...]
    page_size: int | None = None
    resume_delay: int = 120
    pending_delay: int = 0

    @property
    def endpoint_count(self) -> int:
        """Number of endpoints across all namespaces."""
        return sum(len(ns.endpoints) for ns in self.namespaces)


def _seconds(value: Any, where: str, *, allow_zero: bool = True) -> int:
    if isinstance(value, bool):
        raise FleetError(f"{where}: expected a duration like \"2h\" or seconds, got {value!r}")
    if isinstance(value, (int, float)):
        if value < 0 or (value == 0 and not allow_zero):
            raise FleetError(f"{where}: expected a positive duration, got {value!r}")
        return int(value)
    if isinstance(value, str) and value.strip() in {"0", "0s", "0m"} and allow_zero:
        return 0
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise FleetError(f"{where}: {exc}") from None
    if seconds == 0 and not allow_zero:
        raise FleetError(f"{where}: expected a positive duration, got {value!r}")
    return seconds


def _opt_seconds(raw: Mapping[str, Any], key: str, where: str) -> int | None:
    value = raw.get(key)
    return None if value is None else _seconds(value, f"{where}.{key}")


def _int(raw: Mapping[str, Any], key: str, where: str, default: int | None, minimum: int = 0) -> int | None:
    value = raw.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FleetError(f"{where}.{key}: expected an integer >= {minimum}, got {value!r}")
    return value


def _check_keys(raw: Any, allowed: frozenset[str], where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise FleetError(f"{where}: expected a mapping, got {type(raw).__name__}")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise FleetError(f"{where}: unknown key(s) {', '.join(map(str, unknown))} "
                         f"(allowed: {', '.join(sorted(allowed))})")
    return raw


def endpoint_spec_from_dict(raw: Any, where: str = "endpoint") -> EndpointSpec:
    """Validate one endpoint mapping of a fleet file; `where` prefixes error messages."""
    raw = _check_keys(raw, ENDPOINT_KEYS, where)
    for key in ("name", "instance", "repository"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise FleetError(f"{where}.{key}: required string")
    where = f"{where} ({raw['name']})"
    state = raw.get("state", "running")
    if state not in STATES:
        raise FleetError(f"{where}.state: {state!r} is not one of {', '.join(sorted(STATES))}")
    try:
        compute_by_id(raw["instance"])
    except KeyError as exc:
        raise FleetError(f"{where}.instance: {exc.args[0]}") from None
    min_replica = _int(raw, "min_replica", where, 1)
    max_replica = _int(raw, "max_replica", where, max(1, min_replica or 0), minimum=1)
    if min_replica is None or max_replica is None or min_replica > max_replica:
        raise FleetError(f"{where}: min_replica must be <= max_replica")
    replicas = _int(raw, "replicas", where, None, minimum=1)
    if replicas is not None and replicas > max_replica:
        raise FleetError(f"{where}.replicas: {replicas} is more than max_replica {max_replica}")
    timeout = _int(raw, "scale_to_zero_timeout", where, None)
    # The real API refuses timeouts outside 15..2880 minutes with a 400; a fleet should not hold one.
    if timeout is not None and not 15 <= timeout <= 2880:
        raise FleetError(f"{where}.scale_to_zero_timeout: must be between 15 and 2880 minutes")
    tags = raw.get("tags") or ()
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise FleetError(f"{where}.tags: expected a list of strings")
    start_fails = raw.get("start_fails")
    if start_fails is True:
        start_fails = "Endpoint failed to start: container exited with code 1 (CUDA out of memory)"
    elif start_fails is False:
        start_fails = None
    rate = raw.get("requests_per_hour", 0)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate < 0:
        raise FleetError(f"{where}.requests_per_hour: expected a number >= 0")
    return EndpointSpec(
        name=raw["name"], instance=raw["instance"], repository=raw["repository"], state=state,
        revision=raw.get("revision"), task=raw.get("task", "text-generation"),
        framework=raw.get("framework", "pytorch"), type=raw.get("type", "private"), image=raw.get("image"),
        env=dict(raw.get("env") or {}), running_for=_opt_seconds(raw, "running_for", where),
        last_used_ago=_opt_seconds(raw, "last_used_ago", where), requests_per_hour=float(rate),
        requests_total=_int(raw, "requests_total", where, None), open_metrics=bool(raw.get("open_metrics", True)),
        min_replica=min_replica, max_replica=max_replica, replicas=replicas,
        scale_to_zero_timeout=timeout, tags=tuple(tags), created_ago=_opt_seconds(raw, "created_ago", where),
        updated_ago=_opt_seconds(raw, "updated_ago", where), message=raw.get("message"),
        start_fails=start_fails, ready_in=_opt_seconds(raw, "ready_in", where), created_by=raw.get("created_by"),
    )


def fleet_from_dict(data: Mapping[str, Any], source: str = "fleet") -> Fleet:
    """Build a Fleet from a mapping shaped like a fleet file; raise FleetError naming the bad key."""
    data = _check_keys(data, FLEET_KEYS, source)
    user = data.get("user")
    if not isinstance(user, str) or not user:
        raise FleetError(f"{source}.user: required string (the token owner's name)")
    raw_namespaces = data.get("namespaces") or {}
    if not isinstance(raw_namespaces, Mapping):
        raise FleetError(f"{source}.namespaces: expected a mapping of namespace name to endpoints")
    namespaces = []
    for ns_name, raw_ns in raw_namespaces.items():
        where = f"{source}.namespaces.{ns_name}"
        raw_ns = _check_keys(raw_ns or {}, NAMESPACE_KEYS, where)
        deny = raw_ns.get("deny")
        if deny not in (None, 401, 403):
            raise FleetError(f"{where}.deny: expected 401 or 403, got {deny!r}")
        endpoints = tuple(
            endpoint_spec_from_dict(raw, f"{where}.endpoints[{i}]")
            for i, raw in enumerate(raw_ns.get("endpoints") or ())
        )
        names = [e.name for e in endpoints]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise FleetError(f"{where}: duplicate endpoint name(s) {', '.join(duplicates)}")
        namespaces.append(NamespaceSpec(str(ns_name), endpoints, deny))
    return Fleet(
        user=user, namespaces=tuple(namespaces), page_size=_int(data, "page_size", source, None, minimum=1),
        resume_delay=_seconds(data.get("resume_delay", 120), f"{source}.resume_delay"),
        pending_delay=_seconds(data.get("pending_delay", 0), f"{source}.pending_delay"),
    )


def load_fleet(path: str | Path) -> Fleet:
    """Read a fleet file (`.json` as JSON, anything else as YAML)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return fleet_from_dict(data or {}, source=path.name)


def demo_fleet_path() -> Path:
    """The bundled demo fleet (`watchdog/demo/fleet.yaml`)."""
    return Path(__file__).resolve().parent.parent / "demo" / "fleet.yaml"


def fake_revision(repository: str) -> str:
    """A stable 40-hex commit id per repository, so payloads look like real pinned revisions."""
    return hashlib.sha1(repository.encode()).hexdigest()


_SYNTH_REPOS = (
    ("meta-llama/Llama-3.1-8B-Instruct", "text-generation"), ("Qwen/Qwen2.5-7B-Instruct", "text-generation"),
    ("mistralai/Mistral-7B-Instruct-v0.3", "text-generation"), ("BAAI/bge-large-en-v1.5", "sentence-embeddings"),
    ("openai/whisper-large-v3", "automatic-speech-recognition"), ("sentence-transformers/all-MiniLM-L6-v2",
                                                                   "sentence-embeddings"),
)


def _either(forced: bool | None, drawn: bool) -> bool:
    return drawn if forced is None else forced


def synthetic_fleet(namespaces: int = 4, endpoints: int = 1000, billable: int = 250, seed: int = 0,
                    user: str = "bench", open_metrics: bool | None = None) -> Fleet:
    """A large deterministic fleet for benchmarks: `endpoints` in total, `billable` of them billing.

    Namespaces are `user` plus `org-1..org-{n-1}`; endpoints are dealt round-robin. Same seed, same fleet.
    `open_metrics`: None gives 4 endpoints in 5 the route (drawn per endpoint, as before); True or False gives it
    to every endpoint or to none, as a Team/Enterprise plan or any other plan does for a whole namespace.
    """
    if not 0 <= billable <= endpoints or namespaces < 1:
        raise FleetError("synthetic_fleet: need namespaces >= 1 and 0 <= billable <= endpoints")
    rng = random.Random(seed)
    gpu_ids = [c.id for c in CATALOG if c.status != "deprecated"]
    ns_names = [user] + [f"org-{i}" for i in range(1, namespaces)]
    billable_slots = set(rng.sample(range(endpoints), billable))
    buckets: dict[str, list[EndpointSpec]] = {n: [] for n in ns_names}
    for i in range(endpoints):
        repository, task = rng.choice(_SYNTH_REPOS)
        if i in billable_slots:
            state = "running" if rng.random() < 0.9 else rng.choice(("initializing", "pending", "updating"))
            running_for = rng.randint(60, 5 * 86400)
        else:
            state = rng.choice(("paused", "paused", "scaledToZero", "failed"))
            running_for = None
        # Only idle endpoints get scale-to-zero settings: a billable one would scale itself to zero as soon as
        # the clock moved past its timeout, and benchmarks need the billable count to hold.
        scale_to_zero = i not in billable_slots and rng.random() < 0.3
        spec = EndpointSpec(
            name=f"ep-{i:05d}", instance=rng.choice(gpu_ids), repository=repository, task=task, state=state,
            running_for=running_for,
            last_used_ago=rng.randint(0, 3 * 86400) if rng.random() < 0.5 else None,
            requests_per_hour=float(rng.choice((0, 0, 6, 120, 3600))),
            open_metrics=_either(open_metrics, rng.random() < 0.8),  # drawn always: a seed keeps its fleet
            min_replica=0 if scale_to_zero else 1, max_replica=rng.choice((1, 1, 2, 4)),
            scale_to_zero_timeout=rng.choice((15, 60, 120)) if scale_to_zero else None,
            tags=tuple(rng.sample(("team:nlp", "team:vision", "benchmark", "prod", "eval"), rng.randint(0, 2))),
        )
        buckets[ns_names[i % namespaces]].append(spec)
    return Fleet(user=user, namespaces=tuple(NamespaceSpec(n, tuple(eps)) for n, eps in buckets.items()))
