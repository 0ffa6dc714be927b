"""The crawl's storage: the DuckDB file, its schema, and every SQL statement a crawl runs.

`Database` owns the file (lock, connection hand-over to readers, migrations, `meta`); its rooms
hold the SQL of each part of a crawl: `runs` (crawl_runs, crawl_errors), `listing` (staging and
applying listing pages), `family` (the family crawl's queue and closure), `cards`, `closure`
(the trees below the roots, for `hf-lineage tree`). `ingest` is
the SQL that turns the Hub's JSON into rows; `meta` declares every state key.
"""

from crawler.store.database import Database, connect_with_retry
from crawler.store.runs import Tally

__all__ = ["Database", "Tally", "connect_with_retry"]
