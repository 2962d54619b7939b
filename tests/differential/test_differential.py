"""The loader reads every stack file as the real faas-cli does, field by field (issue 11).

For each file of the shared corpus and each case of `cases/` (one stack file as data, with the
environment and the `filter`/`regex` to use), `faas-cli generate` and `faas-cli deploy` (to a
recording gateway on 127.0.0.1) run on one side and `load_stack` on the other, with the same
environment, and their results are compared: accepted or rejected, and for each function the image,
namespace, environment (with `environment_file` merged), secrets, labels, annotations, limits,
requests, constraints, readOnlyRootFilesystem and fprocess.

A difference fails the test unless `EXPECTED` lists it, and each listed difference is a row of the
README's "Where we differ from faas-cli" table. The suite fails, never skips, without faas-cli:
`make faas-cli` builds it.

Case format (`cases/*.yaml`):

    what: one line saying what the case covers
    env: {VAR: value}       # optional: the environment of both sides (plus HOME and PATH)
    filter: "glob"          # optional, or regex: "..."
    stack: |                # the stack file, stack.yml
      ...
    files: {env.yml: ...}   # optional: more files next to it; a value {utf-16: text} is written
                            # as Windows PowerShell 5's `>` writes it (UTF-16LE with a BOM)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import faas_cli
from tests.support.cases import ALL, Case, ours
from tests.support.faas_cli import Recorder, Result

pytestmark = pytest.mark.differential

README = Path(__file__).resolve().parents[2] / "README.md"

# case id -> what differs (each one a row of the README table "Where we differ from faas-cli").
EXPECTED: dict[str, str] = {
    **dict.fromkeys(
        (
            "legacy-provider-faas",
            "corpus/alexellis__derek__stack.example.yml",
            "corpus/ewilde__terraform-provider-openfaas__examples_stack.yml",
            "corpus/nelfer__openfaas-bots__bot-jira-comment.yml",
            "corpus/openfaas__cron-connector__sample_stack.yml",
            "corpus/openfaas__faas__sample-functions_stack.yml.2018-03-apikeyprotected.yml",
            "corpus/openfaas__workshop__issue-bot-secrets_stack.yml",
        ),
        "provider.name 'faas': faas-cli rejects it, we accept it with a warning",
    ),
    **dict.fromkeys(
        ("no-functions-key", "functions-null", "functions-empty-mapping", "yaml-only-version"),
        "no functions: faas-cli generates nothing and succeeds, we refuse",
    ),
    "function-empty-name": "a function named '': faas-cli takes it, we refuse",
    "subst-nested-too-deep": "'${' nested 70 deep: faas-cli has no limit, we stop at 64",
    "yaml-nested-too-deep": "YAML nested 300 deep: faas-cli stops at 10,000, we at 200",
    "yaml-merge-chain-too-deep": "a chain of 60 '<<' merges: faas-cli follows it, we stop at 50",
    "yaml-flow-colon-before-brace": "{A:}: yaml.v3 reads A as null, libyaml refuses the ':' without a space",
    "yaml-tag-with-bracket": "a tag holding ']': yaml.v3 reads it, libyaml refuses it",
    "yaml-binary-not-text": "!!binary of bytes that are not UTF-8: faas-cli sends them, we refuse",
    "yaml-nul-in-comment": "a NUL in a comment: faas-cli drops the rest of the file, we refuse with its line",
    "yaml-merge-own-numeric-key": "own key 1 beside a merged 1: faas-cli takes the merged value, we the own",
    "yaml-excessive-aliasing": "an alias of 3,000 values: faas-cli refuses excessive aliasing, we read it",
}  # fmt: skip


@pytest.fixture(scope="session")
def gateway() -> Iterator[Recorder]:
    with faas_cli.recording_gateway() as recorder:
        yield recorder


def controlled_env(case: Case, home: Path) -> dict[str, str]:
    """The whole environment of both sides: faas-cli substitutes `${HOME}` and `${PATH}` too."""
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", **case.env}


def with_tag(image: object) -> object:
    """An image as both deploy it: without a tag, faas-cli writes `:latest`, as a pull assumes."""
    if not isinstance(image, str):
        return image
    return image if ":" in image.rsplit("/", 1)[-1] else image + ":latest"


def differences(theirs: Result, mine: Result) -> list[str]:
    """Each field where the two results differ, in words."""
    if theirs.accepted != mine.accepted:
        verdict = {True: "accepts", False: "rejects"}
        return [
            f"faas-cli {verdict[theirs.accepted]}, we {verdict[mine.accepted].rstrip('s')}"
            f" ({(theirs.output if not theirs.accepted else mine.output).strip()[:300]})"
        ]
    if not theirs.accepted:
        return []
    found: list[str] = []
    if set(theirs.functions) != set(mine.functions):
        found.append(f"functions: faas-cli {sorted(theirs.functions)}, we {sorted(mine.functions)}")
    for name in sorted(set(theirs.functions) & set(mine.functions)):
        a, b = dict(theirs.functions[name]), dict(mine.functions[name])
        a["image"], b["image"] = with_tag(a.get("image")), with_tag(b.get("image"))
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                found.append(f"{name}.{key}: faas-cli {a.get(key)!r}, we {b.get(key)!r}")
    return found


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_the_loader_reads_the_stack_file_as_faas_cli_does(
    case: Case, faas_cli_binary: Path, gateway: Recorder, tmp_path: Path
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    stack = case.write(folder)
    env = controlled_env(case, home)
    theirs = faas_cli.run(faas_cli_binary, folder, stack, env, gateway, filter=case.filter, regex=case.regex)
    mine = ours(folder, stack, env, case)
    found = differences(theirs, mine)
    if case.id in EXPECTED:
        assert found, f"{case.id} is listed as a difference ({EXPECTED[case.id]}) but there is none now"
    else:
        assert found == []


def test_there_are_at_least_120_own_cases() -> None:
    assert len([c for c in ALL if c.source is None]) >= 120


def test_every_listed_difference_is_a_case() -> None:
    assert sorted(set(EXPECTED) - {c.id for c in ALL}) == []


def test_every_listed_difference_is_a_row_of_the_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Where we differ from faas-cli", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    named = set(re.findall(r"`([^`]+)`", "\n".join(row.split("|")[1] for row in rows)))
    assert sorted(set(EXPECTED) - named) == []


def test_a_verdict_that_differs_is_a_difference() -> None:
    assert differences(Result(False, {}, "Error: bad substitution"), Result(True, {"f": {}}, "")) == [
        "faas-cli rejects, we accept (Error: bad substitution)"
    ]


def test_a_field_that_differs_is_a_difference_named_for_the_function_and_field() -> None:
    theirs = Result(True, {"f": {"image": "a:latest", "namespace": "x"}})
    mine = Result(True, {"f": {"image": "a", "namespace": "y"}})
    assert differences(theirs, mine) == ["f.namespace: faas-cli 'x', we 'y'"]


def test_two_rejections_agree_whatever_their_messages() -> None:
    assert differences(Result(False, {}, "one"), Result(False, {}, "two")) == []
