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

and six charts of an uncertainty / sensitivity analysis (:mod:`citymodel.uncertainty.engine`):

================================  ===============================================================
:func:`rank_uncertainty`          JRC rank-uncertainty plot: nominal rank, median and 5-95 %
                                  band of every city's rank, cities ordered by nominal rank
:func:`sobol_bars`                S1 and ST of R_S per factor with bootstrap CI error bars
:func:`sobol_heatmap`             city x factor heatmap of the Sobol' indices of each city's rank
:func:`tier_probability_heatmap`  city x tier heatmap of P(tier), nominal tier outlined
:func:`convergence_plot`          S1 / ST of R_S against the base sample size N
:func:`rank_shift_distribution`   histogram of R_S over the scenarios, mean marked
================================  ===============================================================

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

__all__ = ["bar", "radar", "heatmap", "rank_shift_chart", "RADAR_COMPARE",
           "rank_uncertainty", "sobol_bars", "sobol_heatmap", "tier_probability_heatmap",
           "convergence_plot", "rank_shift_distribution", "SOBOL_TARGETS", "SOBOL_INDICES",
           "CONVERGENCE_INDICES"]

#: Reference profiles :func:`radar` can draw next to the city.
RADAR_COMPARE = ("mean", "max")
#: Outputs whose Sobol' indices :func:`sobol_bars` can draw (``"rs"``: the mean absolute rank shift).
SOBOL_TARGETS = ("rs",)
#: Sobol' indices :func:`sobol_heatmap` can draw (first order, total order).
SOBOL_INDICES = ("S1", "ST")
#: What :func:`convergence_plot` can draw.
CONVERGENCE_INDICES = ("S1", "ST", "both")

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


# --------------------------------------------------------------------------------------------
# uncertainty and sensitivity charts
# --------------------------------------------------------------------------------------------
def _ua_stats(result, func: str) -> xr.Dataset:
    """The ``stats`` Dataset of an Uncertainty/SensitivityResult; SpecError for anything else."""
    stats = getattr(result, "stats", None)
    if not isinstance(stats, xr.Dataset) or "nominal" not in stats.data_vars:
        raise SpecError(
            f"{func} needs the result of citymodel.uncertainty.engine.run_uncertainty or "
            f"run_sensitivity (an object with a .stats Dataset), got {type(result).__name__}"
        )
    return stats


def _sa_part(result, attr: str, func: str) -> xr.Dataset:
    """``result.indices`` / ``result.convergence`` of a SensitivityResult, with a clear error."""
    _ua_stats(result, func)
    part = getattr(result, attr, None)
    if isinstance(part, xr.Dataset):
        return part
    if attr == "convergence" and hasattr(result, "indices"):
        raise SpecError(
            f"{func}: this sensitivity result has no convergence data; run run_sensitivity with "
            "with_convergence=True and at least N = 16 complete base points"
        )
    raise SpecError(
        f"{func} needs Sobol' indices: pass the result of citymodel.uncertainty.engine."
        f"run_sensitivity (this {type(result).__name__} has no .{attr})"
    )


def _by_nominal(stats: xr.Dataset, top: int | None) -> list:
    """City codes ordered by nominal rank (stable; cities without a nominal rank left out);
    with ``top``, the cities ranked ``<= top`` (ties at the boundary included)."""
    r = pd.Series(np.asarray(stats["nominal"].values, dtype=float),
                  index=list(stats["city"].values)).dropna()
    if top is None:
        order = r.index[np.argsort(r.to_numpy(), kind="stable")]
    else:
        order = an._top(r, an._check_k(top, "top"))
    if len(order) == 0:
        raise SpecError("no city has a nominal rank; nothing to plot")
    return list(order)


def _pick(ds: xr.Dataset, var: str, cities: Sequence) -> np.ndarray:
    """``ds[var]`` (factor, city) for ``cities`` (matched as strings) as a (city, factor) array."""
    pos = {str(c): i for i, c in enumerate(ds["city"].values)}
    idx = [pos[str(c)] for c in cities]
    return np.asarray(ds[var].transpose("city", "factor").values, dtype=float)[idx]


