"""Hiding secret values in text in every common encoding, and finding them in settings."""

from __future__ import annotations

import base64
import html
import json
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.preflight.exposure import Place, find_exposures
from components.shared import redaction
from components.shared.redaction import (
    REDACTED,
    SecretIndex,
    encodings,
    find_secret,
    find_short_secret,
    holds_part,
    redactor,
)
from tests.support.secret_search import leaks

SECRET = "R^YqzKzSJw51K9zPpQ3R3N"
TEXTS = {
    "raw": f"bad key {SECRET}",
    "URL-encoded": "key=" + urllib.parse.quote(SECRET, safe=""),
    "form-encoded": urllib.parse.urlencode({"key": SECRET + " x"}),
    "JSON-escaped": json.dumps({"key": 'a"b/' + SECRET}),
    "base64": base64.b64encode(SECRET.encode()).decode(),
    "base64 at offset 1": base64.b64encode(b"k" + SECRET.encode() + b"!").decode(),
    "base64 at offset 2": base64.b64encode(b"k=" + SECRET.encode() + b"!!").decode(),
    "base64url at offset 1": base64.urlsafe_b64encode(b"k" + SECRET.encode()).decode(),
    "hex": SECRET.encode().hex(),
    "HEX": SECRET.encode().hex().upper(),
    "lower-cased": f"key {SECRET.lower()}",
    "URL-encoded twice": "next=" + urllib.parse.quote("key=" + urllib.parse.quote(SECRET, safe=""), safe=""),
    "hex with colons": SECRET.encode().hex(":"),
    "hex with spaces": SECRET.encode().hex(" ").upper(),
    "hex as \\x escapes": "".join(f"\\x{byte:02x}" for byte in SECRET.encode()),
    "base32": base64.b32encode(SECRET.encode()).decode(),
    "base32 at offset 3": base64.b32encode(b"k=v" + SECRET.encode()).decode(),
    "base32 in lower case": base64.b32encode(b"k" + SECRET.encode()).decode().lower(),
}
# Quotes, brackets and `&`: the characters HTML and repr escape.
QUOTED = "R&Yq<zK>zSJw51'K9\"zPpQ"
QUOTED_TEXTS = {
    "HTML-escaped": f"<p>{html.escape(QUOTED)}</p>",
    "HTML-escaped, quotes kept": f"<p>{html.escape(QUOTED, quote=False)}</p>",
    "HTML decimal entities": "".join(f"&#{ord(char)};" for char in QUOTED),
    "HTML hex entities": "".join(f"&#x{ord(char):X};" for char in QUOTED),
    "URL-encoded twice": urllib.parse.quote(urllib.parse.quote(QUOTED, safe=""), safe=""),
    "Python repr": repr({"key": QUOTED}),
    "Python repr of bytes": repr(QUOTED.encode()),
}
# http.client sends a header in Latin-1, so a server echoes `ö` as the byte F6.
LATIN = "Passwörd-Secret-9x"
LATIN_BYTES = LATIN.encode("latin-1")
LATIN_TEXTS = {
    "read as UTF-8": (b"bad key " + LATIN_BYTES).decode("utf-8", errors="replace"),
    "base64": base64.b64encode(LATIN_BYTES).decode(),
    "base64 at offset 1": base64.b64encode(b"k" + LATIN_BYTES).decode(),
    "base64url": base64.urlsafe_b64encode(b"k=" + LATIN_BYTES).decode(),
    "hex": LATIN_BYTES.hex(),
}


@pytest.mark.parametrize("form", sorted(TEXTS))
def test_every_common_encoding_of_a_secret_is_redacted(form: str) -> None:
    redacted = redactor([SECRET])(TEXTS[form])
    assert REDACTED in redacted
    assert leaks(redacted, [SECRET]) == []


@pytest.mark.parametrize("form", sorted(QUOTED_TEXTS))
def test_a_secret_html_escaped_url_encoded_twice_or_in_a_repr_is_redacted(form: str) -> None:
    redacted = redactor([QUOTED])(QUOTED_TEXTS[form])
    assert REDACTED in redacted
    assert leaks(redacted, [QUOTED]) == []


def test_a_repr_of_a_secret_loses_only_the_value() -> None:
    assert redactor([QUOTED])(repr(QUOTED)) == "'[secret]'"


def test_a_secret_with_a_quote_and_a_tab_is_redacted_in_the_double_quoted_repr_python_picks() -> None:
    value = "it's\tthe-key-0042"
    assert repr({"key": value}) == """{'key': "it's\\tthe-key-0042"}"""
    assert redactor([value])(repr({"key": value})) == """{'key': "[secret]"}"""


@pytest.mark.parametrize("form", sorted(LATIN_TEXTS))
def test_a_secret_echoed_as_its_latin_1_bytes_is_redacted(form: str) -> None:
    redacted = redactor([LATIN])(LATIN_TEXTS[form])
    assert REDACTED in redacted
    assert leaks(redacted, [LATIN]) == []


