"""The ecosystem report: a self-contained HTML page with inline SVG charts, and a Markdown summary.

Every metric is computed once (`collect`) and both documents are rendered from the same frames.
Everything that comes from the crawl (model names, licenses, card text) is HTML-escaped, its
control, escape and bidi characters shown as escapes (hf_lineage.printable), and the page forbids
scripts outright (Content-Security-Policy), so a hostile model name stays text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis import (
    anatomy,
    charts,
    edges,
    inferred,
    licenses,
    lineage,
    metrics,
    openness,
    snapshots,
    timeline,
)
from analysis.groups import query
from analysis.outputs import database_files, write_text
from analysis.source import Source, describe
from hf_lineage.errors import AnalysisError
from hf_lineage.printable import printable

TOP_N = 10


@dataclass
class ReportData:
    """Every frame the report shows, computed once."""

    source: str
    generated: str
    totals: dict[str, int]
    labels: dict[str, str]
    origin: Source  # where the data came from: named in the header and in every chart
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    comparison: inferred.Comparison | None = None  # None: the database holds no inferred edge
    min_confidence: float | None = None  # the edge set of the main figures (analysis.edges)


def collect(conn: duckdb.DuckDBPyConnection, source: str = "") -> ReportData:
    """Compute every metric of the report on a connection (read-only is enough); a database
    without models has nothing to report and raises."""
    models = conn.execute("SELECT count(*) FROM models").fetchall()[0][0]
    if not models:
        raise AnalysisError(f"{source or 'the database'} holds no models: nothing to report "
                            "(crawl first, or check --db)")
    lineage.prepare(conn)
    totals = dict(zip(
        ["models", "edges", "cards", "inferred_edges"],
        conn.execute("SELECT (SELECT count(*) FROM models), (SELECT count(*) FROM edges), "
                     "(SELECT count(*) FROM cards), "
                     "(SELECT count(*) FROM lineage_edges WHERE NOT documented)").fetchall()[0],
        strict=True))
    labels = dict(conn.execute("SELECT family, label FROM lineage_families ORDER BY position"
                               ).fetchall())
    labels[charts.BRIDGE] = "Bridges"
    issues = lineage.issues(conn)
    f: dict[str, pd.DataFrame] = {
        "sizes_family": metrics.sizes(conn, "family"),
        "sizes_release": metrics.sizes(conn, "release"),
        "not_found": query(conn, "SELECT * FROM roots_not_found ORDER BY family, kind, model_id"),
        "depth": metrics.depth_distribution(conn, "family"),
        "relations_family": metrics.relation_shares(conn, "family"),
        "relations_release": metrics.relation_shares(conn, "release"),
        "formats": metrics.quantization_formats(conn, "family"),
        "downloads_family": metrics.downloads(conn, "family"),
        "downloads_release": metrics.downloads(conn, "release"),
        "top": metrics.top_derivatives(conn, "family", TOP_N),
        "growth_family": metrics.growth(conn, "family"),
        "growth_release": metrics.growth(conn, "release"),
        "milestones": metrics.milestones(conn, "release"),
        "bridges": metrics.bridges(conn),
        "declared": licenses.declared_licenses(conn, "family"),
        "flows": licenses.flows(conn, "family"),
        "flows_release": licenses.flows(conn, "release"),
        "naming": licenses.naming_rule_summary(conn),
        "openness": openness.summary(conn, "family"),
        "osaid": openness.osaid_reasons(conn, "family"),
        "weekly": timeline.new_derivatives(conn, "family", "week"),
        "events": timeline.events(conn),
        "aligned": timeline.aligned(conn, days=max(timeline.WINDOWS)),
        "windows": timeline.windows_table(timeline.windows(conn)),
        "snapshots_family": snapshots.series(conn, "family"),
        "snapshots_release": snapshots.series(conn, "release"),
        "anatomy": anatomy.anatomy(conn),
        "issues": issues.groupby("kind", as_index=False).agg(
            models=("model_id", "nunique"), example=("model_id", "first")),
    }
    f["drift_family"] = licenses.summarize_drift(f["flows"], "family")
    f["drift_release"] = licenses.summarize_drift(f["flows_release"], "release")
    f["comparison"] = licenses.compare_families(f["declared"], f["drift_family"]).rename(
        columns=labels)
    f["drift_by_release"] = (
        f["drift_release"].pivot_table(index=["family", "release", "discovered"],
                                       columns="drift", values="share", sort=False,
                                       fill_value=0.0)
        .reindex(columns=[k for k in licenses.DRIFT_KINDS if k in set(f["drift_release"].drift)])
        .rename_axis(columns=None).reset_index()
    )
    f["aligned_summary"] = timeline.aligned_summary(f["aligned"])
    notes = {"snapshots": snapshots.span(conn), "crawl_scope": anatomy.crawl_scope(conn),
             "naming": " ".join(licenses.naming_notes(conn)),
             "roots": conn.execute("SELECT value FROM lineage_config WHERE key = 'roots_source'"
                                   ).fetchall()[0][0],
             "edges": edges.describe(edges.current(conn))}
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    # last: it computes the other edge set's closure, and switches back
    return ReportData(source, generated, totals, labels, describe(conn), f, notes,
                      inferred.compare(conn), edges.current(conn))


# -- HTML ---------------------------------------------------------------------------------------

SHARE_COLUMNS = {"share", "top10_share", "compliance", "mean_score", "osaid_fails",
                 "inferred_share", "share_documented", "share_with_inferred",
                 *openness.COMPONENTS, *licenses.DRIFT_KINDS}


def title(labels: dict[str, str]) -> str:
    """The report's title from the families of the roots config, in its order."""
    names = [label for family, label in labels.items() if family != charts.BRIDGE]
    if not names:
        return "Derivative ecosystems"
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{listed} derivative ecosystems"


