"""The notebooks run top to bottom against a generated database, so they never rot."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture(scope="module")
def db(generated_family_crawl) -> Path:
    """A generated Hub crawled over HTTP, as a user's database would be."""
    return generated_family_crawl[0]


@pytest.mark.parametrize("name", ["ecosystem_overview.ipynb", "license_drift.ipynb",
                                  "seed_questions.ipynb"])
def test_notebook_runs(name, db, monkeypatch):
    monkeypatch.setenv("HF_LINEAGE_DB", str(db))  # the kernel inherits this environment
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)  # tables were shown
    assert any("image/svg+xml" in o.get("data", {}) or "image/png" in o.get("data", {})
               for o in outputs)  # and a chart
