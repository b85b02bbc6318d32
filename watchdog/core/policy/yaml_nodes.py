"""YAML for policies: a tree of values that remember their line and column, with duplicate keys reported."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

import yaml

# Anchors and aliases can expand exponentially ("billion laughs"); no honest policy comes near this.
MAX_NODES = 20_000


@dataclass(frozen=True)
class YamlIssue:
    """A problem found while reading the YAML itself; line and column are 1-based."""

    line: int
    column: int
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Node:
    """A YAML value and where it starts. Mappings hold `dict[str, Entry]`, sequences `list[Node]`."""

    value: Any
    line: int
    column: int
    kind: str  # "scalar" | "mapping" | "sequence"

    @property
    def is_mapping(self) -> bool:
        return self.kind == "mapping"

    @property
    def is_sequence(self) -> bool:
        return self.kind == "sequence"


@dataclass(frozen=True)
class Entry:
    """One `key: value` pair; the key's own position is where key-level errors point."""

    key: str
    line: int
    column: int
    value: Node


class _Loader(yaml.SafeLoader):
    """SafeLoader used only to compose nodes (which keep marks) and to build scalars with YAML's own rules."""


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character offset (for ReaderError, which only knows the offset)."""
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    line = bisect.bisect_right(starts, index)
    return line, index - starts[line - 1] + 1


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _Builder:
    def __init__(self, loader: _Loader) -> None:
        self.loader = loader
        self.issues: list[YamlIssue] = []
        self.count = 0
        self.too_big = False

    def build(self, node: yaml.Node, path: frozenset[int] = frozenset()) -> Node:
        line, column = _mark(node.start_mark)
        self.count += 1
        if self.count > MAX_NODES:
            if not self.too_big:
                self.too_big = True
                self.issues.append(YamlIssue(line, column, f"the document has more than {MAX_NODES} values",
                                             "check anchors and aliases (*name) that repeat large blocks"))
            return Node(None, line, column, "scalar")
        if id(node) in path:
            self.issues.append(YamlIssue(line, column, "recursive alias: a value contains itself"))
            return Node(None, line, column, "scalar")
        inner = path | {id(node)}
        if isinstance(node, yaml.MappingNode):
            return Node(self._mapping(node, inner), line, column, "mapping")
        if isinstance(node, yaml.SequenceNode):
            return Node([self.build(item, inner) for item in node.value], line, column, "sequence")
        assert isinstance(node, yaml.ScalarNode)
        return Node(self._scalar(node, line, column), line, column, "scalar")

    def _scalar(self, node: yaml.ScalarNode, line: int, column: int) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            self.issues.append(YamlIssue(line, column, f"unsupported YAML tag {node.tag!r}",
                                         "policies use plain values: strings, numbers, booleans, dates"))
            return None
        except (ValueError, TypeError, OverflowError):
            # Looks like a YAML timestamp or number but is not one (2026-13-45): keep the text, so the
            # policy layer can say which key holds a bad date instead of YAML failing without context.
            return node.value

    def _mapping(self, node: yaml.MappingNode, path: frozenset[int]) -> dict[str, Entry]:
        entries: dict[str, Entry] = {}
        for key_node, value_node in node.value:
            line, column = _mark(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self.issues.append(YamlIssue(line, column, "a key must be a plain word, not a list or mapping"))
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.issues.append(YamlIssue(line, column, "merge keys ('<<') are not supported",
                                             "put shared settings under 'defaults:'"))
                continue
            # The key's text as written: YAML 1.1 would turn `on`/`no`/`1` into booleans or numbers.
            key = str(key_node.value)
            if key in entries:
                first = entries[key]
                self.issues.append(YamlIssue(line, column,
                                             f"duplicate key '{key}' (first defined at line {first.line})",
                                             "a key may appear only once per mapping; remove one of them"))
                continue
            entries[key] = Entry(key, line, column, self.build(value_node, path))
        return entries


def load_yaml(text: str) -> tuple[Node | None, list[YamlIssue]]:
    """Parse one YAML document. Returns (root or None when empty/unreadable, issues in the YAML itself)."""
    loader: _Loader | None = None
    try:
        try:
            # The constructor already scans for unprintable characters, so it sits inside the try.
            loader = _Loader(text)
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line, column = _mark(mark)
            problem = error.problem or error.context or "cannot be parsed"
            # "while parsing a block mapping" only restates the structure; other contexts say what was expected.
            if error.problem and error.context and not error.context.startswith("while"):
                problem = f"{error.context}, {error.problem}"
            return None, [YamlIssue(line, column, f"invalid YAML: {problem}", _yaml_hint(problem))]
        except yaml.reader.ReaderError as error:
            line, column = _position(text, error.position)
            return None, [YamlIssue(line, column, f"invalid YAML: character {chr(error.character)!r} is not allowed",
                                    "policy files are plain UTF-8 text")]
        except yaml.YAMLError as error:
            return None, [YamlIssue(1, 1, f"invalid YAML: {error}")]
        except RecursionError:
            return None, [YamlIssue(1, 1, "invalid YAML: nested too deeply")]
        if root is None:
            return None, []
        builder = _Builder(loader)
        try:
            tree = builder.build(root)
        except RecursionError:
            return None, [YamlIssue(1, 1, "invalid YAML: nested too deeply")]
        return tree, builder.issues
    finally:
        if loader is not None:
            loader.dispose()


def _yaml_hint(problem: str) -> str | None:
    if "\\t" in problem or "'\\t'" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "quote values that contain ': ' or check the indentation"
    if "expected a single document" in problem:
        return "a policy file holds one document: remove the extra '---'"
    return None
