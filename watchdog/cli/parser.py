"""The argument parser: one subparser per command with its own options first, then the global options that command
uses (also accepted before the command), then examples. A global option a command does not use is an error, never
silently ignored (`check_global_options`)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from watchdog import __version__

DEFAULT_STATE = ".watchdog/state.json"
DEFAULT_POLICIES = "policies.yaml"


@dataclass(frozen=True)
class GlobalOption:
    """One global option: its flag, argparse keywords and help."""

    dest: str
    flag: str
    kwargs: dict[str, Any]
    help: str


GLOBAL_OPTIONS = (
    GlobalOption("policies", "--policies", dict(metavar="PATH"), f"policy file (default: {DEFAULT_POLICIES})"),
    GlobalOption("namespace", "--namespace", dict(metavar="NS", action="append"),
                 "namespace to watch; repeatable (default: `namespaces:` in the policy, else the token owner)"),
    GlobalOption("state", "--state", dict(metavar="PATH"), f"state file (default: {DEFAULT_STATE})"),
    GlobalOption("report", "--report", dict(metavar="PATH"), "also write the report to PATH"),
    GlobalOption("now", "--now", dict(metavar="ISO-8601"),
                 "evaluate as of this instant (replays, tests), e.g. 2026-11-23T02:17:00Z"),
    GlobalOption("format", "--format", dict(metavar="FORMAT"), "stdout format"),
    GlobalOption("concurrency", "--concurrency", dict(type=int, metavar="N"),
                 "at most N API requests in flight (default: 16)"),
    GlobalOption("request_timeout", "--request-timeout", dict(type=float, metavar="SECONDS"),
                 "timeout of one API request (default: 30)"),
    GlobalOption("deadline", "--deadline", dict(type=float, metavar="SECONDS"),
                 "stop calling the API after this long and report what is left undone (default: 600)"),
)
_API = ("namespace", "concurrency", "request_timeout", "deadline")
_FLEET = ("policies", "state", "report", "now", "format", *_API)
# No run deadline for one endpoint: `session` must pause after a command of any length, and `resume --wait` has
# its own `--timeout` (each request still has `--request-timeout`).
_ONE_ENDPOINT = ("policies", "namespace", "now", "request_timeout")
_NO_RUN_DEADLINE = (("deadline", "a command on one endpoint has no run deadline (a session must always pause at the "
                                 "end); each request is bounded by --request-timeout, a wait by --timeout"),)


@dataclass(frozen=True)
class CommandSpec:
    """Which global options a command uses, the formats it prints, and examples for its help."""

    options: tuple[str, ...]
    formats: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    # Why an option does not apply, when the generic "it does not use it" would not help.
    why_not: tuple[tuple[str, str], ...] = ()


COMMAND_SPECS: dict[str, CommandSpec] = {
    "validate": CommandSpec(("policies", "format", "report"), ("text", "json"), (
        "watchdog validate policies.yaml",
        "watchdog validate --format json --report issues.json",
    ), (("now", "validation does not depend on the time"), ("state", "validation reads no state"))),
    "check": CommandSpec(_FLEET, ("text", "json", "markdown"), (
        "watchdog check",
        "watchdog check --format json --fail-on-violation",
    )),
    "run": CommandSpec(_FLEET, ("text", "json", "markdown"), (
        "watchdog run --dry-run",
        "watchdog run --report watchdog-report.json",
    )),
    "pause-all": CommandSpec(_FLEET, ("text", "json", "markdown"), (
        "watchdog pause-all --confirm acme-ml --dry-run",
        "watchdog pause-all --confirm acme-ml --include-protected",
    )),
    "plan": CommandSpec(("policies", "namespace", "state", "report", "now", "format", "concurrency",
                         "request_timeout", "deadline"), ("markdown", "json"), (
        "watchdog plan --base main-policies.yaml",
        "watchdog plan --base old.yaml --from-report watchdog-report.json",
    )),
    "status": CommandSpec(("policies", "namespace", "state", "now", "format", "concurrency", "request_timeout",
                           "deadline"), ("text", "json"), (
        "watchdog status",
        "watchdog status acme-ml/llm-eval-7b --format json",
    )),
    "pause": CommandSpec(_ONE_ENDPOINT, (), ("watchdog pause llm-eval-7b", "watchdog pause acme-ml/prod-chat --force"),
                         _NO_RUN_DEADLINE),
    "scale-to-zero": CommandSpec(_ONE_ENDPOINT, (), ("watchdog scale-to-zero llm-eval-7b",), _NO_RUN_DEADLINE),
    "resume": CommandSpec(_ONE_ENDPOINT, (), ("watchdog resume llm-eval-7b --wait",
                                              "eval \"$(watchdog resume llm-eval-7b --wait | tail -1)\""),
                          _NO_RUN_DEADLINE),
    "session": CommandSpec(_ONE_ENDPOINT, (), ("watchdog session llm-eval-7b -- python eval.py",
                                               "watchdog session acme-ml/llm-eval-7b --timeout 900 -- ./bench.sh"),
                           _NO_RUN_DEADLINE),
    "report": CommandSpec(("state", "now", "format", "report"), ("text", "markdown", "json", "csv"), (
        "watchdog report",
        "watchdog report --since 30d --format csv > ledger.csv",
    )),
    "demo": CommandSpec(("policies", "format", "now"), ("text",), (  # prose around the reports: text only
        "watchdog demo",
        "watchdog demo --show-alerts",
        "watchdog demo --serve --port 8765",
    )),
    "init": CommandSpec(("namespace", "now", *_API[1:]), (), (
        "watchdog init",
        "watchdog init ../ml-ops --namespace acme-ml --force",
    ), (("policies", "init writes DIR/policies.yaml, the file the workflows read"),
        ("state", "init reads and writes no state"), ("report", "init writes no report"))),
}
ALL_FORMATS = ("text", "json", "markdown", "csv")


def _add_globals(parser: argparse.ArgumentParser, names: tuple[str, ...], *, suppress: bool, title: str,
                 formats: tuple[str, ...] = ()) -> None:
    group = parser.add_argument_group(title)
    for option in GLOBAL_OPTIONS:
        kwargs = dict(option.kwargs)
        help_text = option.help
        if option.dest == "format":
            kwargs["choices"] = formats or ALL_FORMATS
            kwargs.pop("metavar", None)
            help_text = f"stdout format (default: {kwargs['choices'][0]})"
        if option.dest not in names:
            # Still parsed, so `check_global_options` can say in one line why it does not apply; not in the help.
            help_text = argparse.SUPPRESS
        group.add_argument(option.flag, dest=option.dest, default=argparse.SUPPRESS if suppress else None,
                           help=help_text, **kwargs)


def check_global_options(args: argparse.Namespace) -> str | None:
    """Why the command cannot take a global option it was given (one line), or None when all apply."""
    spec = COMMAND_SPECS.get(args.command)
    if spec is None:
        return None
    reasons = dict(spec.why_not)
    for option in GLOBAL_OPTIONS:
        if getattr(args, option.dest, None) is None or option.dest in spec.options:
            continue
        why = reasons.get(option.dest, f"`watchdog {args.command}` does not use it")
        return f"{option.flag} has no effect on {args.command}: {why}; nothing was done"
    fmt = getattr(args, "format", None)
    if fmt is not None and fmt not in spec.formats:
        return f"--format {fmt}: {args.command} prints {' or '.join(spec.formats)}; nothing was done"
    return None


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line interface; the workflow tests check every `watchdog` call against it."""
    parser = argparse.ArgumentParser(
        prog="watchdog",
        description="Finds, measures and pauses forgotten Hugging Face Inference Endpoints.",
        epilog="Exit codes: 0 done, 1 something failed (see report), 2 usage/policy/credentials error, "
        "3 violations found (check --fail-on-violation). `watchdog COMMAND --help` shows a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"hf-endpoint-watchdog {__version__}")
    _add_globals(parser, tuple(o.dest for o in GLOBAL_OPTIONS), suppress=False, title="global options")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    commands: list[tuple[argparse.ArgumentParser, CommandSpec]] = []

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        spec = COMMAND_SPECS[name]
        examples = "examples:\n" + "\n".join(f"  {line}" for line in spec.examples) if spec.examples else None
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=examples,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        commands.append((p, spec))
        return p

    p = command("validate", "validate a policy file offline (no token needed)")
    p.add_argument("path", nargs="?", help="policy file (default: --policies)")

    p = command("check", "list, measure and evaluate; print what `run` would do. Changes nothing, sends nothing")
    p.add_argument("--fail-on-violation", action="store_true", help="exit 3 when any endpoint breaks its policy")

    p = command("run", "check, then act (pause / scale-to-zero / reconfigure / notify), alert, write state and report")
    p.add_argument("--dry-run", action="store_true",
                   help="touch no endpoint; print the alerts that would be sent instead of sending them")

    p = command("pause-all", "emergency brake: pause every billable endpoint of one namespace")
    p.add_argument("--confirm", metavar="NS", required=True, help="the namespace to pause, typed again on purpose")
    p.add_argument("--include-protected", action="store_true", help="also pause `protected: true` endpoints")
    p.add_argument("--dry-run", action="store_true", help="only list what would be paused")

    p = command("plan", "for policy pull requests: which endpoints change decision under the new policy (Markdown)")
    p.add_argument("--base", metavar="OLD.yaml", required=True, help="the policy file before the change")
    p.add_argument("--from-report", metavar="REPORT.json",
                   help="evaluate the endpoints of a saved JSON report instead of listing live (no token needed)")

    p = command("status", "show one endpoint (or all): state, URL, model, replicas, $/h, uptime, idle, applicable rule")
    p.add_argument("name", nargs="?", help="endpoint name or NS/NAME (default: every endpoint)")

    for verb, what in (("pause", "pause one endpoint (stops billing, frees GPU quota; needs a resume)"),
                       ("scale-to-zero", "scale one endpoint to zero (stops billing, keeps quota; the next request "
                                         "wakes it)")):
        p = command(verb, what + "; idempotent")
        p.add_argument("name", help="endpoint name or NS/NAME")
        p.add_argument("--force", action="store_true", help="act even on an endpoint the policy protects")

    p = command("resume", "resume a paused or scaled-to-zero endpoint")
    p.add_argument("name", help="endpoint name or NS/NAME")
    p.add_argument("--wait", action="store_true",
                   help="poll the status route until running; exit 1 on failure or timeout")
    p.add_argument("--timeout", type=float, default=600, metavar="SECONDS", help="how long --wait waits (default: 600)")

    p = command("session", "resume and wait, run COMMAND with HF_ENDPOINT_URL set, then always pause")
    p.add_argument("name", help="endpoint name or NS/NAME")
    p.add_argument("--timeout", type=float, default=600, metavar="SECONDS",
                   help="how long to wait for running (default: 600)")
    p.add_argument("--keep-running", action="store_true", help="do not pause afterwards")
    p.add_argument("--force", action="store_true", help="run a session even on an endpoint the policy protects")
    # The command comes after `--` and is split off before parsing (see main), so its own flags never
    # reach argparse and the global options may still follow NAME.
    p.add_argument("cmd", nargs="*", metavar="-- COMMAND", help="the command to run, after `--`")

    p = command("report", "the ledger from the state file: billed, saved (est.) and exceptions, per namespace and "
                "month (no token needed)")
    p.add_argument("--since", metavar="WHEN",
                   help="start of the period: a duration back from now (30d, 12h) or a date (2026-11-01); "
                   "default: the start of this month (UTC)")

    p = command("demo", "a bundled fake fleet on 127.0.0.1 (no account, no token): a few nights of history, then "
                "check, run --dry-run and the ledger, at its own fixed instant unless --now is given; --serve keeps it "
                "running as a playground")
    p.add_argument("--fleet", metavar="PATH", help="fleet file for the fake API (default: the bundled demo fleet)")
    p.add_argument("--show-alerts", action="store_true",
                   help="also print the alerts a run would send: the dashboard issue's body and comment, the "
                   "Slack payload")
    p.add_argument("--serve", action="store_true",
                   help="keep the fake API running (on the real clock) and print the export lines that point every "
                   "other command at it; Ctrl-C stops it")
    p.add_argument("--port", type=int, metavar="PORT", help="with --serve: the port on 127.0.0.1 (default: a free one)")

    p = command("init", "write policies.yaml and the two caller workflows into a repository; with HF_TOKEN, a "
                "starter policy from your fleet")
    p.add_argument("dir", nargs="?", default=".", metavar="DIR",
                   help="the repository's folder (default: the current one)")
    p.add_argument("--force", action="store_true", help="overwrite files that exist (without it, nothing is written)")

    # Added after each command's own options, so listed below them, and only the ones that command uses.
    for p, spec in commands:
        _add_globals(p, spec.options, suppress=True, formats=spec.formats,
                     title="global options (also accepted before the command)")
    return parser
