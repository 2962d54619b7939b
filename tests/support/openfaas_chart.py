"""The gateway Deployment as OpenFaaS's chart renders it (faas-netes `chart/openfaas/templates/
gateway-dep.yaml` and `values.yaml` at 662ce9ce), for CE and for Standard/Enterprise: what the
edition detection reads. Scaled to 0 replicas: its images cannot be pulled here, and nothing of
OpenFaaS runs (its EULA), only the object exists."""

from __future__ import annotations

from typing import Any

CE_IMAGES = ("ghcr.io/openfaas/gateway:0.27.13", "ghcr.io/openfaas/faas-netes:0.18.17")
PRO_IMAGES = ("ghcr.io/openfaasltd/gateway:0.5.20", "ghcr.io/openfaasltd/faas-netes:0.5.93")


def gateway_deployment(
    namespace: str, edition: str, function_namespace: str = "openfaas-fn", *, operator: bool = False
) -> dict[str, Any]:
    """The chart's `gateway` Deployment in `namespace` for `edition` ("ce" or "pro"); `operator`:
    Standard's `operator.create: true`, whose provider container is named `operator`."""
    gateway_image, provider_image = CE_IMAGES if edition == "ce" else PRO_IMAGES
    env = [
        {"name": "port", "value": "8081"},
        {"name": "function_namespace", "value": function_namespace},
        {"name": "read_timeout", "value": "60s"},
        {"name": "profiles_namespace", "value": namespace},
        {"name": "write_timeout", "value": "60s"},
    ]
    provider: dict[str, Any] = {
        "name": "operator" if operator else "faas-netes",
        "image": provider_image,
        "command": ["./faas-netes", *(["-operator=true"] if operator else [])],
        "env": env,
    }
    if edition != "ce":
        provider["command"].append("-license-file=/var/secrets/license/license")
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "gateway",
            "namespace": namespace,
            "labels": {"app": "openfaas", "component": "gateway", "chart": "openfaas-14.2.0"},
        },
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "gateway"}},
            "template": {
                "metadata": {"labels": {"app": "gateway"}},
                "spec": {
                    "containers": [
                        {
                            "name": "gateway",
                            "image": gateway_image,
                            "env": [{"name": "function_namespace", "value": function_namespace}],
                        },
                        provider,
                    ]
                },
            },
        },
    }
