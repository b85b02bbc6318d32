"""Issue 17: each target's escaping function, the terminal output path, and the demo's globs as written."""

from __future__ import annotations

import argparse
import io
import json
import re
from datetime import UTC, datetime

from markdown_it import MarkdownIt

from tests.alerts_support import check_golden
from watchdog.adapters.environment import Settings
from watchdog.cli import Runtime, main
from watchdog.cli.context import Context
from watchdog.core.evaluate import evaluate
from watchdog.core.model import EndpointSnapshot, RuleRef
from watchdog.core.policy import parse_policy
from watchdog.core.redact import Redactor
from watchdog.core.render.escape import (
    SLACK_BACKTICK,
    WORD_JOINER,
    md_code,
    md_reason,
    md_text,
    one_line,
    rule_reference,
    slack_reason,
    slack_text,
    terminal_text,
)
from watchdog.demo import bundled

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
GLOB = RuleRef(5, "instance_type=*nvidia-l4*")
REASON = 'running 1d6h > max_uptime 12h (rule 5 "instance_type=*nvidia-l4*")'


def test_the_issue_line_before_and_after() -> None:
    # Before: `running 1d6h > max_uptime 12h (rule 5 "instance_type=*nvidia-l4*")` went out as is: GitHub showed
    # nvidia-l4 in italics and dropped the stars, Slack made it bold.
    assert md_reason(REASON, GLOB) == "running 1d6h > max_uptime 12h (rule 5 `instance_type=*nvidia-l4*`)"
    assert slack_reason(REASON, GLOB) == "running 1d6h &gt; max_uptime 12h (rule 5 `instance_type=*nvidia-l4*`)"
    assert "<em>" not in MD.render(md_reason(REASON, GLOB))
    assert "<code>instance_type=*nvidia-l4*</code>" in MD.render(md_reason(REASON, GLOB))


def test_rule_reference_is_the_text_the_evaluator_writes() -> None:
    policy = parse_policy('version: 1\nendpoints:\n  - match: "x"\n  - match: {instance_type: "*nvidia-l4*"}\n'
                          "    max_uptime: 12h\n", "p.yaml")
    now = datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
    snapshot = EndpointSnapshot(namespace="acme-ml", name="bot", state="running", instance_type="nvidia-l4",
                                running_since=datetime(2026, 11, 21, 20, 17, tzinfo=UTC))
    ev = evaluate(policy, snapshot, now)
    assert ev.reason.endswith(rule_reference(ev.rule)) and ev.rule.index == 2
    assert md_reason(ev.reason, ev.rule).endswith("(rule 2 `instance_type=*nvidia-l4*`)")


def test_md_text_neutralises_markup_mentions_references_and_autolinks() -> None:
    assert md_text("*a* _b_ `c` ~d~ [e](f) <b> | &amp; $x$") == r"\*a\* \_b\_ \`c\` \~d\~ \[e\](f) \<b> \| \&amp; \$x\$"
    assert md_text("max_uptime") == "max_uptime"  # intraword `_` is no emphasis
    assert md_text("# heading") == r"\# heading" and md_text("- item") == r"\- item" and md_text("1. x") == r"1\. x"
    assert md_text("> quote") == r"\> quote" and md_text("a > b") == "a > b"
    assert md_text("ping @alice and #12") == f"ping @{WORD_JOINER}alice and #{WORD_JOINER}12"
    assert md_text("@alice", mention=True) == "@alice"
    assert md_text("see https://x.io or www.x.io") == r"see https\://x.io or www\.x.io"
    assert md_text("two\nlines\x1b[31m") == r"two lines\[31m"


def test_md_code_fences_longer_than_any_backtick_run_and_keeps_pipes_in_tables() -> None:
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b", table=True) == r"`a\|b`"
    html = MD.render(f"| h |\n|---|\n| {md_code('a|b``c', table=True)} |\n")
    assert "<td><code>a|b``c</code></td>" in html


