"""Escaping for every target the watchdog writes to: one function per target (pure).

Text the watchdog did not write itself - rule `match` globs, owners, endpoint, model and namespace names, tags,
the API's `status.message`, error messages from the Hub, Slack or GitHub - must reach each format as the literal
text. Each renderer passes such text through the function of its target:

- GitHub Markdown (issue body, comments, job summary, `--format markdown`, `plan`): `md_text`, with `md_code` for
  code spans and `md_reason` / `md_rule` for reasons and rule references.
- Slack mrkdwn: `slack_text`, with `slack_code` and `slack_reason`.
- The terminal (stdout and stderr, also read by the GitHub Actions runner): `terminal_text`.

Inline text is made one line first (`one_line`): runs of whitespace become one space, and C0/C1 control
characters are dropped. Tables, list items and Slack lines cannot hold a newline.
"""

from __future__ import annotations

import re

from watchdog.core.model import RuleRef

# ANSI escape sequences (for the terminal): CSI (ESC [ or the 8-bit CSI), OSC / DCS / SOS / PM / APC strings
# with their terminator (BEL or ST) on the same line, and the two-character ESC sequences. Of an unterminated
# string only the introducer goes, as a control character: the text after it may be the watchdog's own.
_ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -~]",
)
# C0 controls, DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Besides those, the terminal drops the explicit bidirectional embedding/override/isolate controls: they reorder
# what a person sees on the line (the "Trojan Source" trick) and no endpoint name or error needs them.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# U+2060 WORD JOINER: invisible, no line break. Put after `@` it keeps GitHub from seeing a mention (`@alice`,
# `@org/team`) or an e-mail autolink; after `#` before a digit, an issue reference (`#12`, `org/repo#12`).
WORD_JOINER = "\u2060"


def strip_controls(text: object, keep: str = "", *, sequences: bool = False) -> str:
    """`text` without C0/C1 control characters (except those in `keep`); with `sequences`, whole ANSI escape
    sequences go first (what a terminal would act on: `ESC[31m`, an OSC title), so no remnant like `[31m` shows."""
    cleaned = _ANSI.sub("", str(text)) if sequences else str(text)
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else "", cleaned)


def one_line(text: object) -> str:
    """One line of plain text: whitespace runs (newlines included) become one space, control characters go.

    ANSI sequences are not parsed here, only their control characters dropped: this text is composed (a reason
    around an API message), and a sequence cut short in the API part would swallow the watchdog's words after it.
    """
    return " ".join(strip_controls(text, keep="\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85").split())


def rule_reference(rule: RuleRef) -> str:
    """The rule reference a reason ends its clause with: `(rule 5 "instance_type=*nvidia-l4*")` or `(defaults)`.

    The same text as `watchdog.core.evaluate` writes; a test keeps the two in step.
    """
    return f'(rule {rule.index} "{rule.match}")' if rule.index else "(defaults)"


def _split_reason(reason: str, rule: RuleRef | None) -> tuple[str, str | None, str]:
    """(before, match, after) around the reason's rule reference, or (reason, None, "") when it has none.

    The renderer knows the exact reference text from the Evaluation, so nothing is parsed: it is looked up. The
    last occurrence is taken: a reason ends with its own reference, followed only by the watchdog's own words
    (`(+1 more)`, `, from status.updatedAt only`); policy text (an exemption's reason) comes before it.
    """
    if rule is None or not rule.index:
        return reason, None, ""
    where = one_line(rule_reference(rule))
    at = reason.rfind(where)
    if at < 0:
        return reason, None, ""
    head = f"(rule {rule.index} "
    return reason[:at] + head, one_line(rule.match), ")" + reason[at + len(where):]


# --- GitHub-flavoured Markdown --------------------------------------------------------------------------------

# Backslash-escaped wherever they appear: emphasis and strikethrough (`*` `~`), code (`` ` ``), links, images,
# task-list boxes and footnotes (`[` `]`), HTML and autolinks (`<`), table cells (`|`), math (`$`) and the escape
# character itself. Others only where they can act: `_` not between two letters or digits (`max_uptime` cannot
# be emphasis), `&` before a name or `#` (an entity), `>` and `#` when they start the line (a quote, a heading).
_MD_SPECIAL = frozenset("\\`*~[]<|$")
_MD_LINE_START = re.compile(r"[-+=>#]|\d{1,9}(?=[.)])")


