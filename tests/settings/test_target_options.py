"""Target options that do nothing, or name nothing, are reported before anything is applied."""

from __future__ import annotations

import shutil
from pathlib import Path

import pulumi

from components.settings import Settings, target_option_problems, target_secret_problems
from tests.support.mocks import ROOT, run_program


def config_file() -> str:
    """The stack's config file as messages name it (the stack is whatever ran last here)."""
    return f"Pulumi.{pulumi.get_stack()}.yaml"


def test_an_option_of_the_other_target_is_a_warning_naming_the_key() -> None:
    settings = Settings(target="swarm", set_keys=frozenset({"skipAwait"}))
    assert target_option_problems(settings, {"hello"}) == (
        [],
        [
            f"{config_file()}: config 'skipAwait' has no effect on Docker Swarm (it is for target "
            "kubernetes): remove it with `pulumi config rm skipAwait`"
        ],
    )


def test_an_option_of_this_target_is_no_problem() -> None:
    settings = Settings(target="swarm", set_keys=frozenset({"swarmNetwork"}), published_ports={"hello": 8081})
    assert target_option_problems(settings, {"hello"}) == ([], [])


def test_a_published_port_of_a_function_left_out_by_a_filter_is_only_a_warning() -> None:
    settings = Settings(target="swarm", filter="hel*", published_ports={"figlet": 8082})
    assert target_option_problems(settings, {"hello"}) == (
        [],
        [
            f"{config_file()}: config 'publishedPorts.figlet': no function 'figlet' is deployed (left out by "
            "'filter'/'regex'?); remove it with `pulumi config rm --path 'publishedPorts.figlet'`"
        ],
    )


def test_three_functions_on_one_host_port_are_one_error_naming_all() -> None:
    settings = Settings(target="swarm", published_ports={"a": 8081, "b": 8081, "c": 8081})
    errors, _ = target_option_problems(settings, {"a", "b", "c"})
    assert errors == [
        f"{config_file()}: config 'publishedPorts': functions a, b, c publish the same host port "
        "8081; a host port can be published once: give each its own"
    ]


def test_adopting_a_secret_no_deployed_function_uses_is_an_error() -> None:
    settings = Settings(target="kubernetes", adopt_secrets=frozenset({"old-key"}))
    assert target_secret_problems(settings, {"api-key"}) == (
        [
            f"{config_file()}: config 'adoptSecrets' names 'old-key', a secret no deployed function "
            "uses: remove it from the list"
        ],
        [],
    )


def test_adopting_a_secret_left_out_by_a_regex_is_only_a_warning() -> None:
    settings = Settings(target="kubernetes", regex="^api", adopt_secrets=frozenset({"old-key"}))
    assert target_secret_problems(settings, set()) == (
        [],
        [
            f"{config_file()}: config 'adoptSecrets' names 'old-key', a secret no deployed function "
            "uses (left out by 'filter'/'regex'?): remove it from the list"
        ],
    )


def test_an_option_left_at_its_pulumi_yaml_default_is_not_reported(tmp_path: Path) -> None:
    """Pulumi fills in Pulumi.yaml's defaults (`swarmConvergeTimeout: 2m`, `publishedPorts: {}`)."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "stack.yaml").write_text(
        "provider:\n  name: openfaas\nfunctions:\n  hello:\n    image: functions/hello:latest\n"
    )
    mocks = run_program(
        tmp_path,
        config={
            "target": "kubernetes",
            "swarmConvergeTimeout": "2m",
            "publishedPorts": {},
            "swarmNetwork": "",
        },
    )
    assert mocks.warnings == []


def test_every_key_pulumi_yaml_declares_has_a_default_so_a_new_stack_needs_none_set() -> None:
    import yaml

    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    # the engine refuses a stack that lacks a value for a key declared without one
    assert [key for key, spec in declared.items() if "default" not in spec] == []