def _annotate_cells(ax: Axes, im, V: np.ma.MaskedArray, fmt: str, *,
                    skip_zero: bool = False) -> None:
    """Print each unmasked value of ``V`` in its cell, white on dark colours, black on light."""
    for i, j in zip(*np.nonzero(~np.ma.getmaskarray(V)), strict=True):
        v = float(V[i, j])
        if skip_zero and v == 0.0:
            continue
        r, g, b, _ = im.cmap(im.norm(v))
        dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
        ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize="x-small",
                color="white" if dark else "black")


def rank_uncertainty(result, ax: Axes | None = None, *, top: int | None = None,
                     label: str | None = "city_en") -> Axes:
    """JRC rank-uncertainty plot: nominal rank, median rank and 5-95 % band of every city.

    Cities are placed on the x axis in the order of their nominal rank (the reference build);
    for each city the plot shows the nominal rank (filled circle), the median rank over the
    scenarios (diamond) and the interval between the 5th and 95th percentiles of its rank
    (vertical bar). The y axis is inverted, rank 1 at the top. A city whose band is long is one
    whose rank depends on the modelling choices; a nominal rank outside the band means the
    reference build is atypical for that city.

    The percentiles are the type-7 quantiles of ``result.stats`` (``q05``, ``median``,
    ``q95``), computed over all scenarios (uncertainty analysis) or over the 2N independent
    A and B runs (sensitivity analysis, as COINr's ``plot_uncertainty``).

    Parameters
    ----------
    result : UncertaintyResult or SensitivityResult
        Output of :func:`citymodel.uncertainty.engine.run_uncertainty` or ``run_sensitivity``.
    ax : Axes, optional
    top : int, optional
        Only the cities with nominal rank ``<= top`` (ties at the boundary included).
        Default: all cities with a nominal rank.
    label : str or None
        City coordinate of ``result.stats`` used for tick labels (default ``city_en`` when
        present, else the city codes); None = codes. More than 80 cities are not labelled
        individually: the x axis then shows the nominal rank position.

    Returns
    -------
    matplotlib.axes.Axes
        Artists: one LineCollection (the bands) and two lines (nominal, median).

    References
    ----------
    Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis
    techniques as tools for the quality assessment of composite indicators. JRSS A 168, 307-323
    (Fig. 2). OECD/JRC (2008), Handbook on Constructing Composite Indicators, Step 7.
    """
    stats = _ua_stats(result, "rank_uncertainty")
    cities = _by_nominal(stats, top)
    sub = stats[["nominal", "median", "q05", "q95"]].sel(city=cities)
    nominal, median, q05, q95 = (np.asarray(sub[v].values, dtype=float)
                                 for v in ("nominal", "median", "q05", "q95"))
    n = len(cities)
    ax = _new_ax(ax, figsize=(max(6.0, min(0.25 * n + 2, 24.0)), 4.5))
    x = np.arange(n, dtype=float)
    ax.vlines(x, q05, q95, colors="tab:blue", lw=3 if n <= 80 else 1.5, alpha=0.6,
              label="5-95 % interval")
    ax.plot(x, nominal, "o", color="black", ms=4, label="nominal rank")
    ax.plot(x, median, "D", color="tab:orange", ms=3.5, mfc="none", label="median rank")
    if n <= 80:
        labels = _city_labels(stats, cities, label)
        fk = _font_kwargs(labels)
        ax.set_xticks(x, labels, rotation=90, fontsize="x-small" if n > 30 else "small", **fk)
        ax.set_xlabel("city (ordered by nominal rank)")
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("position in the nominal ranking (0 = best)")
    finite = np.concatenate([nominal, median, q05, q95])
    finite = finite[np.isfinite(finite)]
    ymax = float(finite.max()) if finite.size else 1.0
    ax.set_xlim(-0.7, n - 0.3)
    ax.set_ylim(ymax + 0.5, 0.5)  # rank 1 at the top
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("rank")
    runs = stats["R_S"].size if "R_S" in stats else None
    ax.set_title("Rank uncertainty" + (f" ({runs} runs)" if runs else "")
                 + (f", top {top} by nominal rank" if top is not None else ""))
    ax.legend(loc="upper right", fontsize="small")  # ranks grow to the right and down
    return ax


