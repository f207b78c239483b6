"""Report-style charts of a built index (matplotlib).

Four charts matching the tables of :mod:`citymodel.analysis`:

=========================  ======================================================================
:func:`bar`                horizontal bars of the index (or a node's, or a level's) scores of the
                           top-k cities, best at the top
:func:`radar`              one city's pillar profile against the mean and the best (polar axes)
:func:`heatmap`            top-k cities x pillars, with a colour bar
:func:`rank_shift_chart`   slope chart of ranks under two or more builds
                           (from :func:`citymodel.analysis.rank_comparison`)
=========================  ======================================================================

Every function takes an optional ``ax`` (a new figure is made with pyplot otherwise), returns
the :class:`matplotlib.axes.Axes` and never calls ``plt.show()``.

Labels and Chinese names
------------------------
City labels come from the ``city_en`` coordinate when present (``label="city_en"``, the
default; any other city coordinate can be named, ``label=None`` uses the city codes). If a
label contains characters that matplotlib's default font cannot draw (e.g. Chinese city codes),
an installed CJK font (Noto Sans CJK, Source Han Sans, WenQuanYi, SimHei, ...) is added as a
fallback for those labels; if none is installed the characters render as boxes and exactly
matplotlib's ``"Glyph N (...) missing from font(s) ..."`` UserWarning is silenced (a
``warnings`` filter on that message only; every other warning is untouched).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from . import analysis as an
from .errors import SpecError, unknown_name

__all__ = ["bar", "radar", "heatmap", "rank_shift_chart", "RADAR_COMPARE"]

#: Reference profiles :func:`radar` can draw next to the city.
RADAR_COMPARE = ("mean", "max")

#: Regex of matplotlib's missing-glyph warning (``matplotlib._text_helpers``).
_GLYPH_WARNING = r"Glyph \d+ \(.*\) missing from font\(s\)"

_CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Sans SC",
    "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
    "Microsoft YaHei", "PingFang SC", "Heiti SC", "STHeiti", "Droid Sans Fallback",
    "AR PL UMing CN", "Arial Unicode MS",
)


# --------------------------------------------------------------------------------------------
# fonts and labels
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _charmap(path: str) -> frozenset[int]:
    from matplotlib import ft2font

    return frozenset(ft2font.FT2Font(path).get_charmap())


@functools.lru_cache(maxsize=1)
def _cjk_family() -> str | None:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in _CJK_FAMILIES if f in names), None)


def _font_kwargs(labels: Iterable[object]) -> dict:
    """Text kwargs that let ``labels`` render; silence the glyph warning if they cannot."""
    from matplotlib import font_manager

    chars = {ch for s in labels for ch in str(s) if ord(ch) > 127}
    if not chars:
        return {}
    try:
        cmap = _charmap(font_manager.findfont(font_manager.FontProperties()))
    except Exception:  # pragma: no cover - font files unreadable
        cmap = frozenset()
    if all(ord(ch) in cmap for ch in chars):
        return {}
    fam = _cjk_family()
    if fam is not None:  # pragma: no cover - depends on the fonts installed
        return {"fontfamily": [*mpl.rcParams["font.family"], fam]}
    warnings.filterwarnings("ignore", message=_GLYPH_WARNING, category=UserWarning)
    return {}


def _city_labels(ds: xr.Dataset, cities: Sequence, label: str | None) -> list[str]:
    codes = [str(c) for c in cities]
    if label is None:
        return codes
    if label not in ds.coords or ds[label].dims != ("city",):
        if label == "city_en":
            return codes
        valid = [str(c) for c in ds.coords if ds[c].dims == ("city",) and c != "city"]
        raise unknown_name("city label coordinate", label, valid or ["(none: use label=None)"])
    lab = pd.Series(np.asarray(ds[label].values, dtype=object), index=list(ds["city"].values))
    out = []
    for c, code in zip(cities, codes, strict=True):
        v = lab.get(c)
        out.append(code if v is None or (isinstance(v, float) and np.isnan(v)) or v == "" else str(v))
    return out


def _new_ax(ax: Axes | None, *, polar: bool = False, figsize=(7, 5)) -> Axes:
    if ax is not None:
        if not isinstance(ax, Axes):
            raise SpecError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
        if polar and ax.name != "polar":
            raise SpecError("radar needs polar axes: create them with "
                            "plt.subplot(projection='polar') or leave ax=None")
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, subplot_kw={"projection": "polar"} if polar else None)
    return ax


def _top_cities(ds: xr.Dataset, k: int, node: str | None = None) -> pd.Index:
    k = an._check_k(k, "top")
    r = an._node_rank(ds, node)
    t = an._top(r.dropna(), k)
    if len(t) == 0:
        raise SpecError("no city has a rank; nothing to plot")
    return t


# --------------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------------
def bar(ds: xr.Dataset, level: an.Level = None, top: int = 20, ax: Axes | None = None, *,
        node: str | None = None, label: str | None = "city_en") -> Axes:
    """Horizontal bars of the scores of the top-``top`` cities, best at the top.

    * default: the index scores of the cities ranked ``<= top`` on the index;
    * ``node="P1"``: that node's scores, cities ranked by that node;
    * ``level=2`` (or a list of nodes): grouped bars, one per node of the level, for the
      top cities by index rank.

    Parameters
    ----------
    ds : xarray.Dataset
        Result of :func:`citymodel.build.build` (or a published 1-D ranking).
    level : int, list of node codes or None
        Draw grouped bars of these nodes instead of the index.
    top : int
        Number of cities (ties at the boundary included).
    ax : Axes, optional
    node : str, optional
        Plot one node instead of the index (cannot be combined with ``level``).
    label : str or None
        City coordinate used for tick labels (default ``city_en`` if present), None = codes.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ds = an._check_ds(ds)
    if node is not None and level is not None:
        raise SpecError("give either node= (one node) or level= (grouped bars), not both")
    idx = an._index_code(ds)
    if level is None:
        node = idx if node is None else str(node)
        nodes = [node]
        if an._has_nodes(ds) and node not in [str(n) for n in ds["node"].values]:
            raise unknown_name("node", node, [str(n) for n in ds["node"].values])
        cities = _top_cities(ds, top, node if an._has_nodes(ds) else None)
    else:
        nodes = an._level_nodes(ds, level)
        cities = _top_cities(ds, top)
    S = an._scores(ds, nodes).loc[cities]
    labels = _city_labels(ds, cities, label)
    fk = _font_kwargs(labels + nodes)
    ax = _new_ax(ax, figsize=(7, max(3.0, 0.3 * len(cities) * (1 if len(nodes) == 1 else 1.5))))
    y = np.arange(len(cities), dtype=float)
    h = 0.8 / len(nodes)
    for j, n in enumerate(nodes):
        off = 0.0 if len(nodes) == 1 else (j - (len(nodes) - 1) / 2) * h
        ax.barh(y + off, S[n].to_numpy(), height=h, label=n)
    ax.set_yticks(y, labels, **fk)
    ax.set_ylim(len(cities) - 0.5, -0.5)  # best at the top
    if len(nodes) == 1:
        ax.set_xlabel(f"{nodes[0]} score")
        ax.set_title(f"Top {top}: {nodes[0]}", **fk)
    else:
        ax.set_xlabel("score")
        ax.set_title(f"Top {top} by {idx}", **fk)
        ax.legend(loc="lower right", fontsize="small")
        for t in ax.get_legend().get_texts():
            t.set(**fk)
    return ax


