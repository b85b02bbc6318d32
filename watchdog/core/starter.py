"""`watchdog init` with a token: a starter policy written from the live fleet, that acts on nothing surprising.

Pure: it takes the namespaces listed, the endpoints measured and `now`, and returns the policy text plus what that
text would do today (evaluated with the real parser and evaluator, so the comments and the summary cannot drift
from the rules). Production-looking names get a `protected` rule; today's biggest spenders are named in comments
with their $/h and what the policy does with each; the defaults pause only what is clearly forgotten. Rule keys
come from the registry classes, never spelled here (tests/repo/test_architecture.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from watchdog.core.durations import format_duration
from watchdog.core.evaluate import evaluate_all
from watchdog.core.model import Decision, EndpointSnapshot, Evaluation, NamespaceResult
from watchdog.core.policy import parse_policy
from watchdog.core.render.escape import one_line
from watchdog.core.rules.general import ActionSetting, WarnBefore
from watchdog.core.rules.max_idle import MaxIdle, OnUnknownIdleSetting
from watchdog.core.rules.max_uptime import MaxUptime

# The defaults of both starters (this one and the commented template, watchdog/templates/policies.yaml, which a
# test keeps equal): generous, so only the clearly forgotten is paused, and never a pause on an unknown idle time.
DEFAULTS: tuple[tuple[str, str, str], ...] = (
    (MaxUptime.key, "3d", "billing three days without a break"),
    (MaxIdle.key, "8h", "no request for 8 hours (where the API tells: lastUsedAt or request metrics)"),
    (ActionSetting.key, "pause", "pause | scale-to-zero | notify"),
    (OnUnknownIdleSetting.key, "notify", "no idle signal (most plans): notify, never a silent pause"),
    (WarnBefore.key, "2h", "say so when a limit is this close"),
)
MAX_ACTIONS_PER_RUN = 10
ALWAYS_PROTECTED = "prod-*"  # in both starters, so a production endpoint created tomorrow is safe too
PRODUCTION_WORDS = frozenset({"prod", "production", "prd"})
TOP_SPENDERS = 5
_SEPARATORS = re.compile(r"([-_.])")
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def production_glob(name: str) -> str | None:
    """The glob that protects names like this one, when it looks like production: a word of the name (split on
    `-`, `_`, `.`) is prod, production or prd. `prod-chat` -> `prod-*`, `chat-prod` -> `*-prod`,
    `eu-prod-chat` -> `*-prod-*`; None for anything else."""
    parts = _SEPARATORS.split(name)  # words at even indexes, separators between them
    for i in range(0, len(parts), 2):
        if parts[i].lower() in PRODUCTION_WORDS:
            before = f"*{parts[i - 1]}" if i > 0 else ""
            after = f"{parts[i + 1]}*" if i + 1 < len(parts) else ""
            return before + parts[i] + after
    return None


@dataclass(frozen=True)
class Starter:
    """The proposed policy text and what it would do today."""

    text: str
    watched: tuple[str, ...]  # namespaces in `namespaces:`
    skipped: tuple[NamespaceResult, ...]  # could not be listed: left out, named in a comment
    protected: tuple[str, ...]  # NS/NAME of today's endpoints a production rule protects
    evaluations: tuple[Evaluation, ...]  # every endpoint under the proposed policy, now

    def deciding(self, *decisions: Decision) -> tuple[Evaluation, ...]:
        """Today's billable endpoints the policy would treat so (pause, scale-to-zero, notify...)."""
        return tuple(ev for ev in self.evaluations if ev.decision in decisions and ev.endpoint.billable)


def _scalar(text: str) -> str:
    """A YAML scalar for a namespace: plain when that reads the same, else a JSON (= YAML) double-quoted string."""
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS and not re.fullmatch(r"[\d._-]+", text):
        return text
    return json.dumps(text)


def _money(rate: float | None) -> str:
    return "$?/h" if rate is None else f"${rate:,.2f}/h"


def _today(ev: Evaluation) -> str:
    """What the policy does with one endpoint today, in a few words."""
    decision = ev.decision
    if decision is Decision.KEEP:
        return "kept: within limits" if not ev.warnings else f"kept; warns: {ev.warnings[0].reason}"
    if decision is Decision.PROTECTED:
        return f"protected (rule {ev.rule.index} {json.dumps(ev.rule.match)})"
    return f"would {decision.value}: {ev.reason}"


def _spender_lines(evaluations: Sequence[Evaluation], now: datetime) -> list[str]:
    billing = [ev for ev in evaluations if ev.endpoint.billable]
    ranked = sorted(billing, key=lambda ev: (-(ev.endpoint.hourly_usd or 0.0), ev.endpoint.key))[:TOP_SPENDERS]
    if not ranked:
        return []
    width = max(len(ev.endpoint.key) for ev in ranked)
    rates = [_money(ev.endpoint.hourly_usd) for ev in ranked]
    rate_width = max(map(len, rates))
    lines = ["# The biggest spenders right now, and what this policy does with each today:"]
    for ev, rate in zip(ranked, rates, strict=True):
        uptime = ev.endpoint.uptime_seconds(now)
        running = f"running {format_duration(uptime)}" if uptime is not None else "running since unknown"
        # API text (names, messages in reasons) stays on its comment line: a newline would write YAML.
        lines.append(f"#   {one_line(ev.endpoint.key):<{width}}  {rate:>{rate_width}}  {running:<16}  "
                     f"{one_line(_today(ev))}")
    return lines


