"""The Hub API's answers, computed from the store: listing pages, model info, README files.

Only the JSON shape and semantics live here (camelCase keys, expand, filters, cursors); HTTP
plumbing, faults and headers are in `server.py`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from hub_double.cards import render_card
from hub_double.files import RepoFiles

EXPANDABLE = frozenset(
    {
        "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt",
        "disabled", "downloads", "downloadsAllTime", "evalResults", "gated", "gguf", "inference",
        "inferenceProviderMapping", "lastModified", "library_name", "likes", "mask_token",
        "model-index", "pipeline_tag", "private", "resourceGroup", "safetensors", "sha",
        "siblings", "spaces", "tags", "transformersInfo", "trendingScore", "usedStorage",
        "widgetData",
    }
)
INFO_ONLY = frozenset({"baseModels", "childrenModelCount", "usedStorage"})
LIST_DEFAULT = (
    "_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
    "library_name", "createdAt", "modelId",
)
LIST_FULL = LIST_DEFAULT + ("author", "sha", "lastModified", "gated", "disabled", "siblings",
                            "cardData")
# Keys of a model-info answer, in the Hub's order (see the google-bert sample in ../shared);
# keys that do not apply to a model (mask_token of a causal LM …) are left out, as on the Hub.
INFO_DEFAULT = (
    "_id", "id", "private", "pipeline_tag", "library_name", "tags", "downloads", "likes",
    "modelId", "author", "sha", "lastModified", "gated", "disabled", "mask_token", "widgetData",
    "model-index", "config", "cardData", "transformersInfo", "siblings", "spaces", "createdAt",
    "safetensors", "inference", "usedStorage",
)
ABSENT = object()
SORT_COLUMNS = {
    "downloads": "downloads",
    "likes": "likes",
    "createdAt": "created_at",
    "lastModified": "last_modified",
    "trendingScore": "trending_score",
}
ROW_COLUMNS = (
    "idx, id, object_id, author, sha, created_at, last_modified, private, gated, disabled, "
    "downloads, downloads_all_time, likes, trending_score, library_name, pipeline_tag, tags, "
    "card_data, has_readme, card_template, card_length, model_type, files"
)
# A listing asking only for these properties reads only the columns they come from (a light
# listing of downloads pages the whole Hub: fetching every card and file spec would dominate).
LIGHT_FIELDS = frozenset({
    "_id", "id", "modelId", "author", "sha", "createdAt", "lastModified", "private", "gated",
    "disabled", "downloads", "downloadsAllTime", "likes", "trendingScore", "library_name",
    "pipeline_tag",
})
LIGHT_COLUMNS = (
    "idx, id, object_id, author, sha, created_at, last_modified, private, gated, disabled, "
    "downloads, downloads_all_time, likes, trending_score, library_name, pipeline_tag"
)


class ApiError(Exception):
    """An error answer: HTTP status, the Hub's X-Error-Code and a message."""

    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Moved(Exception):
    """A renamed repo: the answer is 307 to the same path under `canonical`."""

    def __init__(self, alias: str, canonical: str) -> None:
        super().__init__(f"{alias} moved to {canonical}")
        self.alias, self.canonical = alias, canonical


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def iso(value: datetime | None) -> str | None:
    """The Hub's date format: milliseconds and a Z (the client rejects anything else)."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _field(row: dict[str, Any], key: str, conn: duckdb.DuckDBPyConnection) -> Any:
    """One camelCase property of a model, computed from its stored row."""
    match key:
        case "_id":
            return row["object_id"]
        case "id" | "modelId":
            return row["id"]
        case "createdAt":
            return iso(row["created_at"])
        case "lastModified":
            return iso(row["last_modified"])
        case "gated":
            return row["gated"] or False
        case "trendingScore":
            return row["trending_score"]
        case "downloadsAllTime":
            return row["downloads_all_time"]
        case "tags":
            return list(row["tags"] or [])
        case "cardData":
            return json.loads(row["card_data"]) if row["card_data"] else None
        case "siblings":
            return [{"rfilename": name} for name in _files(row).siblings()]
        case "config":
            summary = _files(row).config_summary()
            return ABSENT if summary is None else summary
        case "gguf":
            summary = _files(row).gguf_summary()
            return ABSENT if summary is None else summary
        case "model-index":
            return json.loads(row["card_data"] or "{}").get("model-index")
        case "spaces" | "widgetData":
            return []
        case "mask_token":
            return "[MASK]" if row["pipeline_tag"] == "fill-mask" else ABSENT
        case "transformersInfo":
            if row["library_name"] != "transformers":
                return ABSENT
            return {"auto_model": "AutoModelForCausalLM", "pipeline_tag": row["pipeline_tag"],
                    "processor": "AutoTokenizer"}
        case "safetensors":
            if "gguf" in (row["tags"] or ()):
                return ABSENT
            total = 1_000_000 + (row["idx"] * 104_729) % 70_000_000_000
            return {"parameters": {"BF16": total}, "total": total}
        case "inference":
            return "warm" if (row["downloads"] or 0) > 100_000 else ABSENT
        case "usedStorage":
            return 1_000_000 + (row["idx"] * 7919) % 10_000_000_000
        case "baseModels":
            return _base_models(row)
        case "childrenModelCount":
            return _children_count(row["id"], conn)
        case "author" | "sha" | "private" | "disabled" | "downloads" | "likes" | "library_name" \
                | "pipeline_tag":
            return row[key]
    return None


def record(row: dict[str, Any], fields: tuple[str, ...],
           conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """A model's properties `fields` as the API answers them; those that do not apply to it
    (a gguf summary of a repo without GGUF …) are left out, as on the Hub."""
    return {f: v for f in fields if (v := _field(row, f, conn)) is not ABSENT}


def _files(row: dict[str, Any]) -> RepoFiles:
    """The row's files, parsed once for all the fields a listing asks of them."""
    if "_files" not in row:
        row["_files"] = RepoFiles(row)
    return row["_files"]