def sobol_bars(result, ax: Axes | None = None, *, target: str = "rs") -> Axes:
    """Grouped bars of the first-order (S1) and total (ST) Sobol' indices of R_S per factor.

    With ``A``, ``B`` independent base samples and ``A_B^(i)`` = ``A`` with column ``i`` from ``B``
    (Saltelli et al. 2010; V = var([y_A; y_B])):

    .. math:: S_i = \\frac{\\overline{y_B (y_{A_B^{(i)}} - y_A)}}{V}, \\qquad
              S_{Ti} = \\frac{\\overline{(y_A - y_{A_B^{(i)}})^2}}{2V}

    where ``y`` is R_S, the mean absolute rank shift of a scenario against the nominal ranks
    (Handbook eq. 38). Error bars are the bootstrap confidence intervals stored in the result,
    drawn from the stored bounds ``rs_S1_lo`` ... ``rs_ST_hi`` themselves (so a percentile
    interval that does not contain its estimate is drawn faithfully); there are none when
    ``bootstrap=0``. A negative S1 estimate is impossible in theory and is sampling noise
    (raise N): it is drawn as it is and annotated "noise", not hidden. A dotted line marks the
    0.1 "important factor" threshold of Saisana et al. (2005).

    Parameters
    ----------
    result : SensitivityResult
        Output of :func:`citymodel.uncertainty.engine.run_sensitivity`.
    ax : Axes, optional
    target : {"rs"}
        Output whose indices are drawn (only R_S for now: per-city indices are drawn by
        :func:`sobol_heatmap`).

    Returns
    -------
    matplotlib.axes.Axes
        Artists: 2 x (number of factors) bars (``ax.patches``, S1 first); with intervals, per
        index one LineCollection of CI lines then one of caps (``ax.collections``).

    References
    ----------
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. CPC 181,
    259-270. Jansen, M.J.W. (1999). CPC 117, 35-43. Saisana, M., Saltelli, A. & Tarantola, S.
    (2005). JRSS A 168, 307-323.
    """
    if target not in SOBOL_TARGETS:
        raise unknown_name("Sobol target", target, SOBOL_TARGETS)
    ind = _sa_part(result, "indices", "sobol_bars")
    p = f"{target}_"
    if f"{p}S1" not in ind:
        raise SpecError(f"sobol_bars: the indices have no {p}S1 variable; recompute with run_sensitivity")
    factors = [str(f) for f in ind["factor"].values]
    d = len(factors)
    est = {k: np.asarray(ind[f"{p}{k}"].values, dtype=float).reshape(d) for k in SOBOL_INDICES}
    fk = _font_kwargs(factors)
    ax = _new_ax(ax, figsize=(max(5.0, 1.0 * d + 2), 3.8))
    x = np.arange(d, dtype=float)
    w = 0.38
    for j, (k, colour) in enumerate((("S1", "tab:blue"), ("ST", "tab:orange"))):
        xk = x + (j - 0.5) * w
        ax.bar(xk, est[k], width=w, color=colour,
               label={"S1": "first order S1", "ST": "total ST"}[k])
        lo, hi = ind.get(f"{p}{k}_lo"), ind.get(f"{p}{k}_hi")
        if lo is not None and hi is not None:
            lo = np.asarray(lo.values, dtype=float).reshape(d)
            hi = np.asarray(hi.values, dtype=float).reshape(d)
            if np.isfinite(lo).any() or np.isfinite(hi).any():
                # the interval itself (not estimate +- a half-width): exact for percentile CIs too
                ax.vlines(xk, lo, hi, colors="0.2", lw=1.2)
                ax.hlines(np.concatenate([lo, hi]), np.tile(xk - w / 6, 2), np.tile(xk + w / 6, 2),
                          colors="0.2", lw=1.2)
    ax.axhline(0.0, color="black", lw=0.8)
    ax.axhline(0.1, color="0.5", lw=0.8, ls=":")
    for i in np.flatnonzero(est["S1"] < 0):
        ax.annotate(f"{est['S1'][i]:.2f}\n(noise)", (x[i] - w / 2, est["S1"][i]),
                    xytext=(0, -4), textcoords="offset points", ha="center", va="top",
                    fontsize="x-small", color="tab:red",
                    bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 0.5})
    long = sum(len(str(f)) for f in factors) > 40
    ax.set_xticks(x, factors, rotation=30 if long else 0, ha="right" if long else "center", **fk)
    ax.set_ylabel("Sobol' index")
    n_base = ind.attrs.get("N", getattr(result, "attrs", {}).get("N"))
    conf = ind.attrs.get("conf")
    ci = (f", {float(conf):.0%} bootstrap CI" if conf is not None and ind.attrs.get("bootstrap", 1)
          else "")
    ax.set_title("Sobol' indices of R_S" + (f" (N = {n_base}{ci})" if n_base is not None else ""))
    if np.nanmin(np.append(est["S1"], 0.0)) < 0:  # room for the "noise" notes
        ax.set_ylim(bottom=min(ax.get_ylim()[0], float(np.nanmin(est["S1"])) - 0.15))
    ax.legend(fontsize="small", loc="upper right")
    return ax


