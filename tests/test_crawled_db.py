"""hub_double.crawled writes, without HTTP, the database a real full crawl writes over HTTP."""

from __future__ import annotations

import duckdb
import pandas as pd

from crawler.crawl import crawl
from hub_double.crawled import crawled_db
from hub_double.generator import generated_store
from tests.crawl_helpers import assert_same_tables, fast_client
from tests.hub_rows import HOSTILE_ID, model_row


def _aliases(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute("SELECT * EXCLUDE (learned_at) FROM aliases ORDER BY ALL").fetchall()


def test_written_database_equals_a_real_full_crawl(serve, tmp_path):
    store = generated_store(400, seed=5)
    store.add_models(pd.DataFrame([model_row(HOSTILE_ID, 3)]))  # its card is never requested
    serve(store)
    crawl(tmp_path / "http.duckdb", "full", client=fast_client())
    written = crawled_db(store, tmp_path / "written.duckdb")
    assert_same_tables(tmp_path / "http.duckdb", written)
    assert _aliases(tmp_path / "http.duckdb") == _aliases(written)
    conn = duckdb.connect(str(written), read_only=True)
    outcomes = dict(conn.execute(
        "SELECT coalesce(fetch_error, CASE WHEN truncated THEN 'truncated' "
        "WHEN parse_error IS NOT NULL THEN 'parse error' ELSE 'ok' END), count(*) "
        "FROM cards GROUP BY ALL").fetchall())
    # every way a card fetch ends is compared above, not only the plain ones
    assert set(outcomes) == {"ok", "parse error", "gated", "no README.md", "truncated",
                             "invalid repo id: not requested"}, outcomes
    assert conn.execute("SELECT status, scope FROM crawl_runs, (SELECT value AS scope FROM meta "
                        "WHERE key = 'scope')").fetchall() == [("ok", "full")]
