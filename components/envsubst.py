"""`${VAR}` substitution as faas-cli applies it to a stack file's raw text (drone/envsubst forms).

Supported, as in drone/envsubst: `${v}`, `${v:-d}`, `${v:=d}`, `${v=d}`, `${v^}`, `${v^^}`, `${v,}`,
`${v,,}`, `${v:pos}`, `${v:pos:len}`, `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`, `${v/p/r}`,
`${v//p/r}`, `${v/#p/r}`, `${v/%p/r}`, `${#v}`. An unset variable becomes the empty string and a
bare `$VAR` is left alone. The forms drone/envsubst does not support are reported as errors rather
than passed through, so a typo cannot silently end up in an image name.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNSUPPORTED = ("-", "+", ":?", ":+", "?")


class SubstitutionError(ValueError):
    """A `${...}` expression that cannot be substituted; `offset` points at its `$`."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def substitute(text: str, env: Mapping[str, str]) -> str:
    """Return `text` with every `${...}` expression replaced from `env`."""
    out: list[str] = []
    i = 0
    while True:
        start = text.find("${", i)
        if start < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:start])
        end = _closing_brace(text, start)
        out.append(_expand(text[start + 2 : end], env, start))
        i = end + 1


def _closing_brace(text: str, start: int) -> int:
    depth = 0
    for j in range(start + 2, len(text)):
        if text.startswith("${", j):
            depth += 1
        elif text[j] == "}":
            if depth == 0:
                return j
            depth -= 1
        elif text[j] == "\n":
            break
    fragment = text[start:].split("\n", 1)[0].rstrip()
    raise SubstitutionError(f"unterminated '${{' in {fragment!r}: add the closing '}}'", start)


def _expand(expr: str, env: Mapping[str, str], offset: int) -> str:
    if expr.startswith("#"):
        name = expr[1:]
        _require_name(name, expr, offset)
        return str(len(env.get(name, "")))
    match = _NAME.match(expr)
    if match is None:
        raise SubstitutionError(
            f"'${{{expr}}}' does not start with a variable name: write '${{NAME}}' or "
            "'${NAME:-default}', NAME being letters, digits and '_', not starting with a digit",
            offset,
        )
    name, op = match.group(), expr[match.end() :]
    value = env.get(name)
    current = value or ""
    if op == "":
        return current
    if op.startswith((":-", ":=")):
        return current or _nested(op[2:], env, offset)
    if op.startswith("="):
        return _nested(op[1:], env, offset) if value is None else current
    if op in ("^", "^^", ",", ",,"):
        return {
            "^": current[:1].upper() + current[1:],
            "^^": current.upper(),
            ",": current[:1].lower() + current[1:],
            ",,": current.lower(),
        }[op]
    if op.startswith(_UNSUPPORTED):
        raise SubstitutionError(
            f"'${{{expr}}}' uses a form faas-cli does not support; use '${{{name}:-default}}'", offset
        )
    if op.startswith(":"):
        return _slice(current, op[1:], expr, offset)
    if op.startswith(("##", "#")):
        return _trim(current, op.lstrip("#"), prefix=True, longest=op.startswith("##"))
    if op.startswith(("%%", "%")):
        return _trim(current, op.lstrip("%"), prefix=False, longest=op.startswith("%%"))
    if op.startswith("/"):
        return _replace(current, op[1:])
    raise SubstitutionError(
        f"'${{{expr}}}' is not a substitution faas-cli understands: write '${{{name}}}' or "
        f"'${{{name}:-default}}'",
        offset,
    )


def _require_name(name: str, expr: str, offset: int) -> None:
    if not _NAME.fullmatch(name):
        raise SubstitutionError(
            f"'${{{expr}}}' does not name a variable: write '${{#NAME}}' for the length of NAME", offset
        )


def _nested(default: str, env: Mapping[str, str], offset: int) -> str:
    try:
        return substitute(default, env)
    except SubstitutionError as exc:
        raise SubstitutionError(str(exc), offset) from None


def _slice(value: str, spec: str, expr: str, offset: int) -> str:
    parts = spec.split(":")
    try:
        numbers = [int(p.strip()) for p in parts]
    except ValueError:
        raise SubstitutionError(f"'${{{expr}}}': position and length must be integers", offset) from None
    pos = numbers[0]
    if pos < 0:
        pos = max(len(value) + pos, 0)
    if len(numbers) == 1:
        return value[pos:]
    return value[pos : pos + max(numbers[1], 0)]


def _trim(value: str, pattern: str, *, prefix: bool, longest: bool) -> str:
    sizes = range(len(value), -1, -1) if longest else range(len(value) + 1)
    for size in sizes:
        part = value[:size] if prefix else value[len(value) - size :]
        if fnmatch.fnmatchcase(part, pattern):
            return value[size:] if prefix else value[: len(value) - size]
    return value


def _replace(value: str, op: str) -> str:
    mode = ""
    if op[:1] in ("/", "#", "%"):
        mode, op = op[0], op[1:]
    pattern, _, replacement = op.partition("/")
    if not pattern:
        return value
    if mode == "/":
        return value.replace(pattern, replacement)
    if mode == "#":
        return replacement + value[len(pattern) :] if value.startswith(pattern) else value
    if mode == "%":
        return value[: -len(pattern)] + replacement if value.endswith(pattern) else value
    return value.replace(pattern, replacement, 1)