def sobol_heatmap(result, ax: Axes | None = None, *, index: str = "ST", top: int | None = 30,
                  label: str | None = "city_en", annotate: bool | None = None,
                  cmap: str = "viridis") -> Axes:
    """City x factor heatmap of the Sobol' indices of every city's rank.

    Row ``c`` shows, for each factor ``i``, ``S_Ti`` (``index="ST"``, Jansen 1999) or ``S_i``
    (``index="S1"``, Saltelli et al. 2010) of the output "rank of city ``c``": the share of
    the variance of that city's rank due to factor ``i`` (with its interactions, for ST).
    Cities are the rows, ordered by nominal rank. A city whose rank is the same in every A and
    B run has V = 0 and undefined indices (NaN): its row is grey and the title says how many
    such cities are shown. The colour scale is fixed to [0, 1] (the range of the true indices);
    estimates outside it (sampling noise at small N) take the end colours -- the colour bar
    has arrows -- and the printed values show the actual estimates.

    Parameters
    ----------
    result : SensitivityResult
        Output of :func:`citymodel.uncertainty.engine.run_sensitivity`.
    ax : Axes, optional
    index : {"ST", "S1"}
        Total-order (default) or first-order indices.
    top : int or None
        Cities with nominal rank ``<= top`` (ties included); None = all cities.
    label : str or None
        City coordinate of ``result.stats`` for row labels (default ``city_en``).
    annotate : bool, optional
        Print each value in its cell; default when there are at most 300 cells.
    cmap : str
        Matplotlib colour map.

    Returns
    -------
    matplotlib.axes.Axes (the colour bar is a second Axes of the same figure).
        The image is ``ax.images[0]``, of shape (cities, factors).

    References
    ----------
    Saltelli, A. et al. (2010). CPC 181, 259-270. Jansen, M.J.W. (1999). CPC 117, 35-43.
    """
    if index not in SOBOL_INDICES:
        raise unknown_name("Sobol index", index, SOBOL_INDICES)
    stats = _ua_stats(result, "sobol_heatmap")
    ind = _sa_part(result, "indices", "sobol_heatmap")
    var = f"rank_{index}"
    if var not in ind:
        raise SpecError(f"sobol_heatmap: the indices have no {var} variable; recompute with run_sensitivity")
    cities = _by_nominal(stats, top)
    factors = [str(f) for f in ind["factor"].values]
    V = np.ma.masked_invalid(_pick(ind, var, cities))
    undefined = np.ma.getmaskarray(V).all(axis=1)
    labels = _city_labels(stats, cities, label)
    fk = _font_kwargs(labels + factors)
    ax = _new_ax(ax, figsize=(1.0 * len(factors) + 3.5, max(3.0, 0.28 * len(cities) + 1.2)))
    cm = mpl.colormaps[cmap].with_extremes(bad="lightgrey")
    im = ax.imshow(V, aspect="auto", cmap=cm, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, label=f"{index} of the city's rank", extend="both")
    # long factor names (e.g. "noise_pillars") are turned so neighbours do not overlap
    turn = {"rotation": 40, "ha": "right", "rotation_mode": "anchor"} if max(map(len, factors), default=0) > 6 else {}
    ax.set_xticks(np.arange(len(factors)), factors, **fk, **turn)
    ax.set_yticks(np.arange(len(cities)), labels, **fk)
    if annotate is None:
        annotate = V.size <= 300
    if annotate:
        _annotate_cells(ax, im, V, ".2f")
    title = f"{'Total' if index == 'ST' else 'First'}-order Sobol' indices of ranks"
    title += f" (top {top})" if top is not None else ""
    if undefined.any():
        k = int(undefined.sum())
        title += f"\ngrey: rank never changes ({k} {'city' if k == 1 else 'cities'}; index undefined)"
    ax.set_title(title, fontsize="medium", **fk)
    return ax


