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
import functools
import html
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping

REDACTED = "[secret]"
# Shorter secret values are not redacted from messages (they would garble them); preflight warns
# about them.
MIN_REDACTED_CHARS = 8
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
    return dict(_encodings(value))


# Each stage that searches or redacts (config, preflight, the check, the readiness wait) asks for
# the same values' forms: computed once per process. Forms are built with C-speed builtins
# (`str.translate`, `bytes.hex`): a 900 KB value has some 25 MB of them.
@functools.lru_cache(maxsize=64)
def _encodings(value: str) -> dict[str, str]:
    if not value:
        return {}
    data = value.encode("utf-8")
    forms: dict[str, str] = {}

    def add(form: str, name: str) -> None:
        if form and (form == value or len(form) >= MIN_ENCODED_CHARS):
            forms.setdefault(form, name)

    add(value, "raw")
    for quoted in (
        _percent_encoded(data),
        _percent_encoded(data, plus=True),
        _percent_encoded(data, safe="/:@"),
        "%" + data.hex("%").upper(),
    ):
        add(quoted, "URL-encoded")
        add(_lower_escapes(quoted), "URL-encoded")
    twice = _percent_encoded(_percent_encoded(data).encode())
    add(twice, "URL-encoded twice")
    add(_lower_escapes(twice), "URL-encoded twice")
    for escaped in (json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]):
        add(escaped, "JSON-escaped")
        add(escaped.replace("/", "\\/"), "JSON-escaped")
        add(_go_html_safe(escaped), "JSON-escaped")
    add(html.escape(value), "HTML-escaped")
    add(html.escape(value, quote=False), "HTML-escaped")
    characters = set(value)
    add(value.translate({ord(char): f"&#{ord(char)};" for char in characters}), "HTML-escaped")
    add(value.translate({ord(char): f"&#x{ord(char):x};" for char in characters}), "HTML-escaped")
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
    for upper in (False, True):
        for separator in ("", ":", " ", "-"):
            hexed = data.hex(separator) if separator else data.hex()
            yield (hexed.upper() if upper else hexed), "hex"
        escaped = "\\x" + data.hex("|").replace("|", "\\x")
        yield (escaped.upper().replace("\\X", "\\x") if upper else escaped), "hex"


def _latin_1(value: str) -> bytes | None:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return None


# urllib.parse.quote's unreserved characters, never escaped
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


@functools.lru_cache(maxsize=8)
def _percent_table(safe: str, plus: bool) -> dict[int, str]:
    keep = _UNRESERVED | frozenset(safe.encode())
    table = {byte: f"%{byte:02X}" for byte in range(256) if byte not in keep}
    if plus:
        table[ord(" ")] = "+"
    return table


def _percent_encoded(data: bytes, safe: str = "", plus: bool = False) -> str:
    """As `urllib.parse.quote(data, safe)` (`quote_plus` when `plus`), at C speed: each byte
    read as the Latin-1 character of the same number and translated."""
    return data.decode("latin-1").translate(_percent_table(safe, plus))


def _lower_escapes(quoted: str) -> str:
    """`quoted` with the hex digits of its %-escapes in lower case."""
    head, *escapes = quoted.split("%")
    return "%".join([head, *(escape[:2].lower() + escape[2:] for escape in escapes)])


# Go's encoding/json (what OpenFaaS functions and the gateway are written with) escapes these by
# default, so a JSON body from Go holds `\u0026` where the value has `&`.
_GO_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _go_html_safe(escaped: str) -> str:
    return escaped.translate({ord(char): escape for char, escape in _GO_HTML_ESCAPES.items()})


def redactor(values: Iterable[str]) -> Callable[[str], str]:
    """A function replacing every value, in every form of `encodings` and in any letter case, by
    `[secret]`: at each position the longest form found there, left to right.

    Hex and percent-escapes come in either case, and a value a server lower-cased is still most of
    the secret. Time and memory are linear in the size of the forms and of each text redacted (no
    regular expression: one built from a 200 KB value's forms takes gigabytes to compile).
    """
    needles: set[str] = set()
    for value in values:
        needles.update(map(_fold, encodings(value)))
        # A value with a line break may come back with CRLF normalised to LF, or trimmed.
        stripped = value.strip()
        if stripped != value and len(stripped) >= MIN_ENCODED_CHARS:
            needles.update(map(_fold, encodings(stripped)))
    if not needles:
        return lambda text: text
    table = _PrefixTable(needles)

    def redact(text: str) -> str:
        folded = _fold(text)
        pieces: list[str] = []
        kept = position = 0
        while position < len(folded):
            found = next(table.starting_at(folded, position), None)
            if found is None:
                position += 1
                continue
            pieces += [text[kept:position], REDACTED]
            position = kept = position + len(found)
        return "".join([*pieces, text[kept:]]) if pieces else text

    return redact


def _fold(text: str) -> str:
    """`text` in lower case, one character for one (a character whose lower case is longer, as
    `İ`'s, is kept), so that positions in the folded text are positions in `text`."""
    folded = text.lower()
    if len(folded) == len(text):  # lower() never shortens, so each character stayed one
        return folded
    return "".join(lower if len(lower := char.lower()) == 1 else char for char in text)


class _PrefixTable:
    """Forms grouped by their first `MIN_ENCODED_CHARS` characters, to find those starting at a
    position of a text with one dictionary look-up there (and a compare per form that starts so)."""

    def __init__(self, forms: Iterable[str]) -> None:
        self._long: dict[str, list[str]] = {}
        self._short: list[str] = []
        for form in sorted(set(forms), key=len, reverse=True):
            if len(form) < MIN_ENCODED_CHARS:
                self._short.append(form)
            else:
                self._long.setdefault(form[:MIN_ENCODED_CHARS], []).append(form)

    def starting_at(self, text: str, position: int) -> Iterator[str]:
        """The forms `text` holds at `position`, longest first."""
        for form in self._long.get(text[position : position + MIN_ENCODED_CHARS], ()):
            if text.startswith(form, position):
                yield form
        for form in self._short:
            if text.startswith(form, position):
                yield form


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
                self._forms.setdefault(form, (rank, order))
        self._table = _PrefixTable(self._forms)

    def find(self, text: str) -> tuple[str, str] | None:
        """As `find_secret`: (name, encoding) of the first secret by name whose value `text` holds,
        in the first of its forms (in `encodings` order) that `text` holds."""
        found = [
            self._forms[form]
            for position in range(len(text))
            for form in self._table.starting_at(text, position)
        ]
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
