"""Loopback fakes of the services the watchdog talks to, for the demo and the tests."""
