"""Hiding secret values in text in every common encoding, and finding them in settings."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from components.redaction import REDACTED, find_secret, find_short_secret, redactor
from tests.secret_search import leaks

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
}


@pytest.mark.parametrize("form", sorted(TEXTS))
def test_every_common_encoding_of_a_secret_is_redacted(form: str) -> None:
    redacted = redactor([SECRET])(TEXTS[form])
    assert REDACTED in redacted
    assert leaks(redacted, [SECRET]) == []


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
