"""`${VAR}` substitution over a stack file's raw text, with the rules of drone/envsubst as faas-cli
vendors it (go-sdk `stack.ParseYAMLData`, before the YAML is parsed).

What faas-cli does, and so what this module does:
- `$$` becomes `$`, `\\\\` becomes `\\` and `\\/` becomes `/` anywhere outside `${...}` (and in the
  pattern and replacement of `${v/p/r}`); the escaped character is taken as it is.
- An unset variable reads as the empty string; a bare `$VAR` is left alone.
- Names are Unicode letters, digits and `_`, and may start with a digit.
- `${v:-d}`, `${v:=d}`, `${v=d}`, `${v:?d}` and `${v:+d}` all give `d` when `v` is empty or unset.
- `${#v}`, `${v:pos}` and `${v:pos:len}` count bytes of the UTF-8 text; a position that is not a
  whole number leaves the value unchanged.
- `${v-d}`, `${v+d}`, `${v?d}`, `${v.x}` stop with "missing closing brace"; `${v#}`, `${v:}` with
  "unable to parse substitution within function"; `${v/p}` without a second `/` with "bad
  substitution". A default value may span lines: faas-cli reads up to the next `}`.

Nesting of `${` inside `${` is limited to `MAX_NESTING` levels (faas-cli has no limit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

MAX_NESTING = 64
_SPECIAL = re.compile(r"[$\\]")
_ATOI = re.compile(r"[+-]?[0-9]+")
_INT64 = 2**63

BAD_SUBSTITUTION = "bad substitution"
MISSING_BRACE = "missing closing brace"
NO_NAME = "unable to parse variable name"
BAD_PARAMETER = "unable to parse substitution within function"


class SubstitutionError(ValueError):
    """A `${...}` expression faas-cli cannot substitute; `offset` points at its `$`."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def substitute(text: str, env: Mapping[str, str]) -> str:
    """Return `text` with every `${...}` expression replaced from `env`, as faas-cli does."""
    return _Parser(text, env).top()


def _is_name_char(c: str) -> bool:
    return c == "_" or c.isalpha() or c.isdecimal()


# A parsed argument: literal text, or a nested expression evaluated on demand.
_Arg = str | Callable[[], str]


