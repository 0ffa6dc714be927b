"""Benchmarks against the Hub double: `python -m bench.run --out BENCHMARKS.md` (`make bench`).

Modules: `common` (figures, medians, machine), `hubs` (cached generated Hubs, doubles),
`worker` (a crawl or the naive card loop in its own process), one module per figure group
(`listing`, `cards`, `incremental`, `family`, `analysis`), `report` (BENCHMARKS.md) and `run`.
"""
