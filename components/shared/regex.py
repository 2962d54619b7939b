"""Go's regular expressions (RE2 syntax, linear time in the text), as faas-cli's `--regex` and the
checks' `expectBodyRegex` use them, through `google-re2`: one compile, one error text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


class RegexError(ValueError):
    """A pattern RE2 refuses; `reason` is RE2's own words, `missing_library` when google-re2 is absent."""

    def __init__(self, reason: str, *, missing_library: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing_library = missing_library


def compile_go_regex(pattern: str) -> Any:
    """`pattern` compiled by RE2 when Go's `regexp` accepts it too; `RegexError` says why not."""
    refused = go_only_refusal(pattern)
    if refused:
        raise RegexError(refused)
    try:
        import re2  # imported here so that its absence is an error a user can act on
    except ImportError:
        raise RegexError("google-re2 is not installed", missing_library=True) from None
    return _compile(re2, pattern)


@lru_cache(maxsize=256)
def _compile(re2: Any, pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print the error (and the pattern) to stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise RegexError(text) from None


def go_only_refusal(pattern: str) -> str:
    """Why Go's `regexp/syntax` refuses what the C++ RE2 accepts ("" when it does not): `\\C`,
    RE2's "any byte", is no escape in Go (outside a `\\Q...\\E` quote, where all is literal).
    `tests/differential/test_regex_syntax.py` compares the two over the syntax Go documents."""
    i = 0
    while i < len(pattern) - 1:
        if pattern[i] != "\\":
            i += 1
            continue
        escaped = pattern[i + 1]
        if escaped == "Q":
            end = pattern.find("\\E", i + 2)
            if end < 0:
                return ""
            i = end + 2
            continue
        if escaped == "C":
            return "invalid escape sequence: `\\C` (Go's regexp has no 'any byte' escape)"
        i += 2
    return ""
