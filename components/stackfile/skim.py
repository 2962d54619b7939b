"""Top-level sections of a stack file that nothing reads (`x-notes:`), checked without Python nodes.

faas-cli's yaml.v3 parses such a section and drops it; composing it into Python nodes costs far more
than parsing it (issue 23: a 535 KiB `x-notes:` list took 3x `faas-cli generate`). A large section
is skimmed, its value left out of the node tree, only when that is provably what composing it would
give: its rows fit a small grammar whose every sentence is YAML the composer reads, or its text
shows nothing the composer checks beyond libyaml's own syntax (no anchor, alias, tag, `?`, escape,
comment, block scalar, single quote, bracket inside double quotes, document marker or deep nesting)
and libyaml parses it in C (`raw_parse`, no Python objects). Any doubt or error sends the whole
file down the ordinary path, which reports it as before. The value's lines are left blank, so
every line number stays the same.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

import yaml

SKIM_AT_LEAST = 16 * 1024  # smaller sections cost less to compose than to screen
_MAX_INDENT = 80  # with _MAX_BRACKET_PASSES, keeps a skimmed section under the composer's MAX_DEPTH
_MAX_BRACKET_PASSES = 40

# A top-level `key:` with its value on the lines below, and the lines that value spans: blank lines
# and lines that start with a space or a `- ` entry (`---` is a document marker, not an entry).
_SECTION = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.-]*):[ ]*\n((?:(?:[ ].*|-(?:[ ].*)?|)\n)+)", re.MULTILINE)
# Characters whose meaning the composer checks itself, or that can hide or span a bracket.
_NOT_INERT = "&*?!|>%#'\\`@\t\r"
# Double-quoted text without a bracket: every `"` of an inert section pairs up this way.
_PLAIN_QUOTED = re.compile(r'"[^"\n\[\]{}]*"')
# `- - x`: a sequence nested in an entry on one line, deeper than its indentation shows.
_COMPACT_NESTED = re.compile(r"-[ ]+-(?:[ ]|$)", re.MULTILINE)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")

# The common shapes of a large section, rows of simple nodes (`- {id: 1, tags: [a, b]}`, or `- id: 1`
# with more `key: value` lines below), in a grammar whose every sentence is valid YAML that the
# composer would accept, so no libyaml parse is needed: ASCII words, and double-quoted printable
# ASCII without escapes; keys far under libyaml's 1,024-character limit of a simple key.
# Possessive and atomic, so it never backtracks; a section it refuses goes the way of any other.
_WORD = r"\w[\w./-]*+"
_QUOTED = r'"[ !#-\[\]-~]*+"'
_KEY = r'(?>\w[\w./-]{0,199}+|"[ !#-\[\]-~]{0,199}+")'
_SCALAR = rf"(?>{_WORD}(?: {_WORD})*+|{_QUOTED})"
_FLOW_SEQUENCE = rf"\[ *+(?:{_SCALAR}(?: *+, *+{_SCALAR})*+ *+)?+\]"
_FLOW_ENTRY = rf"{_KEY}: ++(?>{_SCALAR}|{_FLOW_SEQUENCE})"
_NODE_LINE = rf"(?>\{{ *+(?:{_FLOW_ENTRY}(?: *+, *+{_FLOW_ENTRY})*+ *+)?+\}}|{_FLOW_SEQUENCE}|{_SCALAR}) *+\n"


@functools.cache
def _simple_rows(indent: str) -> re.Pattern[str]:
    """The grammar of rows entered at `indent` (compiled when a section needs it: it is large)."""
    row = rf"{indent}- (?>{_KEY}: ++{_NODE_LINE}(?:{indent}  {_KEY}: ++{_NODE_LINE})*+|{_NODE_LINE})"
    return re.compile(rf"(?:{row}|\n)*+", re.ASCII)


def skim(text: str, read_keys: Collection[str]) -> str:
    """`text` with the value of each large top-level section not in `read_keys` left blank, where
    that is provably what composing it would give; else `text` itself."""
    if len(text) < SKIM_AT_LEAST or not getattr(yaml, "__with_libyaml__", False):
        return text
    pieces: list[str] = []
    kept_to = 0
    for section in _SECTION.finditer(text):
        key, value = section.group(1), section.group(2)
        if key in read_keys or len(value) < SKIM_AT_LEAST:
            continue
        if not _simple(value):
            if not _inert(value):
                continue
            if not _parses(text[section.start() : section.end()]):
                return text
        pieces += [text[kept_to : section.start(2)], "\n" * value.count("\n")]
        kept_to = section.end()
    if not pieces:
        return text
    pieces.append(text[kept_to:])
    return "".join(pieces)


def _simple(value: str) -> bool:
    """Whether `value` is rows of the simple grammar, each entered at the first row's indent."""
    indent = value[: len(value) - len(value.lstrip(" "))]
    return value.startswith(indent + "- ") and _simple_rows(indent).fullmatch(value) is not None


def _inert(value: str) -> bool:
    """Whether `value` holds nothing but what libyaml checks as yaml.v3 does, nested shallowly.

    Brackets are counted as written: quoted text holds none, a comment none, and in a flow
    collection every bracket is one, so the count never undercounts how deep the flow nests."""
    if any(c in value for c in _NOT_INERT) or " " * _MAX_INDENT in value or _COMPACT_NESTED.search(value):
        return False
    quotes = value.count('"')
    if quotes and 2 * len(_PLAIN_QUOTED.findall(value)) != quotes:
        return False
    # UTF-8 keeps every bracket one byte; other characters' bytes are never brackets
    brackets = value.encode("utf-8", "surrogatepass").translate(None, _NOT_BRACKETS)
    for _ in range(_MAX_BRACKET_PASSES):
        if not brackets:
            return True
        shorter = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if len(shorter) == len(brackets):
            return False  # unbalanced: the composer says where
        brackets = shorter
    return not brackets


def _parses(section: str) -> bool:
    """Whether libyaml parses `section` on its own, in C, without building a Python object."""
    try:
        yaml.CBaseLoader(section).raw_parse()
    except yaml.YAMLError:
        return False
    return True
