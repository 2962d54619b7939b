"""A large top-level section nothing reads (`x-notes:`), of rows a small grammar proves to be YAML,
is left out of the node tree (issue 23), and nothing the loader reads or reports changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.stackfile import StackFileError, load_stack, parse_stack
from components.stackfile import reader as reader_module
from components.stackfile import skim as skim_module
from components.stackfile.schema import TOP_KEYS
from components.stackfile.skim import skim
from components.stackfile.yamltree import compose
from tests.support.cases import ALL, Case, ours

HEAD = """\
version: 1.0
provider:
  name: openfaas
functions:
  fn-0:
    image: ghcr.io/example/fn-0:1.0
"""


def notes(rows: int, row: str = '  - {{id: {i}, text: "note number {i}", tags: [a, b]}}') -> str:
    return "x-notes:\n" + "".join(row.format(i=i) + "\n" for i in range(rows))


def test_a_large_section_nothing_reads_is_left_blank_line_for_line() -> None:
    text = HEAD + notes(1000) + "x-after: 1\n"
    skimmed = skim(text, TOP_KEYS)
    assert skimmed == HEAD + "x-notes:\n" + "\n" * 1000 + "x-after: 1\n"


def test_rows_of_the_simple_shape_are_skimmed_whatever_their_quoted_text() -> None:
    text = HEAD + notes(1000, '  - {{id: {i}, text: "note [{i}] {{#&*!?}}", tags: []}}')
    assert skim(text, TOP_KEYS) == HEAD + "x-notes:\n" + "\n" * 1000


def test_a_small_section_is_composed_as_it_is() -> None:
    text = HEAD + notes(10)
    assert skim(text, TOP_KEYS) is text


def test_a_section_the_reader_reads_is_never_skimmed() -> None:
    text = "provider:\n  name: openfaas\nfunctions:\n" + "".join(
        f"  fn-{i}:\n    image: ghcr.io/example/fn-{i}:1.0\n" for i in range(1000)
    )
    assert skim(text, TOP_KEYS) is text


@pytest.mark.parametrize(
    "row",
    [
        "  - &note{i} {{id: {i}}}",  # an anchor the functions may use
        "  - {{id: {i}, next: *x}}",  # an alias
        "  - {{id: {i}, text: 'note {i}'}}",  # single quotes
        '  - {{id: {i}, text: "note [{i}",}}',  # a bracket in double quotes, a row not of the simple shape
        '  - {{id: {i}, text: "note \\/ {i}"}}',  # an escape yaml.v3 refuses
        "  - {{id: {i}}}  # a comment",
        "  - {{id: !!int {i}}}",  # a tag
        "  - {{id: {i}, why: a?b}}",  # a '?' yaml.v3 cannot read in flow
        "  - - - {{id: {i}}}",  # sequences nested on one line
        "  - " + "[" * 81 + "{i}" + "]" * 81,  # flow nested deeper than a skim may trust
    ],
    ids=["anchor", "alias", "single-quote", "bracket-in-quotes", "escape", "comment", "tag", "question",
         "compact-nested", "deep-flow"],
)  # fmt: skip
def test_a_section_holding_what_the_composer_checks_is_composed(row: str) -> None:
    text = HEAD + notes(1000, row)
    assert skim(text, TOP_KEYS) is text


def test_a_syntax_error_in_a_skimmed_section_is_reported_at_its_line(tmp_path: Path) -> None:
    rows = notes(1000).splitlines()
    rows[500] = '  - {id: 499, text: "note", tags: [a, b}'
    text = HEAD + "\n".join(rows) + "\n"
    with pytest.raises(StackFileError) as error:
        parse_stack(text, tmp_path / "stack.yml", env={})
    assert error.value.line == HEAD.count("\n") + 501
    assert "invalid YAML: did not find expected ',' or ']'" in str(error.value)


def test_an_error_after_a_skimmed_section_keeps_its_line(tmp_path: Path) -> None:
    text = HEAD + notes(1000) + "x-after: [\n"
    with pytest.raises(StackFileError) as error:
        parse_stack(text, tmp_path / "stack.yml", env={})
    assert error.value.line == HEAD.count("\n") + 1003


def test_an_anchor_in_a_large_section_still_feeds_the_functions(tmp_path: Path) -> None:
    shared = "x-env: &env\n" + "".join(f"  K{i}: v{i}\n" for i in range(2000))
    text = shared + HEAD + "    environment: *env\n"
    stack = parse_stack(text, tmp_path / "stack.yml", env={})
    assert len(stack.functions["fn-0"].environment) == 2000


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_skimming_every_section_changes_nothing_the_loader_reads(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = case.write(tmp_path)
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", **case.env}
    monkeypatch.setattr(reader_module, "skim", lambda text, keys: text)
    whole = ours(tmp_path, stack, env, case)
    monkeypatch.setattr(reader_module, "skim", skim)
    monkeypatch.setattr(skim_module, "SKIM_AT_LEAST", 0)
    assert ours(tmp_path, stack, env, case) == whole


def test_the_issue_23_file_loads_its_ten_functions(tmp_path: Path) -> None:
    path = tmp_path / "stack.yml"
    path.write_text(HEAD + notes(10000))
    assert list(load_stack(path, env={}).functions) == ["fn-0"]


LINES = st.lists(
    st.tuples(
        st.sampled_from(["", " ", "  ", "   ", "- ", "  - ", "-", "\t", "    "]),
        st.text(alphabet=' -[]{},:"ab1.', max_size=14),
    ).map("".join),
    min_size=1,
    max_size=8,
)


def parsed(text: str, tmp: Path) -> object:
    try:
        return parse_stack(text, tmp / "stack.yml", env={})
    except StackFileError as error:
        return (str(error), error.line)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=LINES, trailer=st.sampled_from(["", "x-after: 1\n", "functions: {}\n", "zz", "...\n", "---\n"]))
def test_a_skimmed_section_of_any_text_reads_as_the_whole_text_does(
    body: list[str], trailer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HEAD + "x-notes:\n" + "\n".join(body) + "\n" + trailer
    monkeypatch.setattr(reader_module, "skim", lambda text, keys: text)
    whole = parsed(text, tmp_path)
    monkeypatch.setattr(reader_module, "skim", skim)
    monkeypatch.setattr(skim_module, "SKIM_AT_LEAST", 0)
    assert parsed(text, tmp_path) == whole


WORDS = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,8}", fullmatch=True)
QUOTED = st.text(max_size=10).filter(lambda s: '"' not in s).map(lambda s: f'"{s}"')
SCALARS = st.one_of(st.lists(WORDS, min_size=1, max_size=3).map(" ".join), QUOTED)
FLOW_SEQUENCES = st.lists(SCALARS, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")
FLOW_MAPPINGS = st.lists(
    st.tuples(st.one_of(WORDS, QUOTED), st.one_of(SCALARS, FLOW_SEQUENCES)), max_size=3
).map(lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")
NODES = st.one_of(FLOW_MAPPINGS, FLOW_SEQUENCES, SCALARS)
BLOCK_MAPPINGS = st.lists(st.tuples(st.one_of(WORDS, QUOTED), NODES), min_size=1, max_size=3)
ROWS = st.lists(st.one_of(NODES, BLOCK_MAPPINGS), min_size=1, max_size=6)


def row_text(indent: str, row: str | list[tuple[str, str]]) -> str:
    if isinstance(row, str):
        return f"{indent}- {row}\n"
    return "".join(f"{indent}{'- ' if i == 0 else '  '}{k}: {v}\n" for i, (k, v) in enumerate(row))


@settings(max_examples=600, deadline=None)
@given(
    indent=st.sampled_from(["", "  "]),
    rows=ROWS,
    slip=st.tuples(st.integers(0, 400), st.sampled_from(list("\t\n\r\\'\"#&*!?:,[]{}-|>%@` \x00\x85\u2028"))),
)
def test_rows_the_simple_grammar_takes_are_yaml_the_composer_reads(
    indent: str, rows: list[str | list[tuple[str, str]]], slip: tuple[int, str]
) -> None:
    value = "".join(row_text(indent, row) for row in rows)
    at, char = slip
    for candidate in (value, value[:at] + char + value[at:]):
        if skim_module._simple(candidate):
            compose(HEAD + "x-notes:\n" + candidate)  # raises on anything the composer refuses
