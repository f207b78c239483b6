"""Aggregation kernels: children of one node -> the node's composite score (METHODS.md §6).

Each kernel takes ``X`` of shape ``(..., city, child)`` — the (normalised, "higher = better")
values of the children of one parent node — and weights ``W`` of shape ``(..., child)``, and
returns scores of shape ``(..., city)``. Leading ("scenario") axes of ``X`` and ``W`` broadcast:

    X (city, child)     with W (child,)      -> (city,)
    X (city, child)     with W (S, child)    -> (S, city)        one matrix product W @ X.T
    X (S, city, child)  with W (S, child)    -> (S, city)

Weights need not sum to one; every mean divides by Σw of the children used. Means are computed
with matrix products (``nan_to_num(X) @ W / notnan(X) @ W``), never with loops over scenarios.

Methods (registry :data:`AGGREGATORS`, dispatcher :func:`aggregate`):

* compensatory means following COINr ``a_amean``/``a_gmean``/``a_hmean``/``a_genmean``:
  :func:`arithmetic`, :func:`geometric`, :func:`harmonic`, :func:`generalised`;
* :func:`topsis` (Hwang & Yoon 1981), distance to the ideal and anti-ideal city;
* non-compensatory: :func:`outranking_matrix` (COINr ``outrankMatrix``) and its
  :func:`copeland` score; :func:`borda` (sum of per-indicator ranks, Handbook eq. 29).

All scores are "higher = better", so :func:`citymodel.methods.rank.rank` turns any of them
into ranks with 1 = best.

References
----------
OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §6.10-6.13, Tables 35-37.
Becker W. et al. (2022), COINr, JOSS 7(78):4567 (R/aggregate.R, R/outrank.R).
Hwang C.-L. & Yoon K. (1981), *Multiple Attribute Decision Making*, Springer.
Munda G. & Nardo M. (2009), Noncompensatory/nonlinear composite indicators for ranking
countries: a defensible setting, Applied Economics 41:1513.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np

from .._checks import check_matrix, check_weights
from ..errors import DataError, MethodError, SpecError, unknown_name
from .rank import rank

__all__ = [
    "AGGREGATORS",
    "TOPSIS_NORMS",
    "OUTRANKING_NAN_POLICIES",
    "aggregate",
    "arithmetic",
    "geometric",
    "harmonic",
    "generalised",
    "topsis",
    "outranking_matrix",
    "copeland",
    "borda",
]

#: Normalisations inside TOPSIS (METHODS.md ``topsis_norm``).
TOPSIS_NORMS = ("vector", "minmax")
#: Treatments of missing values in the outranking matrix.
OUTRANKING_NAN_POLICIES = ("coinr", "pairwise")

Names = Sequence[str] | None


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _label(names: Names, j: int, kind: str) -> str:
    if names is not None and j < len(names):
        return f"{kind} {names[j]!r}"
    return f"{kind} {j}"


def _prepare(X, W, *, allow_nan: bool, cities: Names, children: Names,
             min_rows: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Validate X (..., city, child) and W (..., child) and check their batch axes broadcast."""
    A = check_matrix(X, allow_nan=allow_nan, min_rows=min_rows, indicators=children,
                     cities=cities, what="aggregation input X (city x child)")
    w = check_weights(W, A.shape[-1], names=children, normalise=False)
    try:
        np.broadcast_shapes(A.shape[:-2], w.shape[:-1])
    except ValueError:
        raise DataError(
            f"leading (scenario) axes of X {A.shape[:-2]} and W {w.shape[:-1]} do not broadcast; "
            "give X as (city, child) or (S, city, child) and W as (child,) or (S, child)"
        ) from None
    return A, w


