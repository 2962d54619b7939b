"""The Kubernetes target: Secrets, Deployments and Services shaped as faas-netes makes them
(`KubernetesTarget`).

Shapes follow openfaas/faas-netes `pkg/handlers/deploy.go` and `pkg/k8s/secrets.go`, so the
OpenFaaS gateway and `faas-cli` find what we deploy. With `kubernetesWorkload: function-crd`
functions become `openfaas.com/v1` `Function` resources for the OpenFaaS operator instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.plan import SECRETS_MOUNT_PATH, WATCHDOG_PORT, DeployPlan, FunctionPlan, SecretPlan
from components.shared.durations import duration_seconds
from components.shared.kubeconfig import ClusterAccess
from components.shared.secret_values import SecretValues
from components.stackfile import FunctionResources, image_reference
from components.targets.base import DeployedFunction, ReadinessGate, ordering_only
from components.targets.kubernetes.adoption import ObjectRef
from components.targets.kubernetes.ownership import handover_hook
from components.targets.kubernetes.readiness import Readiness, ReadinessArgs
from components.targets.kubernetes.rules import (
    FUNCTION_LABEL,
    RULES,
    KubernetesRules,
    projected_volume_name,
    secret_object_name,
)
from components.targets.wait import after_every_workload, mounted_secret_texts

MANAGED_BY_LABEL = {"app.kubernetes.io/managed-by": "openfaas"}


CHECKSUM_ANNOTATION = "openfaas-stack/secrets-checksum"


SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait"
# On an adopted function the stack file wins over `faas-cli deploy`: faas-netes writes with Update,
# which takes ownership of every field it changes, and a later server-side apply would stop on the
# conflict (pulumi-kubernetes `provider/pkg/await/await.go` `patchForce`).
PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce"
# Fields the API server defaults and faas-netes sets that the program never does. An imported
# object's inputs hold them, so without this its update would show them removed, which it does not
# do (server-side apply leaves fields it never applied). `uid` is the label each `faas-cli deploy`
# sets to restart the pods (faas-netes pkg/handlers/update.go:124-127): kept as it is, never fought.
_CONTAINER = "spec.template.spec.containers[0]"
DEPLOYMENT_NOT_MANAGED = (
    "spec.progressDeadlineSeconds",
    "spec.template.metadata.name",
    "spec.template.metadata.labels.uid",
    "spec.template.spec.schedulerName",
    "spec.template.spec.securityContext",
    "spec.template.spec.terminationGracePeriodSeconds",
    f"{_CONTAINER}.terminationMessagePath",
    f"{_CONTAINER}.terminationMessagePolicy",
    f"{_CONTAINER}.livenessProbe.httpGet.scheme",
    f"{_CONTAINER}.readinessProbe.httpGet.scheme",
)
# The ClusterIP is kept (an imported Service's would otherwise read as removed: a replacement).
SERVICE_NOT_MANAGED = (
    "spec.clusterIP",
    "spec.clusterIPs",
    "spec.internalTrafficPolicy",
    "spec.ipFamilies",
    "spec.ipFamilyPolicy",
    "spec.sessionAffinity",
)
WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"
FUNCTION_READY = '["condition=Ready", "condition=Healthy"]'


@dataclass(frozen=True)
class KubernetesOptions:
    """Target settings: workload kind, readiness waiting, namespace creation, the provider."""

    workload: str = "deployment"
    skip_await: bool = False
    """`skipAwait`: nothing waits for the functions to be ready (their checks may)."""
    image_pull_policy: str = "Always"
    ready_timeout: str = "5m"
    create_namespaces: bool = False
    adopt_secrets: frozenset[str] = frozenset()
    adopted_functions: frozenset[str] = frozenset()
    """Functions `adoptFunctions` names: faas-netes' changes to them are overwritten (`patchForce`)."""
    import_objects: frozenset[ObjectRef] = frozenset()
    """Existing Deployments and Services of adopted functions, taken over with `import`."""
    autoscaled_functions: frozenset[str] = frozenset()
    """Adopted functions whose replicas an autoscaler owns: their Deployments leave `replicas` out."""
    provider: pulumi.ProviderResource | None = None
    cluster: ClusterAccess | None = None
    """The kubeconfig file and context `Readiness` reads the rollouts with; None (an inline
    kubeconfig, whose credentials it would store) leaves the Deployments to the provider's await."""

    @property
    def own_readiness(self) -> bool:
        """Whether `Readiness` decides when the Deployments are ready (else the provider does)."""
        return self.workload == "deployment" and not self.skip_await and self.cluster is not None


