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

from ..build import _impute, _normalise, _treat, node_weights
from ..errors import CitymodelError, DataChangeWarning
from ..methods import aggregate as agg
from ..methods import rank as rk
from ..methods import weights as wts
from ..spec import IndexSpec
from .engine import fill_reference
from .space import AHPPerturbation, Bootstrap, Choice, Exclusion, GoalpostShift, WeightNoise

__all__ = ["evaluate_vectorized", "BATCHED_WEIGHTS"]

#: Weighting schemes evaluated as one batched kernel call over scenarios.
BATCHED_WEIGHTS = {"meta", "equal", "user", "entropy", "critic", "cv", "std"}
_NAMED = ("arithmetic", "geometric", "harmonic", "generalised", "topsis")


def _prep_key(spec: IndexSpec, keep: np.ndarray) -> tuple:
    return (repr(spec.impute.to_dict()), repr(spec.treat.to_dict()), repr(spec.normalise.to_dict()),
            keep.tobytes())


def _meta_weights(fw, node: str, kids: list[str], noise: dict, bound, S: int) -> np.ndarray:
    """Framework weights of ``node``'s children per scenario, noise replicates gathered (S, k).

    Same numbers as ``Framework.with_weights(noisy).child_weights(node)`` of the reference path.
    """
    W = np.tile(np.array([fw[k].weight for k in kids], dtype=float), (S, 1))
    for name, reps in noise.items():
        codes, table = bound.noise_tables[name]
        pos = {c: i for i, c in enumerate(codes)}
        cols = [j for j, k in enumerate(kids) if k in pos]
        if cols:
            W[:, cols] = table[np.ix_(reps, [pos[kids[j]] for j in cols])]
    return W / W.sum(axis=1, keepdims=True)


def _batch_weights(step, Xk: np.ndarray, fw, node: str, kids: list[str], rows, prep, noise, bound,
                   S: int) -> np.ndarray:
    """Weights (S, k) of the children of ``node`` for the S scenarios of a batch."""
    m, p = step.method, dict(step.params)
    if m == "meta":
        return _meta_weights(fw, node, kids, noise, bound, S)
    if m == "equal":
        return np.full((S, len(kids)), 1.0 / len(kids))
    if len(kids) == 1:
        return np.ones((S, 1))
    if m == "user":
        w = node_weights(step, Xk[0], fw, node, prep.cities)
        return np.broadcast_to(w, (S, len(kids)))
    if np.isnan(Xk).any():  # the reference raises the explanatory DataError; let it
        raise ValueError("missing values under data-driven weights")
    Xw = Xk if rows is None else np.take_along_axis(Xk, rows[:, :, None], axis=1)
    fn = {"entropy": wts.entropy_weights, "critic": wts.critic_weights,
          "cv": wts.cv_weights, "std": wts.std_weights}[m]
    return np.broadcast_to(fn(Xw, indicators=kids, **p), (S, len(kids)))


def _evaluate_batch(prep, fw0, spec: IndexSpec, N: np.ndarray, noise: dict, boot: np.ndarray | None,
                    bound) -> tuple:
    """Scores, ranks and tiers (S, M) of scenarios sharing the normalised matrix and methods.

    ``fw0`` is the framework after exclusion (without noise), ``noise`` maps each WeightNoise
    factor to the replicate index of every scenario (S,), ``boot`` holds each scenario's
    bootstrap rows (S, M) or is None.
    """
    S = len(next(iter(noise.values()))) if noise else (len(boot) if boot is not None else 1)
    inds = fw0.indicators
    values: dict[str, np.ndarray] = {c: N[None, :, j] for j, c in enumerate(inds)}
    for node in fw0.aggregates:
        kids = fw0.children(node)
        level = fw0.level(node)
        wstep, astep = spec.step("weights", level), spec.step("aggregate", level)
        Xk = np.stack(np.broadcast_arrays(*[values[k] for k in kids]), axis=-1)  # (S or 1, M, k)
        if wstep.method in BATCHED_WEIGHTS:
            data_driven = wstep.method not in ("meta", "equal", "user")
            Xs = np.broadcast_to(Xk, (S,) + Xk.shape[1:]) if (boot is not None and data_driven) else Xk
            W = _batch_weights(wstep, Xs, fw0, node, kids, boot if data_driven else None, prep, noise,
                               bound, S)
        else:
            Xs = np.broadcast_to(Xk, (S,) + Xk.shape[1:])
            fws = [fw0.with_weights({c: float(w) for name, reps in noise.items()
                                     for c, w in zip(bound.noise_tables[name][0],
                                                     bound.noise_tables[name][1][reps[i]], strict=True)})
                   if noise else fw0 for i in range(S)]
            W = np.stack([node_weights(wstep, Xs[i] if boot is None else Xs[i][boot[i]], fws[i], node,
                                       prep.cities) for i in range(S)])
        W = np.ascontiguousarray(np.broadcast_to(W, (S, len(kids))), dtype=float)
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


