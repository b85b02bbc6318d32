"""What a run would do about each verdict (check, dry runs), and the pause-all override of ordinary verdicts."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from watchdog.core.model import Decision, EndpointResult, Evaluation, Outcome


# Decision → (hub method, outcome when done, outcome in a check or dry run).
ACTION_OUTCOMES = {
    Decision.PAUSE: ("pause", Outcome.PAUSED, Outcome.WOULD_PAUSE),
    Decision.SCALE_TO_ZERO: ("scale_to_zero", Outcome.SCALED_TO_ZERO, Outcome.WOULD_SCALE_TO_ZERO),
    # fix_config: `update` sends the evaluation's new scaling settings (Evaluation.reconfiguration).
    Decision.RECONFIGURE: ("update", Outcome.RECONFIGURED, Outcome.WOULD_RECONFIGURE),
}


def planned_outcomes(evaluations: Sequence[Evaluation]) -> tuple[EndpointResult, ...]:
    """What a run would do, without doing it (`check`, `run --dry-run`)."""
    results = []
    for ev in evaluations:
        action = ACTION_OUTCOMES.get(ev.decision)
        results.append(EndpointResult(ev, action[2] if action else Outcome.NONE))
    return tuple(results)


def pause_all_evaluations(evaluations: Sequence[Evaluation], *, include_protected: bool) -> tuple[Evaluation, ...]:
    """Turn ordinary verdicts into the emergency brake: pause every billable endpoint (protected ones only if asked)."""
    out = []
    for ev in evaluations:
        ep = ev.endpoint
        if not ep.billable or ep.unmeasurable:
            out.append(ev)
        elif ev.decision is Decision.PROTECTED and not include_protected:
            out.append(replace(ev, reason=f"protected: left running by pause-all ({ev.reason})"))
        else:
            why = "pause-all --include-protected" if ev.decision is Decision.PROTECTED else "pause-all"
            out.append(replace(ev, decision=Decision.PAUSE, reason=f"{why}: emergency pause of every billable endpoint",
                               reconfiguration=None))
    return tuple(out)
