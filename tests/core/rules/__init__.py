"""Tests of the policy rules, one file per module of `watchdog/core/rules/` (test_registry.py checks the mirror)."""
