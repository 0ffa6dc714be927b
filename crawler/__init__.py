"""The crawler: Hugging Face Hub model metadata into DuckDB.

Rooms, each owning one thing:
    http/      the only code that talks to the Hub: `HubClient` (huggingface_hub's session and
               errors, retries, the per-bucket rate-limit budget)
    store/     the only code that writes the database: the file and its lock, migrations,
               `meta` state and checkpoints, and every SQL statement of a crawl (`ingest` turns
               the Hub's JSON into rows)
    modes/     the three crawls (family, full, incremental): which listings to page through
    lineage/   lineage logic beyond what `base_model` states
    cards.py   fetching and parsing README.md cards
    crawl.py   one run: lock, resume, mode, cards, the run's record (`crawl()`)
    roots.py   the families, organisations and root releases (`roots.toml`)
"""
