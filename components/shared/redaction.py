"""Finding and hiding secret values in text, in the encodings a server or a user may apply.

A secret can come back from a function JSON- or HTML-escaped, URL-encoded (once or twice), base64-,
base32- or hex-encoded, as a Python repr, as its Latin-1 bytes, or be pasted by hand into some
other setting. `encodings` lists the forms searched for; `redactor`
replaces all of them by `[secret]`; `find_secret` says which form a text holds (for messages
that name the key and the form, never the value); `SecretIndex` does that for many texts, each
secret's forms computed once.
"""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping

REDACTED = "[secret]"
# Encoded forms shorter than this are not searched for inside larger text (only the raw value is):
# a 2-character base64 fragment would match almost any body.
MIN_ENCODED_CHARS = 4


def encodings(value: str) -> dict[str, str]:
    """Each encoded form of `value` -> the name of its encoding ("raw", "URL-encoded", ...).

    Base64, base64url and base32 are searched at each byte alignment a value can have inside a
    larger encoded text, keeping only the characters the value alone decides. A value that has a
    Latin-1 form other than its UTF-8 one (`ö`) is also searched as those bytes: `http.client`
    sends a header in Latin-1, and a body echoing them is read as UTF-8 with U+FFFD for each.
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
        "".join(f"%{byte:02X}" for byte in data),
    ):
        add(quoted, "URL-encoded")
        add(_lower_escapes(quoted), "URL-encoded")
    twice = urllib.parse.quote(urllib.parse.quote(value, safe=""), safe="")
    add(twice, "URL-encoded twice")
    add(_lower_escapes(twice), "URL-encoded twice")
    for escaped in (json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]):
        add(escaped, "JSON-escaped")
        add(escaped.replace("/", "\\/"), "JSON-escaped")
        add(_go_html_safe(escaped), "JSON-escaped")
    add(html.escape(value), "HTML-escaped")
    add(html.escape(value, quote=False), "HTML-escaped")
    add("".join(f"&#{ord(char)};" for char in value), "HTML-escaped")
    add("".join(f"&#x{ord(char):x};" for char in value), "HTML-escaped")
    # Python's repr escapes `'` only when the text holds both quotes, which depends on the text
    # around the value: both ways.
    for quoted in (repr(value)[1:-1], repr(data)[2:-1]):
        add(quoted, "Python repr")
        add(quoted.replace("\\'", "'"), "Python repr")
    for form, name in _binary_forms(data):
        add(form, name)
    latin = _latin_1(value)
    if latin is not None and latin != data:
        add(latin.decode("utf-8", errors="replace"), "Latin-1")
        for form, name in _binary_forms(latin):
            add(form, f"{name} of its Latin-1 bytes")
    return forms


def _binary_forms(data: bytes) -> Iterator[tuple[str, str]]:
    """Base64, base64url, base32 (at every alignment) and hex (plain or with separators) of `data`."""
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        start, end = -(-8 * offset // 6), 8 * (offset + len(data)) // 6
        yield encoded[start:end], "base64"
        yield encoded[start:end].replace("+", "-").replace("/", "_"), "base64url"
    yield base64.b64encode(data).decode(), "base64"
    yield base64.urlsafe_b64encode(data).decode(), "base64url"
    for offset in range(5):
        encoded = base64.b32encode(b"\0" * offset + data).decode()
        yield encoded[-(-8 * offset // 5) : 8 * (offset + len(data)) // 5], "base32"
    yield base64.b32encode(data).decode(), "base32"
    for hexed in (data.hex(), data.hex().upper()):
        yield hexed, "hex"
        pairs = [hexed[i : i + 2] for i in range(0, len(hexed), 2)]
        for separator in (":", " ", "-"):
            yield separator.join(pairs), "hex"
        yield "".join(f"\\x{pair}" for pair in pairs), "hex"


def _latin_1(value: str) -> bytes | None:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return None


def _lower_escapes(quoted: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted)


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


# A text holding this many characters of a secret in a row (of at least half of one of 12 or
# more) gives much of it away: a server that echoes the first 16 characters of a key, say.
PART_MIN_SECRET_CHARS = 12
PART_MIN_CHARS = 8


def holds_part(text: str, values: Iterable[str]) -> bool:
    """True when `text` holds, in any case, max(8, half its length) consecutive characters of a
    value of 12 or more characters (its whitespace taken out, or not)."""
    folded = text.lower()
    for value in values:
        for whole in {value.strip().lower(), "".join(value.split()).lower()}:
            run = max(PART_MIN_CHARS, len(whole) // 2)
            if len(whole) < PART_MIN_SECRET_CHARS or len(folded) < run:
                continue
            parts = {whole[start : start + run] for start in range(len(whole) - run + 1)}
            if any(folded[start : start + run] in parts for start in range(len(folded) - run + 1)):
                return True
    return False


# A value like `localhost` or `openfaas-fn` may well be both a secret and a setting.
_PLAIN_WORD = re.compile(r"[a-z.-]{1,15}", re.ASCII)


def is_plausible_coincidence(value: str, *, min_chars: int = 8) -> bool:
    """True for values another setting may hold by chance: short, or one lower-case word."""
    return len(value.strip()) < min_chars or _PLAIN_WORD.fullmatch(value.strip()) is not None


class SecretIndex:
    """Every secret's forms (`encodings`), computed once, to search many texts for them.

    A text is searched in time about linear in its length, whatever the number of secrets: forms
    are indexed by their first `MIN_ENCODED_CHARS` characters and only the forms starting at a
    position are compared there. Values that are a plausible coincidence are looked up whole only.
    """

    def __init__(self, values: Mapping[str, str], *, min_chars: int = 8) -> None:
        self._names = sorted(values)
        # form -> (its secret's rank by name, its rank among that secret's forms), the least kept
        self._forms: dict[str, tuple[int, int]] = {}
        # the first MIN_ENCODED_CHARS characters of forms -> the lengths of the forms starting so
        self._lengths: dict[str, list[int]] = {}
        self._short: dict[str, tuple[int, int]] = {}
        self._coincidences: dict[str, str] = {}
        self._encoding: dict[str, list[str]] = {}
        for rank, name in enumerate(self._names):
            value = values[name]
            if is_plausible_coincidence(value, min_chars=min_chars):
                if value.strip():
                    self._coincidences.setdefault(value.strip(), name)
                continue
            forms = encodings(value)
            self._encoding[name] = list(forms.values())
            for order, form in enumerate(forms):
                table = self._short if len(form) < MIN_ENCODED_CHARS else self._forms
                table.setdefault(form, (rank, order))
        for form in self._forms:
            lengths = self._lengths.setdefault(form[:MIN_ENCODED_CHARS], [])
            if len(form) not in lengths:
                lengths.append(len(form))

    def find(self, text: str) -> tuple[str, str] | None:
        """As `find_secret`: (name, encoding) of the first secret by name whose value `text` holds,
        in the first of its forms (in `encodings` order) that `text` holds."""
        found = [ranks for form, ranks in self._short.items() if form in text]
        forms, lengths_at = self._forms, self._lengths
        for start in range(len(text) - MIN_ENCODED_CHARS + 1):
            for length in lengths_at.get(text[start : start + MIN_ENCODED_CHARS], ()):
                ranks = forms.get(text[start : start + length])
                if ranks is not None:
                    found.append(ranks)
        if not found:
            return None
        rank, order = min(found)
        name = self._names[rank]
        return name, self._encoding[name][order]

    def find_short(self, text: str) -> str | None:
        """As `find_short_secret`: the name of a plausible-coincidence secret that is `text`."""
        return self._coincidences.get(text.strip()) if text.strip() else None

    def holds(self, text: str) -> bool:
        """True when `text` holds a secret's value (`find`) or is a short one (`find_short`)."""
        return self.find(text) is not None or self.find_short(text) is not None


