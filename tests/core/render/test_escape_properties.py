"""Issue 17: any string the watchdog did not write reaches Markdown and Slack as literal text (Hypothesis).

Each property puts one string into one field (a rule's glob, an owner, a policy reason, an endpoint or namespace
name, an API message, an action error, a namespace error, a run error, a Slack/GitHub error) and renders every
document that shows it. The same report with a harmless placeholder in that field is the reference: the rendering
with the string must have the same structure (no extra emphasis, link, HTML, heading, list item or table cell)
and show the same text with the placeholder replaced by the string.

Markdown is parsed by markdown-it-py (CommonMark, with GFM tables and strikethrough). Three GFM behaviours it
lacks are modelled on top, from cmark-gfm and GitHub's filters:
- extended autolinks (`https://…`, `www.…`) start at an unescaped `:` or `www.` in the source: checked on the
  parser's text tokens with `text_join` off, so a backslash escape splits them as it splits cmark-gfm's input;
- e-mail autolinks, @-mentions and `#12` references are found in the rendered text (cmark-gfm consolidates text
  nodes first; GitHub's mention and reference filters read the HTML text): no `@` or `#` may be followed by a
  letter or digit there, outside code (an owner in a comment excepted: that mention is the point).

Slack is read with the model in tests/slack_mrkdwn.py.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests import slack_mrkdwn
from tests.alerts_support import NOW, endpoint_result, make_report
from watchdog.core.events import current_events
from watchdog.core.model import AlertResult, Decision, Finding, NamespaceResult, Outcome, RuleRef
from watchdog.core.plan import EffectiveLimits, EndpointChange, PlanDiff, render_plan_markdown
from watchdog.core.render.escape import (
    SLACK_BACKTICK,
    WORD_JOINER,
    one_line,
    rule_reference,
    slack_text,
    strip_controls,
)
from watchdog.core.render.issue import dashboard_body, news_comment
from watchdog.core.render.markdown import render_report_markdown
from watchdog.core.render.slack import build_slack_payload, mention

PLACEHOLDER = "Pq7Xz"
FIELDS = ("match", "owner", "policy_reason", "name", "namespace", "api_message", "action_error",
          "namespace_error", "run_error", "alert_error")

# Pieces that mean something to Markdown, GFM, GitHub or Slack, mixed with letters; and any text at all.
_PIECES = st.sampled_from([
    *"*_~`|<>[]()#@&!:/.\\$-+=\"' \n\t", "\x1b[31m", "\x00", "\x85", "\u2028", "\u200b", WORD_JOINER, "é",
    "www.", "http://", "https://a.bc", "a@b.co", "@here", "@channel", "<!channel>", "<@U024BE7LH>", "&amp;",
    "&#42;", "&lt;", "1.", "```", "~~", "**", "__", ":x:", "<!--", "-->", "<b>", "[x](y)", "#12", "a", "Z", "0",
])
HOSTILE = st.one_of(st.lists(_PIECES, max_size=12).map("".join), st.text(max_size=24))


def _report(field: str, value: str):
    """A small report whose `field` holds `value`, with an event of every kind that shows that field."""
    match = value if field == "match" else "mert-*"
    rule = RuleRef(2, match)
    where = rule_reference(rule)
    name = value if field == "name" else "mert-spike6"
    namespace = value if field == "namespace" else "acme-ml"
    owner = value if field == "owner" else "ml-team"  # an `@owner` is a mention on purpose: only in its own field
    why = value if field == "policy_reason" else "paper deadline"
    api = value if field == "api_message" else "replica route answered 500"
    error = value if field == "action_error" else "pause answered HTTP 500"
    paused = endpoint_result(name, namespace, owner=owner, rule=rule, violations=(
        Finding("max_uptime", "8h", "9h12m", f"running 9h12m > max_uptime 8h {where}", action="pause"),))
    exempt = endpoint_result("paper", namespace, decision=Decision.EXEMPT, outcome=Outcome.NONE, rule=rule,
                             owner=owner, warnings=(Finding("max_idle", "2h", "1h", f"idle 1h, max_idle 2h {where}"),))
    exempt = replace(exempt, evaluation=replace(exempt.evaluation, reason=f"exempt until 2026-12-15 ({why}) {where}"))
    failed = endpoint_result("stuck", namespace, outcome=Outcome.FAILED, error=error, rule=rule, owner=owner)
    broken = endpoint_result("broken", namespace, decision=Decision.NOTIFY, outcome=Outcome.NONE, unmeasurable=api,
                             owner=owner, violations=())
    broken = replace(broken, evaluation=replace(broken.evaluation, reason=f"unmeasurable: {api}"))
    report = make_report(
        paused, exempt, failed, broken,
        namespaces=(NamespaceResult(namespace, True, endpoints=4),
                    NamespaceResult("bob", False, value if field == "namespace_error" else "403 Forbidden")),
        errors=(value if field == "run_error" else "action cap reached",),
    )
    alert = AlertResult("github", "failed", error=value if field == "alert_error" else "Issues are disabled")
    return replace(report, alerts=(alert,))


def _plan(field: str, value: str) -> PlanDiff:
    old_ev = endpoint_result("x").evaluation
    new_ev = _report(field, value).endpoints[0].evaluation
    settings = (("action", "pause"), ("max_uptime", "8h"), ("owner", None))
    limits = EffectiveLimits(rule='rule 1 "prod-*"', protected=False, exempt_until=None, settings=settings)
    new_limits = replace(limits, rule=f'rule 2 "{new_ev.rule.match}"',
                         settings=(*settings[:2], ("owner", new_ev.owner)))
    change = EndpointChange(new_ev.endpoint.key, replace(old_ev, rule=RuleRef(1, "prod-*")), new_ev, limits,
                            new_limits, new_limits.changes_from(limits))
    return PlanDiff(now=NOW, endpoints=1, changes=(change,))


def _flat(value: str) -> str:
    """`value` as a one-line renderer shows it inside other text: controls gone, each whitespace run one space."""
    return re.sub(r"\s+", " ", strip_controls(value, keep="\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85"))


def _squash(text: str) -> str:
    # Parsers trim cells and line ends, and text is collapsed where it joins its neighbours: compare words only.
    return re.sub(r" *\n *", "\n", re.sub(r" +", " ", text)).strip()


def _markdown_documents(field: str, value: str) -> dict[str, str]:
    # The job summary is left out: it is made of the same parts (event lines, endpoint table, namespace errors)
    # as the comment, the report and the body, and parsing it too would cost a second per property run.
    report = _report(field, value)
    events = current_events(report, NOW)
    return {
        "body": dashboard_body(report, now=NOW),
        "comment": news_comment(events, now=NOW),
        "report": render_report_markdown(report),
        "plan": render_plan_markdown(_plan(field, value), "old.yaml", "new.yaml"),
    }


@functools.cache
def _markdown_reference(field: str) -> dict[str, tuple[list[str], str]]:
    return {doc: _read_markdown(source)[:2] for doc, source in _markdown_documents(field, PLACEHOLDER).items()}


_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("text_join")
_TEXT = ("text", "text_special", "code_inline")


def _read_markdown(source: str) -> tuple[list[str], str, list[str]]:
    """(structure, shown text, text tokens outside code) of a Markdown document, as markdown-it reads it."""
    structure: list[str] = []
    shown: list[str] = []
    plain: list[str] = []
    for token in _MD.parse(source):
        for t in [token, *(token.children or [])]:
            if t.type == "inline":
                continue
            if t.type in _TEXT:
                if not structure or structure[-1] != "text":
                    structure.append("text")
                shown.append(t.content)
                if t.type != "code_inline":
                    plain.append(t.content)
            else:
                structure.append(t.type)
                shown.append("\n")
                plain.append("\n")
    return structure, "".join(shown).replace(WORD_JOINER, ""), plain


def _gfm_extension_problems(plain: list[str], *, mentions_allowed: bool) -> list[str]:
    problems = []
    for piece in plain:
        if re.search(r"(?:https?|ftp)://|www\.", piece, re.IGNORECASE):
            problems.append(f"autolink in {piece!r}")
    merged = "".join(plain)
    if not mentions_allowed and re.search(r"@[A-Za-z0-9]", merged):
        problems.append("mention or e-mail link")
    if re.search(r"#[0-9]", merged):
        problems.append("issue reference")
    return problems


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=HOSTILE)
def test_markdown_shows_any_outside_text_literally(field: str, value: str) -> None:
    assume(PLACEHOLDER not in value)
    assume(one_line(value))  # empty text has nothing to escape (an empty owner is not even shown)
    # A glob is always a code span of its own, trimmed; other fields may sit inside a longer text.
    expected = (one_line(value) if field == "match" else _flat(value)).replace(WORD_JOINER, "")
    reference = _markdown_reference(field)
    for doc, source in _markdown_documents(field, value).items():
        structure, shown, plain = _read_markdown(source)
        ref_structure, ref_shown = reference[doc]
        assert structure == ref_structure, f"{doc}: the structure changed\n{source}"
        assert _squash(shown) == _squash(ref_shown.replace(PLACEHOLDER, expected)), f"{doc}: text changed\n{source}"
        assert not _gfm_extension_problems(plain, mentions_allowed=(field == "owner" and doc == "comment")), source


def test_markdown_property_catches_the_bug_it_is_about() -> None:
    # The check itself: the escaping of before issue 17 (pipes and `<` only) fails it on the issue's own glob.
    glob = "instance_type=*nvidia-l4*"
    old = f"| running 1d6h > max_uptime 12h (rule 5 \"{glob}\") |"
    structure, _, _ = _read_markdown(f"| a |\n|---|\n{old}\n")
    assert "em_open" in structure


@functools.cache
def _slack_reference(field: str) -> list[tuple[str, bool]]:
    return _slack_blocks(field, PLACEHOLDER)


def _slack_blocks(field: str, value: str) -> list[tuple[str, bool]]:
    payload = build_slack_payload(current_events(_report(field, value), NOW), now=NOW)
    texts = [(payload["text"], False)]
    for block in payload["blocks"]:
        if block["type"] == "section":
            texts.append((block["text"]["text"], bool(block["text"].get("verbatim"))))
    assert payload["blocks"][0]["text"]["type"] == "plain_text"
    json.dumps(payload)  # still JSON
    return texts


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=HOSTILE)
def test_slack_shows_any_outside_text_literally(field: str, value: str) -> None:
    assume(PLACEHOLDER not in value)
    assume(one_line(value))  # empty text has nothing to escape (an empty owner is not even shown)
    if field == "owner":
        assume(mention(value) == slack_text(value))  # not one of the mentions an owner may write on purpose
    expected = (one_line(value) if field == "match" else _flat(value)).replace("`", SLACK_BACKTICK)
    for (text, verbatim), (ref, _) in zip(_slack_blocks(field, value), _slack_reference(field), strict=True):
        spans = slack_mrkdwn.render(text, verbatim=verbatim)
        ref_spans = slack_mrkdwn.render(ref, verbatim=verbatim)
        assert slack_mrkdwn.effects(spans) == slack_mrkdwn.effects(ref_spans), text
        shown, ref_shown = slack_mrkdwn.shown_text(spans), slack_mrkdwn.shown_text(ref_spans)
        assert _squash(shown) == _squash(ref_shown.replace(PLACEHOLDER, expected)), text


def test_slack_property_catches_the_bug_it_is_about() -> None:
    old = 'running 1d6h &gt; max_uptime 12h (rule 5 "instance_type=*nvidia-l4*")'
    assert [s.kind for s in slack_mrkdwn.effects(slack_mrkdwn.render(old, verbatim=True))] == ["bold"]
