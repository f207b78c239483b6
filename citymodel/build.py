"""``build(data, framework, spec)``: one composite index, every node at every level.

The pipeline follows the OECD/JRC Handbook steps (COINr semantics where they differ):

1. impute (optional; every imputed cell is logged),
2. treat outliers (optional, COINr's skew/kurtosis rule; every changed point is logged),
3. apply each indicator's direction once, centrally (x -> d*x; goalposts flipped to match),
4. normalise,
5. aggregate level by level, children before parents, with the weighting scheme and
   aggregation method in force at each level (``IndexSpec.levels`` overrides),
6. rank every node (ties rule of the spec) and tier the index.

Missing values that survive imputation are skipped by the arithmetic/geometric/harmonic
aggregation with the remaining weights re-normalised (COINr ``a_amean``); data-driven
weights need complete data and raise a :class:`DataError` naming the gap otherwise.

The kernels underneath (``citymodel.methods``) all take a leading scenario axis; ``build``
is the S = 1 case and the reference for the uncertainty engine.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

from .data import indicator_data, validate_data
from .errors import DataChangeWarning, DataError, SpecError, unknown_name
from .framework import Framework
from .methods import aggregate as agg
from .methods import impute as imp
from .methods import normalise as nrm
from .methods import rank as rk
from .methods import treat as trt
from .methods import weights as wts
from .spec import IndexSpec, Step

__all__ = ["build", "compute", "Computed", "changes", "to_long", "build_from_files", "node_weights"]

_CHANGE_COLUMNS = ["step", "indicator", "city", "original", "new", "action"]


def _as_spec(spec) -> IndexSpec:
    if spec is None:
        return IndexSpec()
    if isinstance(spec, IndexSpec):
        return spec
    if isinstance(spec, Mapping):
        return IndexSpec.from_dict(spec)
    if isinstance(spec, (str, Path)):
        return IndexSpec.from_yaml(spec)
    raise SpecError(f"spec must be an IndexSpec, a mapping or a YAML path/text, got {type(spec).__name__}")


# --------------------------------------------------------------------------- indicator level
def _impute(X, step: Step, groups: Mapping[str, np.ndarray], cities, inds, log: list) -> np.ndarray:
    if step.method == "none":
        return X
    params = dict(step.params)
    group_values = None
    if step.method.startswith("group_"):
        by = params.pop("by", "province")
        if by not in groups:
            raise SpecError(
                f"group imputation by {by!r}: the data have no city coordinate {by!r}; "
                f"available: {sorted(groups)}"
            )
        group_values = groups[by]
    res = imp.impute(X, step.method, groups=group_values, indicators=inds, cities=cities, **params)
    for r in res.log.itertuples(index=False):
        log.append({"step": "impute", "indicator": r.indicator, "city": r.city,
                    "original": np.nan, "new": r.value, "action": f"imputed_{r.method}"})
    return np.asarray(res.X, dtype=float)


def _treat(X, step: Step, cities, inds, log: list) -> np.ndarray:
    if step.method == "none":
        return X
    res = trt.treat(X, indicators=inds, cities=cities, **dict(step.params))
    for r in res.log.itertuples(index=False):
        log.append({"step": "treat", "indicator": r.indicator, "city": r.city,
                    "original": r.original, "new": r.treated, "action": r.action})
    return np.asarray(res.X, dtype=float)


def _transform(X, name, inds, cities) -> np.ndarray:
    """Pre-transform of the raw data before direction and normalisation (log, log_shift, boxcox)."""
    if name is None or name == "none":
        return X
    if name not in nrm.TRANSFORMS:
        raise unknown_name("pre-transform", name, ("none", *nrm.TRANSFORMS))
    if name == "log_shift":
        return nrm.log_shift(X, indicators=inds)
    return nrm.TRANSFORMS[name](X, indicators=inds, cities=cities)


def _normalise(X, step: Step, fw: Framework, inds, cities=None) -> np.ndarray:
    params = dict(step.params)
    rng = params.pop("range", None)
    X = _transform(X, params.pop("transform", None), inds, cities)
    d = fw.directions.reindex(inds).to_numpy(dtype=float)
    if step.method == "none":
        if rng is not None:
            raise SpecError("normalise method 'none' takes no 'range'")
        return X * d
    if step.method == "goalposts":
        gp = fw.goalposts.reindex(inds)
        if gp.isna().any().any():
            miss = gp.index[gp.isna().any(axis=1)].tolist()
            raise SpecError(
                f"goalposts normalisation needs Lower/Upper for every indicator; missing for {miss}. "
                "Add Lower/Upper columns to the metadata or choose another method."
            )
        Xd, lo, up = nrm.apply_direction(X, d, gp["lower"].to_numpy(), gp["upper"].to_numpy(), indicators=inds)
        if rng is not None:
            params.setdefault("scale", float(rng[1]))
        return nrm.normalise(Xd, "goalposts", lower=lo, upper=up, indicators=inds, **params)
    if rng is not None:
        if step.method != "minmax":
            raise SpecError(f"'range' applies to minmax normalisation only, not {step.method!r}")
        if len(rng) != 2:
            raise SpecError(f"normalise range must be [lo, hi], got {rng!r}")
        params["lo"], params["hi"] = float(rng[0]), float(rng[1])
    return nrm.normalise(X * d, step.method, indicators=inds, **params)


# --------------------------------------------------------------------------- weights
_DATA_DRIVEN = {"entropy", "pca", "critic", "cv", "std", "bod"}


def node_weights(step: Step, values: np.ndarray, fw: Framework, node: str,
                 cities=None) -> np.ndarray:
    """Weights of the children of ``node`` under a weighting step (a vector summing to one).

    ``values`` are the children's (normalised or aggregated) values, shape (city, child).
    """
    kids = fw.children(node)
    m = step.method
    p = dict(step.params)
    if m in _DATA_DRIVEN:
        bad = np.isnan(values)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            city = cities[i] if cities is not None else i
            raise DataError(
                f"{m} weights for {node!r} need complete data, but {kids[j]!r} is missing for city "
                f"{city!r}; add an imputation step (impute: {{method: mean}}) or use meta/equal weights"
            )
    if len(kids) == 1 and m not in ("bod",):
        return np.ones(1)
    if m == "meta":
        return fw.child_weights(node)
    if m == "equal":
        return wts.equal_weights(len(kids))
    if m == "user":
        given = p.get("weights", {})
        unknown = [k for k in given if k not in fw]
        if unknown:
            raise SpecError(f"user weights name unknown nodes {unknown}")
        w = np.array([float(given.get(k, fw[k].weight)) for k in kids])
        return w / w.sum()
    if m == "entropy":
        return wts.entropy_weights(values, indicators=kids, **p)
    if m == "cv":
        return wts.cv_weights(values, indicators=kids, **p)
    if m == "std":
        return wts.std_weights(values, indicators=kids, **p)
    if m == "critic":
        return wts.critic_weights(values, indicators=kids, **p)
    if m == "pca":
        return np.asarray(wts.pca_weights(values, indicators=kids, **p).weights)
    if m == "ahp":
        mats = p.pop("matrices", None) or {}
        if node not in mats:
            raise SpecError(
                f"AHP weights need a comparison matrix for node {node!r} (children {kids}); "
                f"give weights: {{method: ahp, matrices: {{{node}: [[...]]}}}}"
            )
        A = np.asarray(mats[node], dtype=float)
        if "ahp_method" in p:
            p["method"] = p.pop("ahp_method")
        if A.ndim == 3:
            A = wts.ahp_group(A)
        return np.asarray(wts.ahp_weights(A, labels=kids, **p).weights)
    if m == "combined":
        s1 = Step.parse("weights", p.pop("subjective", "meta"))
        s2 = Step.parse("weights", p.pop("objective", "entropy"))
        return wts.combined_weights(node_weights(s1, values, fw, node, cities),
                                    node_weights(s2, values, fw, node, cities), **p)
    raise SpecError(f"weighting method {m!r} cannot be used here")  # pragma: no cover


# --------------------------------------------------------------------------- core
class Computed(NamedTuple):
    """Plain-array result of :func:`compute` (nodes in order: indicators, then aggregates)."""

    nodes: list[str]
    scores: np.ndarray  # (city, node)
    ranks: np.ndarray  # (city, node)
    weights: np.ndarray  # (node,) weight within the parent
    effective_weights: np.ndarray  # (node,)
    tiers: rk.Tiers | None


def compute(X: np.ndarray, fw: Framework, spec: IndexSpec, *, cities: Sequence[str],
            groups: Mapping[str, np.ndarray] | None = None, log: list | None = None,
            weight_rows: np.ndarray | None = None) -> Computed:
    """The numerical core of :func:`build` on plain arrays (no xarray), for engines.

    ``X`` is (city, indicator) in framework order. ``weight_rows`` (optional city indices,
    e.g. a bootstrap resample) are the rows on which data-driven weights are estimated;
    scores are always computed for every city.
    """
    inds = fw.indicators
    log = [] if log is None else log
    X = _impute(X, spec.impute, groups or {}, cities, inds, log)
    X = _treat(X, spec.treat, cities, inds, log)
    N = _normalise(X, spec.normalise, fw, inds, cities)

    values: dict[str, np.ndarray] = {c: N[:, j] for j, c in enumerate(inds)}
    local_w: dict[str, float] = {fw.root: 1.0}
    for node in fw.aggregates:
        kids = fw.children(node)
        level = fw.level(node)
        Xk = np.column_stack([values[k] for k in kids])
        wstep, astep = spec.step("weights", level), spec.step("aggregate", level)
        if wstep.method == "bod":
            res = wts.bod_weights(Xk, **dict(wstep.params))
            values[node] = np.asarray(res.scores, dtype=float)
            W = np.asarray(res.weights, dtype=float)
            share = W * Xk / np.maximum((W * Xk).sum(axis=1, keepdims=True), 1e-300)
            w = np.nanmean(share, axis=0)
        else:
            Xw = Xk if weight_rows is None else Xk[weight_rows]
            w = np.asarray(node_weights(wstep, Xw, fw, node, cities), dtype=float)
            params = dict(astep.params)
            if astep.method in ("arithmetic", "geometric", "harmonic", "generalised", "topsis"):
                params.update(cities=cities, children=kids)
            values[node] = np.asarray(agg.aggregate(Xk, w, astep.method, **params), dtype=float)
        w = w / w.sum()
        local_w.update(dict(zip(kids, w.tolist(), strict=True)))

    nodes = inds + list(fw.aggregates)
    S = np.column_stack([values[c] for c in nodes])
    R = rk.rank(S.T, ties=spec.ties).T
    eff = np.array([float(np.prod([local_w[v] for v in fw.path(c)])) for c in nodes])
    tiers = None
    if spec.tiers.method != "none":
        tiers = rk.assign_tiers(values[fw.root], spec.tiers.method, **dict(spec.tiers.params))
    return Computed(nodes, S, R, np.array([local_w[c] for c in nodes]), eff, tiers)


# --------------------------------------------------------------------------- build
def build(data: xr.DataArray | pd.DataFrame, framework: Framework,
          spec: IndexSpec | Mapping | str | Path | None = None) -> xr.Dataset:
    """Build a composite index: every node's score and rank, tiers, weights and a change log.

    Parameters
    ----------
    data : DataArray (city, indicator) or DataFrame (rows cities, columns indicators)
    framework : Framework
        The indicator tree; the data's indicators must match its leaves.
    spec : IndexSpec, mapping, YAML path or text, optional
        Default: min-max to [0, 100], no imputation or treatment, the framework's weights,
        arithmetic aggregation, ranks with ties 'min', no tiers.

    Returns
    -------
    xarray.Dataset with
        ``score`` (city, node) normalised indicators and aggregated scores of every node;
        ``rank`` (city, node), 1 = best, ties per the spec, NaN for missing scores;
        ``weight`` (node) weight within the parent, ``effective_weight`` (node) in the index;
        ``raw`` (city, indicator) input data; ``tier``/``tier_code`` (city) if tiering is on;
        ``change_*`` (change) the log of every imputed or treated cell (see :func:`changes`);
        coordinates ``level``, ``parent`` on ``node``; attrs ``spec`` (dict), ``framework``,
        ``index`` (root code) and ``synthetic`` carried over from the data.

    Examples
    --------
    >>> from citymodel.datasets import load_tai, tai_framework
    >>> ds = build(load_tai(), tai_framework(), {"normalise": {"method": "goalposts"}})
    >>> round(float(ds.score.sel(city="Finland", node="TAI")), 3)
    0.745
    """
    spec = _as_spec(spec)
    fw = framework
    if isinstance(data, pd.DataFrame):
        data = indicator_data(data, framework=fw)
    da = validate_data(data, fw).transpose("city", "indicator").sel(indicator=fw.indicators)
    cities = [str(c) for c in da.city.values]
    inds = list(fw.indicators)
    log: list[dict] = []

    res = compute(np.array(da.values, dtype=float), fw, spec, cities=cities,
                  groups={c: da[c].values for c in da.coords if da[c].dims == ("city",) and c != "city"},
                  log=log)
    nodes, S, R, local_w, eff = res.nodes, res.scores, res.ranks, res.weights, res.effective_weights

    ds = xr.Dataset(
        {
            "score": (("city", "node"), S),
            "rank": (("city", "node"), R),
            "weight": ("node", local_w),
            "effective_weight": ("node", eff),
            "raw": (("city", "indicator"), np.array(da.values, dtype=float)),
        },
        coords={
            "city": np.array(cities, dtype=object),
            "node": np.array(nodes, dtype=object),
            "indicator": np.array(inds, dtype=object),
            "level": ("node", np.array([fw.level(c) for c in nodes])),
            "parent": ("node", np.array([fw[c].parent or "" for c in nodes], dtype=object)),
        },
    )
    for name, coord in da.coords.items():
        if coord.dims == ("city",) and name != "city":
            ds = ds.assign_coords({name: ("city", coord.values)})
    if res.tiers is not None:
        t = res.tiers
        ds["tier_code"] = ("city", np.asarray(t.codes))
        ds["tier"] = ("city", np.asarray(t.named, dtype=object))
        ds["tier"].attrs["labels"] = list(t.labels)
    chg = pd.DataFrame(log, columns=_CHANGE_COLUMNS)
    for col in _CHANGE_COLUMNS:
        v = chg[col].to_numpy()
        ds[f"change_{col}"] = ("change", v.astype(float) if col in ("original", "new") else v.astype(object))
    ds.attrs = {
        "title": "composite index built by citymodel" + (" from SYNTHETIC data" if int(da.attrs.get("synthetic", 0)) else ""),
        "index": fw.root,
        "spec": spec.to_dict(),
        "framework": fw,
        "synthetic": int(da.attrs.get("synthetic", 0)),
        "n_changes": len(chg),
    }
    if len(chg):
        counts = chg.groupby("step").size().to_dict()
        warnings.warn(f"data changed before aggregation: {counts} cells; see citymodel.build.changes(result)",
                      DataChangeWarning, stacklevel=2)
    return ds


def changes(ds: xr.Dataset) -> pd.DataFrame:
    """The log of every changed cell of a :func:`build` result as a DataFrame."""
    return pd.DataFrame({c: ds[f"change_{c}"].values for c in _CHANGE_COLUMNS})


def to_long(ds: xr.Dataset, unit_col: str = "uCode") -> pd.DataFrame:
    """Long table ``uCode, node, level, score, rank`` covering every node, the index included."""
    df = pd.DataFrame({
        unit_col: np.repeat(ds.city.values, ds.sizes["node"]),
        "node": np.tile(ds.node.values, ds.sizes["city"]),
        "level": np.tile(ds.level.values, ds.sizes["city"]),
        "score": ds.score.transpose("city", "node").values.ravel(),
        "rank": ds["rank"].transpose("city", "node").values.ravel(),
    })
    return df


def build_from_files(data: str | Path, *, meta: str | Path, spec: str | Path | None = None,
                     out: str | Path) -> Path:
    """The ``citymodel build`` command: read DATA and META, build, write the long CSV."""
    from .io import read_framework, read_table

    fw = read_framework(meta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        da = read_table(data, framework=fw)
    ds = build(da, fw, spec)
    out = Path(out)
    df = to_long(ds)
    df["rank"] = df["rank"].astype("Int64")
    df.to_csv(out, index=False)
    return out
