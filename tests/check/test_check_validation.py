"""What `parse_checks` refuses at preview so that `up` cannot crash or misdirect a secret."""

from __future__ import annotations

import re
import string
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.check.answer import body_matches
from components.check.parse import CheckConfigError, parse_checks, resolve_gateway
from components.check.props import spec_to_props
from components.check.spec import CheckSpec, header_value_problem
from components.shared.urls import basic_auth, split_userinfo, url_problem, userinfo_problem, without_userinfo
from tests.support.secret_search import leaks

FUNCTIONS = {"hello": {"secrets": ["api-key"]}}


def error_of(entry: object, gateway: str = "http://127.0.0.1:8080") -> str:
    with pytest.raises(CheckConfigError) as caught:
        parse_checks({"hello": entry}, functions=FUNCTIONS, gateway=gateway)
    return str(caught.value)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://gw:8080/function/a b", "holds a space; write it as %20"),
        ("http://gw:8080/function/a\tb", "holds a control character (a line break or tab, say); remove it"),
        ("http://gw:8080/function/é", "holds a character that is not ASCII; percent-encode it (UTF-8)"),
        ("http://gw:80a/", "has a port that is not a number from 1 to 65535"),
        ("http://gw:65536/", "has a port that is not a number from 1 to 65535"),
        ("http://gw:0/", "has a port that is not a number from 1 to 65535"),
        ("http://gw:/", "has a ':' after the host but no port number"),
        ("http://[::1/", "is not a valid URL (an unclosed '[' in the host?)"),
        ("ftp://gw/", "is not an http:// or https:// URL"),
        ("http:///function/a", "has no host name"),
        ("http://gw/function/a#x", "has a '#' part, which is never sent; remove it (or write '#' as %23)"),
    ],
)
def test_a_url_that_cannot_be_requested_is_explained(url: str, problem: str) -> None:
    assert url_problem(url) == problem


@pytest.mark.parametrize("url", ["http://gw:8080/function/a", "https://[::1]:8443/x?y=1", "http://gw/"])
def test_a_url_that_can_be_requested_has_no_problem(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("key\n", "holds a line break (CR or LF), which would end the header"),
        ("a\r\nX-Evil: 1", "holds a line break (CR or LF), which would end the header"),
        ("a\x00b", "holds a control character"),
        ("snow☃", "holds a character outside Latin-1, which HTTP headers cannot carry"),
    ],
)
def test_a_header_value_that_cannot_be_sent_is_explained_without_quoting_it(value: str, problem: str) -> None:
    assert header_value_problem(value) == problem


def test_a_header_value_with_a_tab_or_latin_1_can_be_sent() -> None:
    assert header_value_problem("a\tb café") is None


def test_userinfo_is_split_off_and_percent_decoded() -> None:
    assert split_userinfo("http://admin:p%40ss:w@gw:8080/x") == ("http://gw:8080/x", "admin:p@ss:w")
    assert split_userinfo("http://gw:8080/x") == ("http://gw:8080/x", None)


def test_a_password_holding_an_at_sign_is_still_split_at_the_last_one() -> None:
    assert split_userinfo("http://admin:p@ss@gw/") == ("http://gw/", "admin:p@ss")


def test_a_url_is_shown_without_userinfo_even_when_it_does_not_parse() -> None:
    assert without_userinfo("http://admin:secret@[::1/x") == "http://[::1/x"


def test_basic_auth_is_the_base64_of_user_and_password() -> None:
    assert basic_auth("admin:pass") == "Basic YWRtaW46cGFzcw=="


def test_the_gateway_is_lower_cased_except_its_password() -> None:
    assert resolve_gateway("HTTP://Admin:PaSs@GW:8080/", None, {}) == "http://Admin:PaSs@gw:8080"


def test_gateway_credentials_go_to_the_spec_and_not_its_properties() -> None:
    spec = parse_checks({}, functions=FUNCTIONS, gateway="http://admin:PaSs@gw:8080")["hello"]
    assert (spec.url, spec.credentials) == ("http://gw:8080/function/hello", "admin:PaSs")
    assert "PaSs" not in repr(spec) + repr(spec_to_props(spec))


def test_a_check_url_of_another_host_does_not_get_the_gateways_credentials() -> None:
    spec = parse_checks(
        {"hello": {"url": "http://other:8080/x"}}, functions=FUNCTIONS, gateway="http://admin:PaSs@gw:8080"
    )["hello"]
    assert spec.credentials is None


def test_an_authorization_header_next_to_url_credentials_is_refused() -> None:
    assert error_of({"headers": {"Authorization": "Bearer x"}}, gateway="http://a:b@gw:8080") == (
        "checks.hello.headers.Authorization: the URL already has a user and password, sent as Basic "
        "auth; remove one of the two"
    )


def test_a_gateway_that_is_not_http_is_refused_naming_where_it_came_from() -> None:
    with pytest.raises(CheckConfigError) as caught:
        resolve_gateway(None, "unix:///var/run/gw.sock", {})
    assert str(caught.value) == (
        "the gateway from the stack file's provider.gateway uses the scheme 'unix': the OpenFaaS gateway "
        "is reached over http:// or https://; give its URL, e.g. http://127.0.0.1:8080"
    )


def test_an_invalid_gateway_is_shown_without_its_password() -> None:
    with pytest.raises(CheckConfigError) as caught:
        resolve_gateway(None, None, {"OPENFAAS_URL": "http://admin:hunter2hunter2@gw:99999"})
    assert str(caught.value) == (
        "the gateway from the OPENFAAS_URL environment variable ('http://gw:99999') has a port that is "
        "not a number from 1 to 65535; give its URL, e.g. http://127.0.0.1:8080"
    )


