-- Version 8: where each run's data came from, so no report of a stand-in passes for the real Hub:
-- the endpoint the run crawled (https://huggingface.co, or the Hub double's local address), and
-- what that endpoint said it is when it is a stand-in for the Hub (its X-Hub-Double header, e.g.
-- 'a generated Hub (synthetic), seed 0, 20,000 models'); NULL from the real Hub, which never sends
-- it, and for runs recorded before this version.

ALTER TABLE crawl_runs ADD COLUMN endpoint VARCHAR;
ALTER TABLE crawl_runs ADD COLUMN stand_in VARCHAR;
