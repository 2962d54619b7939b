from __future__ import annotations

import asyncio
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
import yaml

from tests.support.secret_search import config_leaves, leaks

HERE = Path(__file__).resolve().parent


def _case_secrets() -> tuple[str, ...]:
    """The secret values the test data uses (8 characters or more), to search all output for."""
    values = {"R^YqzKzSJw51K9zPpQ3R3N", "Gw-pass-0f9a8b7c", "Url-pass-5e4d3c2b"}
    for path in [*HERE.glob("cases/stack_file/*.yaml"), *HERE.glob("cases/config/*.yaml")]:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        config = raw.get("config") if isinstance(raw, dict) else None
        secrets = config.get("secrets") if isinstance(config, dict) else None
        shown = set(raw.get("shown") or ())
        values.update(v for v in config_leaves(secrets) if len(v.strip()) >= 8 and v not in shown)
        values.update(raw.get("hidden") or ())
    return tuple(sorted(values))


SECRETS = _case_secrets()


@pytest.fixture(autouse=True)
def event_loop_per_test() -> Iterator[None]:
    """Pulumi's mocks need a fresh event loop for every test (pulumi/pulumi#24338)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, object, None]:
    """Fail any test whose captured stdout, stderr or log holds a test secret, in any encoding."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    found = {
        title: leaks(content, SECRETS) for title, content in report.sections if title.endswith(report.when)
    }
    found = {title: forms for title, forms in found.items() if forms}
    if found and report.passed:
        report.outcome = "failed"
        report.longrepr = f"a secret value appeared in the test's output: {found}"
