"""Fuzzing the stack-file loader: whatever the input, it fails only with a StackFileError."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.stackfile import StackFileError, parse_stack
from components.stackfile.envsubst import SubstitutionError, substitute

KEYS = st.sampled_from(
    ["provider", "functions", "version", "configuration", "name", "gateway", "image", "secrets",
     "environment", "environment_file", "labels", "limits", "memory", "cpu", "constraints",
     "readonly_root_filesystem", "skip_build", "namespace", "<<", "fn", "templates"]
)  # fmt: skip
SCALARS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["openfaas", "faas", "1.0", "true", "null", "~", "${A:-b}", "${", "${A-b}", "\t"]),
    st.integers(),
    st.booleans(),
    st.none(),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)),
    max_leaves=25,
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(text: str, tmp: Path) -> None:
    with contextlib.suppress(StackFileError):
        parse_stack(text, tmp / "stack.yaml", env={"A": "x"})


@FUZZ
@given(document=DOCUMENTS)
def test_structured_documents_raise_only_stack_file_errors(
    document: object, tmp_path_factory: pytest.TempPathFactory
) -> None:
    load(yaml.safe_dump(document), tmp_path_factory.mktemp("fuzz"))


@FUZZ
@given(document=DOCUMENTS, cut=st.integers(min_value=0, max_value=400), junk=st.text(max_size=6))
def test_damaged_documents_raise_only_stack_file_errors(
    document: object, cut: int, junk: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    text = yaml.safe_dump({"provider": {"name": "openfaas"}, "functions": {"fn": document}})
    load(text[:cut] + junk + text[cut:], tmp_path_factory.mktemp("fuzz"))


SUBSTITUTION_TEXT = st.lists(
    st.sampled_from(["${", "}", "A", "B", ":", "-", "=", "?", "+", "#", "%", "/", "^", ",", "*", "[", "]",
                     "$", "\\", "1", " ", "é", "\n", "{"]),
    max_size=40,
).map("".join)  # fmt: skip


@FUZZ
@given(text=SUBSTITUTION_TEXT)
def test_substitution_raises_only_substitution_errors(text: str) -> None:
    with contextlib.suppress(SubstitutionError):
        substitute(text, {"A": "abc/é", "B": ""})


@FUZZ
@given(text=st.text(alphabet=st.characters(blacklist_characters="$\\"), max_size=60))
def test_text_without_dollar_or_backslash_is_left_as_it_is(text: str) -> None:
    assert substitute(text, {"A": "x"}) == text
