"""Secret values messages cannot hide well are warned about at preview, without quoting them."""

from __future__ import annotations

from pathlib import Path

from components.preflight.exposure import weak_secret_warnings
from components.stackfile import load_stack

STACK = """\
provider:
  name: openfaas
functions:
  hello:
    image: functions/hello:latest
"""


def stack_in(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "stack.yaml").write_text(STACK)
    return folder


def test_an_everyday_word_in_the_projects_path_and_the_stack_file_is_warned_about(tmp_path: Path) -> None:
    project = stack_in(tmp_path / "openfaas-stack")
    stack = load_stack(project / "stack.yaml", project=project)
    [warning] = weak_secret_warnings({"gateway-password": "openfaas"}, stack, project, "Pulumi.dev.yaml")
    assert warning == (
        "Pulumi.dev.yaml: secret 'gateway-password' has a value that is also ordinary text of the "
        f"project's path and the stack file {project / 'stack.yaml'}: messages will show '[secret]' "
        "wherever that text appears, and the value is easy to guess: set one that is not an everyday "
        "word with `pulumi config set --secret --path 'secrets.gateway-password' <value>`"
    )


def test_a_long_value_found_nowhere_else_is_not_warned_about(tmp_path: Path) -> None:
    project = stack_in(tmp_path / "project")
    stack = load_stack(project / "stack.yaml", project=project)
    assert weak_secret_warnings({"api-key": "R^YqzKzSJw51K9zPpQ3R3N"}, stack, project, "P.yaml") == []
