"""The Swarm target's names and units: what Docker receives, checked before anything exists."""

from __future__ import annotations

import pytest

from components.plan import SecretPlan
from components.stackfile import Function, FunctionResources
from components.swarm import (
    function_problems,
    parse_memory_bytes,
    parse_nano_cpus,
    secret_name,
    secret_problems,
)


def secret(name: str, *files: str) -> SecretPlan:
    return SecretPlan(name, "", files or (name,))


def test_a_one_file_secret_is_named_for_the_openfaas_secret() -> None:
    assert secret_name(secret("api_key"), "api_key") == "api_key"


def test_each_file_of_a_several_file_secret_is_a_secret_named_for_both() -> None:
    tls = secret("tls", "tls.crt", "tls.key")
    assert [secret_name(tls, file) for file in tls.files] == ["tls.tls.crt", "tls.tls.key"]


def test_a_56_character_secret_name_fits_docker_with_the_provider_suffix() -> None:
    assert secret_problems(secret("s" * 56)) == []


def test_a_57_character_secret_name_is_refused_with_the_length_docker_would_see() -> None:
    assert secret_problems(secret("s" * 57)) == [
        f"secret '{'s' * 57}' becomes the Docker secret '{'s' * 57}-<7 random hex>', 65 characters, "
        "and Docker allows at most 64: rename it in the function's 'secrets:' and in the 'secrets' "
        "config, to at most 56 characters"
    ]


def test_a_file_of_a_several_file_secret_counts_with_the_secret_name() -> None:
    long = secret("certificate", "c" * 45, "key")
    assert secret_problems(long) == [
        f"file '{'c' * 45}' of secret 'certificate' becomes the Docker secret "
        f"'certificate.{'c' * 45}-<7 random hex>', 65 characters, and Docker allows at most 64: "
        f"shorten the secret's or the file's name, so that 'certificate.{'c' * 45}' has at most 56 "
        "characters"
    ]


def test_a_service_name_with_a_dot_is_refused_as_docker_refuses_it() -> None:
    assert function_problems(Function(name="api.v1", line=4, image="x")) == [
        "the name is not a valid Docker service name: Docker refuses a '.' in it (letters, digits, "
        "'-' and '_' only): rename the function"
    ]


def test_units_docker_cannot_read_are_problems_of_the_function() -> None:
    fn = Function(name="f", line=4, image="x", limits=FunctionResources(memory="lots", cpu="two"))
    assert function_problems(fn) == [
        "limits.memory 'lots' is not a size (e.g. 128Mi, 64m)",
        "limits.cpu 'two' is not a CPU amount (e.g. 0.5, 500m)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"), [("64m", 64 << 20), ("128Mi", 128 << 20), ("1g", 1 << 30), ("512", 512)]
)
def test_memory_is_read_as_docker_reads_it(text: str, expected: int) -> None:
    assert parse_memory_bytes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("500m", 500_000_000), ("0.5", 500_000_000), ("2", 2_000_000_000), ("100000000", 100_000_000)],
)
def test_cpu_is_read_as_nano_cpus(text: str, expected: int) -> None:
    assert parse_nano_cpus(text) == expected
