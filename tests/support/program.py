"""The program's files, as the engine tests and the benchmarks copy them into a scratch project."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM_FILES = ("Pulumi.yaml", "__main__.py", "components")


def export_program(workdir: Path, ref: str = "HEAD") -> None:
    """The program's files at a git commit (others edit the work tree while benchmarks run)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, *PROGRAM_FILES],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(workdir)], input=archive, check=True)
