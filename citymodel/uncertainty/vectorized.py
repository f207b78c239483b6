"""The vectorised scenario engine: the reference engine's ranks, computed in batches.

Scenarios are grouped by their data-preparation choices (imputation, treatment,
normalisation, excluded indicator), so each normalised matrix N_k (city, indicator) is
computed once per group and kept from chunk to chunk. Within a group, scenarios share the
weighting and aggregation *methods* at every level and form a batch of S scenarios:

* **fast path** (arithmetic/geometric means; framework, equal, user or entropy/CRITIC/CV/std
  weights; tiers none, score bands or rank bands; :func:`_fast_batch`): every node is a linear
  form over the normalised indicators, turned into values only where data-driven weights need
  them; framework weights with arithmetic means make the index one GEMM. Bootstrap entropy
  weights come from count-weighted sums (:func:`_leaf_entropy_counts`,
  :func:`_value_entropy_counts`). Each scenario is ranked by one sort of packed integer keys
  (:func:`sort_rows`); scenarios with near-ties are re-evaluated by the batched reference
  arithmetic, so ranks equal the reference engine's by construction;
* **batched kernels** otherwise (:func:`_evaluate_batch`): weights of each node's children as
  one (S, k) array, aggregation level by level with the batched kernels, ranks with
  :func:`citymodel.methods.rank.rank`.

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
from scipy.special import xlogy

from ..build import _impute, _normalise, _treat, node_weights
from ..errors import CitymodelError, DataChangeWarning, DataError
from ..methods import aggregate as agg
from ..methods import rank as rk
from ..methods import weights as wts
from ..spec import IndexSpec
from .engine import fill_reference
from .space import AHPPerturbation, Bootstrap, Choice, Exclusion, GoalpostShift, WeightNoise
from .stats import SortedChunk, chunk_reasons

__all__ = ["evaluate_vectorized", "sort_rows", "BATCHED_WEIGHTS"]

#: Weighting schemes evaluated as one batched kernel call over scenarios.
BATCHED_WEIGHTS = {"meta", "equal", "user", "entropy", "critic", "cv", "std"}
_NAMED = ("arithmetic", "geometric", "harmonic", "generalised", "topsis")
_BATCHED_FN = {"entropy": wts.entropy_weights, "critic": wts.critic_weights,
               "cv": wts.cv_weights, "std": wts.std_weights}


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
    return np.broadcast_to(_BATCHED_FN[m](Xw, indicators=kids, **p), (S, len(kids)))


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


# --------------------------------------------------------------------------- fast path
#: Gap (relative to the largest |value| of the batch) below which two scores count as a
#: (near-)tie: such rows are re-evaluated with the reference arithmetic, so that ties resolve
#: exactly as in the reference engine. The two engines' scores differ by rounding only: a sum of
#: k terms of size <= scale carries at most k * 1.1e-16 * scale, i.e. < 1e-14 * scale for the
#: k <= 50 children and 3-4 levels of the frameworks in use, 100x below this tolerance.
TIE_TOL = 1e-12
_FAST_AGG = ("arithmetic", "geometric")
_FAST_TIERS = ("none", "rank_bands", "bands")


def _fast_ok(spec: IndexSpec, fw0, N: np.ndarray) -> bool:
    """True when the batch can take the linear-form fast path (see :func:`_fast_batch`)."""
    if spec.tiers.method not in _FAST_TIERS or not np.isfinite(N).all():
        return False
    geometric = False
    for node in fw0.aggregates:
        level = fw0.level(node)
        a, w = spec.step("aggregate", level), spec.step("weights", level)
        if a.method not in _FAST_AGG or set(dict(a.params)) - {"dat_thresh"} or w.method not in BATCHED_WEIGHTS:
            return False
        geometric |= a.method == "geometric"
    return not geometric or bool((N > 0).all())


def _gemm_rows(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``A @ B`` with A's rows zero-padded to a multiple of 8.

    BLAS computes a product in tiles, and a row that falls in a partial tile can be summed in a
    different order; padding keeps every row in a full tile, so a scenario's scores do not
    depend on how many scenarios share its chunk (chunked == unchunked, tested bitwise).
    """
    n = A.shape[0]
    full = n - n % 8
    if full == n:
        return A @ B
    tail = np.zeros((8, A.shape[1]))
    tail[:n - full] = A[full:]
    if not full:
        return (tail @ B)[:n]
    out = np.empty((n, B.shape[1]))
    np.matmul(A[:full], B, out=out[:full])
    out[full:] = (tail @ B)[:n - full]  # the last rows in a zero-padded tile of their own
    return out


#: Candidate minima per column in :func:`_leaf_entropy_counts` (a resample misses the K
#: smallest values of a column with probability ~e^-K; those columns are computed directly).
_MIN_CANDIDATES = 8
#: Of those, the candidates handled by one matrix product for all resamples.
_GEMM_CANDIDATES = 2


#: Entries per node in the cross-chunk cache of bootstrap weights (bounds its memory; beyond it
#: weights are recomputed, with the same result).
_WEIGHT_CACHE_MAX = 2**14


