"""The preflight: every input check, in order, before a resource is declared."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from components.check.parse import parse_checks, resolve_gateway
from components.check.spec import CheckSpec
from components.plan import DeployPlan, PlanError, make_plan
from components.preflight.exposure import (
    SecretExposed,
    config_places,
    find_exposures,
    header_problems,
    stack_password_warnings,
    stack_places,
    weak_secret_warnings,
)
from components.settings import (
    Settings,
    adopt_function_problems,
    adopted_functions,
    check_route,
    cluster_access,
    config_file,
    target_option_problems,
    target_secret_problems,
)
from components.shared.redaction import SecretIndex
from components.shared.secret_values import SecretValues
from components.stackfile import StackFile, load_stack
from components.targets import rules_for
from components.targets.kubernetes.adoption import Adoption, ObjectRef, find_adoptions
from components.targets.kubernetes.cluster import require_cluster
from components.targets.kubernetes.edition import (
    EditionUnknown,
    ce_problems,
    function_deployments,
    resolve_edition,
)
from components.targets.kubernetes.takeover import (
    GuardUnavailable,
    foreign_objects,
    system_problems,
    takeover_problems,
    wanted_objects,
)


@dataclass(frozen=True)
class Inputs:
    """Checked inputs: the settings, the secret values, the plan, the checks and every warning to show."""

    settings: Settings
    secret_values: SecretValues
    plan: DeployPlan
    checks: Mapping[str, CheckSpec]
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()
    """What the run found out and the user may like to know (shown as info)."""
    imports: frozenset[ObjectRef] = frozenset()
    """Existing objects of adopted functions to take over with Pulumi's `import` option."""
    autoscaled: frozenset[str] = frozenset()
    """Adopted functions whose replicas an autoscaler owns: the program leaves them out."""


def preflight(
    settings: Settings, secret_values: SecretValues, project_dir: Path, env: Mapping[str, str]
) -> Inputs:
    """Check the settings, the stack file they name, the plan and the checks, in that order;
    raises `InputError` (its message may quote a secret's value: the caller redacts it)."""
    # A secret's value pasted in plain text is refused first, so no later error can quote it: the
    # config's before the stack file is read (its errors may quote 'filter', 'regex', 'stackFile').
    secret_texts = secret_values.texts()
    index = SecretIndex(secret_texts)
    exposed, config_warnings = find_exposures(config_places(settings, env, index.holds), index)
    if exposed:
        raise SecretExposed(exposed)
    stack_file = load_stack(
        settings.stack_file, filter=settings.filter, regex=settings.regex, project=project_dir
    )
    exposed, stack_warnings = find_exposures(stack_places(stack_file, index.holds), index)
    if exposed:
        raise SecretExposed(exposed)
    plan = _plan(stack_file, settings, settings.namespace)
    kubeconfig, context = settings.kubeconfig, settings.kube_context
    check_cluster = check_route(settings, kubeconfig, context, env, secret=bool(settings.secret_kube_keys))
    # Through the API server the gateway is not used, so a stack file's odd one does not matter.
    gateway = (
        resolve_gateway(settings.gateway, stack_file.provider.gateway, env) if check_cluster is None else ""
    )
    checks = parse_checks(
        settings.checks, functions=plan.functions, gateway=gateway, api_server=check_cluster
    )
    # Refuse before registering anything: options that do nothing, secrets that cannot be headers.
    option_errors, option_warnings = target_option_problems(settings, plan.functions)
    deployed_secrets = {secret.name for secret in plan.secrets.values()}
    secret_errors, secret_warnings = target_secret_problems(settings, deployed_secrets)
    adopt_errors, adopt_warnings = adopt_function_problems(settings, plan.functions)
    if option_errors or secret_errors or adopt_errors:
        raise PlanError(option_errors + secret_errors + adopt_errors)
    exposed = header_problems(checks, secret_texts, settings.secret_files)
    if exposed:
        raise SecretExposed(exposed)
    notes: tuple[str, ...] = ()
    cluster_warnings: tuple[str, ...] = ()
    adoption = Adoption()
    if settings.target == "kubernetes":
        found_cluster = require_cluster(
            kubeconfig, context, env, secret_path="kubeconfig" in settings.secret_kube_keys
        )
        # without a kubeconfig there is no cluster to read (as under mocks): `auto` reads nothing
        if found_cluster or settings.openfaas_edition != "auto":
            replanned, notes, cluster_warnings = _check_edition(
                settings, plan, stack_file, str(stack_file.path)
            )
            if replanned is not plan:  # in the namespace the OpenFaaS install serves: the checks' URLs too
                plan = replanned
                checks = parse_checks(
                    settings.checks, functions=plan.functions, gateway=gateway, api_server=check_cluster
                )
        # on the final plan: the namespace may have come from the OpenFaaS install
        takeover_warnings, adoption = _check_takeover(settings, plan, str(stack_file.path), found_cluster)
        cluster_warnings += takeover_warnings
    warnings = (
        *settings.warnings,
        *stack_file.warnings,
        *plan.warnings,
        *option_warnings,
        *secret_warnings,
        *adopt_warnings,
        *config_warnings,
        *stack_warnings,
        *stack_password_warnings(stack_file),
        *weak_secret_warnings(secret_texts, stack_file, project_dir, config_file()),
        *cluster_warnings,
    )
    return Inputs(
        settings, secret_values, plan, checks, warnings, notes, adoption.imports, adoption.autoscaled
    )


