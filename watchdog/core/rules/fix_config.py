"""`fix_config: true` — broken configuration requirements (`require_scale_to_zero`, `scale_to_zero_after`,
`max_replicas`) are corrected through the API instead of applying `action`.

Its own module rather than a flag in `general.py`: besides the key, it owns what a fix means — merging what
the broken configuration limits ask for into one new scaling configuration, when an update may be sent this run, and the
exact command that restores the old values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watchdog.core.model import (
    ConfigFix,
    EndpointSnapshot,
    EndpointState,
    Finding,
    Reconfiguration,
    ScalingConfig,
)
from watchdog.core.rules.base import BooleanSetting
from watchdog.core.rules.scale_to_zero_after import timeout_text

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective

# States an update is sent in. Not `updating` (one is under way: left alone this run), and not paused, scaled to
# zero or failed: an update may restart the endpoint, and its billing with it.
UPDATABLE_STATES = frozenset({EndpointState.RUNNING, EndpointState.INITIALIZING, EndpointState.PENDING})

_FIELDS = (  # (ScalingConfig field, name in reasons, `hf endpoints update` option)
    ("min_replica", "min_replica", "--min-replica"),
    ("max_replica", "max_replica", "--max-replica"),
    ("scale_to_zero_timeout_minutes", "scale_to_zero_timeout", "--scale-to-zero-timeout"),
)


@dataclass(frozen=True)
class ConfigChange:
    """What `fix_config` would do about one endpoint's broken configuration limits."""

    reconfiguration: Reconfiguration
    findings: tuple[Finding, ...]  # the violations the change corrects
    held_back: str | None  # why no update is sent this run; None when it may be


def _merge(before: ScalingConfig, fixes: Sequence[ConfigFix]) -> ScalingConfig:
    values = {}
    for field_name, _, _ in _FIELDS:
        asked = [getattr(f, field_name) for f in fixes if getattr(f, field_name) is not None]
        values[field_name] = min(asked) if asked else getattr(before, field_name)
    return ScalingConfig(**values)


def _show(field_name: str, value: int | None) -> str:
    if field_name == "scale_to_zero_timeout_minutes":
        return timeout_text(value)
    return "none" if value is None else str(value)


def change_text(before: ScalingConfig, after: ScalingConfig) -> str:
    """`min_replica 1 → 0, scale_to_zero_timeout none → 1h` for each field that changes."""
    return ", ".join(
        f"{label} {_show(name, getattr(before, name))} → {_show(name, getattr(after, name))}"
        for name, label, _ in _FIELDS if getattr(before, name) != getattr(after, name)
    )


def undo_command(snapshot: EndpointSnapshot, before: ScalingConfig, after: ScalingConfig) -> tuple[str, str | None]:
    """The `hf endpoints update` command that restores `before` (the watchdog has no update command; `hf` ships with
    huggingface_hub and takes all three fields), and a note on what it cannot restore."""
    parts = [f"hf endpoints update {snapshot.name} --namespace {snapshot.namespace}"]
    note = None
    for name, _, option in _FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old == new:
            continue
        if old is not None:
            parts.append(f"{option} {old}")
        elif (before.min_replica or 0) >= 1 and before.min_replica != after.min_replica:
            note = ("the scale-to-zero timeout stays set: hf endpoints update cannot clear it, and it has no effect "
                    f"once min replica is back to {before.min_replica}")
        else:
            note = ("the endpoint had no scale-to-zero timeout and hf endpoints update cannot clear one: add "
                    "--min-replica 1 to stop it from sleeping instead")
    return " ".join(parts), note


class FixConfig(BooleanSetting):
    key = "fix_config"

    @classmethod
    def change(cls, snapshot: EndpointSnapshot, settings: Effective,
               violations: Sequence[Finding]) -> ConfigChange | None:
        """The correction of the broken configuration limits among `violations`, when the rule asks for one."""
        if not settings[cls.key]:
            return None
        findings = tuple(f for f in violations if f.fix is not None)
        if not findings:
            return None
        before = snapshot.scaling
        after = _merge(before, [f.fix for f in findings if f.fix is not None])
        if after == before:
            return None
        undo, note = undo_command(snapshot, before, after)
        changes = change_text(before, after)
        held_back = None
        if snapshot.state == EndpointState.UPDATING:
            held_back = "not reconfigured this run: an update is already in progress"
        elif snapshot.state not in UPDATABLE_STATES:
            held_back = f"not reconfigured while {snapshot.state}: an update may restart it"
        return ConfigChange(
            reconfiguration=Reconfiguration(before, after, changes, undo, note),
            findings=findings,
            held_back=held_back,
        )
