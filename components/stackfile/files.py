"""Where the files a stack file names may be: inside the project (reading them, bounded, is
`components.shared.files`)."""

from __future__ import annotations

import os
from pathlib import Path


def is_inside(path: Path, folder: Path) -> bool:
    """Whether `path` (symlinks followed; a symlink loop taken as written) lies in `folder`."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: reading it will say so
        real = Path(os.path.abspath(path))
    return real == folder or folder in real.parents