def test_a_literal_header_with_a_line_break_is_refused_without_its_value() -> None:
    assert error_of({"headers": {"X-Trace": "on\r\nX-Evil: 1"}}) == (
        "checks.hello.headers.X-Trace: the value holds a line break (CR or LF), which would end the "
        "header: remove it from the value"
    )


def test_a_timeout_above_an_hour_is_refused() -> None:
    assert error_of({"timeoutSeconds": 3601}) == (
        "checks.hello.timeoutSeconds is 3601, more than an hour (3600s): an update would wait that long "
        "for a function that never answers; give at most 3600"
    )


def test_an_expected_status_in_unicode_digits_is_refused() -> None:
    assert (
        error_of({"expectStatus": "\uff12\uff10\uff10"})
        == "checks.hello.expectStatus must be an HTTP status 100-599, got '\uff12\uff10\uff10'"
    )


def test_a_backreference_is_refused_as_re2_has_none() -> None:
    assert error_of({"expectBodyRegex": r"(a)\1"}).startswith(
        "checks.hello.expectBodyRegex: '(a)\\\\1' is not a valid regular expression (invalid escape sequence"
    )


def test_the_body_regex_is_searched_with_re2_in_linear_time() -> None:
    spec = CheckSpec("hello", "http://gw/", expect_body_regex="(a+)+b")
    assert body_matches(spec, "a" * 100_000 + "c") is False
    assert body_matches(spec, "xaab") is True


AT_AFTER_THE_HOST = (
    "has an '@' after its host (in the path, query or '#' part), so a password before it would be read "
    "as host or path: percent-encode '/', '?', '#' and '@' in the user name and password (%2F %3F %23 "
    "%40), e.g. http://admin:pa%2Fss@gateway:8080, and write an '@' in the path or query as %40"
)


SOURCES = {"gateway": "config 'gateway'", "OPENFAAS_URL": "the OPENFAAS_URL environment variable"}


@pytest.mark.parametrize(
    "password", ["pa/ss-W0rd-xyz", "pa?ss-W0rd-xyz", "pa#ss-W0rd-xyz", "8080/Sup3rS3cret"]
)
@pytest.mark.parametrize("where", sorted(SOURCES))
def test_a_gateway_password_with_an_unencoded_slash_query_or_hash_is_refused_without_showing_it(
    password: str, where: str
) -> None:
    url = f"http://admin:{password}@gw.example:8080"
    with pytest.raises(CheckConfigError) as caught:
        resolve_gateway(url if where == "gateway" else None, None, {where: url})
    assert str(caught.value) == f"the gateway from {SOURCES[where]} {AT_AFTER_THE_HOST}"
    assert leaks(str(caught.value), [password, *re.split(r"[/?#]", password)]) == []


def test_a_check_url_password_split_by_a_slash_is_refused_before_it_reaches_the_check() -> None:
    message = error_of({"url": "http://admin:8080/Sup3rS3cret@gw.example:8080/function/hello"})
    assert message == f"checks.hello.url: the URL {AT_AFTER_THE_HOST}"


def test_an_at_sign_in_a_check_urls_query_is_refused_as_it_cannot_be_told_from_a_password() -> None:
    assert userinfo_problem("http://gw:8080/function/hello?email=a@b.example") == AT_AFTER_THE_HOST
    assert userinfo_problem("http://gw:8080/function/hello?email=a%40b.example") is None


def test_a_percent_encoded_password_is_accepted_and_decoded_for_basic_auth() -> None:
    gateway = resolve_gateway("http://admin:pa%2Fss%3Fw%23x%40y@GW:8080", None, {})
    assert gateway == "http://admin:pa%2Fss%3Fw%23x%40y@gw:8080"
    spec = parse_checks({}, functions=FUNCTIONS, gateway=gateway)["hello"]
    assert (spec.url, spec.credentials) == ("http://gw:8080/function/hello", "admin:pa/ss?w#x@y")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://admin:pa/ss@gw.example:8080", "http://gw.example:8080"),
        (
            "http://admin:8080/Sup3rS3cret@gw.example:8080/function/hello",
            "http://gw.example:8080/function/hello",
        ),
        ("https://admin:pa#ss@gw.example/", "https://gw.example/"),
        ("admin:pa?ss@127.0.0.1:6443", "127.0.0.1:6443"),
    ],
)
def test_a_url_is_shown_without_anything_between_its_scheme_and_its_last_at_sign(
    url: str, shown: str
) -> None:
    assert without_userinfo(url) == shown


# Chunks a message could only hold by quoting the password ("qz" is in no message).
CHUNKS = st.text(alphabet=string.ascii_letters + string.digits, min_size=4, max_size=6).map(
    lambda s: f"Qz{s}"
)
SEPARATORS = st.sampled_from(["/", "?", "#", "@", ":", "%", "%2F", "[", " ", "\t", ".", "-"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(CHUNKS, SEPARATORS), min_size=1, max_size=6))
def test_any_gateway_password_is_split_off_whole_or_refused_without_quoting_any_of_it(
    parts: list[str],
) -> None:
    password = "".join(parts)
    try:
        gateway = resolve_gateway(f"http://admin:{password}@gw.example:8080", None, {})
    except CheckConfigError as refused:
        message = str(refused).lower()
        assert [chunk for chunk in parts if chunk.startswith("Qz") and chunk.lower() in message] == []
        return
    assert split_userinfo(gateway) == ("http://gw.example:8080", f"admin:{urllib.parse.unquote(password)}")
