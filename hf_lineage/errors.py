"""The one error tree of hf-lineage: everything the crawler and the analysis raise on purpose.

Each class carries the exit code the command line ends with, so a scheduled crawl can tell "the
Hub is down, try later" from "another crawl is running" from "the roots file is wrong" without
parsing messages. The messages are meant for the user: one line, saying what to do.
`hf_lineage.cli` maps these to exit codes in one place; anything else is a bug and keeps its
traceback (shown with `-v`).

The exit codes are EXIT_CODES, the one table README.md and `hf-lineage --help` print
(tests/test_exit_codes.py provokes each and checks the README against it). A command never ends
with 1: that is Python's own code when hf-lineage cannot start at all.
"""

from __future__ import annotations

import errno
import re

import duckdb

EXIT_INTERNAL = 70  # a bug: the traceback is shown with -v
EXIT_CODES = {
    0: "done",
    2: "usage or configuration: a bad option, roots or events file, an incremental crawl of "
       "an empty database",
    3: "the Hub kept failing or answered nonsense (run again later: the crawl resumes)",
    4: "the database is busy: another crawl runs on it, or another process held it past "
       "the wait",
    5: "a database or file cannot be read or written: missing, damaged, not an hf-lineage "
       "database, a read-only folder, a full disk",
    6: "analysis: an unknown model or release, a refused or bad query, a database with no "
       "models to report on",
    EXIT_INTERNAL: "internal error (please report it, with -v)",
    130: "interrupted (run again to resume)",
}


class HfLineageError(Exception):
    """A problem to show the user as one line; `exit_code` is what the command exits with.
    Raise a subclass: each names its code; the base's own is the internal error's."""

    exit_code = EXIT_INTERNAL


class ConfigError(HfLineageError):
    """A roots or events file, an option, or a mode that does not fit this database."""

    exit_code = 2


class HubError(HfLineageError):
    """The Hub failed or answered what it should not; the crawl's checkpoint is kept."""

    exit_code = 3


class HubUnavailable(HubError):
    """The Hub kept failing past every retry (the checkpoint is kept for a resume)."""


class HubAnswerInvalid(HubError):
    """An answer that is not what the Hub's API sends (a listing page that is not a list …)."""


class StorageError(HfLineageError):
    """The database or an output file cannot be opened, read or written."""

    exit_code = 5


class DatabaseBusy(StorageError):
    """Another process holds the database: a crawl, or a reader past the retry window."""

    exit_code = 4


class CrawlLocked(DatabaseBusy):
    """Another crawl holds this database's crawl lock."""


class AnalysisError(HfLineageError):
    """An analysis request that cannot be answered: unknown model, refused or bad query."""

    exit_code = 6


class Interrupted(HfLineageError):
    """Stopped by the user (Ctrl-C); what was done is kept."""

    exit_code = 130  # 128 + SIGINT



def one_line(exc: BaseException) -> str:
    """The first line of an error message (DuckDB appends the query and a caret below it)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def storage_failure(exc: BaseException) -> bool:
    """Whether a DuckDB error (also one DuckDB raised through Arrow, as text) is the file failing:
    an I/O error (a truncated file, a full disk) or a corrupt block, not the query."""
    return str(exc).lstrip().startswith(("IO Error", "Corrupt database file"))


_COULD_NOT = re.compile(r'Could not (?:write|fsync|truncate|create|open|sync)[^"]*"([^"]+)"'
                        r'(?:: (.+))?')
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO)


def write_failure(exc: BaseException) -> tuple[str | None, str] | None:
    """(the file, why) when `exc` says a file could not be written: a full disk or quota, a
    file over its size limit, a read-only or failing device; as DuckDB reports it (its write
    errors, also wrapped in a failed commit, and the invalidation that follows one), or as
    an OSError. None for anything else."""
    if isinstance(exc, OSError):
        return (exc.filename, exc.strerror or str(exc)) if exc.errno in _FULL else None
    if not isinstance(exc, duckdb.Error):
        return None
    text = str(exc)
    match = _COULD_NOT.search(text)
    if match:
        return match[1], match[2].strip() if match[2] else one_line(exc)
    if "database has been invalidated" in text or storage_failure(exc):
        return None, one_line(exc)
    return None


def interrupted(exc: BaseException) -> bool:
    """Whether a DuckDB call reported Ctrl-C: its InterruptException, or the RuntimeError
    DuckDB's Python client raises when a signal arrives while execute() waits for a query."""
    return isinstance(exc, duckdb.InterruptException) or (
        type(exc) is RuntimeError and str(exc) == "Query interrupted")
