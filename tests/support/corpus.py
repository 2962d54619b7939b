"""The shared corpus of real-world stack files, and the ones faas-cli refuses too."""

from __future__ import annotations

import os
from pathlib import Path

# The workplace's shared folder sits beside the checkout (`../shared`); a clone elsewhere finds it
# at /work/shared, or wherever OPENFAAS_CORPUS points.
_CANDIDATES = [
    Path(__file__).resolve().parents[3] / "shared/corpus/stackfiles",
    Path("/work/shared/corpus/stackfiles"),
]
CORPUS = Path(
    os.environ.get("OPENFAAS_CORPUS") or next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0])
)

# File -> (line, start of the message): faas-cli stops on these too (tests/differential/ checks it).
# The 2018 ApiKeyProtected sample is not one: faas-cli reads its YAML (a TAB after
# `read_timeout:` is fine for yaml.v3) and then refuses its `provider.name: faas`, which we accept
# with a warning (README, "Where we differ from faas-cli").
REJECTED = {
    "ajaxe__openfaas-functions__all.yml": (25, 'mapping key "unfluff" already defined at line 5'),
    # faas-cli reads these environment_file paths too (in name order); the corpus does not carry them.
    "alexellis__derek__derek.yml": (21, "function 'derek-0113': environment_file 'secrets.yml' not found"),
    "openfaas__openfaas-cloud__dashboard_stack.yml": (15, "function 'system-dashboard': environment_file"),
    "openfaas__openfaas-cloud__stack.yml": (242, "function 'audit-event': environment_file 'slack.yml'"),
    "openfaas__workshop__issue-bot_stack.yml": (16, "function 'issue-bot': environment_file 'env.yml'"),
}
# Every file of the corpus by name (none when it is missing: `test_the_corpus_is_present` says so).
FILES = sorted(p.name for p in CORPUS.glob("*")) if CORPUS.is_dir() else []
