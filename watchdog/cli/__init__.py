"""The command line: reads the environment and the clock once, dispatches to a command, maps errors to exit codes."""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from watchdog.adapters.environment import Settings, process_environment
from watchdog.cli.context import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    CommandFailed,
    Context,
    Runtime,
    UsageError,
    parse_now,
)
from watchdog.cli.parser import build_parser, check_global_options
from watchdog.core.redact import MIN_SECRET_LENGTH, Redactor
from watchdog.core.render.escape import terminal_text

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "EXIT_VIOLATIONS", "Runtime", "UsageError", "build_parser",
           "console", "main", "parse_now"]

# Command → "module:function", imported on use so `--help` and `validate` load neither huggingface_hub nor httpx.
COMMANDS: dict[str, str] = {
    "status": "endpoint_commands:cmd_status",
    "pause": "endpoint_commands:cmd_stop",
    "scale-to-zero": "endpoint_commands:cmd_stop",
    "resume": "endpoint_commands:cmd_resume",
    "session": "endpoint_commands:cmd_session",
    "validate": "policy_commands:cmd_validate",
    "plan": "policy_commands:cmd_plan",
    "check": "fleet_commands:cmd_fleet",
    "run": "fleet_commands:cmd_fleet",
    "pause-all": "fleet_commands:cmd_fleet",
    "report": "report_command:cmd_report",
    "demo": "demo_command:cmd_demo",
    "init": "init_command:cmd_init",
}


class _TerminalSafeLastResort(logging.Handler):
    """Python's handler of last resort (warnings to stderr when logging is not configured), printing through
    `terminal_text`: a Slack or GitHub error logged by the alert code reaches the terminal like everything else."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(terminal_text(self.format(record)) + "\n")
        except Exception:
            self.handleError(record)


def _command(name: str) -> Callable[[Context], int]:
    module, _, function = COMMANDS[name].partition(":")
    handler: Callable[[Context], int] = getattr(importlib.import_module(f"watchdog.cli.{module}"), function)
    return handler


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    runtime: Runtime | None = None,
) -> int:
    """Run one command; returns the exit code (0 done, 1 failed, 2 usage/policy/credentials, 3 violations).

    `env` defaults to the process environment (the only place it is read), `runtime` to the real clock, sleep and
    Hub adapter; tests pass their own to run commands in-process.
    """
    if not isinstance(logging.lastResort, _TerminalSafeLastResort):
        logging.lastResort = _TerminalSafeLastResort()
    env = process_environment() if env is None else dict(env)
    runtime = runtime or Runtime()
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    settings = Settings.from_env(env)
    redact = Redactor(settings.secrets)
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    child_command = None
    if "--" in argv and "session" in argv[: argv.index("--")]:
        split = argv.index("--")
        argv, child_command = argv[:split], argv[split + 1 :]
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) if exit_.code in (0, None) else EXIT_USAGE
    if child_command is not None:
        args.cmd = child_command
    problem = check_global_options(args)
    if problem:
        stderr.write(redact(f"watchdog: error: {problem}") + "\n")
        return EXIT_USAGE
    for name in settings.short_secrets:
        stderr.write(f"watchdog: warning: {name} is set to a value shorter than {MIN_SECRET_LENGTH} characters, which "
                     "cannot be a real secret; it is not masked in output\n")
    try:
        ctx = Context(args=args, env=env, settings=settings, now=parse_now(getattr(args, "now", None), runtime.clock),
                      stdout=stdout, stderr=stderr, redact=redact, runtime=runtime)
        return _command(args.command)(ctx)
    except UsageError as error:
        stderr.write(terminal_text(redact(f"watchdog: error: {error}")) + "\n")
        return EXIT_USAGE
    except CommandFailed as error:
        stderr.write(redact(f"watchdog: error: {error}") + "\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        stderr.write("watchdog: interrupted\n")
        return 130
    except BrokenPipeError:
        raise  # the reader went away (`| head`): not an error of the watchdog's; `console()` ends quietly
    except Exception as error:
        if settings.debug:
            import traceback

            stderr.write(terminal_text(redact(traceback.format_exc())))
        stderr.write(terminal_text(redact(f"watchdog: unexpected error: {type(error).__name__}: {error}")) + "\n")
        return EXIT_FAILED


def console() -> int:
    """The `watchdog` console script and `python -m watchdog`: `main()` without the cyclic garbage collector.

    A run is a short process (bounded by `--deadline`) whose heap only grows, so the collector's passes over it find
    next to nothing: at 10,000 endpoints they cost about 1 s of a 6 s run on the 2-core machine, and leaving the few
    cycles to the end costs 10 MB. Reference counting still frees everything else at once. At exit, `gc.freeze()`
    spares the interpreter's last walk over the heap (40-100 ms at 1,000 endpoints, against 10 ms); output is
    already written and flushed, the state file saved atomically. In-process callers (tests, the demo) use `main()`.
    """
    gc.disable()
    try:
        code = main()
    except BrokenPipeError:
        # `watchdog check | head`: the state is already saved and the actions done (output comes last). Point
        # stdout at /dev/null so the interpreter's final flush does not complain too, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    gc.freeze()
    return code
