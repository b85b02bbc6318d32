"""A small model of how Slack shows mrkdwn text: what it would format, link or ping (tests only).

Slack's renderer is closed, so this models its documented rules, leaning towards finding formatting where Slack
might not (a false alarm fails a test; a miss would hide a bug):

1. Formatting never crosses a line. A line that starts with `>` or `&gt;` is a block quote.
2. `&amp;`, `&lt;`, `&gt;` are decoded. Any other `<` opens a control sequence up to the next `>`: a link
   (`<https://…|label>`), a mention (`<@U…>`, `<!subteam^…>`) or a broadcast (`<!here>`, `<!channel>`).
3. Three backticks open preformatted text. A backtick, at least one other character and the next backtick on the
   line are inline code, wherever they stand (no word-boundary condition, the cautious reading); nothing inside
   code is formatted.
4. Outside code, `*bold*`, `_italic_` and `~strike~`: the opening marker is at the start of the line or after a
   character that is not an ASCII letter or digit (zero-width and other format characters count as boundaries,
   which is how people force formatting inside a word), and is followed by a non-space; the closing marker is
   preceded by a non-space and followed by the end of the line or a character that is not an ASCII letter or
   digit. Code spans count as punctuation next to a marker.
5. Outside code, `:name:` is an emoji: a name of letters, digits, `_`, `+`, `-` and `'` holding a letter (or
   100 or 1234, Slack's all-digit ones; a custom emoji named only with digits is not modelled).
6. Unless the text object is `verbatim`: bare URLs (`scheme://…`, `www.…`), `@here`, `@channel`, `@everyone`,
   any `@name` and `#channel` are linked by Slack itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE_MASK = "\x01"  # stands for a code span when looking for markers: not a letter, not a space
_AUTOLINK = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+|www\.\S+|@\w+|#[\w-]+", re.IGNORECASE)
_EMOJI = re.compile(r":(?:[\w+'-]*[^\W\d_][\w+'-]*|100|1234):")
_MARKERS = {"*": "bold", "_": "italic", "~": "strike"}


@dataclass(frozen=True)
class Span:
    kind: str  # text | code | pre | quote | bold | italic | strike | emoji | control | autolink
    text: str


def decode(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _outside_code(line: str) -> list[Span]:
    """Code spans, preformatted text and control sequences of one line, and the text between them."""
    spans: list[Span] = []
    buf: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "<":
            end = line.find(">", i)
            end = len(line) - 1 if end < 0 else end
            spans += [Span("text", "".join(buf)), Span("control", line[i: end + 1])]
            buf, i = [], end + 1
            continue
        if ch == "`":
            if line.startswith("```", i):
                spans += [Span("text", "".join(buf)), Span("pre", line[i:])]
                return spans
            end = line.find("`", i + 1)
            if end > i + 1:
                spans += [Span("text", "".join(buf)), Span("code", decode(line[i + 1: end]))]
                buf, i = [], end + 1
                continue
        buf.append(ch)
        i += 1
    spans.append(Span("text", "".join(buf)))
    return [s for s in spans if s.kind != "text" or s.text]


def _formatting(spans: list[Span]) -> list[Span]:
    """Bold, italic and strike pairs across the text spans of one line (code spans masked)."""
    masked = "".join(s.text if s.kind == "text" else _CODE_MASK for s in spans)
    found: list[Span] = []
    i = 0
    while i < len(masked):
        ch = masked[i]
        opens = (ch in _MARKERS and (i == 0 or not _word(masked[i - 1]))
                 and i + 1 < len(masked) and not masked[i + 1].isspace())
        if opens:
            for j in range(i + 2, len(masked)):
                if (masked[j] == ch and not masked[j - 1].isspace()
                        and (j + 1 == len(masked) or not _word(masked[j + 1]))):
                    found.append(Span(_MARKERS[ch], masked[i + 1: j]))
                    i = j
                    break
        i += 1
    return found


def render(text: str, *, verbatim: bool) -> list[Span]:
    """What Slack would show for `text`: text and code spans, and every piece of formatting, link or ping."""
    out: list[Span] = []
    for number, line in enumerate(text.split("\n")):
        if number:
            out.append(Span("text", "\n"))
        if line.startswith((">", "&gt;")):
            out.append(Span("quote", line))
        spans = _outside_code(line)
        out += _formatting(spans)
        for span in spans:
            if span.kind == "text":
                plain = decode(span.text)
                out += [Span("emoji", m.group()) for m in _EMOJI.finditer(plain)]
                if not verbatim:
                    out += [Span("autolink", m.group()) for m in _AUTOLINK.finditer(plain)]
                out.append(Span("text", plain))
            else:
                out.append(span)
    return out


def shown_text(spans: list[Span]) -> str:
    """The characters a person reads, in order (formatting markers and code fences left out)."""
    return "".join(s.text for s in spans if s.kind in ("text", "code"))


def effects(spans: list[Span]) -> list[Span]:
    """Everything beyond plain text and code: formatting, quotes, emoji, links, mentions."""
    return [s for s in spans if s.kind not in ("text", "code")]
