"""Fuzzing the check config and the redaction: only clear errors, and no secret ever left."""

from __future__ import annotations

import base64
import contextlib
import json
import urllib.parse
from collections.abc import Callable

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from components.check.parse import CheckConfigError, parse_checks, resolve_gateway
from components.shared.redaction import REDACTED, redactor
from components.shared.urls import split_userinfo, url_problem, without_userinfo
from tests.support.secret_search import leaks

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEYS = st.sampled_from(
    ["method", "path", "url", "body", "headers", "expectStatus", "expectBody", "expectBodyRegex",
     "refusedWithoutSecret", "timeoutSeconds", "enabled", "secret", "X-Api-Key", "hello", "Authorization"]
)  # fmt: skip
SCALARS = st.one_of(
    st.text(max_size=16),
    st.sampled_from(
        [
            "http://gw:80a/",
            "http://[::1",
            "/a b",
            "x\r\ny",
            "(a+)+b",
            "(?=x)",
            "1e12",
            "HEAD",
            "nan",
            "\uff10",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
CONFIGS = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=20,
)
URLISH = st.text(alphabet=st.sampled_from(list("http:/[]@%#?:0123456789abcAB .\t\r\né")), max_size=30)


@FUZZ
@given(CONFIGS)
def test_any_checks_config_is_parsed_or_refused_with_a_check_config_error(raw: object) -> None:
    with contextlib.suppress(CheckConfigError):
        parse_checks(
            {"hello": raw}, functions={"hello": {"secrets": ["secret"]}}, gateway="http://a:b@127.0.0.1:8080"
        )


@FUZZ
@given(URLISH)
def test_any_url_text_is_judged_or_refused_without_an_exception(text: str) -> None:
    problem = url_problem(text)
    if problem is None:
        split_userinfo(text)
    without_userinfo(text)
    with contextlib.suppress(CheckConfigError):
        resolve_gateway(text, None, {})


ENCODE: list[Callable[[bytes], str]] = [
    lambda data: data.decode(),
    lambda data: urllib.parse.quote(data.decode(), safe=""),
    lambda data: json.dumps(data.decode()),
    lambda data: base64.b64encode(data).decode(),
    lambda data: base64.urlsafe_b64encode(data).decode(),
    lambda data: data.hex(),
]


@FUZZ
@given(
    secret=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF), min_size=8, max_size=24),
    before=st.text(max_size=8),
    after=st.text(max_size=8),
    encode=st.sampled_from(ENCODE),
)
def test_a_secret_inside_any_text_in_any_encoding_is_always_redacted(
    secret: str, before: str, after: str, encode: Callable[[bytes], str]
) -> None:
    # a secret that is the redaction marker itself cannot be told from it
    assume(secret.lower() not in REDACTED)
    body = encode((before + secret + after).encode())
    assert leaks(redactor([secret])(body), [secret]) == []