def test_a_latin_1_echo_read_as_utf_8_is_redacted_whole() -> None:
    assert redactor([LATIN])(LATIN_TEXTS["read as UTF-8"]) == "bad key [secret]"


def test_find_secret_names_the_latin_1_form() -> None:
    assert find_secret(LATIN_BYTES.hex(), {"password": LATIN}) == ("password", "hex of its Latin-1 bytes")


def test_a_secret_json_escaped_as_go_writes_it_is_redacted() -> None:
    value = "Ab&cd<ef>gh12345"
    body = '{"key":"Ab\\u0026cd\\u003cef\\u003egh12345"}'  # Go's json.Marshal of {"key": value}
    assert redactor([value])(body) == '{"key":"[secret]"}'
    assert leaks(body, [value]) == ["JSON (Go)"]


def test_a_secret_with_a_trailing_newline_is_redacted_without_it_too() -> None:
    assert redactor([SECRET + "\n"])(f"got {SECRET}.") == "got [secret]."


def test_text_without_a_secret_is_unchanged() -> None:
    assert redactor([SECRET])("Access denied!") == "Access denied!"


def test_no_secrets_redact_nothing() -> None:
    assert redactor([])("anything") == "anything"
    assert redactor([""])("anything") == "anything"


def test_find_secret_names_the_secret_and_the_encoding_never_the_value() -> None:
    assert find_secret("Ul5ZcXpLelNKdzUxSzl6UHBRM1IzTg==", {"api-key": SECRET}) == ("api-key", "base64")


def test_find_secret_skips_short_values_and_plain_words() -> None:
    assert find_secret("write_debug=true", {"flag": "true", "host": "localhost"}) is None
    assert find_secret("http://localhost:8080", {"host": "localhost"}) is None


def test_find_short_secret_matches_only_the_whole_text() -> None:
    assert find_short_secret("true", {"flag": "true"}) == "flag"
    assert find_short_secret("true and false", {"flag": "true"}) is None
    assert find_short_secret("localhost", {"host": "localhost"}) == "host"


def test_find_secret_names_the_first_secret_by_name_in_the_first_of_its_forms_the_text_holds() -> None:
    values = {"b-key": SECRET, "a-key": "Zm9vYmFyLXNlY3JldA"}
    text = f"{base64.b64encode(SECRET.encode()).decode()} {SECRET} and Zm9vYmFyLXNlY3JldA"
    assert find_secret(text, values) == ("a-key", "raw")
    assert find_secret(text.removesuffix(" and Zm9vYmFyLXNlY3JldA"), values) == ("b-key", "raw")


def _first_form(text: str, values: dict[str, str]) -> tuple[str, str] | None:
    """find_secret as specified: each secret by name, each of its forms in order."""
    for name in sorted(values):
        if redaction.is_plausible_coincidence(values[name]):
            continue
        for form, encoding in encodings(values[name]).items():
            if form in text:
                return name, encoding
    return None


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from("abcdef"), st.text("xyzXYZ0123+/=%", min_size=6, max_size=14), max_size=4
    ),
    st.lists(st.tuples(st.sampled_from("abcdef"), st.integers(0, 60)), max_size=4),
    st.text("xyzXYZ0123+/=% ", max_size=40),
)
def test_an_index_finds_what_searching_each_secrets_forms_in_order_finds(
    values: dict[str, str], picks: list[tuple[str, int]], filler: str
) -> None:
    text = filler
    for name, which in picks:
        if name in values:
            forms = list(encodings(values[name]))
            text += forms[which % len(forms)] + filler
    assert SecretIndex(values).find(text) == _first_form(text, values)


def test_find_exposures_computes_each_secrets_forms_once_for_all_places(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    computed: list[str] = []
    real = redaction.encodings

    def counted(value: str) -> dict[str, str]:
        computed.append(value)
        return real(value)

    monkeypatch.setattr(redaction, "encodings", counted)
    secrets = {f"s{i}": f"value-{i:06d}-Xq9" for i in range(50)}
    places = [Place(f"environment 'E{i}'", f"plain-{i}") for i in range(200)]
    assert find_exposures(places, secrets) == ([], [])
    assert sorted(computed) == sorted(secrets.values())


def test_a_text_holding_half_a_secret_in_a_row_in_any_case_holds_part_of_it() -> None:
    assert holds_part(f"bad key {SECRET[5:16].lower()}!", [SECRET]) is True


def test_a_text_holding_less_than_half_a_secret_in_a_row_does_not_hold_part_of_it() -> None:
    assert holds_part(f"bad key {SECRET[:10]} {SECRET[10:20]}", [SECRET]) is False


def test_eight_characters_in_a_row_of_a_secret_of_twelve_are_part_of_it() -> None:
    assert holds_part("id 3f9a-77c1", ["3f9a-77c1-b2"]) is True
    assert holds_part("id 3f9a-77", ["3f9a-77c1-b2"]) is False


def test_a_secret_under_twelve_characters_has_no_part_to_hold() -> None:
    assert holds_part("id 3f9a-77c1-b", ["3f9a-77c1-b"]) is False
