"""What an import reads: the columns a dump has, in the types it has them; and what it refuses,
with one line, its exit code, and the database as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from crawler.imports import import_hub_stats
from hf_lineage.cli import main
from hf_lineage.errors import ConfigError, StorageError
from tests.import_helpers import NOT_IN_SAMPLE, SAMPLE, contents, derive, query, read

TABLES = ("models", "model_tags", "edges", "snapshots")


def run(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_refused(result, code: int, fragment: str) -> None:
    """Exit `code`, and one line on stderr saying `fragment`, no traceback."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr


@pytest.fixture(scope="module")
def held(tmp_path_factory) -> Path:
    """A database holding a snapshot already: what a refused import must leave as it is."""
    db = tmp_path_factory.mktemp("held") / "hub.duckdb"
    older = derive(SAMPLE, db.parent / "older.parquet",
                   "SELECT * FROM dump WHERE lastModified < TIMESTAMP '2026-01-01'")
    import_hub_stats(db, [older])
    return db


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("sample") / "hub.duckdb"
    import_hub_stats(db, [SAMPLE])
    return db


def table_rows(db: Path) -> dict[str, list[tuple]]:
    """The data tables (run bookkeeping aside), to compare two imports of the same models."""
    skip = {"models": " EXCLUDE (first_seen_run, last_seen_run)", "snapshots": " EXCLUDE "
            "(run_id, taken_at)"}
    return {t: query(db, f"SELECT *{skip.get(t, '')} FROM {t} ORDER BY ALL") for t in TABLES}


# -- bad input ----------------------------------------------------------------------------------
def _datasets_table(path: Path) -> Path:
    """A table shaped like hub-stats' datasets.parquet (its columns as the API lists them)."""
    return derive(SAMPLE, path, """
        SELECT id, author, lastModified, createdAt, likes, downloads, downloadsAllTime, tags,
               cardData, 'a dataset' AS description, NULL::VARCHAR AS citation,
               NULL::VARCHAR AS paperswithcode_id, trendingScore FROM dump""")


def _spaces_table(path: Path) -> Path:
    return derive(SAMPLE, path, """
        SELECT id, author, lastModified, createdAt, likes, tags, cardData, 'gradio' AS sdk,
               replace(id, '/', '-') AS subdomain, NULL::VARCHAR AS runtime,
               [id] AS models, trendingScore FROM dump""")