def split_base_model_tag(tag: str) -> tuple[str | None, str] | None:
    """`base_model:<parent>` or `base_model:<relation>:<parent>` -> (relation, parent)."""
    if not tag.startswith("base_model:"):
        return None
    rest = tag[len("base_model:"):]
    relation, sep, parent = rest.partition(":")
    if sep and relation in RELATIONS:
        return relation, parent
    return None, rest


def _base_models(row: dict[str, Any]) -> dict[str, Any] | None:
    parents: dict[str, str | None] = {}
    for tag in row["tags"] or ():
        split = split_base_model_tag(tag)
        if split:
            relation, parent = split
            if relation or parent not in parents:
                parents[parent] = relation
    if not parents:
        return None
    relations = {r for r in parents.values() if r}
    relation = relations.pop() if len(relations) == 1 else ("merge" if relations else "finetune")
    return {"relation": relation, "models": [{"_id": _object_id(p), "id": p} for p in parents]}


RELATIONS = frozenset({"finetune", "adapter", "quantized", "merge"})


def _object_id(model_id: str) -> str:
    return hashlib.md5(model_id.encode()).hexdigest()[:24]


def _children_count(model_id: str, conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute(
        "SELECT count(DISTINCT t.idx) FROM model_tags t JOIN models m USING (idx) "
        "WHERE t.tag = ? AND NOT coalesce(m.private, false)",
        [f"base_model:{model_id}"],
    ).fetchone()[0]


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, values, strict=True)) for values in cur.fetchall()]


def encode_cursor(sort_value: Any, idx: int) -> str:
    raw = json.dumps([sort_value.isoformat() if isinstance(sort_value, datetime) else sort_value,
                      idx])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[Any, int]:
    try:
        value, idx = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return value, int(idx)
    except (ValueError, TypeError) as exc:
        raise ApiError(400, None, "Invalid cursor") from exc


def list_models(
    conn: duckdb.DuckDBPyConnection, params: dict[str, list[str]], page_size: int
) -> Page:
    """One page of `GET /api/models`, ordered and filtered as the Hub does."""
    first = {k: v[-1] for k, v in params.items() if v}
    expand = params.get("expand", []) + params.get("expand[]", [])
    unknown = [e for e in expand if e not in EXPANDABLE]
    if unknown:
        raise ApiError(400, None, f"Invalid expand value(s): {unknown}")
    if INFO_ONLY & set(expand):
        raise ApiError(400, None, f"Cannot expand {sorted(INFO_ONLY & set(expand))} on a listing")
    if expand and (first.get("full") or first.get("cardData") or first.get("config")):
        raise ApiError(400, None, "Cannot use expand together with full, cardData or config")
    sort = first.get("sort")
    if sort and sort not in SORT_COLUMNS:
        raise ApiError(400, None, f"Invalid sort parameter {sort!r}")
    try:
        limit = int(first["limit"]) if "limit" in first else page_size
    except ValueError as exc:
        raise ApiError(400, None, "limit must be an integer") from exc
    size = max(1, min(limit, page_size))

    where, args = ["NOT coalesce(private, false)"], []
    if "author" in first:
        where.append("author = ?")
        args.append(first["author"])
    if "search" in first:
        where.append("id ILIKE ?")
        args.append("%" + first["search"].replace("%", r"\%").replace("_", r"\_") + "%")
    for tag in params.get("filter", []) + params.get("filter[]", []):
        where.append("idx IN (SELECT idx FROM model_tags WHERE tag = ?)")
        args.append(tag)
    key = f"coalesce({SORT_COLUMNS[sort]}, {_floor(sort)})" if sort else None
    if "cursor" in first:
        value, last_idx = decode_cursor(first["cursor"])
        if key:
            where.append(f"({key} < ? OR ({key} = ? AND idx > ?))")
            args += [value, value, last_idx]
        else:
            where.append("idx > ?")
            args.append(last_idx)
    order = f"{key} DESC, idx" if key else "idx"
    sort_select = f", {key} AS sort_key" if key else ""
    if expand:
        fields: tuple[str, ...] = ("_id", "id", *expand)
    elif first.get("full") in ("true", "True", "1"):
        fields = LIST_FULL
    else:
        fields = LIST_DEFAULT + (("cardData",) if first.get("cardData") else ()) + (
            ("config",) if first.get("config") else ())
    columns = LIGHT_COLUMNS if LIGHT_FIELDS.issuperset(fields) else ROW_COLUMNS
    rows = _rows(
        conn,
        f"SELECT {columns}{sort_select} FROM models WHERE {' AND '.join(where)} "
        f"ORDER BY {order} LIMIT ?",
        [*args, size + 1],
    )
    more = len(rows) > size
    rows = rows[:size]
    items = [record(row, fields, conn) for row in rows]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(last["sort_key"] if key else None, last["idx"])
    return Page(items, next_cursor)


