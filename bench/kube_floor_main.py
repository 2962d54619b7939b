"""The Kubernetes floor program: the objects of `manifest.json` (what `kubectl apply` gets in
`bench/kube_deploy.py`) registered through the engine as they are, and nothing else.

No stack file, no plan, no component, no checks, no readiness: each object is one
pulumi_kubernetes resource marked `pulumi.com/skipAwait` (as the program marks its own), so the
engine and the provider create them and the benchmark's `kubectl rollout status` does the
waiting. It is what the engine costs before the program does anything of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

KINDS: dict[str, Any] = {
    "Namespace": k8s.core.v1.Namespace,
    "Secret": k8s.core.v1.Secret,
    "Deployment": k8s.apps.v1.Deployment,
    "Service": k8s.core.v1.Service,
}

provider = k8s.Provider("kubernetes", kubeconfig=pulumi.Config("kubernetes").require("kubeconfig"))
namespace: pulumi.Resource | None = None
for item in json.loads(Path("manifest.json").read_text())["items"]:
    kind, metadata = item.pop("kind"), item.pop("metadata")
    item.pop("apiVersion")
    metadata.setdefault("annotations", {})["pulumi.com/skipAwait"] = "true"
    if kind == "Secret":
        item["data"] = pulumi.Output.secret(item["data"])
    after = [namespace] if namespace is not None else []
    name = metadata["name"] if kind != "Secret" else f"{metadata['name']}-secret"
    opts = pulumi.ResourceOptions(provider=provider, depends_on=after)
    created = KINDS[kind](name, metadata=metadata, opts=opts, **item)
    if kind == "Namespace":
        namespace = created
