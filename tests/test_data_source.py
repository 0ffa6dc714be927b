"""The demo says what it is: a report, its Markdown summary and every chart name the data's
source (the endpoint crawled, the crawl dates, and 'a generated Hub (synthetic), seed N' when
the Hub double served it), as the crawl recorded it; the real Hub's data says so too."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from analysis.db import connect
from analysis.report import write_report
from analysis.source import describe
from crawler.crawl import crawl
from tests.crawl_helpers import fast_client
from tests.hub_rows import model_row, store_of

ROOT = "meta-llama/Llama-3.1-8B"


def figures(page: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", page, re.DOTALL)


@pytest.fixture(scope="module")
def stand_in_report(generated_family_crawl, tmp_path_factory):
    """The report of a generated Hub crawled over HTTP: its pages, and what the double said."""
    db, store = generated_family_crawl
    conn = connect(db)
    page, summary = write_report(conn, tmp_path_factory.mktemp("report"), source=str(db))
    origin = describe(conn)
    conn.close()
    return (page.read_text(encoding="utf-8"), summary.read_text(encoding="utf-8"),
            store.identity(), origin)


def test_a_report_of_the_double_says_it_is_not_the_real_hub(stand_in_report):
    page, summary, identity, origin = stand_in_report
    assert identity.startswith("a generated Hub (synthetic), seed ")
    today = f"{datetime.now(UTC):%Y-%m-%d}"
    line = origin.line()
    assert line.startswith(f"Data: {identity}, not the real Hub; crawled from http://127.0.0.1:")
    assert f"on {today} (1 crawl)." in line
    assert f"<p class='origin stand-in'>{line}</p>" in page  # at the top, in red
    assert summary.splitlines()[2] == f"**{line}**"  # under the title
    charts = figures(page)
    assert len(charts) >= 8
    for chart in charts:  # inside every image: a screenshot of a chart carries it
        text = " ".join(re.sub(r"<[^>]+>", " ", chart).split())
        assert f"{identity}, not the real Hub" in text and "#b00020" in chart


def test_a_crawl_of_the_real_hub_is_named_as_such(serve, tmp_path):
    """An endpoint that does not say it is a stand-in (the real Hub never does)."""
    double = serve(store_of([model_row(ROOT, 0), model_row("u/ft", 1, tags=[f"base_model:{ROOT}"],
                                                           card_data={"base_model": ROOT})]),
                   identity="")
    db = tmp_path / "hub.duckdb"
    crawl(db, "family", client=fast_client(), cards=False)
    crawl(db, "incremental", client=fast_client(), cards=False)
    conn = connect(db)
    page, summary = write_report(conn, tmp_path / "report")
    line = describe(conn).line()
    conn.close()
    assert line.startswith(f"Data: the Hugging Face Hub; crawled from {double.url} on ")
    assert line.endswith("(2 crawls).") and "synthetic" not in line
    text = page.read_text(encoding="utf-8")
    assert f"<p class='origin'>{line}</p>" in text and "not the real Hub" not in text
    assert all(line.split(";")[0] in " ".join(re.sub(r"<[^>]+>", " ", c).split())
               for c in figures(text))