def _word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _md_escape(text: str, *, mention: bool = False, line_start: bool = True) -> str:
    out: list[str] = []
    if line_start and (m := _MD_LINE_START.match(text)):
        # A list item, a setext underline, a quote, a heading or an ordered-list number when the text starts a line.
        marker = m.group()
        if marker[0].isdigit():
            out.append(marker + "\\" + text[len(marker)])
            text = text[len(marker) + 1:]
        else:
            out.append("\\" + marker + (WORD_JOINER if marker == "#" and text[1:2].isdigit() else ""))
            text = text[1:]
    lowered = text.lower()
    for i, ch in enumerate(text):
        nxt = text[i + 1: i + 2]
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch == "_" and not (i and _word(text[i - 1]) and _word(nxt)):
            out.append("\\_")
        elif ch == "&" and (_word(nxt) or nxt == "#"):
            out.append("\\&")
        elif ch == "#" and nxt.isdigit():
            out.append("#" + WORD_JOINER)
        elif ch == "@" and not mention:
            out.append("@" + WORD_JOINER)
        elif ch == ":" and text.startswith("//", i + 1):
            # GitHub's extended autolink of `http://…`, `https://…`, `ftp://…` starts at an unescaped `:`.
            out.append("\\:")
        elif ch == "." and i >= 3 and lowered[i - 3: i] == "www":
            # …and of `www.…` at `www.`.
            out.append("\\.")
        else:
            out.append(ch)
    return "".join(out)


def md_text(text: object, *, mention: bool = False) -> str:
    """Text shown literally in GitHub Markdown (a paragraph, a list item, a table cell, a heading), on one line.

    Every character that could start emphasis, code, a link, an HTML tag, an entity, math, a heading, a quote, a
    list or a table cell is backslash-escaped (GitHub honours `\\|` inside table cells too). Backslashes cannot stop
    GitHub's @-mentions and `#12` references, which it finds in the rendered text: a word joiner (U+2060) after `@`,
    and after `#` before a digit, does. `mention=True` keeps `@name` live: for an owner in a comment, where the ping
    is the point.
    """
    return _md_escape(one_line(text), mention=mention)


def md_code(text: object, *, table: bool = False) -> str:
    """A Markdown code span showing `text` exactly (on one line).

    The fence is one backtick longer than the longest backtick run inside; a space pads content that starts or
    ends with a backtick (CommonMark strips one). In a table cell (`table=True`) `|` becomes `\\|`, which GFM
    turns back into `|` inside code spans too. A backslash right before a `|` has no unambiguous form there
    (cmark-gfm and other parsers split the cell differently), so that rare text is shown escaped, not as code.
    """
    content = one_line(text)
    if not content:
        return ""
    if table:
        if "\\|" in content:
            return _md_escape(content, line_start=False)
        content = content.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if content[0] == "`" or content[-1] == "`" or (content[0] == " " and content[-1] == " ") else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def md_rule(rule: RuleRef, *, table: bool = False) -> str:
    """`5 `instance_type=*nvidia-l4*`` (the Rule column), or `defaults`."""
    return f"{rule.index} {md_code(rule.match, table=table)}" if rule.index else "defaults"


def md_reason(reason: object, rule: RuleRef | None, *, table: bool = False) -> str:
    """A reason in Markdown: the words escaped, the rule reference's glob as code (rule 5 `*nvidia-l4*`)."""
    before, match, after = _split_reason(one_line(reason), rule)
    if match is None:
        return _md_escape(before)
    return _md_escape(before) + md_code(match, table=table) + _md_escape(after, line_start=False)


# --- Slack mrkdwn ----------------------------------------------------------------------------------------------

