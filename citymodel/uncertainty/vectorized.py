"""The vectorised scenario engine: the same kernels as :func:`citymodel.build.compute`, batched.

Scenarios are grouped by their data-preparation choices (imputation, treatment,
normalisation, excluded indicator), so each normalised matrix N_k (city, indicator) is
computed once per group. Within a group, scenarios that share the weighting and aggregation
*methods* at every level form a batch of S scenarios evaluated together:

* weights of each node's children as one (S, k) array: framework weights (with noise
  replicates) gathered per scenario; entropy, CRITIC, CV and std weights computed by the
  batched kernels on (S, M, k) values (re-estimated per bootstrap resample);
* aggregation level by level with the batched kernels, e.g. arithmetic
  ``(X * W[:, None, :]).sum(-1)``, geometric ``exp(log X @ W)``, generalised mean via powers;
* ranks with one argsort per scenario row plus a scatter (:func:`citymodel.methods.rank.rank`).

Weighting schemes without a batched kernel (PCA/FA, AHP, benefit of the doubt, combined)
are estimated scenario by scenario inside the batch. A batch that raises (e.g. geometric
aggregation of non-positive values) is re-evaluated scenario by scenario with the
reference path, so failures are recorded per scenario exactly as the reference engine does.
Goal-post shifts change the normalisation of every scenario and are evaluated with the
reference path.

Pure numpy/scipy: no numba, no compiled extension.
"""

from __future__ import annotations

import warnings
from collections import defaultdict

import numpy as np

from ..build import _impute, _normalise, _treat, compute, node_weights
from ..errors import CitymodelError, DataChangeWarning
from ..methods import aggregate as agg
from ..methods import rank as rk
from ..methods import weights as wts
from ..spec import IndexSpec
from .space import GoalpostShift

__all__ = ["evaluate_vectorized", "BATCHED_WEIGHTS"]

#: Weighting schemes evaluated as one batched kernel call over scenarios.
BATCHED_WEIGHTS = {"meta", "equal", "user", "entropy", "critic", "cv", "std"}
_NAMED = ("arithmetic", "geometric", "harmonic", "generalised", "topsis")


def _prep_key(spec: IndexSpec, keep: np.ndarray) -> tuple:
    return (repr(spec.impute.to_dict()), repr(spec.treat.to_dict()), repr(spec.normalise.to_dict()),
            keep.tobytes())


def _method_key(spec: IndexSpec, levels) -> tuple:
    return tuple((lv, repr(spec.step("weights", lv).to_dict()), repr(spec.step("aggregate", lv).to_dict()))
                 for lv in levels) + (spec.ties, repr(spec.tiers.to_dict()))