def test_slack_text_puts_formattable_words_in_code_and_nothing_else() -> None:
    assert slack_text("internal_error at *nvidia-l4*") == "internal_error at `*nvidia-l4*`"
    assert slack_text("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"
    assert slack_text("> quoted") == "`&gt;` quoted"
    assert slack_text("a `b`") == f"a {SLACK_BACKTICK}b{SLACK_BACKTICK}"
    assert slack_text("see https://x.io @here", autoparse=True) == "see `https://x.io` `@here`"


def test_terminal_text_strips_escapes_and_defuses_workflow_commands() -> None:
    hostile = ("\x1b[31mred\x1b[0m \x1b]0;title\x07ok\r\n::error::pwned\n  ::set-output name=x::y\n"
               "see ##[warning]x\u202e")
    assert terminal_text(hostile) == (f"red ok\n\\::error::pwned\n  \\::set-output name=x::y\n"
                                      f"see #{WORD_JOINER}#[warning]x")
    # JSON printed by --format json stays JSON.
    assert json.loads(terminal_text(json.dumps({"message": "##[error]x\u001b[31m"}, ensure_ascii=False))) == {
        "message": f"#{WORD_JOINER}#[error]x\u001b[31m"}
    assert one_line("a\x00b\tc") == "ab c"


def _context(out: io.StringIO, err: io.StringIO) -> Context:
    return Context(args=argparse.Namespace(), env={}, settings=Settings.from_env({}),
                   now=datetime(2026, 11, 23, tzinfo=UTC), stdout=out, stderr=err, redact=Redactor(()))


def test_every_printed_line_passes_terminal_text_but_the_watchdogs_own_annotations() -> None:
    out, err = io.StringIO(), io.StringIO()
    ctx = _context(out, err)
    ctx.out("status: \x1b[2Jgone\n::error::from the API")
    ctx.err("namespace x: \x9b31m::warning::y")
    ctx.command("::error file=p.yaml,line=3,col=1::bad key")
    assert out.getvalue() == "status: gone\n\\::error::from the API\n::error file=p.yaml,line=3,col=1::bad key\n"
    assert err.getvalue() == "namespace x: ::warning::y\n"  # not at the start of the line: no command


def _sections(rendered: str, start: str, end: str) -> str:
    return rendered.split(start, 1)[1].split(end, 1)[0]


def test_demo_dashboard_and_slack_show_every_glob_as_the_policy_writes_it() -> None:
    out, err = io.StringIO(), io.StringIO()
    # The demo's own instant (a Monday, 02:17 UTC) without --now, so it reads the same a month later (the clock
    # below) as the goldens say; the alerts only with --show-alerts.
    later = Runtime(clock=lambda: datetime(2026, 12, 23, 16, 0, tzinfo=UTC))
    assert main(["demo", "--show-alerts"], env={"PATH": "/usr/bin:/bin"}, stdout=out, stderr=err,
                runtime=later) in (0, 1), err.getvalue()
    text = out.getvalue()
    body = _sections(text, "--- body ---\n", "--- new comment ---\n")
    comment = _sections(text, "--- new comment ---\n", "=== Slack webhook payload ===\n")
    payload = json.loads(_sections(text, "=== Slack webhook payload ===\n", "\n\n").strip())
    check_golden("demo_issue_body.md", body)
    check_golden("demo_news_comment.md", comment)
    check_golden("demo_slack_payload.json", json.dumps(payload, indent=2, ensure_ascii=False) + "\n")

    policy = parse_policy(bundled("policies.yaml").read_text(), "policies.yaml")
    globs = {rule.match.text for rule in policy.rules}
    shown = {m.group(1) for m in re.finditer(r'\(rule \d+ "([^"]*)"\)', text)}  # as the terminal table says them
    assert shown and shown <= globs
    html = MD.render(body) + MD.render(comment)
    # The only emphasis is the watchdog's own: bold labels, and the ledger's italic footnote.
    own_italics = sum(1 for line in body.splitlines() if line.startswith("_Billed:") and line.endswith("_"))
    assert html.count("<em>") == own_italics
    assert html.count("<strong>") == (body.count("**") + comment.count("**")) // 2
    sections = "\n".join(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")
    for where, coded in ((html, r"\(rule \d+ <code>([^<]*)</code>\)"), (sections, r"\(rule \d+ `([^`]*)`\)")):
        found = re.findall(coded, where)
        # Every rule reference is code and holds a glob exactly as the policy writes it.
        assert found and set(found) <= globs and len(found) == where.count("(rule ")
    assert "instance_type=*nvidia-l4*" in re.findall(r"<code>([^<]*)</code>", MD.render(body))


def test_api_text_cannot_forge_lines_in_the_terminal_views() -> None:
    from dataclasses import replace

    from tests.alerts_support import NOW, endpoint_result, make_report
    from watchdog.core.model import NamespaceResult, Outcome
    from watchdog.core.render.status import render_status
    from watchdog.core.render.text import render_text

    forged = "boom\n  policy     rule 1 \"prod-*\" → keep: fine\n::error::x"
    result = endpoint_result("stuck", outcome=Outcome.FAILED, error=forged)
    report = make_report(result, namespaces=(NamespaceResult("acme-ml", True, endpoints=1),
                                             NamespaceResult("bob", False, forged)))
    card = render_status([replace(result.endpoint, message=forged)], [result.evaluation], NOW)
    for text in (render_text(report), card):
        assert not any(line.startswith(("::", "  policy     rule 1")) for line in text.splitlines()), text
