"""Tests of the pure core, one file per module or concern."""