def _floor(sort: str) -> str:
    return "TIMESTAMP '1970-01-01'" if sort in ("createdAt", "lastModified") else "-1"


def find_model(conn: duckdb.DuckDBPyConnection, repo_id: str,
               extra: str = "") -> dict[str, Any]:
    """The repo a name reaches, as the Hub finds it: the exact id; else the id that differs
    only in case; else a legacy id's namespaced repo. A renamed repo's old id raises Moved."""
    rows = _rows(conn, f"SELECT {ROW_COLUMNS}{extra} FROM models WHERE id = ?", [repo_id])
    if not rows:
        cased = conn.execute("SELECT id FROM model_case WHERE id_lower = lower(?) LIMIT 1",
                             [repo_id]).fetchone()
        if cased is not None:
            rows = _rows(conn, f"SELECT {ROW_COLUMNS}{extra} FROM models WHERE id = ?",
                         [cased[0]])
    if not rows:
        alias = conn.execute("SELECT canonical, kind FROM repo_aliases WHERE alias = ?",
                             [repo_id]).fetchone()
        if alias is not None and alias[1] == "renamed":
            raise Moved(repo_id, alias[0])
        if alias is not None:
            rows = _rows(conn, f"SELECT {ROW_COLUMNS}{extra} FROM models WHERE id = ?",
                         [alias[0]])
    if not rows or rows[0]["private"]:
        raise ApiError(404, "RepoNotFound", f"Repository not found: {repo_id}")
    return rows[0]


def model_info(
    conn: duckdb.DuckDBPyConnection, repo_id: str, expand: list[str]
) -> dict[str, Any]:
    """`GET /api/models/{repo_id}`: every default property, or exactly the expanded ones."""
    unknown = [e for e in expand if e not in EXPANDABLE]
    if unknown:
        raise ApiError(400, None, f"Invalid expand value(s): {unknown}")
    row = find_model(conn, repo_id)
    fields = ("_id", "id", *expand) if expand else INFO_DEFAULT
    info = {f: _field(row, f, conn) for f in fields}
    return {key: value for key, value in info.items() if value is not ABSENT}


def readme(conn: duckdb.DuckDBPyConnection, repo_id: str) -> tuple[bytes, dict[str, Any]]:
    """The README.md bytes of a model and its row (for gating and the commit header)."""
    row = find_model(conn, repo_id, ", card")
    if not row["has_readme"]:
        raise ApiError(404, "EntryNotFound", f"README.md not found in {row['id']}")
    return readme_body(row, row.pop("card")), row


def readme_body(row: dict[str, Any], card: bytes | None) -> bytes:
    """The README.md bytes served: the stored card, else one rendered from card_data and the
    body its files spec names (an undocumented model's card form) or its card template."""
    if card is not None:
        return bytes(card)
    return render_card(row["id"], row["card_data"], RepoFiles(row).card_body(),
                       row["card_template"], row["card_length"])


def repo_file(conn: duckdb.DuckDBPyConnection, repo_id: str,
              filename: str) -> tuple[bytes, dict[str, Any]]:
    """Any other file of a model (config.json, adapter_config.json, a .gguf ...) and its row."""
    row = find_model(conn, repo_id)
    data = RepoFiles(row).read(filename)
    if data is None:
        raise ApiError(404, "EntryNotFound", f"{filename} not found in {row['id']}")
    return data, row