class _Parser:
    def __init__(self, text: str, env: Mapping[str, str]) -> None:
        self.s = text
        self.n = len(text)
        self.env = env
        self.depth = 0

    # -- scanning helpers ----------------------------------------------------------------------

    def at(self, i: int) -> str:
        return self.s[i] if i < self.n else ""

    def fail(self, start: int, reason: str) -> SubstitutionError:
        line_end = self.s.find("\n", start)
        fragment = self.s[start : line_end if line_end >= 0 else self.n]
        if len(fragment) > 40:
            fragment = fragment[:40] + "..."
        i = start + 2
        while i < self.n and _is_name_char(self.s[i]):
            i += 1
        name, after = self.s[start + 2 : i], self.at(i)
        if "}" not in self.s[start:]:
            hint = ": add the closing '}'"
        elif reason == MISSING_BRACE and name and after in ("-", "+", "?"):
            hint = f": faas-cli has no '{after}' form, write '${{{name}:-default}}' for a default"
        else:
            hint = _HINTS.get(reason, "")
        return SubstitutionError(f"faas-cli cannot substitute {fragment!r} ({reason}){hint}", start)

    def top(self) -> str:
        s, out, i = self.s, [], 0
        while True:
            m = _SPECIAL.search(s, i)
            if m is None:
                out.append(s[i:])
                return "".join(out)
            j = m.start()
            out.append(s[i:j])
            c, nxt = s[j], self.at(j + 1)
            if c == "$" and nxt == "{":
                value, i = self.expression(j)
                out.append(value)
            elif (c == "$" and nxt == "$") or (c == "\\" and nxt in ("\\", "/")):
                out.append(nxt)
                i = j + 2
            else:
                out.append(c)
                i = j + 1

    # -- expressions: each returns (value, index after the closing brace) ----------------------

    def expression(self, start: int) -> tuple[str, int]:
        """The value of the `${...}` at `start` (the `$`), and where the text goes on."""
        thunk, end = self.parse(start)
        return thunk(), end

    def parse(self, start: int) -> tuple[Callable[[], str], int]:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise SubstitutionError(
                f"'${{' nested more than {MAX_NESTING} levels deep: simplify the default values",
                start,
            )
        try:
            return self._parse(start)
        finally:
            self.depth -= 1

    def _parse(self, start: int) -> tuple[Callable[[], str], int]:
        i = start + 2
        if self.at(i) == "#":
            j = i + 1
            while j < self.n and _is_name_char(self.s[j]):
                j += 1
            if j == i + 1:
                raise self.fail(start, BAD_SUBSTITUTION)
            name = self.s[i + 1 : j]
            end = self.close(j, start)
            return (lambda: str(len(self.value(name).encode("utf-8", "surrogatepass")))), end
        j = i
        while j < self.n and _is_name_char(self.s[j]):
            j += 1
        if j == i:
            raise self.fail(start, NO_NAME)
        name, c = self.s[i:j], self.at(j)
        if c == ":":
            after = self.at(j + 1)
            if after in ("=", "-", "?", "+") and after:
                return self.default(name, j + 2, start)
            if after and not after.isascii():
                raise self.fail(start, BAD_SUBSTITUTION)
            return self.substring(name, j + 1, start)
        if c == "=":
            return self.default(name, j + 1, start)
        if c in (",", "^"):
            k = j
            while k < self.n and k - j < 2 and self.s[k] in (",", "^"):
                k += 1
            op = self.s[j:k]
            end = self.close(k, start)
            return (lambda: _case(op, self.value(name))), end
        if c == "/":
            return self.replace(name, j + 1, start)
        if c in ("#", "%"):
            k = j
            while k < self.n and k - j < 2 and self.s[k] == c:
                k += 1
            op = self.s[j:k]
            arg, k = self.param(k, start, stop="}", first_bad="}")
            end = self.close(k, start)
            return (lambda: _trim(self.value(name), _text(arg), op, start, self)), end
        if c == "}":
            return (lambda: self.value(name)), j + 1
        raise self.fail(start, MISSING_BRACE)

    def default(self, name: str, i: int, start: int) -> tuple[Callable[[], str], int]:
        args: list[_Arg] = []
        while self.at(i) != "}":
            arg, i = self.param(i, start, stop="}", first_bad="")
            args.append(arg)
        return (lambda: self.value(name) or "".join(_text(a) for a in args)), i + 1

    def substring(self, name: str, i: int, start: int) -> tuple[Callable[[], str], int]:
        pos, i = self.param(i, start, stop=":}", first_bad=":}")
        if self.at(i) == "}":
            return (lambda: _substring(self.value(name), _text(pos), None, start, self)), i + 1
        if self.at(i) != ":":
            raise self.fail(start, BAD_SUBSTITUTION)
        while self.at(i) == ":":
            i += 1
        length, i = self.param(i, start, stop="}", first_bad="}")
        end = self.close(i, start)
        return (lambda: _substring(self.value(name), _text(pos), _text(length), start, self)), end

    def replace(self, name: str, i: int, start: int) -> tuple[Callable[[], str], int]:
        op = "/"
        if self.at(i) in ("/", "#", "%") and self.at(i):
            op += self.s[i]
            i += 1
        pattern, i = self.param(i, start, stop="/", first_bad="/", escapes=True)
        if self.at(i) != "/":
            raise self.fail(start, BAD_SUBSTITUTION)
        while self.at(i) == "/":
            i += 1
        if self.at(i) == "}":
            return (lambda: _replace(self.value(name), op, _text(pattern), None)), i + 1
        replacement, i = self.param(i, start, stop="}", first_bad="}", escapes=True)
        end = self.close(i, start)
        return (lambda: _replace(self.value(name), op, _text(pattern), _text(replacement))), end

    def param(
        self, i: int, start: int, *, stop: str, first_bad: str, escapes: bool = False
    ) -> tuple[_Arg, int]:
        """One argument: a nested `${...}`, or text up to a character of `stop` or the next `${`."""
        c = self.at(i)
        if c == "$" and self.at(i + 1) == "{":
            thunk, end = self.parse(i)
            return thunk, end
        if not c or c in first_bad:
            raise self.fail(start, BAD_PARAMETER)
        out: list[str] = []
        while i < self.n:
            c = self.s[i]
            if c == "$" and self.at(i + 1) == "{":
                break
            if escapes and (
                (c == "$" and self.at(i + 1) == "$") or (c == "\\" and self.at(i + 1) in ("\\", "/"))
            ):
                out.append(self.s[i + 1])
                i += 2
                continue
            if c in stop:
                break
            out.append(c)
            i += 1
        return "".join(out), i

    def close(self, i: int, start: int) -> int:
        if self.at(i) != "}":
            raise self.fail(start, BAD_SUBSTITUTION)
        return i + 1

    def value(self, name: str) -> str:
        return self.env.get(name) or ""


