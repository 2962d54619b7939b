"""Search any output for a secret value, in every encoding it could leak in.

Written independently of `components/shared/redaction.py`, so a form that code forgets is still found.
"""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping


def leaked_forms(secret: str) -> dict[str, str]:
    """Each way `secret` could appear in text -> a name for it (the first name, when two ways
    give the same text)."""
    data = secret.encode()
    go_json = json.dumps(secret)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    named = [
        ("raw", secret),
        ("URL", urllib.parse.quote(secret, safe="")),
        ("URL (form)", urllib.parse.quote_plus(secret)),
        ("URL, twice", urllib.parse.quote(urllib.parse.quote(secret, safe=""), safe="")),
        ("JSON", json.dumps(secret)[1:-1]),
        ("JSON (Go)", go_json),  # Go's encoding/json escapes <, > and & by default
        ("HTML", html.escape(secret)),
        ("HTML (quotes kept)", html.escape(secret, quote=False)),
        ("HTML decimal entities", "".join(f"&#{ord(c)};" for c in secret)),
        ("HTML hex entities", "".join(f"&#x{ord(c):x};" for c in secret)),
        # repr: each character as repr writes it alone, `'` escaped or not (repr picks the quotes)
        ("repr", "".join(repr(c)[1:-1] for c in secret)),
        ("repr (single-quoted)", "".join("\\'" if c == "'" else repr(c)[1:-1] for c in secret)),
        ("bytes repr", "".join(repr(bytes([b]))[2:-1] for b in data)),
        ("bytes repr (single-quoted)", "".join("\\'" if b == 39 else repr(bytes([b]))[2:-1] for b in data)),
        ("hex with ':'", ":".join(f"{b:02x}" for b in data)),
        ("hex with spaces", " ".join(f"{b:02x}" for b in data)),
        ("hex as \\x escapes", "".join(f"\\x{b:02x}" for b in data)),
        # made into a name: lower case, runs of other characters as '-' (a DNS label, a Swarm name)
        ("as a name", re.sub(r"[^a-z0-9]+", "-", secret.lower()).strip("-")),
        *_binary(data, ""),
    ]
    try:
        latin = secret.encode("latin-1")
    except UnicodeEncodeError:
        latin = data
    if latin != data:
        # http.client sends a header as Latin-1; an echo of those bytes is read as UTF-8
        named += [("Latin-1 read as UTF-8", latin.decode("utf-8", "replace")), *_binary(latin, " of Latin-1")]
    forms: dict[str, str] = {}
    for name, form in named:
        if len(form) >= 6:
            forms.setdefault(form, name)
    return forms


def _binary(data: bytes, suffix: str) -> list[tuple[str, str]]:
    """(name, form) for hex, base64, base64url and base32 of `data`, at each alignment."""
    named = [
        ("hex", data.hex()),
        ("base64", base64.b64encode(data).decode().rstrip("=")),
        ("base64url", base64.urlsafe_b64encode(data).decode().rstrip("=")),
        ("base32", base64.b32encode(data).decode().rstrip("=")),
    ]
    for offset in (1, 2):
        # Inside a longer base64 text the value starts mid-group: drop the mixed characters.
        inner = base64.b64encode(b"\0" * offset + data).decode()[offset + 1 : (8 * (offset + len(data))) // 6]
        named += [(f"base64 at offset {offset}", inner)]
        named += [(f"base64url at offset {offset}", inner.replace("+", "-").replace("/", "_"))]
    for offset in (1, 2, 3, 4):
        # base32 packs 5 bytes in 8 characters of 5 bits each
        shifted = base64.b32encode(b"\0" * offset + data).decode()
        named += [
            (f"base32 at offset {offset}", shifted[(8 * offset + 4) // 5 : (8 * (offset + len(data))) // 5])
        ]
    return [(name + suffix, form) for name, form in named]


def leaks(text: str, secrets: Iterable[str]) -> list[str]:
    """`<encoding>` for each form of each secret found in `text`, in any case, and `part` for a
    secret of 12 or more characters of which `text` holds half or more (at least 8) in a row
    (empty when none is)."""
    folded = text.lower()
    found = []
    for secret in secrets:
        names = [name for form, name in leaked_forms(secret).items() if form.lower() in folded]
        run = max(8, len(secret) // 2)
        parts = (secret[i : i + run].lower() for i in range(len(secret) - run + 1))
        if not names and len(secret) >= 12 and any(part in folded for part in parts):
            names.append("part")
        found += names
    return found


def config_leaves(value: object) -> Iterator[str]:
    """Every leaf of a config value as text (what a case sets, to search output for)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for inner in value.values():
            yield from config_leaves(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from config_leaves(inner)
    elif value is not None:
        yield json.dumps(value)
