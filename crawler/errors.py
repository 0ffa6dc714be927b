"""The crawler's one error hierarchy: everything it raises on purpose is a CrawlError."""


class CrawlError(Exception):
    """A crawl could not do what was asked; the message is meant for the user."""


class CrawlLocked(CrawlError):
    """Another crawl holds this database."""


class DatabaseBusy(CrawlError):
    """The database file stayed locked by another process past the retry window."""


class HubUnavailable(CrawlError):
    """The Hub kept failing past every retry (the checkpoint is kept for a resume)."""


class ConfigError(CrawlError):
    """A roots file or an option is malformed."""