def radar(ds: xr.Dataset, city, level: an.Level = None, ax: Axes | None = None,
          compare: Sequence[str] = RADAR_COMPARE, *, best: str = "node",
          label: str | None = "city_en") -> Axes:
    """Polar profile of one city on the pillars, with the mean and the best for comparison.

    Draws :func:`citymodel.analysis.radar_data` as closed polygons: the city (filled), then
    each of ``compare`` (``"mean"`` dashed, ``"max"`` dotted). One line per profile.

    Parameters
    ----------
    ds : xarray.Dataset
    city : str
        City code or ``city_en`` name.
    level : int, list of node codes or None
        Axes of the radar (at least 3 nodes); None = the pillars.
    ax : polar Axes, optional
    compare : sequence of {"mean", "max"}
    best : {"node", "index"}
        Meaning of ``max`` (see :func:`citymodel.analysis.radar_data`).
    label : str or None
        City coordinate used for the legend (default ``city_en``).

    Returns
    -------
    matplotlib.projections.polar.PolarAxes
    """
    ds = an._check_ds(ds)
    compare = [compare] if isinstance(compare, str) else list(compare)
    for c in compare:
        if c not in RADAR_COMPARE:
            raise unknown_name("radar comparison", c, RADAR_COMPARE)
    data = an.radar_data(ds, city, level, best=best)
    code = data.attrs["city"]
    nodes = [str(n) for n in data.index]
    if len(nodes) < 3:
        raise SpecError(
            f"a radar needs at least 3 axes; level {level!r} gives {len(nodes)} ({', '.join(nodes)}). "
            "Use a deeper level (e.g. level=1) or bar(..., level=...)"
        )
    name = _city_labels(ds, [code], label)[0]
    fk = _font_kwargs([name, *nodes])
    ax = _new_ax(ax, polar=True, figsize=(6, 6))
    ang = np.linspace(0.0, 2 * np.pi, len(nodes), endpoint=False)
    ang_c = np.append(ang, ang[0])

    def closed(v):
        v = np.asarray(v, dtype=float)
        return np.append(v, v[0])

    (ln,) = ax.plot(ang_c, closed(data[code]), lw=2, label=name)
    ax.fill(ang_c, closed(data[code]), alpha=0.2, color=ln.get_color())
    styles = {"mean": ("--", "mean of all cities"),
              "max": (":", "best per node" if best == "node" else "index leader")}
    for c in compare:
        ls, txt = styles[c]
        ax.plot(ang_c, closed(data[c]), ls=ls, lw=1.5, label=txt)
    vals = data[[code, *compare]].to_numpy(dtype=float)
    if np.isfinite(vals).any():
        lo, hi = min(0.0, float(np.nanmin(vals))), float(np.nanmax(vals))
        ax.set_ylim(lo, hi + 0.05 * ((hi - lo) or 1.0))  # radius from 0: areas not distorted
    ax.set_xticks(ang, nodes, **fk)
    leg = ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.1), fontsize="small")
    for t in leg.get_texts():
        t.set(**fk)
    return ax


