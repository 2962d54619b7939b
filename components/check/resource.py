"""The post-deploy invoke check as a Pulumi dynamic resource: `InvokeCheck`.

One resource per function. `pulumi preview` lists it (create/update) but never probes: the
engine calls a dynamic provider's `create`/`update` only during `up`, and `check`/`diff` here
never touch the network. `diff` reports a change when the spec or `triggers` change, so the probe
runs again after the function's settings (image included), a mounted secret or its workload
(recreated after drift, say) change, and a no-op `up` stays a no-op.

Secrets: header values (and a URL's `user:password`) arrive as secret Outputs in
`secret_values`; they are stored encrypted in the resource's inputs and are never returned as
outputs. Every message, log line and output the probe produces has each secret value, raw or
encoded, replaced by `[secret]`, and a body holding a long part of one is not shown; no
exception's text is ever shown.

Sending: `send(request, timeout, transport)` is the one seam. It validates header values, gives
the transport one deadline for the whole exchange (and enforces it) and turns any exception into
a failed attempt. Transports: `http_transport` (http.client, the socket shut at the deadline) and
`proxy_transport` (the Kubernetes API server's service proxy); `transport_for` picks by URL.

The provider class is pickled by reference (module `components.invoke_check`), so the provider
process must be able to import this module: run Pulumi from the project directory. Logging goes
through `pulumi.log`, which in the provider process (not connected to the engine,
pulumi/pulumi#6065) writes `info: ...` to stderr; the engine shows a dynamic provider's stderr as
diagnostics (pkg/resource/plugin/plugin.go, `isDynamicPluginBinary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic

from components.check.probe import CheckFailed, run_check
from components.check.props import (
    DIFF_PROPS,
    NONE_WHEN_EMPTY,
    OUTPUT_PROPS,
    changed_props,
    spec_from_props,
    spec_to_props,
)
from components.check.spec import CREDENTIALS, CheckSpec
from components.shared.kubeconfig import is_inline_kubeconfig
from components.shared.served import ServedResource


def pulumi_log(level: str, message: str) -> None:
    """Send a line through `pulumi.log` at "info", "warn" or "error" (in the provider process
    these go to stderr, which the engine shows as the stack's diagnostics)."""
    if level == "error":
        pulumi.log.error(message)
    elif level == "warn":
        pulumi.log.warn(message)
    else:
        pulumi.log.info(message)


class InvokeCheckProvider(pulumi.dynamic.ResourceProvider):
    """Runs the probe on create/update; check/diff/delete never touch the network."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        """Accept the inputs as they are (validated by `parse_checks`); never probes."""
        return pulumi.dynamic.CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        """A change to the spec or `triggers` is an update (the probe runs again)."""
        changed = changed_props(olds, news)
        return pulumi.dynamic.DiffResult(changes=bool(changed), replaces=[], stables=[])

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        """Run the check; its outputs never include secret values."""
        outs = _run(props)
        return pulumi.dynamic.CreateResult(id_=str(outs["function"]), outs=outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        """Run the check again with the new inputs."""
        return pulumi.dynamic.UpdateResult(outs=_run(news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to undo."""


def _run(props: Mapping[str, Any]) -> dict[str, Any]:
    raw = props.get("secret_values") or {}
    secrets = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}
    try:
        spec = spec_from_props(props)
        result = run_check(spec, secrets, log=pulumi_log)
    except CheckFailed as failed:
        # The engine shows the exception at the end of a traceback; repeat it as one clean line.
        pulumi_log("error", str(failed))
        raise CheckFailed(str(failed)) from None
    except Exception as error:
        # Whatever it says may quote a header value: name only its kind.
        message = (
            f"{props.get('function', 'the function')}: the invoke check stopped on an internal "
            f"error ({type(error).__name__}); nothing about it is shown, as it may quote a secret. "
            "Disable the check (checks.<function>.enabled: false) and report the inputs that cause it"
        )
        pulumi_log("error", message)
        raise CheckFailed(message) from None
    outs: dict[str, Any] = {k: props.get(k) for k in DIFF_PROPS}
    outs.update(
        status=result.status,
        attempts=result.attempts,
        refused_status=result.refused_status,
        summary=result.summary,
    )
    return outs


class InvokeCheckArgs:
    """Inputs of an `InvokeCheck`.

    `secret_values`: OpenFaaS secret name -> value (secret Outputs) for the secrets the spec's
    headers reference (others are ignored). `triggers`: an opaque digest of what should re-run
    the check (the function's settings, the keyed `rollout_checksum.secret_checksum` of its
    secrets, its workload ids), from `trigger_digest`; never a bare hash of a secret value.
    `after`: resolves when the check may run (the functions are ready); an error in it keeps the
    check from being registered at all.
    """

    def __init__(
        self,
        spec: CheckSpec,
        secret_values: Mapping[str, pulumi.Input[str]] | None = None,
        triggers: pulumi.Input[str] = "",
        after: pulumi.Input[bool] = True,
    ) -> None:
        self.spec = spec
        self.secret_values = dict(secret_values or {})
        self.triggers = triggers
        self.after = after


class InvokeCheck(ServedResource, module="openfaas", name="InvokeCheck"):
    """Invokes one function after deploy and fails the update when it does not answer as expected.

    Type `pulumi-python:dynamic/openfaas:InvokeCheck`. Give it `depends_on` the function's
    workload and secrets so it runs after them.
    """

    function: pulumi.Output[str]
    url: pulumi.Output[str]
    status: pulumi.Output[int | None]
    attempts: pulumi.Output[int]
    refused_status: pulumi.Output[int | None]
    summary: pulumi.Output[str]

    def __init__(self, name: str, args: InvokeCheckArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        spec = args.spec
        missing = spec.missing_secrets(args.secret_values)
        if missing:
            raise ValueError(
                f"InvokeCheck {name}: the check of {spec.function!r} uses secret(s) "
                f"{', '.join(missing)} in its headers; pass their values in secret_values"
            )
        if is_inline_kubeconfig(spec.kubeconfig):
            raise ValueError(
                f"InvokeCheck {name}: the check of {spec.function!r} was given a kubeconfig's content, "
                "which would be stored in plain text; give the path of a kubeconfig file"
            )
        # Each value secret on its own, so a check without secrets previews as `{}` (goldens).
        values = {s: pulumi.Output.secret(args.secret_values[s]) for s in spec.secret_names}
        if spec.credentials is not None:
            values[CREDENTIALS] = pulumi.Output.secret(spec.credentials)
        props: dict[str, Any] = {
            **spec_to_props(spec),
            "secret_values": values,
            "triggers": args.triggers,
            **{k: None for k in OUTPUT_PROPS},
        }
        if args.after is not True:
            # Holds the check back until it resolves; not compared by `diff` (a preview, where it
            # is unknown, shows no change for it).
            props["after"] = args.after
        if spec.cluster_secret:
            props.update({k: pulumi.Output.secret(props[k]) for k in NONE_WHEN_EMPTY if props[k] is not None})
        super().__init__(InvokeCheckProvider(), name, props, opts)
