"""The two levels every metric is reported at: per family and per root release.

Metrics interpolate only these fixed fragments into SQL; user-supplied values are parameters.
Releases are the configured ones and those discovered from organisation model names
(analysis.releases); every frame with a release column says which, in a `discovered` column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import duckdb

from analysis import lineage
from hf_lineage.errors import AnalysisError

if TYPE_CHECKING:
    import pandas as pd

Level = Literal["family", "release"]
Conn = duckdb.DuckDBPyConnection


@dataclass(frozen=True)
class Grouping:
    view: str  # membership view: model_id, keys..., depth (0 for the group's roots)
    keys: str  # comma-separated key columns
    starts: str  # query giving keys..., started (the date the group began)
    order: str  # ORDER BY for presenting groups

    @property
    def columns(self) -> list[str]:
        return [k.strip() for k in self.keys.split(",")]

    def same(self, left: str, right: str) -> str:
        """SQL: the two aliases belong to the same group."""
        return " AND ".join(f"{left}.{k} = {right}.{k}" for k in self.columns)


LEVELS: dict[str, Grouping] = {
    "family": Grouping(
        view="family_membership",
        keys="family",
        starts="SELECT family, min(released) AS started FROM lineage_release_dates GROUP BY family",
        order="family",
    ),
    "release": Grouping(
        view="release_membership",
        keys="family, release",
        starts="SELECT family, release, released AS started FROM lineage_release_dates",
        order="family, started NULLS LAST, release",
    ),
}


def grouping(level: Level) -> Grouping:
    """The SQL fragments of a level; an unknown level is refused, never interpolated."""
    try:
        return LEVELS[level]
    except KeyError:
        raise AnalysisError(f"level must be one of {sorted(LEVELS)}, not {level!r}") from None


def query(conn: Conn, sql: str, params: list | dict | None = None) -> pd.DataFrame:
    """Run one analysis query on a prepared connection (closure cached, see lineage.prepare);
    a frame with a release column gets the release's `discovered` flag beside it."""
    lineage.prepare(conn)
    return mark_discovered(conn, conn.execute(sql, params or []).df())


def mark_discovered(conn: Conn, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with a `discovered` column after its `release` column (matched on family too
    when the frame has one), unless it has no release column or already says."""
    if "release" not in frame.columns or "discovered" in frame.columns:
        return frame
    rows = conn.execute("SELECT family, release, discovered FROM lineage_release_dates"
                        ).fetchall()
    if "family" in frame.columns:
        flags = {(f, r): d for f, r, d in rows}
        keys = zip(frame["family"], frame["release"], strict=True)
    else:
        flags = {r: d for _, r, d in rows}
        keys = iter(frame["release"])
    frame.insert(frame.columns.get_loc("release") + 1, "discovered",
                 [bool(flags.get(k, False)) for k in keys])
    return frame
