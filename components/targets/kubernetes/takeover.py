"""Nothing taken over silently: objects under the names a stack would create that it did not make.

pulumi-kubernetes creates with server-side apply, which upserts: a stack whose function or secret
has the name of an object that exists (made by `faas-cli deploy`, `kubectl` or the API server
itself) would take it over and change it without a word. Before anything is applied, the names
the plan would create are looked up, read-only and as metadata only (a Secret's data is never
fetched), and an object no Pulumi program manages stops the run. An object is Pulumi's when one
of its field managers is the provider's (`pulumi-kubernetes-<hex>`): objects this program made in
earlier releases carry that too, so upgrades pass. An object with no field managers at all (a
Namespace the provider made shows none, measured on the node) cannot be judged and passes. The
provider does not say which stack made an object: two stacks using one name are not told apart.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from components.plan import DeployPlan
from components.shared.kube_client import KubeClientError, get_json
from components.shared.kubeconfig import ClusterAccess
from components.targets.kubernetes.rules import api_path, secret_object_name

PULUMI_MANAGER = "pulumi-kubernetes"
# only metadata, as `kubectl get --show-managed-fields -o name` asks: never a Secret's data
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")


@dataclass(frozen=True)
class Wanted:
    """An object the plan would create: its kind, namespace and name, and who in the stack wants it."""

    kind: str
    namespace: str
    name: str
    wanted_by: str
    secret: str = ""
    """The OpenFaaS secret's name, for a Secret."""


class GuardUnavailable(Exception):
    """The cluster could not be read; the message says why, in general words."""


def wanted_objects(
    plan: DeployPlan,
    stack_path: str,
    adopt_secrets: Collection[str],
    create_namespaces: bool,
    workload: str,
    adopt_functions: Collection[str] = frozenset(),
) -> list[Wanted]:
    """What `plan` would create on the cluster (adopted Secrets and functions are taken over on
    purpose; with `function-crd` the operator makes the Deployments and Services, and the Functions
    are not looked up)."""
    wanted: list[Wanted] = []
    for fn in plan.functions.values() if workload == "deployment" else ():
        if fn.name in adopt_functions:
            continue
        where = f"{stack_path}:{fn.function.line}: function '{fn.name}'"
        wanted.append(Wanted("Deployment", fn.namespace, fn.name, where))
        wanted.append(Wanted("Service", fn.namespace, fn.name, where))
    for secret in plan.secrets.values():
        if secret.name not in adopt_secrets:
            wanted.append(
                Wanted(
                    "Secret",
                    secret.namespace,
                    secret_object_name(secret.name),
                    f"secret '{secret.name}'",
                    secret.name,
                )
            )
    if create_namespaces:
        for namespace in sorted({fn.namespace for fn in plan.functions.values()}):
            wanted.append(Wanted("Namespace", "", namespace, "config 'createNamespaces'"))
    return wanted


def system_problems(wanted: Iterable[Wanted]) -> list[str]:
    """Objects of the cluster itself that no stack may write: its system namespaces and the
    API server's own Service (`default/kubernetes`)."""
    problems: list[str] = []
    for item in wanted:
        if item.namespace in SYSTEM_NAMESPACES or (
            item.kind == "Namespace" and item.name in SYSTEM_NAMESPACES
        ):
            problems.append(
                f"{item.wanted_by} would write into the system namespace "
                f"{item.namespace or item.name!r}: deploy functions to a namespace of their own "
                "(config 'namespace' or the function's 'namespace:')"
            )
        elif (item.kind, item.namespace, item.name) == ("Service", "default", "kubernetes"):
            problems.append(
                f"{item.wanted_by} would replace the API server's own Service default/kubernetes: "
                "rename the function or deploy it to another namespace"
            )
    return list(dict.fromkeys(problems))  # a function's Deployment and Service say it once


def foreign_objects(access: ClusterAccess, wanted: Collection[Wanted]) -> list[tuple[Wanted, str]]:
    """Each wanted object that exists and no Pulumi program manages, with who does."""
    found: list[tuple[Wanted, str]] = []
    kinds = {(item.kind, item.namespace) for item in wanted}
    managers: dict[tuple[str, str, str], list[str]] = {}
    for kind, namespace in sorted(kinds):
        for name, listed in _list(access, kind, namespace).items():
            managers[(kind, namespace, name)] = listed
    for item in wanted:
        owners = managers.get((item.kind, item.namespace, item.name))
        # no managers at all cannot be judged (a Namespace the provider made shows none): let it pass
        if owners and not any(m.startswith(PULUMI_MANAGER) for m in owners):
            found.append((item, ", ".join(sorted(set(owners)))))
    return found


def managed_by_pulumi(metadata: Mapping[str, Any]) -> bool:
    """Whether an object's field managers include the Pulumi provider's."""
    fields = metadata.get("managedFields") or []
    return any(str(f.get("manager", "")).startswith(PULUMI_MANAGER) for f in fields if isinstance(f, dict))


def _list(access: ClusterAccess, kind: str, namespace: str) -> dict[str, list[str]]:
    """Name -> field managers of the objects of `kind` in `namespace`, metadata only."""
    try:
        data = get_json(access, api_path(kind, namespace), accept=METADATA_ONLY)
    except KubeClientError as error:
        raise GuardUnavailable(f"listing {kind}s: {error}") from None
    listed: dict[str, list[str]] = {}
    for item in (data or {}).get("items") or []:  # none: the namespace does not exist yet
        metadata = item.get("metadata") or {}
        fields = metadata.get("managedFields") or []
        listed[str(metadata.get("name"))] = [str(f.get("manager", "")) for f in fields if isinstance(f, dict)]
    return listed


def takeover_problems(found: Iterable[tuple[Wanted, str]]) -> list[str]:
    """One message per object another manager owns: what it is, who manages it, and the fixes."""
    problems: list[str] = []
    for item, managers in found:
        where = f"{item.namespace}/{item.name}" if item.namespace else item.name
        if item.kind == "Secret":
            fix = (
                f"adopt it with `pulumi config set --path 'adoptSecrets[0]' {item.secret}` (its data is "
                "then replaced by the configured value), or rename the secret"
            )
        elif item.kind == "Namespace":
            fix = "it exists already: remove `createNamespaces` (`pulumi config rm createNamespaces`)"
        else:
            fix = (
                f"adopt the function with `pulumi config set --path 'adoptFunctions[0]' {item.name}` "
                "(if faas-cli deployed it), or rename it in the stack file"
            )
        problems.append(
            f"{item.wanted_by} would take over the existing {item.kind} {where}, which this stack did not "
            f"make (managed by {managers}) and would change or delete it: {fix}"
        )
    return problems
