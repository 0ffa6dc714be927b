"""What a Hub double says it is, on every answer (the `X-Hub-Double` header the crawler records
with each run, crawler.http.client.STAND_IN_HEADER): whoever reads a crawl of it, in a report,
a notebook or a chart's footer, learns it is not the real Hub, and which stand-in it was."""

from __future__ import annotations

SAMPLES = ("real family trees captured from the Hub in 2025 (hub_double.samples), replayed by "
           "the Hub double")
HAND_BUILT = "a hand-built Hub (synthetic rows written by a test or by hand)"


def generated(seed: int, n_models: int) -> str:
    """A Hub of the generator (hub_double.generator): synthetic, reproducible from its seed."""
    return f"a generated Hub (synthetic), seed {seed}, {n_models:,} models"
