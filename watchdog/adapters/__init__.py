"""Edges: everything that talks to the outside world (Endpoints API, Slack, GitHub, files, the environment)."""