def _reference_one(prep, sc):
    """One scenario with the reference path; returns (score, rank, tier) or the failure reason."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataChangeWarning)
            res = compute(prep.X[:, sc.keep], sc.framework, sc.spec, cities=prep.cities,
                          groups=prep.groups, weight_rows=sc.weight_rows)
    except (CitymodelError, ValueError, np.linalg.LinAlgError) as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    tiers = res.tiers.codes if res.tiers is not None else None
    return res.scores[:, -1], res.ranks[:, -1], tiers


def _batch_weights(step, Xk: np.ndarray, fw_list, node: str, kids: list[str], rows, prep) -> np.ndarray:
    """Weights (S, k) of the children of ``node`` for the S scenarios of a batch."""
    S = len(fw_list)
    m, p = step.method, dict(step.params)
    if m == "meta":
        return np.stack([f.child_weights(node) for f in fw_list])
    if m == "equal":
        return np.full((S, len(kids)), 1.0 / len(kids))
    if len(kids) == 1:
        return np.ones((S, 1))
    if m == "user":
        w = node_weights(step, Xk[0], fw_list[0], node, prep.cities)
        return np.broadcast_to(w, (S, len(kids)))
    if np.isnan(Xk).any():  # the reference raises the explanatory DataError; let it
        raise ValueError("missing values under data-driven weights")
    Xw = Xk if rows is None else np.take_along_axis(Xk, rows[:, :, None], axis=1)
    fn = {"entropy": wts.entropy_weights, "critic": wts.critic_weights,
          "cv": wts.cv_weights, "std": wts.std_weights}[m]
    return np.broadcast_to(fn(Xw, indicators=kids, **p), (S, len(kids)))


def _evaluate_batch(prep, scen: list, N: np.ndarray) -> tuple:
    """Scores, ranks and tiers (S, M) of scenarios sharing the normalised matrix and methods."""
    sc0 = scen[0]
    fw0, spec = sc0.framework, sc0.spec
    S = len(scen)
    fws = [sc.framework for sc in scen]
    inds = fw0.indicators
    boot = [sc.weight_rows for sc in scen]
    rows = None if all(b is None for b in boot) else np.stack(
        [np.arange(len(prep.cities)) if b is None else b for b in boot])
    values: dict[str, np.ndarray] = {c: N[None, :, j] for j, c in enumerate(inds)}
    for node in fw0.aggregates:
        kids = fw0.children(node)
        level = fw0.level(node)
        wstep, astep = spec.step("weights", level), spec.step("aggregate", level)
        Xk = np.stack(np.broadcast_arrays(*[values[k] for k in kids]), axis=-1)  # (S or 1, M, k)
        if wstep.method in BATCHED_WEIGHTS:
            Xs = np.broadcast_to(Xk, (S,) + Xk.shape[1:]) if (rows is not None and Xk.shape[0] == 1) else Xk
            W = _batch_weights(wstep, Xs, fws, node, kids, rows if wstep.method not in ("meta", "equal", "user") else None, prep)
        else:
            Xs = np.broadcast_to(Xk, (S,) + Xk.shape[1:])
            W = np.stack([node_weights(wstep, Xs[i] if boot[i] is None else Xs[i][boot[i]], fws[i], node,
                                       prep.cities) for i in range(S)])
        W = np.ascontiguousarray(W, dtype=float)
        params = dict(astep.params)
        if astep.method in _NAMED:
            params.update(cities=prep.cities, children=kids)
        if Xk.shape[0] == 1 and np.all(W == W[:1]):
            values[node] = np.broadcast_to(agg.aggregate(Xk[0], W[0], astep.method, **params), (S, N.shape[0]))
        else:
            values[node] = agg.aggregate(np.broadcast_to(Xk, (S,) + Xk.shape[1:]), W, astep.method, **params)
    scores = np.array(np.broadcast_to(values[fw0.root], (S, N.shape[0])), dtype=float)
    ranks = rk.rank(scores, ties=spec.ties)
    tiers = None
    if spec.tiers.method != "none":
        t = rk.assign_tiers(scores, spec.tiers.method, **dict(spec.tiers.params))
        tiers = np.asarray(t.codes)
    return scores, ranks, tiers


def _evaluate_chunk(prep, bound, rows_u: np.ndarray, has_shift: bool) -> tuple:
    """Scores, ranks, tiers (S, M) and failure reasons (S,) of one chunk of draws."""
    scen = bound.scenarios(rows_u)
    M = len(prep.cities)
    S_out = np.full((len(scen), M), np.nan)
    R_out = np.full((len(scen), M), np.nan)
    T_out = np.full((len(scen), M), -1, dtype=np.int64)
    reasons = np.full(len(scen), "", dtype=object)

    def reference(idx):
        for i in idx:
            r = _reference_one(prep, scen[i])
            if isinstance(r, str):
                reasons[i] = r
                continue
            S_out[i], R_out[i] = r[0], r[1]
            if r[2] is not None:
                T_out[i] = r[2]

    if has_shift:
        reference(range(len(scen)))
        return S_out, R_out, T_out, reasons
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, sc in enumerate(scen):
        groups[_prep_key(sc.spec, sc.keep)].append(i)
    for idx in groups.values():
        sc0 = scen[idx[0]]
        fw0 = sc0.framework
        try:
            X = prep.X[:, sc0.keep]
            X = _impute(X, sc0.spec.impute, prep.groups, prep.cities, fw0.indicators, [])
            X = _treat(X, sc0.spec.treat, prep.cities, fw0.indicators, [])
            N = _normalise(X, sc0.spec.normalise, fw0, fw0.indicators, prep.cities)
        except (CitymodelError, ValueError, np.linalg.LinAlgError):
            reference(idx)
            continue
        levels = sorted({fw0.level(a) for a in fw0.aggregates})
        batches: dict[tuple, list[int]] = defaultdict(list)
        for i in idx:
            batches[_method_key(scen[i].spec, levels)].append(i)
        for b in batches.values():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DataChangeWarning)
                    s, r, t = _evaluate_batch(prep, [scen[i] for i in b], N)
            except (CitymodelError, ValueError, np.linalg.LinAlgError):
                reference(b)
                continue
            S_out[b], R_out[b] = s, r
            if t is not None:
                T_out[b] = t
    return S_out, R_out, T_out, reasons


def evaluate_vectorized(prep, bound, U: np.ndarray, *, progress: bool = False, chunk: int = 2048):
    """Vectorised counterpart of :func:`citymodel.uncertainty.engine.evaluate` (same chunks out)."""
    n = U.shape[0]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc="scenarios", unit="run")
    has_shift = any(isinstance(f, GoalpostShift) for f in bound.space.factors)
    try:
        for start in range(0, n, chunk):
            out = _evaluate_chunk(prep, bound, U[start:start + chunk], has_shift)
            if bar is not None:
                bar.update(len(out[3]))
            yield out
    finally:
        if bar is not None:
            bar.close()
