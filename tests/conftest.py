"""Shared fixtures. The client reads HF_ENDPOINT once, at import: point it at the double first."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


HUB_PORT = _free_port()
os.environ["HF_ENDPOINT"] = f"http://127.0.0.1:{HUB_PORT}"
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="hf-lineage-home-")
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_TOKEN", None)

from hub_double.server import HubDouble  # noqa: E402 - after the environment is set
from hub_double.store import HubStore  # noqa: E402


@pytest.fixture
def serve() -> Iterator:
    """serve(store, **options) -> a running HubDouble on the port HF_ENDPOINT names."""
    started: list[HubDouble] = []

    def start(store: HubStore, **options) -> HubDouble:
        double = HubDouble(store, port=HUB_PORT, **options).start()
        started.append(double)
        return double

    yield start
    for double in started:
        double.stop()


@pytest.fixture(scope="session")
def generated_family_crawl(tmp_path_factory):
    """A family crawl, over real HTTP, of a generated 3,000-model Hub: (db path, its store)."""
    from crawler.crawl import crawl
    from hub_double.generator import generated_store
    from tests.crawl_helpers import fast_client

    store = generated_store(3000, seed=23)
    db = tmp_path_factory.mktemp("generated") / "family.duckdb"
    with HubDouble(store) as double:
        crawl(db, "family", client=fast_client(endpoint=double.url))
    return db, store
