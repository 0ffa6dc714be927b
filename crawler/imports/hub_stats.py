"""The `models` table of cfahlgren1/hub-stats, read as the rows a crawl's listing gives.

hub-stats is a daily Parquet dump of the Hub's model listing (weekly copies since July 2024 in
hfmlsoc/hub_weekly_snapshots). Its schema changed over time: columns were added along the way
(cardData, downloadsAllTime, trendingScore, baseModels: older copies lack some), some are not
there at all (sha, gated, private), and a column may be JSON text in one dump and a Parquet
struct in another. So each column the crawl stores is read from
what the file has, by its type (`READERS`), and whatever the file lacks is named, never
guessed: a column it does not have is NULL in the rows it stores (or, for a model whose stored
row is the same revision, the stored value: crawler/store/imports.py).

The result is SQL over `read_parquet` giving the columns `crawler.store.ingest` gives for a
listing page (id … gguf, then the licenses), plus `base_model_relation` and
`base_model_parents` from `baseModels` (the Hub's own list of a model's parents). The same file
read as another hub-stats table (datasets, spaces) is refused by its columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from crawler.imports.parquet import ParquetFile
from crawler.store.ingest import RELATIONS, hub_time, plausible_time, with_licenses
from hf_lineage.errors import ConfigError, one_line

SOURCE = "hub-stats"


@dataclass(frozen=True)
class Column:
    """A column the crawl stores, the dump's names for it (the first present is read), and
    how its values are read (a key of READERS)."""

    target: str
    names: tuple[str, ...]
    kind: str


COLUMNS = (
    Column("id", ("id", "modelId"), "text"),
    Column("author", ("author",), "text"),
    Column("created_at", ("createdAt",), "time"),
    Column("last_modified", ("lastModified",), "time"),
    Column("sha", ("sha",), "text"),
    Column("downloads", ("downloads",), "count"),
    Column("downloads_all_time", ("downloadsAllTime",), "count"),
    Column("likes", ("likes",), "count"),
    Column("trending_score", ("trendingScore",), "score"),
    Column("library_name", ("library_name",), "text"),
    Column("pipeline_tag", ("pipeline_tag",), "text"),
    Column("gated", ("gated",), "gated"),
    Column("private", ("private",), "flag"),
    Column("disabled", ("disabled",), "flag"),
    Column("tags", ("tags",), "tags"),
    Column("card_data", ("cardData",), "object"),
    Column("siblings", ("siblings",), "files"),
    Column("config", ("config",), "object"),
    Column("gguf", ("gguf",), "object"),
    Column("base_models", ("baseModels",), "base_models"),
)
REQUIRED = ("id", "last_modified")  # a model's name, and what dates it and continues it
TYPES = {"text": "VARCHAR", "time": "TIMESTAMP", "count": "BIGINT", "score": "DOUBLE",
         "flag": "BOOLEAN", "gated": "VARCHAR", "tags": "VARCHAR[]", "object": "JSON",
         "files": "VARCHAR[]"}

# Columns only the Hub's model listing has: a table with none of them is not hub-stats' models.
MODEL_ONLY = frozenset({"pipeline_tag", "library_name", "baseModels", "gguf", "safetensors",
                        "config", "transformersInfo", "modelId", "mask_token", "widgetData",
                        "model-index", "inference", "childrenModelCount"})
# Columns of hub-stats' other tables, which its models table never has.
OTHER_TABLES = {
    "spaces": frozenset({"sdk", "subdomain", "runtime", "host"}),
    "datasets": frozenset({"citation", "paperswithcode_id", "description", "mainSize"}),
}

_INTEGER = re.compile(r"^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT))$")
_NUMBER = re.compile(r"^(FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$")
_TIMESTAMP = re.compile(r"^(TIMESTAMP(_S|_MS|_NS)?|DATE)$")


def _text(c: str, kind: str) -> str | None:
    return c if kind == "VARCHAR" else None


def _time(c: str, kind: str) -> str | None:
    if kind in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ_NS"):
        return plausible_time(f"make_timestamp(epoch_us(CAST({c} AS TIMESTAMPTZ)))")
    if _TIMESTAMP.match(kind):
        return plausible_time(f"CAST({c} AS TIMESTAMP)")
    return hub_time(c) if kind == "VARCHAR" else None


def _number(target: str) -> Callable[[str, str], str | None]:
    def read(c: str, kind: str) -> str | None:
        if _INTEGER.match(kind) or _NUMBER.match(kind) or kind == "VARCHAR":
            return f"TRY_CAST({c} AS {target})"
        return None

    return read


def _flag(c: str, kind: str) -> str | None:
    if kind == "BOOLEAN":
        return c
    return f"TRY_CAST({c} AS BOOLEAN)" if kind == "VARCHAR" else None


def _gated(c: str, kind: str) -> str | None:
    """The Hub's gated: false (NULL here), 'auto' or 'manual', as a crawl stores it."""
    if kind == "BOOLEAN":
        return f"CASE WHEN {c} THEN 'true' END"
    return f"CASE WHEN {c} NOT IN ('false', 'False') THEN {c} END" if kind == "VARCHAR" else None


