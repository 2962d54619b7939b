"""Which OpenFaaS serves the cluster, and the limits of OpenFaaS CE that reach this program's Deployments.

The program makes function Deployments itself, shaped as faas-netes makes them, so a gateway in
the cluster serves them. faas-netes CE (github.com/openfaas/faas-netes, read at 662ce9ce) has
limits that reach such Deployments, not only deploys through its API:

- `pkg/handlers/replica_reader.go:25,29`: `MaxReplicas = 5`, `MaxFunctions = 15`;
- `main.go:187-193` with `pkg/handlers/license.go:14-25` and `pkg/k8s/function_list.go:28-35`: at
  start-up it counts the Deployments labelled `faas_function` in its function namespace and, above
  15, answers every invocation with 405 "Function invocations disabled ..." until restarted;
- `pkg/handlers/informers.go:55-87` (`applyValidation`): every Deployment whose pod template is
  labelled `faas_function` gets its replicas rewritten, 0 to 1 and above 5 to 5;
- `main.go:178-202`: it lists, routes to and validates only `function_namespace`
  (`pkg/config/read_config.go:32`, default `openfaas-fn`).

The edition is read from the chart's gateway Deployment (`chart/openfaas/templates/gateway-dep.yaml`):
its `operator` container (Standard and Enterprise only, lines 236-244) or its `faas-netes`
container (lines 358-366), whose image is `ghcr.io/openfaas/faas-netes` on CE and
`ghcr.io/openfaasltd/...` on Standard, Enterprise and OEM (`values.yaml:155,202,208,212`), and
whose `function_namespace` env names the namespace it serves (lines 403-404).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from components.plan import DeployPlan
from components.shared.kube_client import KubeClientError, get_json
from components.shared.kubeconfig import ClusterAccess
from components.targets.kubernetes.rules import FUNCTION_LABEL

CE_MAX_FUNCTIONS = 15
CE_MAX_REPLICAS = 5
DEFAULT_FUNCTION_NAMESPACE = "openfaas-fn"
GATEWAY_DEPLOYMENT = "gateway"


@dataclass(frozen=True)
class Edition:
    """What serves the cluster: `ce`, `pro` (Standard or Enterprise) or `none`, the namespace
    its gateway serves, and one line saying what was found and why."""

    name: str
    function_namespace: str = DEFAULT_FUNCTION_NAMESPACE
    found: str = ""


class EditionUnknown(Exception):
    """The cluster could not be read well enough to tell; the message says why, in general words."""


def edition_of_gateway(deployment: Mapping[str, Any], where: str) -> Edition:
    """The edition a chart-made gateway Deployment runs, from its faas-netes (or operator) container."""
    spec = deployment.get("spec") or {}
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    by_name = {c.get("name"): c for c in containers if isinstance(c, dict)}
    provider = by_name.get("operator") or by_name.get("faas-netes")
    if provider is None:
        raise EditionUnknown(f"the {where} has neither a faas-netes nor an operator container")
    image = str(provider.get("image") or "")
    env = {e.get("name"): e.get("value") for e in provider.get("env") or [] if isinstance(e, dict)}
    namespace = str(env.get("function_namespace") or DEFAULT_FUNCTION_NAMESPACE)
    repository = image.split("@")[0]
    if ":" in repository.rsplit("/", 1)[-1]:  # a tag, not a registry's port
        repository = repository.rsplit(":", 1)[0]
    if "/openfaasltd/" in f"/{repository}" or provider.get("name") == "operator":
        kind = "OpenFaaS Standard or Enterprise"
        name = "pro"
    elif repository.endswith("openfaas/faas-netes"):
        kind, name = "OpenFaaS CE", "ce"
    else:
        raise EditionUnknown(
            f"the {where} runs {image!r}, which is neither OpenFaaS CE's nor Standard's faas-netes"
        )
    found = f"the {where} runs {image} ({kind}), serving namespace {namespace!r}"
    return Edition(name, namespace, found)


def detect_edition(access: ClusterAccess | None, gateway_namespace: str) -> Edition:
    """Read, and only read, the gateway Deployment in `gateway_namespace`: `none` when there is none.
    Raises `EditionUnknown` when the cluster cannot be read."""
    where = f"gateway Deployment {gateway_namespace}/{GATEWAY_DEPLOYMENT}"
    deployment = _get(
        access, f"/apis/apps/v1/namespaces/{gateway_namespace}/deployments/{GATEWAY_DEPLOYMENT}"
    )
    if deployment is None:
        return Edition("none", found=f"no {where}: no OpenFaaS installed there by its chart")
    return edition_of_gateway(deployment, where)


def function_deployments(access: ClusterAccess | None, namespace: str) -> frozenset[str]:
    """The names of the Deployments labelled `faas_function` in `namespace` (what CE counts);
    `EditionUnknown` when they cannot be listed."""
    listed = _get(access, f"/apis/apps/v1/namespaces/{namespace}/deployments?labelSelector={FUNCTION_LABEL}")
    items = (listed or {}).get("items") or []
    return frozenset(
        str((item.get("metadata") or {}).get("name")) for item in items if isinstance(item, dict)
    )


def _get(access: ClusterAccess | None, path: str) -> dict[str, Any] | None:
    if access is None:
        raise EditionUnknown("the kubeconfig is given as content, which only the provider reads")
    try:
        return get_json(access, path)
    except KubeClientError as error:
        raise EditionUnknown(str(error)) from None


def ce_problems(
    plan: DeployPlan,
    stack_path: str,
    edition: Edition,
    existing: Collection[str],
    workload: str,
    config_file: str,
) -> list[str]:
    """What OpenFaaS CE would break in `plan`: each names the function(s), the limit, what CE
    would do and the fixes. `existing` are the `faas_function` Deployments already in CE's namespace."""
    fixes = (
        "or use OpenFaaS Standard (`pulumi config set openfaasEdition pro`), or, when no CE gateway "
        "serves these functions, `pulumi config set openfaasEdition none`"
    )
    problems: list[str] = []
    if workload == "function-crd":
        problems.append(
            f"{config_file}: config 'kubernetesWorkload' is 'function-crd', which needs the OpenFaaS "
            f"operator, and only OpenFaaS Standard and Enterprise have one, not CE ({edition.found}): "
            "set `pulumi config set kubernetesWorkload deployment`, " + fixes
        )
    served = edition.function_namespace
    elsewhere = sorted(fn.name for fn in plan.functions.values() if fn.namespace != served)
    for name in elsewhere:
        fn = plan.functions[name]
        problems.append(
            f"{stack_path}:{fn.function.line}: function '{name}' is in namespace {fn.namespace!r}, but "
            f"OpenFaaS CE serves only {served!r} ({edition.found}), so its gateway would never route to it: "
            f"remove its 'namespace:' or set `pulumi config set namespace {served}`, " + fixes
        )
    for name in sorted(plan.functions):
        fn = plan.functions[name]
        if fn.replicas > CE_MAX_REPLICAS:
            problems.append(
                f"{stack_path}:{fn.function.line}: function '{name}' asks for {fn.replicas} replicas "
                f"(com.openfaas.scale.min), but OpenFaaS CE scales every function above "
                f"{CE_MAX_REPLICAS} back to {CE_MAX_REPLICAS} (faas-netes pkg/handlers/informers.go, "
                f"applyValidation), and each `pulumi up` would scale it up again: set "
                f"com.openfaas.scale.min to at most {CE_MAX_REPLICAS}, " + fixes
            )
    mine = {fn.name for fn in plan.functions.values() if fn.namespace == served}
    after = mine | set(existing)
    if len(after) > CE_MAX_FUNCTIONS:
        others = sorted(set(existing) - mine)
        already = f" and {len(others)} already there ({', '.join(others)})" if others else ""
        problems.append(
            f"{stack_path}: namespace {served!r} would hold {len(after)} functions, this stack's "
            f"{len(mine)}{already}; OpenFaaS CE allows {CE_MAX_FUNCTIONS} ({edition.found}), and "
            'faas-netes CE would disable every function at its next restart (HTTP 405 "Function '
            'invocations disabled" to every call, faas-netes main.go): deploy at most '
            f"{CE_MAX_FUNCTIONS - len(set(existing) - mine)} functions there, " + fixes
        )
    return problems


def resolve_edition(
    setting: str, access: ClusterAccess | None, gateway_namespace: str
) -> tuple[Edition, str | None]:
    """The edition to check against for the `openfaasEdition` setting, and a warning when `auto`
    cannot tell. `ce` and `pro` as set still read the gateway (when there is one) for the
    namespace it serves; `none` reads nothing."""
    if setting == "none":
        return Edition("none", found="config 'openfaasEdition' is 'none'"), None
    told = f"config 'openfaasEdition' is {setting!r}"
    try:
        found = detect_edition(access, gateway_namespace)
    except EditionUnknown as error:
        if setting != "auto":
            return Edition(setting, found=told), None
        return Edition("none", found=str(error)), (
            f"cannot tell which OpenFaaS serves the cluster ({error}), so OpenFaaS CE's limits "
            "(15 functions, one namespace, 5 replicas) are not checked: set it with "
            "`pulumi config set openfaasEdition ce` (or pro, or none)"
        )
    if setting == "auto":
        return found, None
    return Edition(setting, found.function_namespace, f"{told}; {found.found}"), None
