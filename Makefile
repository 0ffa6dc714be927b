# hf-lineage: every target sets up its own virtual environment from pyproject.toml first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DB     ?= data/hub.duckdb
TEST_WORKERS ?= 4

.PHONY: setup test demo crawl incremental report screenshot lint bench bench-quick ingest-profile browser clean notebook

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

NOTEBOOK_STAMP := $(VENV)/.notebook-stamp
$(NOTEBOOK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,notebook]'
	touch $(NOTEBOOK_STAMP)

# JupyterLab from the project's environment on the notebooks, reading $(DB) (relative to this
# folder whatever the kernel's): after make demo, make notebook DB=data/demo.duckdb
notebook: $(NOTEBOOK_STAMP)
	HF_LINEAGE_DB=$(DB) $(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/

# Optional: headless Chromium (a Debian system package, installed with apt as root) for
# `make screenshot` and the one report screenshot test, which skips with its reason without it.
browser:
	@command -v chromium >/dev/null 2>&1 && echo "chromium: $$(command -v chromium)" || { \
	  echo "installing Debian's chromium with apt-get (a system package; needs root)"; \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "cannot: needs root and apt-get (install chromium yourself)" >&2; exit 1; fi; }

# The suite runs in 4 workers (pytest-xdist), twice the cores of a 2-core machine: about a tenth
# of its time is spent waiting on sockets, subprocesses and the disk, which 2 workers leave idle
# (838 tests: 357 s with 2 workers, 321 s with 4, both cores busy). Tests sharing a module's
# fixtures stay together.
test: $(STAMP)
	$(BIN)/ruff check .
	@command -v chromium >/dev/null 2>&1 || echo "note: chromium absent, the report screenshot test will skip (make browser installs it)"
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadscope

# The main job on the embedded default: a generated Hub served locally, crawled, reported.
demo: $(STAMP)
	$(BIN)/hf-lineage demo --db data/demo.duckdb --out data/report

# The real Hub (needs internet). HF_TOKEN raises the rate limits; it is never stored.
crawl: $(STAMP)
	$(BIN)/hf-lineage crawl --mode family --db $(DB)

incremental: $(STAMP)
	$(BIN)/hf-lineage crawl --mode incremental --db $(DB)

report: $(STAMP)
	$(BIN)/hf-lineage report --db $(DB) --out data/report

# A PNG of the report as headless Chromium renders it (charts included).
screenshot: report browser
	$(BIN)/python -m analysis.screenshot data/report/report.html data/report/report.png 6000
	@echo data/report/report.png

lint: $(STAMP)
	$(BIN)/ruff check .

# The full suite takes about an hour (2M-model Hubs); bench-quick runs the small sizes in
# under 10 minutes, to iterate (its figures are not the issue's targets).
bench: $(STAMP)
	$(BIN)/python -m bench.run --out BENCHMARKS.md

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick --out data/bench/BENCHMARKS-quick.md

# Where a full listing's ingest time goes, step by step (200,000 models, about a minute).
ingest-profile: $(STAMP)
	$(BIN)/python -m bench.ingest_profile --models 200000

clean:
	rm -rf $(VENV) data/demo.duckdb data/report
