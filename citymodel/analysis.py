"""Report-style analyses of a built index (the tables of the Chinese city digital-economy reports).

The CCID and H3C/CAICT reports present a ranking with a handful of standard tables; this module
computes each of them from the :class:`xarray.Dataset` returned by
:func:`citymodel.build.build` (``score``/``rank`` on ``(city, node)``, ``level``/``parent`` on
``node``, optional ``tier``/``tier_code`` and city coordinates such as ``province``,
``region``, ``city_en``; ``attrs["index"]`` names the index node):

=========================  ========================================================================
:func:`pillar_means`       mean pillar (or any level's) scores by tier, region or province
                           (H3C: 各线城市平均得分, 分项平均得分)
:func:`top_gap`            mean of the Top-10 minus mean of the Top-100 per pillar
:func:`group_counts`       listed cities per province/region, optionally among the top-k
                           (CCID: 山东上榜城市13个, 广东10个); :func:`coverage` checks
                           "江苏全域入榜" against the number of candidate cities
:func:`radar_data`         one city's pillar profile against the mean and the best
:func:`rank_comparison`    top-k under several builds (equal/entropy/AHP/PCA weights...):
                           ranks, Spearman correlations, top-k overlap, largest rank shift
=========================  ========================================================================

All functions are pure: they return pandas objects and print nothing. They also accept a
*published* ranking held as a Dataset with one-dimensional ``score``/``rank`` on ``city``
(e.g. :func:`citymodel.datasets.load_h3c2021`): its score is then treated as the index and
the only node.

Conventions: "top-k" means the cities whose index rank is at most k (ties at the boundary are
all included, as a published "Top 10" would list them), missing scores are skipped by means,
and groups with a missing label are left out.

References
----------
赛迪顾问 CCID Consulting (2021), 2021中国城市数字化转型白皮书.
新华三集团数字经济研究院 / 中国信息通信研究院 (2021), 中国城市数字经济指数蓝皮书(2021).
OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, Steps 7-10 (rank shifts,
eq. 38; presentation of results).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from .datasets import short_province
from .errors import DataError, SpecError, unknown_name
from .methods.rank import rank as _rank

__all__ = [
    "pillar_means",
    "top_gap",
    "group_counts",
    "coverage",
    "radar_data",
    "rank_comparison",
    "RankComparison",
    "RADAR_BEST",
]

#: Meanings of the ``max`` column of :func:`radar_data` (parameter ``best``).
RADAR_BEST = ("node", "index")

Level = int | Sequence[str] | None


# --------------------------------------------------------------------------------------------
# helpers: reading a build result
# --------------------------------------------------------------------------------------------
def _check_ds(ds) -> xr.Dataset:
    if not isinstance(ds, xr.Dataset):
        raise DataError(
            f"expected the xarray.Dataset returned by citymodel.build.build, got {type(ds).__name__}"
        )
    if "score" not in ds.data_vars:
        raise DataError(
            "the Dataset has no 'score' variable; pass the result of citymodel.build.build "
            "(or a published ranking with 'score' and 'rank' on 'city')"
        )
    if "city" not in ds["score"].dims:
        raise DataError(f"'score' has dimensions {ds['score'].dims}; a 'city' dimension is needed")
    extra = [d for d in ds["score"].dims if d not in ("city", "node")]
    if extra:
        raise DataError(
            f"'score' has extra dimensions {extra}; select one scenario first, e.g. "
            f"ds.isel({extra[0]}=0)"
        )
    return ds


def _has_nodes(ds: xr.Dataset) -> bool:
    return "node" in ds["score"].dims


def _index_code(ds: xr.Dataset) -> str:
    """Code of the index node: ``attrs['index']``, else the unique node of the highest level."""
    if not _has_nodes(ds):
        return str(ds.attrs.get("index", "score"))
    nodes = [str(n) for n in ds["node"].values]
    idx = ds.attrs.get("index")
    if idx is not None and str(idx) in nodes:
        return str(idx)
    if "level" in ds.coords:
        lev = np.asarray(ds["level"].values)
        top = [n for n, v in zip(nodes, lev, strict=True) if v == lev.max()]
        if len(top) == 1:
            return top[0]
    raise DataError(
        "cannot tell which node is the index: set ds.attrs['index'] to its code "
        "(build() does) or give the nodes a 'level' coordinate with a single top node"
    )


def _scores(ds: xr.Dataset, nodes: Sequence[str]) -> pd.DataFrame:
    """Scores of ``nodes`` as a DataFrame (city x node)."""
    cities = pd.Index([c for c in ds["city"].values], name="city")
    if not _has_nodes(ds):
        return pd.DataFrame({nodes[0]: np.asarray(ds["score"].values, dtype=float)}, index=cities)
    vals = ds["score"].sel(node=list(nodes)).transpose("city", "node").values
    return pd.DataFrame(np.asarray(vals, dtype=float), index=cities,
                        columns=pd.Index(list(nodes), name="node"))


def _node_rank(ds: xr.Dataset, node: str | None = None) -> pd.Series:
    """Rank of ``node`` (default the index) per city; computed (ties 'min') if ds has none."""
    node = _index_code(ds) if node is None else node
    cities = pd.Index(list(ds["city"].values), name="city")
    if "rank" in ds.data_vars:
        r = ds["rank"]
        if "node" in r.dims:
            r = r.sel(node=node)
        return pd.Series(np.asarray(r.values, dtype=float), index=cities, name=node)
    s = _scores(ds, [node])[node].to_numpy()
    return pd.Series(_rank(s, ties="min"), index=cities, name=node)


def _level_nodes(ds: xr.Dataset, level: Level) -> list[str]:
    """Node codes selected by ``level``: None = children of the index (the pillars)."""
    idx = _index_code(ds)
    if not _has_nodes(ds):
        if level is not None:
            raise SpecError(
                "this Dataset holds only an index score (no 'node' dimension); leave level=None"
            )
        return [idx]
    nodes = [str(n) for n in ds["node"].values]
    if level is None:
        if "parent" in ds.coords:
            kids = [n for n, p in zip(nodes, ds["parent"].values, strict=True) if str(p) == idx]
        elif "level" in ds.coords:
            lev = np.asarray(ds["level"].values)
            kids = [n for n, v in zip(nodes, lev, strict=True) if v == lev.max() - 1]
        else:
            raise DataError("the Dataset has neither a 'parent' nor a 'level' coordinate on 'node'; "
                            "pass level=[node codes]")
        if not kids:
            raise SpecError(f"the index {idx!r} has no child nodes; pass level=<int> or a list of nodes")
        return kids
    if isinstance(level, (int, np.integer)) and not isinstance(level, bool):
        if "level" not in ds.coords:
            raise DataError("the Dataset has no 'level' coordinate on 'node'; pass a list of node codes")
        lev = np.asarray(ds["level"].values)
        out = [n for n, v in zip(nodes, lev, strict=True) if v == level]
        if not out:
            valid = sorted({int(v) for v in lev})
            raise SpecError(
                f"no node has level {level}; levels are {valid} (1 = indicators, "
                f"{max(valid)} = the index {idx!r})"
            )
        return out
    if isinstance(level, str):
        level = [level]
    try:
        wanted = [str(n) for n in level]
    except TypeError:
        raise SpecError(f"level must be an int, a list of node codes or None; got {level!r}") from None
    for n in wanted:
        if n not in nodes:
            raise unknown_name("node", n, nodes)
    if not wanted:
        raise SpecError("level is an empty list; give at least one node code")
    return wanted


def _check_k(k, what: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise SpecError(f"{what} must be a positive integer; got {k!r}")
    return int(k)


def _top(rank: pd.Series, k: int) -> pd.Index:
    """Cities with rank <= k, best first (ties at the boundary included)."""
    r = rank[rank <= k]
    order = np.argsort(r.to_numpy(), kind="stable")
    return r.index[order]


def _city_vars(ds: xr.Dataset) -> list[str]:
    names = [str(c) for c in ds.coords if ds[c].dims == ("city",) and c != "city"]
    names += [str(v) for v in ds.data_vars if ds[v].dims == ("city",)]
    return names


def _group_labels(ds: xr.Dataset, by) -> tuple[pd.Series, list | None]:
    """City -> group label, and the preferred group order (None = sorted)."""
    cities = pd.Index(list(ds["city"].values), name="city")
    if isinstance(by, (pd.Series, Mapping)):
        s = pd.Series(by) if not isinstance(by, pd.Series) else by
        return pd.Series(s.reindex(cities).to_numpy(dtype=object), index=cities, name="group"), None
    if not isinstance(by, str):
        raise SpecError(f"by must be the name of a city coordinate or a city -> group mapping; got {by!r}")
    valid = _city_vars(ds)
    if by not in valid:
        if by == "tier":
            raise SpecError(
                "the Dataset has no tiers; build with a tiering step, e.g. spec "
                "{'tiers': {'method': 'bands', 'cutoffs': [...], 'labels': [...]}}, "
                f"or group by one of: {', '.join(valid) or '(no city coordinates)'}"
            )
        raise unknown_name("city grouping", by, valid)
    var = ds[by]
    lab = pd.Series(np.asarray(var.values, dtype=object), index=cities, name=by)
    lab = lab.where(lab.notna() & (lab.astype(str) != ""))
    order = None
    if "labels" in var.attrs:
        order = [str(x) for x in var.attrs["labels"]]
    elif by == "tier" and "tier_code" in ds.data_vars:
        code = pd.Series(np.asarray(ds["tier_code"].values), index=cities)
        first = code[lab.notna()].groupby(lab[lab.notna()]).min().sort_values()
        order = list(first.index)
    return lab, order


def _order_groups(index: pd.Index, order: list | None) -> list:
    present = list(index)
    if order is None:
        return sorted(present, key=str)
    head = [g for g in order if g in present]
    return head + sorted((g for g in present if g not in head), key=str)


# --------------------------------------------------------------------------------------------
# pillar means by group
# --------------------------------------------------------------------------------------------
def pillar_means(ds: xr.Dataset, by: str | Mapping | pd.Series = "tier",
                 level: Level = None) -> pd.DataFrame:
    """Mean score of each node of ``level`` by group of cities (tier, region, province...).

    .. math:: \\bar s_{g,p} = \\frac{1}{|C_g|}\\sum_{c \\in C_g} s_{c,p}

    over the cities ``C_g`` of group ``g`` with a non-missing score of node ``p``.

    Parameters
    ----------
    ds : xarray.Dataset
        Result of :func:`citymodel.build.build` (or a published ranking with 1-D ``score``).
    by : str or mapping
        ``"tier"`` (needs tiers in the build), the name of any city coordinate or city
        variable (``"region"``, ``"province"``...), or a mapping / Series city -> group.
    level : int, list of node codes or None
        Nodes to average. None (default): the children of the index (the pillars). An int
        selects every node of that COINr level (1 = indicators; the index level gives the
        index itself).

    Returns
    -------
    pandas.DataFrame
        One row per group (tiers best first, in the order of ``ds.tier.attrs['labels']``;
        other groupings sorted by label), one column per node, plus ``n``: the number of
        cities in the group. Cities with a missing group label are left out.

    References
    ----------
    H3C/CAICT (2021) 中国城市数字经济指数蓝皮书: "各线城市平均得分" and "分项平均得分".

    Examples
    --------
    >>> from citymodel.datasets import load_h3c2021
    >>> m = pillar_means(load_h3c2021(), by="tier")  # published 90.3/70.6/56.8/44.1/38.4
    >>> m["score"].round(1).to_dict(), m["n"].tolist()
    ({'一线': 90.3, '新一线': 70.6, '二线': 56.8, '三线': 44.1, '四线': 38.4}, [6, 47, 71, 88, 30])
    """
    ds = _check_ds(ds)
    nodes = _level_nodes(ds, level)
    S = _scores(ds, nodes)
    lab, order = _group_labels(ds, by)
    keep = lab.notna()
    if not keep.any():
        raise DataError(f"no city has a group label for by={by!r}; every label is missing")
    g = S[keep].groupby(lab[keep].to_numpy(), sort=False)
    out = g.mean()
    out["n"] = g.size().astype(int)
    out = out.loc[_order_groups(out.index, order)]
    out.index.name = by if isinstance(by, str) else "group"
    out.columns.name = None
    return out


# --------------------------------------------------------------------------------------------
# top-k gap
# --------------------------------------------------------------------------------------------
def top_gap(ds: xr.Dataset, top: int = 10, of: int | None = 100, level: Level = None) -> pd.DataFrame:
    """Per pillar: mean of the Top-``top`` cities minus mean of the Top-``of`` (by index rank).

    .. math:: \\mathrm{gap}_p = \\frac{1}{|T_k|}\\sum_{c\\in T_k} s_{c,p}
              - \\frac{1}{|T_K|}\\sum_{c\\in T_K} s_{c,p},\\qquad T_k = \\{c: r_c \\le k\\}

    with ``r_c`` the index rank, ``k = top`` and ``K = of``; missing scores are skipped. Ties at
    the boundary enter the set (``|T_k|`` can exceed ``k``); the set sizes are in
    ``attrs["n_top"]`` and ``attrs["n_of"]``.

    Parameters
    ----------
    ds : xarray.Dataset
        Result of :func:`citymodel.build.build` (or a published 1-D ranking).
    top : int
        Size of the leading group (default 10).
    of : int or None
        Size of the comparison group (default 100); None = every ranked city. Must exceed
        ``top`` and not exceed the number of ranked cities.
    level : int, list of node codes or None
        Nodes compared; None = the pillars (children of the index).

    Returns
    -------
    pandas.DataFrame indexed by node with columns ``top_mean``, ``of_mean``, ``gap``.

    References
    ----------
    The "Top 10 vs Top 100" comparisons of the CCID 2021 white paper and H3C/CAICT 2021.

    Examples
    --------
    >>> from citymodel.datasets import load_h3c2021
    >>> top_gap(load_h3c2021(), top=6, of=None).round(2).loc["score"].tolist()
    [90.33, 53.43, 36.9]

    (published: the six 一线 cities average 90.3, all 242 cities 53.4.)
    """
    ds = _check_ds(ds)
    top = _check_k(top, "top")
    r = _node_rank(ds)
    n_ranked = int(r.notna().sum())
    if of is None:
        of = n_ranked
    of = _check_k(of, "of")
    if of > n_ranked:
        raise SpecError(
            f"of={of} but only {n_ranked} cities are ranked; use of <= {n_ranked} "
            "(or of=None for all ranked cities)"
        )
    if top >= of:
        raise SpecError(f"top ({top}) must be smaller than of ({of})")
    nodes = _level_nodes(ds, level)
    S = _scores(ds, nodes)
    t, o = _top(r, top), _top(r, of)
    out = pd.DataFrame({"top_mean": S.loc[t].mean(), "of_mean": S.loc[o].mean()})
    out["gap"] = out["top_mean"] - out["of_mean"]
    out.index.name = "node"
    out.attrs = {"top": top, "of": of, "n_top": len(t), "n_of": len(o)}
    return out


# --------------------------------------------------------------------------------------------
# counts per group and coverage
# --------------------------------------------------------------------------------------------
def group_counts(ds_or_frame: xr.Dataset | pd.DataFrame, by: str = "province",
                 top: int | None = None) -> pd.Series:
    """Number of listed cities per group, optionally among the top-``top``, sorted descending.

    .. math:: n_g = |\\{c \\in C_g : r_c \\le k\\}|

    Parameters
    ----------
    ds_or_frame : xarray.Dataset or pandas.DataFrame
        A build result (groups from a city coordinate/variable; rank = index rank) or a table
        with one row per listed city, a column ``by`` and, if ``top`` is given, a ``rank``
        column (e.g. :func:`citymodel.datasets.load_ccid2021_top100`).
    by : str
        Grouping column/coordinate, e.g. ``"province"``, ``"region"``, ``"tier"``.
    top : int, optional
        Count only the cities ranked ``<= top``.

    Returns
    -------
    pandas.Series named ``n``, indexed by group; largest count first, ties by group label.

    References
    ----------
    CCID (2021) white paper: "山东上榜城市13个，广东上榜城市10个，江苏更是全域入榜".

    Examples
    --------
    >>> from citymodel.datasets import load_ccid2021_top100
    >>> group_counts(load_ccid2021_top100()).head(3).to_dict()
    {'山东省': 13, '江苏省': 13, '广东省': 10}
    """
    if isinstance(ds_or_frame, pd.DataFrame):
        df = ds_or_frame
        if by not in df.columns:
            raise unknown_name("grouping column", by, [str(c) for c in df.columns])
        lab = df[by]
        if top is not None:
            top = _check_k(top, "top")
            if "rank" not in df.columns:
                raise SpecError(f"top={top} needs a 'rank' column; the table has {list(df.columns)}")
            lab = lab[pd.to_numeric(df["rank"], errors="coerce") <= top]
    elif isinstance(ds_or_frame, xr.Dataset):
        ds = _check_ds(ds_or_frame)
        lab, _ = _group_labels(ds, by)
        if top is not None:
            top = _check_k(top, "top")
            lab = lab.loc[_top(_node_rank(ds), top)]
    else:
        raise DataError(
            f"group_counts needs a build Dataset or a DataFrame, got {type(ds_or_frame).__name__}"
        )
    lab = lab.dropna()
    counts = pd.Series(lab.to_numpy(dtype=object)).value_counts()
    keys = sorted(counts.index, key=lambda g: (-int(counts[g]), str(g)))
    out = pd.Series([int(counts[g]) for g in keys], index=pd.Index(keys, name=by, dtype=object),
                    name="n", dtype=int)
    return out


def _match_group(key: Hashable, counts: pd.Series) -> Hashable | None:
    if key in counts.index:
        return key
    short = short_province(str(key))
    hits = [g for g in counts.index if short_province(str(g)) == short]
    return hits[0] if len(hits) == 1 else None


def coverage(counts: pd.Series | Mapping, universe: Mapping[Hashable, int]) -> pd.DataFrame:
    """Share of each group's candidate cities that are listed ("江苏全域入榜").

    .. math:: \\mathrm{share}_g = n_g / N_g, \\qquad \\mathrm{all\\_listed}_g = (n_g = N_g)

    Parameters
    ----------
    counts : Series or mapping
        Listed cities per group, e.g. the output of :func:`group_counts`.
    universe : mapping
        Group -> number of candidate cities (e.g. prefecture-level cities of the province:
        江苏 13, 山东 16, 广东 21). Groups are matched exactly, else by short province
        name (``"江苏"`` matches ``"江苏省"``).

    Returns
    -------
    pandas.DataFrame indexed by the universe's groups (in the order given) with columns
    ``listed``, ``total``, ``share`` and ``all_listed``. Groups counted but absent from the
    universe are listed in ``attrs["not_in_universe"]``.

    Raises
    ------
    DataError
        If a group has more listed cities than candidates, or a total is not a positive integer.

    Examples
    --------
    >>> coverage({"江苏省": 13, "山东省": 13}, {"江苏": 13, "山东": 16})
        listed  total  share  all_listed
    江苏      13     13  1.000        True
    山东      13     16  0.812       False
    """
    c = pd.Series(counts, dtype=object) if not isinstance(counts, pd.Series) else counts
    if not isinstance(universe, Mapping) or not universe:
        raise SpecError("universe must be a non-empty mapping group -> number of candidate cities")
    rows, used = [], set()
    for g, total in universe.items():
        if isinstance(total, bool) or not isinstance(total, (int, np.integer)) or total < 1:
            raise DataError(f"universe[{g!r}] = {total!r}; the number of candidate cities must be "
                            "a positive integer")
        hit = _match_group(g, c)
        listed = 0 if hit is None else int(c[hit])
        if hit is not None:
            used.add(hit)
        if listed > total:
            raise DataError(
                f"{listed} {g} cities are listed but the universe has only {total}; check the "
                "universe (candidate cities per group) or the grouping labels"
            )
        rows.append((g, listed, int(total)))
    out = pd.DataFrame(rows, columns=["group", "listed", "total"]).set_index("group")
    out.index.name = None
    out["share"] = (out["listed"] / out["total"]).round(3)
    out["all_listed"] = out["listed"] == out["total"]
    out.attrs["not_in_universe"] = [g for g in c.index if g not in used]
    return out


# --------------------------------------------------------------------------------------------
# radar data
# --------------------------------------------------------------------------------------------
def _resolve_city(ds: xr.Dataset, city) -> str:
    cities = list(ds["city"].values)
    if city in cities:
        return city
    for coord in ("city_en", "city_full"):
        if coord in ds.coords:
            vals = [str(v) for v in ds[coord].values]
            hits = [cities[i] for i, v in enumerate(vals) if v.lower() == str(city).lower()]
            if len(hits) == 1:
                return hits[0]
    shown = ", ".join(map(str, cities[:12])) + (" ..." if len(cities) > 12 else "")
    raise SpecError(f"unknown city {city!r}; the Dataset has {len(cities)} cities: {shown} "
                    "(city codes, or names of the city_en coordinate)")


def radar_data(ds: xr.Dataset, city, level: Level = None, *, best: str = "node") -> pd.DataFrame:
    """A city's scores on the pillars with the mean and the best for comparison.

    ``mean_p`` is the mean of node ``p`` over all cities (missing skipped). ``max_p`` is, with
    ``best="node"`` (default), the highest score any city reaches on ``p``
    (:math:`\\max_c s_{c,p}`, possibly different cities per node); with ``best="index"`` the
    scores of the city ranked first on the index.

    Parameters
    ----------
    ds : xarray.Dataset
        Result of :func:`citymodel.build.build`.
    city : str
        City code (or its ``city_en`` name).
    level : int, list of node codes or None
        Nodes of the radar; None = the pillars.
    best : {"node", "index"}
        Meaning of the ``max`` column, see above.

    Returns
    -------
    pandas.DataFrame indexed by node with columns ``<city>``, ``mean``, ``max``.
    ``attrs["best_city"]`` holds, per node, the city reaching ``max``.
    """
    ds = _check_ds(ds)
    if best not in RADAR_BEST:
        raise unknown_name("radar best", best, RADAR_BEST)
    city = _resolve_city(ds, city)
    nodes = _level_nodes(ds, level)
    S = _scores(ds, nodes)
    out = pd.DataFrame({city: S.loc[city], "mean": S.mean()})
    if best == "node":
        out["max"] = S.max()
        who = {n: (S[n].idxmax() if S[n].notna().any() else None) for n in nodes}
    else:
        first = _top(_node_rank(ds), 1)
        if len(first) == 0:
            raise DataError("no city has an index rank; cannot pick the best city")
        out["max"] = S.loc[first[0]]
        who = dict.fromkeys(nodes, first[0])
    out.index.name = "node"
    out.attrs = {"city": city, "best": best, "best_city": who}
    return out


# --------------------------------------------------------------------------------------------
# rank comparison across builds
# --------------------------------------------------------------------------------------------
@dataclass
class RankComparison:
    """Top-k cities under several builds (weighting schemes...) and agreement statistics.

    Attributes
    ----------
    table : DataFrame
        One row per city in the top-k under any scheme (ordered by the reference rank, then
        by best rank elsewhere); one column of index ranks per scheme and ``max_abs_shift``,
        the largest |rank - reference rank| of the city.
    spearman : DataFrame
        Spearman correlation of the index scores between schemes (all cities, pairwise
        complete).
    overlap : DataFrame
        Number of cities in the top-k of both schemes (diagonal: size of each top-k).
    max_shift : Series
        Per non-reference scheme, the largest |rank shift| (METHODS §7,
        Δ_c = rank_c − rank_ref,c) among the cities of ``table``.
    reference : str
        Scheme the shifts are measured against.
    top : int
    city_info : DataFrame
        City coordinates (e.g. ``city_en``, ``province``) of the table's cities, for labels.
    """

    table: pd.DataFrame
    spearman: pd.DataFrame
    overlap: pd.DataFrame
    max_shift: pd.Series
    reference: str
    top: int
    city_info: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def schemes(self) -> list[str]:
        """Names of the compared builds, reference first."""
        return list(self.spearman.columns)

    @property
    def common(self) -> list:
        """Cities in the top-k under every scheme."""
        t = self.table[self.schemes]
        return list(t.index[(t.astype(float) <= self.top).all(axis=1)])

    def summary(self) -> str:
        """A few lines of text summarising the comparison."""
        ref, others = self.reference, [s for s in self.schemes if s != self.reference]
        lines = [f"Rank comparison of {len(self.schemes)} builds ({', '.join(self.schemes)}); "
                 f"reference {ref!r}; top {self.top} ({len(self.table)} cities listed)."]
        rho = ", ".join(f"{s} {self.spearman.loc[ref, s]:.3f}" for s in others)
        sp = self.spearman.to_numpy(dtype=float).copy()
        np.fill_diagonal(sp, np.nan)
        line = f"Spearman correlation of index scores with {ref}: {rho}"
        if len(self.schemes) > 2 and np.isfinite(sp).any():
            i, j = np.unravel_index(np.nanargmin(sp), sp.shape)
            line += (f" (lowest pair: {self.schemes[i]}-{self.schemes[j]} "
                     f"{sp[i, j]:.3f})")
        lines.append(line + ".")
        n_ref = int(self.overlap.loc[ref, ref])
        ov = ", ".join(f"{s} {int(self.overlap.loc[ref, s])}/{n_ref}" for s in others)
        lines.append(f"Top-{self.top} overlap with {ref}: {ov}; in the top {self.top} under "
                     f"every build: {len(self.common)}.")
        parts = []
        for s in others:
            m = self.max_shift[s]
            if not np.isfinite(m) or m == 0:
                parts.append(f"{s} {'n/a' if not np.isfinite(m) else 0}")
                continue
            d = (self.table[s].astype(float) - self.table[ref].astype(float)).abs()
            who = [str(c) for c in d.index[d == m]]
            parts.append(f"{s} {m:g} ({', '.join(who[:3])}{' ...' if len(who) > 3 else ''})")
        lines.append(f"Largest |rank shift| vs {ref} among listed cities: {'; '.join(parts)}.")
        return "\n".join(lines)


def _int_if_whole(s: pd.Series) -> pd.Series:
    v = s.to_numpy(dtype=float)
    fin = np.isfinite(v)
    if np.all(v[fin] == np.round(v[fin])):
        return s.astype("Int64")
    return s


def rank_comparison(results: Mapping[str, xr.Dataset], top: int = 20, *,
                    reference: str | None = None) -> RankComparison:
    """Compare the top-``top`` cities of several builds (e.g. equal/entropy/AHP/PCA weights).

    For schemes ``a``, ``b`` with index scores ``s^a``, ranks ``r^a`` and top sets
    ``T^a = {c: r^a_c <= top}``:

    * Spearman ρ(s^a, s^b) over cities scored by both (average ranks for ties);
    * overlap |T^a ∩ T^b|;
    * rank shift Δ_c = r^b_c − r^ref_c (METHODS §7) and max_c |Δ_c| over the listed cities
      ``∪_a T^a``.

    Parameters
    ----------
    results : mapping name -> Dataset
        At least two build results, matched by city code.
    top : int
        Size of the top list (default 20); ties at the boundary are included.
    reference : str, optional
        Scheme shifts are measured against; default the first.

    Returns
    -------
    RankComparison with ``.table``, ``.spearman``, ``.overlap``, ``.max_shift``, ``.summary()``.

    References
    ----------
    OECD/JRC (2008) Handbook, Step 7 (Table 23: TAI ranks under EW/FA/BOD/BAP/AHP weights) and
    eq. 38 (rank shifts).
    """
    if not isinstance(results, Mapping) or len(results) < 2:
        raise SpecError("rank_comparison needs a mapping name -> build Dataset with at least two builds")
    top = _check_k(top, "top")
    names = [str(k) for k in results]
    if len(set(names)) != len(names):
        raise SpecError(f"scheme names must be distinct as strings; got {names}")
    if reference is None:
        reference = names[0]
    if reference not in names:
        raise unknown_name("reference scheme", reference, names)
    names = [reference] + [n for n in names if n != reference]
    dss = {str(k): _check_ds(v) for k, v in results.items()}
    scores = pd.DataFrame({n: _scores(dss[n], [_index_code(dss[n])]).iloc[:, 0] for n in names})
    ranks = pd.DataFrame({n: _node_rank(dss[n]) for n in names})
    common = set.intersection(*(set(dss[n]["city"].values) for n in names))
    if len(common) < 2:
        raise DataError(
            f"the builds share {len(common)} cities; at least two common city codes are needed "
            "to compare rankings (are the city coordinates named the same way?)"
        )
    tops = {n: set(_top(ranks[n].dropna(), top)) for n in names}
    listed = set().union(*tops.values())
    table = ranks.loc[[c for c in ranks.index if c in listed]].copy()
    key = pd.DataFrame({"ref": table[reference].fillna(np.inf),
                        "best": table.min(axis=1, skipna=True)})
    order = np.lexsort((key["best"].to_numpy(), key["ref"].to_numpy()))
    table = table.iloc[order]
    shifts = table[names[1:]].sub(table[reference], axis=0).abs()
    table["max_abs_shift"] = shifts.max(axis=1, skipna=True)
    max_shift = shifts.max(axis=0, skipna=True)
    max_shift.name = "max_abs_shift"
    for c in table.columns:
        table[c] = _int_if_whole(table[c])
    table.index.name = "city"
    spearman = scores.corr(method="spearman")
    overlap = pd.DataFrame([[len(tops[a] & tops[b]) for b in names] for a in names],
                           index=names, columns=names)
    ref_ds = dss[reference]
    info_cols = [c for c in ref_ds.coords if ref_ds[c].dims == ("city",) and c != "city"]
    info = pd.DataFrame({c: pd.Series(np.asarray(ref_ds[c].values, dtype=object),
                                      index=list(ref_ds["city"].values)) for c in info_cols})
    info = info.reindex(table.index)
    return RankComparison(table=table, spearman=spearman, overlap=overlap, max_shift=max_shift,
                          reference=reference, top=top, city_info=info)
