"""The Docker Swarm target: its rules (`rules`) and its resources (`resources`), shaped as
faas-swarm made them."""

from components.targets.swarm.resources import SwarmOptions, SwarmSecrets, SwarmTarget
from components.targets.swarm.rules import RULES, SwarmRules, parse_memory_bytes, parse_nano_cpus

__all__ = [
    "RULES",
    "SwarmOptions",
    "SwarmRules",
    "SwarmSecrets",
    "SwarmTarget",
    "parse_memory_bytes",
    "parse_nano_cpus",
]
