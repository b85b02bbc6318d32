"""Rendering: reports and alerts as text, JSON, Markdown, Slack Block Kit and the dashboard issue (strings only)."""
