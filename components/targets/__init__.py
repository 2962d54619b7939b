"""Stage 4: the targets, each behind one interface (`base.Target`): its rules for the plan, and how
it declares a plan's secrets and each function's workload. Adding a target is one package here
and one entry in `RULES` and `target_for`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.plan import PlanError, TargetRules
from components.targets import kubernetes, swarm
from components.targets.base import DeployedFunction, ReadinessGate, Target

RULES: Mapping[str, TargetRules] = {"kubernetes": kubernetes.RULES, "swarm": swarm.RULES}
"""Each target's rules, by its `target` config value."""
TARGET_NAMES = tuple(RULES)


def rules_for(name: str) -> TargetRules:
    """The rules of the target named `name`; `PlanError` names the known ones."""
    if name not in RULES:
        raise PlanError(f"unknown target {name!r}: run `pulumi config set target kubernetes` (or `swarm`)")
    return RULES[name]


def target_for(
    name: str, *, kubernetes_options: kubernetes.KubernetesOptions, swarm_options: swarm.SwarmOptions
) -> Target[Any]:
    """The target named `name` (one of `TARGET_NAMES`), with its options."""
    if name == "kubernetes":
        return kubernetes.KubernetesTarget(kubernetes_options)
    if name == "swarm":
        return swarm.SwarmTarget(swarm_options)
    raise ValueError(f"unknown target {name!r}")


__all__ = ["RULES", "TARGET_NAMES", "DeployedFunction", "ReadinessGate", "Target", "rules_for", "target_for"]
