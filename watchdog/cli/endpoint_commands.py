"""Day-time commands on one endpoint (or all): `status`, `pause`, `scale-to-zero`, `resume` and `session`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from watchdog.adapters.interface import EndpointGone, HubError
from watchdog.cli.context import (
    EXIT_FAILED,
    EXIT_OK,
    Context,
    UsageError,
    make_hub,
    namespaces,
    optional_policy,
    resolve_endpoint,
)
from watchdog.cli.parser import DEFAULT_STATE
from watchdog.core.policy import Policy


def cmd_status(ctx: Context) -> int:
    from watchdog.adapters.state_file import load_state, remembered_without_metrics
    from watchdog.core.evaluate import evaluate_all
    from watchdog.core.render.status import render_status
    from watchdog.operations.sweep import collect

    policy = optional_policy(ctx)
    hub = make_hub(ctx)
    if ctx.args.name:
        namespace, _ = resolve_endpoint(ctx, policy, hub, ctx.args.name)
        watched = [namespace]
    else:
        watched = namespaces(ctx, policy, hub)
    state = load_state(ctx.opt("state", DEFAULT_STATE))
    fleet = collect(hub, watched, state.section("endpoints"), ctx.now,
                    remembered_without_metrics(state, watched, ctx.now))
    snapshots = fleet.snapshots
    if ctx.args.name:
        short = ctx.args.name.rpartition("/")[2]
        snapshots = tuple(s for s in snapshots if s.name == short)
    evaluations = evaluate_all(policy, snapshots, ctx.now) if policy is not None else None
    if snapshots or all(ns.ok for ns in fleet.namespaces):  # "no endpoints found" only when that is known
        ctx.out(render_status(snapshots, evaluations, ctx.now, fmt=ctx.opt("format", "text")))
    for ns in fleet.namespaces:
        if not ns.ok:
            ctx.err(f"namespace {ns.name}: {ns.error}")
    return EXIT_OK if all(ns.ok for ns in fleet.namespaces) else EXIT_FAILED


def cmd_stop(ctx: Context) -> int:
    """`pause` and `scale-to-zero` of one endpoint: idempotent, and protected endpoints need --force."""
    verb = ctx.args.command
    policy = optional_policy(ctx)
    hub = make_hub(ctx, run_deadline=False)
    namespace, raw = resolve_endpoint(ctx, policy, hub, ctx.args.name)
    name = str(raw.get("name") or ctx.args.name.rpartition("/")[2])
    status = raw.get("status")
    state = status.get("state") if isinstance(status, Mapping) else None
    state = state if isinstance(state, str) else None
    done_states = {"pause": {"paused"}, "scale-to-zero": {"scaledToZero", "paused"}}[verb]
    if state in done_states:
        ctx.out(f"{namespace}/{name} is already {state}: nothing to do")
        return EXIT_OK
    _refuse_if_protected(ctx, policy, namespace, name, raw, verb)
    try:
        new_state = hub.pause(namespace, name) if verb == "pause" else hub.scale_to_zero(namespace, name)
    except EndpointGone:
        ctx.out(f"{namespace}/{name} no longer exists: nothing to do")
        return EXIT_OK
    except HubError as error:
        ctx.err(f"could not {verb} {namespace}/{name}: {error}")
        return EXIT_FAILED
    ctx.out(f"{namespace}/{name}: {state or 'unknown state'} → {new_state}. "
            f"Undo: watchdog resume {name} --namespace {namespace}")
    return EXIT_OK


def _refuse_if_protected(ctx: Context, policy: Policy | None, namespace: str, name: str, raw: Mapping[str, Any],
                         verb: str) -> None:
    """A usage error (exit 2, nothing touched) when the policy protects the endpoint, or may protect it (a field
    its rule matches on came unreadable), and --force is absent. Read from the policy's match alone: a payload
    too broken to measure must not make a protected endpoint fair game."""
    from watchdog.core.endpoint_json import describe_target

    if policy is None:
        ctx.err("note: no policy file, so protection was not checked")
        return
    target = describe_target(raw, namespace, name)
    rule = policy.protecting_rule(target)
    if rule is None or ctx.args.force:
        return
    certain = policy.rule_for(target) is rule
    unreadable = "" if certain else f" (it may: {', '.join(target.unreadable_match_fields)} could not be read)"
    raise UsageError(f"{namespace}/{name} is protected by rule {rule.index} \"{rule.match.text}\"{unreadable}: "
                     f"not touched (pass --force to {verb} it anyway)")


def _progress(ctx: Context) -> Callable[[float], None]:
    """A dot per poll on a terminal; nothing in logs (CI output stays one line per state change)."""
    if not ctx.stderr.isatty():
        return lambda elapsed: None

    def dot(elapsed: float) -> None:
        ctx.stderr.write(".")
        ctx.stderr.flush()

    return dot


def cmd_resume(ctx: Context) -> int:
    from watchdog.operations.lifecycle import resume_and_wait

    policy = optional_policy(ctx)
    hub = make_hub(ctx, run_deadline=False)
    namespace, raw = resolve_endpoint(ctx, policy, hub, ctx.args.name)
    name = str(raw.get("name") or ctx.args.name.rpartition("/")[2])
    if not ctx.args.wait:
        try:
            state = hub.resume(namespace, name)
        except HubError as error:
            ctx.err(f"could not resume {namespace}/{name}: {error}")
            return EXIT_FAILED
        ctx.out(f"{namespace}/{name}: resuming ({state}); "
                f"follow with: watchdog resume {name} --namespace {namespace} --wait")
        return EXIT_OK
    url = resume_and_wait(hub, namespace, name, timeout=ctx.args.timeout, say=ctx.out, progress=_progress(ctx),
                          sleep=ctx.runtime.sleep, monotonic=ctx.runtime.monotonic)
    if url is None:
        return EXIT_FAILED
    ctx.out(f"export HF_ENDPOINT_URL={url}")
    return EXIT_OK


def cmd_session(ctx: Context) -> int:
    from watchdog.operations.lifecycle import run_session

    command = list(ctx.args.cmd)
    if not command:
        raise UsageError("session needs a command: watchdog session NAME -- COMMAND ...")
    policy = optional_policy(ctx)
    hub = make_hub(ctx, run_deadline=False)
    namespace, raw = resolve_endpoint(ctx, policy, hub, ctx.args.name)
    name = str(raw.get("name") or ctx.args.name.rpartition("/")[2])
    # A session ends with a pause: refused exactly as `pause` would refuse it.
    _refuse_if_protected(ctx, policy, namespace, name, raw, "pause")
    return run_session(hub, namespace, name, command, keep_running=ctx.args.keep_running,
                       timeout=ctx.args.timeout, say=ctx.out, env=ctx.env,
                       sleep=ctx.runtime.sleep, monotonic=ctx.runtime.monotonic)
