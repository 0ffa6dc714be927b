"""Events and the timeline: the events list and its checks, derivatives per day and week,
curves aligned on release day and event windows, by construction on a hand-dated graph."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from analysis import charts, events, snapshots, timeline
from analysis.db import connect
from analysis.source import describe
from crawler.roots import Release, Roots
from hf_lineage.errors import AnalysisError
from tests.analysis_fixtures import add_snapshots, timeline_graph, tiny_roots


@pytest.fixture(scope="module")
def conn(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    connection = connect(timeline_graph(tmp_path_factory.mktemp("tl") / "tl.duckdb"),
                         tiny_roots())
    yield connection
    connection.close()


def fresh(tmp_path, roots: Roots | None = None) -> duckdb.DuckDBPyConnection:
    """A connection of its own, for tests that add events."""
    return connect(timeline_graph(tmp_path / "own.duckdb"), roots or tiny_roots())


# -- events -------------------------------------------------------------------------------------

def test_releases_come_from_the_roots_and_events_from_the_shipped_file(conn):
    frame = timeline.events(conn).set_index("name")
    releases = frame[frame.kind == "release"]
    assert releases["date"].dt.date.to_dict() == {
        "Llama 2": date(2023, 7, 18), "Llama 3.1": date(2024, 7, 23),
        "DeepSeek-R1": date(2025, 1, 20)}
    assert releases.loc["DeepSeek-R1", "note"] == "release, license mit"
    shipped = events.read_events(events.DEFAULT_EVENTS, {"llama", "deepseek"})
    assert {e.name for e in shipped} == set(frame[frame.kind == "event"].index)
    assert {"LLaMA weights leaked", "Alpaca", "Vicuna", "GPT4All", "Koala",
            "Open Assistant RLHF data", "OSAID 1.0"} == {e.name for e in shipped}
    assert frame.loc["Alpaca", "date"].date() == date(2023, 3, 13)
    assert pd.isna(frame.loc["OSAID 1.0", "family"])
    assert not {r.name for r in tiny_roots().releases} & {e.name for e in shipped}


def test_shipped_events_of_a_family_the_config_lacks_are_left_out(tmp_path):
    roots = Roots(families={"mistral": "Mistral"}, organisations={}, releases=(
        Release("mistral", "Mistral 7B", date(2023, 9, 27), "apache-2.0", ("t/a",)),))
    c = fresh(tmp_path, roots)
    names = set(timeline.events(c)["name"])
    c.close()
    assert names == {"Mistral 7B", "OSAID 1.0"}


def test_user_events_are_added(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[[events]]\nname = "R1 paper"\ndate = 2025-01-22\nfamily = "deepseek"\n'
                    '[[events]]\nname = "EU AI Act"\ndate = "2024-08-01"\n'
                    'note = "in force"\n', encoding="utf-8")
    c = fresh(tmp_path)
    added = events.add(c, path)
    frame = timeline.events(c).set_index("name")
    c.close()
    assert [e.name for e in added] == ["R1 paper", "EU AI Act"]
    assert frame.loc["EU AI Act", "date"].date() == date(2024, 8, 1)
    assert frame.loc["R1 paper", ["family", "kind"]].tolist() == ["deepseek", "event"]


@pytest.mark.parametrize("body, message", [
    ('[[events]]\nname = "A"\ndate = "2023-13-01"\n',
     "entry 1 ('A'): date '2023-13-01' is not a date (YYYY-MM-DD)"),
    ('[[events]]\nname = "A"\ndate = 2023-03-01\n[[events]]\ndate = 2023-03-02\n',
     "entry 2: name must be a non-empty string"),
    ('[[events]]\nname = "B"\ndate = 2023-03-01\nfamily = "lama"\n',
     "entry 1 ('B'): unknown family 'lama' (the roots config has: deepseek, llama)"),
    ('[[events]]\nname = "C"\ndat = 2023-03-01\n', "entry 1 ('C'): unknown field 'dat'"),
    ('[[events]]\nname = "D"\n', "entry 1 ('D'): date must be a date"),
    ('[[events]]\nname = "E"\ndate = 2023-03-01T10:00:00\n', "entry 1 ('E'): date must be a date"),
    ('[[events]]\nname = "Alpaca"\ndate = 2023-03-01\n', "'Alpaca' is already a listed event"),
    ('[[events]]\nname = "Llama 2"\ndate = 2023-03-01\n',
     "'Llama 2' is already a release of the roots config"),
    ('[events]\nname = "F"\n', "no [[events]] tables"),
    ('[[events]\nname = "G"\n', "is not valid TOML"),
])
def test_bad_user_events_name_the_entry_and_change_nothing(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    c = fresh(tmp_path)
    before = timeline.events(c)
    with pytest.raises(events.EventsError) as caught:
        events.add(c, path)
    after = timeline.events(c)
    c.close()
    assert message in str(caught.value) and str(path) in str(caught.value)
    pd.testing.assert_frame_equal(before, after)


def test_missing_events_file_is_one_clear_error(tmp_path, conn):
    with pytest.raises(events.EventsError, match="cannot read events file .*nowhere.toml"):
        events.add(conn, tmp_path / "nowhere.toml")


# -- derivatives over time ----------------------------------------------------------------------

def test_crawl_end_is_the_latest_crawl(conn):
    assert timeline.crawl_end(conn) == pd.Timestamp("2025-03-01")


def test_weekly_counts_are_dense_and_cumulative(conn):
    weekly = timeline.new_derivatives(conn, "family", "week")
    ds = weekly[weekly.family == "deepseek"]
    assert ds["period_start"].dt.date.tolist() == [
        date(2025, 1, 20), date(2025, 1, 27), date(2025, 2, 3), date(2025, 2, 10),
        date(2025, 2, 17), date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10)]
    assert ds["new_derivatives"].tolist() == [1, 1, 0, 0, 0, 1, 0, 1]
    assert ds["cumulative"].tolist() == [1, 2, 2, 2, 2, 3, 3, 4]
    llama = weekly[weekly.family == "llama"]
    assert llama["new_derivatives"].sum() == 8  # t/a-f, the distill (a bridge) and t/j
    assert llama["period_start"].iloc[-1].date() == date(2025, 2, 24)  # the crawl's week


def test_daily_counts_per_release(conn):
    daily = timeline.new_derivatives(conn, "release", "day")
    l2 = daily[daily.release == "Llama 2"].set_index("period_start")["new_derivatives"]
    assert l2.index[0].date() == date(2023, 7, 17) and l2.sum() == 4
    assert l2[l2 > 0].index.date.tolist() == [date(2023, 7, 17), date(2023, 7, 18),
                                              date(2023, 7, 25), date(2023, 8, 20)]
    assert (l2.index.to_series().diff().dropna() == pd.Timedelta(days=1)).all()
    with pytest.raises(AnalysisError, match="period"):
        timeline.new_derivatives(conn, "family", "fortnight")


def test_curves_aligned_on_release_day(conn):
    curves = timeline.aligned(conn, ["DeepSeek-R1", "Llama 2"], days=60)
    assert list(dict.fromkeys(curves["release"])) == ["DeepSeek-R1", "Llama 2"]
    l2 = curves[curves.release == "Llama 2"].set_index("day")
    assert len(l2) == 61 and l2.loc[0, "new_derivatives"] == 2  # t/a (the day before) and t/b
    assert l2.loc[[6, 7, 33, 60], "cumulative"].tolist() == [2, 3, 4, 4]
    assert l2["observed"].all()
    r1 = curves[curves.release == "DeepSeek-R1"].set_index("day")
    assert r1.loc[[0, 1, 7, 36, 49], "cumulative"].tolist() == [0, 1, 2, 3, 4]
    assert r1["observed"].tolist() == [d <= 40 for d in range(61)]  # crawled on day 40
    summary = timeline.aligned_summary(curves, at=(7, 30, 60)).set_index("release")
    assert summary.loc["DeepSeek-R1", ["by_day_7", "by_day_30"]].tolist() == [2, 2]
    assert pd.isna(summary.loc["DeepSeek-R1", "by_day_60"])
    assert summary.loc["Llama 2", ["by_day_7", "by_day_30", "by_day_60"]].tolist() == [3, 3, 4]
    assert set(timeline.aligned(conn, days=1)["release"]) == {
        "Llama 2", "Llama 3.1", "DeepSeek-R1"}
    with pytest.raises(AnalysisError, match="unknown release 'Llama 9'; the crawl has"):
        timeline.aligned(conn, ["Llama 9"])


def test_event_windows(conn):
    got = timeline.windows(conn, (7, 30, 90)).set_index(["event", "family", "window"])
    assert got.loc[("DeepSeek-R1", "deepseek", 7), ["before", "after"]].tolist() == [0, 1]
    assert got.loc[("DeepSeek-R1", "deepseek", 30), ["before", "after"]].tolist() == [0, 2]
    assert got.loc[("DeepSeek-R1", "deepseek", 90), ["after", "complete"]].tolist() == [4, False]
    assert bool(got.loc[("DeepSeek-R1", "deepseek", 30), "complete"])
    assert got.loc[("Llama 3.1", "llama", 7), ["before", "after"]].tolist() == [0, 1]
    assert ("DeepSeek-R1", "llama", 7) not in got.index  # a release counts in its family only
    osaid = got.loc["OSAID 1.0"]
    assert osaid.loc[("llama", 90), ["before", "after"]].tolist() == [1, 1]
    assert osaid.loc[("deepseek", 90), ["before", "after"]].tolist() == [0, 1]
    assert got.loc[("Llama 2", "llama", 30), "change"] == pytest.approx(2.0)  # t/a before
    wide = timeline.windows_table(timeline.windows(conn, (7, 30)))
    assert list(wide.columns) == ["event", "date", "family", "before_7", "after_7",
                                  "before_30", "after_30"]
    with pytest.raises(AnalysisError, match="windows"):
        timeline.windows(conn, (0,))


def test_timeline_charts_name_the_events(conn):
    svg = charts.timeline(timeline.new_derivatives(conn, "family", "week"),
                          timeline.events(conn), {"llama": "LLaMA", "deepseek": "DeepSeek"},
                          source=describe(conn))
    assert svg.startswith("<svg") and "DeepSeek-R1 (2025-01-20)" in svg
    assert "Alpaca" not in svg  # before the first derivative: outside the chart
    curves = charts.aligned(timeline.aligned(conn, ["Llama 2", "DeepSeek-R1"], 30),
                            source=describe(conn))
    assert "Llama 2" in curves and "days since" in curves


# -- downloads over time ------------------------------------------------------------------------

def test_downloads_series_carries_unlisted_models_forward(tmp_path):
    path = timeline_graph(tmp_path / "snap.duckdb")
    writer = duckdb.connect(str(path))
    day = [pd.Timestamp(f"2025-03-0{k}") for k in (1, 2, 3)]
    add_snapshots(writer, [  # run 1 lists all, run 2 (incremental) two models, run 3 all
        (1, "meta-llama/L2", day[0], 1000), (1, "t/a", day[0], 10), (1, "t/b", day[0], 20),
        (1, "deepseek-ai/R1", day[0], 500), (1, "t/g", day[0], 5),
        (2, "t/a", day[1], 40), (2, "t/g", day[1], 7),
        (3, "meta-llama/L2", day[2], 900), (3, "t/a", day[2], 30), (3, "t/b", day[2], 25),
        (3, "deepseek-ai/R1", day[2], 600), (3, "t/g", day[2], 9), (3, "t/h", day[2], 1),
    ])
    writer.close()
    c = connect(path, tiny_roots())
    got = snapshots.series(c, "family").set_index(["family", "run_id"])
    releases = snapshots.series(c, "release").set_index(["release", "run_id"])
    runs = snapshots.crawls(c)
    note = snapshots.span(c)
    svg = charts.downloads_over_time(snapshots.series(c, "family"),
                                     snapshots.series(c, "release"), {"llama": "LLaMA"},
                                     source=describe(c))
    c.close()
    assert got.loc["llama", ["downloads", "descendant_downloads", "observed", "known"]
                   ].values.tolist() == [[1030, 30, 3, 3], [1060, 60, 1, 3], [955, 55, 3, 3]]
    assert got.loc["deepseek", "downloads"].tolist() == [505, 507, 610]
    assert got.loc[("deepseek", 3), "known"] == 3  # t/h first counted by run 3
    assert releases.loc["Llama 2", "downloads"].tolist() == [1030, 1060, 955]
    assert runs["models"].tolist() == [5, 2, 6]
    assert note.startswith("The series rests on 3 crawls, from 2025-03-01 to 2025-03-03")
    assert "LLaMA" in svg and "Llama 2" in svg


def test_no_snapshots_no_series(conn):
    assert snapshots.series(conn).empty and snapshots.crawls(conn).empty
    assert snapshots.span(conn).startswith("No crawl has read download counts")