@dataclass(frozen=True)
class KubernetesShared:
    """What `declare_secrets` made for every function to share: the namespaces it created, each
    planned Secret, and the hook adopted functions' objects run before each update."""

    namespaces: Mapping[str, pulumi.Resource]
    secrets: Mapping[str, k8s.core.v1.Secret]
    """`SecretPlan.resource_name` -> its Secret."""
    handover: pulumi.ResourceHook | None = None
    """`ownership.handover_hook`, when functions are adopted and the cluster can be read."""


@dataclass(frozen=True)
class KubernetesTarget:
    """`Target` for Kubernetes: one Secret per secret, a Deployment and a Service per function."""

    options: KubernetesOptions = field(default_factory=KubernetesOptions)
    rules: KubernetesRules = RULES

    def declare_secrets(
        self, plan: DeployPlan, secret_values: SecretValues, parent: pulumi.Resource
    ) -> KubernetesShared:
        """The namespaces (with `createNamespaces`) and the Secrets of `plan`."""
        options = self.options
        opts = pulumi.ResourceOptions(parent=parent, provider=options.provider)
        namespaces: dict[str, pulumi.Resource] = {}
        if options.create_namespaces:
            for name in sorted({f.namespace for f in plan.functions.values()}):
                namespaces[name] = k8s.core.v1.Namespace(
                    name, metadata=k8s.meta.v1.ObjectMetaArgs(name=name), opts=opts
                )
        secrets = {
            key: _secret(
                secret,
                secret_values.files(secret.name),
                _adopting(secret, options.adopt_secrets, _in(namespaces, secret.namespace, opts)),
            )
            for key, secret in plan.secrets.items()
        }
        handover = None
        if options.adopted_functions and options.cluster is not None:
            handover = handover_hook(options.cluster)
        return KubernetesShared(namespaces, secrets, handover)

    def declare_workload(
        self,
        fn: FunctionPlan,
        secrets: KubernetesShared,
        rollout_checksum: pulumi.Output[str],
        opts: pulumi.ResourceOptions,
    ) -> DeployedFunction:
        """The function's Deployment and Service (or its `Function`); the pod template carries
        `rollout_checksum`, so a changed secret rolls the pods."""
        options = self.options
        fn_opts = _in(
            secrets.namespaces,
            fn.namespace,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(provider=options.provider)),
        )
        mounted = tuple(secrets.secrets[s.resource_name] for s in fn.secrets)
        # The provider waits for what it waits for at most this long (a Function's conditions, a
        # Deployment when an inline kubeconfig leaves it to the provider), not its 10-minute default.
        awaited = pulumi.ResourceOptions.merge(
            fn_opts,
            pulumi.ResourceOptions(
                custom_timeouts=pulumi.CustomTimeouts(
                    create=options.ready_timeout, update=options.ready_timeout
                )
            ),
        )
        if options.workload == "function-crd":
            return DeployedFunction(
                (_function_resource(fn, rollout_checksum, options.skip_await, awaited),), mounted
            )
        skip_provider_await = options.skip_await or options.own_readiness
        workloads = (
            _deployment(
                fn,
                rollout_checksum,
                options,
                skip_provider_await,
                _adopting_object(
                    ObjectRef("Deployment", fn.namespace, fn.name),
                    options,
                    secrets,
                    awaited,
                    DEPLOYMENT_NOT_MANAGED,
                ),
            ),
            # Never awaited: the provider's Service await only sleeps (see `readiness`); the
            # function's check proves that the Service routes to a ready pod.
            _service(
                fn,
                fn.name in options.adopted_functions,
                _adopting_object(
                    ObjectRef("Service", fn.namespace, fn.name),
                    options,
                    secrets,
                    awaited,
                    SERVICE_NOT_MANAGED,
                ),
            ),
        )
        return DeployedFunction(workloads, mounted)

    def declare_readiness(
        self,
        plan: DeployPlan,
        deployed: Mapping[str, DeployedFunction],
        secret_values: SecretValues,
        parent: pulumi.Resource,
    ) -> ReadinessGate:
        """One `Readiness` waiting for every function Deployment, when the project decides
        readiness (`KubernetesOptions.own_readiness`); the checks run after it."""
        options = self.options
        if not options.own_readiness or options.cluster is None or not deployed:
            return ReadinessGate()
        rollouts = [
            {
                "namespace": plan.functions[name].namespace,
                "name": name,
                "generation": deployment.metadata.apply(
                    lambda metadata: metadata.generation if metadata else None
                ),
            }
            for name, function in sorted(deployed.items())
            for deployment in function.workloads
            if isinstance(deployment, k8s.apps.v1.Deployment)
        ]
        readiness = Readiness(
            "readiness",
            ReadinessArgs(
                rollouts,
                duration_seconds(options.ready_timeout) or 0.0,
                options.cluster,
                mounted_secret_texts(plan, secret_values),
            ),
            after_every_workload(deployed, parent),
        )
        return ReadinessGate(ordering_only(readiness.passed))