_HINTS = {
    MISSING_BRACE: ": write '${NAME}' or '${NAME:-default}'",
    NO_NAME: ": write '${NAME}', NAME being letters, digits and '_'",
    BAD_PARAMETER: ": give the missing part, e.g. '${NAME:0:8}', '${NAME#prefix}', '${NAME/old/new}'",
    BAD_SUBSTITUTION: ": check the form against the bash-like forms faas-cli supports, e.g. "
    "'${NAME:-default}', '${#NAME}', '${NAME/old/new}'",
}


def _text(arg: _Arg) -> str:
    return arg if isinstance(arg, str) else arg()


def _case(op: str, value: str) -> str:
    def one(c: str, upper: bool) -> str:
        mapped = c.upper() if upper else c.lower()
        return mapped if len(mapped) == 1 else c

    if not value:
        return value
    if op == "^":
        return one(value[0], True) + value[1:]
    if op == "^^":
        return "".join(one(c, True) for c in value)
    if op == ",":
        return one(value[0], False) + value[1:]
    if op == ",,":
        return "".join(one(c, False) for c in value)
    return value  # `,^` and `^,`: faas-cli treats them as a default with nothing to default to


def _atoi(text: str) -> int | None:
    if not _ATOI.fullmatch(text):
        return None
    number = int(text)
    return number if -_INT64 <= number < _INT64 else None


def _substring(value: str, pos_text: str, len_text: str | None, start: int, parser: _Parser) -> str:
    data = value.encode("utf-8", "surrogatepass")
    pos = _atoi(pos_text)
    if pos is None:
        return value
    if pos < 0:
        pos = max(len(data) + pos, 0)
    if len_text is None:
        part = data[pos:]
    else:
        length = _atoi(len_text)
        if length is None:
            return value
        if pos + length >= len(data):
            part = data[pos:]
        elif length < 0:
            raise parser.fail(start, "a negative length, which makes faas-cli crash")
        else:
            part = data[pos : pos + length]
    try:
        return part.decode("utf-8")
    except UnicodeDecodeError:
        raise parser.fail(start, "the part cuts a multi-byte character, faas-cli counts bytes") from None


def _replace(value: str, op: str, pattern: str, replacement: str | None) -> str:
    if op == "/":
        return value.replace(pattern, replacement or "", 1)
    if op == "//":
        return value.replace(pattern, replacement or "")
    if replacement is None:
        return value  # `${v/#p/}` and `${v/%p/}`: faas-cli leaves the value unchanged
    if op == "/#":
        return value.replace(pattern, replacement, 1) if value.startswith(pattern) else value
    if value.endswith(pattern):
        return value[: len(value) - len(pattern)] + replacement
    return value