class _WeightStore:
    """Weights (k,) per replicate key, kept in one growing array (at most ``_WEIGHT_CACHE_MAX``)."""

    def __init__(self, k: int):
        self.index: dict = {}  # replicate key (an int, or a tuple of ints) -> row of values
        self.values = np.empty((64, k))

    def get(self, keys: list, new_keys: list = (), new=None) -> np.ndarray:
        """Weights of ``keys`` (u, k), after adding ``new`` (rows for ``new_keys``) if room."""
        extra = {}
        if len(new_keys):
            n0 = len(self.index)
            if n0 + len(new_keys) <= _WEIGHT_CACHE_MAX:
                if n0 + len(new_keys) > len(self.values):
                    grown = np.empty((2 * (n0 + len(new_keys)), self.values.shape[1]))
                    grown[:n0] = self.values[:n0]
                    self.values = grown
                self.values[n0:n0 + len(new_keys)] = new
                self.index.update(zip(new_keys, range(n0, n0 + len(new_keys)), strict=True))
            else:
                extra = dict(zip(new_keys, new, strict=True))
        if not extra:
            return self.values[[self.index[k] for k in keys]]
        return np.stack([extra[k] if k in extra else self.values[self.index[k]] for k in keys])


def _counts(boot_rows: np.ndarray, M: int) -> np.ndarray:
    """Multiplicity of each city in each bootstrap resample: (u, M) rows -> (u, M) float counts."""
    u = boot_rows.shape[0]
    flat = (boot_rows.astype(np.int64) + (np.arange(u, dtype=np.int64) * M)[:, None]).ravel()
    return np.bincount(flat, minlength=u * M).reshape(u, M).astype(float)


def _entropy_counts_ok(step) -> bool:
    """Entropy settings whose bootstrap estimate :func:`_entropy_from_sums` reproduces."""
    p = dict(step.params)
    return (step.method == "entropy" and set(p) <= {"prenorm", "zero_rule", "shift"}
            and p.get("prenorm", "minmax") in ("minmax", "none", "sum") and p.get("zero_rule", "plnp0") == "plnp0")


def _entropy_from_sums(A: np.ndarray, B: np.ndarray, m: int, kids) -> np.ndarray:
    """Entropy weights (u, k) from A = sum_i c_i y_i and B = sum_i c_i y_i ln y_i per column.

    For a resample with multiplicities c_i (sum m) of values x_i and y_i = x_i - min (prenorm
    "minmax"; y = x for "none"), the shares are p_i = y_i / A and the range R = max - min
    cancels: sum_i c_i p_i ln p_i = B / A - ln A, so e = (ln A - B / A) / ln m, as
    :func:`citymodel.methods.weights.entropy_weights` computes on the resampled rows. Any
    positive scaling of y also cancels (the leaf tables scale y into [0, 1]). Weights agree
    with the kernel's on the resampled rows to ~1e-13 relative: this form is within ~3e-15 of
    an 80-bit computation, the kernel's row sums within ~5e-14.
    """
    if (A <= 0).any():
        u, j = (int(i) for i in np.argwhere(A <= 0)[0])
        raise DataError(f"entropy_weights: {kids[j]} is constant (or zero) on bootstrap resample {u}")
    e = (np.log(A) - B / A) / np.log(m)
    div = np.clip(1.0 - e, 0.0, None)
    dsum = div.sum(axis=-1, keepdims=True)
    if (dsum <= 0).any():
        raise DataError("entropy_weights: every indicator has maximal entropy on a bootstrap resample")
    return div / dsum


def _leaf_entropy_table(X: np.ndarray, prenorm: str, kids) -> tuple:
    """Tables of :func:`_leaf_entropy_counts` for fixed columns X (M, k): computed once per data.

    Returns (candidates (K, k) or None, [Y | Y ln Y] of the first ``_GEMM_CANDIDATES``
    candidate minima as one (M, 2 K0 k) matrix, Y (K, k, M), Y ln Y (K, k, M), scale (k,)).
    """
    M, k = X.shape
    scale = X.max(axis=0) - (X.min(axis=0) if prenorm == "minmax" else 0.0)
    if not (scale > 0).all():
        raise DataError(f"entropy_weights: {kids[int(np.argmin(scale > 0))]} is constant (or zero)")
    if prenorm != "minmax":
        if (X < 0).any():
            raise DataError("entropy_weights(prenorm='none') needs non-negative data")
        Y = X / scale
        return None, np.concatenate([Y, xlogy(Y, Y)], axis=1), None, None, scale
    K = min(_MIN_CANDIDATES, M)
    cand = np.argsort(X, axis=0, kind="stable")[:K]  # (K, k) cities with the K smallest values
    lows = np.take_along_axis(X, cand, axis=0)
    Y = np.maximum(X.T[None] - lows[..., None], 0.0)  # (K, k, M); cities below have count 0
    Y /= scale[:, None]
    F = xlogy(Y, Y)
    K0 = min(_GEMM_CANDIDATES, K)
    G0 = np.concatenate([Y[:K0].reshape(K0 * k, M), F[:K0].reshape(K0 * k, M)]).T.copy()
    return cand, G0, Y, F, scale


