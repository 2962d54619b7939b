"""A function as `faas-cli deploy` leaves it in a cluster: the Deployment and Service faas-netes makes.

Built from openfaas/faas-netes at 662ce9ce (the CE provider), not from the program's own shape:
- `pkg/handlers/deploy.go` `makeDeploymentSpec` (lines 134-240): Deployment labels only
  `faas_function`, the user's labels on the pod template, `replicas` from `com.openfaas.scale.min`
  (`getMinReplicaCount`, 376-385) or 1, RollingUpdate 0/1, revisionHistoryLimit 10, the pod template
  named as the function, container `http` 8080, `imagePullPolicy: Always`, the environment sorted by
  name (`buildEnvVars`, 305-327), annotations plus `prometheus.io.scrape: "false"` when absent on the
  Deployment and its template (`buildAnnotations`, 279-303); `makeServiceSpec` (242-277): no labels;
- `pkg/handlers/update.go` `updateDeploymentSpec` (92-183): every later deploy sets the pod-template
  label `uid: <time.Now().Nanosecond()>` (line 126);
- `pkg/k8s/securityContext.go` (41-75): `readOnlyRootFilesystem` always set, the `temp` emptyDir at
  `/tmp` when true, added before the secrets; `ConfigureContainerUserID` (18-31) `runAsUser` only
  with `setNonRootUser`, off in the chart;
- `pkg/k8s/secrets.go` `ConfigureSecrets` (199-275): one projected volume `<name>-projected-secrets`
  whose items are the Secret's data keys in Go map order (random: shuffled here);
- `pkg/k8s/secrets.go` `Create` (85-105): an `Opaque` Secret labelled
  `app.kubernetes.io/managed-by: openfaas`, named as the OpenFaaS secret;
- `pkg/k8s/probes.go` `MakeProbes` (21-63) with the chart's defaults (`chart/openfaas/values.yaml`,
  `functions.httpProbe: true`, `readinessProbe`/`livenessProbe`: delay 0, timeout 1, period 2).
"""

from __future__ import annotations

import base64
import random
from collections.abc import Mapping, Sequence
from typing import Any

FAAS_NETES_MANAGER = "faas-netes"  # client-go's default field manager: the binary's name


def _probe() -> dict[str, Any]:
    return {
        "httpGet": {"path": "/_/health", "port": 8080},
        "initialDelaySeconds": 0,
        "timeoutSeconds": 1,
        "periodSeconds": 2,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def faas_netes_deployment(
    name: str,
    namespace: str,
    image: str,
    *,
    environment: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    secrets: Mapping[str, Sequence[str]] | None = None,
    readonly_root_filesystem: bool = False,
    uid: int | None = None,
    image_pull_policy: str = "Always",
    seed: int = 0,
) -> dict[str, Any]:
    """The Deployment faas-netes makes for a function; `secrets` maps each Secret to its data keys,
    `uid` is the label of a second deploy, `seed` shuffles the projected items as Go's map order does."""
    annotations = {"prometheus.io.scrape": "false", **(annotations or {})}
    pod_labels = {"faas_function": name, **(labels or {})}
    if uid is not None:
        pod_labels["uid"] = str(uid)
    replicas = 1
    minimum = (labels or {}).get("com.openfaas.scale.min", "")
    if minimum.isdigit() and int(minimum) > 0:
        replicas = int(minimum)
    env = sorted(({"name": k, "value": v} for k, v in (environment or {}).items()), key=lambda e: e["name"])
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    if readonly_root_filesystem:
        volumes.append({"name": "temp", "emptyDir": {}})
        mounts.append({"name": "temp", "mountPath": "/tmp"})
    if secrets:
        shuffle = random.Random(seed)
        sources = []
        for secret, keys in secrets.items():
            items = [{"key": k, "path": k} for k in keys]
            shuffle.shuffle(items)
            sources.append({"secret": {"name": secret, "items": items}})
        volumes.append({"name": f"{name}-projected-secrets", "projected": {"sources": sources}})
        mounts.append(
            {"name": f"{name}-projected-secrets", "readOnly": True, "mountPath": "/var/openfaas/secrets"}
        )
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": env,
        "resources": {},
        "imagePullPolicy": image_pull_policy,
        "livenessProbe": _probe(),
        "readinessProbe": _probe(),
        "securityContext": {"readOnlyRootFilesystem": readonly_root_filesystem},
    }
    if mounts:
        container["volumeMounts"] = mounts
    pod_spec: dict[str, Any] = {
        "nodeSelector": {},
        "containers": [container],
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
    }
    if volumes:
        pod_spec["volumes"] = volumes
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": annotations,
            "labels": {"faas_function": name},
        },
        "spec": {
            "selector": {"matchLabels": {"faas_function": name}},
            "replicas": replicas,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "revisionHistoryLimit": 10,
            "template": {
                "metadata": {"name": name, "labels": pod_labels, "annotations": annotations},
                "spec": pod_spec,
            },
        },
    }


def faas_netes_service(
    name: str, namespace: str, annotations: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The Service faas-netes makes for a function: no labels, selector `faas_function`, port 8080."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {"prometheus.io.scrape": "false", **(annotations or {})},
        },
        "spec": {
            "type": "ClusterIP",
            "selector": {"faas_function": name},
            "ports": [{"name": "http", "protocol": "TCP", "port": 8080, "targetPort": 8080}],
        },
    }


def faas_netes_secret(name: str, namespace: str, data: Mapping[str, str]) -> dict[str, Any]:
    """The Secret `faas-cli secret create` has faas-netes make (`data`: file name -> text)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "openfaas"},
        },
        "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()},
    }
