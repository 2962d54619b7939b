"""Search any output for a secret value, in every encoding it could leak in.

Written independently of `components/redaction.py`, so a form that code forgets is still found.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping


def leaked_forms(secret: str) -> dict[str, str]:
    """Each way `secret` could appear in text -> a name for it."""
    data = secret.encode()
    forms = {
        secret: "raw",
        urllib.parse.quote(secret, safe=""): "URL",
        urllib.parse.quote_plus(secret): "URL (form)",
        json.dumps(secret)[1:-1]: "JSON",
        # Go's encoding/json escapes <, > and & by default
        json.dumps(secret)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"): (
            "JSON (Go)"
        ),
        data.hex(): "hex",
        data.hex().upper(): "HEX",
        base64.b64encode(data).decode().rstrip("="): "base64",
        base64.urlsafe_b64encode(data).decode().rstrip("="): "base64url",
    }
    # made into a name: lower case, runs of other characters as '-' (a DNS label, a Swarm name)
    forms.setdefault(re.sub(r"[^a-z0-9]+", "-", secret.lower()).strip("-"), "as a name")
    for offset in (1, 2):
        # Inside a longer base64 text the value starts mid-group: drop the mixed characters.
        shifted = base64.b64encode(b"\0" * offset + data).decode()
        inner = shifted[offset + 1 : (8 * (offset + len(data))) // 6]
        forms[inner] = f"base64 at offset {offset}"
        forms[inner.replace("+", "-").replace("/", "_")] = f"base64url at offset {offset}"
    return {form: name for form, name in forms.items() if len(form) >= 6}


def leaks(text: str, secrets: Iterable[str]) -> list[str]:
    """`<encoding>` for each form of each secret found in `text`, in any case (empty when none is)."""
    folded = text.lower()
    return [
        name for secret in secrets for form, name in leaked_forms(secret).items() if form.lower() in folded
    ]


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