def _render(namespaces: Sequence[NamespaceResult], user: str | None, globs: dict[str, list[str]],
            fleet_lines: Sequence[str], now: datetime) -> str:
    watched = [ns for ns in namespaces if ns.ok]
    skipped = [ns for ns in namespaces if not ns.ok]
    stamp = now.strftime("%Y-%m-%d %H:%M UTC")
    who = f" (it belongs to {one_line(user)})" if user else ""
    out = [
        "# Policies for hf-endpoint-watchdog: which Inference Endpoints may run, for how long, and what happens when",
        f"# they break a limit. Proposed by `watchdog init` on {stamp} from the endpoints this token sees,",
        "# to pause only what is clearly forgotten. Change it through pull requests: the `policies` workflow",
        "# validates each change and comments a plan (which endpoints would change decision). Full reference:",
        "# docs/policies.md in the hf-endpoint-watchdog repository.",
        "#",
        "# Check it:   watchdog validate policies.yaml",
        "# Try it:     watchdog check      (with HF_TOKEN set: what a run would do, and why; touches nothing)",
        "version: 1",
        "",
        f"# The namespaces this token could list{who}. It needs \"Manage Inference Endpoints\" on each.",
        f"namespaces: [{', '.join(_scalar(ns.name) for ns in watched)}]" if watched else
        "# namespaces: []   none could be listed (below): without this key the token owner's namespace is watched",
    ]
    for ns in skipped:
        out += [f"# Not watched: {one_line(ns.name)}, which could not be listed ({one_line(ns.error)}).",
                "# Give the token access there, then add it above."]
    out += [
        "",
        "# Time zone for schedules and for the day an exemption ends.",
        "timezone: UTC",
        "",
        ("# The cron in .github/workflows/watchdog.yml runs nightly: a last successful run much older than this "
         "is reported."),
        "run_every: 24h",
        "",
        ("# Safety cap: a policy mistake never pauses more than this many endpoints in one run (the run acts on "
         "none and"),
        "# says so).",
        f"max_actions_per_run: {MAX_ACTIONS_PER_RUN}",
        "",
        *fleet_lines,
        "",
        ("# Every endpoint, unless a rule below says otherwise. Generous on purpose, so that only what is clearly "
         "forgotten"),
        "# is paused; tighten it once `watchdog check` has shown you your fleet.",
        "defaults:",
    ]
    width = max(len(f"{key}: {value}") for key, value, _ in DEFAULTS) + 1
    out += [f"  {f'{key}: {value}':<{width}}  # {why}" for key, value, why in DEFAULTS]
    out += [
        "",
        "# Rules, in order: the FIRST rule whose `match` holds decides. Narrow rules first, catch-alls last.",
        "endpoints:",
        "  # Names that look like production: never paused or scaled by the watchdog, still in every report.",
    ]
    for glob, keys in globs.items():
        today = f"  # today: {one_line(', '.join(keys))}" if keys else ""
        out += [f"  - match: {json.dumps(glob)}{today}", "    protected: true"]
    out += [
        "",
        "  # More (experiments on a short leash, budgets for benchmarks, batch jobs that sleep by themselves): see the",
        "  # shipped example policy and docs/policies.md; `watchdog plan --base` shows what a change would do.",
    ]
    return "\n".join(out) + "\n"


def starter_policy(namespaces: Sequence[NamespaceResult], snapshots: Sequence[EndpointSnapshot], now: datetime,
                   *, user: str | None = None) -> Starter:
    """The starter policy for this fleet: every namespace that could be listed watched, production-looking names
    protected, the biggest spenders and today's decisions in comments."""
    globs: dict[str, list[str]] = {ALWAYS_PROTECTED: []}
    for snapshot in sorted(snapshots, key=lambda s: s.key):
        glob = production_glob(snapshot.name)
        if glob is not None:
            globs.setdefault(glob, [])
    # Which of today's endpoints each rule protects: the first glob that matches, as the evaluator will decide.
    draft = parse_policy(_render(namespaces, user, globs, [], now), "policies.yaml")
    evaluations = evaluate_all(draft, snapshots, now)
    protected = []
    for ev in evaluations:
        if ev.decision is Decision.PROTECTED:
            globs[ev.rule.match].append(ev.endpoint.key)
            protected.append(ev.endpoint.key)
    billing = [s for s in snapshots if s.billable]
    burn = sum(s.hourly_usd or 0.0 for s in billing)
    unpriced = sum(1 for s in billing if s.hourly_usd is None)
    fleet = [f"# The fleet on {now:%Y-%m-%d %H:%M} UTC: {len(snapshots)} endpoint(s), "
             + (f"{len(billing)} billing ${burn:,.2f}/h" + (f" ({unpriced} unpriced)" if unpriced else "") + "."
                if billing else "none billing.")]
    fleet += _spender_lines(evaluations, now)
    acting = [ev for ev in evaluations
              if ev.decision in (Decision.PAUSE, Decision.SCALE_TO_ZERO) and ev.endpoint.billable]
    if len(acting) > MAX_ACTIONS_PER_RUN:
        fleet.append(f"# Today it would pause {len(acting)} endpoints, more than max_actions_per_run: a run would "
                     "act on none and say so. Raise the cap once `watchdog check` shows you agree.")
    fleet.append("# `watchdog check` shows every endpoint, its decision and why.")
    text = _render(namespaces, user, globs, fleet, now)
    policy = parse_policy(text, "policies.yaml")  # the text written is the text evaluated: no drift
    return Starter(text, tuple(policy.namespaces), tuple(ns for ns in namespaces if not ns.ok), tuple(protected),
                   evaluate_all(policy, snapshots, now))
