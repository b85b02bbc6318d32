"""`python -m watchdog.fakes.endpoints_api --fleet FILE --port N [--now ISO --frozen]`."""

from watchdog.fakes.endpoints_api.cli import main

raise SystemExit(main())
