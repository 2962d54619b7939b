"""Functions `faas-cli deploy` made, taken over (`adoptFunctions`): what to import, what cannot be.

Before anything is applied, each adopted function's Deployment and Service are read (a GET of
each; no Secret is read) and judged. faas-netes selects a function's pods by `faas_function:
<name>` and labels its Deployment so (openfaas/faas-netes 662ce9ce `pkg/handlers/deploy.go`:
167-180 the Deployment, 257-261 the Service). An object that selects otherwise is not a function
faas-cli deployed, and a Deployment's selector cannot change in place: adopting it would delete
and re-create it, so it is an error naming the object and the field, with the fix. An object that
exists and no Pulumi program manages is imported (Pulumi's `import` option); the engine then
updates it in place to the program's shape in the same `up` and refuses to replace it. One that
does not exist is created as usual; one the provider manages is this stack's already.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from components.plan import DeployPlan, FunctionPlan
from components.shared.kube_client import KubeClientError, get_json
from components.shared.kubeconfig import ClusterAccess
from components.targets.kubernetes.rules import FUNCTION_LABEL, api_path
from components.targets.kubernetes.takeover import GuardUnavailable, managed_by_pulumi


@dataclass(frozen=True)
class ObjectRef:
    """A namespaced object by kind, namespace and name."""

    kind: str
    namespace: str
    name: str

    @property
    def import_id(self) -> str:
        """The ID pulumi-kubernetes imports it by."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Adoption:
    """What adopting found: the objects to import, why some cannot be, and what `up` leaves."""

    imports: frozenset[ObjectRef] = frozenset()
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    autoscaled: frozenset[str] = frozenset()
    """Functions whose replicas an autoscaler owns (`scaled_by_autoscaler`)."""


def find_adoptions(
    access: ClusterAccess, plan: DeployPlan, names: Collection[str], stack_path: str
) -> Adoption:
    """Read the Deployment and Service of each function in `names` and judge them."""
    imports: set[ObjectRef] = set()
    problems: list[str] = []
    warnings: list[str] = []
    autoscaled: set[str] = set()
    for name in sorted(names):
        fn = plan.functions[name]
        for kind in ("Deployment", "Service"):
            ref = ObjectRef(kind, fn.namespace, name)
            found = _get(access, ref)
            if found is None:
                continue
            if kind == "Deployment" and (extra := leftovers(fn, found)):
                warnings.append(_leftover_warning(fn, ref, extra, stack_path))
            if kind == "Deployment" and scaled_by_autoscaler(found):
                autoscaled.add(name)
            if managed_by_pulumi(found.get("metadata") or {}):
                continue
            why = adoption_problem(fn, ref, found)
            if why:
                problems.append(_message(fn, ref, why, stack_path))
            else:
                imports.add(ref)
    return Adoption(frozenset(imports), tuple(problems), tuple(warnings), frozenset(autoscaled))


def scaled_by_autoscaler(deployment: Mapping[str, Any]) -> bool:
    """Whether the Deployment's replicas were last written through its `scale` subresource (a
    HorizontalPodAutoscaler, KEDA, `kubectl scale`), which then owns them."""
    return any(
        isinstance(entry, dict)
        and entry.get("subresource") == "scale"
        and "f:replicas" in ((entry.get("fieldsV1") or {}).get("f:spec") or {})
        for entry in (deployment.get("metadata") or {}).get("managedFields") or []
    )


def leftovers(fn: FunctionPlan, deployment: Mapping[str, Any]) -> list[str]:
    """The environment variables and pod labels of a Deployment that `fn` does not set (a
    `faas-cli deploy` left them); `uid` is faas-netes' restart marker, left on purpose."""
    template = (deployment.get("spec") or {}).get("template") or {}
    containers = (template.get("spec") or {}).get("containers") or [{}]
    env = {str(e.get("name")) for e in containers[0].get("env") or [] if isinstance(e, dict)}
    labels = set((template.get("metadata") or {}).get("labels") or {})
    wanted_labels = {*fn.function.labels, FUNCTION_LABEL, "uid"}
    return [
        *(f"environment variable {name!r}" for name in sorted(env - set(fn.environment))),
        *(f"pod label {name!r}" for name in sorted(labels - wanted_labels)),
    ]


def _leftover_warning(fn: FunctionPlan, ref: ObjectRef, extra: list[str], stack_path: str) -> str:
    return (
        f"{stack_path}:{fn.function.line}: function '{fn.name}': the Deployment {ref.namespace}/{ref.name} "
        f"has {', '.join(extra)}, which the stack file does not set (left by `faas-cli deploy`?): the "
        "next `pulumi up` that updates the Deployment removes it; to remove it now, `kubectl edit "
        f"deployment -n {ref.namespace} {ref.name}`; to keep it, add it to the stack file"
    )


def adoption_problem(fn: FunctionPlan, ref: ObjectRef, found: Mapping[str, Any]) -> str:
    """Why `found` is not the object faas-netes makes for `fn` ("" when it is)."""
    wanted = {FUNCTION_LABEL: fn.name}
    spec = found.get("spec") or {}
    if ref.kind == "Deployment":
        labels = (found.get("metadata") or {}).get("labels") or {}
        if labels.get(FUNCTION_LABEL) != fn.name:
            return f"it has no label `{FUNCTION_LABEL}: {fn.name}`"
        selector = spec.get("selector") or {}
        if selector != {"matchLabels": wanted}:
            return f"its selector is {_show(selector)}, not `matchLabels: {{{FUNCTION_LABEL}: {fn.name}}}`"
        return ""
    if spec.get("selector") != wanted:
        return f"its selector is {_show(spec.get('selector'))}, not `{FUNCTION_LABEL}: {fn.name}`"
    if spec.get("clusterIP") == "None":
        return "it is headless (`clusterIP: None`), and a Service's clusterIP cannot change"
    return ""


def _message(fn: FunctionPlan, ref: ObjectRef, why: str, stack_path: str) -> str:
    kind = ref.kind.lower()
    return (
        f"{stack_path}:{fn.function.line}: function '{fn.name}': config 'adoptFunctions' would adopt "
        f"the {ref.kind} {ref.namespace}/{ref.name}, which is not a function faas-cli deployed: {why}. "
        f"Adopting it would delete and re-create it: take '{fn.name}' out of 'adoptFunctions' and "
        f"rename the function, or delete the {ref.kind} (`kubectl delete {kind} -n {ref.namespace} "
        f"{ref.name}`) for `up` to create it"
    )


def _show(value: object) -> str:
    return "none" if not value else json.dumps(value, sort_keys=True)


def _get(access: ClusterAccess, ref: ObjectRef) -> dict[str, Any] | None:
    try:
        return get_json(access, api_path(ref.kind, ref.namespace, ref.name))
    except KubeClientError as error:
        raise GuardUnavailable(f"reading {ref.kind} {ref.namespace}/{ref.name}: {error}") from None