def _in(
    namespaces: Mapping[str, pulumi.Resource], namespace: str, opts: pulumi.ResourceOptions
) -> pulumi.ResourceOptions:
    if namespace not in namespaces:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[namespaces[namespace]]))


def _adopting(
    secret: SecretPlan, adopt: frozenset[str], opts: pulumi.ResourceOptions
) -> pulumi.ResourceOptions:
    """Take over a Secret that already exists (made by `faas-cli secret create` or kubectl)."""
    if secret.name not in adopt:
        return opts
    return pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(import_=f"{secret.namespace}/{secret_object_name(secret.name)}")
    )


def _adopting_object(
    ref: ObjectRef,
    options: KubernetesOptions,
    shared: KubernetesShared,
    opts: pulumi.ResourceOptions,
    not_managed: tuple[str, ...],
) -> pulumi.ResourceOptions:
    """Leave alone what the program does not manage; import an adopted function's existing object
    and take over what faas-netes wrote to it before each update."""
    hook = shared.handover if ref.name in options.adopted_functions else None
    return pulumi.ResourceOptions.merge(
        opts,
        pulumi.ResourceOptions(
            ignore_changes=list(not_managed),
            import_=ref.import_id if ref in options.import_objects else None,
            hooks=pulumi.ResourceHookBinding(before_update=[hook]) if hook is not None else None,
        ),
    )


def _secret(
    secret: SecretPlan, files: Mapping[str, pulumi.Output[str]], opts: pulumi.ResourceOptions
) -> k8s.core.v1.Secret:
    # The data keys are the file names (the OpenFaaS name for a one-file secret).
    return k8s.core.v1.Secret(
        secret.resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=secret_object_name(secret.name), namespace=secret.namespace, labels=MANAGED_BY_LABEL
        ),
        type="Opaque",
        data=dict(files),
        opts=opts,
    )


def _annotations(fn: FunctionPlan) -> dict[str, str]:
    """The user's annotations and faas-netes' `prometheus.io.scrape` default (the pod template's)."""
    annotations = dict(fn.function.annotations)
    annotations.setdefault("prometheus.io.scrape", "false")
    return annotations


def _object_annotations(fn: FunctionPlan, skip_await: bool, force: bool) -> dict[str, str]:
    """A Deployment's or Service's own: the pod template's, `skipAwait` when the provider is not to
    wait for it, and `patchForce` on an adopted function's."""
    annotations = _annotations(fn)
    if skip_await:
        annotations[SKIP_AWAIT_ANNOTATION] = "true"
    if force:
        annotations[PATCH_FORCE_ANNOTATION] = "true"
    return annotations


def _environment(fn: FunctionPlan) -> list[k8s.core.v1.EnvVarArgs]:
    env = fn.environment
    return [k8s.core.v1.EnvVarArgs(name=k, value=env[k]) for k in sorted(env)]


def _quantities(resources: FunctionResources | None) -> dict[str, str] | None:
    """`limits` / `requests` as Kubernetes wants them: only the quantities that are set."""
    if resources is None:
        return None
    return {k: v for k, v in (("memory", resources.memory), ("cpu", resources.cpu)) if v} or None


def _resources(fn: FunctionPlan) -> k8s.core.v1.ResourceRequirementsArgs | None:
    limits, requests = _quantities(fn.function.limits), _quantities(fn.function.requests)
    if not limits and not requests:
        return None
    return k8s.core.v1.ResourceRequirementsArgs(limits=limits, requests=requests)


def _probe() -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path="/_/health", port=WATCHDOG_PORT),
        initial_delay_seconds=2,
        timeout_seconds=1,
        period_seconds=2,
        success_threshold=1,
        failure_threshold=3,
    )


