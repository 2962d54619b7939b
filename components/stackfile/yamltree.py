"""The YAML node tree of a stack file, composed as gopkg.in/yaml.v3 sees it.

libyaml (PyYAML's C parser) reads the text, so what it accepts is what yaml.v3 accepts (a TAB after
`key:` or before `#`); only the first document is read; an alias is the anchored node itself (a
shared node, never a copy), so nothing is expanded here. Nesting deeper than `MAX_DEPTH` is
refused before it can exhaust a stack (yaml.v3 stops at 10,000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

# `typing` only for the type checker: every process that reads a stack file imports this (issue 23)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_DEPTH = 200
MAX_COMMENT_RETRIES = 200  # re-reads for TAB-indented comment lines (see `compose`)

NO_LIBYAML = (
    "PyYAML was installed without libyaml, which reading stack files as faas-cli does needs: "
    "reinstall it from a wheel with `pip install --force-reinstall -r requirements.txt`"
)


@dataclass(slots=True, eq=False)
class Scalar:
    """A scalar: its raw text, its tag (`""` when none), whether it was plain, its line (1-based)."""

    value: str
    tag: str
    plain: bool
    line: int
    anchor: str = ""


@dataclass(slots=True, eq=False)
class Mapping:
    """A mapping: its keys and values in order, as a flat list `[k1, v1, k2, v2, ...]`.

    `alias_lines` maps the index of an entry written as an alias (`*name`) to the line of that
    use: the node itself is the anchored one, with the anchor's line."""

    content: list[Node] = field(default_factory=list)
    line: int = 0
    tag: str = ""
    anchor: str = ""
    alias_lines: dict[int, int] = field(default_factory=dict)

    def line_of(self, index: int) -> int:
        """The line where entry `index` of `content` is written."""
        return self.alias_lines.get(index, self.content[index].line)


@dataclass(slots=True, eq=False)
class Sequence:
    """A sequence of nodes."""

    content: list[Node] = field(default_factory=list)
    line: int = 0
    tag: str = ""
    anchor: str = ""


Node = Scalar | Mapping | Sequence

NULLS = frozenset(("", "~", "null", "Null", "NULL"))


class ComposeError(ValueError):
    """YAML that cannot be read: libyaml's problem, or nesting too deep, with the line."""

    def __init__(self, problem: str, line: int | None, context: str = "", index: int = -1) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.context = context
        self.index = index  # the character offset of the problem, when known


def is_null(node: Node) -> bool:
    """A YAML null (`~`, `null`, nothing), as yaml.v3 resolves a plain, untagged scalar."""
    return isinstance(node, Scalar) and (
        (node.plain and node.tag == "" and node.value in NULLS) or node.tag == "tag:yaml.org,2002:null"
    )


def compose(text: str) -> Node | None:
    """The first document of `text` as a node tree, or None when it holds no document.

    yaml.v3 reads a comment line indented with a TAB when it follows a comment line closely (its
    comment scanner looks up to 512 bytes ahead from the end of one); libyaml refuses the TAB.
    Such a line is indented with spaces instead (it holds only a comment) and the text read again.
    """
    if not getattr(yaml, "__with_libyaml__", False):  # the PyPI wheels carry it
        raise ComposeError(NO_LIBYAML, None)
    for _ in range(min(text.count("\n") + 1, MAX_COMMENT_RETRIES)):
        try:
            return _compose(text)
        except ComposeError as error:
            fixed = _without_tabbed_comment(text, error)
            if fixed is None:
                fixed = _without_quote_escape(text, error)
            if fixed is None:
                raise
            text = fixed
    return _compose(text)


_TABBED_COMMENT = re.compile(r"[ \t]*\t[ \t]*#")
_COMMENT_LINE = re.compile(r"[ \t]*#")
_COMMENT_LOOKAHEAD = 512


def _without_tabbed_comment(text: str, error: ComposeError) -> str | None:
    """`text` with the TAB-indented comment line of `error` indented with spaces instead, where
    yaml.v3 reads past it: when the closest line above that is not blank is a comment line."""
    if error.line is None or "cannot start any token" not in error.problem:
        return None
    lines = text.split("\n")
    index = error.line - 1
    if not 0 <= index < len(lines) or not _TABBED_COMMENT.match(lines[index]):
        return None
    row = index - 1
    while row >= 0 and not lines[row].strip(" \t\r"):
        row -= 1
    if row < 0 or not _COMMENT_LINE.match(lines[row]):
        return None
    # yaml.v3 looks ahead from the end of that comment line to this line's '#'
    ahead = 1 + sum(len(line) + 1 for line in lines[row + 1 : index]) + lines[index].index("#")
    if ahead >= _COMMENT_LOOKAHEAD:
        return None
    indent = len(lines[index]) - len(lines[index].lstrip(" \t"))
    lines[index] = " " * indent + lines[index][indent:]
    return "\n".join(lines)


