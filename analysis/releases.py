"""Releases the roots config does not list, discovered from the names of an organisation's models.

An organisation keeps publishing (deepseek-ai's DeepSeek-V4-Flash and DeepSeek-V4-Pro in 2026)
after a roots file was written. Every crawled model of a family's organisation that no
configured release lists gets a release from its name's *stem*: the words of the name up to and
including its version, or up to the first size, date or variant word when it has none:

    DeepSeek-V4-Flash, DeepSeek-V4-Pro          -> DeepSeek-V4
    deepseek-coder-v2-lite-instruct             -> deepseek-coder-v2
    Llama-3.5-8B-Instruct                       -> Llama-3.5
    Qwen2.5-Coder-7B-Instruct                   -> Qwen2.5
    CodeLlama-7b-hf, LlamaGuard-7b, Janus-Pro-7B -> CodeLlama, LlamaGuard, Janus-Pro
    Mistral-7B-v0.3 (an explicit v-version after the size) -> Mistral-v0.3

Stems are compared by a key: lower case, a version split from the word it ends (Qwen2.5 ->
qwen-2.5), and the organisation's own words dropped from the front (meta-llama's Meta-Llama-3.1
and Llama-3.1 are one key, '3.1'). A model whose key is that of a model a configured release
lists joins that release (deepseek-coder-1.3b-instruct joins "DeepSeek Coder"); the others of
one key form a discovered release named by the stem of its earliest model. The SQL dates a
discovered release by its roots' first creation and gives it their most common license.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb

from analysis import lineage
from crawler.roots import Release, Roots, dump_roots

# A parameter count (7B, 1.5B, 86M, 1_8B, 8x7B, A22B, E4B) or an expert count (16E).
SIZE = re.compile(r"^(\d+([._]\d+)?[bmkt]|\d+x\d+(\.\d+)?[bm]|[a-z]\d+(\.\d+)?b|\d+e)$", re.I)
DATE = re.compile(r"^(\d{4}|\d{6}|\d{8})$")  # 0324, 2407, 250528, 20250528
# A version on its own (2, 3.1, v2, V0.1) or ending a word (R1, V3, Qwen2.5, vl2).
VERSION = re.compile(r"^([a-z]*)(\d+(\.\d+)*)$", re.I)
EXPLICIT_VERSION = re.compile(r"^v\d+(\.\d+)*$", re.I)
VARIANTS = {"instruct", "chat", "base", "hf", "it", "pt", "gguf", "awq", "gptq", "fp8", "mlx",
            "onnx", "bnb"}


def _stops(token: str) -> bool:
    return bool(SIZE.match(token) or DATE.match(token)) or token.lower() in VARIANTS


def stem(name: str) -> str:
    """The release stem of a repo name (the part after '/'): see the module docstring."""
    tokens = [t for t in name.split("/")[-1].split("-") if t]
    if not tokens:
        return name
    words: list[str] = []
    for k, token in enumerate(tokens):
        if words and _stops(token):
            later = [t for t in tokens[k + 1:] if EXPLICIT_VERSION.match(t)]
            return "-".join(words + later[:1])
        words.append(token)
        if VERSION.match(token) and not DATE.match(token):
            return "-".join(words)
    return "-".join(words)


def key(model_id: str) -> str:
    """The stem as compared: lower case, versions split from words, the organisation's own words
    dropped from the front (unless nothing would be left)."""
    organisation, _, name = model_id.rpartition("/")
    words = [part for token in stem(name).lower().split("-")
             for part in VERSION.sub(lambda m: f"{m[1]}-{m[2]}" if m[1] else m[2], token)
             .split("-") if part]
    own = set(re.split(r"[-_.]", organisation.lower()))
    start = 0
    while start < len(words) - 1 and words[start] in own:
        start += 1
    return "-".join(words[start:])


@dataclass(frozen=True)
class Assignment:
    model_id: str
    family: str
    release: str
    discovered: bool  # no configured release has the model's stem


def assign(models: Iterable[tuple[str, str, datetime | None]], roots: Roots) -> list[Assignment]:
    """A release for each (model_id, family, created_at) of an organisation that no configured
    release lists: the configured release of its family whose listed models share its key, else
    the discovered release of its key, named by the stem of the key's earliest model."""
    models = sorted(models, key=lambda m: (m[2] is None, m[2] or datetime.min, m[0]))
    by_key: dict[tuple[str, str], str] = {}  # (family, key) -> configured release
    by_name = {(r.family, r.name.lower()): r.name for r in roots.releases}
    for release in sorted(roots.releases, key=lambda r: (r.released, r.name)):
        for model in release.models:
            by_key.setdefault((release.family, key(model)), release.name)
    named: dict[tuple[str, str], str] = {}
    out = []
    for model_id, family, _ in models:
        group = (family, key(model_id))
        name = named.setdefault(group, stem(model_id))
        release = by_key.get(group) or by_name.get((family, name.lower()))
        out.append(Assignment(model_id, family, release or name, release is None))
    return out


