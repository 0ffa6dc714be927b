"""The Hub double: a local HTTP server speaking the part of the Hub API the crawler uses.

Tests, the demo and the benchmarks point the real huggingface_hub client at it (`HF_ENDPOINT`).
    server.py     HTTP on 127.0.0.1: the Hub's paths, headers, error codes, faults, quotas
    api.py        the API's answers (listings with cursors and filters, model info, README)
    faults.py     injected misbehaviour: status bursts, 429s, drops, truncation, slowness, quotas
    store.py      the served models in DuckDB (millions fit), with the generator's ground truth
    generator/    a seeded synthetic Hub modelled on the real one, with ground truth
    samples.py    the real captured family trees from ../shared, served as a Hub
    crawled.py    a store written as a full crawl stores it, without HTTP (analysis tests)
"""
