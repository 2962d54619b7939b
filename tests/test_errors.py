"""One family of errors the user can fix: each names where, and lists its problems."""

from __future__ import annotations

import pytest

from components import errors, stackfile
from components.check.parse import CheckConfigError
from components.errors import InputError, StackFileError
from components.plan import PlanError
from components.preflight.exposure import SecretExposed
from components.settings import ConfigError
from components.targets.kubernetes.cluster import ClusterUnreachable, KubeconfigError


@pytest.mark.parametrize(
    "kind",
    [
        ConfigError,
        StackFileError,
        PlanError,
        CheckConfigError,
        ClusterUnreachable,
        KubeconfigError,
        SecretExposed,
    ],
)
def test_every_input_error_is_an_input_error(kind: type[Exception]) -> None:
    assert issubclass(kind, InputError)


def test_the_message_is_one_line_per_problem_each_prefixed_with_where() -> None:
    error = InputError(["a is wrong", "b is wrong"], "Pulumi.dev.yaml")
    assert error.where == "Pulumi.dev.yaml"
    assert error.problems == ("a is wrong", "b is wrong")
    assert str(error) == "Pulumi.dev.yaml: a is wrong\nPulumi.dev.yaml: b is wrong"


def test_problems_that_name_their_own_place_are_shown_as_they_are() -> None:
    error = PlanError(["stack.yaml:3: one", "Pulumi.dev.yaml: two"])
    assert (error.where, error.problems) == ("", ("stack.yaml:3: one", "Pulumi.dev.yaml: two"))
    assert str(error) == "stack.yaml:3: one\nPulumi.dev.yaml: two"


def test_a_config_error_takes_its_file_and_needs_no_pulumi_to_be_made() -> None:
    error = ConfigError("Pulumi.prod.yaml", "config 'skipAwait' must be true or false")
    assert str(error) == "Pulumi.prod.yaml: config 'skipAwait' must be true or false"
    assert error.problems == ("config 'skipAwait' must be true or false",)


def test_a_stack_file_error_keeps_its_file_line_and_message_and_its_import_path() -> None:
    error = stackfile.StackFileError("stack.yaml", "no functions", 4)
    assert stackfile.StackFileError is errors.StackFileError
    assert (error.path, error.line, error.message, error.where) == (
        "stack.yaml",
        4,
        "no functions",
        "stack.yaml:4",
    )
    assert str(error) == "stack.yaml:4: no functions"
    assert str(stackfile.StackFileError("stack.yaml", "not found")) == "stack.yaml: not found"
