"""The `checks` config, read into one CheckSpec per function (components/check/parse.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from components.check.answer import answer_matches, describe_expectation
from components.check.parse import CheckConfigError, parse_checks, resolve_gateway
from components.check.props import spec_from_props, spec_to_props, trigger_digest
from components.check.spec import CheckSpec

GATEWAY = "http://gateway:8080"


@dataclass(frozen=True)
class Fn:
    """A stand-in for a stack function: what parse_checks reads from one."""

    secrets: tuple[object, ...] = ()
    namespace: str = ""


FUNCTIONS = {"protectedapi": Fn(secrets=("secret-api-key",)), "figlet": Fn()}

PROTECTED = {
    "method": "post",
    "body": "hello",
    "headers": {"X-Api-Key": {"secret": "secret-api-key"}, "X-Trace": "on"},
    "expectStatus": 200,
    "expectBody": "Unlocked the function!",
    "refusedWithoutSecret": True,
    "timeoutSeconds": 60,
}


def parse(raw: object, functions: dict[str, object] | None = None) -> dict[str, CheckSpec]:
    return parse_checks(raw, functions=FUNCTIONS if functions is None else functions, gateway=GATEWAY)


def error_of(raw: object, functions: dict[str, object] | None = None) -> str:
    with pytest.raises(CheckConfigError) as caught:
        parse(raw, functions)
    return str(caught.value)


# ---------------------------------------------------------------- specs


def test_a_function_without_an_entry_gets_a_readiness_check() -> None:
    assert parse({})["figlet"] == CheckSpec(
        function="figlet",
        url="http://gateway:8080/function/figlet",
        method="POST",
        body="",
        headers={},
        secret_headers={},
        expect_status=None,
        expect_body=None,
        expect_body_regex=None,
        refused_probe=False,
        timeout_seconds=120.0,
        enabled=True,
    )


def test_no_checks_config_gives_every_function_a_readiness_check() -> None:
    assert parse(None) == {
        "figlet": CheckSpec("figlet", "http://gateway:8080/function/figlet"),
        "protectedapi": CheckSpec("protectedapi", "http://gateway:8080/function/protectedapi"),
    }


def test_a_full_entry_becomes_the_api_key_check() -> None:
    assert parse({"protectedapi": PROTECTED})["protectedapi"] == CheckSpec(
        function="protectedapi",
        url="http://gateway:8080/function/protectedapi",
        method="POST",
        body="hello",
        headers={"X-Trace": "on"},
        secret_headers={"X-Api-Key": "secret-api-key"},
        expect_status=200,
        expect_body="Unlocked the function!",
        refused_probe=True,
        timeout_seconds=60.0,
    )


def test_specs_come_back_sorted_by_function_name() -> None:
    assert list(parse({"protectedapi": {}})) == ["figlet", "protectedapi"]


def test_path_is_joined_to_the_gateway() -> None:
    spec = parse({"figlet": {"path": "function/figlet?mode=fast"}})["figlet"]
    assert spec.url == "http://gateway:8080/function/figlet?mode=fast"


def test_url_is_used_as_given() -> None:
    spec = parse({"figlet": {"url": "https://fn.example.com/figlet"}})["figlet"]
    assert spec.url == "https://fn.example.com/figlet"


def test_the_default_url_names_the_functions_namespace_like_faas_cli() -> None:
    spec = parse({}, {"figlet": Fn(namespace="staging")})["figlet"]
    assert spec.url == "http://gateway:8080/function/figlet.staging"


def test_a_function_may_be_a_mapping_with_secrets() -> None:
    raw = {"protectedapi": {"headers": {"X-Api-Key": {"secret": "secret-api-key"}}}}
    spec = parse(raw, {"protectedapi": {"secrets": ["secret-api-key"]}})["protectedapi"]
    assert spec.secret_headers == {"X-Api-Key": "secret-api-key"}


def test_secrets_may_be_objects_with_a_name_as_in_the_plan() -> None:
    @dataclass(frozen=True)
    class SecretPlan:
        name: str

    raw = {"protectedapi": {"headers": {"X-Api-Key": {"secret": "secret_api_key"}}}}
    functions: dict[str, object] = {
        "protectedapi": Fn(secrets=(SecretPlan("secret_api_key"),), namespace="openfaas-fn")
    }
    spec = parse(raw, functions)["protectedapi"]
    assert spec.secret_headers == {"X-Api-Key": "secret_api_key"}
    assert spec.url == "http://gateway:8080/function/protectedapi.openfaas-fn"


def test_numbers_and_booleans_set_as_strings_are_accepted() -> None:
    raw = {"figlet": {"expectStatus": "201", "timeoutSeconds": "2.5", "enabled": "false"}}
    spec = parse(raw)["figlet"]
    assert (spec.expect_status, spec.timeout_seconds, spec.enabled) == (201, 2.5, False)


def test_expect_body_regex_is_kept_as_text() -> None:
    spec = parse({"figlet": {"expectBodyRegex": r"^\s*_+"}})["figlet"]
    assert (spec.expect_body, spec.expect_body_regex) == (None, r"^\s*_+")


def test_secret_names_lists_each_referenced_secret_once() -> None:
    spec = CheckSpec("f", "http://x", secret_headers={"A": "s2", "B": "s1", "C": "s2"})
    assert spec.secret_names == ("s1", "s2")


# ---------------------------------------------------------------- errors, exactly


def test_checks_that_is_not_an_object_is_refused() -> None:
    assert error_of(["protectedapi"]) == (
        "the 'checks' config must be an object keyed by function name, got ['protectedapi']"
    )


def test_an_unknown_function_lists_the_stacks_functions() -> None:
    assert error_of({"protectedap": {}}) == (
        "checks.protectedap: no function named 'protectedap' in the stack (did you mean "
        "'protectedapi'?); the stack's functions are: figlet, protectedapi. "
        "Fix the name or remove the entry with `pulumi config rm --path 'checks.protectedap'`."
    )


def test_an_unknown_function_without_a_close_name_only_lists() -> None:
    assert error_of({"zzz": {}}) == (
        "checks.zzz: no function named 'zzz' in the stack; the stack's functions are: "
        "figlet, protectedapi. Fix the name or remove the entry with "
        "`pulumi config rm --path 'checks.zzz'`."
    )


def test_an_entry_that_is_not_an_object_is_refused() -> None:
    assert error_of({"figlet": False}) == (
        "checks.figlet must be an object (e.g. {enabled: false}), got false"
    )


def test_an_unknown_key_suggests_the_closest() -> None:
    assert error_of({"figlet": {"expectedBody": "x"}}) == (
        "checks.figlet: unknown key 'expectedBody' (did you mean 'expectBody'?); valid keys: "
        "method, path, url, body, headers, expectStatus, expectBody, expectBodyRegex, "
        "refusedWithoutSecret, timeoutSeconds, enabled"
    )


def test_a_bad_regex_names_the_function_and_the_fix() -> None:
    assert error_of({"figlet": {"expectBodyRegex": "(unclosed"}}) == (
        "checks.figlet.expectBodyRegex: '(unclosed' is not a valid regular expression "
        "(missing ): (unclosed); fix it (RE2 syntax, as Go's regexp: no lookaround or "
        "backreferences) or use expectBody for a plain substring"
    )


def test_a_header_from_a_secret_the_function_does_not_mount_lists_its_secrets() -> None:
    raw = {"protectedapi": {"headers": {"X-Api-Key": {"secret": "api-key"}}}}
    assert error_of(raw) == (
        "checks.protectedapi.headers.X-Api-Key: function 'protectedapi' does not mount the secret "
        "'api-key' (it mounts: secret-api-key); reference one of those or add it to the "
        "function's secrets in the stack file"
    )


def test_a_header_from_a_secret_when_the_function_mounts_none() -> None:
    raw = {"figlet": {"headers": {"X-Api-Key": {"secret": "secret-api-key"}}}}
    assert error_of(raw) == (
        "checks.figlet.headers.X-Api-Key: function 'figlet' does not mount the secret "
        "'secret-api-key' (it mounts no secrets); reference one of those or add it to the "
        "function's secrets in the stack file"
    )


def test_a_header_value_of_another_shape_is_refused() -> None:
    raw = {"protectedapi": {"headers": {"X-Api-Key": {"secretName": "secret-api-key"}}}}
    assert error_of(raw) == (
        "checks.protectedapi.headers.X-Api-Key must be a string or {secret: <name of a secret "
        "the function mounts>}, got an object with keys secretName"
    )


def test_a_header_name_with_a_space_is_refused() -> None:
    assert error_of({"figlet": {"headers": {"X Api": "1"}}}) == (
        "the name of header 1 of checks.figlet.headers is not a valid HTTP header name (it holds "
        "whitespace); it is not shown, as it may hold a secret"
    )


def test_a_header_name_pasted_with_its_value_is_refused_without_quoting_either() -> None:
    raw = {"figlet": {"headers": {"Accept": "text/plain", "X-Api-Key: R^YqzKzSJw51K9zPpQ3R3N": "x"}}}
    assert error_of(raw) == (
        "the name of header 2 of checks.figlet.headers is not a valid HTTP header name (it holds ':'; "
        "the value goes after the name, as in X-Api-Key: <value>); it is not shown, as it may hold a secret"
    )


def test_a_header_from_a_secret_named_by_what_is_no_secret_name_does_not_quote_it() -> None:
    raw = {"protectedapi": {"headers": {"X-Api-Key": {"secret": "R^YqzKzSJw51K9zPpQ3R3N"}}}}
    assert error_of(raw) == (
        "checks.protectedapi.headers.X-Api-Key: function 'protectedapi' does not mount the secret "
        "named there (it mounts: secret-api-key), which is not a secret's name (it is not shown, as "
        "it may be a secret's value): reference one of those"
    )


def test_headers_that_are_not_an_object_are_refused() -> None:
    assert error_of({"figlet": {"headers": "X-Api-Key=1"}}) == (
        "checks.figlet.headers must be an object of header: value or header: {secret: <name>}, "
        "got 'X-Api-Key=1'"
    )


def test_path_and_url_together_are_refused() -> None:
    assert error_of({"figlet": {"path": "/a", "url": "http://b/"}}) == (
        "checks.figlet: set either path (on the gateway) or url (absolute), not both"
    )


def test_a_url_that_is_not_absolute_points_to_path() -> None:
    assert error_of({"figlet": {"url": "/function/figlet"}}) == (
        "checks.figlet.url: '/function/figlet' is not an absolute http(s) URL; use path for a "
        "path on the gateway (http://gateway:8080)"
    )


def test_expect_body_and_regex_together_are_refused() -> None:
    assert error_of({"figlet": {"expectBody": "a", "expectBodyRegex": "b"}}) == (
        "checks.figlet: set either expectBody or expectBodyRegex, not both"
    )


def test_refused_without_secret_needs_a_secret_header() -> None:
    assert error_of({"figlet": {"expectBody": "ok", "refusedWithoutSecret": True}}) == (
        "checks.figlet.refusedWithoutSecret needs at least one header taken from a secret "
        "(headers: {X-Api-Key: {secret: <name>}})"
    )


def test_refused_without_secret_needs_an_expected_body() -> None:
    raw = {
        "protectedapi": {
            "headers": {"X-Api-Key": {"secret": "secret-api-key"}},
            "refusedWithoutSecret": True,
        }
    }
    assert error_of(raw) == (
        "checks.protectedapi.refusedWithoutSecret needs expectBody or expectBodyRegex: what only "
        "an unlocked answer contains"
    )


def test_an_expected_status_outside_http_is_refused() -> None:
    assert error_of({"figlet": {"expectStatus": 2000}}) == (
        "checks.figlet.expectStatus must be an HTTP status 100-599, got 2000"
    )


def test_a_timeout_that_is_not_positive_is_refused() -> None:
    assert error_of({"figlet": {"timeoutSeconds": 0}}) == (
        "checks.figlet.timeoutSeconds must be a positive number, got 0"
    )


def test_an_unknown_method_lists_the_methods() -> None:
    assert error_of({"figlet": {"method": "FETCH"}}) == (
        "checks.figlet.method: 'FETCH' is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
    )


def test_enabled_must_be_a_boolean() -> None:
    assert error_of({"figlet": {"enabled": "sometimes"}}) == (
        "checks.figlet.enabled must be true or false, got 'sometimes'"
    )


def test_a_body_must_be_text() -> None:
    assert error_of({"figlet": {"body": {"a": 1}}}) == ("checks.figlet.body must be a string, got {'a': 1}")


# ---------------------------------------------------------------- gateway, as faas-cli


def test_the_gateway_config_wins() -> None:
    env = {"OPENFAAS_URL": "http://env:8080"}
    assert resolve_gateway("http://config:8080", "http://yaml:8080", env) == "http://config:8080"


def test_the_stack_files_provider_gateway_comes_second() -> None:
    env = {"OPENFAAS_URL": "http://env:8080"}
    assert resolve_gateway(None, "http://yaml:8080", env) == "http://yaml:8080"


def test_openfaas_url_comes_third() -> None:
    assert resolve_gateway("", "", {"OPENFAAS_URL": "http://env:8080"}) == "http://env:8080"


def test_the_default_gateway_comes_last() -> None:
    assert resolve_gateway(None, None, {}) == "http://127.0.0.1:8080"


def test_a_value_equal_to_the_default_does_not_hide_openfaas_url() -> None:
    env = {"OPENFAAS_URL": "http://env:8080"}
    assert resolve_gateway("http://127.0.0.1:8080", None, env) == "http://env:8080"


def test_the_gateway_is_lower_cased_without_trailing_slash() -> None:
    assert resolve_gateway("https://GW.Example.com:8443//", None, {}) == "https://gw.example.com:8443"


def test_a_gateway_without_scheme_gets_http() -> None:
    assert resolve_gateway("gateway.local:8080", None, {}) == "http://gateway.local:8080"


# ---------------------------------------------------------------- what passes


def test_readiness_accepts_an_answer_that_is_not_5xx_or_404() -> None:
    spec = CheckSpec("f", "http://x")
    assert [answer_matches(spec, s, "") for s in (200, 401, 404, 500, 502)] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_the_api_key_answer_is_told_apart_by_its_body() -> None:
    spec = CheckSpec("f", "http://x", expect_status=200, expect_body="Unlocked the function!")
    assert answer_matches(spec, 200, "Unlocked the function!\n") is True
    assert answer_matches(spec, 200, "Access denied!\n") is False


def test_a_body_regex_is_searched_not_anchored() -> None:
    spec = CheckSpec("f", "http://x", expect_body_regex=r"unlocked|Unlocked")
    assert answer_matches(spec, 200, "You unlocked the function.") is True


def test_describe_expectation_reads_as_a_sentence() -> None:
    assert [
        describe_expectation(CheckSpec("f", "u")),
        describe_expectation(CheckSpec("f", "u", expect_status=200, expect_body="Unlocked")),
        describe_expectation(CheckSpec("f", "u", expect_status=201, expect_body_regex="^ok$")),
    ] == [
        "an answer that is not HTTP 5xx or 404",
        "HTTP 200 and a body containing 'Unlocked'",
        "HTTP 201 and a body matching /^ok$/",
    ]


# ---------------------------------------------------------------- as resource properties


def test_a_spec_survives_the_trip_through_resource_properties() -> None:
    spec = parse({"protectedapi": PROTECTED})["protectedapi"]
    wire = {k: v for k, v in spec_to_props(spec).items() if v is not None}  # None is not sent
    wire.update(expect_status=200.0, timeout_seconds=60.0)  # the wire has floats only
    assert spec_from_props(wire) == spec


def test_the_trigger_digest_changes_with_any_part_and_its_order() -> None:
    digests = {
        trigger_digest(["image:1", "env", "sum"]),
        trigger_digest(["image:2", "env", "sum"]),
        trigger_digest(["env", "image:1", "sum"]),
        trigger_digest(["image:1env", "sum"]),
    }
    assert len(digests) == 4
    assert trigger_digest(["a"]) == trigger_digest(["a"])
