"""The notebooks run top to bottom against a generated database, so they never rot."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPOSITORY = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPOSITORY / "notebooks"


@pytest.fixture(scope="module")
def crawled(generated_family_crawl) -> tuple[Path, str]:
    """A generated Hub crawled over HTTP, as a user's database would be, and what the Hub
    double said it is ('a generated Hub (synthetic), seed …')."""
    db, store = generated_family_crawl
    return db, store.identity()


@pytest.mark.parametrize("name", ["ecosystem_overview.ipynb", "license_drift.ipynb",
                                  "seed_questions.ipynb"])
def test_notebook_runs(name, crawled, monkeypatch):
    """The kernel runs in notebooks/ (as Jupyter starts it) with HF_LINEAGE_DB relative to the
    repository's root, as a user writes it beside `make`; the notebook names the data's source
    (a generated Hub, its seed) in its first output and inside its charts."""
    db, identity = crawled
    relative = os.path.relpath(db, REPOSITORY)
    monkeypatch.setenv("HF_LINEAGE_DB", relative)  # the kernel inherits this environment
    assert not (NOTEBOOKS / relative).exists()  # so the kernel's folder would not find it
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)  # tables were shown
    charts = [o["data"].get("image/svg+xml") or o["data"].get("image/png") for o in outputs
              if {"image/svg+xml", "image/png"} & set(o.get("data", {}))]
    assert charts  # and a chart
    said = f"{identity}, not the real Hub"
    assert identity.startswith("a generated Hub (synthetic), seed ")
    assert said in outputs[0]["text"]
    assert any(said in chart for chart in charts if chart.lstrip().startswith("<"))
