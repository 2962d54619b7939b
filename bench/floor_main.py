"""The floor program: the same Swarm secrets and services as the real program, registered directly.

No stack-file parsing, no plan, no component, no checks: a list of functions from
`functions.json` (written by the benchmark) and the secret values from the `secrets` config. It
keeps the one dynamic resource the real program registers with checks off (`ChecksumKey`), and
lets the provider name each secret, as the program does since commit 4b3e246, so the two differ
only by the program's own work.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pulumi
import pulumi_docker as docker

from components.rollout_checksum import ChecksumKey

functions = json.loads(Path("functions.json").read_text())
values = json.loads(pulumi.runtime.get_config("openfaas-stack:secrets") or "{}")
ChecksumKey("checksum-key")
owner = [docker.SecretLabelArgs(label="com.openfaas.owner", value="openfaas")]
for fn in functions:
    name, secret_name = fn["name"], fn["secret"]
    secret = docker.Secret(
        secret_name,
        data=pulumi.Output.secret(base64.b64encode(values[secret_name].encode()).decode()),
        labels=owner,
    )
    labels = {"com.openfaas.function": name, "function": "true"}
    docker.Service(
        name,
        name=name,
        labels=[docker.ServiceLabelArgs(label=k, value=v) for k, v in sorted(labels.items())],
        mode=docker.ServiceModeArgs(replicated=docker.ServiceModeReplicatedArgs(replicas=fn["replicas"])),
        task_spec=docker.ServiceTaskSpecArgs(
            container_spec=docker.ServiceTaskSpecContainerSpecArgs(
                image=fn["image"],
                env={"write_debug": "false"},
                labels=[
                    docker.ServiceTaskSpecContainerSpecLabelArgs(label=k, value=v)
                    for k, v in sorted(labels.items())
                ],
                read_only=False,
                secrets=[
                    docker.ServiceTaskSpecContainerSpecSecretArgs(
                        secret_id=secret.id,
                        secret_name=secret.name,
                        file_name=f"/var/openfaas/secrets/{secret_name}",
                        file_uid="0",
                        file_gid="0",
                        file_mode=0o444,
                    )
                ],
            ),
            placement=docker.ServiceTaskSpecPlacementArgs(constraints=["node.platform.os == linux"]),
            restart_policy=docker.ServiceTaskSpecRestartPolicyArgs(
                condition="any", max_attempts=5, delay="5s", window="0s"
            ),
        ),
        converge_config=docker.ServiceConvergeConfigArgs(delay="1s", timeout="2m"),
    )