def _tags(c: str, kind: str) -> str | None:
    if kind == "VARCHAR[]":
        values = c
    elif kind in ("VARCHAR", "JSON"):
        values = _tags_json(c)
    else:
        return None
    return f"coalesce(list_filter({values}, lambda t: t IS NOT NULL), []::VARCHAR[])"


def _tags_json(c: str) -> str:
    return f"try(from_json({c}, '[\"VARCHAR\"]'))"


def _unreadable_tags(c: str, kind: str) -> str | None:
    """SQL true for a tags value that is text but not a JSON list ('a,b', '"x"', '123'): such
    a column is refused, never read as "no tags" (which would delete the stored ones)."""
    if kind not in ("VARCHAR", "JSON"):
        return None
    return (f"{c} IS NOT NULL AND trim({c}::VARCHAR) NOT IN ('', 'null') "
            f"AND (json_type(try(json({c}))) IS DISTINCT FROM 'ARRAY' OR {_tags_json(c)} IS NULL)")


def _object(c: str, kind: str) -> str | None:
    """A JSON object as minified text: JSON text (other JSON values and text that does not
    parse are NULL), or a struct or map written out as JSON."""
    if kind.startswith(("STRUCT(", "MAP(")):
        return f"to_json({c})"
    if kind in ("VARCHAR", "JSON"):
        return f"CASE WHEN json_type(try(json({c}))) = 'OBJECT' THEN json({c}) END"
    return None


def _files(c: str, kind: str) -> str | None:
    """File names: the listing's [{rfilename}], a list of names, or either as JSON text."""
    if kind.startswith("STRUCT(") and kind.endswith(")[]"):
        names = f"list_transform({c}, lambda s: s.rfilename)"
    elif kind == "VARCHAR[]":
        names = c
    elif kind in ("VARCHAR", "JSON"):
        names = (f"list_transform(try(from_json({c}, '[\"JSON\"]')), lambda v: "
                 "CASE json_type(v) WHEN 'VARCHAR' THEN v->>'$' "
                 "WHEN 'OBJECT' THEN v->>'rfilename' END)")
    else:
        return None
    return f"list_filter({names}, lambda f: f IS NOT NULL)"


_BASE_MODELS_TYPE = '{"relation": "VARCHAR", "models": [{"id": "VARCHAR"}]}'


def _base_models(c: str, kind: str) -> str | None:
    """`{relation, models: [{_id, id}]}`, a struct or JSON text: the relation (one of the
    four, else NULL) and the parents' ids, as two columns."""
    if kind.startswith("STRUCT("):
        value = c
    elif kind in ("VARCHAR", "JSON"):
        value = f"try(from_json({c}, '{_BASE_MODELS_TYPE}'))"
    else:
        return None
    return (f"CASE WHEN {value}.relation IN {RELATIONS} THEN {value}.relation END "
            "AS base_model_relation, "
            f"list_filter(list_transform({value}.models, lambda m: m.id), "
            "lambda p: p IS NOT NULL AND p <> '') AS base_model_parents")


READERS: dict[str, Callable[[str, str], str | None]] = {
    "text": _text, "time": _time, "count": _number("BIGINT"), "score": _number("DOUBLE"),
    "flag": _flag, "gated": _gated, "tags": _tags, "object": _object, "files": _files,
    "base_models": _base_models,
}
# Readers that would take a value they cannot parse for an empty one: SQL true for such a
# value, so that the file is refused instead (never read as "no tags").
UNREADABLE: dict[str, Callable[[str, str], str | None]] = {"tags": _unreadable_tags}
ABSENT = {"base_models": "NULL::VARCHAR AS base_model_relation, "
                         "[]::VARCHAR[] AS base_model_parents",
          "tags": "[]::VARCHAR[]"}