def _plan(stack_file: StackFile, settings: Settings, default_namespace: str) -> DeployPlan:
    return make_plan(
        stack_file,
        target=rules_for(settings.target),
        default_namespace=default_namespace,
        configured_secrets=settings.secret_files,
        empty_secrets=settings.empty_secrets,
        file_sizes=settings.secret_sizes,
    )


def _check_takeover(
    settings: Settings, plan: DeployPlan, stack_path: str, found_cluster: bool
) -> tuple[tuple[str, ...], Adoption]:
    """What adopting the functions found, and a warning when the cluster cannot be read for the
    guard; raise `PlanError` for objects the plan would take over that it did not make
    (and for the cluster's own, always) and for adopted objects faas-cli did not make."""
    adopted = adopted_functions(settings, plan.functions)
    wanted = wanted_objects(
        plan,
        stack_path,
        settings.adopt_secrets,
        settings.create_namespaces,
        settings.kubernetes_workload,
        adopted,
    )
    # an adopted function may not write the cluster's own objects either
    problems = system_problems(
        wanted_objects(
            plan, stack_path, settings.adopt_secrets, settings.create_namespaces, settings.kubernetes_workload
        )
    )
    if problems:
        raise PlanError(problems)
    access = cluster_access(settings.kubeconfig, settings.kube_context, bool(settings.secret_kube_keys))
    if not found_cluster:
        if adopted:
            return (
                f"{config_file()}: config 'adoptFunctions' has no cluster to read (no kubeconfig): "
                "the functions are created, not adopted",
            ), Adoption()
        return (), Adoption()
    if access is None:  # `kubernetes:kubeconfig` holds the content, which only the provider reads
        if adopted:
            raise PlanError(
                [
                    f"{config_file()}: config 'adoptFunctions' needs 'kubernetes:kubeconfig' to be a file "
                    "path, not the kubeconfig's content: the existing functions are read with it before "
                    "anything is applied"
                ]
            )
        unreadable = "'kubernetes:kubeconfig' holds the content, not a path"
    else:
        try:
            found = foreign_objects(access, wanted)
            adoption = find_adoptions(access, plan, adopted, stack_path)
            unreadable = ""
        except GuardUnavailable as error:
            unreadable = str(error)
    if unreadable:
        if adopted:
            why = f"cannot read the functions to adopt ({unreadable})"
            raise PlanError([f"{config_file()}: config 'adoptFunctions': {why}"])
        return (
            f"{config_file()}: cannot look for existing objects this stack would take over ({unreadable}): "
            "an object of the same name made by faas-cli or kubectl would be changed without a word",
        ), Adoption()
    problems = [*takeover_problems(found), *adoption.problems]
    if problems:
        raise PlanError(problems)
    return adoption.warnings, adoption


def _check_edition(
    settings: Settings, plan: DeployPlan, stack_file: StackFile, stack_path: str
) -> tuple[DeployPlan, tuple[str, ...], tuple[str, ...]]:
    """The plan (in the namespace an OpenFaaS install serves, when the user set none), a note of
    what serves the cluster, and a warning when that cannot be told; raises `PlanError` for what
    OpenFaaS CE would break."""
    access = cluster_access(settings.kubeconfig, settings.kube_context, bool(settings.secret_kube_keys))
    edition, warning = resolve_edition(settings.openfaas_edition, access, settings.openfaas_namespace)
    if (
        edition.name != "none"
        and "namespace" not in settings.set_keys
        and edition.function_namespace != settings.namespace
    ):
        plan = _plan(stack_file, settings, edition.function_namespace)
    warnings = [] if warning is None else [f"{config_file()}: {warning}"]
    if edition.name == "ce":
        existing: frozenset[str] = frozenset()
        try:
            existing = function_deployments(access, edition.function_namespace)
        except EditionUnknown as error:
            warnings.append(
                f"{config_file()}: the functions already in namespace {edition.function_namespace!r} "
                f"cannot be listed ({error}), so OpenFaaS CE's limit of 15 counts this stack's alone"
            )
        problems = ce_problems(
            plan, stack_path, edition, existing, settings.kubernetes_workload, config_file()
        )
        if problems:
            raise PlanError(problems)
    note = f"OpenFaaS: {edition.name} ({edition.found})"
    return plan, (note,), tuple(warnings)
