"""The sequential baseline: the same secrets and services created one by one with the `docker` CLI."""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Sequence

from bench.common import IMAGE, secret_of

MOUNT = "/var/openfaas/secrets"


def docker(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run(["docker", *args], input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:3])} failed: {result.stderr.strip()}")
    return result.stdout


def create_function(
    name: str,
    *,
    replicas: int = 1,
    port: int | None = None,
    detach: bool = False,
    secret_value: str = "",
    mount_as: str = "",
) -> None:
    """`docker secret create` then `docker service create` shaped as the program's (waits to converge)."""
    secret = secret_of(name)
    docker(
        "secret",
        "create",
        "--label",
        "com.openfaas.owner=openfaas",
        secret,
        "-",
        stdin=secret_value or secrets.token_urlsafe(18),
    )
    args = [
        "service", "create", "--quiet", "--name", name,
        "--label", f"com.openfaas.function={name}", "--label", "function=true",
        "--container-label", f"com.openfaas.function={name}", "--container-label", "function=true",
        "--env", "write_debug=false",
        "--secret", f"source={secret},target={MOUNT}/{mount_as or secret},uid=0,gid=0,mode=0444",
        "--constraint", "node.platform.os == linux",
        "--restart-condition", "any", "--restart-max-attempts", "5", "--restart-delay", "5s",
        "--restart-window", "0s", "--replicas", str(replicas),
    ]  # fmt: skip
    if port is not None:
        args += ["--publish", f"mode=host,target=8080,published={port}"]
    if detach:
        args.append("--detach")
    docker(*args, IMAGE)


def remove_functions(names: Sequence[str]) -> None:
    """Remove the services, then their secrets once no task holds them."""
    subprocess.run(["docker", "service", "rm", *names], capture_output=True)
    pending = [secret_of(n) for n in names]
    for _ in range(60):
        done = subprocess.run(["docker", "secret", "rm", *pending], capture_output=True, text=True)
        if done.returncode == 0:
            return
        listed = docker("secret", "ls", "--format", "{{.Name}}").split()
        pending = [s for s in pending if s in listed]
        if not pending:
            return
        time.sleep(1)
    raise RuntimeError(f"secrets still in use: {pending}")
