"""The objects the program makes for a function on Kubernetes (a Secret, a Deployment, a Service),
as plain manifests: for deploying functions with kubectl alone, where a test or a benchmark wants
the functions without the program (`tests/engine/test_service_proxy.py`, `bench/kube_deploy.py`).
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

SAMPLE_IMAGE = "functions/api-key-protected:latest"


def manifest(namespace: str, names: list[str], secret_value: str | None = None) -> str:
    """The objects the program makes for `names`, as one `kubectl apply` list.

    Each function runs the sample image and mounts its own secret (the Secret `<function>-key`) as
    the file `secret_api_key`, which the sample reads; its value is random unless `secret_value`
    is given.
    """
    items: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}]
    probe = {"httpGet": {"path": "/_/health", "port": 8080}, "initialDelaySeconds": 2, "periodSeconds": 2}
    for name in names:
        secret = "secret_api_key"
        object_name = f"{name}-key".replace("_", "-")
        value = secret_value or secrets.token_urlsafe(18)
        labels = {"faas_function": name}
        items += [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "Opaque",
                "metadata": {"name": object_name, "namespace": namespace},
                "data": {secret: base64.b64encode(value.encode()).decode()},
            },
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": namespace, "labels": labels},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "containers": [
                                {
                                    "name": name,
                                    "image": SAMPLE_IMAGE,
                                    "imagePullPolicy": "Never",
                                    "ports": [{"name": "http", "containerPort": 8080}],
                                    "env": [{"name": "write_debug", "value": "false"}],
                                    "livenessProbe": probe,
                                    "readinessProbe": probe,
                                    "volumeMounts": [
                                        {
                                            "name": "secrets",
                                            "mountPath": "/var/openfaas/secrets",
                                            "readOnly": True,
                                        }
                                    ],
                                }
                            ],
                            "volumes": [
                                {
                                    "name": "secrets",
                                    "projected": {
                                        "sources": [
                                            {
                                                "secret": {
                                                    "name": object_name,
                                                    "items": [{"key": secret, "path": secret}],
                                                }
                                            }
                                        ]
                                    },
                                }
                            ],
                        },
                    },
                },
            },
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"selector": labels, "ports": [{"name": "http", "port": 8080, "targetPort": 8080}]},
            },
        ]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


def bare_deployment(name: str, namespace: str, labels: dict[str, str], replicas: int = 0) -> dict[str, Any]:
    """A Deployment of the sample image selected by `labels`, scaled to `replicas` (none by default):
    an object that exists under a name, as another tool left it (`faas-cli deploy`, `kubectl`)."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": SAMPLE_IMAGE}]},
            },
        },
    }
