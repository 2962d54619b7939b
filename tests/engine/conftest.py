"""Fixtures the engine tests share."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from tests.engine.harness import AnsweringGateway


@pytest.fixture
def gateway() -> Iterator[str]:
    """A stand-in gateway on loopback that answers every check."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), AnsweringGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