def _deployment(
    fn: FunctionPlan,
    checksum: pulumi.Output[str],
    options: KubernetesOptions,
    skip_await: bool,
    opts: pulumi.ResourceOptions,
) -> k8s.apps.v1.Deployment:
    name, readonly = fn.name, fn.function.readonly_root_filesystem
    selector = {FUNCTION_LABEL: name}
    annotations = _object_annotations(fn, skip_await, fn.name in options.adopted_functions)
    pod_annotations = _annotations(fn)
    volumes: list[k8s.core.v1.VolumeArgs] = []
    mounts: list[k8s.core.v1.VolumeMountArgs] = []
    # `/tmp` first, then the secrets, in faas-netes' order (deploy.go:232-235), so an adopted
    # function's lists line up
    if readonly:
        volumes.append(k8s.core.v1.VolumeArgs(name="temp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()))
        mounts.append(k8s.core.v1.VolumeMountArgs(name="temp", mount_path="/tmp"))
    if fn.secrets:
        volumes.append(
            k8s.core.v1.VolumeArgs(
                name=projected_volume_name(name),
                projected=k8s.core.v1.ProjectedVolumeSourceArgs(
                    sources=[
                        k8s.core.v1.VolumeProjectionArgs(
                            secret=k8s.core.v1.SecretProjectionArgs(
                                name=secret_object_name(s.name),
                                items=[k8s.core.v1.KeyToPathArgs(key=f, path=f) for f in s.files],
                            )
                        )
                        for s in fn.secrets
                    ]
                ),
            )
        )
        mounts.append(
            k8s.core.v1.VolumeMountArgs(
                name=projected_volume_name(name), mount_path=SECRETS_MOUNT_PATH, read_only=True
            )
        )
    if fn.secrets:
        pod_annotations[CHECKSUM_ANNOTATION] = checksum  # type: ignore[assignment]
    return k8s.apps.v1.Deployment(
        fn.resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=name, namespace=fn.namespace, labels=selector, annotations=annotations
        ),
        spec=k8s.apps.v1.DeploymentSpecArgs(
            replicas=None if name in options.autoscaled_functions else fn.replicas,
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
            strategy=k8s.apps.v1.DeploymentStrategyArgs(
                type="RollingUpdate",
                rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_unavailable=0, max_surge=1),
            ),
            revision_history_limit=10,
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    labels={**fn.function.labels, **selector}, annotations=pod_annotations
                ),
                spec=k8s.core.v1.PodSpecArgs(
                    containers=[
                        k8s.core.v1.ContainerArgs(
                            name=name,
                            image=fn.function.image,
                            image_pull_policy=options.image_pull_policy,
                            ports=[
                                k8s.core.v1.ContainerPortArgs(
                                    name="http", container_port=WATCHDOG_PORT, protocol="TCP"
                                )
                            ],
                            env=_environment(fn),
                            resources=_resources(fn),
                            liveness_probe=_probe(),
                            readiness_probe=_probe(),
                            security_context=k8s.core.v1.SecurityContextArgs(
                                read_only_root_filesystem=readonly
                            ),
                            volume_mounts=mounts or None,
                        )
                    ],
                    volumes=volumes or None,
                    restart_policy="Always",
                    dns_policy="ClusterFirst",
                ),
            ),
        ),
        opts=opts,
    )


def _service(fn: FunctionPlan, force: bool, opts: pulumi.ResourceOptions) -> k8s.core.v1.Service:
    return k8s.core.v1.Service(
        fn.resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=fn.name,
            namespace=fn.namespace,
            annotations=_object_annotations(fn, skip_await=True, force=force),
        ),
        spec=k8s.core.v1.ServiceSpecArgs(
            type="ClusterIP",
            selector={FUNCTION_LABEL: fn.name},
            ports=[
                k8s.core.v1.ServicePortArgs(
                    name="http", port=WATCHDOG_PORT, target_port=WATCHDOG_PORT, protocol="TCP"
                )
            ],
        ),
        opts=opts,
    )


def _function_resource(
    fn: FunctionPlan, checksum: pulumi.Output[str], skip_await: bool, opts: pulumi.ResourceOptions
) -> k8s.apiextensions.CustomResource:
    f = fn.function
    spec: dict[str, object] = {
        "name": fn.name,
        "image": image_reference(f.image),  # as faas-cli generate writes it
        "environment": dict(f.environment) or None,
        "labels": dict(f.labels) or None,
        "annotations": {**f.annotations, CHECKSUM_ANNOTATION: checksum}
        if fn.secrets
        else dict(f.annotations) or None,
        "constraints": list(f.constraints) if f.constraints else None,
        "secrets": [secret_object_name(s.name) for s in fn.secrets] or None,
        "readOnlyRootFilesystem": f.readonly_root_filesystem,
    }
    if f.fprocess:
        spec["handler"] = f.fprocess
    for kind, resources in f.resource_kinds:
        if quantities := _quantities(resources):
            spec[kind] = quantities
    return k8s.apiextensions.CustomResource(
        fn.resource_name,
        api_version="openfaas.com/v1",
        kind="Function",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=fn.name,
            namespace=fn.namespace,
            # The operator reports `Ready` and `Healthy` (openfaas.com_functions.yaml, status); the
            # provider waits for both (a JSON list is all of them: pulumi-kubernetes
            # `provider/pkg/await`, `ReadyCondition`).
            annotations={SKIP_AWAIT_ANNOTATION: "true"}
            if skip_await
            else {WAIT_FOR_ANNOTATION: FUNCTION_READY},
        ),
        spec={k: v for k, v in spec.items() if v is not None},
        opts=opts,
    )
