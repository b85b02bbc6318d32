"""Commands about the policy file itself: `validate` (offline) and `plan` (what a policy change would change)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.cli.context import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Context,
    UsageError,
    load_policy_or_usage,
    make_hub,
    namespaces,
)
from watchdog.cli.parser import DEFAULT_POLICIES, DEFAULT_STATE
from watchdog.core.timestamps import parse_timestamp

if TYPE_CHECKING:
    from watchdog.core.policy import PolicyIssue


def cmd_validate(ctx: Context) -> int:
    """Validate offline; `--format json` prints, and `--report` writes, the issues as JSON."""
    from watchdog.adapters.policy_file import load_policy
    from watchdog.core.policy import PolicyError, format_issue, github_annotation

    path = ctx.args.path or ctx.opt("policies", DEFAULT_POLICIES)
    as_json = ctx.opt("format", "text") == "json"
    issues: tuple[PolicyIssue, ...] = ()
    rules = 0
    try:
        rules = len(load_policy(path).rules)
    except PolicyError as error:
        issues = error.issues
    result = json.dumps({"file": path, "ok": not issues, "rules": rules if not issues else None,
                         "issues": [asdict(issue) for issue in issues]}, indent=2)
    if ctx.opt("report"):
        Path(ctx.opt("report")).write_text(result + "\n", encoding="utf-8")
    for issue in issues:
        if not as_json:
            ctx.err(format_issue(issue))
        if ctx.settings.github_actions:
            # Workflow commands go to stdout; GitHub turns them into annotations on the PR's lines.
            ctx.command(github_annotation(issue))
    if as_json:
        ctx.out(result)
    elif issues:
        ctx.err(f"{path}: {len(issues)} error(s); nothing was changed")
    else:
        ctx.out(f"{path}: OK ({rules} rule(s), version 1)")
    return EXIT_USAGE if issues else EXIT_OK


def cmd_plan(ctx: Context) -> int:
    from watchdog.core.plan import plan_diff, render_plan_markdown
    from watchdog.core.render.json_report import snapshots_from_report

    new_path = ctx.opt("policies", DEFAULT_POLICIES)
    new_policy = load_policy_or_usage(ctx, new_path)
    old_policy = load_policy_or_usage(ctx, ctx.args.base)
    if ctx.args.from_report:
        try:
            data = json.loads(Path(ctx.args.from_report).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise UsageError(f"--from-report {ctx.args.from_report}: cannot read a JSON report ({error})") from None
        snapshots = snapshots_from_report(data)
        namespaces_ok = True
        # The report's endpoints are as they were when it was written: evaluate them at that instant (not hours
        # later, with every uptime stretched by the wait), unless --now asks for another.
        written = parse_timestamp(data.get("generated_at")) if isinstance(data, dict) else None
        if ctx.opt("now") is None and written is not None:
            ctx = replace(ctx, now=written)
    else:
        from watchdog.adapters.state_file import load_state, remembered_without_metrics
        from watchdog.operations.sweep import collect

        hub = make_hub(ctx)
        state = load_state(ctx.opt("state", DEFAULT_STATE))
        watched = namespaces(ctx, new_policy, hub)
        fleet = collect(hub, watched, state.section("endpoints"), ctx.now,
                        remembered_without_metrics(state, watched, ctx.now))
        snapshots = fleet.snapshots
        namespaces_ok = all(ns.ok for ns in fleet.namespaces)
        for ns in fleet.namespaces:
            if not ns.ok:
                ctx.err(f"namespace {ns.name}: {ns.error}")
    from watchdog.core.redact import scrub

    # Scrubbed before rendering, as every Markdown output: escaping (`https\\://`) would hide a URL from `redact`.
    diff = plan_diff(old_policy, new_policy, scrub(tuple(snapshots), ctx.redact), ctx.now)
    markdown = render_plan_markdown(diff, ctx.args.base, new_path)
    ctx.out(markdown)
    if ctx.opt("report"):
        Path(ctx.opt("report")).write_text(ctx.redact(markdown), encoding="utf-8")
    return EXIT_OK if namespaces_ok else EXIT_FAILED