def effective(conn: duckdb.DuckDBPyConnection) -> tuple[Roots, dict[str, str]]:
    """The roots the analysis on `conn` works with, as a roots config one can adopt: the
    configured families and releases (each release's models, plus the organisation roots its
    stem brought to it), then the discovered releases with their roots. The notes say, by
    release name or model id, what was discovered and which configured roots were not found."""
    lineage.prepare(conn)
    families = dict(conn.execute(
        "SELECT family, label FROM lineage_families ORDER BY position").fetchall())
    organisations = dict(conn.execute(
        "SELECT organisation, family FROM lineage_organisations").fetchall())
    rows = conn.execute("""
        WITH configured AS (
            SELECT family, release, min(released) AS released, min(license) AS license,
                   min(naming_prefix) AS naming_prefix, min(position) AS position,
                   list(model_id ORDER BY position) AS models
            FROM lineage_releases GROUP BY family, release
        ),
        joined AS (  -- organisation roots a configured release's stem brought to it
            SELECT family, release, list(model_id ORDER BY model_id) AS models
            FROM family_roots WHERE NOT listed AND NOT discovered GROUP BY ALL
        ),
        found AS (
            SELECT d.family, d.release, d.released, coalesce(d.license, '') AS license,
                   list(r.model_id ORDER BY r.model_id) AS models
            FROM lineage_release_dates d JOIN family_roots r USING (family, release)
            WHERE d.discovered GROUP BY ALL
        )
        SELECT c.family, c.release, c.released, c.license, c.naming_prefix,
               c.models || coalesce(j.models, []), coalesce(j.models, []), false, c.position
        FROM configured c LEFT JOIN joined j USING (family, release)
        UNION ALL
        SELECT family, release, released, license, NULL, models, [], true, NULL FROM found
        ORDER BY position NULLS LAST, released, release
    """).fetchall()
    notes = {}
    for _, name, released, _, _, models, added, discovered, _ in rows:
        for model in added:
            notes[model] = "discovered: an organisation model no release lists"
        if discovered:
            roots = f"{len(models)} root{'s' if len(models) > 1 else ''}"
            notes[name] = f"discovered: {roots} of an organisation, the first created {released}"
    for (model,) in conn.execute("SELECT model_id FROM roots_not_found "
                                 "WHERE kind = 'release model'").fetchall():
        notes[model] = "not found in this crawl"
    releases = tuple(Release(f, n, d, lic or "", tuple(models), p)
                     for f, n, d, lic, p, models, *_ in rows)
    return Roots(families, organisations, releases), notes


HEADER = """The effective roots of {db}: {source}, with the releases discovered
from the organisations' models (marked 'discovered') and the roots their stems bring to
configured releases. Adopt it: hf-lineage crawl --roots FILE (or analyse with --roots FILE).
"""


def effective_file(conn: duckdb.DuckDBPyConnection, db: str) -> str:
    """`effective` as the text of a roots file, its header naming the database `db` and where
    its configured roots came from."""
    config, notes = effective(conn)
    source = conn.execute("SELECT value FROM lineage_config WHERE key = 'roots_source'"
                          ).fetchall()[0][0]
    return dump_roots(config, HEADER.format(db=db, source=source), notes)
