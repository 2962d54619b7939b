"""`OpenFaaSStack`: one stack file's secrets and functions on one target, as a component.

It takes its public inputs (`OpenFaaSStackArgs`), from a Python program or, through the package's
provider (`components.package`), from a program in any Pulumi language, checks them all before
it registers anything, and deploys the checked plan.
"""

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from components.check.spec import CheckSpec
from components.inputs import InputSource, read_inputs
from components.openfaas_function import OpenFaaSFunction, OpenFaaSFunctionArgs
from components.plan import DeployPlan
from components.preflight import Inputs
from components.rollout_checksum import ChecksumKey
from components.settings import adopted_functions, cluster_access
from components.shared.secret_values import SecretValues
from components.stack_args import OpenFaaSStackArgs
from components.targets import target_for
from components.targets.kubernetes import cluster
from components.targets.kubernetes.resources import KubernetesOptions
from components.targets.swarm.resources import SwarmOptions

__all__ = ["OpenFaaSStack", "OpenFaaSStackArgs"]


@dataclass(frozen=True)
class Deployment:
    """What the component deploys: a checked plan, the secret values, the checks, the target's options."""

    plan: DeployPlan
    secret_values: SecretValues
    checks: Mapping[str, CheckSpec] = field(default_factory=dict)
    kubernetes: KubernetesOptions = field(default_factory=KubernetesOptions)
    swarm: SwarmOptions = field(default_factory=SwarmOptions)


class OpenFaaSStack(pulumi.ComponentResource):
    """Every secret and function of an OpenFaaS stack file, on Kubernetes or Docker Swarm, each
    function checked by calling it once it is deployed.

    The secrets (and namespaces) are its children, shared by the functions; each function is an
    `OpenFaaSFunction` holding its workload and its check.
    """

    functions: pulumi.Output[dict[str, str]]
    """Each deployed function's image, by name, once every function is ready."""
    secrets: pulumi.Output[list[str]]
    """The names of the secrets it declares."""

    def __init__(
        self,
        name: str,
        args: OpenFaaSStackArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        secret_inputs: Collection[str] = (),
    ) -> None:
        """`secret_inputs`: the inputs (camelCase) that were secrets where they came from (the
        Python program's config, another program's values); raises `InputError` on bad input,
        before anything is registered."""
        project_dir = Path(str(args.project_dir)) if args.project_dir else Path.cwd()
        inputs = read_inputs(InputSource(args, frozenset(secret_inputs)), project_dir, os.environ)
        super().__init__("openfaas-stack:index:OpenFaaSStack", name, None, opts)
        for note in inputs.notes:
            pulumi.log.info(note)
        for warning in inputs.warnings:
            pulumi.log.warn(warning)
        self._deploy(_deployment(inputs, self._kubernetes_provider(inputs, opts)))

    def _kubernetes_provider(
        self, inputs: Inputs, opts: pulumi.ResourceOptions | None
    ) -> pulumi.ProviderResource | None:
        """The Kubernetes provider passed in `providers`, else one of its own named `kubernetes`:
        at the stack's root when the component is (where the Python program has always had it: a
        provider that moves replaces every object it made), else its child."""
        settings = inputs.settings
        if settings.target != "kubernetes":
            return None
        given = self.get_provider("kubernetes::")
        if given is not None:
            return given
        return cluster.provider(
            settings.kubeconfig,
            settings.kube_context,
            secret_keys=settings.secret_kube_keys,
            parent=self if opts is not None and opts.parent is not None else None,
        )

    def _deploy(self, args: Deployment) -> None:
        plan = args.plan
        target = target_for(plan.target, kubernetes_options=args.kubernetes, swarm_options=args.swarm)
        checksum_key = ChecksumKey("checksum-key", pulumi.ResourceOptions(parent=self))
        secrets = target.declare_secrets(plan, args.secret_values, self)
        members = {
            name: OpenFaaSFunction(
                fn.resource_name,
                OpenFaaSFunctionArgs(
                    fn, target, secrets, args.secret_values, checksum_key.key, args.checks.get(name)
                ),
                pulumi.ResourceOptions(parent=self),
            )
            for name, fn in plan.functions.items()
        }
        deployed = {name: member.deployed for name, member in members.items()}
        readiness = target.declare_readiness(plan, deployed, args.secret_values, self)
        for member in members.values():
            member.declare_check(readiness)
        # Resolves once every function is ready, so `up` fails with the target's reasons even
        # when no check runs.
        images = {name: fn.function.image for name, fn in plan.functions.items()}
        self.functions = pulumi.Output.from_input(readiness.passed).apply(lambda _: images)
        self.secrets = pulumi.Output.from_input(sorted(plan.secrets))
        self.register_outputs({"functions": self.functions, "secrets": self.secrets})


def _deployment(inputs: Inputs, kubernetes_provider: pulumi.ProviderResource | None) -> Deployment:
    """What to deploy: the checked plan, the secret values, the checks, the target options."""
    settings = inputs.settings
    return Deployment(
        plan=inputs.plan,
        secret_values=inputs.secret_values,
        checks=inputs.checks,
        kubernetes=KubernetesOptions(
            workload=settings.kubernetes_workload,
            skip_await=settings.skip_await,
            image_pull_policy=settings.image_pull_policy,
            ready_timeout=settings.ready_timeout,
            create_namespaces=settings.create_namespaces,
            adopt_secrets=settings.adopt_secrets,
            adopted_functions=adopted_functions(settings, inputs.plan.functions),
            import_objects=inputs.imports,
            autoscaled_functions=inputs.autoscaled,
            provider=kubernetes_provider,
            cluster=cluster_access(
                settings.kubeconfig, settings.kube_context, bool(settings.secret_kube_keys)
            ),
        ),
        swarm=SwarmOptions(
            network=settings.swarm_network,
            published_ports=settings.published_ports,
            converge_timeout=settings.swarm_converge_timeout,
            docker_socket=settings.docker_host.removeprefix("unix://")
            if settings.docker_host.startswith("unix://")
            else "",
        ),
    )
