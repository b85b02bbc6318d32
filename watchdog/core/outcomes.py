"""What a run would do about each verdict (check, dry runs), and the pause-all override of ordinary verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from watchdog.core.model import Decision, EndpointResult, Evaluation, Outcome

# Decision → (hub method, outcome when done, outcome in a check or dry run).
ACTION_OUTCOMES = {
    Decision.PAUSE: ("pause", Outcome.PAUSED, Outcome.WOULD_PAUSE),
    Decision.SCALE_TO_ZERO: ("scale_to_zero", Outcome.SCALED_TO_ZERO, Outcome.WOULD_SCALE_TO_ZERO),
    # fix_config: `update` sends the evaluation's new scaling settings (Evaluation.reconfiguration).
    Decision.RECONFIGURE: ("update", Outcome.RECONFIGURED, Outcome.WOULD_RECONFIGURE),
}


def actionable(evaluations: Sequence[Evaluation]) -> list[Evaluation]:
    """The verdicts a run would carry out: pause, scale-to-zero or reconfigure of a billable, measurable endpoint."""
    return [ev for ev in evaluations
            if ev.decision in ACTION_OUTCOMES and ev.endpoint.billable and not ev.endpoint.unmeasurable]


def safety_cap_exceeded(evaluations: Sequence[Evaluation], max_actions: int | None, *, planned: bool) -> str | None:
    """The safety cap's message when a run would have more to do than `max_actions` (None: no cap, pause-all)."""
    count = len(actionable(evaluations))
    if max_actions is None or count <= max_actions:
        return None
    done = "a run would act on none" if planned else "acted on none"
    return (f"safety cap: {count} endpoints to pause, scale or reconfigure exceed max_actions_per_run={max_actions}; "
            f"{done}. Check the policy, raise the cap, or use pause-all deliberately.")


def capped_outcomes(evaluations: Sequence[Evaluation], *, planned: bool) -> tuple[EndpointResult, ...]:
    """Every verdict once the safety cap tripped: nothing touched, the actions said to be held back, notices sent."""
    held = {id(ev) for ev in actionable(evaluations)}  # identity: deep dataclass equality made this quadratic
    why = "would not be acted on: safety cap exceeded" if planned else "not acted on: safety cap exceeded"
    return tuple(
        EndpointResult(ev, Outcome.NONE, why if id(ev) in held else None) if ev.decision in ACTION_OUTCOMES
        else EndpointResult(ev, Outcome.NOTIFIED if ev.decision is Decision.NOTIFY and not planned else Outcome.NONE)
        for ev in evaluations
    )


def planned_outcomes(evaluations: Sequence[Evaluation], max_actions: int | None = None) -> tuple[EndpointResult, ...]:
    """What a run would do, without doing it (`check`, `run --dry-run`). Over the safety cap the real run would act
    on none, so none is promised (`safety_cap_exceeded(..., planned=True)` gives the notice that says why)."""
    if safety_cap_exceeded(evaluations, max_actions, planned=True) is not None:
        return capped_outcomes(evaluations, planned=True)
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
