"""Uncertainty and sensitivity analysis of ranks: the reference engine.

:func:`run_uncertainty` samples the scenario space (Monte Carlo, Latin hypercube or
scrambled Sobol' QMC), evaluates every scenario and returns rank statistics per city.
:func:`run_sensitivity` evaluates a Saltelli design and returns Sobol' first-order and
total indices, with bootstrap confidence intervals, for the scalar R_S (COINr's target)
and for every city's rank and score at once.

The *reference* engine evaluates each scenario with :func:`citymodel.build.compute`, the
numerical core of :func:`~citymodel.build.build`: simple and obviously right, the
oracle for faster engines. A scenario that fails (e.g. an AHP matrix perturbed beyond the
consistency threshold) is recorded as NaN with its reason and counted, not fatal.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..build import _as_spec, compute
from ..data import indicator_data, validate_data
from ..errors import CitymodelError, CitymodelWarning, DataChangeWarning, SpecError, unknown_name
from ..framework import Framework
from ..spec import IndexSpec
from .sampling import latin_hypercube, monte_carlo, saltelli_design, sobol_qmc
from .sobol import SobolResult, convergence, sobol_indices
from .space import BoundSpace, ScenarioSpace
from .stats import ChunkStats, chunk_reasons, rank_shift_per_scenario

__all__ = ["run_uncertainty", "run_sensitivity", "evaluate", "run_chunks", "chunk_size", "parse_memory",
           "UncertaintyResult",
           "SensitivityResult", "SAMPLERS", "ENGINES"]

SAMPLERS = {"mc": monte_carlo, "lhs": latin_hypercube, "sobol": sobol_qmc}
ENGINES = ("vectorized", "reference")


class ScenarioFailureWarning(CitymodelWarning):
    """Some scenarios could not be evaluated (recorded as NaN with their reason)."""


@dataclass
class _Prepared:
    X: np.ndarray
    cities: list[str]
    groups: dict
    framework: Framework
    spec: IndexSpec
    nominal_score: np.ndarray
    nominal_rank: np.ndarray
    nominal_tier: np.ndarray | None
    tier_labels: tuple | None
    synthetic: int


def _prepare(data, framework: Framework, spec) -> _Prepared:
    spec = _as_spec(spec)
    if isinstance(data, pd.DataFrame):
        data = indicator_data(data, framework=framework)
    da = validate_data(data, framework).transpose("city", "indicator").sel(indicator=framework.indicators)
    cities = [str(c) for c in da.city.values]
    groups = {c: da[c].values for c in da.coords if da[c].dims == ("city",) and c != "city"}
    X = np.array(da.values, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataChangeWarning)
        nom = compute(X, framework, spec, cities=cities, groups=groups)
    tiers = nom.tiers
    return _Prepared(X, cities, groups, framework, spec, nom.scores[:, -1], nom.ranks[:, -1],
                     None if tiers is None else np.asarray(tiers.codes),
                     None if tiers is None else tuple(tiers.labels), int(da.attrs.get("synthetic", 0)))


def evaluate_one(prep: _Prepared, sc) -> tuple | str:
    """One scenario by :func:`~citymodel.build.compute`: (index scores, ranks, tier codes or None),
    or the failure reason as a string."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataChangeWarning)
            res = compute(prep.X[:, sc.keep], sc.framework, sc.spec, cities=prep.cities,
                          groups=prep.groups, weight_rows=sc.weight_rows)
    except (CitymodelError, ValueError, np.linalg.LinAlgError) as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return res.scores[:, -1], res.ranks[:, -1], (None if res.tiers is None else res.tiers.codes)


def fill_reference(prep: _Prepared, scenarios, rows, S, R, T, reasons) -> None:
    """Evaluate ``scenarios`` one by one and write them into rows ``rows`` of the outputs."""
    for i, sc in zip(rows, scenarios, strict=True):
        r = evaluate_one(prep, sc)
        if isinstance(r, str):
            reasons[i] = r
            continue
        S[i], R[i] = r[0], r[1]
        if r[2] is not None:
            T[i] = r[2]


