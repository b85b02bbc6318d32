"""`watchdog init [DIR]`: writes `policies.yaml` and the two caller workflows into a user's repository, never over a
file without `--force`; with a token, a starter policy from the live fleet (core.starter), else the commented
template; then the next steps (secrets, Issues, the first dry run)."""

from __future__ import annotations

import re
from pathlib import Path

from watchdog.cli.context import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Context, UsageError, make_hub
from watchdog.templates import CALLER_WORKFLOWS, POLICY_TEMPLATE, template

POLICY_FILE = "policies.yaml"
PLACEHOLDER = "OWNER/hf-endpoint-watchdog"


def _nightly(workflow: str) -> str:
    """`02:17 UTC` from the caller's `cron: "17 2 * * *"` (the template is the one source of the schedule)."""
    found = re.search(r'cron:\s*"(\d+) (\d+) \* \* \*"', workflow)
    return f"{int(found.group(2)):02d}:{int(found.group(1)):02d} UTC" if found else "on its cron"


def _starter(ctx: Context) -> tuple[str | None, list[str], bool]:
    """(policy text or None for the template, lines about what it holds, whether something failed)."""
    from watchdog.adapters.interface import HubError

    try:
        hub = make_hub(ctx)
    except UsageError:
        if ctx.settings.hf_token:
            raise  # a token, but the flags are wrong: say so rather than fall back quietly
        return None, ["the commented template: HF_TOKEN is not set, so there was no fleet to start from"], False
    from watchdog.core.model import Decision
    from watchdog.core.starter import starter_policy
    from watchdog.operations.sweep import collect

    user = None
    names = list(dict.fromkeys(ctx.opt("namespace") or []))
    if not names:
        try:
            names = hub.whoami_namespaces()
        except HubError as error:
            ctx.err(f"watchdog: the token's namespaces could not be read ({error}): wrote the commented template")
            return None, ["the commented template: the token's namespaces could not be read"], True
        user = names[0]
    fleet = collect(hub, names, {}, ctx.now)
    starter = starter_policy(fleet.namespaces, fleet.snapshots, ctx.now, user=user)
    for ns in starter.skipped:
        ctx.err(f"watchdog: namespace {ns.name} could not be listed ({ns.error}): left out of policies.yaml")
    billing = [s for s in fleet.snapshots if s.billable]
    burn = sum(s.hourly_usd or 0.0 for s in billing)
    lines = [f"a starter policy for {', '.join(starter.watched) or 'no namespace'} "
             f"({len(fleet.snapshots)} endpoint(s), {len(billing)} billing ${burn:,.2f}/h now)"]
    if starter.protected:
        lines.append(f"protected as production: {', '.join(starter.protected)}")
    for decision, verb in ((Decision.PAUSE, "would pause"), (Decision.SCALE_TO_ZERO, "would scale to zero"),
                           (Decision.NOTIFY, "would notify about")):
        hits = starter.deciding(decision)
        if hits:
            named = ", ".join(f"{ev.endpoint.key} (${ev.endpoint.hourly_usd or 0:,.2f}/h)" if decision is not
                              Decision.NOTIFY else ev.endpoint.key for ev in hits)
            lines.append(f"today it {verb} {len(hits)}: {named}")
    if not starter.deciding(Decision.PAUSE, Decision.SCALE_TO_ZERO):
        lines.append("today it would pause nothing")
    return starter.text, lines, bool(starter.skipped)


def cmd_init(ctx: Context) -> int:
    root = Path(ctx.args.dir)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is not a folder: give the repository's folder (default: the current one)")
    targets = [POLICY_FILE, *CALLER_WORKFLOWS]
    existing = [name for name in targets if (root / name).exists()]
    if existing and not ctx.args.force:
        # Every target is checked before anything is written: a refusal leaves the folder exactly as it was.
        for name in existing:
            ctx.err(f"watchdog: {root / name} exists")
        ctx.err("watchdog: nothing was written; pass --force to overwrite " + ("it" if len(existing) == 1 else "them"))
        return EXIT_USAGE
    for name in existing:
        if (root / name).is_dir():
            raise UsageError(f"{root / name} is a folder: nothing was written")

    policy_text, policy_lines, failed = _starter(ctx)
    workflows = {name: template(source).read_text(encoding="utf-8") for name, source in CALLER_WORKFLOWS.items()}
    contents = {POLICY_FILE: policy_text or template(POLICY_TEMPLATE).read_text(encoding="utf-8"), **workflows}
    for name, text in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    nightly = _nightly(workflows[".github/workflows/watchdog.yml"])
    width = max(map(len, targets))
    what = {
        POLICY_FILE: policy_lines,
        ".github/workflows/watchdog.yml": [f"the nightly run ({nightly}) and Actions → watchdog → Run workflow "
                                           "(run, dry-run, pause-all)"],
        ".github/workflows/policies.yml": ["validates and plans every pull request that changes policies.yaml"],
    }
    verb = "Wrote" if not existing else f"Wrote (overwriting {len(existing)})"
    out = [f"{verb} {len(targets)} files in {root.resolve()}:"]
    for name in targets:
        first, *rest = what[name]
        out.append(f"  {name:<{width}}  {first}")
        out += [f"  {'':<{width}}  {line}" for line in rest]
    if policy_text:
        policies = ["  2. Policies: read the proposal in policies.yaml (its comments name today's biggest spenders and",
                    "     what it does with each); `watchdog check` shows every endpoint, its decision and why."]
    else:
        policies = ["  2. Policies: set `namespaces:` in policies.yaml (or, with HF_TOKEN set, `watchdog init --force`",
                    "     proposes a policy from your fleet); `watchdog validate policies.yaml` checks the file."]
    out += [
        "",
        "Next steps:",
        f"  1. In both workflows, replace OWNER in `uses: {PLACEHOLDER}/...@v1` with the account that",
        "     hosts hf-endpoint-watchdog; a release's full commit SHA is the safest pin (README, \"Which version\").",
        *policies,
        "  3. Commit and push the three files.",
        "  4. Secrets: Settings → Secrets and variables → Actions → New repository secret: HF_TOKEN (a fine-grained",
        "     token with \"Manage Inference Endpoints\" on each watched namespace; required) and, optionally,",
        "     SLACK_WEBHOOK_URL (a Slack incoming webhook). The dashboard issue uses the built-in GITHUB_TOKEN.",
        "  5. Issues: Settings → General → Features → Issues, on: the dashboard issue lives there.",
        "  6. First run, a dry run: Actions → watchdog → Run workflow → mode dry-run",
        "     (or: gh workflow run watchdog.yml -f mode=dry-run). It touches nothing; its job summary shows every",
        f"     endpoint, its decision and why. Then mode run, or wait for the nightly run ({nightly}).",
    ]
    ctx.out("\n".join(out))
    return EXIT_FAILED if failed else EXIT_OK
