"""Typed reads of YAML nodes as gopkg.in/yaml.v3 decodes them into Go types: `NodeReader`.

Every complaint names the file and the node's line (`StackFileError`). Scalars stay their raw text;
explicit tags (`!!binary`, `!!bool`, `!!int`, ...) are checked or decoded as yaml.v3 does; `<<`
merge keys fill a mapping after its own keys. Work is bounded: every value read (merged or aliased
ones too) counts against `MAX_VALUES`, so `<<: [*a, *a]` bombs stop with an error instead of
running for ever. What each key means is not known here (that is `reader.py`).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import math
import re
from pathlib import Path

from components.errors import StackFileError
from components.stackfile.yamltree import NULLS, Node, Scalar, Sequence, is_null
from components.stackfile.yamltree import Mapping as MappingNode

# yaml.v3 into a Go bool: YAML 1.2 booleans when plain, and YAML 1.1 words in any style.
_PLAIN_TRUE = {"true", "True", "TRUE"}
_PLAIN_FALSE = {"false", "False", "FALSE"}
_TRUE = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"}
_FALSE = {"n", "N", "no", "No", "NO", "off", "Off", "OFF"}
_TAG = "tag:yaml.org,2002:"
_BINARY = _TAG + "binary"
_BOOL = _TAG + "bool"
_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_MERGE_TAGS = ("", "!", "tag:yaml.org,2002:merge")
MAX_VALUES = 500_000
MAX_MERGE_DEPTH = 50


class _OverBudget(Exception):
    """Raised inside a read when `MAX_VALUES` is spent; turned into an error naming the key."""


class NodeReader:
    """Reads nodes of one file; `warnings` collects `file:line: ...` notes for the user."""

    def __init__(self, path: Path, *, quote: bool = True) -> None:
        self.path = path
        self.warnings: list[str] = []
        self.budget = MAX_VALUES
        self.quote = quote  # quote values in errors (not for environment files: they hold secrets)

    def error(self, node: Node | None, message: str) -> StackFileError:
        line = node.line if node is not None else None
        return StackFileError(self.path, message, line)

    def warn(self, node: Node, message: str) -> None:
        note = f"{self.path}:{node.line}: {message}"
        if note not in self.warnings:  # a node reached again through an alias warns once
            self.warnings.append(note)

    def note_unknown_tag(self, node: Node, what: str) -> None:
        """yaml.v3 (and so faas-cli) reads a value with a tag it does not know as if it had none:
        say so, since such a tag (`!secret`, `!Ref`) usually means something it does not do."""
        if node.tag and not node.tag.startswith(_TAG):
            self.warn(
                node, f"{what}: the tag '{node.tag}' is ignored, the value is read as written: remove it"
            )

    def spend(self, count: int) -> None:
        self.budget -= count
        if self.budget < 0:
            raise _OverBudget

    def over_budget(self, node: Node, what: str) -> StackFileError:
        return self.error(
            node,
            f"{what} expands to more than {MAX_VALUES:,} values through YAML aliases and merge keys "
            "('<<: *anchor'): use each anchor fewer times",
        )

    def mapping(self, node: Node, what: str) -> dict[str, tuple[Scalar, Node]]:
        if not isinstance(node, MappingNode):
            fix = "remove the '- '" if isinstance(node, Sequence) else "write them indented below it"
            raise self.error(
                node, f"{what} must be a mapping of 'key: value' lines, not {self.kind(node)}: {fix}"
            )
        self.note_unknown_tag(node, what)
        result: dict[str, tuple[Scalar, Node]] = {}
        try:
            self.fill(node, what, result, [])
        except _OverBudget:
            raise self.over_budget(node, what) from None
        return result

    def fill(
        self, node: MappingNode, what: str, result: dict[str, tuple[Scalar, Node]], active: list[MappingNode]
    ) -> None:
        """Add `node`'s pairs to `result`: keys already there win, then its own keys, then `<<`."""
        content = node.content
        self.spend(len(content) // 2 + 1)
        merge: Node | None = None
        seen: dict[str, int] = {}  # key -> the line it is first written on
        for i in range(0, len(content) - 1, 2):
            key_node, value_node = content[i], content[i + 1]
            if not isinstance(key_node, Scalar):
                raise self.error(key_node, f"{what} has a key that is not a plain string")
            key = key_node.value
            if key_node.tag and key_node.tag not in _MERGE_TAGS:
                decoded = self.scalar(key_node, f"{what}: a key")  # a tagged key decodes as a value would
                key = decoded if key_node.tag == _BINARY else key
            line = node.line_of(i)
            if key in seen:  # yaml.v3 compares the raw text, quoted or not
                raise StackFileError(
                    self.path,
                    f'mapping key "{key}" already defined at line {seen[key]} ({what}): '
                    "remove or rename one of them",
                    line,
                )
            seen[key] = line
            if key == "<<" and key_node.plain and key_node.tag in _MERGE_TAGS:
                merge = value_node
                continue
            if is_null(key_node) or key in result:
                continue  # yaml.v3 drops a null key; an outer mapping's key wins over a merged one
            result[key] = (key_node, value_node)
        if merge is None:
            return
        if len(active) >= MAX_MERGE_DEPTH:
            raise self.error(merge, f"merge keys ('<<') nested more than {MAX_MERGE_DEPTH} deep in {what}")
        sources = merge.content if isinstance(merge, Sequence) else [merge]
        active.append(node)
        for source in sources:
            if not isinstance(source, MappingNode):
                raise self.error(
                    source, f"map merge requires map or sequence of maps as the value ('<<' in {what})"
                )
            if any(source is open_node for open_node in active):
                raise self.error(
                    source,
                    f"a mapping merges itself ('<<: *{source.anchor or 'anchor'}' inside the mapping "
                    f"it names, in {what}): merge another mapping",
                )
            self.fill(source, what, result, active)
        active.pop()

    def check_tag(self, node: Scalar, what: str) -> None:
        """An explicit !!null, !!bool, !!int, !!float or !!timestamp must fit its value, as yaml.v3
        requires: an !!int within 64 bits (signed or not), a finite !!float, a !!timestamp in one of
        yaml.v3's `allowedTimestampFormats`."""
        kind = node.tag[len(_TAG) :] if node.tag.startswith(_TAG) else ""
        value = node.value.replace("_", "") if kind in ("int", "float") else node.value
        fits = {
            "null": lambda: node.value in NULLS,
            "bool": lambda: node.value in _PLAIN_TRUE | _PLAIN_FALSE,
            "int": lambda: _go_int(value) is not None,
            "float": lambda: _go_int(value) is not None or _go_float(value),
            "timestamp": lambda: _go_timestamp(node.value),
        }.get(kind)
        if fits is not None and not fits():
            shown = f" `{node.value}`" if self.quote else ""
            raise self.error(node, f"{what}: cannot decode{shown} as a !!{kind}: remove the tag")

    def scalar(self, node: Node, what: str) -> str:
        if isinstance(node, Scalar):
            if node.tag:
                self.check_tag(node, what)
                self.note_unknown_tag(node, what)
            if is_null(node):
                return ""
            if node.tag == _BINARY:
                text = node.value.replace("\r", "").replace("\n", "")  # all Go's base64 skips
                try:
                    data = base64.b64decode(text, validate=True)
                except (binascii.Error, ValueError):
                    raise self.error(node, f"{what}: !!binary value contains invalid base64 data") from None
                try:
                    return data.decode("utf-8")
                except UnicodeDecodeError:
                    raise self.error(
                        node, f"{what}: the !!binary value decodes to bytes that are not UTF-8 text"
                    ) from None
            return node.value
        fix = "remove the '- '" if isinstance(node, Sequence) else "give it one value on its own line"
        raise self.error(node, f"{what} must be a single value, not {self.kind(node)}: {fix}")

    def boolean(self, node: Node, what: str) -> bool:
        if isinstance(node, Scalar) and node.tag:
            self.check_tag(node, what)
        if isinstance(node, Scalar) and is_null(node):
            return False
        text = self.scalar(node, what)
        assert isinstance(node, Scalar)
        resolved = (node.plain and node.tag == "") or node.tag == _BOOL
        if resolved and text in _PLAIN_TRUE:
            return True
        if resolved and text in _PLAIN_FALSE:
            return False
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        quoted = " (a quoted value is text, not a boolean: remove the quotes)" if not node.plain else ""
        shown = f" {text!r}" if self.quote else " this value"
        raise self.error(node, f"{what} must be true or false, not{shown}{quoted}")

    def string_list(self, node: Node, what: str) -> tuple[str, ...]:
        if is_null(node):
            return ()
        if not isinstance(node, Sequence):
            hint = ""
            if isinstance(node, Scalar) and self.quote:
                hint = f": write it as a list, e.g.\n  - {node.value}"
            raise self.error(node, f"{what} must be a list, not {self.kind(node)}{hint}")
        self.note_unknown_tag(node, what)
        try:
            self.spend(len(node.content))
        except _OverBudget:
            raise self.over_budget(node, what) from None
        return tuple(self.scalar(item, f"{what} item") for item in node.content if not is_null(item))

    def string_map(self, node: Node, what: str) -> dict[str, str]:
        if is_null(node):
            return {}
        if isinstance(node, Sequence):
            raise self.error(
                node, f"{what} must be a mapping ('KEY: value' lines), not a list: remove the '- '"
            )
        return {k: self.scalar(v, f"{what}.{k}") for k, (_, v) in self.mapping(node, what).items()}

    def kind(self, node: Node) -> str:
        if isinstance(node, MappingNode):
            return "a mapping"
        if isinstance(node, Sequence):
            return "a list"
        return f"the value {node.value!r}" if self.quote else "a single value"


def _go_int(text: str) -> int | None:
    """`text` as yaml.v3 reads a plain integer (decimal, 0x, 0o, 0b or a leading-0 octal) within
    the range of an int64 or a uint64, else None."""
    if not _INT.fullmatch(text):
        return None
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    base = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}.get(digits[:2], 0)
    if base:
        number = int(digits[2:], base)
    elif len(digits) > 1 and digits.startswith("0"):
        number = int(digits, 8)
    else:
        number = int(digits)
    number *= sign
    return number if -(1 << 63) <= number < (1 << 64) else None