def _without_quote_escape(text: str, error: ComposeError) -> str | None:
    """`text` with the `\\'` of `error` (in a double-quoted value) as a plain `'`: yaml.v3 reads that
    escape, libyaml refuses it."""
    if error.problem != "found unknown escape character" or error.index < 1:
        return None
    at = error.index
    if text[at - 1 : at + 1] == "\\'":
        return text[: at - 1] + text[at:]
    if text[at : at + 2] == "\\'":
        return text[:at] + text[at + 1 :]
    return None


def _no_slash_escape(text: str, event: Any) -> None:
    """yaml.v3 has no `\\/` escape in double quotes (libyaml reads it as `/`): refuse it as it does."""
    raw = text[event.start_mark.index : event.end_mark.index]
    i = raw.find("\\")
    while 0 <= i < len(raw) - 1:
        if raw[i + 1] == "/":
            raise ComposeError(
                "found unknown escape character '\\/' in a double-quoted value (faas-cli's YAML reader "
                "has none): write '/' alone",
                event.start_mark.line + 1 + raw.count("\n", 0, i),
            )
        i = raw.find("\\", i + 2)


def _compose(text: str) -> Node | None:
    anchors: dict[str, Node] = {}
    stack: list[Mapping | Sequence] = []
    root: Node | None = None
    flows: list[bool] = []  # whether each open collection is in flow style ([...], {...})
    flow = 0  # how many of them are
    event: Any  # PyYAML's event classes carry their fields untyped
    try:
        for event in yaml.parse(text, Loader=yaml.CBaseLoader):
            kind = type(event)
            node: Node
            if kind is ScalarEvent:
                if flow and not event.style and "?" in event.value:
                    raise ComposeError(
                        "a '?' in an unquoted value inside '[...]' or '{...}', which yaml.v3 (faas-cli) "
                        "cannot read: put the value in quotes",
                        event.start_mark.line + 1,
                    )
                if event.style == '"' and "/" in event.value:
                    _no_slash_escape(text, event)
                tag = event.tag or ""
                node = Scalar(
                    event.value, "" if tag == "!" else tag, not event.style, event.start_mark.line + 1
                )
                if event.anchor:
                    node.anchor = event.anchor
                    anchors[event.anchor] = node
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise ComposeError(
                        f"nested more than {MAX_DEPTH} levels deep: a stack file needs a handful; "
                        "check for a runaway '[' or '{' or an indentation that never returns",
                        event.start_mark.line + 1,
                    )
                line = event.start_mark.line + 1
                container: Mapping | Sequence = (
                    Mapping([], line, event.tag or "")
                    if kind is MappingStartEvent
                    else Sequence([], line, event.tag or "")
                )
                if event.anchor:
                    container.anchor = event.anchor
                    anchors[event.anchor] = container
                if stack:
                    stack[-1].content.append(container)
                else:
                    root = container
                stack.append(container)
                flows.append(bool(event.flow_style))
                flow += flows[-1]
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                stack.pop()
                flow -= flows.pop()
                continue
            elif kind is AliasEvent:
                target = anchors.get(event.anchor)
                if target is None:
                    raise ComposeError(
                        f"unknown anchor '{event.anchor}' referenced", event.start_mark.line + 1
                    )
                node = target
                if stack and isinstance(stack[-1], Mapping):
                    stack[-1].alias_lines[len(stack[-1].content)] = event.start_mark.line + 1
            elif kind is DocumentEndEvent:
                break  # yaml.v3 reads the first document only
            elif kind is DocumentStartEvent and event.version not in (None, (1, 1)):
                major, minor = event.version
                raise ComposeError(
                    f"found incompatible YAML document: the '%YAML {major}.{minor}' directive; yaml.v3 "
                    "(faas-cli) reads only '%YAML 1.1': remove the line (or write %YAML 1.1)",
                    event.start_mark.line + 1,
                )
            else:
                continue
            if stack:
                stack[-1].content.append(node)
            else:
                root = node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context = exc.context or ""
        if context and "quoted scalar" in context and exc.context_mark is not None:
            mark = exc.context_mark
        line = mark.line + 1 if mark else None
        index = exc.problem_mark.index if exc.problem_mark is not None else -1
        raise ComposeError(exc.problem or "invalid YAML", line, context, index) from None
    except yaml.reader.ReaderError as exc:
        # a character YAML does not allow (a NUL, say); libyaml gives its index in the text
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise ComposeError(
            f"unacceptable character #x{code:04x}: YAML allows no control characters (faas-cli's "
            "yaml.v3 refuses it too, or, in a comment, silently drops the rest of the file): remove it",
            line,
        ) from None
    except yaml.YAMLError as exc:
        raise ComposeError(str(exc), None) from None
    return root
