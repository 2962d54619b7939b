"""The Kubernetes target: its rules (`rules`), its cluster access (`cluster`) and its resources
(`resources`), shaped as faas-netes makes them."""

from components.targets.kubernetes.cluster import provider, require_cluster
from components.targets.kubernetes.resources import KubernetesOptions, KubernetesShared, KubernetesTarget
from components.targets.kubernetes.rules import RULES, KubernetesRules, secret_object_name

__all__ = [
    "RULES",
    "KubernetesOptions",
    "KubernetesRules",
    "KubernetesShared",
    "KubernetesTarget",
    "provider",
    "require_cluster",
    "secret_object_name",
]
