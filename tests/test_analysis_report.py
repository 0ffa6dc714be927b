"""The HTML report (escaping, charts, seen by headless Chromium), the Markdown summary and the
Parquet export, on a generated Hub holding a hostile model name and card."""

from __future__ import annotations

import html
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner
from PIL import Image

from analysis import charts, export, metrics, report
from analysis.db import connect
from analysis.screenshot import chromium, screenshot
from analysis.source import Source
from hf_lineage.cli import main
from hf_lineage.errors import AnalysisError
from hub_double.crawled import crawled_db
from tests.analysis_fixtures import create_db
from tests.hub_rows import HOSTILE_BODY, HOSTILE_ID, model_row, store_of


@pytest.fixture(scope="module")
def written(hostile_hub_db, tmp_path_factory) -> tuple[Path, list[Path]]:
    conn = connect(hostile_hub_db)
    paths = report.write_report(conn, tmp_path_factory.mktemp("report") / "out",
                                source=str(hostile_hub_db))
    conn.close()
    return hostile_hub_db, paths


def test_report_files_and_charts(written):
    _, (page, summary) = written
    text = page.read_text(encoding="utf-8")
    assert text.count("<svg") >= 5
    for heading in ("Growth", "Relations", "Depth", "License drift", "Top derivatives",
                    "Naming rules of release licenses", "Families side by side", "Openness",
                    "Roots not found",
                    "Timeline", "Downloads over time", "Anatomy of the lineages"):
        assert f">{heading}" in text
    assert "count differently" in text  # the downloads caveat where downloads rank models
    assert "http://" not in text.replace("http://www.w3.org", "")  # nothing fetched
    assert "mathdefault" not in text  # no TeX leaking into tick labels
    md = summary.read_text(encoding="utf-8")
    assert md.startswith("# LLaMA and DeepSeek") and "| family |" in md
    assert "count differently" in md


def test_hostile_names_and_cards_are_escaped(written):
    _, (page, summary) = written
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert HOSTILE_ID not in text and HOSTILE_BODY not in text
    assert html.escape(HOSTILE_ID) in text  # the hostile model tops the LLaMA downloads table
    assert "Content-Security-Policy" in text
    md = summary.read_text(encoding="utf-8")
    assert "<script" not in md.lower() and "&lt;script&gt;" in md


def test_svg_text_is_escaped_and_literal():
    svg = charts.top_derivatives(
        pd.DataFrame({"family": ["llama"], "model_id": ["<b>$x$</b>&"], "downloads": [10]}), {},
        source=Source((), (), None, None, 0, 0))
    assert "<b>" not in svg and "&lt;b&gt;$x$&lt;/b&gt;&amp;" in svg  # no TeX, escaped


@pytest.mark.skipif(chromium() is None,
                    reason="headless Chromium not installed (apt-get install -y chromium)")
def test_report_renders_charts_in_headless_chromium(written, tmp_path):
    _, (page, _) = written
    png = screenshot(page, tmp_path / "report.png", height=10000)
    pixels = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert pixels.shape[:2] == (10000, 1280)

    def share_of(colour: str, alpha: float = 1.0) -> float:
        """Share of pixels showing `colour` (drawn with `alpha` over white)."""
        target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) * alpha + 255 * (
            1 - alpha)
        return (np.abs(pixels - target).sum(axis=2) < 30).mean()

    assert share_of(charts.PALETTE[0]) > 0.002  # lines and bars drawn
    assert share_of(charts.RELATION_COLOURS["quantized"]) > 0.001  # the relation bars
    assert share_of(charts.DRIFT_COLOURS["missing"], charts.RIBBON_ALPHA) > 0.0005  # ribbons


def test_export_is_readable_partitioned_parquet(written, tmp_path):
    db, _ = written
    conn = connect(db)
    counts = export.export_parquet(conn, tmp_path / "parquet")
    source = {name: conn.execute(f"SELECT count(*) FROM ({d.query})").fetchall()[0][0]
              for name, d in ((d.name, d) for d in export.DATASETS)}
    conn.close()
    assert counts == source
    assert (tmp_path / "parquet" / "models" / "family=llama").is_dir()
    assert (tmp_path / "parquet" / "edges" / "relation=merge").is_dir()
    reader = duckdb.connect()
    written = {name: rows for name, rows in counts.items() if rows}  # an empty one writes no file
    assert written.keys() >= {"models", "edges", "cards"}
    for name, rows in written.items():
        got = reader.execute(
            "SELECT count(*) FROM read_parquet(?, hive_partitioning = true)",
            [str(tmp_path / "parquet" / name / "**" / "*.parquet")]).fetchall()[0][0]
        assert got == rows
    edges = ds.dataset(tmp_path / "parquet" / "edges", format="parquet", partitioning="hive")
    assert edges.count_rows() == counts["edges"]
    assert "relation" in edges.schema.names


def test_a_database_without_models_is_not_reported(tmp_path):
    """An empty crawl says so and exits non-zero (6), writing nothing."""
    create_db(tmp_path / "empty.duckdb").close()
    with pytest.warns(UserWarning, match="crawled before roots were stored"):
        conn = connect(tmp_path / "empty.duckdb")  # no roots stored: the shipped ones, said
    with pytest.raises(AnalysisError, match="holds no models: nothing to report"):
        report.write_report(conn, tmp_path / "out")
    conn.close()
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(main, ["report", "--db", str(tmp_path / "empty.duckdb"),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == AnalysisError.exit_code and "holds no models" in result.stderr
    assert not (tmp_path / "out").exists()


def test_report_of_a_crawl_outside_the_families(tmp_path):
    """Models, but none in a family: the charts say they have no data."""
    db = crawled_db(store_of([model_row("someone/unrelated")]), tmp_path / "other.duckdb")
    conn = connect(db)
    page, summary = report.write_report(conn, tmp_path / "out")
    conn.close()
    assert "No data for this chart." in page.read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8").startswith("# LLaMA and DeepSeek")


def test_every_family_size_uses_one_definition(written):
    db, (page, _) = written
    conn = connect(db)
    data = report.collect(conn)
    crawled = conn.execute("SELECT family, count(*) FROM family_membership "
                           "WHERE model_id IN (SELECT id FROM models) GROUP BY family").fetchall()
    conn.close()
    f = data.frames
    sizes = f["sizes_family"].set_index("family")
    assert sizes["models"].to_dict() == dict(crawled)
    assert (sizes["models"] == sizes["roots"] + sizes["descendants"]).all()
    assert f["openness"].set_index("family")["models"].to_dict() == sizes["models"].to_dict()
    dated = f["weekly"].groupby("family")["new_derivatives"].sum()
    assert (dated <= sizes["descendants"]).all()  # derivatives are the descendants with a date
    text = page.read_text(encoding="utf-8")
    assert html.escape(metrics.SIZE_DEFINITION) in text
    for family, row in sizes.iterrows():
        assert f"{data.labels[family]} models<b>{row['models']:,}</b>" in text


def test_new_sections_say_what_they_rest_on(written):
    _, (page, summary) = written
    text = page.read_text(encoding="utf-8")
    assert "The series rests on 1 crawl" in text  # the fixture is one full crawl
    assert "573,653" in text and "Laufer, Oderinwale &amp; Kleinberg" in text
    assert "cannot be measured: a family crawl" not in text  # a full crawl measures them all
    assert "Model Openness Framework" in text and "Why the OSAID verdict" in text
    md = summary.read_text(encoding="utf-8")
    assert "## Anatomy of the lineages" in md and "by day 90" in md
