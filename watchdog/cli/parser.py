"""The argument parser: global options (accepted before or after the command) and one subparser per command."""

from __future__ import annotations

import argparse

from watchdog import __version__

DEFAULT_STATE = ".watchdog/state.json"
DEFAULT_POLICIES = "policies.yaml"


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The spec's global options, accepted before or after the command (`watchdog --now X check` or `check --now X`)."""
    default = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
    group = parser.add_argument_group("global options")
    group.add_argument("--policies", metavar="PATH", default=default(None),
                       help=f"policy file (default: {DEFAULT_POLICIES})")
    group.add_argument("--namespace", metavar="NS", action="append", default=default(None),
                       help="namespace to watch; repeatable (default: `namespaces:` in the policy, else the token owner)")
    group.add_argument("--state", metavar="PATH", default=default(None), help=f"state file (default: {DEFAULT_STATE})")
    group.add_argument("--report", metavar="PATH", default=default(None), help="also write the JSON report to PATH")
    group.add_argument("--now", metavar="ISO-8601", default=default(None),
                       help="evaluate as of this instant (replays, tests), e.g. 2026-11-23T02:17:00Z")
    group.add_argument("--format", choices=("text", "json", "markdown"), default=default(None),
                       help="stdout format (default: text)")
    group.add_argument("--concurrency", type=int, metavar="N", default=default(None),
                       help="at most N API requests in flight (default: 16)")
    group.add_argument("--request-timeout", type=float, metavar="SECONDS", default=default(None),
                       help="timeout of one API request (default: 30)")
    group.add_argument("--deadline", type=float, metavar="SECONDS", default=default(None),
                       help="stop calling the API after this long and report what is left undone (default: 600)")


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line interface; the workflow tests check every `watchdog` call against it."""
    parser = argparse.ArgumentParser(
        prog="watchdog",
        description="Finds, measures and pauses forgotten Hugging Face Inference Endpoints.",
        epilog="Exit codes: 0 done, 1 something failed (see report), 2 usage/policy/credentials error, "
        "3 violations found (check --fail-on-violation).",
    )
    parser.add_argument("--version", action="version", version=f"hf-endpoint-watchdog {__version__}")
    _add_global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _add_global_options(p, suppress=True)
        return p

    p = command("validate", "validate a policy file offline (no token needed)")
    p.add_argument("path", nargs="?", help="policy file (default: --policies)")

    p = command("check", "list, measure and evaluate; print what `run` would do. Changes nothing, sends nothing")
    p.add_argument("--fail-on-violation", action="store_true", help="exit 3 when any endpoint breaks its policy")

    p = command("run", "check, then act (pause / scale-to-zero / notify), alert, write state and report")
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
                       ("scale-to-zero", "scale one endpoint to zero (stops billing, keeps quota; the next request wakes it)")):
        p = command(verb, what + "; idempotent")
        p.add_argument("name", help="endpoint name or NS/NAME")
        p.add_argument("--force", action="store_true", help="act even on an endpoint the policy protects")

    p = command("resume", "resume a paused or scaled-to-zero endpoint")
    p.add_argument("name", help="endpoint name or NS/NAME")
    p.add_argument("--wait", action="store_true", help="poll the status route until running; exit 1 on failure or timeout")
    p.add_argument("--timeout", type=float, default=600, metavar="SECONDS", help="how long --wait waits (default: 600)")

    p = command("session", "resume and wait, run COMMAND with HF_ENDPOINT_URL set, then always pause")
    p.add_argument("name", help="endpoint name or NS/NAME")
    p.add_argument("--timeout", type=float, default=600, metavar="SECONDS", help="how long to wait for running (default: 600)")
    p.add_argument("--keep-running", action="store_true", help="do not pause afterwards")
    p.add_argument("--force", action="store_true", help="run a session even on an endpoint the policy protects")
    # The command comes after `--` and is split off before parsing (see main), so its own flags never
    # reach argparse and the global options may still follow NAME.
    p.add_argument("cmd", nargs="*", metavar="-- COMMAND", help="the command to run, after `--`")

    p = command("demo", "run check and run --dry-run against a bundled fake fleet on 127.0.0.1 (no account, no token)")
    p.add_argument("--fleet", metavar="PATH", help="fleet file for the fake API (default: the bundled demo fleet)")
    return parser