def _leaf_entropy_counts(X: np.ndarray, table: tuple, C: np.ndarray, kids,
                         AB: np.ndarray | None = None) -> np.ndarray:
    """Entropy weights (u, k) of fixed columns X (M, k) on the resamples with counts C (u, M).

    No resampled copy of the data: the sums A and B are products of C with Y and Y ln Y. With
    min-max pre-normalisation the minimum of a resample is one of the K smallest values of the
    column; Y and Y ln Y are tabulated (:func:`_leaf_entropy_table`) for each of those candidate
    minima. The first two candidates (the resample's minimum in ~86 % of cases) go through one
    matrix product; the other columns are row-by-row dot products, and the rare columns whose
    resample misses all K candidates are computed directly. ``AB`` is ``C @ G0`` if the caller
    has it (one product for several nodes).
    """
    M, k = X.shape
    cand, G0, Y, F, scale = table
    if AB is None:
        AB = _gemm_rows(C, G0)
    if cand is None:  # prenorm "none": y = x
        return _entropy_from_sums(AB[:, :k], AB[:, k:], M, kids)
    K0 = G0.shape[1] // (2 * k)
    A0, B0 = AB[:, :K0 * k].reshape(-1, K0, k), AB[:, K0 * k:].reshape(-1, K0, k)
    present = C[:, cand] > 0  # (u, K, k): is the j-th candidate in the resample?
    first = present.argmax(axis=1)  # (u, k)
    near = np.minimum(first, K0 - 1)[:, None, :]
    A, B = np.take_along_axis(A0, near, axis=1)[:, 0], np.take_along_axis(B0, near, axis=1)[:, 0]
    r, j = np.nonzero((first >= K0) & present.any(axis=1))
    if r.size:  # minimum among the later candidates: one contiguous dot product per column
        f = first[r, j]
        Cr = C[r]
        A[r, j] = np.einsum("pm,pm->p", Cr, Y[f, j])
        B[r, j] = np.einsum("pm,pm->p", Cr, F[f, j])
    for r, j in np.argwhere(~present.any(axis=1)):  # resample misses all K candidates
        y = (X[:, j] - X[C[r] > 0, j].min()) / scale[j]
        y[C[r] == 0] = 0.0
        A[r, j], B[r, j] = C[r] @ y, C[r] @ xlogy(y, y)
    return _entropy_from_sums(A, B, M, kids)


def _value_entropy_counts(V: np.ndarray, C: np.ndarray, prenorm: str, kids,
                          lift: np.ndarray | None = None) -> np.ndarray:
    """Entropy weights (u, k) of per-resample values V (u, k, M) with counts C (u, M).

    y ln y is evaluated on max(y, 1e-300): a zero y (the resample's minimum) then contributes
    1e-300 * ln(1e-300) ~ 7e-298, which vanishes when added to B; one logarithm per value is
    the whole cost.
    """
    if prenorm == "minmax":
        # cities outside the resample are lifted by 1e300: the minimum is the resample's, and
        # their y ln y stays finite (~7e302), multiplied by a zero count
        Y = np.add(V, (np.where(C > 0, 0.0, 1e300) if lift is None else lift)[:, None, :])
        lo = Y.min(axis=2)
        Y -= lo[..., None]
    else:
        if (V < 0).any():
            raise DataError("entropy_weights(prenorm='none') needs non-negative data")
        lo, Y = 0.0, V.copy()
    A = (V @ C[:, :, None])[..., 0] - V.shape[2] * lo
    np.maximum(Y, 1e-300, out=Y)
    B = np.einsum("um,ukm,ukm->uk", C, Y, np.log(Y))
    return _entropy_from_sums(A, B, V.shape[2], kids)


def _combine(*keys: np.ndarray | None) -> np.ndarray | None:
    """One integer label per scenario for each distinct combination of ``keys`` (None: all same)."""
    ks = [k for k in keys if k is not None]
    if not ks:
        return None
    if len(ks) == 1:
        return ks[0]
    return np.unique(np.stack(ks, axis=1), axis=0, return_inverse=True)[1].ravel()


