"""The three crawl modes, each a `Mode` whose `run()` lists models into the database.

`MODES` is the dispatch table the crawl uses: a new mode is a class here, nothing else.
"""

from crawler.modes.base import CrawlOptions, Mode
from crawler.modes.family import FamilyCrawl
from crawler.modes.full import FullCrawl
from crawler.modes.incremental import IncrementalCrawl

MODES: dict[str, type[Mode]] = {
    "family": FamilyCrawl,
    "full": FullCrawl,
    "incremental": IncrementalCrawl,
}

__all__ = ["MODES", "CrawlOptions", "Mode"]
