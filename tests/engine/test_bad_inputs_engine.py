"""A few of the cases in `tests/cases/` on the real engine: `pulumi preview` fails with the exact
message, no traceback, and the stack holds no resource afterwards.

They all fail before any resource is declared, so they touch neither Swarm nor the API server.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.engine.harness import EngineProject, new_project, require_toolchain
from tests.support.bad_cases import CASE_FOLDERS, BadInput, load_case

pytestmark = pytest.mark.engine
ON_THE_ENGINE = (
    "stack_file/001-tab-in-indentation",
    "stack_file/017-kubernetes-function-name-with-capitals-and-underscore",
    "config/004-missing-secret",
    "config/002-unknown-target",
    "config/012-check-for-a-function-that-does-not-exist",
    "stack_file/014-swarm-secret-name-of-57-characters",
)


def engine_project(case: BadInput, tmp: Path) -> EngineProject:
    """A scratch project holding the case's files and config, in place of the example's."""
    require_toolchain()
    project = new_project(tmp, "bad-input")
    (project.workdir / "stack.yaml").unlink()
    case.write(project.workdir)
    for key, value in case.config.items():
        project.set(key, value)
    if isinstance(case.secrets, Mapping):
        for name, value in case.secrets.items():
            project.set_secret(name, value)
    elif isinstance(case.secrets, str):
        project.stack.set_config("secrets", auto.ConfigValue(case.secrets, secret=True))
    return project


@pytest.mark.parametrize("name", ON_THE_ENGINE)
def test_preview_stops_with_the_message_and_leaves_no_resource(name: str, tmp_path: Path) -> None:
    folder, _, stem = name.partition("/")
    case = load_case(CASE_FOLDERS[folder] / f"{stem}.yaml")
    assert case.expect is not None
    project = engine_project(case, tmp_path.resolve())
    try:
        with pytest.raises(auto.CommandError) as caught:
            project.preview()
        output = str(caught.value)
        assert case.message(case.expect, project.workdir, project.stack.name) in output
        assert "Traceback" not in output
        assert json.loads(project.exported_state())["deployment"].get("resources", []) == []
        assert [value for value in case.secret_values() if value in output] == []
    finally:
        project.stack.workspace.remove_stack(project.stack.name)