def _fast_batch(prep, fw0, spec: IndexSpec, N: np.ndarray, noise: dict, boot, bound, S: int,
                boot_id: np.ndarray | None = None, cache: dict | None = None, lin_out: list | None = None):
    """Scores (S, M) of a batch with aggregation folded into as few matrix products as possible.

    Every node is kept as a *linear form* over the normalised indicators while the aggregation
    below it is arithmetic (value = c @ N.T) or geometric (value = exp(c @ log N.T)); a form is
    turned into values (one GEMM over the node's indicators) only where a data-driven weighting
    needs them, or at the root. With framework weights and arithmetic means the whole index is
    one GEMM ``W_eff @ N.T`` (W_eff: per-scenario products of the weights along each path).

    Each node also carries the per-scenario arrays its value depends on (none: the same in
    every scenario): the noise replicates of its framework weights, the bootstrap replicate
    (``boot_id``) of its data-driven weights, and its children's. Data-driven weights are
    estimated once per distinct combination, on data laid out (scenario, child, city) so that
    the reductions over cities run along contiguous memory.

    The arithmetic differs from the reference engine's only in rounding (summation order); ranks
    are made identical by :func:`_fast_ranks`, which sends rows with near-ties back to the
    reference arithmetic. ``lin_out``, if given, receives the index's coefficients (S, I) when
    it is a linear form (scores = coefficients @ N.T), else None.
    """
    M, n_ind = N.shape
    logN = counts = None
    cache = {} if cache is None else cache  # tables that depend on N only, kept by the caller
    cols: dict[str, np.ndarray] = {}
    rep: dict[str, tuple] = {}
    keys: dict[str, tuple] = {}
    sig: dict[str, int] = {}  # id of the settings of each node's subtree (what its values depend on)
    subtree_ids: dict = cache.setdefault("subtree ids", {})
    step_ids: dict = cache.setdefault("step ids", {})
    distinct: dict = {}  # per set of inputs: (first row of each distinct scenario, inverse, keys)
    gathered: dict = {}  # counts of the last rows gathered
    for j, c in enumerate(fw0.indicators):
        e = np.zeros((1, n_ind))
        e[0, j] = 1.0
        rep[c], cols[c], keys[c], sig[c] = ("leaf", e), np.array([j]), (), -1

    def value(node: str, rows: np.ndarray | None = None) -> np.ndarray:  # (1 or S, M)
        nonlocal logN
        kind, a = rep[node]
        if rows is not None and a.shape[0] > 1:
            a = a[rows]
        if kind == "val":
            return a
        if kind == "leaf":
            return N[None, :, cols[node][0]]
        c = cols[node]
        if kind == "lin":
            return _gemm_rows(a[:, c], N[:, c].T)
        if logN is None:
            logN = cache["log N"] if "log N" in cache else cache.setdefault("log N", np.log(N))
        return np.exp(_gemm_rows(a[:, c], logN[:, c].T))

    def leaf_plan(prenorm: str) -> dict:
        """Tables of every node whose children are all indicators, side by side (kept in cache).

        The plan depends on the data and ``prenorm`` only (not on which nodes a spec weighs by
        entropy), so every group sharing the data multiplies by the same matrix.
        """
        pkey = ("leaf entropy plan", prenorm)
        if pkey not in cache:
            tables, columns, blocks, at = {}, {}, [], 0
            leaves = set(fw0.indicators)
            for nd in fw0.aggregates:
                kd = fw0.children(nd)
                if len(kd) > 1 and set(kd) <= leaves:
                    c = np.concatenate([cols[k] for k in kd])
                    width = 2 * len(kd) * (min(_GEMM_CANDIDATES, _MIN_CANDIDATES, M) if prenorm == "minmax" else 1)
                    try:
                        tables[nd] = _leaf_entropy_table(N[:, c], prenorm, kd)
                        blocks.append(tables[nd][1])
                    except DataError as exc:  # raised if and when this node is weighed by entropy
                        tables[nd] = exc
                        blocks.append(np.zeros((M, width)))
                    columns[nd] = (at, width)
                    at += width
            cache[pkey] = {"tables": tables, "columns": columns, "G0": np.concatenate(blocks, axis=1)}
        return cache[pkey]

    def kid_values(kids: list[str], rows: np.ndarray) -> np.ndarray:  # (u, k, M)
        """Values of ``kids`` in scenarios ``rows``: one GEMM when all are forms of one kind."""
        nonlocal logN
        kinds = {rep[k][0] for k in kids}
        if len(kinds) == 1 and kinds <= {"lin", "log"}:
            c = np.concatenate([cols[k] for k in kids])
            coef = np.zeros((len(rows), len(kids), len(c)))
            at = 0
            for i, k in enumerate(kids):
                a = rep[k][1]
                coef[:, i, at:at + len(cols[k])] = (a[rows] if a.shape[0] > 1 else a)[:, cols[k]]
                at += len(cols[k])
            if "log" in kinds and logN is None:
                logN = cache["log N"] if "log N" in cache else cache.setdefault("log N", np.log(N))
            out = _gemm_rows(coef.reshape(len(rows) * len(kids), len(c)),
                             (N if "lin" in kinds else logN)[:, c].T).reshape(len(rows), len(kids), M)
            return out if "lin" in kinds else np.exp(out, out=out)
        Xt = np.stack(np.broadcast_arrays(*[value(k, rows) for k in kids]), axis=1)
        return np.broadcast_to(Xt, (len(rows),) + Xt.shape[1:])

    for node in fw0.aggregates:
        kids = fw0.children(node)
        level = fw0.level(node)
        wstep, method = spec.step("weights", level), spec.step("aggregate", level).method
        cols[node] = np.concatenate([cols[k] for k in kids])
        if id(wstep) not in step_ids:  # the entry keeps the step alive, so its id is not reused
            step_ids[id(wstep)] = (wstep, subtree_ids.setdefault(("step", repr(wstep)), len(subtree_ids)))
        # what the node's value depends on besides the per-scenario inputs, as a small int
        sig[node] = subtree_ids.setdefault((step_ids[id(wstep)][1], method, tuple(sig[k] for k in kids)),
                                           len(subtree_ids))
        # a node's key: the per-scenario arrays its value depends on, combined only where a
        # data-driven weighting needs to know which scenarios share inputs
        comps = {id(a): a for k in kids for a in keys[k]}
        if wstep.method in _BATCHED_FN and len(kids) > 1:
            if boot is not None:
                comps[id(boot_id)] = boot_id
            ukey = tuple(comps)  # nodes with the same inputs share their distinct rows
            if ukey not in distinct:
                wkey = _combine(*comps.values())
                if wkey is None:
                    distinct[ukey] = (np.array([0]), None, None)
                else:
                    distinct[ukey] = np.unique(wkey, return_index=True, return_inverse=True)[1:] + (None,)
            rows, inv, row_keys = distinct[ukey]
            if boot is not None and _entropy_counts_ok(wstep):
                # bootstrap entropy from count-weighted sums: no resampled copy of the data.
                # Weights are kept per (subtree settings, replicates) from chunk to chunk: a
                # resample's weights do not depend on the other rows of its batch.
                store = cache.setdefault(("entropy", node, sig[node]), _WeightStore(len(kids)))
                if row_keys is None:
                    vals = list(comps.values())
                    row_keys = (vals[0][rows].tolist() if len(vals) == 1 else
                                list(map(tuple, np.stack([a[rows] for a in vals], axis=1).tolist())))
                    distinct[ukey] = (rows, inv, row_keys)
                where = np.array([store.index.get(rk_, -1) for rk_ in row_keys], dtype=np.intp)
                todo = np.flatnonzero(where < 0)
                if todo.size:
                    sub = rows[todo]
                    if counts is None:
                        counts = _counts(boot, M)
                    ckey = (ukey, todo.tobytes())
                    if ckey not in gathered:  # sibling nodes usually miss the same replicates
                        gathered.clear()
                        C = counts[sub]
                        gathered[ckey] = {"C": C, "lift": np.where(C > 0, 0.0, 1e300)}
                    g = gathered[ckey]
                    C = g["C"]
                    prenorm = dict(wstep.params).get("prenorm", "minmax")
                    if all(rep[k][0] == "leaf" for k in kids):
                        X = N[:, cols[node]]
                        plan = leaf_plan(prenorm)
                        if "AB" not in g:  # one product for every leaf node's tables
                            g["AB"] = _gemm_rows(C, plan["G0"])
                        at, width = plan["columns"][node]
                        if isinstance(plan["tables"][node], DataError):
                            raise plan["tables"][node]
                        Wn = _leaf_entropy_counts(X, plan["tables"][node], C, kids, g["AB"][:, at:at + width])
                    else:
                        Wn = _value_entropy_counts(kid_values(kids, sub), C, prenorm, kids, g["lift"])
                    Wu = store.get(row_keys, [row_keys[i] for i in todo], Wn)
                else:
                    Wu = store.values[where]
            else:
                Xt = np.stack(np.broadcast_arrays(*[value(k, rows) for k in kids]), axis=1)  # (u, k, M)
                if Xt.shape[0] < len(rows):
                    Xt = np.broadcast_to(Xt, (len(rows),) + Xt.shape[1:])
                if boot is not None:
                    Xt = np.take_along_axis(Xt, boot[rows][:, None, :], axis=2)
                Wu = _BATCHED_FN[wstep.method](np.swapaxes(Xt, -1, -2), indicators=kids, **dict(wstep.params))
            W = Wu if inv is None else Wu[inv.ravel()]
        else:
            if wstep.method == "meta":
                comps.update((id(reps), reps) for name, reps in noise.items()
                             if set(bound.noise_tables[name][0]) & set(kids))
            Xk = None
            if wstep.method not in ("meta", "equal") and len(kids) > 1:  # user weights
                Xk = np.stack(np.broadcast_arrays(*[value(k) for k in kids]), axis=-1)
            W = _batch_weights(wstep, Xk, fw0, node, kids, None, prep, noise, bound, S)
        keys[node] = tuple(comps.values())
        W = W / W.sum(axis=-1, keepdims=True)
        linear = "lin" if method == "arithmetic" else "log"
        if all(rep[k][0] in ("leaf", linear) for k in kids):
            rep[node] = (linear, sum(W[:, [i]] * rep[k][1] for i, k in enumerate(kids)))
        elif method == "arithmetic":
            rep[node] = ("val", sum(W[:, [i]] * value(k) for i, k in enumerate(kids)))
        else:
            rep[node] = ("val", np.exp(sum(W[:, [i]] * np.log(value(k)) for i, k in enumerate(kids))))
    out = value(fw0.root)
    out = out if out.shape == (S, M) and out.flags.writeable else np.array(np.broadcast_to(out, (S, M)))
    if lin_out is not None:
        kind, a = rep[fw0.root]
        lin_out.append(np.broadcast_to(a, (S, n_ind)) if kind == "lin" else None)
    return out


