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
