"""Importers of the dumps researchers already have: a snapshot of the Hub's listing into the
tables a crawl fills, so a crawl database can start from a dump and be continued by
incremental crawls.

`parquet` opens and checks a file, `hub_stats` reads cfahlgren1/hub-stats' models table as the
crawl's rows, `snapshots` dates snapshots and places them against the data held, `importer`
runs an import (`import_hub_stats`); the SQL that stores a snapshot is crawler/store/imports.py.
"""

from crawler.imports.importer import ImportResult, import_hub_stats

__all__ = ["ImportResult", "import_hub_stats"]