#: Largest number of cities whose indices are packed into the low bits of a sort key.
PACKED_MAX_CITIES = 2**16


def sort_rows(scores: np.ndarray, *, with_values: bool = False):
    """Cities of each row in ascending score order, (S, M) intp, by one sort of packed keys.

    Each float64 score is mapped to an int64 key with the same order (the IEEE bits, with the
    magnitude bits of negative numbers flipped), its lowest b = bit_length(M - 1) bits are
    replaced by the city index, and each row of keys is sorted; the city is read back from the
    low bits. numpy sorts plain 64-bit integers with its SIMD sort, about twice as fast as
    ``np.argsort`` of the floats here (2-core AVX2 machine, 5,000 cities). Scores that share
    their top 64 - b key bits (relative difference below 2^(b-52)) come out in city order,
    which may not be their score order: callers check the order against the scores
    (:func:`_fast_order` flags such rows as near-ties). NaN sorts after +inf (before -inf if
    its sign bit is set). With more than :data:`PACKED_MAX_CITIES` cities this is
    ``np.argsort(scores, axis=1)``.

    With ``with_values`` also returns the sorted scores, (S, M): read back from the keys
    with their lowest b bits cleared (each within 2^b units in the last place of the true
    score; exact for the argsort fallback), and the b used (0 for the fallback).
    """
    S, M = scores.shape
    if M > PACKED_MAX_CITIES or M < 2:
        order = np.argsort(scores, axis=1)
        if not with_values:
            return order
        return order, np.take(scores, order + (np.arange(S) * M)[:, None]), 0
    bits = int(M - 1).bit_length()
    low = np.int64((1 << bits) - 1)
    i = np.ascontiguousarray(scores, dtype=np.float64).view(np.int64)
    signed = not scores.min() >= 0  # NaN counts as signed (min is NaN)
    if signed:
        key = np.right_shift(i, 63)
        key &= np.int64(0x7FFF_FFFF_FFFF_FFFF)
        key ^= i  # order-preserving: negative floats get their magnitude bits flipped
        key &= ~low
    else:  # the bits of non-negative floats are in order already (-0.0 first: a tie with 0.0)
        key = i & ~low
    key |= np.arange(M, dtype=np.int64)
    key.sort(axis=1)
    values = None
    if with_values:
        values = key & ~low
        if signed:
            flip = np.right_shift(values, 63)
            flip &= np.int64(0x7FFF_FFFF_FFFF_FFFF)
            values ^= flip
        values = values.view(np.float64)
    key &= low
    order = key.view(np.intp) if np.dtype(np.intp) == np.int64 else key.astype(np.intp)
    return (order, values, bits) if with_values else order