@dataclass(frozen=True)
class DumpRows:
    """How a file's columns become the crawl's: the SQL reading them, what was read from
    which column, and what the file lacks."""

    file: ParquetFile
    read: dict[str, str]  # the crawl's column -> the file's column it is read from
    missing: tuple[str, ...]  # the file's names of what it lacks (sha, gated …)
    missing_targets: tuple[str, ...]  # the same, as the crawl's columns
    ignored: tuple[str, ...]  # the file's columns nothing reads (_id, safetensors …)
    select: str  # SQL: one row per row of the file, the crawl's columns and file_row_number
    id_sql: str  # SQL over the file: a row's model id
    last_modified_sql: str  # SQL over the file: a row's lastModified as the crawl stores it
    unreadable: dict[str, str]  # the file's column -> SQL true for a value it cannot read


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_table(file: ParquetFile) -> None:
    """Refuse (ConfigError) a file that is not hub-stats' models table: another of its tables
    (spaces, datasets, by their columns), or any table without the model listing's columns."""
    names = set(file.columns)
    for table, signature in OTHER_TABLES.items():
        found = sorted(names & signature)
        if found and not names & MODEL_ONLY:  # a models table may gain any other column
            raise ConfigError(
                f"{file.path} is hub-stats' {table} table (it has {', '.join(found)}), not its "
                "models table: import models.parquet")
    if not names & MODEL_ONLY:
        raise ConfigError(
            f"{file.path} is not a table of Hub models: none of its columns "
            f"({_listed(sorted(names))}) is one of the model listing's "
            f"({', '.join(sorted(MODEL_ONLY)[:6])} …)")
    for column in COLUMNS:
        if column.target in REQUIRED and not names & set(column.names):
            raise ConfigError(f"{file.path} has no column {' or '.join(column.names)}: an "
                              "import needs each model's id and lastModified")


def dump_rows(file: ParquetFile) -> DumpRows:
    """The SQL reading `file` as the crawl's rows; ConfigError when a column the crawl reads
    has a type it cannot read (checked by DuckDB binding each expression to the file)."""
    check_table(file)
    expressions, read, missing, typed, unreadable = [], {}, [], {}, {}
    with duckdb.connect(config={"threads": 1}) as conn:
        for column in COLUMNS:
            name = next((n for n in column.names if n in file.columns), None)
            if name is not None:
                read[column.target] = name
                expression = _reader(conn, file, column, name)
                check = UNREADABLE.get(column.kind)
                if check and (sql := check(_quote(name), file.columns[name])):
                    unreadable[name] = sql
            elif column.target == "author":  # as a crawl does for a listing without it
                expression = None
            else:
                missing.append(column)
                expressions.append(_absent(column))
                continue
            if column.target == "author":
                expression = _author(expression, _quote(read["id"]))
            typed[column.target] = expression
            expressions.append(expression if column.kind == "base_models"
                               else f"{expression} AS {column.target}")
    ignored = tuple(n for n in file.columns if n not in read.values())
    columns = ",\n    ".join(expressions)
    rows = f"(SELECT\n    {columns},\n    file_row_number\nFROM {file.scan(row_numbers=True)})"
    return DumpRows(file, read, tuple(c.names[0] for c in missing),
                    tuple(c.target for c in missing), ignored, with_licenses(rows),
                    typed["id"], typed["last_modified"], unreadable)


def _author(read: str | None, id_column: str) -> str:
    """The author, else the namespace of the id (what a crawl stores for a listing without
    author)."""
    namespace = f"CASE WHEN contains({id_column}, '/') THEN split_part({id_column}, '/', 1) END"
    return f"coalesce({read}, {namespace})" if read else namespace


def _absent(column: Column) -> str:
    if column.target in ABSENT:
        value = ABSENT[column.target]
        return value if column.kind == "base_models" else f"{value} AS {column.target}"
    return f"NULL::{TYPES[column.kind]} AS {column.target}"


def _reader(conn: duckdb.DuckDBPyConnection, file: ParquetFile, column: Column,
            name: str) -> str:
    """The expression reading column `name` as `column` needs, checked against the file."""
    kind = file.columns[name]
    expression = READERS[column.kind](_quote(name), kind)
    if expression is not None:
        try:
            conn.execute(f"DESCRIBE SELECT {expression} FROM {file.scan()}")
            return expression
        except duckdb.Error as exc:
            reason = f" ({one_line(exc)})"
    else:
        reason = ""
    raise ConfigError(f"{file.path}: column {name} has type {kind}, which hf-lineage cannot "
                      f"read as {column.kind}{reason}")


def _listed(names: list[str], most: int = 8) -> str:
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most
                                      else "")
