"""What `faas-cli deploy` wrote to an adopted function becomes the stack's, to change or remove.

faas-netes writes Deployments and Services with Update (openfaas/faas-netes 662ce9ce
`pkg/handlers/deploy.go:103,121`, `update.go:175-177`) under the field manager `faas-netes`: the
API server names an Update's manager after the client's user agent (kubernetes
`staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go` `prefixFromUserAgent`), which
client-go makes from the binary's name, `./faas-netes` (faas-netes `Dockerfile:58`).
Server-side apply removes only fields its own manager applied before, so an environment variable
or label a `faas-cli deploy` added would stay for good (and, shifting a sorted list, show as a
change at every preview). Just before Pulumi updates an adopted function's Deployment or Service,
`handover_hook` hands faas-netes' fields to `before-first-apply`, a manager pulumi-kubernetes folds
into its own right before it applies (pulumi-kubernetes v4.25 `provider/pkg/await/await.go`
`fixCSAFieldManagers`, lines 741-790), so that apply owns them and removes what the stack file
does not set. Only `managedFields` change here; the object's spec waits for the apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from components.shared.kube_client import KubeClientError, get_json, json_patch
from components.shared.kubeconfig import ClusterAccess
from components.targets.kubernetes.rules import api_path

FAAS_NETES_MANAGER = "faas-netes"
HANDOVER_MANAGER = "before-first-apply"
METADATA_ONLY = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"


class HandoverFailed(Exception):
    """The fields could not be handed over; the message says why in general words."""


def handed_over(managed_fields: list[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
    """`managed_fields` with faas-netes' Update entries merged into `before-first-apply`'s (None
    when faas-netes owns nothing)."""
    ours = [f for f in managed_fields if _is_faas_netes(f)]
    if not ours:
        return None
    rest = [dict(f) for f in managed_fields if not _is_faas_netes(f)]
    target = next((f for f in rest if _is(f, HANDOVER_MANAGER)), None)
    if target is None:
        target = {**ours[0], "manager": HANDOVER_MANAGER, "fieldsV1": {}}
        target.pop("subresource", None)
        rest.append(target)
    for entry in ours:
        target["fieldsV1"] = merge_fields(target.get("fieldsV1") or {}, entry.get("fieldsV1") or {})
    return rest


def merge_fields(left: Mapping[str, Any], right: Mapping[str, Any]) -> dict[str, Any]:
    """The union of two `FieldsV1` trees (each key a field, each value its own tree)."""
    merged = dict(left)
    for key, value in right.items():
        inner = merged.get(key)
        merged[key] = (
            merge_fields(inner, value) if isinstance(inner, Mapping) and isinstance(value, Mapping) else value
        )
    return merged


def hand_over(access: ClusterAccess, resource_type: str, object_id: str) -> bool:
    """Hand faas-netes' fields of the object to `before-first-apply`; True when it owned any.
    The patch tests the resourceVersion it read, so a concurrent write is never lost."""
    namespace, _, name = object_id.partition("/")
    path = api_path(resource_type.rpartition(":")[2], namespace, name)  # kubernetes:apps/v1:Deployment
    try:
        found = get_json(access, path, accept=METADATA_ONLY)
        metadata = (found or {}).get("metadata") or {}
        fields = handed_over(metadata.get("managedFields") or [])
        if fields is None:
            return False
        json_patch(
            access,
            path,
            [
                {"op": "test", "path": "/metadata/resourceVersion", "value": metadata.get("resourceVersion")},
                {"op": "replace", "path": "/metadata/managedFields", "value": fields},
            ],
        )
    except KubeClientError as error:
        raise HandoverFailed(f"{object_id}: {error}") from None
    return True


def handover_hook(access: ClusterAccess) -> pulumi.ResourceHook:
    """The `before_update` hook of an adopted function's Deployment and Service (not run at preview)."""

    def before_update(args: pulumi.ResourceHookArgs) -> None:
        if hand_over(access, args.type, args.id):
            pulumi.log.info(f"took over the fields `faas-cli deploy` wrote to {args.id}")

    return pulumi.ResourceHook("openfaas-stack-faas-netes-handover", before_update)


def _is(entry: Mapping[str, Any], manager: str) -> bool:
    return (
        entry.get("manager") == manager
        and entry.get("operation") == "Update"
        and not entry.get("subresource")
    )


def _is_faas_netes(entry: Mapping[str, Any]) -> bool:
    return _is(entry, FAAS_NETES_MANAGER)