def find_secret(text: str, values: Mapping[str, str], *, min_chars: int = 8) -> tuple[str, str] | None:
    """(secret name, encoding) of the first secret whose value `text` holds, or None.

    Values that are a plausible coincidence (`is_plausible_coincidence`) are not searched for
    here; see `find_short_secret`. To search many texts, build one `SecretIndex`.
    """
    return SecretIndex(values, min_chars=min_chars).find(text)


def find_short_secret(text: str, values: Mapping[str, str], *, min_chars: int = 8) -> str | None:
    """The name of a secret that is a plausible coincidence and exactly `text`, or None."""
    return SecretIndex(values, min_chars=min_chars).find_short(text)


EXCERPT_CHARS = 200
WITHHELD = "[withheld: it holds a secret split across lines]"


WITHHELD_PART = "[withheld: it holds part of a secret]"


def excerpt(
    body: str, redact: Callable[[str], str], secrets: Iterable[str] = (), limit: int = EXCERPT_CHARS
) -> str:
    """The text, redacted, whitespace collapsed, cut to `limit` characters (with `...`).

    Better less of a body than a secret: a body is not shown at all when it still holds a secret
    once its whitespace is taken out (base64 wrapped at 76 columns, say), or when what would be
    shown holds a long part of one of `secrets` (`holds_part`: a server that echoes
    the first 16 characters of a key).
    """
    redacted = redact(body)
    squeezed = "".join(redacted.split())
    if redact(squeezed) != squeezed:
        return WITHHELD
    flat = " ".join(redacted.split())
    shown = flat if len(flat) <= limit else flat[: limit - 3] + "..."
    if holds_part(shown, secrets) or holds_part("".join(shown.split()), secrets):
        return WITHHELD_PART
    return shown
