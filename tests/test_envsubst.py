"""`${VAR}` substitution follows drone/envsubst, as faas-cli uses it."""

from __future__ import annotations

import pytest

from components.envsubst import SubstitutionError, substitute


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${USER:-openfaas}/fn:0.1", {}, "openfaas/fn:0.1"),
        ("${USER:-openfaas}/fn:0.1", {"USER": ""}, "openfaas/fn:0.1"),
        ("${USER:-openfaas}/fn:0.1", {"USER": "alex"}, "alex/fn:0.1"),
        ("${USER=openfaas}", {"USER": ""}, ""),
        ("${USER=openfaas}", {}, "openfaas"),
        ("${USER:=openfaas}", {"USER": ""}, "openfaas"),
        ("http://${GATEWAY_IP}:8080", {}, "http://:8080"),
        ("$HOME and $$ stay", {"HOME": "/root"}, "$HOME and $$ stay"),
        ("${A^}${B^^}", {"A": "abc", "B": "def"}, "AbcDEF"),
        ("${A,}${B,,}", {"A": "ABC", "B": "DEF"}, "aBCdef"),
        ("${A:1}|${A:1:2}|${A:-2}", {"A": "abcdef"}, "bcdef|bc|abcdef"),
        ("${A#*/}|${A##*/}", {"A": "a/b/c"}, "b/c|c"),
        ("${A%/*}|${A%%/*}", {"A": "a/b/c"}, "a/b|a"),
        ("${A/b/x}|${A//b/x}|${A/#a/x}|${A/%c/x}", {"A": "abcb c"}, "axcb c|axcx c|xbcb c|abcb x"),
        ("${#A}", {"A": "abcd"}, "4"),
        ("${A:-${B:-deep}}", {}, "deep"),
        ("image: ghcr.io/${REPO:-openfaas}/x:${TAG:-dev}", {"TAG": "1.2"}, "image: ghcr.io/openfaas/x:1.2"),
    ],
)
def test_substitutes_every_drone_envsubst_form(text: str, env: dict[str, str], expected: str) -> None:
    assert substitute(text, env) == expected


def test_unterminated_expression_is_an_error_at_its_dollar() -> None:
    with pytest.raises(SubstitutionError, match=r"unterminated '\$\{'") as caught:
        substitute("a: 1\nb: ${TAG:-dev\n", {})
    assert caught.value.offset == 8


@pytest.mark.parametrize("form", ["${TAG-dev}", "${TAG+x}", "${TAG:?x}", "${TAG:+x}"])
def test_forms_faas_cli_does_not_support_are_errors(form: str) -> None:
    with pytest.raises(
        SubstitutionError, match="form faas-cli does not support; use '\\$\\{TAG:-default\\}'"
    ):
        substitute(form, {})


def test_expression_without_a_variable_name_is_an_error() -> None:
    with pytest.raises(SubstitutionError, match="does not start with a variable name"):
        substitute("${1abc}", {})