def _written(data: bytes) -> Callable[[Path], Path]:
    def write(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return write


def _damaged(data: bytes) -> bytes:
    """The file with a run of bytes in the middle of its data overwritten: footer intact."""
    middle = len(data) // 2
    return data[:middle] + b"\x17" * 5000 + data[middle + 5000:]


BAD_FILES = {
    "not parquet": (_written(b"id,lastModified\nx/y,2024-01-01\n"), StorageError.exit_code,
                    "is not a Parquet file"),
    "truncated": (_written(SAMPLE.read_bytes()[: SAMPLE.stat().st_size // 2]),
                  StorageError.exit_code, "truncated or damaged"),
    "damaged inside": (_written(_damaged(SAMPLE.read_bytes())), StorageError.exit_code,
                       "cannot be read"),
    "datasets table": (_datasets_table, ConfigError.exit_code, "hub-stats' datasets table"),
    "spaces table": (_spaces_table, ConfigError.exit_code, "hub-stats' spaces table"),
    "no model columns": (lambda p: derive(SAMPLE, p, "SELECT id, lastModified, likes FROM dump"),
                         ConfigError.exit_code, "not a table of Hub models"),
    "no lastModified": (lambda p: derive(SAMPLE, p, "SELECT * EXCLUDE (lastModified) FROM dump"),
                        ConfigError.exit_code, "has no column lastModified"),
    "a time that is no time": (
        lambda p: derive(SAMPLE, p, "SELECT * REPLACE (likes > 5 AS lastModified) FROM dump"),
        ConfigError.exit_code, "column lastModified has type BOOLEAN"),
    "rows without an id": (
        lambda p: derive(SAMPLE, p, "SELECT * REPLACE (CASE WHEN likes = 0 THEN NULL ELSE id "
                                    "END AS id) FROM dump"),
        ConfigError.exit_code, "have no model id"),
    "tags as text that is no JSON list": (
        lambda p: derive(SAMPLE, p, "SELECT * REPLACE (array_to_string(tags, ',') AS tags) "
                                    "FROM dump"),
        ConfigError.exit_code, "are not JSON lists of tags"),
    "no rows": (lambda p: derive(SAMPLE, p, "SELECT * FROM dump LIMIT 0"),
                ConfigError.exit_code, "has no rows"),
    "blank ids": (
        lambda p: derive(SAMPLE, p, "SELECT * REPLACE (CASE WHEN likes = 0 THEN '   ' ELSE id "
                                    "END AS id) FROM dump"),
        ConfigError.exit_code, "have no model id"),
    "older snapshot": (
        lambda p: derive(SAMPLE, p, "SELECT * FROM dump WHERE lastModified < "
                                    "TIMESTAMP '2025-01-01'"),
        ConfigError.exit_code, "older than the data the database holds"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_is_one_line_and_leaves_the_database_as_it_was(case, held, tmp_path):
    make, code, fragment = BAD_FILES[case]
    bad = make(tmp_path / "models.parquet")
    before = contents(held)
    assert_refused(run("import", "hub-stats", bad, "--db", held), code, fragment)
    assert contents(held) == before


def test_a_bad_file_among_good_ones_writes_nothing(held, tmp_path):
    good = derive(SAMPLE, tmp_path / "good.parquet", "SELECT * FROM dump")
    bad = BAD_FILES["spaces table"][0](tmp_path / "spaces.parquet")
    before = contents(held)
    assert_refused(run("import", "hub-stats", good, bad, "--db", held), 2, "spaces table")
    assert contents(held) == before


def test_as_of_before_the_newest_change_is_refused(tmp_path):
    db = tmp_path / "hub.duckdb"
    result = run("import", "hub-stats", SAMPLE, "--as-of", "2026-05-19", "--db", db)
    assert_refused(result, 2, "a snapshot cannot hold changes made after it was taken")
    assert not db.exists()
    # a day covers the whole day; a time is exact
    assert run("import", "hub-stats", SAMPLE, "--as-of", "2026-05-20", "--db", db).exit_code == 0
    assert query(db, "SELECT as_of, dated_by FROM imports")[0][1] == "as-of"
    result = run("import", "hub-stats", SAMPLE, SAMPLE, "--as-of", "2026-06-01", "--db", db)
    assert_refused(result, 2, "--as-of dates one snapshot")


def test_as_of_in_the_future_is_refused(tmp_path):
    db = tmp_path / "hub.duckdb"
    for moment in ("2099-01-01", "2099-01-01T00:00:00Z"):
        result = run("import", "hub-stats", SAMPLE, "--as-of", moment, "--db", db)
        assert_refused(result, 2, "is in the future")
    assert not db.exists()


def test_a_file_name_is_a_name_not_a_glob(tmp_path):
    """DuckDB reads `*`, `?` and `[` in a path as a glob: `snap*.parquet` alone is read."""
    literal = derive(SAMPLE, tmp_path / "snap*[1]?.parquet", "SELECT * FROM dump LIMIT 100")
    derive(SAMPLE, tmp_path / "snap_other1x.parquet", "SELECT * FROM dump")
    db = tmp_path / "hub.duckdb"
    assert run("import", "hub-stats", literal, "--db", db).exit_code == 0
    assert query(db, "SELECT count(*) FROM models") == [(100,)]


def test_a_models_table_with_a_column_of_another_table_is_still_models(imported, tmp_path):
    dump = derive(SAMPLE, tmp_path / "described.parquet",
                  "SELECT *, 'text' AS description, 'gradio' AS sdk FROM dump")
    db = tmp_path / "described.duckdb"
    assert run("import", "hub-stats", dump, "--db", db).exit_code == 0
    assert table_rows(db) == table_rows(imported)


def test_nanosecond_times_with_a_zone_are_read(imported, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(SAMPLE)
    for name in ("lastModified", "createdAt"):
        column = table.column(name).cast(pa.timestamp("ns", tz="UTC"))
        table = table.set_column(table.schema.get_field_index(name), name, column)
    pq.write_table(table, tmp_path / "ns.parquet")
    db = tmp_path / "ns.duckdb"
    import_hub_stats(db, [tmp_path / "ns.parquet"])
    assert table_rows(db) == table_rows(imported)


def test_another_listing_of_the_same_moment_is_refused(held, tmp_path):
    """A snapshot dated as one imported already but listing other models cannot be the same
    listing: refused, nothing written (the same listing written again changes nothing)."""
    (newest,), = query(held, "SELECT max(last_modified) FROM models")
    other = derive(SAMPLE, tmp_path / "other.parquet",
                   "SELECT * FROM dump WHERE lastModified < TIMESTAMP '2026-01-01' AND "
                   f"(likes > 0 OR lastModified = TIMESTAMP '{newest}')")
    before = contents(held)
    assert_refused(run("import", "hub-stats", other, "--db", held), 2,
                   "two different listings of one moment")
    assert contents(held) == before


def test_what_a_dump_leaves_out_keeps_what_is_stored(held, tmp_path):
    """A newer dump whose counts are NULL, or whose lastModified is unusable (in the future,
    before 2000, missing), says nothing of them: the stored counts and revisions stay."""
    db = tmp_path / "held.duckdb"
    db.write_bytes(held.read_bytes())
    stored = dict(((i, (lm, likes, dl)) for i, lm, likes, dl in query(
        db, "SELECT id, last_modified, likes, downloads_all_time FROM models")))
    newer = derive(SAMPLE, tmp_path / "newer.parquet", """
        SELECT * REPLACE (
            CASE hash(id) % 4 WHEN 0 THEN NULL ELSE likes END AS likes,
            CASE hash(id) % 4 WHEN 0 THEN NULL ELSE downloadsAllTime END AS downloadsAllTime,
            CASE WHEN lastModified >= TIMESTAMP '2026-01-01' THEN lastModified
                 WHEN hash(id) % 3 = 0 THEN TIMESTAMP '2031-01-01'
                 WHEN hash(id) % 3 = 1 THEN TIMESTAMP '1970-01-01'
                 ELSE NULL END AS lastModified) FROM dump""")
    result = run("import", "hub-stats", newer, "--db", db)
    assert result.exit_code == 0, result.output
    assert "rows have no usable lastModified" in result.stderr
    after = dict(((i, (lm, likes, dl)) for i, lm, likes, dl in query(
        db, "SELECT id, last_modified, likes, downloads_all_time FROM models")))
    nulled = {i for (i,) in query(db, f"SELECT id FROM read_parquet('{newer}') "
                                      "WHERE likes IS NULL")}
    assert stored and nulled & stored.keys()
    for model, (last_modified, likes, all_time) in stored.items():
        assert after[model][0] == last_modified  # every held model's row had no usable date
        if model in nulled:
            assert after[model][1:] == (likes, all_time)


# -- what is read ------------------------------------------------------------------------------
def test_the_summary_says_what_was_stored_and_what_the_file_lacks(tmp_path):
    result = run("import", "hub-stats", SAMPLE, "--db", tmp_path / "hub.duckdb")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{SAMPLE}: hub-stats snapshot as of 2026-05-20 18:24:08 (its newest lastModified): "
        "4,167 models, 4,167 new, 0 changed (run 1)"]
    assert f"{SAMPLE} has no {', '.join(NOT_IN_SAMPLE)}" in result.stderr


def test_json_text_or_structs_text_times_and_numbers_read_alike(imported, tmp_path):
    """The same dump with its struct columns as JSON text, its lists as JSON text, its times
    as ISO 8601 text with an offset or as TIMESTAMPTZ, and its counts as text or doubles."""
    variants = {
        "json": """SELECT * REPLACE (to_json(baseModels)::VARCHAR AS baseModels,
                                     to_json(tags)::VARCHAR AS tags,
                                     strftime(lastModified, '%Y-%m-%dT%H:%M:%S.000Z')
                                         AS lastModified,
                                     strftime(createdAt, '%Y-%m-%dT%H:%M:%S+00:00')
                                         AS createdAt,
                                     downloads::DOUBLE AS downloads,
                                     likes::VARCHAR AS likes) FROM dump""",
        "timestamptz": """SELECT * REPLACE (timezone('UTC', lastModified) AS lastModified,
                                            timezone('UTC', createdAt) AS createdAt,
                                            json(gguf) AS gguf) FROM dump""",
        "modelId": """SELECT * EXCLUDE (id), id AS modelId FROM dump""",
    }
    expected = table_rows(imported)
    for name, select in variants.items():
        db = tmp_path / f"{name}.duckdb"
        import_hub_stats(db, [derive(SAMPLE, tmp_path / f"{name}.parquet", select)])
        assert table_rows(db) == expected, name


def test_a_struct_card_is_read_as_json(tmp_path):
    dump = derive(SAMPLE, tmp_path / "struct.parquet", """
        SELECT * REPLACE ({'license': cardData->>'license',
                           'base_model': CASE json_type(cardData->'base_model')
                                         WHEN 'VARCHAR' THEN cardData->>'base_model' END}
                          AS cardData) FROM dump""")
    db = tmp_path / "struct.duckdb"
    import_hub_stats(db, [dump])
    assert query(db, "SELECT card_data FROM models WHERE id = 'ibm-research/merlinite-7b'") == \
        [('{"license":"apache-2.0","base_model":"mistralai/Mistral-7B-v0.1"}',)]
    assert query(db, "SELECT relation, source FROM edges WHERE child = "
                     "'ibm-research/merlinite-7b'") == [("finetune", "card")]


def test_missing_columns_are_named_and_never_guessed(imported, tmp_path):
    """An older dump without cardData, baseModels, downloadsAllTime and trendingScore: the
    licenses come from the license: tags alone, the edges from the base_model: tags alone,
    and the columns it lacks are NULL and listed."""
    dump = derive(SAMPLE, tmp_path / "old.parquet", "SELECT * EXCLUDE (cardData, baseModels, "
                  "downloadsAllTime, trendingScore) FROM dump")
    db = tmp_path / "old.duckdb"
    result = run("import", "hub-stats", dump, "--db", db)
    assert result.exit_code == 0, result.output
    assert "has no sha, downloadsAllTime, trendingScore, gated, private, disabled, cardData, " \
           "siblings, config, baseModels" in result.stderr
    assert query(db, "SELECT count(card_data), count(downloads_all_time), "
                     "count(trending_score) FROM models") == [(0, 0, 0)]
    tagged = read(f"SELECT count(*) FROM read_parquet('{SAMPLE}') "
                  "WHERE list_contains(list_transform(tags, lambda t: split_part(t, ':', 1)), "
                  "'license')")[0][0]
    assert query(db, "SELECT count(license) FROM models") == [(tagged,)]
    # the edges the tags state; without the cards, an old name a card pairs with its tag
    # (a renamed repo) is not learned: named through the full import's aliases, they agree
    conn = duckdb.connect()
    conn.execute(f"ATTACH '{imported}' AS whole (READ_ONLY)")
    conn.execute(f"ATTACH '{db}' AS old (READ_ONLY)")
    renamed = conn.execute("""
        SELECT e.child, coalesce(a.canonical, e.parent) FROM old.edges e
        LEFT JOIN whole.aliases a ON a.alias = e.parent ORDER BY ALL""").fetchall()
    assert renamed == conn.execute(
        "SELECT child, parent FROM whole.edges WHERE tagged ORDER BY ALL").fetchall()
    conn.close()


def test_a_model_listed_twice_keeps_its_newest_listing(tmp_path):
    dump = derive(SAMPLE, tmp_path / "twice.parquet", """
        SELECT * FROM dump UNION ALL
        SELECT * REPLACE (lastModified - INTERVAL 1 DAY AS lastModified, 0 AS likes)
        FROM dump WHERE id = 'ibm-research/merlinite-7b'""")
    db = tmp_path / "twice.duckdb"
    (result,) = import_hub_stats(db, [dump])
    assert result.stored.models == 4167
    assert query(db, "SELECT likes FROM models WHERE id = 'ibm-research/merlinite-7b'") == \
        read(f"SELECT likes FROM read_parquet('{SAMPLE}') WHERE id = "
             "'ibm-research/merlinite-7b'")
    assert query(db, "SELECT count(*) FROM snapshots") == [(4167,)]


def test_an_empty_license_is_no_license(tmp_path):
    """`license:` with nothing after it (or a card's license: "") is no license, not ''."""
    dump = derive(SAMPLE, tmp_path / "empty.parquet",
                  "SELECT * REPLACE (list_prepend('license:', tags) AS tags, "
                  "NULL::JSON AS cardData) FROM dump")
    db = tmp_path / "empty.duckdb"
    import_hub_stats(db, [dump])
    assert query(db, "SELECT count(*) FROM models WHERE license = ''") == [(0,)]
    assert query(db, "SELECT count(*) FROM models WHERE license IS NOT NULL")[0][0] > 1000


def test_a_remote_path_that_cannot_be_read_is_one_line(tmp_path):
    """Without the network DuckDB cannot install httpfs (it says so); with it, the port is
    closed: either way one line, exit 5, no database."""
    url = "http://127.0.0.1:9/models.parquet"
    db = tmp_path / "hub.duckdb"
    assert_refused(run("import", "hub-stats", url, "--db", db), StorageError.exit_code,
                   f"{url} cannot be read")
    assert not db.exists()
