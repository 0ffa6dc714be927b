-- Version 4: the rate-limit budget each bucket was paced at, and why (the Hub's stated policy,
-- the user's --api-budget / --resolver-budget, or the published limit the Hub did not replace),
-- e.g. {"api": {"requests": 2500, "window_s": 300, "source": "the Hub's RateLimit-Policy: ..."}}.

ALTER TABLE crawl_runs ADD COLUMN budgets JSON;
