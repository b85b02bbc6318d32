"""Entry point for `python -m watchdog`."""

from watchdog.cli import console

raise SystemExit(console())
