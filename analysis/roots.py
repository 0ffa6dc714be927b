"""Which roots config an analysis follows: the one the crawl stored, unless the user says otherwise.

A crawl stores the TOML of its roots file in the database (`meta` key 'roots'), so analysing the
database later gives the families it was crawled for, whatever the shipped crawler/roots.toml says
by then. `--roots FILE` (or a Roots object from Python) overrides it; a database crawled before
roots were stored falls back to the shipped file. Either departure from the crawl's own roots is
said in one line, since every figure depends on the roots.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from crawler.roots import DEFAULT_ROOTS, ROOTS_KEY, Roots, load_roots, stored_roots


@dataclass(frozen=True)
class RootsChoice:
    roots: Roots
    note: str | None  # what to tell the user; None when the analysis follows the crawl's roots
    fallback: bool = False  # the database stores no roots: the shipped file stands in


def _read_meta(conn: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A `meta` value, or None (also for a database without a meta table)."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def choose(conn: duckdb.DuckDBPyConnection, override: Roots | str | Path | None = None
           ) -> RootsChoice:
    """The roots to analyse the crawl on `conn` with: `override` (a Roots, or a roots file),
    else those the crawl stored, else the shipped roots.toml."""
    stored = stored_roots(lambda key: _read_meta(conn, key))
    if isinstance(override, Roots):
        return RootsChoice(override, None)
    if override is not None:
        roots = load_roots(override)
        crawled = ("the database was crawled with the same roots"
                   if stored is not None and stored.text == roots.text
                   else "instead of the roots the database was crawled with"
                   if stored is not None else "the database stores none")
        return RootsChoice(roots, f"roots: {override} (--roots), {crawled}")
    if stored is not None:
        return RootsChoice(stored, None)
    return RootsChoice(load_roots(), f"roots: {DEFAULT_ROOTS} (the shipped file: the database "
                       f"stores no '{ROOTS_KEY}', it was crawled before roots were stored)",
                       fallback=True)
