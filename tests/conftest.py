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


# Modules whose fixtures or tests take the longest, first: xdist hands out whole modules
# (--dist loadscope), so a long one met last would leave the other worker idle at the end.
SLOW_FIRST = ("test_demo.py", "test_crawler_ground_truth.py", "test_inference_check.py",
              "test_analysis_families.py", "test_generator_calibration.py",
              "test_reliability_faults.py", "test_reliability_adversarial.py",
              "test_reliability_absence.py", "test_analysis_cli.py", "test_import_truth.py",
              "test_analysis_inferred.py", "test_generator.py", "test_crawler_resume.py",
              "test_crawler_day.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: k for k, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def shared_builds(tmp_path_factory: pytest.TempPathFactory, testrun_uid: str) -> Path:
    """A folder every xdist worker of this run shares (tests/shared_builds.py)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if base.name.startswith("popen-gw") else base
    folder = root / f"shared-{testrun_uid}"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def generated_family_crawl(tmp_path_factory, shared_builds):
    """A family crawl, over real HTTP, of a generated 3,000-model Hub: (db path, its store)."""
    from crawler.crawl import crawl
    from hub_double.generator import generated_store
    from tests.crawl_helpers import fast_client
    from tests.shared_builds import build_once

    store = generated_store(3000, seed=23)

    def build(db: Path) -> None:
        with HubDouble(store) as double:
            crawl(db, "family", client=fast_client(endpoint=double.url))

    db = build_once(shared_builds, "family.duckdb", build, tmp_path_factory.mktemp("generated"))
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
def generated_db(tmp_path_factory, shared_builds):
    """generated_db(n_models, seed) -> a crawler database holding a whole generated Hub, as a
    full crawl stores it (hub_double.crawled); each (n_models, seed) is built once a run."""
    from hub_double.crawled import crawled_db
    from hub_double.generator import generated_store
    from tests.shared_builds import build_once

    built: dict[tuple[int, int], Path] = {}

    def write(n_models: int, seed: int, path: Path) -> None:
        store = generated_store(n_models, seed)
        crawled_db(store, path)
        store.close()

    def build(n_models: int, seed: int) -> Path:
        if (n_models, seed) not in built:
            built[n_models, seed] = build_once(
                shared_builds, f"hub-{n_models}-s{seed}.duckdb",
                lambda path: write(n_models, seed, path), tmp_path_factory.mktemp("generated"))
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
def hostile_hub_db(tmp_path_factory, shared_builds) -> Path:
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

    def build(path: Path) -> None:
        crawled_db(store, path)

    from tests.shared_builds import build_once

    path = build_once(shared_builds, "hostile.duckdb", build, tmp_path_factory.mktemp("hostile"))
    store.close()
    return path
