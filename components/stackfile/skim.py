"""Top-level sections of a stack file that nothing reads (`x-notes:`), checked without Python nodes.

faas-cli's yaml.v3 parses such a section and drops it; composing it into Python nodes costs far more
than parsing it (issue 23: a 535 KiB `x-notes:` list took 3x `faas-cli generate`). A large section
is skimmed, its value left out of the node tree, only when that is provably what composing it would
give: when its rows fit a small grammar whose every sentence is YAML the composer reads. Any other
section is composed as before, so every error reads as before; the value's lines are left blank,
so every line number stays the same.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

SKIM_AT_LEAST = 16 * 1024  # smaller sections cost less to compose than to screen

# A top-level `key:` with its value on the lines below, and the lines that value spans: blank lines
# and lines that start with a space or a `- ` entry (`---` is a document marker, not an entry).
_SECTION = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.-]*):[ ]*\n((?:(?:[ ].*|-(?:[ ].*)?|)\n)+)", re.MULTILINE)

# The common shapes of a large section, rows of simple nodes (`- {id: 1, tags: [a, b]}`, or `- id: 1`
# with more `key: value` lines below), in a grammar whose every sentence is valid YAML that the
# composer would accept: ASCII words, and double-quoted text of characters YAML prints, without
# escapes or line breaks; keys far under libyaml's 1,024-character limit of a simple key.
# Possessive and atomic, so it never backtracks; a section it refuses goes the way of any other.
_WORD = r"\w[\w./-]*+"
_TEXT = r'[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]'
_QUOTED = rf'"{_TEXT}*+"'
_KEY = rf'(?>\w[\w./-]{{0,199}}+|"{_TEXT}{{0,199}}+")'
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
    if len(text) < SKIM_AT_LEAST:
        return text
    pieces: list[str] = []
    kept_to = 0
    for section in _SECTION.finditer(text):
        key, value = section.group(1), section.group(2)
        if key in read_keys or len(value) < SKIM_AT_LEAST or not _simple(value):
            continue
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
