"""Finding and hiding secret values in text, in the encodings a server or a user may apply.

A secret can come back from a function JSON-escaped, URL-encoded, base64- or hex-encoded, or
pasted by hand into some other setting. `encodings` lists the forms searched for; `redactor`
replaces all of them by `[secret]`; `find_secret` says which form a text holds (for messages
that name the key and the form, never the value).
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping

REDACTED = "[secret]"
# Encoded forms shorter than this are not searched for inside larger text (only the raw value is):
# a 2-character base64 fragment would match almost any body.
MIN_ENCODED_CHARS = 4


def encodings(value: str) -> dict[str, str]:
    """Each encoded form of `value` -> the name of its encoding ("raw", "URL", "JSON", ...).

    Base64 and base64url are searched at the three byte alignments a value can have inside a
    larger encoded text, keeping only the characters the value alone decides.
    """
    if not value:
        return {}
    data = value.encode("utf-8")
    forms: dict[str, str] = {}

    def add(form: str, name: str) -> None:
        if form and (form == value or len(form) >= MIN_ENCODED_CHARS):
            forms.setdefault(form, name)

    add(value, "raw")
    for quoted in (
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        urllib.parse.quote(value, safe="/:@"),
    ):
        add(quoted, "URL-encoded")
        add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted), "URL-encoded")
    for escaped in (json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]):
        add(escaped, "JSON-escaped")
        add(escaped.replace("/", "\\/"), "JSON-escaped")
        add(_go_html_safe(escaped), "JSON-escaped")
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        total = offset + len(data)
        start, end = -(-8 * offset // 6), 8 * total // 6
        core = encoded[start:end]
        add(core, "base64")
        add(core.replace("+", "-").replace("/", "_"), "base64url")
    add(base64.b64encode(data).decode(), "base64")
    add(base64.urlsafe_b64encode(data).decode(), "base64url")
    add(data.hex(), "hex")
    add(data.hex().upper(), "hex")
    return forms


# Go's encoding/json (what OpenFaaS functions and the gateway are written with) escapes these by
# default, so a JSON body from Go holds `\u0026` where the value has `&`.
_GO_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _go_html_safe(escaped: str) -> str:
    return "".join(_GO_HTML_ESCAPES.get(char, char) for char in escaped)


def redactor(values: Iterable[str]) -> Callable[[str], str]:
    """A function replacing every value, in every form of `encodings`, by `[secret]`."""
    needles: set[str] = set()
    for value in values:
        needles.update(encodings(value))
        # A value with a line break may come back with CRLF normalised to LF, or trimmed.
        stripped = value.strip()
        if stripped != value and len(stripped) >= MIN_ENCODED_CHARS:
            needles.update(encodings(stripped))
    ordered = sorted(needles, key=len, reverse=True)
    if not ordered:
        return lambda text: text
    # Case-insensitive: hex and percent-escapes come in either case, and a value a server
    # lower-cased is still most of the secret.
    pattern = re.compile("|".join(re.escape(needle) for needle in ordered), re.IGNORECASE)

    def redact(text: str) -> str:
        return pattern.sub(REDACTED, text)

    return redact


# A value like `localhost` or `openfaas-fn` may well be both a secret and a setting.
_PLAIN_WORD = re.compile(r"[a-z.-]{1,15}", re.ASCII)


def is_plausible_coincidence(value: str, *, min_chars: int = 8) -> bool:
    """True for values another setting may hold by chance: short, or one lower-case word."""
    return len(value.strip()) < min_chars or _PLAIN_WORD.fullmatch(value.strip()) is not None


def find_secret(text: str, values: Mapping[str, str], *, min_chars: int = 8) -> tuple[str, str] | None:
    """(secret name, encoding) of the first secret whose value `text` holds, or None.

    Values that are a plausible coincidence (`is_plausible_coincidence`) are not searched for
    here; see `find_short_secret`.
    """
    for name in sorted(values):
        value = values[name]
        if is_plausible_coincidence(value, min_chars=min_chars):
            continue
        for form, encoding in encodings(value).items():
            if form in text:
                return name, encoding
    return None


def find_short_secret(text: str, values: Mapping[str, str], *, min_chars: int = 8) -> str | None:
    """The name of a secret that is a plausible coincidence and exactly `text`, or None."""
    for name in sorted(values):
        value = values[name]
        if (
            value.strip()
            and is_plausible_coincidence(value, min_chars=min_chars)
            and text.strip() == value.strip()
        ):
            return name
    return None