def evaluate(prep: _Prepared, bound: BoundSpace, U: np.ndarray, *, progress: bool = False,
             chunk: int = 256, compact: bool = False):
    """Evaluate the scenarios of the rows of ``U``; yields chunks of (scores, ranks, tiers, reasons).

    ``compact`` is accepted for symmetry with the vectorised engine and ignored.
    """
    n = U.shape[0]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc="scenarios", unit="run")
    try:
        for start in range(0, n, chunk):
            rows = U[start:start + chunk]
            scen = bound.scenarios(rows)
            M = len(prep.cities)
            S = np.full((len(rows), M), np.nan)
            R = np.full((len(rows), M), np.nan)
            T = np.full((len(rows), M), -1, dtype=np.int64)
            reasons = np.full(len(rows), "", dtype=object)
            fill_reference(prep, scen, np.arange(len(rows)), S, R, T, reasons)
            if bar is not None:
                bar.update(len(rows))
            yield S, R, T, reasons
    finally:
        if bar is not None:
            bar.close()


def _bind(space, prep: _Prepared) -> BoundSpace:
    if isinstance(space, (str, Path)):
        space = ScenarioSpace.from_yaml(space)
    if isinstance(space, Mapping):
        space = ScenarioSpace.from_dict(space)
    if not isinstance(space, ScenarioSpace):
        raise SpecError(f"space must be a ScenarioSpace, mapping or YAML path, got {type(space).__name__}")
    return space.bind(prep.framework, prep.spec, len(prep.cities))


def _evaluator(engine: str):
    if engine not in ENGINES:
        raise unknown_name("engine", engine, ENGINES)
    if engine == "vectorized":
        from .vectorized import evaluate_vectorized

        return evaluate_vectorized
    return evaluate


_UNITS = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 2**10, "mib": 2**20, "gib": 2**30}


def parse_memory(value: str | int | float) -> int:
    """Bytes from ``"1GB"``, ``"500 MB"``, ``"2GiB"`` or a number of bytes."""
    if isinstance(value, (int, float, np.integer, np.floating)):
        if value <= 0:
            raise SpecError(f"max_memory must be positive, got {value}")
        return int(value)
    import re

    m = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", str(value))
    unit = m.group(2).lower() if m else None
    if not m or unit not in _UNITS and unit != "":
        raise SpecError(f"cannot read max_memory {value!r}; use e.g. '1GB', '500MB' or a number of bytes")
    return int(float(m.group(1)) * _UNITS.get(unit or "b", 1))