def heatmap(ds: xr.Dataset, level: an.Level = None, top: int = 30, ax: Axes | None = None, *,
            label: str | None = "city_en", annotate: bool | None = None,
            cmap: str = "viridis") -> Axes:
    """Heatmap of the top-``top`` cities (rows, best first) x the nodes of ``level`` (columns).

    Parameters
    ----------
    ds : xarray.Dataset
    level : int, list of node codes or None
        Columns; None = the pillars.
    top : int
        Cities ranked ``<= top`` on the index.
    ax : Axes, optional
    label : str or None
        City coordinate for row labels (default ``city_en``).
    annotate : bool, optional
        Print each value in its cell; default when there are at most 300 cells.
    cmap : str
        Matplotlib colour map (one scale for all columns: normalised scores are comparable).

    Returns
    -------
    matplotlib.axes.Axes (the colour bar is a second Axes of the same figure).
    """
    ds = an._check_ds(ds)
    nodes = an._level_nodes(ds, level)
    cities = _top_cities(ds, top)
    S = an._scores(ds, nodes).loc[cities]
    labels = _city_labels(ds, cities, label)
    fk = _font_kwargs(labels + nodes)
    ax = _new_ax(ax, figsize=(1.2 * len(nodes) + 3, max(3.0, 0.3 * len(cities) + 1)))
    V = np.ma.masked_invalid(S.to_numpy(dtype=float))
    im = ax.imshow(V, aspect="auto", cmap=cmap)
    ax.figure.colorbar(im, ax=ax, label="score")
    ax.set_xticks(np.arange(len(nodes)), nodes, **fk)
    ax.set_yticks(np.arange(len(cities)), labels, **fk)
    if annotate is None:
        annotate = V.size <= 300
    if annotate:
        lo, hi = (float(V.min()), float(V.max())) if V.count() else (0.0, 1.0)
        mid = (lo + hi) / 2
        for i in range(V.shape[0]):
            for j in range(V.shape[1]):
                if V.mask is not np.ma.nomask and V.mask[i, j]:
                    continue
                v = float(V[i, j])
                ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize="x-small",
                        color="white" if v < mid else "black")
    ax.set_title(f"Top {top} by {an._index_code(ds)}", **fk)
    return ax


def rank_shift_chart(comparison: an.RankComparison, ax: Axes | None = None, *,
                     label: str | None = "city_en") -> Axes:
    """Slope chart: each listed city's rank under each build, joined by a line.

    One line per city of ``comparison.table`` (x = builds in order, reference first; y = rank,
    1 at the top), labelled at both ends.

    Parameters
    ----------
    comparison : RankComparison
        Output of :func:`citymodel.analysis.rank_comparison`.
    ax : Axes, optional
    label : str or None
        City coordinate for the end labels (from ``comparison.city_info``; default ``city_en``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(comparison, an.RankComparison):
        raise SpecError("rank_shift_chart needs the RankComparison returned by "
                        f"citymodel.analysis.rank_comparison, got {type(comparison).__name__}")
    schemes = comparison.schemes
    T = comparison.table[schemes].astype(float)
    codes = [str(c) for c in T.index]
    info = comparison.city_info
    if label is None:
        labels = codes
    elif label in info.columns:
        labels = [c if (v is None or (isinstance(v, float) and np.isnan(v)) or v == "") else str(v)
                  for c, v in zip(codes, info[label].reindex(T.index), strict=True)]
    elif label == "city_en":
        labels = codes
    else:
        raise unknown_name("city label coordinate", label, list(info.columns) or ["(none)"])
    fk = _font_kwargs(labels + schemes)
    ax = _new_ax(ax, figsize=(2.0 * len(schemes) + 3, max(4.0, 0.25 * len(T) + 1)))
    x = np.arange(len(schemes), dtype=float)
    for lab, (_, row) in zip(labels, T.iterrows(), strict=True):
        (ln,) = ax.plot(x, row.to_numpy(), marker="o", lw=1.2, ms=4)
        v = row.to_numpy()
        if np.isfinite(v[0]):
            ax.text(x[0] - 0.05, v[0], lab, ha="right", va="center", fontsize="x-small",
                    color=ln.get_color(), **fk)
        if np.isfinite(v[-1]):
            ax.text(x[-1] + 0.05, v[-1], lab, ha="left", va="center", fontsize="x-small",
                    color=ln.get_color(), **fk)
    ax.set_xticks(x, schemes, **fk)
    ax.set_xlim(-0.8, len(schemes) - 0.2)
    finite = T.to_numpy()[np.isfinite(T.to_numpy())]
    ymax = float(finite.max()) if finite.size else 1.0
    ax.set_ylim(ymax + 0.5, 0.5)  # rank 1 at the top
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("rank")
    ax.set_title(f"Ranks of the top {comparison.top} under {len(schemes)} builds", **fk)
    return ax
