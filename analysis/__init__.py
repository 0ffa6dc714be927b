"""Lineage analysis of a crawl: DuckDB views and macros, metrics as DataFrames, reports.

Modules, each with one job:
    db          open a crawl read-only, with the lineage views installed (`connect`),
                sandboxed for SQL hf-lineage did not write
    roots       which roots config an analysis follows: the crawl's own, an override, the shipped
    releases    releases discovered from organisation model names; the effective roots
    lineage     install lineage.sql, cache the family closure, report graph defects
    groups      the two levels (family, release) every metric is computed at; discovered flags
    metrics     sizes, depth, relations, formats, downloads, growth, milestones, bridges
    licenses    declared licenses, parent-to-child drift, the license naming rules
    events      the timeline's events: shipped list, releases, a user's file, checked
    timeline    derivatives per day/week, curves aligned on release day, event windows
    snapshots   downloads over time from the snapshots every crawl adds
    anatomy     the crawl's lineage statistics beside the published Anatomy figures
    openness    a per-model openness score after MOF / OSI OSAID components
    tree        a model's family tree for the terminal
    adhoc       read-only ad hoc SQL for `hf-lineage sql`, streamed in each format
    outputs     output files that never overwrite a database
    charts      the report's matplotlib charts as inline SVG
    report      the HTML report and the Markdown summary
    export      Hive-partitioned Parquet
    export_folder  the folder an export owns (a marker), so it deletes only what it wrote
    screenshot  headless Chromium screenshots of the report
"""
