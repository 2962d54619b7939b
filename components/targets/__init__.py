"""Stage 4: the targets, each behind one interface (`base.Target`): its rules for the plan, and how
it declares a plan's secrets and each function's workload. Adding a target is one package here
and one entry in `RULES` and `target_for`.

Only the rules are imported here. A target's resources import its provider's SDK
(`pulumi_kubernetes`, `pulumi_docker`), which the dynamic provider's process does not need: it
imports this package to unpickle a readiness wait, on every `preview` and `up`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from components.plan import PlanError, TargetRules
from components.targets.base import DeployedFunction, ReadinessGate, Target
from components.targets.kubernetes import rules as kubernetes_rules
from components.targets.swarm import rules as swarm_rules

if TYPE_CHECKING:
    from components.targets.kubernetes.resources import KubernetesOptions
    from components.targets.swarm.resources import SwarmOptions

RULES: Mapping[str, TargetRules] = {"kubernetes": kubernetes_rules.RULES, "swarm": swarm_rules.RULES}
"""Each target's rules, by its `target` config value."""
TARGET_NAMES = tuple(RULES)


def rules_for(name: str) -> TargetRules:
    """The rules of the target named `name`; `PlanError` names the known ones."""
    if name not in RULES:
        raise PlanError(f"unknown target {name!r}: run `pulumi config set target kubernetes` (or `swarm`)")
    return RULES[name]


def target_for(
    name: str, *, kubernetes_options: KubernetesOptions, swarm_options: SwarmOptions
) -> Target[Any]:
    """The target named `name` (one of `TARGET_NAMES`), with its options."""
    if name == "kubernetes":
        from components.targets.kubernetes.resources import KubernetesTarget

        return KubernetesTarget(kubernetes_options)
    if name == "swarm":
        from components.targets.swarm.resources import SwarmTarget

        return SwarmTarget(swarm_options)
    raise ValueError(f"unknown target {name!r}")


__all__ = ["RULES", "TARGET_NAMES", "DeployedFunction", "ReadinessGate", "Target", "rules_for", "target_for"]