def tier_probability_heatmap(result, ax: Axes | None = None, *, top: int | None = 40,
                             label: str | None = "city_en", annotate: bool | None = None,
                             cmap: str = "Blues") -> Axes:
    """City x tier heatmap of the probability of each tier over the scenarios.

    Cell (c, t) is P(tier_c = t) = (runs placing city c in tier t) / (runs where c has a tier)
    (METHODS.md section 7), from ``result.stats["tier_prob"]``. Cities are rows, ordered by
    nominal rank; each city's nominal tier (the reference build) is outlined in red. The
    colour scale is fixed to [0, 1].

    Parameters
    ----------
    result : UncertaintyResult or SensitivityResult
        Run with a ``tiers`` step in the spec (e.g. ``{"tiers": {"method": "quantile", "k": 4}}``).
    ax : Axes, optional
    top : int or None
        Cities with nominal rank ``<= top`` (ties included); None = all cities.
    label : str or None
        City coordinate of ``result.stats`` for row labels (default ``city_en``).
    annotate : bool, optional
        Print the non-zero probabilities; default when there are at most 300 cells.
    cmap : str
        Matplotlib colour map.

    Returns
    -------
    matplotlib.axes.Axes
        The image is ``ax.images[0]`` (cities x tiers); one Rectangle patch per city with a
        nominal tier.

    References
    ----------
    Saisana, M., Saltelli, A. & Tarantola, S. (2005). JRSS A 168, 307-323.
    """
    stats = _ua_stats(result, "tier_probability_heatmap")
    if "tier_prob" not in stats.data_vars or "tier" not in stats.dims:
        raise SpecError(
            "tier_probability_heatmap: this result has no tier probabilities; add a tiers step "
            "to the spec of run_uncertainty/run_sensitivity, e.g. "
            "spec={'tiers': {'method': 'quantile', 'k': 4}}"
        )
    cities = _by_nominal(stats, top)
    tiers = [str(t) for t in stats["tier"].values]
    P = np.asarray(stats["tier_prob"].sel(city=cities).transpose("city", "tier").values, dtype=float)
    V = np.ma.masked_invalid(P)
    labels = _city_labels(stats, cities, label)
    fk = _font_kwargs(labels + tiers)
    ax = _new_ax(ax, figsize=(0.9 * len(tiers) + 3.5, max(3.0, 0.28 * len(cities) + 1.2)))
    cm = mpl.colormaps[cmap].with_extremes(bad="lightgrey")
    im = ax.imshow(V, aspect="auto", cmap=cm, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, label="P(tier)")
    ax.set_xticks(np.arange(len(tiers)), tiers, **fk)
    ax.set_yticks(np.arange(len(cities)), labels, **fk)
    if annotate is None:
        annotate = V.size <= 300
    if annotate:
        _annotate_cells(ax, im, V, ".2f", skip_zero=True)
    if "nominal_tier" in stats:
        nom = [str(t) for t in stats["nominal_tier"].sel(city=cities).values]
        col = {t: j for j, t in enumerate(tiers)}
        from matplotlib.patches import Rectangle

        for i, t in enumerate(nom):
            if t in col:
                ax.add_patch(Rectangle((col[t] - 0.5, i - 0.5), 1.0, 1.0, fill=False,
                                       edgecolor="tab:red", lw=1.8))
    ax.set_xlabel("tier (red outline: nominal tier)")
    ax.set_title("Tier probabilities" + (f" (top {top})" if top is not None else ""), **fk)
    return ax