def _evaluate_chunk(prep, bound, rows_u: np.ndarray, slow: bool) -> tuple:
    """Scores, ranks, tiers (S, M) and failure reasons (S,) of one chunk of draws.

    Rows are grouped by their discrete labels (decoded in one vectorised pass); one scenario
    object is built per group, and per-row noise/bootstrap replicates are gathered as arrays.
    ``slow`` (goal-post shifts, AHP perturbations) evaluates every row with the reference path.
    """
    n_rows = rows_u.shape[0]
    M = len(prep.cities)
    S_out = np.full((n_rows, M), np.nan)
    R_out = np.full((n_rows, M), np.nan)
    T_out = np.full((n_rows, M), -1, dtype=np.int64)
    reasons = np.full(n_rows, "", dtype=object)

    def reference(idx):
        idx = np.asarray(idx)
        fill_reference(prep, bound.scenarios(rows_u[idx]), idx, S_out, R_out, T_out, reasons)

    if slow:
        reference(np.arange(n_rows))
        return S_out, R_out, T_out, reasons
    dec = bound.decode(rows_u)
    cols = {c: dec[c].to_numpy() for c in dec.columns}
    discrete = [f.name for f in bound.space.factors if isinstance(f, (Choice, Exclusion))]
    noisy = [f.name for f in bound.space.factors if isinstance(f, WeightNoise)]
    booted = [f.name for f in bound.space.factors if isinstance(f, Bootstrap)]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, key in enumerate(zip(*(cols[c] for c in discrete), strict=True) if discrete else [()] * n_rows):
        groups[key].append(i)
    prepared: dict[tuple, np.ndarray | None] = {}
    for idx in groups.values():
        idx = np.asarray(idx)
        sc0 = bound.scenarios(rows_u[idx[:1]])[0]
        fw0 = bound.framework if len(sc0.keep) == len(bound.framework.indicators) else \
            bound.framework.drop_indicators([c for c in bound.framework.indicators
                                             if c not in sc0.framework.indicators])
        pkey = _prep_key(sc0.spec, sc0.keep)
        if pkey not in prepared:
            try:
                X = prep.X[:, sc0.keep]
                X = _impute(X, sc0.spec.impute, prep.groups, prep.cities, fw0.indicators, [])
                X = _treat(X, sc0.spec.treat, prep.cities, fw0.indicators, [])
                prepared[pkey] = _normalise(X, sc0.spec.normalise, fw0, fw0.indicators, prep.cities)
            except (CitymodelError, ValueError, np.linalg.LinAlgError):
                prepared[pkey] = None
        N = prepared[pkey]
        if N is None:
            reference(idx)
            continue
        noise = {name: cols[name][idx].astype(np.intp) for name in noisy}
        boot = None
        if booted:  # the last Bootstrap factor wins, as in the reference path
            name = booted[-1]
            boot = bound._boot[name][cols[name][idx].astype(np.intp)]
        if not noise and boot is None:
            noise = {}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataChangeWarning)
                s, r, t = _evaluate_batch(prep, fw0, sc0.spec, N, noise, boot, bound)
        except (CitymodelError, ValueError, np.linalg.LinAlgError):
            reference(idx)
            continue
        S_out[idx], R_out[idx] = s, r
        if t is not None:
            T_out[idx] = t
    return S_out, R_out, T_out, reasons


def evaluate_vectorized(prep, bound, U: np.ndarray, *, progress: bool = False, chunk: int = 2048):
    """Vectorised counterpart of :func:`citymodel.uncertainty.engine.evaluate` (same chunks out)."""
    n = U.shape[0]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc="scenarios", unit="run")
    slow = any(isinstance(f, (GoalpostShift, AHPPerturbation)) for f in bound.space.factors)
    try:
        for start in range(0, n, chunk):
            out = _evaluate_chunk(prep, bound, U[start:start + chunk], slow)
            if bar is not None:
                bar.update(len(out[3]))
            yield out
    finally:
        if bar is not None:
            bar.close()
