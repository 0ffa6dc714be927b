"""The timeline's events: the shipped list beside the roots, and a user's own file.

Releases are events too, but they come from the roots config (the `lineage_releases` table), so
nothing here repeats them: `lineage.install` puts the shipped events (crawler/events.toml) in the
TEMP table `lineage_events` and the view `timeline_events` adds every release; `add` appends a
user's file (`hf-lineage timeline --events FILE`) after checking every entry.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from crawler.roots import DEFAULT_ROOTS
from hf_lineage.errors import ConfigError

DEFAULT_EVENTS = DEFAULT_ROOTS.with_name("events.toml")
FIELDS = ("name", "date", "family", "note")


class EventsError(ConfigError):
    """An events file that cannot be used; the message names the file and the bad entry."""


@dataclass(frozen=True)
class Event:
    name: str
    date: date
    family: str | None  # None: the event concerns every family
    note: str = ""

    def row(self) -> tuple:
        return self.name, self.date, self.family, self.note


def _entry(raw: object, where: str, families: set[str]) -> Event:
    """One [[events]] table as an Event; anything malformed is an EventsError naming `where`."""
    if not isinstance(raw, dict):
        raise EventsError(f"{where}: an event is a table (name, date[, family, note])")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise EventsError(f"{where}: name must be a non-empty string")
    where = f"{where} ({name.strip()!r})"
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise EventsError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(FIELDS)})")
    when = raw.get("date")
    if isinstance(when, str):
        try:
            when = date.fromisoformat(when.strip())
        except ValueError:
            raise EventsError(f"{where}: date {when!r} is not a date (YYYY-MM-DD)") from None
    if type(when) is not date:  # a TOML datetime is a date subclass: refuse it too
        raise EventsError(f"{where}: date must be a date such as 2023-03-13, not {when!r}")
    family = raw.get("family")
    if family is not None and family not in families:
        raise EventsError(f"{where}: unknown family {family!r} "
                          f"(the roots config has: {', '.join(sorted(families)) or 'none'})")
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise EventsError(f"{where}: note must be a string")
    return Event(name.strip(), when, family, note.strip())


def read_events(path: str | Path, families: set[str], strict: bool = True) -> list[Event]:
    """The events of a TOML file (`[[events]]` tables). With strict=False an event of a family the
    roots config lacks is left out instead of refused (the shipped list names LLaMA and DeepSeek
    events, which mean nothing under a config without those families)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EventsError(f"cannot read events file {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EventsError(f"events file {path} is not valid TOML: {exc}") from exc
    entries = raw.get("events")
    if not isinstance(entries, list):
        raise EventsError(f"events file {path}: no [[events]] tables")
    named = {e.get("family") for e in entries if isinstance(e, dict)}
    known = families if strict else families | {f for f in named if isinstance(f, str)}
    events = [_entry(e, f"events file {path}: entry {k}", known)
              for k, e in enumerate(entries, start=1)]
    return [e for e in events if e.family is None or e.family in families]


def _check_names(events: list[Event], taken: dict[str, str], source: str) -> None:
    """Event names are keys (charts, --release): refuse one already used, naming both."""
    for event in events:
        if event.name in taken:
            raise EventsError(f"{source}: event {event.name!r} is already {taken[event.name]}")
        taken[event.name] = f"an event of {source}"


def _taken(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Names of the configured releases and the events so far. Not the discovered releases:
    finding them takes the whole family closure, too dear for every install."""
    rows = conn.execute("SELECT DISTINCT release, 'release' FROM lineage_releases "
                        "UNION ALL SELECT name, 'event' FROM lineage_events").fetchall()
    return {name: "a release of the roots config" if kind == "release" else "a listed event"
            for name, kind in rows}


def create_table(conn: duckdb.DuckDBPyConnection) -> None:
    """The empty `lineage_events` table (before lineage.sql, whose timeline_events reads it)."""
    conn.execute("CREATE OR REPLACE TEMP TABLE lineage_events "
                 "(name VARCHAR, date DATE, family VARCHAR, note VARCHAR)")


def add(conn: duckdb.DuckDBPyConnection, path: str | Path, strict: bool = True) -> list[Event]:
    """Check a user's events file against the connection's families and the names in use, then
    add its events to `lineage_events`; returns them."""
    families = {row[0] for row in conn.execute("SELECT family FROM lineage_families").fetchall()}
    events = read_events(path, families, strict)
    _check_names(events, _taken(conn), f"events file {path}")
    if events:
        conn.executemany("INSERT INTO lineage_events VALUES (?, ?, ?, ?)",
                         [e.row() for e in events])
    return events
