"""Model cards: which need fetching, fetching them concurrently, parsing them safely.

A card is fetched only when the repo's sha differs from the sha the stored card was read at, so
scheduled crawls refetch only what changed. Parsing uses huggingface_hub's `ModelCard`; a card
that does not parse is stored with its error and the crawl goes on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd
from huggingface_hub import ModelCard
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
)

from crawler.errors import HubUnavailable
from crawler.hub import HubClient
from crawler.storage import Database, utcnow

YAML_BLOCK = re.compile(r"\A\s*---\s*\n(.*?)\n---\s*(\n|\Z)", re.DOTALL)
ALIAS = re.compile(r"(?<![\w*])\*[A-Za-z0-9_-]+")
MAX_ALIASES = 100  # YAML alias bombs expand exponentially once serialised
MAX_METADATA_BYTES = 1 << 20
# What the Hub accepts as a repo id; anything else (HTML, quotes, `..`, extra slashes) is data
# to store, never a path to request.
VALID_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)?$")

PENDING_SQL = """
SELECT m.id, m.sha FROM models m LEFT JOIN cards c ON c.model_id = m.id
WHERE NOT m.gone AND m.sha IS NOT NULL AND (c.model_id IS NULL OR c.sha IS DISTINCT FROM m.sha)
ORDER BY m.id
"""


@dataclass
class ParsedCard:
    metadata: str | None  # JSON
    body: str
    error: str | None


def parse_card(text: str) -> ParsedCard:
    """Split and parse a README: YAML header through ModelCard, Markdown body kept as text."""
    text = text.replace("\x00", "\ufffd")
    match = YAML_BLOCK.match(text)
    body = text[match.end():] if match else text
    if match is None:
        return ParsedCard(None, body, None)
    if len(ALIAS.findall(match.group(1))) > MAX_ALIASES:
        return ParsedCard(None, body, f"YAML header refused: more than {MAX_ALIASES} aliases")
    try:
        data = ModelCard(text, ignore_metadata_errors=True).data.to_dict()
        metadata = json.dumps(data, default=str)
    except Exception as exc:  # noqa: BLE001 - any parser failure is data, not a crash
        return ParsedCard(None, body, f"{type(exc).__name__}: {exc}"[:500])
    if len(metadata) > MAX_METADATA_BYTES:
        return ParsedCard(None, body, "YAML header refused: larger than 1 MiB once parsed")
    return ParsedCard(metadata, body, None)


def _fetch_one(client: HubClient, model_id: str, sha: str) -> dict:
    row = {"model_id": model_id, "sha": sha, "fetched_at": utcnow(), "metadata": None,
           "body": None, "size_bytes": None, "truncated": False, "parse_error": None,
           "fetch_error": None}
    if not VALID_REPO_ID.match(model_id) or ".." in model_id:
        row["fetch_error"] = "invalid repo id: not requested"
        return row
    try:
        card = client.fetch_card(model_id, sha)
    except GatedRepoError:
        row["fetch_error"] = "gated"
    except RepositoryNotFoundError:
        row["fetch_error"] = "not found"
    except EntryNotFoundError:
        row["fetch_error"] = "no README.md"
    except (HfHubHTTPError, HubUnavailable) as exc:
        row["fetch_error"] = f"failed: {exc}"[:500]
        row["sha"] = None  # not final: retried by the next crawl
    else:
        parsed = parse_card(card.text)
        row.update(metadata=parsed.metadata, body=parsed.body, size_bytes=card.size_bytes,
                   truncated=card.truncated, parse_error=parsed.error)
    return row


def store_cards(db: Database, rows: list[dict]) -> None:
    frame = pd.DataFrame(rows, columns=list(rows[0]))
    with db.transaction() as tx:
        tx.register("fetched", frame)
        tx.execute("INSERT OR REPLACE INTO cards SELECT model_id, sha, fetched_at, "
                   "CAST(metadata AS JSON), body, size_bytes, truncated, parse_error, "
                   "fetch_error FROM fetched")
        tx.unregister("fetched")


def fetch_cards(
    db: Database,
    client: HubClient,
    workers: int = 16,
    batch: int = 200,
    on_card: Callable[[dict], None] | None = None,
) -> int:
    """Fetch every pending card; writes in batches, so a killed crawl keeps what it fetched."""
    pending: list[tuple[str, str]] = db.conn.execute(PENDING_SQL).fetchall()
    db.release(force=False)
    done = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(pending), batch):
            chunk = pending[start:start + batch]
            rows = list(pool.map(lambda item: _fetch_one(client, *item), chunk))
            store_cards(db, rows)
            db.release()
            done += len(rows)
            if on_card:
                for row in rows:
                    on_card(row)
    return done