def _fast_order(scores: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ascending city order of each row (:func:`sort_rows`), the rows to re-evaluate, tolerances.

    Row s is flagged when two of its scores are within ``tol[s] = TIE_TOL * max(scale,
    max_c |score[s, c]|)`` of each other, when the order is not strictly increasing in the
    scores (packed-key collisions), or when a score is not finite. Unflagged rows have no ties,
    so every ties rule gives the same ranks, and their order cannot differ from the reference
    engine's: the two engines' scores differ by rounding only (~1e-15 of the scale), far below
    the smallest gap. The tolerance depends on the row only, so whether a row is re-evaluated
    does not depend on the chunk it is in. With bootstrap entropy weights the engines differ
    by up to ~1e-13 of the scale (:func:`_entropy_from_sums` is within ~3e-15 of an 80-bit
    computation; the reference kernel itself within ~5e-14), still 10x below the tolerance.

    The gaps are read from the sorted keys (scores with their lowest b bits cleared, each
    within 2^(b-52) |score| of the truth), so a gap is flagged when it is below
    ``tol + 2^(b-50) max|score|``: every true gap below ``tol`` is caught, and colliding keys
    (gap 0) are always flagged.
    """
    S, M = scores.shape
    order, srt, bits = sort_rows(scores, with_values=True)
    # NaN and +-inf sort to the ends, so the first and last sorted values decide finiteness
    lo, hi = srt[:, 0], srt[:, -1]
    flagged = ~np.isfinite(lo) | ~np.isfinite(hi)
    with np.errstate(invalid="ignore"):
        big = np.fmax(np.abs(lo), np.abs(hi))
        tol = TIE_TOL * np.fmax(scale, big)
        slack = tol + (2.0 ** (bits - 50) * big if bits else 0.0)
    if M > 1:
        with np.errstate(invalid="ignore"):  # inf - inf: such rows are flagged already
            flagged |= np.diff(srt, axis=1).min(axis=1) <= slack
    return order, flagged, tol


def _fast_ranks(scores: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ranks (1 = highest) of tie-free rows, one sort and a scatter; flags the other rows."""
    S, M = scores.shape
    order, flagged, tol = _fast_order(scores, scale)
    ranks = np.empty((S, M))
    np.put(ranks, order + (np.arange(S) * M)[:, None], np.arange(float(M), 0.0, -1.0))
    return ranks, flagged, tol


def _evaluate_fast(prep, fw0, spec: IndexSpec, N: np.ndarray, noise: dict, boot, bound,
                   boot_id: np.ndarray | None = None, sorted_out: bool = False,
                   cache: dict | None = None) -> tuple:
    """Fast-path results; rows with near-ties go through :func:`_evaluate_batch`.

    Returns (scores, ranks, tiers) of every row, or with ``sorted_out`` (tiers none or rank
    bands) ("sorted", scores, order, rows re-evaluated, their (scores, ranks, tiers)): the
    statistics need only the order of the tie-free rows, not their rank matrix.
    """
    S = len(next(iter(noise.values()))) if noise else (len(boot) if boot is not None else 1)
    lin: list = []
    scores = _fast_batch(prep, fw0, spec, N, noise, boot, bound, S, boot_id, cache, lin)
    scale = float(np.abs(N).max())
    t = spec.tiers
    tiers = ranks = None
    if sorted_out:
        order, flagged, tol = _fast_order(scores, scale)
    else:
        ranks, flagged, tol = _fast_ranks(scores, scale)
        if t.method == "bands":
            cut = np.asarray(dict(t.params)["cutoffs"], dtype=float)
            with np.errstate(invalid="ignore"):
                flagged |= (np.abs(scores[..., None] - cut) <= tol[:, None, None]).any(axis=(1, 2))
            tiers = np.asarray(rk.assign_tiers(scores, t.method, **dict(t.params)).codes)
        elif t.method == "rank_bands":
            cut = np.asarray(dict(t.params)["cutoffs"], dtype=float)
            tiers = np.searchsorted(cut, ranks, side="left").astype(np.intp)
    idx = np.flatnonzero(flagged)
    redo = None
    if idx.size:
        sub_noise = {k: v[idx] for k, v in noise.items()}
        redo = _evaluate_batch(prep, fw0, spec, N, sub_noise, None if boot is None else boot[idx], bound)
    if sorted_out:
        return "sorted", scores, order, idx, redo, lin[0]
    if redo is not None:
        scores[idx], ranks[idx] = redo[0], redo[1]
        if tiers is not None:
            tiers[idx] = redo[2]
    return scores, ranks, tiers


def _sorted_ok(spec: IndexSpec) -> bool:
    """Whether the statistics can take tie-free rows as orders (tiers none or same-ties rank bands)."""
    t = spec.tiers
    return t.method == "none" or (t.method == "rank_bands" and dict(t.params).get("ties", "min") == spec.ties)


def _evaluate_chunk(prep, bound, rows_u: np.ndarray, slow: bool, compact: bool = False,
                    state: dict | None = None):
    """Scores, ranks, tiers (S, M) and failure reasons (S,) of one chunk of draws.

    Rows are grouped by their discrete labels (decoded in one vectorised pass); one scenario
    object is built per group, and per-row noise/bootstrap replicates are gathered as arrays.
    ``slow`` (goal-post shifts, AHP perturbations) evaluates every row with the reference path.
    With ``compact`` the chunk is a :class:`~citymodel.uncertainty.stats.SortedChunk`: the
    fast path's tie-free rows are kept as orders, the other rows as (scores, ranks, tiers).
    ``state`` carries what depends only on the data-preparation choices (normalised matrices,
    tables of the data-driven weights) from chunk to chunk.
    """
    n_rows = rows_u.shape[0]
    M = len(prep.cities)
    compact = compact and not slow and _sorted_ok(prep.spec)
    dense: list[np.ndarray] = []  # rows with full results (compact mode)
    srt: list[tuple] = []  # (rows, order, scores) of tie-free rows per group (compact mode)
    reasons = np.full(n_rows, "", dtype=object)
    full: list[np.ndarray] = []  # (scores, ranks, tiers) of every row, allocated when first needed

    def out_arrays() -> list[np.ndarray]:
        if not full:
            full.extend([np.full((n_rows, M), np.nan), np.full((n_rows, M), np.nan),
                         np.full((n_rows, M), -1, dtype=np.int64)])
        return full

    def reference(idx):
        idx = np.asarray(idx)
        fill_reference(prep, bound.scenarios(rows_u[idx]), idx, *out_arrays(), reasons)
        dense.append(idx)

    if slow:
        reference(np.arange(n_rows))
        return (*out_arrays(), reasons)
    dec = bound.decode(rows_u)
    cols = {c: dec[c].to_numpy() for c in dec.columns}
    discrete = [f.name for f in bound.space.factors if isinstance(f, (Choice, Exclusion))]
    noisy = [f.name for f in bound.space.factors if isinstance(f, WeightNoise)]
    booted = [f.name for f in bound.space.factors if isinstance(f, Bootstrap)]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, key in enumerate(zip(*(cols[c] for c in discrete), strict=True) if discrete else [()] * n_rows):
        groups[key].append(i)
    state = {} if state is None else state
    prepared: dict[tuple, np.ndarray | None] = state.setdefault("prepared", {})
    tables: dict[tuple, dict] = state.setdefault("tables", {})
    settings: dict[tuple, tuple] = state.setdefault("groups", {})
    for gkey, idx in groups.items():
        idx = np.asarray(idx)
        if gkey not in settings:  # spec and kept indicators depend on the discrete labels only
            sc0 = bound.scenarios(rows_u[idx[:1]])[0]
            fw0 = bound.framework if len(sc0.keep) == len(bound.framework.indicators) else \
                bound.framework.drop_indicators([c for c in bound.framework.indicators
                                                 if c not in sc0.framework.indicators])
            settings[gkey] = (sc0.spec, sc0.keep, fw0, _prep_key(sc0.spec, sc0.keep))
        spec0, keep0, fw0, pkey = settings[gkey]
        if pkey not in prepared:
            try:
                X = prep.X[:, keep0]
                X = _impute(X, spec0.impute, prep.groups, prep.cities, fw0.indicators, [])
                X = _treat(X, spec0.treat, prep.cities, fw0.indicators, [])
                prepared[pkey] = _normalise(X, spec0.normalise, fw0, fw0.indicators, prep.cities)
            except (CitymodelError, ValueError, np.linalg.LinAlgError):
                prepared[pkey] = None
        N = prepared[pkey]
        if N is None:
            reference(idx)
            continue
        noise = {name: cols[name][idx].astype(np.intp) for name in noisy}
        boot = boot_id = None
        if booted:  # the last Bootstrap factor wins, as in the reference path
            name = booted[-1]
            boot_id = cols[name][idx].astype(np.intp)
            boot = bound._boot[name][boot_id]
        if not noise and boot is None:
            noise = {}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataChangeWarning)
                fast = _fast_ok(spec0, fw0, N)
                out = (_evaluate_fast(prep, fw0, spec0, N, noise, boot, bound, boot_id, compact,
                                      tables.setdefault(pkey, {})) if fast
                       else _evaluate_batch(prep, fw0, spec0, N, noise, boot, bound))
        except (CitymodelError, ValueError, np.linalg.LinAlgError):
            reference(idx)
            continue
        if isinstance(out[0], str):  # ("sorted", ...) from the fast path
            _, s, order, redo_rows, redo, coef = out
            if order.shape[0] != len(idx):  # one evaluation stands for every row of the group
                rep = np.zeros(len(idx), dtype=np.intp)
                order, s = order[rep], s[rep]
                coef = None if coef is None else coef[rep]
                if redo is not None:
                    redo_rows, redo = rep + np.arange(len(idx)), tuple(
                        None if a is None else np.asarray(a)[rep] for a in redo)
            keep = np.ones(len(idx), dtype=bool)
            if redo is not None:
                keep[redo_rows] = False
                r = idx[redo_rows]
                S_out, R_out, T_out = out_arrays()
                S_out[r], R_out[r] = redo[0], redo[1]
                if redo[2] is not None:
                    T_out[r] = redo[2]
                dense.append(r)
            if not keep.any():
                continue
            if coef is not None and redo is not None:
                coef = coef[keep]
            srt.append((idx[keep], order[keep] if redo is not None else order,
                        s[keep] if redo is not None else s, None if coef is None else (coef, N)))
            continue
        s, r, t = out
        S_out, R_out, T_out = out_arrays()
        S_out[idx], R_out[idx] = s, r
        if t is not None:
            T_out[idx] = t
        dense.append(idx)
    if not compact:
        return (*out_arrays(), reasons)
    d = np.sort(np.concatenate(dense)) if dense else np.zeros(0, dtype=np.intp)
    S_out, R_out, T_out = full if full else (np.zeros((0, M)), np.zeros((0, M)), np.zeros((0, M), dtype=np.int64))
    return SortedChunk(n=n_rows, reasons=reasons, parts=tuple(srt), dense_rows=d, S=S_out[d], R=R_out[d],
                       T=T_out[d])


def evaluate_vectorized(prep, bound, U: np.ndarray, *, progress: bool = False, chunk: int = 2048,
                        compact: bool = False):
    """Vectorised counterpart of :func:`citymodel.uncertainty.engine.evaluate` (same chunks out).

    With ``compact`` the chunks are :class:`~citymodel.uncertainty.stats.SortedChunk` objects
    where possible (enough for the streamed statistics; ``keep="stats"`` runs use them).
    """
    n = U.shape[0]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc="scenarios", unit="run")
    slow = any(isinstance(f, (GoalpostShift, AHPPerturbation)) for f in bound.space.factors)
    state: dict = {}
    try:
        for start in range(0, n, chunk):
            out = _evaluate_chunk(prep, bound, U[start:start + chunk], slow, compact, state)
            if bar is not None:
                bar.update(len(chunk_reasons(out)))
            yield out
    finally:
        if bar is not None:
            bar.close()
