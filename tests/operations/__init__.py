"""Tests of the use cases: the sweep, alert delivery, endpoint sessions."""