# Slack has no escape for its formatting characters, and zero-width characters count as word boundaries there
# (that is how people force bold inside a word), so they cannot switch formatting off. Inline code can: nothing
# inside a code span is formatted. So a word that could open or close formatting is shown as code.
_SLACK_MARKERS = frozenset("*_~")
# Slack code spans cannot contain a backtick, and Slack has no escape for it: a backtick from outside text is
# shown as U+02CB MODIFIER LETTER GRAVE ACCENT, the one character that does not reach Slack as written.
SLACK_BACKTICK = "\u02cb"
# `:name:` shows an emoji. Names hold letters, digits, `_`, `+`, `-`, `'` and a letter (`:100:` and `:1234:` are the
# all-digit ones), so a time like 08:00-19:00 stays text.
_EMOJI = re.compile(r":(?:[\w+'-]*[^\W\d_][\w+'-]*|100|1234):")
# What Slack links by itself in text that is not `verbatim` (the message's fallback `text`).
_AUTOPARSED = re.compile(r"://|www\.|[@#]", re.IGNORECASE)


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _slack_word_is_live(word: str, *, first: bool, autoparse: bool) -> bool:
    """Whether Slack could format (or, with `autoparse`, link) part of `word`: then it is shown as code."""
    if (first and word.startswith("&gt;")) or _EMOJI.search(word) or (autoparse and _AUTOPARSED.search(word)):
        return True
    for i, ch in enumerate(word):
        if ch in _SLACK_MARKERS:
            before = word[i - 1] if i else " "
            after = word[i + 1] if i + 1 < len(word) else " "
            # Between two letters or digits (`max_uptime`) a marker can neither open nor close.
            if not (_ascii_alnum(before) and _ascii_alnum(after)):
                return True
    return False


def _slack_entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", SLACK_BACKTICK)


def _slack_escape(text: str, *, autoparse: bool = False) -> str:
    words = _slack_entities(text).split(" ")
    return " ".join(f"`{w}`" if w and _slack_word_is_live(w, first=i == 0, autoparse=autoparse) else w
                    for i, w in enumerate(words))


def slack_text(text: object, *, autoparse: bool = False) -> str:
    """Text shown literally in Slack mrkdwn, on one line.

    `&`, `<`, `>` become entities (no link, mention or `<!channel>` can be written); a word that could be
    formatted (`*nvidia-l4*`, `_tmp`, `~x~`, `:emoji:`) or that starts a line as `>` (a quote) is put in a code
    span; backticks become U+02CB. `autoparse=True` is for text that is not `verbatim` (the fallback `text`),
    where Slack also links URLs, `@here` and `#channel` by itself: such words go in code too.
    """
    return _slack_escape(one_line(text), autoparse=autoparse)


def slack_code(text: object) -> str:
    """A Slack code span showing `text` (backticks as U+02CB: a code span cannot hold one)."""
    content = _slack_entities(one_line(text))
    return f"`{content}`" if content else ""


def slack_reason(reason: object, rule: RuleRef | None) -> str:
    """A reason in Slack mrkdwn: the words escaped, the rule reference's glob as code."""
    before, match, after = _split_reason(one_line(reason), rule)
    if match is None:
        return _slack_escape(before)
    return _slack_escape(before) + slack_code(match) + _slack_escape(after)


# --- The terminal and GitHub Actions workflow commands -----------------------------------------------------------

_WORKFLOW_COMMAND = re.compile(r"^(\s*)::", re.MULTILINE)
_LEGACY_COMMAND = "##["


def terminal_text(text: object) -> str:
    """What may be printed: no ANSI escape sequence or control character but newline and tab, no bidi override,
    and no line the GitHub Actions runner would take for a workflow command.

    The runner runs a line as a command when it starts with `::` after leading whitespace, and - the legacy form -
    when it holds `##[` anywhere. A line starting with `::` gets a visible backslash (`\\::error::…`): plain ASCII,
    since the runner's culture-aware .NET search may skip zero-width characters. `##[` gets a word joiner
    between its `#`s: valid inside the JSON that `--format json` prints, and safe even if the search skips it, as
    the runner then reads the command name from the wrong offset (`[warning`, never a command). The watchdog's
    own annotations are written with `Context.command`, which does not pass here.
    """
    cleaned = _BIDI.sub("", strip_controls(text, keep="\n\t", sequences=True))
    cleaned = _WORKFLOW_COMMAND.sub(lambda m: m.group(1) + "\\::", cleaned)
    return cleaned.replace(_LEGACY_COMMAND, "#" + WORD_JOINER + "#[")