def chunk_size(n_cities: int, framework: Framework, max_memory: str | int = "1GB") -> int:
    """Scenarios per chunk so that a chunk's working arrays fit in ``max_memory``.

    Per scenario the vectorised engine holds about ``8 M (nodes + 2 max_children + 8)`` bytes
    (node scores, one node's stacked children, weights, ranks and sort buffers); a quarter of
    the budget is left for the accumulator and the interpreter.
    """
    widest = max(len(framework.children(a)) for a in framework.aggregates)
    per = 8 * n_cities * (len(framework.codes) + 2 * widest + 8)
    return int(max(1, min(65536, 0.75 * parse_memory(max_memory) // per)))


def _chunk_task(run, prep, bound, U_chunk, post=None, compact=False):
    """One chunk evaluated in full (the unit of work of the dask scheduler), then ``post(chunk)``."""
    out = next(run(prep, bound, U_chunk, chunk=len(U_chunk), compact=compact))
    return out if post is None else post(out)


def run_chunks(run, prep, bound, U, *, chunk: int, progress: bool = False, scheduler: str = "sync",
               client=None, post=None, compact: bool = False):
    """Yield the evaluated chunks of ``U`` in order, in memory or as dask tasks.

    ``post`` (dask only) is applied to each chunk on the worker, e.g. :class:`ChunkStats` to
    send back statistics instead of the chunk's arrays; the sync scheduler ignores it.
    ``compact`` lets the vectorised engine yield :class:`~.stats.SortedChunk` objects (enough
    for the statistics, no rank matrix) instead of (scores, ranks, tiers, reasons) tuples.
    """
    if scheduler not in ("sync", "dask"):
        raise unknown_name("scheduler", scheduler, ("sync", "dask"))
    if scheduler == "sync":
        yield from run(prep, bound, U, progress=progress, chunk=chunk, compact=compact)
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the environment
        raise SpecError("scheduler='dask' needs dask.distributed: pip install 'citymodel[dask]'") from None
    own = client is None
    if own:
        client = Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(U), desc="scenarios (dask)", unit="run")
    try:
        prep_f, bound_f = client.scatter([prep, bound], broadcast=True)
        starts = range(0, len(U), chunk)
        futures = [client.submit(_chunk_task, run, prep_f, bound_f, U[a:a + chunk], post, compact,
                                 pure=False) for a in starts]
        for fut in futures:  # in order: identical accumulation to the in-memory run
            out = fut.result()
            fut.release()
            if bar is not None:
                bar.update(len(out[-1]) if post is not None else len(chunk_reasons(out)))
            yield out
    finally:
        if bar is not None:
            bar.close()
        if own:
            cluster = client.cluster
            client.close()
            cluster.close()


# --------------------------------------------------------------------------- results
@dataclass
class UncertaintyResult:
    """Rank statistics of an uncertainty analysis (a Dataset plus convenience methods)."""

    stats: xr.Dataset
    runs: xr.Dataset | None = None
    attrs: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per city: ``uCode, nominal, mean, median, q05, q95`` (ordered by nominal rank)."""
        cols = ["nominal", "mean", "median", "q05", "q95"]
        df = pd.DataFrame({c: self.stats[c].values for c in cols},
                          index=pd.Index(self.stats.city.values, name="uCode"))
        return df.sort_values("nominal", kind="stable").reset_index()

    @property
    def n_failed(self) -> int:
        return int(self.attrs.get("n_failed", 0))

    def to_dataset(self) -> xr.Dataset:
        ds = self.stats.copy()
        if self.runs is not None:
            ds = ds.merge(self.runs.rename({v: f"run_{v}" for v in self.runs.data_vars}), compat="override", join="outer")
        ds.attrs = {**self.stats.attrs, **self.attrs}
        return ds


@dataclass
class SensitivityResult(UncertaintyResult):
    """Sobol' indices (R_S, every city's rank and score) plus rank statistics on the A/B runs."""

    sobol_rs: SobolResult | None = None
    sobol_rank: SobolResult | None = None
    sobol_score: SobolResult | None = None
    indices: xr.Dataset | None = None
    convergence: xr.Dataset | None = None

    def to_dataset(self) -> xr.Dataset:
        ds = super().to_dataset()
        if self.indices is not None:
            ds = ds.merge(self.indices, compat="override", join="outer")
        if self.convergence is not None:
            ds = ds.merge(self.convergence.rename({v: f"conv_{v}" for v in self.convergence.data_vars}), compat="override", join="outer")
        ds.attrs = {**self.stats.attrs, **self.attrs}
        return ds

    def flags(self) -> pd.DataFrame:
        """Negative or unstable estimates (per SobolResult.flags), for R_S and for city ranks."""
        out = []
        if self.sobol_rs is not None:
            f = self.sobol_rs.flags()
            f["output"] = "R_S"
            out.append(f)
        if self.sobol_rank is not None:
            f = self.sobol_rank.flags(output_coords={"city": self.stats.city.values.tolist()})
            f["output"] = "rank: " + f["output"].astype(str)
            out.append(f)
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _runs_dataset(prep, labels: pd.DataFrame, U, S, R, T, reasons) -> xr.Dataset:
    ds = _with_city_coords(xr.Dataset(
        {"score": (("scenario", "city"), S), "rank": (("scenario", "city"), R),
         "u": (("scenario", "factor"), U), "failure": ("scenario", reasons.astype(object))},
        coords={"scenario": np.arange(len(S)), "city": np.asarray(prep.cities, dtype=object),
                "factor": np.asarray(labels.columns.tolist(), dtype=object)},
    ), prep)
    if prep.tier_labels is not None:
        ds["tier_code"] = (("scenario", "city"), T)
    for c in labels.columns:
        v = labels[c].to_numpy()
        ds[f"factor_{c}"] = ("scenario", v.astype(object) if v.dtype.kind in "OUT" else v)
    return ds


def _with_city_coords(ds: xr.Dataset, prep: _Prepared) -> xr.Dataset:
    """Carry the data's city coordinates (English name, province, region, ...) into a result."""
    keep = {k: ("city", v) for k, v in prep.groups.items() if k not in ds.coords and k not in ds.data_vars}
    return ds.assign_coords(keep)


def _stats_attrs(prep, bound, **kw) -> dict:
    return {"space": bound.space.to_dict(), "spec": prep.spec.to_dict(),
            "synthetic": prep.synthetic, "index": prep.framework.root, **kw}


# --------------------------------------------------------------------------- UA
def run_uncertainty(data, framework: Framework, space, n: int, *, spec=None, sampler: str = "sobol",
                    seed: int | np.random.Generator | None = None, engine: str = "vectorized",
                    keep: str = "full", top_k: Sequence[int] = (10,), progress: bool = False,
                    chunk: int | None = None, max_memory: str | int = "1GB",
                    scheduler: str = "sync", client=None) -> UncertaintyResult:
    """Monte Carlo uncertainty analysis of every city's rank.

    Parameters
    ----------
    data, framework, spec : as for :func:`citymodel.build.build` (``spec`` is the nominal build)
    space : ScenarioSpace (or mapping / YAML path)
    n : int
        Number of scenarios.
    sampler : {"sobol", "mc", "lhs"}
        Scrambled Sobol' QMC (warns if ``n`` is not a power of 2, as scipy does), plain
        Monte Carlo, or Latin hypercube.
    seed : int or Generator
        The same seed gives identical results.
    keep : {"full", "stats"}
        ``"full"`` also returns every run's scores and ranks (scenario x city); ``"stats"``
        keeps only the streamed statistics (memory independent of ``n``).
    engine : {"vectorized", "reference"}
        Batched kernels (default) or one :func:`~citymodel.build.compute` per scenario; both
        give identical ranks (tested).
    chunk, max_memory : scenarios are processed in chunks; by default the chunk size follows
        from ``max_memory`` (bytes or a string like ``"1GB"``, see :func:`chunk_size`).
    scheduler, client : ``"sync"`` (default) or ``"dask"``: chunks run as dask tasks on
        ``client`` (a ``dask.distributed.Client`` of any cluster) or on a new LocalCluster;
        results are bitwise identical to the in-memory run for the same seed.

    Returns
    -------
    UncertaintyResult with ``stats`` (city: nominal, mean, sd, median, q05, q95, iqr, p_top{k},
    tier_prob (city, tier), p_tier_change; scenario: R_S, spearman).
    """
    run = _evaluator(engine)
    if sampler not in SAMPLERS:
        raise unknown_name("sampler", sampler, SAMPLERS)
    if keep not in ("full", "stats"):
        raise unknown_name("keep option", keep, ("full", "stats"))
    prep = _prepare(data, framework, spec)
    bound = _bind(space, prep)
    n = int(n)
    if n < bound.space.min_runs():
        raise SpecError(
            f"n = {n} runs cannot support this space ({bound.space.d} factors, up to "
            f"{max((f.n_levels or 0) for f in bound.space.factors)} levels); use at least {bound.space.min_runs()}"
        )
    U = SAMPLERS[sampler](n, bound.space.d, seed=seed)
    stats_of = _stats_of(prep, top_k)
    acc = stats_of.new()
    # on dask with keep="stats", workers send back chunk statistics, not (scenario, city) arrays
    post = stats_of if (scheduler == "dask" and keep == "stats") else None
    parts = []
    n_failed, reasons_all = 0, []
    chunk = chunk or chunk_size(len(prep.cities), prep.framework, max_memory)
    for out in run_chunks(run, prep, bound, U, chunk=chunk, progress=progress,
                          scheduler=scheduler, client=client, post=post, compact=keep == "stats"):
        if post is not None:
            part, reasons = out
            acc.merge(part)
        else:
            acc.add(out)
            reasons = chunk_reasons(out)
            if keep == "full":
                parts.append(out[:3])
        n_failed += int((reasons != "").sum())
        reasons_all.append(reasons)
    reasons = np.concatenate(reasons_all)
    stats = _with_city_coords(acc.result(prep.cities, prep.tier_labels), prep)
    runs = None
    if keep == "full":
        S, R, T = (np.concatenate([p[i] for p in parts]) for i in range(3))
        runs = _runs_dataset(prep, bound.decode(U), U, S, R, T, reasons)
        runs["R_S"] = ("scenario", stats["R_S"].values)  # as in run_sensitivity's runs
    else:
        stats["failure"] = ("scenario", reasons)
    _warn_failures(n_failed, n, reasons)
    attrs = _stats_attrs(prep, bound, analysis="uncertainty", engine=engine, n=n, sampler=sampler,
                         seed=str(seed), n_failed=n_failed)
    return UncertaintyResult(stats=stats, runs=runs, attrs=attrs)


def _stats_of(prep: _Prepared, top_k) -> ChunkStats:
    """Settings of the streamed statistics for this nominal build."""
    t = prep.spec.tiers
    cut = tuple(dict(t.params)["cutoffs"]) if t.method == "rank_bands" else None
    return ChunkStats(prep.nominal_rank, prep.nominal_score, len(prep.tier_labels or ()),
                      prep.nominal_tier, tuple(top_k), prep.spec.ties, cut)


def _warn_failures(n_failed: int, n: int, reasons: np.ndarray) -> None:
    if n_failed:
        first = next(r for r in reasons if r)
        warnings.warn(f"{n_failed} of {n} scenarios failed and are NaN (first: {first}); "
                      "see the 'failure' variable", ScenarioFailureWarning, stacklevel=3)


# --------------------------------------------------------------------------- SA
def _valid_design(design, ok_rows: np.ndarray):
    """Drop the base points any of whose rows failed; return the sub-design and its row index."""
    blocks = [design.rows("A"), design.rows("B")] + [design.rows("AB", i) for i in range(design.d)]
    if design.second_order:
        blocks += [design.rows("BA", i) for i in range(design.d)]
    ok_base = np.logical_and.reduce([ok_rows[b] for b in blocks])
    if ok_base.all():
        return design, np.arange(design.runs), 0
    keep_j = np.flatnonzero(ok_base)
    if keep_j.size < 2:
        raise SpecError("fewer than 2 complete base points: too many scenarios failed for a Sobol analysis")
    if design.layout == "salib":
        nb = design.runs // design.N
        idx = (keep_j[:, None] * nb + np.arange(nb)[None, :]).ravel()
    else:
        nb = design.runs // design.N
        idx = (np.arange(nb)[:, None] * design.N + keep_j[None, :]).ravel()
    from .sampling import SaltelliDesign

    sub = SaltelliDesign(X=design.X[idx], N=keep_j.size, d=design.d, second_order=design.second_order,
                         layout=design.layout, names=design.names, base=design.base,
                         scramble=design.scramble, skip_values=design.skip_values)
    return sub, idx, design.N - keep_j.size


def run_sensitivity(data, framework: Framework, space, N: int, *, spec=None,
                    seed: int | np.random.Generator | None = None, engine: str = "vectorized",
                    second_order: bool = False, bootstrap: int = 500, conf: float = 0.95,
                    estimator: str = "saltelli2010", top_k: Sequence[int] = (10,),
                    progress: bool = False, chunk: int | None = None, max_memory: str | int = "1GB",
                    scheduler: str = "sync", client=None, with_convergence: bool = True
                    ) -> SensitivityResult:
    """Variance-based sensitivity analysis of ranks (Saltelli design, N(d+2) runs).

    First-order indices by Saltelli et al. (2010), total indices by Jansen (1999), with
    bootstrap confidence intervals (SALib's method), for (a) the scalar R_S of each run
    (the mean absolute rank shift, COINr's target) and (b) every city's rank and index
    score at once. Rank statistics use only the 2N independent A and B runs (as COINr).
    Base points with a failed run are dropped from the Sobol estimate and counted.
    """
    run = _evaluator(engine)
    prep = _prepare(data, framework, spec)
    bound = _bind(space, prep)
    N = int(N)
    d = bound.space.d
    if N < 2:
        raise SpecError(f"N = {N}: a Saltelli design needs N >= 2 base points")
    design = saltelli_design(N, d, seed=seed, second_order=second_order, names=bound.space.names)
    U = design.X
    S_parts, R_parts, T_parts, reasons = [], [], [], []
    chunk = chunk or chunk_size(len(prep.cities), prep.framework, max_memory)
    for S, R, T, why in run_chunks(run, prep, bound, U, chunk=chunk, progress=progress,
                                   scheduler=scheduler, client=client):
        S_parts.append(S)
        R_parts.append(R)
        T_parts.append(T)
        reasons.append(why)
    S, R, T = np.concatenate(S_parts), np.concatenate(R_parts), np.concatenate(T_parts)
    reasons = np.concatenate(reasons)
    ok = reasons == ""
    _warn_failures(int((~ok).sum()), design.runs, reasons)
    rs = rank_shift_per_scenario(R, prep.nominal_rank)
    sub, idx, dropped = _valid_design(design, ok)
    names = bound.space.names
    sobol_kw = dict(estimator=estimator, bootstrap=bootstrap, conf=conf, seed=seed, names=names)
    s_rs = sobol_indices(rs[idx], sub, **sobol_kw)
    s_rank = sobol_indices(R[idx], sub, **sobol_kw)
    s_score = sobol_indices(S[idx], sub, **sobol_kw)
    cities = {"city": np.asarray(prep.cities, dtype=object)}  # as every other city coordinate
    ind = xr.merge([
        s_rs.to_xarray().rename({v: f"rs_{v}" for v in s_rs.to_xarray().data_vars}),
        _prefix(s_rank.to_xarray(output_coords=cities), "rank_"),
        _prefix(s_score.to_xarray(output_coords=cities), "score_"),
    ], compat="override")
    conv = convergence(rs[idx], sub, bootstrap=0) if with_convergence and sub.N >= 16 else None
    ab = design.ab_rows()
    acc = _stats_of(prep, top_k).new()
    acc.update(S[ab], R[ab], T[ab] if prep.tier_labels is not None else None)
    stats = _with_city_coords(acc.result(prep.cities, prep.tier_labels), prep).rename(scenario="ab_run")
    runs = _runs_dataset(prep, bound.decode(U), U, S, R, T, reasons)
    runs["R_S"] = ("scenario", rs)
    attrs = _stats_attrs(prep, bound, analysis="sensitivity", engine=engine, N=N, runs=design.runs, seed=str(seed),
                         n_failed=int((~ok).sum()), dropped_base_points=dropped, estimator=estimator,
                         bootstrap=bootstrap, conf=conf)
    return SensitivityResult(stats=stats, runs=runs, attrs=attrs, sobol_rs=s_rs, sobol_rank=s_rank,
                             sobol_score=s_score, indices=ind, convergence=conv)


def _prefix(ds: xr.Dataset, p: str) -> xr.Dataset:
    return ds.rename({v: f"{p}{v}" for v in ds.data_vars})
