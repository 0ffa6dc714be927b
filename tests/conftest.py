"""Shared fixtures. The client reads HF_ENDPOINT once, at import: point it at the double first."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    """The analysis connection on the hand-built lineage graph (analysis_fixtures.lineage_graph),
    whose answers the lineage and metric tests know by construction."""
    from analysis.db import connect
    from tests.analysis_fixtures import lineage_graph, tiny_roots

    conn = connect(lineage_graph(tmp_path_factory.mktemp("hand") / "hand.duckdb"), tiny_roots())
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def generated_db(tmp_path_factory):
    """generated_db(n_models, seed) -> a crawler database holding a whole generated Hub, as a
    full crawl stores it (hub_double.crawled); each (n_models, seed) is built once a session."""
    from hub_double.crawled import crawled_db
    from hub_double.generator import generated_store

    built: dict[tuple[int, int], Path] = {}

    def build(n_models: int, seed: int) -> Path:
        if (n_models, seed) not in built:
            store = generated_store(n_models, seed)
            path = tmp_path_factory.mktemp("generated") / f"hub-{n_models}-s{seed}.duckdb"
            built[n_models, seed] = crawled_db(store, path)
            store.close()
        return built[n_models, seed]

    return build


@pytest.fixture(scope="module", params=[300, 2000, 8000])
def hub(request, generated_db):
    """(analysis connection, oracle.Hub) on generated Hubs of several sizes: what the metric
    cross-checks compare the analysis against."""
    from analysis.db import connect
    from tests import analysis_oracle as oracle

    conn = connect(generated_db(request.param, seed=request.param))
    yield conn, oracle.load(conn)
    conn.close()


@pytest.fixture(scope="session")
def hostile_hub_db(tmp_path_factory) -> Path:
    """A generated 3,000-model Hub plus a model with a hostile name topping the LLaMA downloads
    and one with a hostile card, as a full crawl stores them: what reports and the CLI read."""
    from datetime import datetime

    import pandas as pd

    from hub_double.crawled import crawled_db
    from hub_double.generator import generated_store
    from tests.hub_rows import HOSTILE_BODY, HOSTILE_ID, model_row

    store = generated_store(3000, seed=7)
    parent = "meta-llama/Llama-3.1-8B"
    hostile = [
        model_row(HOSTILE_ID, created_at=datetime(2024, 8, 1), downloads=10**9,
                  card_data={"license": "apache-2.0", "base_model": parent},
                  tags=["transformers", f"base_model:{parent}",
                        f"base_model:finetune:{parent}", "license:apache-2.0"]),
        model_row("hostile/card", card=f"---\nlicense: mit\n---\n{HOSTILE_BODY}".encode(),
                  tags=["transformers", f"base_model:{parent}", "license:mit"]),
    ]
    store.add_models(pd.DataFrame(hostile))
    path = crawled_db(store, tmp_path_factory.mktemp("hostile") / "hub.duckdb")
    store.close()
    return path
