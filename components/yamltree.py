"""The YAML node tree of a stack file, composed as gopkg.in/yaml.v3 sees it.

libyaml (PyYAML's C parser) reads the text, so what it accepts is what yaml.v3 accepts (a TAB after
`key:` or before `#`); only the first document is read; an alias is the anchored node itself (a
shared node, never a copy), so nothing is expanded here. Nesting deeper than `MAX_DEPTH` is
refused before it can exhaust a stack (yaml.v3 stops at 10,000).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

MAX_DEPTH = 200

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
    """A mapping: its keys and values in order, as a flat list `[k1, v1, k2, v2, ...]`."""

    content: list[Node] = field(default_factory=list)
    line: int = 0
    tag: str = ""
    anchor: str = ""


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

    def __init__(self, problem: str, line: int | None, context: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.context = context


def is_null(node: Node) -> bool:
    """A YAML null (`~`, `null`, nothing), as yaml.v3 resolves a plain, untagged scalar."""
    return isinstance(node, Scalar) and (
        (node.plain and node.tag == "" and node.value in NULLS) or node.tag == "tag:yaml.org,2002:null"
    )


def compose(text: str) -> Node | None:
    """The first document of `text` as a node tree, or None when it holds no document."""
    if not getattr(yaml, "__with_libyaml__", False):  # the PyPI wheels carry it
        raise ComposeError(NO_LIBYAML, None)
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
            elif kind is DocumentEndEvent:
                break  # yaml.v3 reads the first document only
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
        raise ComposeError(exc.problem or "invalid YAML", mark.line + 1 if mark else None, context) from None
    except yaml.YAMLError as exc:
        raise ComposeError(str(exc), None) from None
    return root
