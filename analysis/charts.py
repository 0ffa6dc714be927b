"""The report's charts, drawn with matplotlib and returned as inline SVG text.

Figures are built on `matplotlib.figure.Figure` (no pyplot, no GUI backend, no global state).
Text stays text in the SVG (svg.fonttype 'none') and matplotlib escapes it; math parsing is off
so a '$' in a model name is drawn literally instead of being parsed as TeX; control, escape and
bidi characters are shown as escapes (hf_lineage.printable). Every chart carries its data's source
in a footer inside the image (`caption`, analysis.source): a chart of the demo's generated Hub
says so in red. Families are those of
the roots config, any number of them: each gets a colour of PALETTE in the config's order (the
order of the `labels` every chart takes), bridges BRIDGE_COLOUR; a discovered release is
labelled as such.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, NullFormatter

from analysis.source import Source
from hf_lineage.printable import printable

STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "hf-lineage",
    "text.parse_math": False,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# Family colours in the roots config's order; bridges (model_family's 'bridge') apart.
PALETTE = ("#3b6fb6", "#c8553d", "#55a868", "#dd8452", "#937860", "#da8bc3", "#8c8c8c",
           "#ccb974", "#64b5cd")
BRIDGE = "bridge"
BRIDGE_COLOUR = "#7d5ba6"
# Release lines: one line style per family, in the same order.
LINE_STYLES = ("-", "--", ":", "-.")
RELATION_COLOURS = {"finetune": "#3b6fb6", "adapter": "#55a868", "quantized": "#dd8452",
                    "merge": "#8172b3", "unspecified": "#9a9a9a"}
DRIFT_COLOURS = {"kept": "#b9c7d9", "changed_same_kind": "#7fa7d6",
                 "relabelled_permissive": "#d62728",
                 "more_restrictive": "#8c564b", "less_restrictive": "#2ca02c",
                 "missing": "#ff9f1c", "parent_missing": "#c7c7c7", "changed_unknown": "#7f7f7f"}


RIBBON_ALPHA = 0.75
STAND_IN_COLOUR = "#b00020"  # the footer of a chart of a stand-in for the Hub
FOOTER_WIDTH = 130  # characters per line of the footer


def caption(fig: Figure, source: Source) -> None:
    """Write the data's source (the endpoint, the crawl dates, and what a stand-in for the Hub
    said it is) at the foot of the figure, inside the image, so no screenshot of a demo chart
    passes for a finding about the real Hub; in red for a stand-in."""
    fig.text(0.0, 0.0, _wrapped(source.line(), FOOTER_WIDTH), ha="left", va="top",
             fontsize=8, color=STAND_IN_COLOUR if source.stand_in else "#555555",
             transform=fig.transFigure)


def _wrapped(text: str, width: int) -> str:
    """`text` in lines of at most about `width` characters, broken at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def to_svg(fig: Figure, source: Source) -> str:
    """The figure, captioned with its data's `source`, as an <svg> element ready to inline (no
    XML prolog or DOCTYPE)."""
    caption(fig, source)
    buffer = io.StringIO()
    with mpl.rc_context(STYLE):
        fig.savefig(buffer, format="svg", bbox_inches="tight",
                    metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = printable(buffer.getvalue(), keep="\n\t")  # only the data's text can hold others
    return text[text.index("<svg"):]


def _figure(width: float, height: float, ncols: int = 1) -> tuple[Figure, np.ndarray]:
    """A figure and its row of axes; call inside rc_context(STYLE)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


# Plain numbers on log axes: the default labels are TeX, which text.parse_math=False would show raw.
PLAIN = FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}")


def _short(text: str, width: int = 48) -> str:
    """A name from the crawl as a label: escapes shown, cut at `width`."""
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def family_colours(families: Iterable[str]) -> dict[str, str]:
    """Each family's colour: the palette's, in the order given (the roots config's, as the
    report's labels hold it); bridges their own."""
    colours, k = {}, 0
    for family in dict.fromkeys(families):
        if family == BRIDGE:
            colours[family] = BRIDGE_COLOUR
        else:
            colours[family] = PALETTE[k % len(PALETTE)]
            k += 1
    return colours


def _colours(labels: dict[str, str], frame: pd.DataFrame) -> dict[str, str]:
    """family_colours in the labels' order, then any family of `frame` they lack."""
    return family_colours([*labels, *frame["family"]]) if "family" in frame else \
        family_colours(labels)


def release_label(release: str, discovered: object = False) -> str:
    """A release as charts name it: a discovered one (not in the roots config) says so."""
    return f"{release} (discovered)" if discovered is True else release


def _release_lines(frame: pd.DataFrame, keys: list[str]):
    """(k, label, family, rows) per release of a per-release frame, in the frame's order."""
    for k, (group, rows) in enumerate(frame.groupby(keys, sort=False)):
        family, release = (group if "family" in keys else (None, group[0]))
        discovered = bool(rows["discovered"].iloc[0]) if "discovered" in rows else False
        yield k, release_label(release, discovered), family, rows


def _release_panel(ax, title: str) -> None:
    """The per-release panel's finish: log scale with plain numbers, a small legend."""
    ax.set_title(title)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(PLAIN)
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.legend(frameon=False, fontsize=7, ncols=2)


def _date_panels(axes, ylabel: str) -> None:
    for ax in axes:
        ax.set_ylabel(ylabel)
        ax.tick_params(axis="x", labelrotation=30)


def growth(family: pd.DataFrame, release: pd.DataFrame, labels: dict[str, str], *,
           source: Source) -> str:
    """Cumulative derivatives per month: per family (left) and per root release (right)."""
    with mpl.rc_context(STYLE):
        fig, (left, right) = _figure(11, 3.8, 2)
        colours = _colours(labels, family)
        for fam, rows in family.groupby("family"):
            left.plot(pd.to_datetime(rows["month"]), rows["cumulative"],
                      label=labels.get(fam, fam), color=colours[fam])
        left.set_title("Derivatives per family (cumulative)")
        left.legend(frameon=False)
        palette = mpl.colormaps["tab20"]
        styles = {fam: LINE_STYLES[k % len(LINE_STYLES)]
                  for k, fam in enumerate(_colours(labels, release))}
        for k, name, fam, rows in _release_lines(release, ["family", "release"]):
            right.plot(pd.to_datetime(rows["month"]), rows["cumulative"], label=name,
                       color=palette(k % 20), linestyle=styles[fam])
        _release_panel(right, "Derivatives per root release (cumulative, log scale)")
        _date_panels((left, right), "models")
        return to_svg(fig, source)


def relation_shares(shares: pd.DataFrame, labels: dict[str, str], *, source: Source) -> str:
    """Stacked bars: share of each relation among each group's descendants."""
    releases = shares["release"] if "release" in shares else pd.Series([None] * len(shares))
    discovered = shares["discovered"] if "discovered" in shares else [False] * len(shares)
    shares = shares.assign(group=[
        f"{labels.get(f, f)} · {release_label(r, d)}" if isinstance(r, str) else labels.get(f, f)
        for f, r, d in zip(shares["family"], releases, discovered, strict=True)
    ])
    table = shares.pivot_table(index="group", columns="relation", values="share", sort=False,
                               fill_value=0.0)
    with mpl.rc_context(STYLE):
        fig, (ax,) = _figure(9, 0.32 * len(table) + 1.2)
        start = np.zeros(len(table))
        for relation in [r for r in RELATION_COLOURS if r in table.columns]:
            ax.barh(table.index, table[relation], left=start, label=relation,
                    color=RELATION_COLOURS[relation])
            start += table[relation].to_numpy()
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of descendants")
        ax.set_title("Relation to the parent")
        ax.legend(frameon=False, ncols=5, loc="lower center", bbox_to_anchor=(0.5, 1.04))
        return to_svg(fig, source)


def depth_distribution(depths: pd.DataFrame, labels: dict[str, str], *, source: Source) -> str:
    """Grouped bars: share of each family's descendants at each depth."""
    families = list(dict.fromkeys(depths["family"]))
    colours = _colours(labels, depths)
    with mpl.rc_context(STYLE):
        fig, (ax,) = _figure(9, 3.2)
        width = 0.8 / max(len(families), 1)
        for k, fam in enumerate(families):
            rows = depths[depths["family"] == fam]
            ax.bar(rows["depth"] + k * width - 0.4 + width / 2, rows["share"], width=width,
                   label=labels.get(fam, fam), color=colours[fam])
        ax.set_xlabel("depth (generations below the nearest root)")
        ax.set_ylabel("share of descendants")
        ax.set_title("Depth distribution")
        ax.legend(frameon=False)
        return to_svg(fig, source)


def _band(ax, x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float],
          colour: str) -> None:
    """A ribbon from the interval y0 at x0 to y1 at x1, with smooth (cubic) edges."""
    mid = (x0 + x1) / 2
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.LINETO,
             MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
    points = [(x0, y0[0]), (mid, y0[0]), (mid, y1[0]), (x1, y1[0]), (x1, y1[1]),
              (mid, y1[1]), (mid, y0[1]), (x0, y0[1]), (x0, y0[0])]
    ax.add_patch(PathPatch(MplPath(points, codes), facecolor=colour, edgecolor="none",
                           alpha=RIBBON_ALPHA))


def _top(values: pd.Series, weights: pd.Series, keep: int) -> pd.Series:
    top = weights.groupby(values).sum().nlargest(keep).index
    return values.where(values.isin(top), "(other)")


def drift_flows(flows: pd.DataFrame, labels: dict[str, str], keep: int = 7, *,
                source: Source) -> str:
    """Alluvial flows parent license -> child license per family, ribbons coloured by drift."""
    families = list(dict.fromkeys(flows["family"]))
    with mpl.rc_context(STYLE):
        fig, axes = _figure(5.5 * max(len(families), 1), 5.2, max(len(families), 1))
        for ax, fam in zip(axes, families, strict=True):
            rows = flows[flows["family"] == fam].copy()
            rows["parent_license"] = _top(rows["parent_license"], rows["edges"], keep)
            rows["child_license"] = _top(rows["child_license"], rows["edges"], keep)
            rows = rows.groupby(["parent_license", "child_license", "drift"], as_index=False)[
                "edges"].sum()
            total = rows["edges"].sum()
            gap = 0.02 * total
            left_order = rows.groupby("parent_license")["edges"].sum().sort_values(ascending=False)
            right_order = rows.groupby("child_license")["edges"].sum().sort_values(ascending=False)
            left_pos = _stack(left_order, gap)
            right_pos = _stack(right_order, gap)
            left_fill = {k: v[0] for k, v in left_pos.items()}
            right_fill = {k: v[0] for k, v in right_pos.items()}
            rows["li"] = rows["parent_license"].map({k: i for i, k in enumerate(left_order.index)})
            rows["ri"] = rows["child_license"].map({k: i for i, k in enumerate(right_order.index)})
            for row in rows.sort_values(["li", "ri"]).itertuples():
                a, b = left_fill[row.parent_license], right_fill[row.child_license]
                _band(ax, 0.12, 0.88, (a, a + row.edges), (b, b + row.edges),
                      DRIFT_COLOURS.get(row.drift, "#999999"))
                left_fill[row.parent_license] += row.edges
                right_fill[row.child_license] += row.edges
            for name, (y, h) in left_pos.items():
                ax.add_patch(Rectangle((0.0, y), 0.12, h, facecolor="#444444"))
                ax.text(-0.01, y + h / 2, f"{_short(name, 22)} ({h:,.0f})", ha="right",
                        va="center", fontsize=7.5)
            for name, (y, h) in right_pos.items():
                ax.add_patch(Rectangle((0.88, y), 0.12, h, facecolor="#444444"))
                ax.text(1.01, y + h / 2, f"{_short(name, 22)} ({h:,.0f})", ha="left",
                        va="center", fontsize=7.5)
            ax.set_xlim(-0.45, 1.45)
            ax.set_ylim(max(total + gap * max(len(left_pos), len(right_pos)), 1), 0)
            ax.axis("off")
            ax.set_title(f"{labels.get(fam, fam)}: parent license → child license")
        handles = [Rectangle((0, 0), 1, 1, color=c) for c in DRIFT_COLOURS.values()]
        fig.legend(handles, list(DRIFT_COLOURS), loc="outside lower center", ncols=4,
                   frameon=False, fontsize=8)
        return to_svg(fig, source)


def _stack(sizes: pd.Series, gap: float) -> dict[str, tuple[float, float]]:
    """(top, height) of each block stacked downwards with gaps."""
    positions, y = {}, 0.0
    for name, size in sizes.items():
        positions[name] = (y, float(size))
        y += float(size) + gap
    return positions


def top_derivatives(top: pd.DataFrame, labels: dict[str, str], *, source: Source) -> str:
    """Horizontal bars: each family's most downloaded derivatives (names shortened)."""
    families = list(dict.fromkeys(top["family"]))
    colours = _colours(labels, top)
    with mpl.rc_context(STYLE):
        fig, axes = _figure(5.6 * max(len(families), 1), 3.8, max(len(families), 1))
        for ax, fam in zip(axes, families, strict=True):
            rows = top[top["family"] == fam]
            names = [_short(re.sub(r"\s+", " ", name)) for name in rows["model_id"]]
            # log scale needs a positive bar (a young family's derivatives may have none)
            ax.barh(range(len(rows)), rows["downloads"].clip(lower=1), color=colours[fam])
            ax.set_yticks(range(len(rows)), names, fontsize=7)
            ax.invert_yaxis()
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(PLAIN)
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlabel("downloads, last 30 days (log; formats count differently)")
            ax.set_title(f"{labels.get(fam, fam)}: most downloaded derivatives")
        return to_svg(fig, source)


INFERRED_HATCH = "////"


def timeline(weekly: pd.DataFrame, events: pd.DataFrame, labels: dict[str, str], *,
             source: Source) -> str:
    """New derivatives per week and family, with every event in range marked by a numbered line
    (the key below the chart names them; numbers keep close events readable). A frame with
    new_inferred (inferred edges on) shades, hatched, the derivatives that only inferred edges
    bring in: estimates, never drawn like documented lineage."""
    families = list(dict.fromkeys(weekly["family"]))
    colours = _colours(labels, weekly)
    inferred = "new_inferred" in weekly.columns
    with mpl.rc_context(STYLE):
        fig, (ax,) = _figure(11, 4.2)
        for fam in families:
            rows = weekly[weekly["family"] == fam]
            when = pd.to_datetime(rows["period_start"])
            ax.step(when, rows["new_derivatives"], where="post",
                    label=labels.get(fam, fam), color=colours[fam], linewidth=1.1)
            if inferred and rows["new_inferred"].any():
                ax.fill_between(when, 0, rows["new_inferred"], step="post", alpha=0.3,
                                facecolor=colours[fam], edgecolor=colours[fam], linewidth=0,
                                hatch=INFERRED_HATCH,
                                label=f"{labels.get(fam, fam)}: through inferred edges only")
        start = pd.to_datetime(weekly["period_start"]).min()
        end = pd.to_datetime(weekly["period_start"]).max() + pd.Timedelta(days=7)
        shown = events[(pd.to_datetime(events["date"]) >= start)
                       & (pd.to_datetime(events["date"]) <= end)].reset_index(drop=True)
        top = max(float(weekly["new_derivatives"].max()), 1.0)
        key = []
        for k, event in enumerate(shown.itertuples(), start=1):
            colour = colours.get(event.family, "#666666") if isinstance(event.family, str) \
                else "#666666"
            when = pd.Timestamp(event.date)
            ax.axvline(when, color=colour, linewidth=0.7,
                       linestyle="-" if event.kind == "release" else ":")
            ax.text(when, top * (1.04 + 0.07 * (k % 3)), str(k), ha="center", va="bottom",
                    fontsize=7, color=colour)
            key.append(f"{k} {_short(event.name, 28)} ({when.date().isoformat()})")
        ax.set_ylim(0, top * 1.3)
        ax.set_xlim(start, end)
        ax.set_ylabel("new derivatives per week")
        ax.set_title("Derivatives per week; releases (solid) and events (dotted)"
                     + ("; hatched: reached only through inferred edges (estimates)"
                        if inferred else ""), loc="left", pad=22)
        ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1), fontsize=7,
                  ncols=2 * len(families))
        lines = ["    ".join(key[k:k + 4]) for k in range(0, len(key), 4)]
        if lines:
            ax.text(0, -0.12, "\n".join(lines), transform=ax.transAxes, fontsize=7, va="top")
        return to_svg(fig, source)