def _trim(value: str, pattern: str, op: str, start: int, parser: _Parser) -> str:
    """`#`, `##`, `%`, `%%` as drone/envsubst does them: over bytes, a suffix by reversing runes."""
    suffix = op[0] == "%"
    subject = (value[::-1] if suffix else value).encode("utf-8", "surrogatepass")
    try:
        matcher = _GlobPattern(pattern[::-1] if suffix else pattern)
    except ValueError:
        return value
    cut = 0
    for size in range(len(subject), 0, -1):
        if matcher.match(_go_runes(subject[:size])):
            cut = size
            if len(op) == 2:
                break
    rest = subject[cut:]
    if suffix:  # Go's []rune turns a cut character into U+FFFD before reversing back
        return "".join("\ufffd" if _is_lone_byte(u) else u for u in _go_runes(rest))[::-1]
    try:
        return rest.decode("utf-8")
    except UnicodeDecodeError:
        raise parser.fail(start, "the trim cuts a multi-byte character, faas-cli counts bytes") from None


def _go_runes(data: bytes) -> list[str]:
    """`data` as Go ranges over it: a character per valid UTF-8 sequence, else one unit per byte."""
    units: list[str] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        width = (
            1
            if b < 0x80
            else 2
            if 0xC2 <= b < 0xE0
            else 3
            if 0xE0 <= b < 0xF0
            else 4
            if 0xF0 <= b < 0xF5
            else 0
        )
        if width == 1:
            units.append(chr(b))
            i += 1
            continue
        if width:
            try:
                units.append(data[i : i + width].decode("utf-8"))
                i += width
                continue
            except UnicodeDecodeError:
                pass
        units.append(chr(0xDC00 + b))  # a lone byte: matches only `?`, `*` and negated classes
        i += 1
    return units


def _is_lone_byte(unit: str) -> bool:
    return 0xDC80 <= ord(unit) <= 0xDCFF


class _GlobPattern:
    """drone/envsubst's patterns (its own copy of Go's `path.Match`, where `*` and `?` also match
    `/`): `*`, `?`, `[...]`/`[^...]` and `\\`."""

    def __init__(self, pattern: str) -> None:
        # tokens: ("*",), ("?",), ("c", char), ("[", negated, ranges)
        self.tokens: list[tuple[object, ...]] = []
        i, n = 0, len(pattern)
        while i < n:
            c = pattern[i]
            if c == "*":
                self.tokens.append(("*",))
                i += 1
            elif c == "?":
                self.tokens.append(("?",))
                i += 1
            elif c == "\\":
                if i + 1 >= n:
                    raise ValueError("bad pattern")
                self.tokens.append(("c", pattern[i + 1]))
                i += 2
            elif c == "[":
                i += 1
                negated = i < n and pattern[i] == "^"
                if negated:
                    i += 1
                ranges: list[tuple[str, str]] = []
                while True:
                    if i < n and pattern[i] == "]" and ranges:
                        i += 1
                        break
                    lo, i = self._escaped(pattern, i)
                    hi = lo
                    if i < n and pattern[i] == "-":
                        hi, i = self._escaped(pattern, i + 1)
                    ranges.append((lo, hi))
                self.tokens.append(("[", negated, tuple(ranges)))
            else:
                self.tokens.append(("c", c))
                i += 1

    @staticmethod
    def _escaped(pattern: str, i: int) -> tuple[str, int]:
        if i >= len(pattern) or pattern[i] in "-]":
            raise ValueError("bad pattern")
        if pattern[i] == "\\":
            i += 1
            if i >= len(pattern):
                raise ValueError("bad pattern")
        return pattern[i], i + 1

    def match(self, text: str | list[str]) -> bool:
        # positions of the text reachable after each token (a set-based NFA walk, linear per token)
        states = {0}
        for token in self.tokens:
            kind = token[0]
            nxt: set[int] = set()
            if kind == "*":
                for p in sorted(states):
                    q = p
                    nxt.add(q)
                    while q < len(text):
                        q += 1
                        nxt.add(q)
            else:
                for p in states:
                    if p >= len(text):
                        continue
                    c = text[p]
                    if kind == "?":
                        ok = True
                    elif kind == "c":
                        ok = c == token[1]
                    else:
                        negated, ranges = token[1], token[2]
                        assert isinstance(ranges, tuple)
                        inside = any(lo <= c <= hi for lo, hi in ranges)
                        ok = inside != negated
                    if ok:
                        nxt.add(p + 1)
            states = nxt
            if not states:
                return False
        return len(text) in states
