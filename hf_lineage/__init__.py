"""The `hf-lineage` command and what every room shares.

    cli.py       the command line: thin commands over library calls, errors mapped once
    errors.py    the one error tree (HfLineageError and its exit codes), raised by every room
    interrupt.py Ctrl-C that stops a DuckDB query at once (crawls and analysis commands)
    progress.py  rich progress bars for a crawl
    demo.py      the embedded default job: a generated Hub served locally, crawled, reported
"""
