"""The Swarm target's names and units: what Docker receives, checked before anything exists."""

from __future__ import annotations

from pathlib import Path

from components.plan import SecretPlan
from components.stackfile import Function, FunctionResources
from components.targets.swarm.rules import RULES, secret_name


def secret(name: str, *files: str) -> SecretPlan:
    return SecretPlan(name, "", files or (name,))


def test_a_one_file_secret_is_named_for_the_openfaas_secret() -> None:
    assert secret_name(secret("api_key"), "api_key") == "api_key"


def test_each_file_of_a_several_file_secret_is_a_secret_named_for_both() -> None:
    tls = secret("tls", "tls.crt", "tls.key")
    assert [secret_name(tls, file) for file in tls.files] == ["tls.tls.crt", "tls.tls.key"]


def test_a_56_character_secret_name_fits_docker_with_the_provider_suffix() -> None:
    assert RULES.secret_clashes(Path("stack.yml"), [], [secret("s" * 56)]) == []


def test_a_57_character_secret_name_is_refused_with_the_name_docker_would_see() -> None:
    assert RULES.secret_clashes(Path("stack.yml"), [], [secret("s" * 57)]) == [
        f"secret '{'s' * 57}' becomes the Docker secret '{'s' * 57}' plus the provider's 8-character "
        "suffix (-<7 hex>), more than Docker's 64: make '<secret>.<file>' (or the secret's name) at "
        "most 56 characters"
    ]


def test_a_64_character_secret_name_is_refused_for_the_suffix_too() -> None:
    assert len(RULES.secret_clashes(Path("stack.yml"), [], [secret("s" * 64)])) == 1


def test_a_file_of_a_several_file_secret_counts_with_the_secret_name() -> None:
    long = secret("certificate", "c" * 45, "key")
    assert RULES.secret_clashes(Path("stack.yml"), [], [long]) == [
        f"secret 'certificate' (file '{'c' * 45}') becomes the Docker secret 'certificate.{'c' * 45}' "
        "plus the provider's 8-character suffix (-<7 hex>), more than Docker's 64: make "
        "'<secret>.<file>' (or the secret's name) at most 56 characters"
    ]


def test_a_service_name_with_a_dot_is_refused_as_docker_refuses_it() -> None:
    assert RULES.function_name_problem("api.v1") == (
        "the name is not a valid Docker service name: Docker refuses a '.' in it (letters, digits, "
        "'-' and '_' only): rename the function"
    )


def test_units_docker_cannot_read_are_problems_of_the_function() -> None:
    fn = Function(name="f", line=4, image="x", limits=FunctionResources(memory="lots", cpu="two"))
    assert RULES.function_problems(fn) == [
        "limits.memory 'lots' is not a size (e.g. 128Mi, 64m)",
        "limits.cpu 'two' is not a CPU amount (e.g. 0.5, 500m)",
    ]