def convergence_plot(result, ax: Axes | None = None, *, index: str = "both") -> Axes:
    """Sobol' indices of R_S recomputed on the first N' base points, against N'.

    One colour per factor; total-order ST solid with circles, first-order S1 dashed with
    squares. The x axis is log2 (the default N' are 8, 16, 32, ..., N). Estimates that still
    move at the largest N' are not converged: raise N. Bootstrap bands are shaded when the
    convergence data have them.

    Parameters
    ----------
    result : SensitivityResult
        Output of :func:`citymodel.uncertainty.engine.run_sensitivity` with convergence data
        (``with_convergence=True`` and N >= 16); see
        :func:`citymodel.uncertainty.sobol.convergence`.
    ax : Axes, optional
    index : {"both", "ST", "S1"}

    Returns
    -------
    matplotlib.axes.Axes
        One line per factor and index drawn (2 x factors for ``"both"``).

    References
    ----------
    Saltelli, A. et al. (2010). CPC 181, 259-270.
    """
    if index not in CONVERGENCE_INDICES:
        raise unknown_name("convergence index", index, CONVERGENCE_INDICES)
    conv = _sa_part(result, "convergence", "convergence_plot")
    which = list(SOBOL_INDICES) if index == "both" else [index]
    Ns = np.asarray(conv["N"].values, dtype=float)
    factors = [str(f) for f in conv["factor"].values]
    fk = _font_kwargs(factors)
    ax = _new_ax(ax, figsize=(6.0, 3.8))
    style = {"ST": ("-", "o"), "S1": ("--", "s")}
    colours = mpl.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    for f_i, f in enumerate(factors):
        colour = colours[f_i % len(colours)]
        for k in which:
            v = np.asarray(conv[k].sel(factor=conv["factor"].values[f_i]).values, dtype=float)
            ls, mk = style[k]
            ax.plot(Ns, v, ls=ls, marker=mk, ms=4, color=colour, label=f"{f} {k}")
            lo, hi = conv.get(f"{k}_lo"), conv.get(f"{k}_hi")
            if lo is not None and hi is not None:
                lo_v = np.asarray(lo.sel(factor=conv["factor"].values[f_i]).values, dtype=float)
                hi_v = np.asarray(hi.sel(factor=conv["factor"].values[f_i]).values, dtype=float)
                if np.isfinite(lo_v).any():
                    ax.fill_between(Ns, lo_v, hi_v, color=colour, alpha=0.12, lw=0)
    ax.set_xscale("log", base=2)
    ax.set_xticks(Ns, [str(int(n)) for n in Ns])
    ax.minorticks_off()
    ax.set_xlabel("base sample size N (log2 scale)")
    ax.set_ylabel("Sobol' index of R_S")
    ax.set_title("Convergence of the Sobol' indices of R_S")
    leg = ax.legend(fontsize="x-small", ncol=2 if len(factors) * len(which) > 6 else 1,
                    loc="best")
    for t in leg.get_texts():
        t.set(**fk)
    return ax


def rank_shift_distribution(result, ax: Axes | None = None, *, bins="auto") -> Axes:
    """Histogram of R_S over the scenarios, with its mean marked.

    .. math:: R_S = \\frac{1}{M} \\sum_c |\\mathrm{rank}_{ref}(c) - \\mathrm{rank}_S(c)|

    (Handbook eq. 38; ``rank_ref`` = nominal ranks, M cities), one value per scenario from
    ``result.stats["R_S"]`` (all runs of an uncertainty analysis; the 2N independent A and B
    runs of a sensitivity analysis). Failed scenarios (NaN) are left out and counted in the
    title. The mean is a dashed vertical line.

    Parameters
    ----------
    result : UncertaintyResult or SensitivityResult
    ax : Axes, optional
    bins : int, sequence or str
        Passed to :func:`numpy.histogram_bin_edges` (default ``"auto"``).

    Returns
    -------
    matplotlib.axes.Axes
        The bars are ``ax.patches``; the mean line is ``ax.lines[0]``.

    References
    ----------
    OECD/JRC (2008). Handbook on Constructing Composite Indicators, eq. 38.
    """
    stats = _ua_stats(result, "rank_shift_distribution")
    if "R_S" not in stats:
        raise SpecError("rank_shift_distribution: the result has no R_S per scenario")
    rs = np.asarray(stats["R_S"].values, dtype=float).ravel()
    ok = np.isfinite(rs)
    if not ok.any():
        raise SpecError("rank_shift_distribution: no scenario has a finite R_S (all failed?)")
    v = rs[ok]
    edges = np.histogram_bin_edges(v, bins=bins)
    ax = _new_ax(ax, figsize=(5.5, 3.8))
    ax.hist(v, bins=edges, color="tab:blue", alpha=0.75, edgecolor="white")
    m = float(v.mean())
    ax.axvline(m, color="black", ls="--", lw=1.2, label=f"mean R_S = {m:.3g}")
    ax.set_xlabel("R_S: mean |rank - nominal rank| per scenario")
    ax.set_ylabel("scenarios")
    failed = int((~ok).sum())
    ax.set_title(f"Rank shift over {v.size} scenarios" + (f" ({failed} failed, left out)" if failed else ""))
    ax.legend(fontsize="small")
    return ax
