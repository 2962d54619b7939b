"""Which way the invoke check reaches a function: the gateway or the API server's service proxy."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.check.parse import CheckConfigError, parse_checks
from components.check.service_proxy import proxy_path, proxy_url
from components.settings import Settings, check_route
from components.shared.kubeconfig import ClusterAccess

FUNCTIONS = {"protectedapi": {"secrets": ["secret_api_key"], "namespace": "openfaas-fn"}}


def route(target: str, via: str = "auto", gateway: str = "", env: dict[str, str] | None = None) -> object:
    settings = Settings(target=target, check_via=via, gateway=gateway, stack_file=Path("stack.yaml"))
    return check_route(settings, "/home/me/.kube/config", "prod", env or {})


def test_auto_on_kubernetes_goes_through_the_api_server_with_the_providers_kubeconfig() -> None:
    assert route("kubernetes") == ClusterAccess("/home/me/.kube/config", "prod")


def test_auto_on_kubernetes_uses_the_gateway_when_the_gateway_config_names_one() -> None:
    assert route("kubernetes", gateway="http://gateway.example:8080") is None


def test_auto_on_kubernetes_uses_the_gateway_when_openfaas_url_is_set() -> None:
    assert route("kubernetes", env={"OPENFAAS_URL": "http://127.0.0.1:31112"}) is None


def test_auto_on_swarm_uses_the_gateway() -> None:
    assert route("swarm") is None


def test_kubernetes_api_is_used_even_with_a_gateway_configured() -> None:
    assert route("kubernetes", "kubernetes-api", gateway="http://gw:8080") == ClusterAccess(
        "/home/me/.kube/config", "prod"
    )


def test_gateway_is_used_on_kubernetes_when_asked() -> None:
    assert route("kubernetes", "gateway") is None


def test_a_check_through_the_api_server_calls_the_functions_own_service() -> None:
    [spec] = parse_checks(
        {"protectedapi": {"path": "/status?verbose=1"}},
        functions=FUNCTIONS,
        gateway="http://127.0.0.1:8080",
        api_server=ClusterAccess("/k/config", "ctx"),
    ).values()
    assert (
        spec.url
        == "kubernetes-api:///api/v1/namespaces/openfaas-fn/services/protectedapi:8080/proxy/status?verbose=1"
    )
    assert (spec.kubeconfig, spec.kube_context) == ("/k/config", "ctx")


def test_a_check_with_its_own_url_does_not_go_through_the_api_server() -> None:
    [spec] = parse_checks(
        {"protectedapi": {"url": "http://127.0.0.1:8081/"}},
        functions=FUNCTIONS,
        gateway="http://127.0.0.1:8080",
        api_server=ClusterAccess("/k/config", "ctx"),
    ).values()
    assert (spec.url, spec.kubeconfig) == ("http://127.0.0.1:8081/", "")


def test_a_check_through_the_gateway_keeps_the_faas_cli_url() -> None:
    [spec] = parse_checks({}, functions=FUNCTIONS, gateway="http://127.0.0.1:8080").values()
    assert spec.url == "http://127.0.0.1:8080/function/protectedapi.openfaas-fn"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "/api/v1/namespaces/ns/services/fn:8080/proxy/"),
        ("", "/api/v1/namespaces/ns/services/fn:8080/proxy/"),
        ("/a b", "/api/v1/namespaces/ns/services/fn:8080/proxy/a%20b"),
        ("/x?q=1&r=2", "/api/v1/namespaces/ns/services/fn:8080/proxy/x?q=1&r=2"),
    ],
)
def test_the_proxy_path_quotes_what_a_url_cannot_hold(path: str, expected: str) -> None:
    assert proxy_path("ns", "fn", 8080, path) == expected


def test_the_proxy_url_names_no_server_the_kubeconfig_gives_it() -> None:
    assert proxy_url("ns", "fn", 8080) == "kubernetes-api:///api/v1/namespaces/ns/services/fn:8080/proxy/"


DOT_SEGMENTS = (
    "has a '.' or '..' segment (or one percent-encoded, such as %2e%2e), which would be resolved to another "
    "path (through the API server, outside the function's service proxy): write the path without it"
)


@pytest.mark.parametrize(
    "path", ["/../../../../../api/v1/namespaces/kube-system/secrets", "/%2e%2e/%2E%2e/api/v1/secrets", "/x/."]
)
@pytest.mark.parametrize(
    "api_server", [ClusterAccess("/k/config", "ctx"), None], ids=["api-server", "gateway"]
)
def test_a_check_path_with_dot_segments_is_refused_on_either_route(
    path: str, api_server: ClusterAccess | None
) -> None:
    with pytest.raises(CheckConfigError) as caught:
        parse_checks(
            {"protectedapi": {"path": path, "method": "DELETE"}},
            functions=FUNCTIONS,
            gateway="http://127.0.0.1:8080",
            api_server=api_server,
        )
    assert str(caught.value) == f"checks.protectedapi.path: {path!r} {DOT_SEGMENTS}"


def test_a_check_path_with_a_backslash_is_refused() -> None:
    with pytest.raises(CheckConfigError) as caught:
        parse_checks(
            {"protectedapi": {"path": "/..\\api"}},
            functions=FUNCTIONS,
            gateway="http://127.0.0.1:8080",
            api_server=ClusterAccess(),
        )
    assert str(caught.value) == (
        "checks.protectedapi.path: '/..\\\\api' holds a backslash (or %5C), which some servers take for '/': "
        "write '/'"
    )
