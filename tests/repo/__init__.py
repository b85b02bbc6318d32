"""Tests of the repository itself: architecture rules, packaging, workflows, the action rehearsal, benchmarks."""
