"""`OpenFaaSStackArgs`: the component's public inputs, the same from every Pulumi language.

Pulumi infers the package's schema from these annotations (`pulumi package get-schema`, golden in
`tests/support/golden/schema.json`): each attribute is an input named in camelCase, which is the
name of the Python program's config key for the same setting (`stack_file` is `stackFile`).
Values arrive as the program's config holds them; `components.inputs` checks them all, so a Python
program and a YAML one get the same errors.
"""

from dataclasses import dataclass
from typing import Any

import pulumi


@dataclass(frozen=True)
class OpenFaaSStackArgs:
    """An OpenFaaS stack file, the secrets its functions use, where to deploy them and how to check them."""

    stack_file: pulumi.Input[str] | None = None
    """The faas-cli stack file, relative to `projectDir` (default `stack.yaml`, else `stack.yml`);
    its `environment_file` entries stay relative to the stack file."""

    project_dir: pulumi.Input[str] | None = None
    """The folder relative paths are read from: the calling program's (`${pulumi.cwd}` in Pulumi
    YAML). Default: the current directory, which is the program's own only in a Python program."""

    secrets: pulumi.Input[dict[str, pulumi.Input[Any]]] | None = None
    """OpenFaaS secret name -> its value, each a secret: text, `{base64: ...}`, `{fromFile: <path>}`
    or several files `{files: {<file>: ...}}`."""

    target: pulumi.Input[str] | None = None
    """Where functions run: `kubernetes` (default) or `swarm`."""

    namespace: pulumi.Input[str] | None = None
    """Kubernetes namespace for functions that do not set `namespace:` (default `openfaas-fn`)."""

    gateway: pulumi.Input[str] | None = None
    """OpenFaaS gateway URL for the invoke checks; overrides `provider.gateway`."""

    filter: pulumi.Input[str] | None = None
    """Deploy only the functions whose name matches this glob (faas-cli `--filter`)."""

    regex: pulumi.Input[str] | None = None
    """Deploy only the functions whose name matches this regular expression (faas-cli `--regex`)."""

    kubernetes_workload: pulumi.Input[str] | None = None
    """`deployment` (default: Deployments and Services as faas-netes makes them) or `function-crd`."""

    openfaas_edition: pulumi.Input[str] | None = None
    """Which OpenFaaS serves the cluster: `auto` (default), `ce`, `pro` or `none`."""

    openfaas_namespace: pulumi.Input[str] | None = None
    """The namespace of the OpenFaaS gateway (default `openfaas`)."""

    skip_await: pulumi.Input[bool] | None = None
    """Do not wait for functions to be ready (the checks still run)."""

    image_pull_policy: pulumi.Input[str] | None = None
    """The containers' imagePullPolicy: `Always` (default), `IfNotPresent` or `Never`."""

    kubernetes_ready_timeout: pulumi.Input[str] | None = None
    """How long to wait for the functions to be ready, a duration (default `5m`)."""

    check_via: pulumi.Input[str] | None = None
    """How checks reach functions: `auto` (default), `gateway` or `kubernetes-api`."""

    create_namespaces: pulumi.Input[bool] | None = None
    """Create the functions' namespaces."""

    adopt_secrets: pulumi.Input[list[str]] | None = None
    """Existing Secrets (made by `faas-cli secret create`) to take over."""

    adopt_functions: pulumi.Input[Any] | None = None
    """Functions deployed by faas-cli to take over: a list of names, or `all`."""

    swarm_network: pulumi.Input[str] | None = None
    """The Docker Swarm overlay network the services join."""

    swarm_converge_timeout: pulumi.Input[str] | None = None
    """How long to wait for Swarm services to converge, a duration (default `2m`)."""

    published_ports: pulumi.Input[dict[str, int]] | None = None
    """Function name -> host port to publish on Docker Swarm."""

    checks: pulumi.Input[dict[str, pulumi.Input[Any]]] | None = None
    """Function name -> its invoke check (path, method, headers, expected status and body, ...)."""

    kubeconfig: pulumi.Input[str] | None = None
    """The kubeconfig (a path or its content); default `$KUBECONFIG`, then `~/.kube/config`."""

    kube_context: pulumi.Input[str] | None = None
    """The kubeconfig context to use; default its current context."""

    docker_host: pulumi.Input[str] | None = None
    """The Docker daemon for the Swarm target; default `$DOCKER_HOST`, then the local socket."""


# Each input's name in the schema and in a Python program's config (`kubeconfig` and `kubeContext`
# come from the `kubernetes:` namespace there, `dockerHost` from `docker:host`).
INPUT_NAMES: dict[str, str] = {
    "".join(part.capitalize() if i else part for i, part in enumerate(name.split("_"))): name
    for name in OpenFaaSStackArgs.__dataclass_fields__
}
