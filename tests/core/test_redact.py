"""scrub: every string in a report masked before rendering, enums and clean parts left as they are."""

from __future__ import annotations

from dataclasses import replace

from tests.alerts_support import sample_report
from watchdog.core.model import NamespaceResult
from watchdog.core.redact import Redactor, scrub
from watchdog.core.render.markdown import render_step_summary

TOKEN = "hf_SENTINEL_scrub_42"
WEBHOOK = "https://hooks.slack.example/services/T0/B0/SENTINELhook"
REDACT = Redactor([TOKEN, WEBHOOK])


def test_a_clean_report_comes_back_as_the_same_object():
    report = sample_report()
    assert scrub(report, REDACT) is report


def test_every_string_is_masked_and_the_untouched_parts_are_kept():
    report = sample_report()
    leaky = replace(report.endpoints[0], error=f"pause refused for Bearer {TOKEN}")
    report = replace(report, endpoints=(leaky, *report.endpoints[1:]), errors=(f"posted to {WEBHOOK}",),
                     namespaces=(NamespaceResult("other", ok=False, error=f"403: {TOKEN}"), *report.namespaces))
    clean = scrub(report, REDACT)
    assert clean.endpoints[0].error == "pause refused for Bearer ***"
    assert clean.errors == ("posted to ***",) and clean.namespaces[0].error == "403: ***"
    assert clean.endpoints[1] is report.endpoints[1]  # nothing to mask: not copied
    assert clean.endpoints[0].outcome is report.endpoints[0].outcome  # an enum stays a member


def test_mappings_and_lists_are_followed():
    payload = {"blocks": [{"text": f"Bearer {TOKEN}"}, "plain"], TOKEN: 1}
    assert scrub(payload, REDACT) == {"blocks": [{"text": "Bearer ***"}, "plain"], "***": 1}


def test_markdown_escaping_cannot_hide_a_url_from_the_scrubber():
    # Rendered first, the URL becomes `https\://…` and a scrub of the text no longer finds it.
    report = sample_report()
    report = replace(report, namespaces=(NamespaceResult("other", ok=False, error=f"403 from {WEBHOOK}"),
                                         *report.namespaces))
    escaped = REDACT(render_step_summary(report, (), now=report.generated_at, run_url=None))
    assert "SENTINELhook" in escaped
    assert "SENTINELhook" not in render_step_summary(scrub(report, REDACT), (), now=report.generated_at, run_url=None)
