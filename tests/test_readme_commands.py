"""The README's ways into a database work after `make setup`: its plain-DuckDB one-liner (the
duckdb CLI is not installed by pip) and `make notebook` (JupyterLab from the project's
environment, the optional extra `notebook`)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
README = (REPOSITORY / "README.md").read_text(encoding="utf-8")


def test_the_readmes_duckdb_line_runs(generated_family_crawl):
    line = next(line for line in README.splitlines()
                if line.startswith(".venv/bin/python -c \"import duckdb"))
    command = shlex.split(line.split("   #")[0])
    assert command[0] == ".venv/bin/python" and "data/hub.duckdb" in command[2]
    code = command[2].replace("data/hub.duckdb", str(generated_family_crawl[0]))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPOSITORY, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert re.search(r"\bmodels\b", result.stdout) and "crawl_runs" in result.stdout
    assert "duckdb -readonly" not in README  # the CLI pip does not install


def test_make_notebook_opens_jupyterlab_from_the_projects_environment():
    extras = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]
    assert any(name.startswith("jupyterlab") for name in extras["notebook"])
    plan = subprocess.run(["make", "--no-print-directory", "-n", "notebook", "DB=data/demo.duckdb"],
                          cwd=REPOSITORY,
                          capture_output=True, text=True, timeout=60, check=True).stdout
    assert "pip install --quiet -e '.[dev,notebook]'" in plan or \
        (REPOSITORY / ".venv" / ".notebook-stamp").exists()
    assert "HF_LINEAGE_DB=data/demo.duckdb .venv/bin/jupyter lab" in plan
    assert plan.rstrip().endswith("notebooks/")
