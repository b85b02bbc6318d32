"""The test suite. It writes bytecode even where PYTHONDONTWRITEBYTECODE is set (CI images often set it): its
subprocesses (`python -m watchdog ...`) then load compiled modules instead of compiling every one again, which
cost several seconds of a fresh clone's run."""

import sys

sys.dont_write_bytecode = False