def _percentages(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`columns` of `frame` as percentage text (for tables whose columns are families)."""
    return frame.assign(**{c: frame[c].map(lambda v: f"{100 * v:.1f}%") for c in columns
                           if c in frame.columns})


NOT_FOUND_NOTE = (
    "Roots the roots config names that this crawl does not hold: models a release lists that "
    "are not in the crawl, and organisations none of whose models is. They are counted nowhere "
    "in this report: neither as models nor through descendants."
)
DISCOVERED_NOTE = (
    "A release marked discovered is not in the roots config: models of a family's organisation "
    "that no configured release lists are grouped by their name's stem and version "
    "(DeepSeek-V4-Flash and DeepSeek-V4-Pro make DeepSeek-V4), dated by the first one's "
    "creation and licensed as most of them are. `hf-lineage roots` prints them as a roots file "
    "to adopt; the rule is in docs/schema.md."
)

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1180px; color: #222; }
h1 { margin-bottom: 0; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: 12.5px; }
th, td { padding: 3px 9px; border-bottom: 1px solid #eee; text-align: right; }
th { background: #f4f6f8; } td.text, th:first-child { text-align: left; }
.note { color: #555; font-size: 12.5px; max-width: 60rem; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { background: #f4f6f8; padding: .6rem 1rem; border-radius: 6px; }
.card b { display: block; font-size: 20px; }
p.edges { font-weight: 600; }
p.origin { font-weight: 600; border-left: 4px solid #3b6fb6; padding: .3rem .7rem; }
p.origin.stand-in { color: #b00020; border-color: #b00020; background: #fdecee; }
"""


def _escape(text: object) -> str:
    """Text from the crawl or the roots config for HTML (and, through _cell, Markdown): escapes
    and invisible characters shown (hf_lineage.printable), then HTML-escaped."""
    return html.escape(printable(text))


def _cell(value: object, column: str) -> str:
    """A value as escaped text: shares as percentages, counts with separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA \
            or value is pd.NaT:
        return "–"
    if isinstance(value, list | tuple | np.ndarray):
        value = ", ".join(map(str, list(value)))
    elif column in SHARE_COLUMNS and isinstance(value, int | float) and not isinstance(value, bool):
        value = f"{100 * value:.1f}%"
    elif isinstance(value, float):
        value = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    elif isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:,}"
    elif isinstance(value, pd.Timestamp):
        value = value.date().isoformat()
    return _escape(str(value))


def html_table(frame: pd.DataFrame, labels: dict[str, str] | None = None) -> str:
    """An escaped HTML table; family keys shown by their labels."""
    labels = labels or {}
    head = "".join(f"<th>{_escape(str(c).replace('_', ' '))}</th>" for c in frame.columns)
    rows = []
    for record in frame.astype(object).itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            shown = labels.get(value, value) if column == "family" else value
            kind = "num" if isinstance(shown, int | float) else "text"
            cells.append(f"<td class='{kind}'>{_cell(shown, column)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure(data: pd.DataFrame, draw: Callable[[], str], caption: str) -> str:
    """The chart `draw` makes of `data`, captioned; a note instead when there is no data."""
    if data.empty:
        return "<p class='note'>No data for this chart.</p>"
    return f"<figure>{draw()}<figcaption class='note'>{_escape(caption)}</figcaption></figure>"


def render_html(data: ReportData) -> str:
    """The report page: inline CSS and SVG only, nothing fetched, no script allowed."""
    f, labels = data.frames, data.labels

    def t(name: str) -> str:
        return html_table(f[name], labels)

    sizes = f["sizes_family"]
    cards = "".join(
        f"<div class='card'>{_escape(label)}<b>{value:,}</b></div>"
        for label, value in [("models in the crawl", data.totals["models"]),
                             ("lineage edges", data.totals["edges"]),
                             *([("inferred edges used (estimates)",
                                 data.totals["inferred_edges"])]
                               if data.totals["inferred_edges"] else []),
                             *[(f"{labels.get(r.family, r.family)} models", r.models)
                               for r in sizes.itertuples()],
                             ("bridges (in each family they reach)", len(f["bridges"]))]
    )
    top = f["top"].drop(columns=["likes"])
    comparison = _percentages(f["comparison"], list(labels.values()))
    sections = [
        ("Families", f"<div class='cards'>{cards}</div>" + _note(metrics.SIZE_DEFINITION)
         + _edges_note(data) + t("sizes_family")),
        ("Roots not found", _note(NOT_FOUND_NOTE) + (
            t("not_found") if len(f["not_found"]) else _note("Every configured root was found."))),
        ("Documented and inferred lineage", _documented_and_inferred(data)),
        ("Timeline", _timeline(data)),
        ("Growth", _figure(f["growth_family"], lambda: charts.growth(
            f["growth_family"], f["growth_release"], labels, source=data.origin),
            "Derivatives counted by their repository's creation date.")
         + "<h3>Days from release to the 10th, 100th and 1,000th derivative</h3>"
         + t("milestones")),
        ("Root releases", _note(DISCOVERED_NOTE) + t("sizes_release")),
        ("Relations", _figure(f["relations_family"], lambda: charts.relation_shares(
            pd.concat([f["relations_family"], f["relations_release"]]), labels,
            source=data.origin),
            "Each descendant counted once, with its relation to its parents.")
         + "<h3>Quantization formats</h3>" + t("formats")),
        ("Depth", _figure(f["depth"], lambda: charts.depth_distribution(f["depth"], labels,
                                                                 source=data.origin),
                          "Depth is the distance to the family's nearest root.")),
        ("License drift", _figure(f["flows"], lambda: charts.drift_flows(f["flows"], labels,
                                                                      source=data.origin),
                                  "Each parent-to-child edge whose two ends were crawled.")
         + t("drift_family") + "<h3>Declared licenses of derivatives</h3>" + t("declared")
         + "<h3>Families side by side</h3>" + html_table(comparison, labels)
         + "<h3>Naming rules of release licenses</h3>" + _note(NAMING_NOTE)
         + t("naming") + (_note(data.notes["naming"]) if data.notes["naming"] else "")
         + "<h3>Drift per release (share of edges)</h3>" + t("drift_by_release")),
        ("Top derivatives", "<p class='note'>" + _escape(metrics.DOWNLOADS_CAVEAT) + "</p>"
         + _figure(f["top"], lambda: charts.top_derivatives(f["top"], labels, source=data.origin),
                   "Downloads in the last 30 days.")
         + html_table(top, labels)),
        ("Downloads", "<p class='note'>" + _escape(metrics.DOWNLOADS_CAVEAT) + "</p>"
         + t("downloads_family") + t("downloads_release")),
        ("Downloads over time", _downloads_over_time(data)),
        ("Bridges between the families", t_head(f["bridges"], 25, labels)),
        ("Openness", _note(openness.NOTE)
         + html_table(_openness_table(f["openness"], labels))
         + "<h3>Why the OSAID verdict fails or stays undetermined</h3>" + t("osaid")),
        ("Anatomy of the lineages, beside the published figures", _anatomy(data)),
        ("Lineage defects", "<p class='note'>Self-loops are ignored, cycles are cut, parents "
         "never crawled end a lineage; all are listed by analysis.lineage.issues.</p>"
         + t("issues")),
    ]
    body = "".join(f"<h2>{_escape(title)}</h2>{content}" for title, content in sections)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{_escape(title(labels))}</title>"
        f"<style>{CSS}</style></head><body>"
        f"<h1>{_escape(title(labels))}</h1>"
        f"<p class='origin{' stand-in' if data.origin.stand_in else ''}'>"
        f"{_escape(data.origin.line())}</p>"
        f"<p class='note'>{_escape(data.source)} · generated {_escape(data.generated)}"
        f" · families and releases from {_escape(data.notes['roots'])}</p>"
        f"<p class='edges'>Lineage: {_escape(_edges_line(data))}.</p>"
        f"{body}</body></html>"
    )


NAMING_NOTE = (
    "A release whose license sets a naming rule (its naming_prefix in the roots config: a "
    "derivative's name must begin with that prefix) judges each of its derivatives once: a model "
    "descending from several such releases is judged by the most recent of them."
)


def _note(text: str) -> str:
    return f"<p class='note'>{_escape(text)}</p>"


def _edges_line(data: ReportData) -> str:
    """The edge set of the main figures, with the caveat when inferred edges are in."""
    caveat = "" if data.min_confidence is None else f"; {edges.CAVEAT}"
    return data.notes["edges"] + caveat


def _edges_note(data: ReportData) -> str:
    """With inferred edges on, the reminder that a section's figures include them."""
    if data.min_confidence is None:
        return ""
    return f"<p class='edges'>These figures rest on {_escape(_edges_line(data))}.</p>"


def _timeline(data: ReportData) -> str:
    """Weekly derivatives with the events, release-aligned curves, before/after windows."""
    f, labels = data.frames, data.labels
    return (
        _figure(f["weekly"], lambda: charts.timeline(f["weekly"], f["events"], labels,
                                                     source=data.origin),
                "New derivatives per week by repository creation date; each release of the "
                "roots config and each event of crawler/events.toml is a numbered line.")
        + _figure(f["aligned"], lambda: charts.aligned(f["aligned"], source=data.origin),
                  "Derivatives of each release by day since its announcement (day 0).")
        + "<h3>Derivatives by day 7, 30 and 90 after each release</h3>"
        + html_table(f["aligned_summary"], labels)
        + "<h3>Derivatives in the 7, 30 and 90 days before and after each event</h3>"
        + _note("An event tied to a family is counted in that family, one without a family in "
                "every family. Windows that reach past the crawl are incomplete.")
        + html_table(f["windows"], labels)
    )


NO_INFERRED = (
    "This database holds no inferred edges: every figure rests on documented base_model "
    "relations. `hf-lineage crawl --infer` (or `hf-lineage infer`) estimates the undocumented "
    "lineage; docs/inference.md."
)


def inferred_note(comparison: inferred.Comparison) -> str:
    """What the comparison rests on, in one paragraph."""
    a = comparison.available
    return (
        f"The database holds {a.edges:,} inferred edges ({a.resolved:,} to a known repo). At "
        f"confidence >= {a.min_confidence:g}, {a.used:,} of them give parents to {a.children:,} "
        "models that declare none; 'with inferred' figures add them to the documented edges. "
        "Inferred edges are estimates: docs/inference.md gives their measured precision. A "
        "member is documented when documented edges alone lead to it from the family's roots; "
        "the others are counted by the evidence source of their own inferred edge, or as "
        f"'{inferred.BELOW_INFERRED}' (documented themselves, below a model only inferred "
        "edges bring in). Roots and releases are decided on documented edges alone."
    )


def _documented_and_inferred(data: ReportData) -> str:
    """Per family: members documented or brought in by inferred edges, and the key figures
    with and without them; one line when the database holds no inferred edge."""
    c, labels = data.comparison, data.labels
    if c is None:
        return _note(NO_INFERRED)
    f = c.frames
    monthly = f["monthly"][f["monthly"]["new_derivatives"] > 0]
    return (
        _note(inferred_note(c))
        + "<h3>Members per family</h3>" + html_table(c.members, labels)
        + "<h3>Family sizes</h3>" + html_table(f["sizes"], labels)
        + "<h3>New derivatives over time</h3>"
        + _figure(f["weekly"], lambda: charts.timeline(f["weekly"], data.frames["events"],
                                                       labels, source=data.origin),
                  "New derivatives per week with inferred edges on; hatched: those only "
                  "inferred edges bring in.")
        + _note("Months with new derivatives: documented members and those only inferred "
                "edges bring in.") + html_table(monthly, labels)
        + "<h3>Relations</h3>" + html_table(f["relations"], labels)
        + "<h3>Depth</h3>" + html_table(f["depth"], labels)
        + "<h3>Days from release to the 10th, 100th and 1,000th derivative</h3>"
        + html_table(f["milestones"], labels)
        + "<h3>Anatomy: the edge statistics</h3>" + html_table(f["anatomy"])
    )


def _downloads_over_time(data: ReportData) -> str:
    """The snapshot series: how many crawls it rests on, the chart, the latest crawls."""
    f, labels = data.frames, data.labels
    series = f["snapshots_family"]
    latest = pd.DataFrame({
        "crawl": pd.to_datetime(series["taken_at"]).dt.strftime("%Y-%m-%d %H:%M"),
        "family": series["family"].map(lambda k: labels.get(k, k)),
        "downloads": series["downloads"].map("{:,}".format),
        "models counted by this crawl": series["observed"].map("{:,}".format),
    }).tail(12 * max(len(labels) - 1, 1))
    return (_note(data.notes["snapshots"]) + _note(metrics.DOWNLOADS_CAVEAT)
            + _figure(series, lambda: charts.downloads_over_time(
                series, f["snapshots_release"], labels, source=data.origin),
                "Each family's and release's 30-day downloads at each crawl.")
            + html_table(latest))


def _openness_table(summary: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """openness.summary turned on its side (one column per family), as text: too many
    measures for one row per family."""
    counts = {"models", "mof_class_iii", "ceiling_class_iii", "ceiling_class_ii",
              "ceiling_class_i"}
    rows = {}
    for record in summary.to_dict("records"):
        rows[labels.get(record["family"], record["family"])] = {
            k.replace("_", " "): f"{v:,}" if k in counts else f"{100 * v:.1f}%"
            for k, v in record.items() if k != "family"}
    return pd.DataFrame(rows).rename_axis("measure").reset_index()


def _anatomy(data: ReportData) -> str:
    """The Anatomy table, its numbered notes, the sources and the definitions."""
    frame = data.frames["anatomy"]
    notes = "".join(f"<li>[{mark}] {_escape(text)}</li>"
                    for mark, text in anatomy.notes(frame).itertuples(index=False))
    sources = "".join(f"<li>{_escape(short)}: {_escape(full)}</li>"
                      for short, full in anatomy.SOURCES.items())
    return (_note(f"Crawl scope: {data.notes['crawl_scope']}.") + _edges_note(data)
            + html_table(anatomy.table(frame))
            + f"<ol class='note' style='list-style:none'>{notes}</ol>"
            + f"<ul class='note'>{sources}</ul>" + _note(anatomy.DEFINITIONS))


def t_head(frame: pd.DataFrame, n: int, labels: dict[str, str]) -> str:
    """The first n rows as a table, saying how many were left out."""
    more = len(frame) - n
    note = f"<p class='note'>… and {more:,} more.</p>" if more > 0 else ""
    return f"<p class='note'>{len(frame):,} models.</p>" + html_table(frame.head(n), labels) + note


# -- Markdown -----------------------------------------------------------------------------------

def _md_cell(value: object, column: str) -> str:
    """Escaped for Markdown: HTML-escaped text, then the characters Markdown would interpret."""
    text = _cell(value, column)
    for char in "\\`*_[]|":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


def markdown_table(frame: pd.DataFrame, labels: dict[str, str]) -> str:
    columns = list(frame.columns)
    lines = ["| " + " | ".join(_md_cell(str(c).replace("_", " "), "") for c in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    for record in frame.astype(object).itertuples(index=False):
        cells = [_md_cell(labels.get(v, v) if c == "family" else v, c)
                 for c, v in zip(columns, record, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_markdown(data: ReportData) -> str:
    f, labels = data.frames, data.labels
    parts = [
        f"# {_md_cell(title(labels), '')}",
        f"**{_md_cell(data.origin.line(), '')}**",
        f"{_md_cell(data.source, '')} · generated {data.generated} · "
        f"{data.totals['models']:,} models, {data.totals['edges']:,} lineage edges · families "
        f"and releases from {_md_cell(data.notes['roots'], '')}",
        f"**Lineage: {_md_cell(_edges_line(data), '')}.**",
        "## Families", f"_{_md_cell(metrics.SIZE_DEFINITION, '')}_",
        markdown_table(f["sizes_family"], labels),
        "## Roots not found", f"_{_md_cell(NOT_FOUND_NOTE, '')}_",
        markdown_table(f["not_found"], labels) if len(f["not_found"])
        else "Every configured root was found.",
        "## Documented and inferred lineage",
        *([_md_cell(NO_INFERRED, "")] if data.comparison is None else [
            f"_{_md_cell(inferred_note(data.comparison), '')}_",
            markdown_table(data.comparison.members, labels),
            markdown_table(data.comparison.frames["sizes"], labels)]),
        "## Root releases", f"_{_md_cell(DISCOVERED_NOTE, '')}_",
        markdown_table(f["sizes_release"], labels),
        "## Days to the 10th, 100th and 1,000th derivative",
        markdown_table(f["milestones"], labels),
        "## Relations", markdown_table(f["relations_family"], labels),
        "## License drift (parent to child edges)", markdown_table(f["drift_family"], labels),
        "## Families side by side",
        markdown_table(_percentages(f["comparison"], list(labels.values())), labels),
        "## Derivatives by day 7, 30 and 90 after each release",
        markdown_table(f["aligned_summary"], labels),
        "## Naming rules of release licenses", markdown_table(f["naming"], labels),
        *([_md_cell(data.notes["naming"], "")] if data.notes["naming"] else []),
        "## Openness", markdown_table(f["openness"], labels),
        "## Downloads over time", _md_cell(data.notes["snapshots"], ""),
        "## Anatomy of the lineages", markdown_table(anatomy.table(f["anatomy"]), labels),
        "\n".join(f"[{m}] {_md_cell(n, '')}  " for m, n in anatomy.notes(f["anatomy"])
                   .itertuples(index=False)),
        "## Top derivatives", f"_{_md_cell(metrics.DOWNLOADS_CAVEAT, '')}_",
        markdown_table(f["top"][["family", "rank", "model_id", "downloads", "relation"]], labels),
        "## Lineage defects", markdown_table(f["issues"], labels),
    ]
    return "\n\n".join(parts) + "\n"


def write_report(conn: duckdb.DuckDBPyConnection, out_dir: str | Path, source: str = ""
                 ) -> list[Path]:
    """Write report.html and summary.md under out_dir (never over a database: a symlink named
    report.html may lead to one); returns their paths."""
    data = collect(conn, source)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page, summary = out / "report.html", out / "summary.md"
    protected = database_files(conn)
    write_text(page, render_html(data), protected)
    write_text(summary, render_markdown(data), protected)
    return [page, summary]
