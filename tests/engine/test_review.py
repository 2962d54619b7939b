"""What a reviewer sees in `pulumi preview --diff`, on the real engine and the local Swarm.

One stack is deployed once (`up`) with two functions of unique names, one mounting a secret; every
test then previews a change of the stack file or config against it (nothing else is applied) and
puts it back. The module holds the Swarm lock (`harness.swarm_lock`) from `up` to `destroy`.

The golden previews in `tests/engine/golden/` show the common changes as a reviewer reads them;
the test compares them exactly after normalising what differs between runs (stack and function
names, ids, digests). `UPDATE_GOLDEN=1` rewrites them.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from pulumi.automation import EngineEvent, OpType, PreviewResult

from tests.engine.harness import (
    AnsweringGateway,
    EngineProject,
    new_project,
    require_toolchain,
    run,
    swarm_lock,
)

pytestmark = [pytest.mark.engine, pytest.mark.swarm]

GOLDEN = Path(__file__).resolve().parent / "golden"
IMAGE = "functions/api-key-protected:latest"
# Unique per run: other developers deploy to the same Swarm at the same time.
PREFIX = f"review{uuid.uuid4().hex[:6]}"
ALPHA, BETA, GAMMA = f"{PREFIX}-alpha", f"{PREFIX}-beta", f"{PREFIX}-gamma"
SECRET = f"{PREFIX}_key"
SECRET_VALUE = f"Rv{uuid.uuid4().hex[:10]}-first!Value"
ROTATED_VALUE = f"Rv{uuid.uuid4().hex[:10]}-second!Value"
_LEFTOVER = re.compile(r"^review[0-9a-f]{6}[-_]")


@cache
def gateway() -> ThreadingHTTPServer:
    return ThreadingHTTPServer(("127.0.0.1", 0), AnsweringGateway)


def stack_file(functions: Sequence[tuple[str, str, bool]]) -> str:
    """A faas-cli stack file: (name, image, mounts SECRET) per function, in this order."""
    url = f"http://127.0.0.1:{gateway().server_address[1]}"
    lines = ["provider:", "  name: openfaas", f"  gateway: {url}", "functions:"]
    for name, image, secret in functions:
        lines += [f"  {name}:", "    lang: dockerfile", f"    image: {image}"]
        if secret:
            lines += ["    secrets:", f"      - {SECRET}"]
    return "\n".join(lines) + "\n"


BASE = ((ALPHA, IMAGE, True), (BETA, IMAGE, False))


def remove_leftovers() -> None:
    """Services and secrets of an interrupted earlier run of this file (we hold the Swarm lock)."""
    for name in run("docker", "service", "ls", "--format", "{{.Name}}").split():
        if _LEFTOVER.match(name):
            run("docker", "service", "rm", name, check=False)
    for name in run("docker", "secret", "ls", "--format", "{{.Name}}").split():
        if _LEFTOVER.match(name):
            run("docker", "secret", "rm", name, check=False)


@dataclass
class Deployed:
    project: EngineProject
    first_preview: PreviewResult


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    require_toolchain()
    with swarm_lock():
        remove_leftovers()
        project = new_project(tmp_path_factory.mktemp("review"), "review")
        (project.workdir / "stack.yaml").write_text(stack_file(BASE))
        project.set("target", "swarm")
        project.set_secret(SECRET, SECRET_VALUE)
        threading.Thread(target=gateway().serve_forever, daemon=True).start()
        try:
            first_preview = project.preview()
            project.up()
            yield Deployed(project, first_preview)
            project.destroy()
            project.stack.workspace.remove_stack(project.stack.name)
        finally:
            gateway().shutdown()
            gateway().server_close()


@contextmanager
def stack_file_of(project: EngineProject, functions: Sequence[tuple[str, str, bool]]) -> Iterator[None]:
    """The stack file lists `functions` for the time of the block, then the base ones again."""
    path = project.workdir / "stack.yaml"
    path.write_text(stack_file(functions))
    try:
        yield
    finally:
        path.write_text(stack_file(BASE))


def preview_with(project: EngineProject, functions: Sequence[tuple[str, str, bool]]) -> PreviewResult:
    """Preview the stack file `functions` against the deployed stack."""
    with stack_file_of(project, functions):
        return project.preview()


def changes(project: EngineProject, functions: Sequence[tuple[str, str, bool]]) -> dict[str, str]:
    """{resource name: operation} of every step of the preview of `functions` that is not `same`."""
    events: list[EngineEvent] = []
    with stack_file_of(project, functions):
        result = project.stack.preview(color="never", on_event=events.append)
        project.outputs += [result.stdout, result.stderr]
    steps = [e.resource_pre_event.metadata for e in events if e.resource_pre_event is not None]
    return {s.urn.split("::")[-1]: s.op.value for s in steps if s.op != OpType.SAME}


def rotated_preview(project: EngineProject) -> PreviewResult:
    project.set_secret(SECRET, ROTATED_VALUE)
    try:
        return project.preview()
    finally:
        project.set_secret(SECRET, SECRET_VALUE)


def normalise(text: str, stack: str) -> str:
    """A preview with what differs between runs replaced by placeholders."""
    lines = []
    for line in text.splitlines():
        if "from $PATH" in line or re.match(r"\s*Duration:", line):
            continue
        line = line.replace(stack, "<stack>").replace(PREFIX, "fn")
        line = re.sub(r"\[id=[^\]]+\]", "[id=<id>]", line)
        line = re.sub(r"(pulumi:providers:docker::default_[0-9_]+)::[0-9a-f-]{36}", r"\1::<id>", line)
        line = re.sub(r"(fn_key)-[0-9a-f]{7,12}\b", r"\1-<suffix>", line)
        line = re.sub(r'(secretId\s*: )"[0-9a-z]{25}"', r'\1"<id>"', line)
        line = re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", line)
        line = re.sub(r"127\.0\.0\.1:[0-9]+", "127.0.0.1:<port>", line)
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def assert_golden(name: str, result: PreviewResult, project: EngineProject) -> None:
    actual = normalise(result.stdout, project.stack.name)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual)
    assert actual == path.read_text(), f"{path} differs; rerun with UPDATE_GOLDEN=1 if the change is intended"


def test_the_first_preview_shows_the_secret_data_only_as_secret(deployed: Deployed) -> None:
    text = deployed.first_preview.stdout
    assert SECRET_VALUE not in text
    assert re.search(r"^\s+data\s*: \[secret\]$", text, re.MULTILINE), text


def test_a_rotation_preview_shows_old_and_new_data_only_as_secret(deployed: Deployed) -> None:
    text = rotated_preview(deployed.project).stdout
    assert SECRET_VALUE not in text
    assert ROTATED_VALUE not in text
    assert re.search(r"^\s+~ data: \[secret\] => \[secret\]$", text, re.MULTILINE), text


def test_a_preview_without_changes_reports_none(deployed: Deployed) -> None:
    result = deployed.project.preview()
    assert set(result.change_summary) == {"same"}, result.stdout
    assert changes(deployed.project, BASE) == {}


# The one readiness wait of the stack updates whenever its list of services changes.
WAIT = {"readiness": "update"}


def test_adding_a_function_creates_only_its_resources(deployed: Deployed) -> None:
    added = changes(deployed.project, (*BASE, (GAMMA, IMAGE, False)))
    assert added == {GAMMA: "create", f"{GAMMA}-check": "create", **WAIT}


def test_adding_a_function_first_in_the_file_touches_no_other(deployed: Deployed) -> None:
    added = changes(deployed.project, ((GAMMA, IMAGE, False), *BASE))
    assert added == {GAMMA: "create", f"{GAMMA}-check": "create", **WAIT}


def test_removing_a_function_deletes_only_its_resources(deployed: Deployed) -> None:
    assert changes(deployed.project, (BASE[0],)) == {BETA: "delete", f"{BETA}-check": "delete", **WAIT}


def test_removing_the_only_function_using_a_secret_deletes_the_secret_too(deployed: Deployed) -> None:
    removed = changes(deployed.project, (BASE[1],))
    assert removed == {ALPHA: "delete", f"{ALPHA}-check": "delete", SECRET: "delete", **WAIT}


def test_reordering_functions_changes_nothing(deployed: Deployed) -> None:
    assert changes(deployed.project, tuple(reversed(BASE))) == {}


def test_golden_preview_of_adding_a_function(deployed: Deployed) -> None:
    result = preview_with(deployed.project, (*BASE, (GAMMA, IMAGE, False)))
    assert_golden("add-function", result, deployed.project)


def test_golden_preview_of_rotating_a_secret(deployed: Deployed) -> None:
    assert_golden("rotate-secret", rotated_preview(deployed.project), deployed.project)


def test_golden_preview_of_changing_an_image(deployed: Deployed) -> None:
    changed = ((ALPHA, "functions/api-key-protected:v2", True), BASE[1])
    assert_golden("change-image", preview_with(deployed.project, changed), deployed.project)


def test_no_secret_value_in_any_output_or_file(deployed: Deployed) -> None:
    project = deployed.project
    for value in (SECRET_VALUE, ROTATED_VALUE):
        assert [text for text in project.outputs if value in text] == []
        assert project.files_containing(value) == []