def aligned(curves: pd.DataFrame, *, source: Source) -> str:
    """Cumulative derivatives by day since release, one line per release (observed days)."""
    with mpl.rc_context(STYLE):
        fig, (ax,) = _figure(7.5, 3.8)
        palette = mpl.colormaps["tab10"]
        for k, name, _, rows in _release_lines(curves[curves["observed"]], ["release"]):
            ax.plot(rows["day"], rows["cumulative"], label=name, color=palette(k % 10),
                    linestyle="-" if k < 10 else "--")
        ax.set_xlabel("days since the release's announcement (day 0)")
        ax.set_ylabel("derivatives (cumulative)")
        ax.set_title("Releases aligned on release day")
        ax.legend(frameon=False, fontsize=7, ncols=2)
        return to_svg(fig, source)


def downloads_over_time(family: pd.DataFrame, release: pd.DataFrame,
                        labels: dict[str, str], *, source: Source) -> str:
    """30-day downloads at each crawl: per family (left), per root release (right, log scale).
    Markers show the crawls: with few of them the lines are only joined points."""
    colours = _colours(labels, family)
    with mpl.rc_context(STYLE):
        fig, (left, right) = _figure(11, 3.8, 2)
        for fam, rows in family.groupby("family", sort=False):
            left.plot(pd.to_datetime(rows["taken_at"]), rows["downloads"], marker="o",
                      label=labels.get(fam, fam), color=colours.get(fam))
        left.set_title("Downloads per family (30 days before each crawl)")
        left.yaxis.set_major_formatter(PLAIN)
        left.legend(frameon=False)
        palette = mpl.colormaps["tab20"]
        for k, name, _, rows in _release_lines(release, ["family", "release"]):
            right.plot(pd.to_datetime(rows["taken_at"]), rows["downloads"].clip(lower=1),
                       marker="o", markersize=3, label=name, color=palette(k % 20))
        _release_panel(right, "Downloads per root release (log scale)")
        _date_panels((left, right), "downloads")
        return to_svg(fig, source)