def _go_float(text: str) -> bool:
    """Whether yaml.v3 reads `text` as a float: the syntax, and a finite value (Go's ParseFloat
    refuses `1e400` as out of range) unless it is spelled as an infinity."""
    if not _FLOAT.fullmatch(text):
        return False
    if text.lstrip("+-").lower() in (".inf", ".nan"):
        return True
    return math.isfinite(float(text))


# yaml.v3 `allowedTimestampFormats`: RFC 3339 with short date fields ('T' or 't', a zone), space
# separated without a zone, or a date alone.
_TIME = r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d{1,9})?"
_TIMESTAMP = re.compile(
    rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})(?:[Tt]{_TIME}(?:Z|[-+]\d{{2}}:\d{{2}})| {_TIME})?"
)


def _go_timestamp(text: str) -> bool:
    """Whether yaml.v3 reads `text` as a timestamp (`2001-12-14`, `2001-12-14t21:59:43.10-05:00`,
    `2001-12-14 21:59:43.10`): the shape, and a real date and time."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return False
    year, month, day, *times = match.groups()
    hour, minute, second = [int(part) for part in times if part] or [0, 0, 0]  # one time form, or none
    try:
        datetime.datetime(int(year), int(month), int(day), hour, minute, second)
    except ValueError:
        return False
    return True
