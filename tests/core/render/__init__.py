"""Tests of the renderers: exact text, goldens, escaping properties."""
