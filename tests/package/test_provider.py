"""The package's provider without the engine: its schema is the golden one, and it reads what the
engine sends as the component's inputs."""

from __future__ import annotations

import json
from typing import Any

from pulumi.provider.experimental.property_value import PropertyValue

from components.check.resource import InvokeCheckProvider
from components.package.provider import (
    _for_inputs,
    _plain_secret_values,
    _served,
    input_problem,
    plain,
    schema,
    to_property,
)
from components.stack_args import INPUT_NAMES
from tests.engine.harness import ROOT

GOLDEN = ROOT / "tests" / "engine" / "golden" / "schema.json"


def essential(node: Any) -> Any:
    """`node` without nulls and empty objects or lists (the CLI leaves those out)."""
    if isinstance(node, dict):
        kept = {key: essential(value) for key, value in node.items()}
        return {key: value for key, value in kept.items() if value not in (None, {}, [])}
    if isinstance(node, list):
        return [essential(item) for item in node]
    return node


def test_the_inferred_schema_is_the_golden_one() -> None:
    assert essential(schema()) == essential(json.loads(GOLDEN.read_text()))


def test_every_input_is_named_as_the_python_programs_config_key() -> None:
    inputs = schema()["resources"]["openfaas-stack:index:OpenFaaSStack"]["inputProperties"]
    assert set(inputs) == set(INPUT_NAMES)
    assert {"stackFile", "kubernetesReadyTimeout", "kubeContext", "dockerHost"} <= set(inputs)


def test_a_served_resource_is_found_by_the_last_type_of_its_urn() -> None:
    urn = (
        "urn:pulumi:dev::p::openfaas-stack:index:OpenFaaSStack$openfaas-stack:index:OpenFaaSFunction"
        "$openfaas-stack:index:InvokeCheck::ns/fn-check"
    )
    assert isinstance(_served(urn), InvokeCheckProvider)


def test_property_values_become_python_values_with_whole_numbers_as_int() -> None:
    value = to_property({"a": [1, 2.5, "x", True], "b": {"c": None}})
    assert plain(value) == {"a": [1, 2.5, "x", True], "b": {"c": None}}


def test_a_secret_value_that_did_not_arrive_secret_is_named_but_a_file_path_is_not() -> None:
    secrets = PropertyValue(
        {
            "kept": PropertyValue("s3cret-value", is_secret=True),
            "shown": PropertyValue("plain-value"),
            "ca": PropertyValue({"fromFile": PropertyValue("/etc/ssl/ca.pem")}),
            "several": PropertyValue({"files": PropertyValue({"a": PropertyValue("plain")})}),
        }
    )
    assert _plain_secret_values(secrets, "secrets") == ["'secrets.shown'", "'secrets.several.files.a'"]


def test_a_message_about_config_says_that_keys_are_the_inputs_of_the_same_name() -> None:
    message = "Pulumi.dev.yaml: config 'skipAwait' must be true or false"
    assert _for_inputs(message) == (
        f"{message}\n(each config key named here is the OpenFaaSStack input of the same name: set it "
        "in your program, where this says `pulumi config set`)"
    )
    assert _for_inputs("stack.yaml:3: functions must be a map") == "stack.yaml:3: functions must be a map"


def test_a_program_folder_that_is_missing_or_relative_is_refused_naming_how_to_give_it() -> None:
    expected = (
        "input 'projectDir' must be your program's folder, as an absolute path: the package's "
        "provider runs in its own folder, so relative paths (stackFile, fromFile) are read from "
        "projectDir; give `${pulumi.cwd}` in Pulumi YAML, `process.cwd()` in TypeScript, "
        "`os.Getwd()` in Go"
    )
    assert input_problem({"stackFile": PropertyValue("stack.yaml")}) == expected
    assert input_problem({"projectDir": PropertyValue("program")}) == expected
    assert input_problem({"projectDir": PropertyValue("/work/program")}) is None


def test_an_input_known_only_after_another_resource_is_created_is_refused() -> None:
    inputs = {"projectDir": PropertyValue("/p"), "gateway": PropertyValue.computed()}
    assert input_problem(inputs) == (
        "input gateway: known only after another resource is created; OpenFaaSStack checks every "
        "input before it registers anything, so give values known when the program runs (config, literals)"
    )


def test_an_unknown_value_goes_to_the_served_code_and_back_as_the_engines_sentinel() -> None:
    from pulumi.runtime.rpc import UNKNOWN

    assert plain(PropertyValue({"triggers": PropertyValue.computed()})) == {"triggers": UNKNOWN}
    assert to_property(UNKNOWN).marshal().string_value == UNKNOWN
