"""Fixtures of the differential tests: the real faas-cli they compare against."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import faas_cli


@pytest.fixture(scope="session")
def faas_cli_binary() -> Path:
    """The faas-cli built at the pinned commit; fails (never skips) when it is not built."""
    path = faas_cli.binary()
    if path is None:
        pytest.fail("faas-cli is not built at the pinned commit: run `make faas-cli` (scripts/faas-cli.sh)")
    return path