def _wdot(A: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Σ_q A[..., c, q] w[..., q] -> (..., c) as one matrix product (batch axes broadcast)."""
    if A.ndim == 2:
        return w @ A.T
    return np.matmul(A, w[..., None])[..., 0]


def _first_bad(mask: np.ndarray, cities: Names, children: Names) -> str:
    idx = np.argwhere(mask)[0]
    return f"{_label(cities, int(idx[-2]), 'city')}, {_label(children, int(idx[-1]), 'child')}"


def _dat_thresh(out: np.ndarray, nan: np.ndarray, dat_thresh: float | None) -> np.ndarray:
    if dat_thresh is None:
        return out
    if not (isinstance(dat_thresh, (int, float, np.floating)) and 0.0 <= dat_thresh <= 1.0):
        raise SpecError(f"dat_thresh must be a number in [0, 1] (share of non-missing children); "
                        f"got {dat_thresh!r}")
    share = 1.0 - nan.mean(axis=-1)
    return np.where(share < dat_thresh, np.nan, out)


def _nan_mean(T: np.ndarray, nan: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Σ w t / Σ w over non-missing children (t already 0 where missing); NaN if Σ w = 0."""
    if not nan.any():
        return _wdot(T, w) / w.sum(axis=-1, keepdims=True)
    num = _wdot(T, w)
    den = _wdot((~nan).astype(float), w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


# --------------------------------------------------------------------------------------------
# means
# --------------------------------------------------------------------------------------------
def arithmetic(X, W, dat_thresh: float | None = None, *, cities: Names = None,
               children: Names = None) -> np.ndarray:
    """Weighted arithmetic mean with missing children skipped (COINr ``a_amean``).

    CI_c = Σ_{q available} w_q x_qc / Σ_{q available} w_q

    Missing x and their weights are dropped and the remaining weights renormalised; a city
    with no available child (or only zero-weight ones) gets NaN. With ``dat_thresh`` a city
    whose share of non-missing children is below ``dat_thresh`` gets NaN.

    Parameters
    ----------
    X : array_like, shape (..., city, child)
    W : array_like, shape (..., child)
        Non-negative weights (not necessarily summing to 1).
    dat_thresh : float in [0, 1], optional
        Minimum share of non-missing children (COINr ``dat_thresh``).
    cities, children : sequence of str, optional
        Names used in error messages.

    Returns
    -------
    numpy.ndarray, shape (..., city)

    References
    ----------
    OECD/JRC Handbook (2008) eq. 26; COINr ``a_amean``; METHODS.md §6.

    Examples
    --------
    >>> arithmetic([[1.0, 3.0], [2.0, np.nan]], [0.25, 0.75]).tolist()
    [2.5, 2.0]
    >>> arithmetic([[1.0, 3.0], [2.0, np.nan]], [0.25, 0.75], dat_thresh=0.6).tolist()
    [2.5, nan]
    """
    A, w = _prepare(X, W, allow_nan=True, cities=cities, children=children)
    nan = np.isnan(A)
    out = _nan_mean(np.where(nan, 0.0, A), nan, w)
    return _dat_thresh(out, nan, dat_thresh)


def geometric(X, W, dat_thresh: float | None = None, *, cities: Names = None,
              children: Names = None) -> np.ndarray:
    """Weighted geometric mean over non-missing children (COINr ``a_gmean``).

    CI_c = exp( Σ_{q available} w_q ln x_qc / Σ_{q available} w_q )

    Any non-missing x <= 0 raises :class:`~citymodel.errors.MethodError`: normalise to a
    positive range first (e.g. min-max onto [1, 100]).

    Parameters
    ----------
    X : array_like, shape (..., city, child)
    W : array_like, shape (..., child)
    dat_thresh : float in [0, 1], optional
        As in :func:`arithmetic`.
    cities, children : sequence of str, optional

    Returns
    -------
    numpy.ndarray, shape (..., city)

    References
    ----------
    OECD/JRC Handbook (2008) eq. 27; COINr ``a_gmean``; METHODS.md §6.

    Examples
    --------
    >>> geometric([[1.0, 100.0], [4.0, np.nan]], [1, 1]).round(6).tolist()
    [10.0, 4.0]
    """
    A, w = _prepare(X, W, allow_nan=True, cities=cities, children=children)
    nan = np.isnan(A)
    bad = A <= 0
    if bad.any():
        raise MethodError(
            f"geometric mean needs positive values but {_first_bad(bad, cities, children)} is "
            f"{A[tuple(np.argwhere(bad)[0])]:g}; normalise to a positive range first, "
            "e.g. min-max onto [1, 100]"
        )
    L = np.log(np.where(nan, 1.0, A))
    out = np.exp(_nan_mean(L, nan, w))
    return _dat_thresh(out, nan, dat_thresh)


def harmonic(X, W, dat_thresh: float | None = None, *, cities: Names = None,
             children: Names = None) -> np.ndarray:
    """Weighted harmonic mean over non-missing children (COINr ``a_hmean``).

    CI_c = Σ_{q available} w_q / Σ_{q available} (w_q / x_qc)

    x = 0 (where COINr stops) **and** x < 0 (where COINr silently returns a meaningless
    value) raise :class:`~citymodel.errors.MethodError`.

    Parameters
    ----------
    X : array_like, shape (..., city, child)
    W : array_like, shape (..., child)
    dat_thresh : float in [0, 1], optional
        As in :func:`arithmetic`.
    cities, children : sequence of str, optional

    Returns
    -------
    numpy.ndarray, shape (..., city)

    References
    ----------
    COINr ``a_hmean``; METHODS.md §6.

    Examples
    --------
    >>> harmonic([[1.0, 4.0]], [1, 1]).tolist()
    [1.6]
    """
    A, w = _prepare(X, W, allow_nan=True, cities=cities, children=children)
    nan = np.isnan(A)
    bad = A <= 0
    if bad.any():
        raise MethodError(
            f"harmonic mean needs positive values but {_first_bad(bad, cities, children)} is "
            f"{A[tuple(np.argwhere(bad)[0])]:g}; normalise to a positive range first, "
            "e.g. min-max onto [1, 100]"
        )
    inv_mean = _nan_mean(np.where(nan, 0.0, 1.0 / np.where(nan, 1.0, A)), nan, w)
    out = 1.0 / inv_mean
    return _dat_thresh(out, nan, dat_thresh)


def generalised(X, W, p: float, *, cities: Names = None, children: Names = None) -> np.ndarray:
    """Weighted generalised (power) mean of order p (COINr ``a_genmean``).

    CI_c = ( Σ_q w_q x_qc^p / Σ_q w_q )^(1/p)

    p = 1 is the arithmetic, p = −1 the harmonic mean; p -> 0 tends to the geometric mean
    (use :func:`geometric`; p = 0 is an error). **Any missing child gives NaN** (as in COINr).
    x <= 0 with p < 0 raises :class:`~citymodel.errors.MethodError` (as in COINr); so does
    x < 0 with p != 1, where COINr would return NaN or a meaningless value.

    Parameters
    ----------
    X : array_like, shape (..., city, child)
    W : array_like, shape (..., child)
    p : float
        Finite, non-zero order.
    cities, children : sequence of str, optional

    Returns
    -------
    numpy.ndarray, shape (..., city)

    References
    ----------
    COINr ``a_genmean``; Hardy, Littlewood & Pólya (1952) *Inequalities* ch. 2; METHODS.md §6.

    Examples
    --------
    >>> generalised([[1.0, 7.0]], [1, 1], p=2).tolist()
    [5.0]
    """
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise SpecError(f"generalised mean: p must be a number; got {p!r}") from None
    if not np.isfinite(p):
        raise SpecError(f"generalised mean: p must be finite; got {p}")
    if p == 0:
        raise SpecError("generalised mean: p = 0 is not defined as a power mean; its limit is the "
                        "geometric mean, use method 'geometric'")
    A, w = _prepare(X, W, allow_nan=True, cities=cities, children=children)
    nan = np.isnan(A)
    bad = (A <= 0) if p < 0 else ((A < 0) if p != 1 else np.zeros_like(nan))
    if bad.any():
        need = "positive" if p < 0 else "non-negative"
        raise MethodError(
            f"generalised mean with p = {p:g} needs {need} values but "
            f"{_first_bad(bad, cities, children)} is {A[tuple(np.argwhere(bad)[0])]:g}; "
            "normalise to a positive range first, e.g. min-max onto [1, 100]"
        )
    if p == 1:
        P = np.where(nan, 0.0, A)
    else:
        with np.errstate(divide="ignore"):  # 0 ** p for p > 0 is fine
            P = np.where(nan, 0.0, A) ** p
    m = _wdot(P, w) / w.sum(axis=-1, keepdims=True)
    out = m if p == 1 else m ** (1.0 / p)
    if nan.any():
        out = np.where(nan.any(axis=-1), np.nan, out)
    return out


# --------------------------------------------------------------------------------------------
# TOPSIS
# --------------------------------------------------------------------------------------------
def topsis(X, W, *, norm: str = "vector", directions=None, cities: Names = None,
           children: Names = None) -> np.ndarray:
    """TOPSIS closeness to the ideal city, C = D⁻ / (D⁺ + D⁻) in [0, 1] (higher = better).

    1. r_cq by ``norm``: ``vector`` r = x / sqrt(Σ_c x²) (classic Hwang & Yoon);
       ``minmax`` r = (x − min)/(max − min) for benefit and (max − x)/(max − min) for cost
       children (pymcdm);
    2. v = w·r; ideal V⁺_q = best v over cities, anti-ideal V⁻_q = worst (for cost children
       under ``vector`` the minimum is best);
    3. D± = sqrt(Σ_q (v_cq − V±_q)²), C = D⁻/(D⁺ + D⁻) (NaN if D⁺ + D⁻ = 0).

    Since D² = Σ_q w_q² (r_cq − r±_q)², step 3 is a matrix product with w² and is batched over
    scenario weights. C is invariant to rescaling w, and to multiplying a child by −1 while
    swapping its direction, so data already multiplied by the central direction need
    ``directions=None`` (all benefit).

    Parameters
    ----------
    X : array_like, shape (..., city, child)
        No missing values (impute first).
    W : array_like, shape (..., child)
    norm : {"vector", "minmax"}
        METHODS.md ``topsis_norm``.
    directions : array_like of +1/-1, shape (child,), optional
        +1 benefit, -1 cost; default all +1.
    cities, children : sequence of str, optional

    Returns
    -------
    numpy.ndarray, shape (..., city)

    References
    ----------
    Hwang & Yoon (1981); Opricovic & Tzeng (2004) EJOR 156:445 (Test G2); pymcdm ``TOPSIS``;
    METHODS.md §6.

    Examples
    --------
    >>> X = [[1, 3000], [2, 3750], [5, 4500]]
    >>> topsis(X, [0.5, 0.5], norm="minmax", directions=[-1, 1]).round(3).tolist()
    [0.5, 0.617, 0.5]
    """
    if norm not in TOPSIS_NORMS:
        raise unknown_name("TOPSIS normalisation", norm, TOPSIS_NORMS)
    A, w = _prepare(X, W, allow_nan=False, cities=cities, children=children, min_rows=2)
    n = A.shape[-1]
    if directions is None:
        d = np.ones(n)
    else:
        d = np.asarray(directions, dtype=float)
        if d.shape != (n,) or not np.all(np.isin(d, (-1.0, 1.0))):
            raise SpecError(f"directions must be {n} values of +1 (benefit) or -1 (cost); "
                            f"got {directions!r}")
    if norm == "vector":
        nrm = np.sqrt(np.sum(A * A, axis=-2, keepdims=True))
        bad = nrm == 0
        if bad.any():
            j = int(np.argwhere(bad)[0][-1])
            raise MethodError(f"TOPSIS vector normalisation: {_label(children, j, 'child')} is "
                              "zero for every city; drop it or use norm='minmax'")
        R = A / nrm
        hi, lo = R.max(axis=-2, keepdims=True), R.min(axis=-2, keepdims=True)
        best, worst = np.where(d > 0, hi, lo), np.where(d > 0, lo, hi)
    else:
        mn, mx = A.min(axis=-2, keepdims=True), A.max(axis=-2, keepdims=True)
        rng = mx - mn
        bad = rng == 0
        if bad.any():
            j = int(np.argwhere(bad)[0][-1])
            raise MethodError(f"TOPSIS min-max normalisation: {_label(children, j, 'child')} is "
                              "constant across cities; drop it or use norm='vector'")
        R = np.where(d > 0, A - mn, mx - A) / rng
        best, worst = 1.0, 0.0
    w2 = w * w
    dplus = np.sqrt(np.maximum(_wdot((R - best) ** 2, w2), 0.0))
    dminus = np.sqrt(np.maximum(_wdot((R - worst) ** 2, w2), 0.0))
    tot = dplus + dminus
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, dminus / np.where(tot > 0, tot, 1.0), np.nan)


# --------------------------------------------------------------------------------------------
# non-compensatory
# --------------------------------------------------------------------------------------------
def outranking_matrix(X, w, *, nan_policy: str = "coinr", cities: Names = None,
                      children: Names = None) -> np.ndarray:
    """Pairwise outranking matrix e_jk (COINr ``outrankMatrix``; Handbook Table 36).

    With w normalised to sum 1,

        e_jk = Σ_q w_q [x_qj > x_qk] + ½ Σ_q w_q [x_qj = x_qk],   e_jj = 0,

    the weight of the children on which city j beats city k, ties counted half; without
    missing values e_jk + e_kj = 1. Missing values (``nan_policy``):

    ``coinr``     children missing for j or k count for neither; e_jk is computed for j < k and
                  e_kj := 1 − e_jk (so the missing weight goes to the later city, as in COINr);
    ``pairwise``  both directions use only children available for both cities, with weights
                  renormalised over them (NaN if none).

    Parameters
    ----------
    X : array_like, shape (..., city, child)
    w : array_like, shape (..., child)
    nan_policy : {"coinr", "pairwise"}
    cities, children : sequence of str, optional

    Returns
    -------
    numpy.ndarray, shape (..., city, city)

    References
    ----------
    OECD/JRC Handbook (2008) §6.13, Tables 35-36; Munda & Nardo (2009); COINr ``outrankMatrix``;
    METHODS.md §6 (Test G1).

    Examples
    --------
    >>> outranking_matrix([[1, 5], [2, 5], [0, 9]], [1, 1]).tolist()
    [[0.0, 0.25, 0.5], [0.75, 0.0, 0.5], [0.5, 0.5, 0.0]]
    """
    if nan_policy not in OUTRANKING_NAN_POLICIES:
        raise unknown_name("outranking NaN policy", nan_policy, OUTRANKING_NAN_POLICIES)
    A, w = _prepare(X, w, allow_nan=True, cities=cities, children=children)
    w = w / w.sum(axis=-1, keepdims=True)
    m = A.shape[-2]
    batch = np.broadcast_shapes(A.shape[:-2], w.shape[:-1])
    e = np.zeros((*batch, m, m))
    avail = np.zeros((*batch, m, m)) if nan_policy == "pairwise" else None
    for q in range(A.shape[-1]):  # loop over a handful of children; cities/scenarios vectorised
        xq = A[..., :, q]
        wq = w[..., q, None, None]
        diff = xq[..., :, None] - xq[..., None, :]
        e = e + wq * ((diff > 0) + 0.5 * (diff == 0))
        if avail is not None:
            avail = avail + wq * ~np.isnan(diff)
    if nan_policy == "coinr":
        upper = np.triu(np.ones((m, m), dtype=bool), k=1)
        e = np.where(upper, e, 1.0 - np.swapaxes(e, -1, -2))
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            e = np.where(avail > 0, e / np.where(avail > 0, avail, 1.0), np.nan)
    idx = np.arange(m)
    e[..., idx, idx] = 0.0
    return e


def copeland(X, W, *, nan_policy: str = "coinr", tol: float = 1e-12, cities: Names = None,
             children: Names = None) -> np.ndarray:
    """Copeland score from the outranking matrix: Σ_{k≠j} sign(e_jk − ½) (higher = better).

    Each pairwise majority win counts +1, each loss −1, a draw (e_jk = ½ within ``tol``,
    guarding against rounding of sums of weights) 0.

    Parameters
    ----------
    X : array_like, shape (..., city, child)
    W : array_like, shape (..., child)
    nan_policy : {"coinr", "pairwise"}
        See :func:`outranking_matrix`.
    tol : float
        |e_jk − ½| <= tol counts as a draw.
    cities, children : sequence of str, optional

    Returns
    -------
    numpy.ndarray, shape (..., city)

    References
    ----------
    Copeland (1951); OECD/JRC Handbook (2008) §6.13; METHODS.md §6 (Test G1, derived
    Copeland 1, 2, 3, −2, −4).

    Examples
    --------
    >>> copeland([[1, 5], [2, 5], [0, 9]], [1, 1]).tolist()
    [-1.0, 1.0, 0.0]
    """
    e = outranking_matrix(X, W, nan_policy=nan_policy, cities=cities, children=children)
    s = e - 0.5
    s = np.where(np.abs(s) <= tol, 0.0, np.sign(s))
    m = e.shape[-1]
    idx = np.arange(m)
    s[..., idx, idx] = 0.0
    return np.nansum(s, axis=-1)


def borda(X, W=None, *, cities: Names = None, children: Names = None) -> np.ndarray:
    """Borda score: sum over children of each city's rank on that child (Handbook eq. 29).

    r_qc is the ascending rank of city c on child q (worst = 1, best = M, ties averaged), so the
    score is "higher = better" like every other aggregator:

        CI_c = Σ_q r_qc                       (``W`` None)
        CI_c = Σ_q w_q r_qc / Σ_q w_q         (weighted variant; same order as the sum for
                                               equal weights)

    Parameters
    ----------
    X : array_like, shape (..., city, child)
        No missing values: per-child ranks over different sets of cities are not comparable
        (impute first).
    W : array_like, shape (..., child), optional
    cities, children : sequence of str, optional

    Returns
    -------
    numpy.ndarray, shape (..., city)

    References
    ----------
    Borda (1784); OECD/JRC Handbook (2008) eq. 29; METHODS.md §6.

    Examples
    --------
    >>> borda([[1, 5], [2, 5], [0, 9]]).tolist()
    [3.5, 4.5, 4.0]
    """
    A = check_matrix(X, allow_nan=False, indicators=children, cities=cities,
                     what="aggregation input X (city x child)")
    R = np.swapaxes(rank(np.swapaxes(A, -1, -2), ties="average", ascending=True), -1, -2)
    if W is None:
        return R.sum(axis=-1)
    R, w = _prepare(R, W, allow_nan=False, cities=cities, children=children)
    return _wdot(R, w) / w.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------------------------
# dispatcher
# --------------------------------------------------------------------------------------------
#: Aggregation methods by their METHODS.md name. Each maps (X, W, **params) -> (..., city).
AGGREGATORS: dict[str, Callable[..., np.ndarray]] = {
    "arithmetic": arithmetic,
    "geometric": geometric,
    "harmonic": harmonic,
    "generalised": generalised,
    "topsis": topsis,
    "copeland": copeland,
    "borda": borda,
}


def aggregate(X, W, method: str = "arithmetic", **params) -> np.ndarray:
    """Aggregate children into the parent's score with a named method from :data:`AGGREGATORS`.

    Parameters
    ----------
    X : array_like, shape (..., city, child)
    W : array_like, shape (..., child)
    method : {"arithmetic", "geometric", "harmonic", "generalised", "topsis", "copeland", "borda"}
    **params
        Method parameters (``dat_thresh``, ``p``, ``norm``, ``directions``, ``nan_policy``...)
        and ``cities=``/``children=`` names for messages.

    Returns
    -------
    numpy.ndarray, shape (..., city)

    References
    ----------
    METHODS.md §6.

    Examples
    --------
    >>> aggregate([[1.0, 7.0]], [1, 1], "generalised", p=2).tolist()
    [5.0]
    """
    try:
        fn = AGGREGATORS[method]
    except (KeyError, TypeError):
        raise unknown_name("aggregation method", method, AGGREGATORS) from None
    sig = inspect.signature(fn)
    names = list(sig.parameters)[2:]
    bad = sorted(set(params) - set(names))
    if bad:
        raise SpecError(f"aggregation method {method!r} has no parameter(s) {', '.join(bad)}; "
                        f"its parameters are: {', '.join(names)}")
    missing = [p for p in names if sig.parameters[p].default is inspect.Parameter.empty
               and p not in params]
    if missing:
        raise SpecError(f"aggregation method {method!r} needs parameter(s) {', '.join(missing)}")
    return fn(X, W, **params)
