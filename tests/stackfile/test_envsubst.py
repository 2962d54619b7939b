"""`${VAR}` substitution follows drone/envsubst as faas-cli vendors it (checked against faas-cli by
`tests/differential/`)."""

from __future__ import annotations

import pytest

from components.stackfile.envsubst import MAX_NESTING, SubstitutionError, substitute


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${USER:-openfaas}/fn:0.1", {}, "openfaas/fn:0.1"),
        ("${USER:-openfaas}/fn:0.1", {"USER": ""}, "openfaas/fn:0.1"),
        ("${USER:-openfaas}/fn:0.1", {"USER": "alex"}, "alex/fn:0.1"),
        ("${USER=openfaas}", {"USER": ""}, "openfaas"),
        ("${USER=openfaas}", {}, "openfaas"),
        ("${USER:=openfaas}", {"USER": ""}, "openfaas"),
        ("${USER:?openfaas}|${USER:+openfaas}", {}, "openfaas|openfaas"),
        ("${USER:+other}", {"USER": "alex"}, "alex"),
        ("http://${GATEWAY_IP}:8080", {}, "http://:8080"),
        ("$HOME stays, $$ is one dollar", {"HOME": "/root"}, "$HOME stays, $ is one dollar"),
        ("$${HOME}", {"HOME": "/root"}, "${HOME}"),
        ("a\\\\b|a\\/b|a\\nb", {}, "a\\b|a/b|a\\nb"),
        ("${1A}|${ÉTAT}", {"1A": "x", "ÉTAT": "y"}, "x|y"),
        ("${A^}${B^^}", {"A": "abc", "B": "def"}, "AbcDEF"),
        ("${A,}${B,,}", {"A": "ABC", "B": "DEF"}, "aBCdef"),
        ("${A:1}|${A:1:2}|${A:-2}|${A: -2}|${A:x}", {"A": "abcdef"}, "bcdef|bc|abcdef|abcdef|abcdef"),
        ("${A#*/}|${A##*/}", {"A": "a/b/c"}, "b/c|c"),
        ("${A%/*}|${A%%/*}", {"A": "a/b/c"}, "a/b|a"),
        ("${A/b/x}|${A//b/x}|${A/#a/x}|${A/%c/x}", {"A": "abcb c"}, "axcb c|axcx c|xbcb c|abcb x"),
        ("${A/b/}|${A/#a/}", {"A": "abc"}, "ac|abc"),
        ("${#A}|${#B}", {"A": "abcd", "B": "é"}, "4|2"),
        ("${A:-${B:-deep}}", {}, "deep"),
        ("${A:-two\nlines}", {}, "two\nlines"),
        ("image: ghcr.io/${REPO:-openfaas}/x:${TAG:-dev}", {"TAG": "1.2"}, "image: ghcr.io/openfaas/x:1.2"),
    ],
)
def test_substitutes_as_faas_cli_does(text: str, env: dict[str, str], expected: str) -> None:
    assert substitute(text, env) == expected


def test_an_unterminated_expression_is_an_error_at_its_dollar() -> None:
    with pytest.raises(SubstitutionError) as caught:
        substitute("a: 1\nb: ${TAG:-dev\n", {})
    assert caught.value.offset == 8
    assert str(caught.value) == (
        "faas-cli cannot substitute '${TAG:-dev' (unable to parse substitution within function): "
        "add the closing '}'"
    )


@pytest.mark.parametrize("form", ["${TAG-dev}", "${TAG+x}", "${TAG?x}"])
def test_the_forms_faas_cli_rejects_are_errors_that_say_so(form: str) -> None:
    with pytest.raises(SubstitutionError) as caught:
        substitute(form + "}", {})
    assert str(caught.value) == (
        f"faas-cli cannot substitute '{form}}}' (missing closing brace): faas-cli has no "
        f"'{form[5]}' form, write '${{TAG:-default}}' for a default"
    )


def test_an_expression_without_a_variable_name_is_an_error() -> None:
    with pytest.raises(SubstitutionError, match=r"\(unable to parse variable name\)"):
        substitute("${ abc}", {})


def test_a_negative_length_is_an_error_where_faas_cli_crashes() -> None:
    with pytest.raises(SubstitutionError, match="a negative length, which makes faas-cli crash"):
        substitute("${A:1:-1}", {"A": "abc"})


def test_nesting_deeper_than_the_limit_is_an_error_not_a_recursion_error() -> None:
    text = "${A:-" * 3000 + "x" + "}" * 3000
    with pytest.raises(SubstitutionError) as caught:
        substitute(text, {})
    assert str(caught.value) == (
        f"'${{' nested more than {MAX_NESTING} levels deep: simplify the default values"
    )
