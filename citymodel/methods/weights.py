"""Weighting schemes: indicator weights from judgment, from the data, or from an optimisation.

This module is the *weight* half of Step 6 of the OECD/JRC ten-step method ("weighting and
aggregation", Nardo et al. 2008, *Handbook on Constructing Composite Indicators*, §6; formula book
``METHODS.md`` §5). Every function returns weights over the **last** axis (the indicators):

* judgment-based: :func:`equal_weights`, :func:`budget_weights` (budget allocation, BAP),
  :func:`ahp_weights` (analytic hierarchy process, with :func:`ahp_group`,
  :func:`consistent_matrix`, :func:`saaty_matrix_from_upper`, :data:`RI_TABLES`,
  :func:`random_index`), :func:`user_weights`;
* data-driven: :func:`entropy_weights`, :func:`cv_weights`, :func:`std_weights`,
  :func:`critic_weights` (all vectorised over leading "scenario" axes, input ``(..., city,
  indicator)``, output ``(..., indicator)``), :func:`pca_weights` (Handbook §6.1 PCA/FA weights);
* optimisation: :func:`bod_weights` (benefit of the doubt, one LP per city);
* combination: :func:`combined_weights` (组合赋权).

Data-driven weights operate on the matrix the caller gives them -- normally the already
normalised, direction-corrected ("higher = better") matrix; only the min-max based methods
(entropy pre-normalisation, CRITIC) accept ``directions`` to flip cost indicators themselves.
:data:`WEIGHT_METHODS` maps method names to functions and :func:`compute_weights` dispatches.
Bad input raises :class:`~citymodel.errors.DataError` / :class:`~citymodel.errors.MethodError`
naming the indicator (or matrix entry) at fault; unknown names raise
:class:`~citymodel.errors.SpecError`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .._checks import check_matrix, check_weights
from ..errors import (
    CitymodelWarning,
    ConsistencyError,
    ConsistencyWarning,
    DataError,
    MethodError,
    SpecError,
    unknown_name,
)

__all__ = [
    "equal_weights",
    "budget_weights",
    "user_weights",
    "entropy_weights",
    "cv_weights",
    "std_weights",
    "critic_weights",
    "AHPResult",
    "RI_TABLES",
    "random_index",
    "ahp_weights",
    "ahp_group",
    "consistent_matrix",
    "saaty_matrix_from_upper",
    "PCAWeights",
    "pca_weights",
    "BoDResult",
    "bod_weights",
    "combined_weights",
    "WEIGHT_METHODS",
    "compute_weights",
    "ENTROPY_PRENORMS",
    "ENTROPY_ZERO_RULES",
    "AHP_METHODS",
]

# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _name(names: Sequence[str] | None, j: int, kind: str = "indicator") -> str:
    if names is not None and 0 <= j < len(names):
        return f"{kind} {names[j]!r}"
    return f"{kind} {j}"


def _batch_note(idx: tuple[int, ...]) -> str:
    return f" in batch element {idx}" if idx else ""


def _first(mask: np.ndarray) -> tuple[tuple[int, ...], int]:
    """(leading batch index, last-axis index) of the first True entry of ``mask`` (..., n)."""
    pos = tuple(int(i) for i in np.argwhere(mask)[0])
    return pos[:-1], pos[-1]


def _directions(directions, n: int, indicators: Sequence[str] | None) -> np.ndarray:
    """Validate a direction vector of +1/-1 of length ``n`` (None -> all +1)."""
    if directions is None:
        return np.ones(n)
    d = np.asarray(directions, dtype=float)
    if d.shape != (n,):
        raise DataError(
            f"directions must have one entry (+1 or -1) per indicator: expected shape ({n},), "
            f"got {d.shape}"
        )
    bad = ~np.isin(d, (1.0, -1.0))
    if bad.any():
        j = int(np.argmax(bad))
        raise DataError(
            f"direction of {_name(indicators, j)} is {d[j]:g}; use +1 (higher = better) or "
            "-1 (lower = better)"
        )
    return d


def _require_nonconstant(A: np.ndarray, indicators, who: str, hint: str) -> None:
    """Raise DataError naming the first indicator that is constant over cities (axis -2)."""
    const = np.ptp(A, axis=-2) == 0
    if const.any():
        b, j = _first(const)
        raise DataError(
            f"{who}: {_name(indicators, j)} is constant across all cities{_batch_note(b)}; {hint}"
        )


def _minmax(A: np.ndarray, d: np.ndarray, indicators, who: str, hint: str) -> np.ndarray:
    """Direction-aware min-max over cities: (x - min)/(max - min) or (max - x)/(max - min)."""
    _require_nonconstant(A, indicators, who, hint)
    lo = A.min(axis=-2, keepdims=True)
    hi = A.max(axis=-2, keepdims=True)
    return np.where(d < 0, hi - A, A - lo) / (hi - lo)


def _require_nonnegative(A: np.ndarray, indicators, cities, who: str, hint: str) -> None:
    neg = A < 0
    if neg.any():
        pos = tuple(int(i) for i in np.argwhere(neg)[0])
        raise DataError(
            f"{who}: {_name(cities, pos[-2], 'city')}, {_name(indicators, pos[-1])} is negative "
            f"({A[pos]:g}){_batch_note(pos[:-2])}; {hint}"
        )


def _check_choice(value, valid: Sequence[str], kind: str) -> str:
    if value not in valid:
        raise unknown_name(kind, value, valid)
    return value


# --------------------------------------------------------------------------------------------
# 5.7 equal, budget, user
# --------------------------------------------------------------------------------------------


def equal_weights(n: int) -> np.ndarray:
    """Equal weights ``w_q = 1/n``.

    Parameters
    ----------
    n : int
        Number of indicators (>= 1).

    Returns
    -------
    ndarray, shape (n,)

    References
    ----------
    Nardo et al. (2008), Handbook on Constructing Composite Indicators, §6 ("equal weighting").

    Examples
    --------
    >>> equal_weights(4)
    array([0.25, 0.25, 0.25, 0.25])
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SpecError(f"equal_weights needs a positive integer number of indicators, got {n!r}")
    return np.full(int(n), 1.0 / int(n))


def budget_weights(allocations, *, indicators: Sequence[str] | None = None) -> np.ndarray:
    """Budget allocation (BAP) weights: the mean of the experts' normalised budgets.

    Each expert e distributes budget points B_eq over the indicators;
    ``w_q = (1/E) * sum_e B_eq / sum_r B_er``.

    Parameters
    ----------
    allocations : array_like, shape (n_experts, n) or (n,)
        Non-negative budget points; every expert must allocate something.
    indicators : sequence of str, optional
        Indicator names for error messages.

    Returns
    -------
    ndarray, shape (n,)

    References
    ----------
    Nardo et al. (2008), Handbook §6.6 (budget allocation process); METHODS.md §5.7.

    Examples
    --------
    >>> budget_weights([[50, 30, 20], [30, 30, 40]])
    array([0.4, 0.3, 0.3])
    """
    try:
        B = np.asarray(allocations, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"budget allocations must be numeric: {exc}") from None
    if B.ndim == 1:
        B = B[None, :]
    if B.ndim != 2 or B.shape[1] == 0 or B.shape[0] == 0:
        raise DataError(
            f"budget allocations must have shape (n_experts, n_indicators) or (n_indicators,); "
            f"got {np.shape(allocations)}"
        )
    bad = ~np.isfinite(B)
    if bad.any():
        e, j = (int(i) for i in np.argwhere(bad)[0])
        raise DataError(
            f"budget of expert {e} for {_name(indicators, j)} is NaN/Inf; every expert must "
            "allocate a finite number of points to every indicator (0 is allowed)"
        )
    if (B < 0).any():
        e, j = (int(i) for i in np.argwhere(B < 0)[0])
        raise DataError(
            f"budget of expert {e} for {_name(indicators, j)} is negative ({B[e, j]:g}); "
            "budget points must be >= 0"
        )
    tot = B.sum(axis=1)
    if (tot <= 0).any():
        e = int(np.argmax(tot <= 0))
        raise DataError(f"expert {e} allocated no budget at all; drop that expert or fill the budget")
    return (B / tot[:, None]).mean(axis=0)


def user_weights(weights, n: int | None = None, *, indicators: Sequence[str] | None = None
                 ) -> np.ndarray:
    """User-supplied weights, validated and rescaled to sum 1: ``w_q / sum_r w_r``.

    Parameters
    ----------
    weights : array_like, shape (..., n)
        Non-negative, finite, not all zero.
    n : int, optional
        Expected number of indicators.
    indicators : sequence of str, optional
        Names for error messages.

    Examples
    --------
    >>> user_weights([2, 1, 1])
    array([0.5 , 0.25, 0.25])
    """
    return check_weights(weights, n, names=indicators, normalise=True)


# --------------------------------------------------------------------------------------------
# 5.1 entropy
# --------------------------------------------------------------------------------------------

ENTROPY_PRENORMS = ("none", "sum", "minmax", "minmax_shift", "minmax_add", "reciprocal_cost")
ENTROPY_ZERO_RULES = ("plnp0", "column_zero")
_RECIPROCAL_EPS = 1e-9  # pyDecision's guard in 1/(x + 1e-9)


def entropy_weights(
    X,
    *,
    prenorm: str = "minmax",
    shift: float = 0.01,
    zero_rule: str = "plnp0",
    directions=None,
    indicators: Sequence[str] | None = None,
) -> np.ndarray:
    r"""Entropy weights (熵权法): indicators whose values are more unequal across cities weigh more.

    With x' the pre-normalised data (``prenorm``), for each column j over the m cities

    .. math::

        p_{ij} = x'_{ij} / \sum_i x'_{ij},\qquad
        e_j = -\frac{1}{\ln m}\sum_i p_{ij}\ln p_{ij},\qquad
        d_j = 1 - e_j,\qquad w_j = d_j / \sum_k d_k .

    ``prenorm`` (the variants in use, METHODS.md §5.1):

    * ``"none"`` / ``"sum"`` (alias): x' = x, raw non-negative data (pymcdm).
    * ``"minmax"``: x' = (x - min)/(max - min); cost columns (``directions`` = -1)
      (max - x)/(max - min) (common Chinese practice).
    * ``"minmax_shift"``: x' = (1 - shift)·minmax + shift, i.e. 0.99·x' + 0.01 at the default
      ``shift=0.01`` (maps into [shift, 1]).
    * ``"minmax_add"``: x' = minmax + shift (maps into [shift, 1 + shift]); differs slightly
      from ``"minmax_shift"`` because 0.99x' + 0.01 ∝ x' + 0.0101.
    * ``"reciprocal_cost"``: benefit columns x' = x, cost columns x' = 1/(x + 1e-9) (pyDecision).

    ``zero_rule`` -- how a zero share p_ij = 0 enters (the "handle zeros correctly" issue):

    * ``"plnp0"`` (default): 0·ln 0 = 0, the limit of p ln p as p -> 0. A zero simply contributes
      nothing, and the column's weight reflects the dispersion of all its values: a column
      containing a zero is **not** pushed to maximal weight (e.g. shares (1/2, 0, 1/2) give
      e = ln 2/ln 3 = 0.63, not 0).
    * ``"column_zero"``: pymcdm's rule, e_j = 0 for any column containing a zero. That gives such a
      column the maximal possible divergence d_j = 1, i.e. **maximal weight by accident** of a
      single zero; after ``"minmax"`` every column contains its minimum 0, so all weights become
      equal. Provided only to reproduce pymcdm.

    Parameters
    ----------
    X : array_like, shape (..., m, n)
        Data with optional leading batch axes; m >= 2 cities. No NaN.
    prenorm : str
        One of :data:`ENTROPY_PRENORMS`.
    shift : float
        Offset used by ``"minmax_shift"`` (0 <= shift < 1) and ``"minmax_add"`` (shift >= 0).
    zero_rule : {"plnp0", "column_zero"}
    directions : array_like of +1/-1, shape (n,), optional
        Only used by the min-max pre-normalisations (cost flip) and ``"reciprocal_cost"``;
        entropy itself does not depend on direction.
    indicators : sequence of str, optional
        Names used in error messages.

    Returns
    -------
    ndarray, shape (..., n)
        Non-negative weights summing to 1 over the last axis.

    Raises
    ------
    DataError
        NaN/Inf; negative values with ``"none"``/``"sum"``/``"reciprocal_cost"``; an all-zero
        column; a constant column under a min-max pre-normalisation (zero range); every column
        with maximal entropy (no dispersion anywhere).

    References
    ----------
    Hwang & Yoon (1981) *Multiple Attribute Decision Making*, Springer; Test W1: Elsayed, Dawood &
    Karthikeyan (2017) IJETT 46(2):60-66 (pymcdm tests); METHODS.md §5.1.

    Examples
    --------
    Hand-computed: column 1 (1, 1, 2) has shares (1/4, 1/4, 1/2), so e_1 = 1.5 ln 2 / ln 3 =
    0.946395; column 2 (1, 0, 1) has shares (1/2, 0, 1/2), so e_2 = ln 2 / ln 3 = 0.630930.
    d = (0.053605, 0.369070), w = d / 0.422675:

    >>> X = [[1, 1], [1, 0], [2, 1]]
    >>> entropy_weights(X, prenorm="none").round(6)
    array([0.126824, 0.873176])

    pymcdm's rule gives the column with a zero d_2 = 1, the maximal divergence:

    >>> entropy_weights(X, prenorm="none", zero_rule="column_zero").round(6)
    array([0.050878, 0.949122])
    """
    _check_choice(prenorm, ENTROPY_PRENORMS, "entropy prenorm")
    _check_choice(zero_rule, ENTROPY_ZERO_RULES, "entropy zero rule")
    A = check_matrix(X, min_rows=2, indicators=indicators, what="entropy input")
    m, n = A.shape[-2:]
    d = _directions(directions, n, indicators)
    if prenorm in ("none", "sum", "reciprocal_cost"):
        _require_nonnegative(
            A, indicators, None, f"entropy_weights(prenorm={prenorm!r})",
            "raw-data entropy needs non-negative (ratio-scale) data; use prenorm='minmax' for "
            "data with negative values",
        )
        P = np.where(d < 0, 1.0 / (A + _RECIPROCAL_EPS), A) if prenorm == "reciprocal_cost" else A
    else:
        hint = ("min-max pre-normalisation divides by its zero range; drop the indicator "
                "(it carries no information)")
        Z = _minmax(A, d, indicators, "entropy_weights", hint)
        if prenorm == "minmax_shift":
            if not 0 <= shift < 1:
                raise SpecError(f"shift for prenorm='minmax_shift' must be in [0, 1), got {shift!r}")
            Z = (1.0 - shift) * Z + shift
        elif prenorm == "minmax_add":
            if not shift >= 0:
                raise SpecError(f"shift for prenorm='minmax_add' must be >= 0, got {shift!r}")
            Z = Z + shift
        P = Z
    tot = P.sum(axis=-2, keepdims=True)
    zero_col = tot[..., 0, :] <= 0
    if zero_col.any():
        b, j = _first(zero_col)
        raise DataError(
            f"entropy_weights: {_name(indicators, j)} is zero in every city{_batch_note(b)}; its "
            "shares p = x / sum(x) are undefined. Drop the indicator or use prenorm='minmax'"
        )
    P = P / tot
    pos = P > 0
    plnp = np.zeros_like(P)
    np.multiply(P, np.log(P, out=np.zeros_like(P), where=pos), out=plnp, where=pos)
    e = -plnp.sum(axis=-2) / np.log(m)
    if zero_rule == "column_zero":
        e = np.where((~pos).any(axis=-2), 0.0, e)
    div = np.clip(1.0 - e, 0.0, None)
    dsum = div.sum(axis=-1, keepdims=True)
    if (dsum <= 0).any():
        b = tuple(int(i) for i in np.argwhere(dsum[..., 0] <= 0)[0]) if dsum.ndim > 1 else ()
        raise DataError(
            f"entropy_weights: every indicator has maximal entropy (identical shares in all cities)"
            f"{_batch_note(b)}, so entropy weights are undefined; use equal weights instead"
        )
    return div / dsum


# --------------------------------------------------------------------------------------------
# 5.2 CV and standard deviation
# --------------------------------------------------------------------------------------------

_CONST_HINT = ("it carries no information for weighting; drop it (or exclude it) before "
               "computing data-driven weights")


def std_weights(X, ddof: int = 1, *, indicators: Sequence[str] | None = None) -> np.ndarray:
    r"""Standard-deviation weights: :math:`w_j = s_j / \sum_k s_k`.

    ``s_j`` is the standard deviation of column j over the cities (``ddof`` cancels in the ratio;
    exposed for completeness). Use on comparably normalised data.

    Parameters
    ----------
    X : array_like, shape (..., m, n)
    ddof : int
        Delta degrees of freedom of the standard deviation (default 1).
    indicators : sequence of str, optional

    Returns
    -------
    ndarray, shape (..., n)

    Raises
    ------
    DataError
        NaN/Inf, fewer than ``ddof + 1`` cities, a constant column (named).

    References
    ----------
    Jahan & Edwards (2013) Mater. Des. 49:1000 (pymcdm ``standard_deviation_weights``);
    Test W2; METHODS.md §5.2.

    Examples
    --------
    >>> std_weights([[0, 0], [1, 2], [2, 4]]).round(4)
    array([0.3333, 0.6667])
    """
    A = check_matrix(X, min_rows=max(2, ddof + 1), indicators=indicators, what="std-weights input")
    _require_nonconstant(A, indicators, "std_weights", _CONST_HINT)
    s = A.std(axis=-2, ddof=ddof)
    return s / s.sum(axis=-1, keepdims=True)


def cv_weights(X, ddof: int = 1, *, indicators: Sequence[str] | None = None) -> np.ndarray:
    r"""Coefficient-of-variation weights (变异系数法): :math:`w_j \propto s_j / |\bar x_j|`.

    Meaningful on raw ratio-scale data (a z-scored column has mean 0 and no CV).
    ``ddof`` cancels in the normalised weights.

    Parameters
    ----------
    X : array_like, shape (..., m, n)
    ddof : int
        Delta degrees of freedom of s_j (default 1).
    indicators : sequence of str, optional

    Returns
    -------
    ndarray, shape (..., n)

    Raises
    ------
    DataError
        NaN/Inf, a constant column, a column with zero mean (CV undefined).

    References
    ----------
    METHODS.md §5.2 (CV derived values on the Tuş & Adalı 2019 matrix, Test W3).

    Examples
    --------
    CVs are 1/2 and sqrt(700)/30 = 0.8819:

    >>> cv_weights([[1, 10], [2, 20], [3, 60]]).round(4)
    array([0.3618, 0.6382])
    """
    A = check_matrix(X, min_rows=max(2, ddof + 1), indicators=indicators, what="cv-weights input")
    _require_nonconstant(A, indicators, "cv_weights", _CONST_HINT)
    mu = A.mean(axis=-2)
    zero = mu == 0
    if zero.any():
        b, j = _first(zero)
        raise DataError(
            f"cv_weights: {_name(indicators, j)} has mean 0{_batch_note(b)}, so its coefficient "
            "of variation is undefined; CV weights need raw ratio-scale data (not z-scores)"
        )
    v = A.std(axis=-2, ddof=ddof) / np.abs(mu)
    return v / v.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------------------------
# 5.3 CRITIC
# --------------------------------------------------------------------------------------------


def critic_weights(
    X,
    *,
    directions=None,
    respect_direction: bool = True,
    indicators: Sequence[str] | None = None,
) -> np.ndarray:
    r"""CRITIC weights (CRiteria Importance Through Intercriteria Correlation).

    With r the direction-aware min-max of X (benefit (x - min)/(max - min), cost
    (max - x)/(max - min)), σ_j the standard deviation of r_·j and R the Pearson correlation
    matrix of r:

    .. math::

        C_j = \sigma_j \sum_k (1 - R_{jk}),\qquad w_j = C_j / \sum_k C_k .

    Indicators with high contrast (σ) and low correlation with the others weigh more.

    Parameters
    ----------
    X : array_like, shape (..., m, n)
    directions : array_like of +1/-1, shape (n,), optional
        Cost indicators (-1) are flipped by the min-max step (which changes the sign of their
        correlations).
    respect_direction : bool
        If False, all indicators are treated as benefit (pymcdm's behaviour).
    indicators : sequence of str, optional

    Returns
    -------
    ndarray, shape (..., n)

    Raises
    ------
    DataError
        NaN/Inf, fewer than 2 cities, a constant column (its correlations are undefined; pyDecision
        silently sets them to 0), all indicators perfectly correlated.

    References
    ----------
    Diakoulaki, Mavrotas & Papayannakis (1995) Comput. Oper. Res. 22:763; Test W3: Tuş & Adalı
    (2019) Opsearch 56:528 (pymcdm tests); METHODS.md §5.3.

    Examples
    --------
    >>> critic_weights([[1, 3, 2], [2, 1, 2], [3, 2, 1], [4, 4, 0]]).round(4)
    array([0.2877, 0.2572, 0.4551])
    """
    A = check_matrix(X, min_rows=2, indicators=indicators, what="CRITIC input")
    m, n = A.shape[-2:]
    d = _directions(directions, n, indicators) if respect_direction else np.ones(n)
    r = _minmax(A, d, indicators, "critic_weights",
                "its correlations are undefined; " + _CONST_HINT)
    sd = r.std(axis=-2, ddof=1)
    Z = (r - r.mean(axis=-2, keepdims=True)) / sd[..., None, :]
    R = np.einsum("...ij,...ik->...jk", Z, Z) / (m - 1)
    C = np.clip(sd * (1.0 - R).sum(axis=-1), 0.0, None)
    if n == 1:
        return np.ones_like(C)
    tot = C.sum(axis=-1, keepdims=True)
    if (tot <= 0).any():
        raise DataError(
            "critic_weights: all indicators are perfectly correlated, so CRITIC weights are "
            "undefined; use equal weights"
        )
    return C / tot


# --------------------------------------------------------------------------------------------
# 5.4 AHP
# --------------------------------------------------------------------------------------------

_RI_N = tuple(range(3, 16))
RI_TABLES: dict[str, dict[int, float]] = {
    # Saaty 1980 (pyDecision). n = 12 is printed 1.48 (non-monotone; CN textbooks print 1.54).
    "saaty_classic": dict(zip(_RI_N, (0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51,
                                      1.48, 1.56, 1.57, 1.59), strict=True)),
    # Saaty 2005, Theory and Applications of the ANP, p.31 (AHPy ``saaty``).
    "saaty2005": dict(zip(_RI_N, (0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54,
                                  1.56, 1.58, 1.59), strict=True)),
    # Donegan & Dodd 1991, Math. Comput. Model. 15(10):135 (AHPy default), extended to n = 100.
    "donegan_dodd": {
        **dict(zip(_RI_N, (0.4914, 0.8286, 1.0591, 1.1797, 1.2519, 1.3171, 1.3733, 1.4055,
                           1.4213, 1.4497, 1.4643, 1.4822, 1.4969), strict=True)),
        16: 1.5078, 17: 1.5153, 18: 1.5262, 19: 1.5313, 20: 1.5371, 25: 1.5619, 30: 1.5772,
        40: 1.5976, 50: 1.6102, 60: 1.6178, 70: 1.6237, 80: 1.6277, 90: 1.6213, 100: 1.6339,
    },
    # Tummala & Ling 1998, Theory Decis. 44:221 (pymcdm).
    "tummala_ling": dict(zip(_RI_N, (0.5799, 0.8921, 1.1159, 1.2358, 1.3322, 1.3952, 1.4537,
                                     1.4882, 1.5117, 1.5356, 1.5571, 1.5714, 1.5831), strict=True)),
}
for _t in RI_TABLES.values():
    _t.update({1: 0.0, 2: 0.0})
RI_TABLES = {k: dict(sorted(v.items())) for k, v in RI_TABLES.items()}

AHP_METHODS = ("eigen", "geometric", "additive")
_LAMBDA_METHODS = ("eigen", "mean_ratio")
_ON_INCONSISTENT = ("raise", "warn", "ignore")
_SAATY_SIZE_THRESHOLDS = {3: 0.05, 4: 0.08}


def random_index(n: int, table: str = "saaty_classic") -> float:
    """Random consistency index RI(n) of a named table (:data:`RI_TABLES`).

    RI(n) = 0 for n <= 2. The tables cover n = 1..15; ``"donegan_dodd"`` continues to n = 100
    (16-20, 25, 30, ..., 100) and is linearly interpolated between tabulated sizes, as AHPy does.

    Parameters
    ----------
    n : int
        Matrix size.
    table : {"saaty_classic", "saaty2005", "donegan_dodd", "tummala_ling"}

    References
    ----------
    Saaty (1980); Saaty (2005) p.31; Donegan & Dodd (1991); Tummala & Ling (1998); METHODS.md §5.4.

    Examples
    --------
    >>> random_index(7, "saaty2005"), random_index(22, "donegan_dodd")
    (1.35, 1.54702)
    """
    if table not in RI_TABLES:
        raise unknown_name("RI table", table, RI_TABLES)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SpecError(f"matrix size n must be a positive integer, got {n!r}")
    tab = RI_TABLES[table]
    if n in tab:
        return float(tab[n])
    sizes = np.array(sorted(tab))
    if n > sizes[-1]:
        raise MethodError(
            f"RI table {table!r} stops at n = {sizes[-1]}; no random index for n = {n}. "
            + ("Use ri_table='donegan_dodd' (tabulated up to n = 100)" if table != "donegan_dodd"
               else "Split the criteria into a hierarchy with fewer elements per matrix")
        )
    return round(float(np.interp(n, sizes, [tab[k] for k in sizes])), 10)


@dataclass(frozen=True, eq=False)
class AHPResult:
    """Result of :func:`ahp_weights`.

    Attributes
    ----------
    weights : ndarray (n,)
        Priority vector, sums to 1.
    lambda_max : float
        Principal eigenvalue (or mean((Aw)_i/w_i) if ``lambda_method="mean_ratio"``).
    ci, cr, ri : float
        Consistency index (λ_max - n)/(n - 1), consistency ratio CI/RI, random index.
    n : int
    method, ri_table, lambda_method : str
    cr_threshold : float
    labels : tuple of str or None
    """

    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float
    ri: float
    n: int
    method: str
    ri_table: str
    cr_threshold: float = 0.1
    lambda_method: str = "eigen"
    labels: tuple[str, ...] | None = None

    @property
    def consistent(self) -> bool:
        """True if CR <= ``cr_threshold``."""
        return bool(self.cr <= self.cr_threshold)

    def __repr__(self) -> str:
        w = ", ".join(f"{x:.4f}" for x in self.weights)
        status = "consistent" if self.consistent else "INCONSISTENT"
        return (
            f"AHPResult(n={self.n}, method={self.method!r}, weights=[{w}], "
            f"lambda_max={self.lambda_max:.4f}, CI={self.ci:.4f}, CR={self.cr:.4f} "
            f"(RI={self.ri:g} from {self.ri_table!r}; threshold {self.cr_threshold:g}: {status}))"
        )

    def summary(self) -> str:
        """Multi-line text summary: one line per element, then the consistency figures."""
        labels = self.labels or tuple(f"#{i}" for i in range(self.n))
        wid = max(len(str(s)) for s in labels)
        lines = [f"AHP priorities ({self.method}, n = {self.n})"]
        lines += [f"  {str(s):<{wid}}  {w:.4f}" for s, w in zip(labels, self.weights, strict=True)]
        lines.append(
            f"  lambda_max = {self.lambda_max:.4f} ({self.lambda_method}), CI = {self.ci:.4f}, "
            f"RI = {self.ri:g} ({self.ri_table}), CR = {self.cr:.4f} "
            f"{'<=' if self.consistent else '>'} {self.cr_threshold:g}"
        )
        return "\n".join(lines)


def _pair(labels, i: int, j: int) -> str:
    if labels is not None:
        return f"({labels[i]!r}, {labels[j]!r})"
    return f"(row {i}, column {j})"


def _check_pairwise(A, labels: Sequence[str] | None = None, what: str = "comparison matrix"
                    ) -> np.ndarray:
    """Validate a complete positive reciprocal matrix; return it as float (n, n)."""
    try:
        M = np.asarray(A, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{what} must be numeric ({exc}); write fractions as numbers (1/3) or build it with "
            "saaty_matrix_from_upper, which accepts '1/3' strings"
        ) from None
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] == 0:
        raise DataError(f"{what} must be square (n x n); got shape {M.shape}")
    n = M.shape[0]
    if labels is not None and len(labels) != n:
        raise DataError(f"{what} is {n} x {n} but {len(labels)} labels were given")
    nan = np.isnan(M)
    if nan.any():
        cells = ", ".join(_pair(labels, int(i), int(j)) for i, j in np.argwhere(nan)[:10])
        more = " ..." if nan.sum() > 10 else ""
        raise MethodError(
            f"{what} is incomplete: {int(nan.sum())} missing (NaN) entries at {cells}{more}. "
            "Incomplete matrices are not supported: fill every judgment (a_ji = 1/a_ij), e.g. by "
            "asking the expert or with the lambda_max-minimising completion of Bozoki, Fulop & "
            "Ronyai (2010)"
        )
    if np.isinf(M).any():
        i, j = (int(k) for k in np.argwhere(np.isinf(M))[0])
        raise DataError(f"{what} has an infinite entry at {_pair(labels, i, j)}; use the 1-9 scale")
    if (M <= 0).any():
        i, j = (int(k) for k in np.argwhere(M <= 0)[0])
        raise DataError(
            f"{what} entry at {_pair(labels, i, j)} is {M[i, j]:g}; judgments must be positive "
            "(Saaty scale 1/9 ... 9)"
        )
    diag = np.diag(M)
    bad = ~np.isclose(diag, 1.0, rtol=1e-6, atol=0.0)
    if bad.any():
        i = int(np.argmax(bad))
        who = repr(labels[i]) if labels is not None else f"row {i}"
        raise DataError(f"{what} diagonal entry of {who} is {diag[i]:g}; every a_ii must be 1")
    # nonrec[i, j]: a_ji differs from 1/a_ij; report each pair once (i < j)
    nonrec = ~np.isclose(M.T, 1.0 / M, rtol=1e-6, atol=0.0)
    nonrec &= np.triu(np.ones((n, n), dtype=bool), 1)
    if nonrec.any():
        i, j = (int(k) for k in np.argwhere(nonrec)[0])
        raise DataError(
            f"{what} is not reciprocal at {_pair(labels, i, j)}: a_ij = {M[i, j]:g} but a_ji = "
            f"{M[j, i]:g} (should be 1/{M[i, j]:g} = {1 / M[i, j]:.6g}, rtol 1e-6). Write exact "
            "fractions (1/9, not 0.111) or build the matrix with saaty_matrix_from_upper"
        )
    return M


def _principal(M: np.ndarray) -> tuple[np.ndarray, float]:
    vals, vecs = np.linalg.eig(M)
    k = int(np.argmax(vals.real))
    v = np.abs(vecs[:, k].real)  # Perron vector: one sign, positive for a positive matrix
    return v / v.sum(), float(vals[k].real)


def ahp_weights(
    A,
    *,
    method: str = "eigen",
    ri_table: str = "saaty_classic",
    cr_threshold: float | str = 0.1,
    on_inconsistent: str = "raise",
    lambda_method: str = "eigen",
    labels: Sequence[str] | None = None,
) -> AHPResult:
    r"""Priorities of a pairwise comparison matrix (analytic hierarchy process) and its consistency.

    A is a positive reciprocal matrix (a_ii = 1, a_ji = 1/a_ij; Saaty's 1-9 scale), a_ij = how much
    more important element i is than element j. ``method``:

    * ``"eigen"``: principal right eigenvector, :math:`A w = \lambda_{max} w`, Σw = 1
      (``numpy.linalg.eig``; AHPy's repeated squaring converges to the same vector);
    * ``"geometric"``: normalised row geometric means :math:`w_i \propto (\prod_j a_{ij})^{1/n}`
      (Crawford & Williams 1985; equals ``"eigen"`` for n <= 3 or consistent A);
    * ``"additive"``: normalise columns to sum 1, average the rows (pyDecision default).

    λ_max (``lambda_method``): ``"eigen"`` = the true principal eigenvalue for every method (AHPy,
    pymcdm), or ``"mean_ratio"`` = mean_i((A w)_i / w_i) with the method's own w (pyDecision's
    non-eigen methods; identical for ``"eigen"``). Then

    .. math:: CI = (\lambda_{max} - n)/(n - 1),\qquad CR = CI / RI(n),

    CR = 0 for n <= 2. The matrix is accepted if CR <= ``cr_threshold`` (pymcdm's convention).

    Parameters
    ----------
    A : array_like, shape (n, n)
        Complete positive reciprocal matrix (reciprocity checked to rtol 1e-6).
    method : {"eigen", "geometric", "additive"}
    ri_table : {"saaty_classic", "saaty2005", "donegan_dodd", "tummala_ling"}
        Random-index table (:data:`RI_TABLES`).
    cr_threshold : float or "saaty_size"
        0.10 by default (Handbook p.98: "less than 0.1, although 0.2 is often cited");
        ``"saaty_size"`` uses 0.05 (n = 3), 0.08 (n = 4), 0.10 (n >= 5), widely attributed to Saaty.
    on_inconsistent : {"raise", "warn", "ignore"}
        CR above the threshold raises :class:`~citymodel.errors.ConsistencyError`, emits a
        :class:`~citymodel.errors.ConsistencyWarning`, or passes silently.
    lambda_method : {"eigen", "mean_ratio"}
    labels : sequence of str, optional
        Names of the compared elements (used in messages and :meth:`AHPResult.summary`).

    Returns
    -------
    AHPResult

    Raises
    ------
    DataError
        Non-square, non-finite, non-positive, diagonal != 1, non-reciprocal (the pair is named).
    MethodError
        Incomplete matrix (NaN entries, listed).
    ConsistencyError
        CR > threshold with ``on_inconsistent="raise"`` (the most inconsistent judgment is named).

    References
    ----------
    Saaty (1977) J. Math. Psych. 15:234; Saaty (1980) *The Analytic Hierarchy Process*; Crawford &
    Williams (1985) J. Math. Psych. 29:387; Handbook §6.7; METHODS.md §5.4 (Tests A1-A5).

    Examples
    --------
    >>> res = ahp_weights([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]])
    >>> res.weights.round(4), round(res.cr, 4)
    (array([0.637 , 0.2583, 0.1047]), 0.0332)
    """
    _check_choice(method, AHP_METHODS, "AHP method")
    _check_choice(lambda_method, _LAMBDA_METHODS, "lambda method")
    _check_choice(on_inconsistent, _ON_INCONSISTENT, "on_inconsistent option")
    if ri_table not in RI_TABLES:
        raise unknown_name("RI table", ri_table, RI_TABLES)
    M = _check_pairwise(A, labels)
    n = M.shape[0]
    if isinstance(cr_threshold, str):
        if cr_threshold != "saaty_size":
            raise unknown_name("CR threshold rule", cr_threshold, ["saaty_size"])
        thr = _SAATY_SIZE_THRESHOLDS.get(n, 0.10)
    else:
        thr = float(cr_threshold)
        if not thr >= 0:
            raise SpecError(f"cr_threshold must be >= 0, got {cr_threshold!r}")
    w_eig, lam_eig = _principal(M)
    if method == "eigen":
        w = w_eig
    elif method == "geometric":
        g = np.exp(np.log(M).mean(axis=1))
        w = g / g.sum()
    else:  # additive
        w = (M / M.sum(axis=0, keepdims=True)).mean(axis=1)
    lam = lam_eig if lambda_method == "eigen" else float(np.mean((M @ w) / w))
    if n <= 2:
        ci = cr = 0.0
    else:
        ci = max((lam - n) / (n - 1), 0.0)  # lambda_max >= n for reciprocal A; clip round-off
        cr = ci / random_index(n, ri_table)
    ri = random_index(n, ri_table)
    w = np.array(w, dtype=float)
    w.setflags(write=False)
    res = AHPResult(
        weights=w, lambda_max=lam, ci=ci, cr=cr, ri=ri, n=n, method=method, ri_table=ri_table,
        cr_threshold=thr, lambda_method=lambda_method,
        labels=tuple(str(s) for s in labels) if labels is not None else None,
    )
    if cr > thr and on_inconsistent != "ignore":
        err = np.abs(np.log(M * w[None, :] / w[:, None]))
        i, j = (int(k) for k in np.unravel_index(np.argmax(np.triu(err, 1)), err.shape))
        msg = (
            f"comparison matrix is too inconsistent: CR = {cr:.4f} > {thr:g} (lambda_max = "
            f"{lam:.4f}, n = {n}, RI = {ri:g} from {ri_table!r}). The judgment furthest from the "
            f"priorities is {_pair(labels, i, j)}: a_ij = {M[i, j]:.4g} vs w_i/w_j = "
            f"{w[i] / w[j]:.4g}. Revise the judgments, or pass on_inconsistent='warn'/'ignore' "
            "to accept them"
        )
        if on_inconsistent == "raise":
            raise ConsistencyError(msg)
        warnings.warn(msg, ConsistencyWarning, stacklevel=2)
    return res


def ahp_group(matrices, method: str = "aij", *, weights=None,
              labels: Sequence[str] | None = None) -> np.ndarray:
    r"""Aggregate several experts' comparison matrices into one (group AHP).

    ``method="aij"`` (aggregation of individual judgments): element-wise weighted geometric mean

    .. math:: a^G_{ij} = \prod_e a^{(e)}_{ij}{}^{\lambda_e},\qquad \sum_e \lambda_e = 1,

    which keeps the result reciprocal (the arithmetic mean would not). Feed the result to
    :func:`ahp_weights`.

    Parameters
    ----------
    matrices : array_like, shape (n_experts, n, n)
        Complete positive reciprocal matrices (each validated).
    method : {"aij"}
    weights : array_like, shape (n_experts,), optional
        Expert weights λ (rescaled to sum 1); equal by default.
    labels : sequence of str, optional

    Returns
    -------
    ndarray, shape (n, n)

    References
    ----------
    Aczél & Saaty (1983) J. Math. Psych. 27:93; Forman & Peniwati (1998) EJOR 108:165.

    Examples
    --------
    >>> ahp_group([[[1, 4], [1/4, 1]], [[1, 1], [1, 1]]])
    array([[1. , 2. ],
           [0.5, 1. ]])
    """
    _check_choice(method, ("aij",), "group AHP method")
    try:
        stack = [np.asarray(Mk, dtype=float) for Mk in matrices]
    except (TypeError, ValueError) as exc:
        raise DataError(f"group AHP matrices must be numeric: {exc}") from None
    if len(stack) == 0:
        raise DataError("ahp_group needs at least one comparison matrix")
    checked = [_check_pairwise(Mk, labels, what=f"comparison matrix of expert {e}")
               for e, Mk in enumerate(stack)]
    shapes = {Mk.shape for Mk in checked}
    if len(shapes) > 1:
        raise DataError(f"all experts' matrices must have the same size; got shapes {sorted(shapes)}")
    lam = (np.full(len(checked), 1.0 / len(checked)) if weights is None
           else check_weights(weights, len(checked), what="expert weights"))
    L = np.einsum("e,eij->ij", lam, np.log(np.stack(checked)))
    L = 0.5 * (L - L.T)  # exact reciprocity (and unit diagonal) up to round-off
    return np.exp(L)


def consistent_matrix(w) -> np.ndarray:
    """Perfectly consistent comparison matrix ``a_ij = w_i / w_j`` of positive weights.

    Its principal eigenvector is w/Σw, λ_max = n and CR = 0 (Saaty 1980).

    Examples
    --------
    >>> consistent_matrix([0.5, 0.25, 0.25])
    array([[1. , 2. , 2. ],
           [0.5, 1. , 1. ],
           [0.5, 1. , 1. ]])
    """
    v = np.asarray(w, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise DataError(f"consistent_matrix needs a 1-D weight vector, got shape {v.shape}")
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        j = int(np.argmax(~np.isfinite(v) | (v <= 0)))
        raise DataError(f"weight {j} is {v[j]:g}; a consistent matrix needs finite weights > 0")
    return v[:, None] / v[None, :]


def _judgment(v) -> float:
    if isinstance(v, str):
        try:
            return float(Fraction(v.strip().replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            raise DataError(f"cannot read judgment {v!r}; write e.g. 3, '1/3' or 0.5") from None
    try:
        return float(v)
    except (TypeError, ValueError):
        raise DataError(f"cannot read judgment {v!r}; write e.g. 3, '1/3' or 0.5") from None


def saaty_matrix_from_upper(values, n: int | None = None) -> np.ndarray:
    """Build a reciprocal comparison matrix from its upper triangle.

    ``values`` lists a_ij for i < j row by row: a_12, a_13, ..., a_1n, a_23, ..., a_(n-1)n
    (n(n-1)/2 entries; numbers or strings like ``"1/3"``). The diagonal is 1 and a_ji = 1/a_ij.

    Parameters
    ----------
    values : sequence of float or str
    n : int, optional
        Matrix size; inferred from ``len(values)`` if omitted.

    Examples
    --------
    >>> saaty_matrix_from_upper([3, "1/2", 4])
    array([[1.        , 3.        , 0.5       ],
           [0.33333333, 1.        , 4.        ],
           [2.        , 0.25      , 1.        ]])
    """
    vals = [_judgment(v) for v in values]
    k = len(vals)
    if n is None:
        n = int(round((1 + np.sqrt(1 + 8 * k)) / 2))
    if n * (n - 1) // 2 != k:
        raise DataError(
            f"an upper triangle of a {n} x {n} matrix has {n * (n - 1) // 2} entries, got {k}"
            if n is not None else f"{k} values do not fill the upper triangle of a square matrix"
        )
    M = np.eye(n)
    iu = np.triu_indices(n, 1)
    v = np.asarray(vals, dtype=float)
    if np.any(~np.isfinite(v) | (v <= 0)):
        p = int(np.argmax(~np.isfinite(v) | (v <= 0)))
        raise DataError(
            f"judgment {p} (row {iu[0][p]}, column {iu[1][p]}) is {v[p]:g}; judgments must be "
            "finite and positive"
        )
    M[iu] = v
    M[(iu[1], iu[0])] = 1.0 / v
    return M


# --------------------------------------------------------------------------------------------
# 5.5 PCA / FA weights
# --------------------------------------------------------------------------------------------

_PCA_METHODS = ("handbook", "pc1")
_PC1_MODES = ("squared", "raw")
_ROTATIONS = ("varimax", "none")
_ASSIGN_BY = ("scaled", "raw")
_EXTRACTIONS = ("pc", "ml")


@dataclass(frozen=True, eq=False)
class PCAWeights:
    """Result of :func:`pca_weights`.

    Attributes
    ----------
    weights : ndarray (n,)
        Indicator weights (sum 1).
    eigenvalues, explained, cumulative : ndarray (n,)
        Eigenvalues of the correlation matrix (descending), their shares and cumulative shares.
    loadings : ndarray (n, k)
        Loadings of the retained factors (rotated if ``rotation="varimax"``).
    assignment : ndarray (n,) of int
        Factor each indicator is assigned to.
    factor_weights : ndarray (k,)
        EV_j / Σ EV (weights of the intermediate composites).
    n_factors : int
        Number of retained factors k.
    passes_share, passes_eigenvalue : ndarray (n,) of bool
        Factor-wise retention criteria: share > ``min_share`` and eigenvalue > ``min_eigenvalue``
        (reported with thresholds 0.10 and 1.0 when not enforced).
    n_for_cumulative : int
        Smallest number of factors whose cumulative share reaches ``min_cumulative``
        (0.60 when not enforced).
    enforced : tuple of str
        Which criteria determined k (``"n_factors"``, ``"min_share"``, ``"min_eigenvalue"``,
        ``"min_cumulative"``).
    correlation : ndarray (n, n)
        Correlation matrix analysed.
    """

    weights: np.ndarray
    eigenvalues: np.ndarray
    explained: np.ndarray
    cumulative: np.ndarray
    loadings: np.ndarray
    assignment: np.ndarray
    factor_weights: np.ndarray
    n_factors: int
    passes_share: np.ndarray
    passes_eigenvalue: np.ndarray
    n_for_cumulative: int
    thresholds: dict[str, float] = field(default_factory=dict)
    enforced: tuple[str, ...] = ()
    correlation: np.ndarray | None = None
    method: str = "handbook"
    rotation: str = "varimax"
    extraction: str = "pc"
    indicators: tuple[str, ...] | None = None

    @property
    def retained(self) -> int:
        """Alias of :attr:`n_factors`."""
        return self.n_factors

    def __repr__(self) -> str:
        w = ", ".join(f"{x:.4f}" for x in self.weights)
        return (f"PCAWeights(method={self.method!r}, n_factors={self.n_factors}, "
                f"explained={self.cumulative[self.n_factors - 1]:.3f}, weights=[{w}])")

    def summary(self) -> str:
        """Text summary: eigenvalue table with the retention criteria, then loadings and weights."""
        names = self.indicators or tuple(f"#{i}" for i in range(len(self.weights)))
        t = self.thresholds
        lines = [f"PCA weights ({self.method}, extraction {self.extraction}, rotation "
                 f"{self.rotation}); retained {self.n_factors} factor(s) by "
                 f"{', '.join(self.enforced) or 'default'}",
                 f"  factor  eigenvalue  share   cumulative  share>{t.get('min_share', 0.1):g}  "
                 f"eig>{t.get('min_eigenvalue', 1.0):g}"]
        for j, (ev, sh, cu) in enumerate(zip(self.eigenvalues, self.explained, self.cumulative,
                                             strict=True)):
            mark = "*" if j < self.n_factors else " "
            lines.append(f" {mark}{j + 1:>5}  {ev:>10.3f}  {100 * sh:5.1f}%  {100 * cu:8.1f}%  "
                         f"{'yes' if self.passes_share[j] else 'no':>9}  "
                         f"{'yes' if self.passes_eigenvalue[j] else 'no':>5}")
        lines.append(f"  cumulative share {t.get('min_cumulative', 0.6):g} reached with "
                     f"{self.n_for_cumulative} factor(s)")
        wid = max(len(str(s)) for s in names)
        head = "  ".join(f"F{j + 1:<6}" for j in range(self.loadings.shape[1]))
        lines.append(f"  {'indicator':<{wid}}  {head}  factor  weight")
        for q, s in enumerate(names):
            ld = "  ".join(f"{x:+.3f}" for x in self.loadings[q])
            lines.append(f"  {str(s):<{wid}}  {ld}  F{self.assignment[q] + 1:<5} "
                         f"{self.weights[q]:.4f}")
        lines.append("  factor weights: " + ", ".join(f"{x:.4f}" for x in self.factor_weights))
        return "\n".join(lines)


def _varimax(L: np.ndarray, normalize: bool, tol: float = 1e-12, max_sweeps: int = 500) -> np.ndarray:
    """Varimax rotation by Kaiser's (1958) pairwise plane rotations, to convergence.

    Each sweep rotates every pair of columns by the angle that maximises the varimax
    criterion sum_j [sum_q l_qj^4 - (sum_q l_qj^2)^2 / p] in closed form,
    phi = atan2(D - 2AB/p, C - (A^2 - B^2)/p) / 4 (Kaiser 1959, Psychometrika 23:187),
    until no angle exceeds ``tol``. Written out for speed: the uncertainty engine re-estimates
    PCA weights thousands of times and statsmodels' gradient-projection ``rotate_factors``
    is ~50x slower on these small matrices; tests check that the criterion reached is at
    least statsmodels' and that the TAI loadings agree. ``normalize``: Kaiser row normalisation.
    """
    p, k = L.shape
    if k < 2:
        return L.copy()
    h = np.sqrt((L**2).sum(axis=1)) if normalize else np.ones(p)
    h = np.where(h > 0, h, 1.0)
    x = L / h[:, None]
    for _ in range(max_sweeps):
        biggest = 0.0
        for i in range(k - 1):
            for j in range(i + 1, k):
                a, b = x[:, i].copy(), x[:, j].copy()
                u, v = a * a - b * b, 2 * a * b
                A, B = u.sum(), v.sum()
                C, D = (u * u - v * v).sum(), 2 * (u * v).sum()
                phi = 0.25 * np.arctan2(D - 2 * A * B / p, C - (A * A - B * B) / p)
                biggest = max(biggest, abs(phi))
                c, s_ = np.cos(phi), np.sin(phi)
                x[:, i], x[:, j] = c * a + s_ * b, -s_ * a + c * b
        if biggest < tol:
            break
    return x * h[:, None]


def _signfix(V: np.ndarray) -> np.ndarray:
    s = np.sign(V.sum(axis=0))
    return V * np.where(s == 0, 1.0, s)


def pca_weights(
    X,
    *,
    method: str = "handbook",
    n_factors: int | None = None,
    min_share: float | None = 0.10,
    min_eigenvalue: float | None = None,
    min_cumulative: float | None = None,
    rotation: str = "varimax",
    varimax_normalize: bool = True,
    assign_by: str = "scaled",
    extraction: str = "pc",
    pc1_mode: str = "squared",
    indicators: Sequence[str] | None = None,
) -> PCAWeights:
    r"""PCA / factor-analysis weights (OECD/JRC Handbook §6.1, pp.89-91; METHODS.md §5.5).

    ``method="handbook"`` (Nicoletti et al. 2000, as applied to the TAI in the Handbook):

    1. standardise the columns (analyse the correlation matrix R) and eigen-decompose R;
    2. retain k factors: by default every factor that individually explains more than
       ``min_share`` = 10 % of the variance (what the Handbook does for the TAI: four factors,
       although the third and fourth have eigenvalues just below 1). ``min_eigenvalue`` (e.g. 1,
       Kaiser) additionally requires eigenvalue > threshold; ``min_cumulative`` (e.g. 0.6) retains
       *at least* as many factors as needed to reach that cumulative share (a floor on k; alone,
       exactly that many; set ``min_share=None`` to use it alone); ``n_factors`` overrides all
       rules. All three criteria are reported in the result (``passes_share``,
       ``passes_eigenvalue``, ``n_for_cumulative``);
    3. loadings :math:`L = V_k \Lambda_k^{1/2}` (``extraction="pc"``) or maximum-likelihood
       factor loadings (``"ml"``, sklearn ``FactorAnalysis`` on the standardised data; a
       :class:`~citymodel.errors.CitymodelWarning` flags Heywood cases, unique variance ~0);
    4. varimax rotation (Kaiser 1958; statsmodels ``rotate_factors``, which does *not* normalise
       rows itself -- ``varimax_normalize=True`` applies Kaiser normalisation, as R ``varimax`` and
       SPSS do by default; the Handbook does not say);
    5. :math:`s_{qj} = L_{qj}^2 / EV_j`, :math:`EV_j = \sum_q L_{qj}^2` (rotated);
    6. assign indicator q to :math:`j(q) = \arg\max_j s_{qj}` (``assign_by="scaled"``) or
       :math:`\arg\max_j L_{qj}^2` (``"raw"``);
    7. :math:`w_q = L^2_{q,j(q)} / \sum_j EV_j` (= s_{q,j(q)} · EV_{j(q)}/ΣEV), rescaled to Σ = 1.
       The factor (intermediate-composite) weights are EV_j / ΣEV.

    ``method="pc1"``: the first eigenvector v of R (sign fixed so that Σv > 0).
    ``pc1_mode="squared"`` (default): w = v² (sums to 1 since ‖v‖ = 1; always non-negative).
    ``pc1_mode="raw"``: w = v / Σv -- COINr ``get_PCA`` uses the raw (unit-norm, arbitrarily
    signed) loadings as weights, which can be negative; its weighted mean divides by Σw, which is
    what this rescaling reproduces.

    Handbook step (1), "check that the indicators are correlated", is left to the analyst: the
    correlation matrix is returned in the result.

    Parameters
    ----------
    X : array_like, shape (m, n)
        Normalised data, m >= n cities, no NaN, no constant column.
    method : {"handbook", "pc1"}
    n_factors : int, optional
        Fixed number of factors (overrides the retention rules).
    min_share, min_eigenvalue, min_cumulative : float or None
        Retention rules (see step 2); ``None`` disables a rule.
    rotation : {"varimax", "none"}
    varimax_normalize : bool
        Kaiser normalisation of the loadings' rows before varimax.
    assign_by : {"scaled", "raw"}
    extraction : {"pc", "ml"}
    pc1_mode : {"squared", "raw"}
    indicators : sequence of str, optional

    Returns
    -------
    PCAWeights

    Raises
    ------
    DataError
        NaN/Inf, fewer cities than indicators ("PCA needs at least as many cities as
        indicators"), a constant column.
    MethodError
        No factor satisfies the retention rules.

    References
    ----------
    Nardo et al. (2008) Handbook §6.1 and Tables 16-18; Nicoletti, Scarpetta & Boylaud (2000) OECD
    ECO WP 226; Kaiser (1958) Psychometrika 23:187; COINr ``get_PCA`` (Becker et al. 2022).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(50, 1))
    >>> X = np.hstack([f + 0.3 * rng.normal(size=(50, 1)) for _ in range(3)])
    >>> res = pca_weights(X, method="pc1")
    >>> res.n_factors, bool(abs(res.weights.sum() - 1) < 1e-12)
    (1, True)
    """
    _check_choice(method, _PCA_METHODS, "PCA weighting method")
    _check_choice(rotation, _ROTATIONS, "rotation")
    _check_choice(assign_by, _ASSIGN_BY, "factor assignment rule")
    _check_choice(extraction, _EXTRACTIONS, "factor extraction")
    _check_choice(pc1_mode, _PC1_MODES, "pc1 mode")
    A = check_matrix(X, min_rows=2, indicators=indicators, what="PCA input")
    if A.ndim != 2:
        raise DataError(f"pca_weights takes one (city, indicator) matrix; got shape {A.shape}")
    m, n = A.shape
    if m < n:
        raise DataError(
            f"PCA needs at least as many cities as indicators: got {m} cities and {n} indicators. "
            "Use fewer indicators (e.g. one PCA per dimension) or another weighting method"
        )
    _require_nonconstant(A, indicators, "pca_weights", "its correlations are undefined; " + _CONST_HINT)
    Z = (A - A.mean(axis=0)) / A.std(axis=0, ddof=1)
    R = (Z.T @ Z) / (m - 1)
    R = 0.5 * (R + R.T)
    evals, evecs = np.linalg.eigh(R)
    order = np.argsort(evals)[::-1]
    evals = np.clip(evals[order], 0.0, None)
    evecs = _signfix(evecs[:, order])
    share = evals / evals.sum()
    cum = np.cumsum(share)
    thr = {
        "min_share": 0.10 if min_share is None else float(min_share),
        "min_eigenvalue": 1.0 if min_eigenvalue is None else float(min_eigenvalue),
        "min_cumulative": 0.60 if min_cumulative is None else float(min_cumulative),
    }
    passes_share = share > thr["min_share"]
    passes_eig = evals > thr["min_eigenvalue"]
    n_cum = int(min(np.searchsorted(cum, thr["min_cumulative"] - 1e-12) + 1, n))
    names = tuple(str(s) for s in indicators) if indicators is not None else None

    if method == "pc1":
        v = evecs[:, 0]
        w = v**2 / (v**2).sum() if pc1_mode == "squared" else v / v.sum()
        return PCAWeights(
            weights=w, eigenvalues=evals, explained=share, cumulative=cum,
            loadings=(v * np.sqrt(evals[0]))[:, None], assignment=np.zeros(n, dtype=int),
            factor_weights=np.ones(1), n_factors=1, passes_share=passes_share,
            passes_eigenvalue=passes_eig, n_for_cumulative=n_cum, thresholds=thr,
            enforced=("pc1",), correlation=R, method="pc1", rotation="none", extraction="pc",
            indicators=names,
        )

    enforced: list[str] = []
    if n_factors is not None:
        if isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer)) \
                or not 1 <= n_factors <= n:
            raise SpecError(f"n_factors must be an integer between 1 and {n}, got {n_factors!r}")
        k = int(n_factors)
        enforced.append("n_factors")
    else:
        keep = np.ones(n, dtype=bool)
        if min_share is not None:
            keep &= passes_share
            enforced.append("min_share")
        if min_eigenvalue is not None:
            keep &= passes_eig
            enforced.append("min_eigenvalue")
        # the filters are monotone in the (descending) factor order: keep the leading run
        k = (int(np.argmin(keep)) if not keep.all() else n) if enforced else 0
        if min_cumulative is not None:
            k = max(k, n_cum)  # the cumulative rule is a floor on k
            enforced.append("min_cumulative")
        if not enforced:
            raise SpecError("pca_weights: no retention rule given; set n_factors, min_share, "
                            "min_eigenvalue or min_cumulative")
        if k == 0:
            raise MethodError(
                f"no factor satisfies the retention rules (largest share {share[0]:.3f}, largest "
                f"eigenvalue {evals[0]:.3f}); lower min_share/min_eigenvalue or set n_factors"
            )

    if extraction == "pc":
        L = evecs[:, :k] * np.sqrt(evals[:k])
    else:
        from sklearn.decomposition import FactorAnalysis

        Z0 = (A - A.mean(axis=0)) / A.std(axis=0, ddof=0)  # covariance = correlation matrix
        fa = FactorAnalysis(n_components=k, svd_method="lapack", tol=1e-6, max_iter=20000)
        fa.fit(Z0)  # sklearn's ConvergenceWarning, if any, is passed on to the caller
        heywood = fa.noise_variance_ < 1e-3
        if heywood.any():
            bad = ", ".join(_name(indicators, int(j)) for j in np.flatnonzero(heywood))
            warnings.warn(
                f"pca_weights(extraction='ml'): Heywood case -- the unique variance of {bad} is "
                f"~0 with {k} factors; the ML loadings sit on the boundary. Consider fewer "
                "factors or extraction='pc'",
                CitymodelWarning, stacklevel=2,
            )
        L = _signfix(fa.components_.T.copy())
    if rotation == "varimax":
        L = _signfix(_varimax(L, varimax_normalize))
    L2 = L**2
    EV = L2.sum(axis=0)
    S = L2 / np.where(EV > 0, EV, 1.0)
    assign = np.argmax(S if assign_by == "scaled" else L2, axis=1)
    wq = L2[np.arange(n), assign] / EV.sum()
    w = wq / wq.sum()
    return PCAWeights(
        weights=w, eigenvalues=evals, explained=share, cumulative=cum, loadings=L,
        assignment=assign, factor_weights=EV / EV.sum(), n_factors=k, passes_share=passes_share,
        passes_eigenvalue=passes_eig, n_for_cumulative=n_cum, thresholds=thr,
        enforced=tuple(enforced), correlation=R, method="handbook", rotation=rotation,
        extraction=extraction, indicators=names,
    )


# --------------------------------------------------------------------------------------------
# 5.6 benefit of the doubt
# --------------------------------------------------------------------------------------------

_SHARE_TYPES = ("weight", "pie")


@dataclass(frozen=True, eq=False)
class BoDResult:
    """Result of :func:`bod_weights`.

    Attributes
    ----------
    scores : ndarray (m,)
        BoD composite CI_c in [0, 1] (1 = on the frontier).
    weights : ndarray (m, n)
        Each city's optimal (unnormalised) weights; often not unique.
    share_bounds : tuple or None
    share_type : str
    """

    scores: np.ndarray
    weights: np.ndarray
    share_bounds: tuple[float, float] | None = None
    share_type: str = "weight"
    cities: tuple[str, ...] | None = None
    indicators: tuple[str, ...] | None = None

    @property
    def shares(self) -> np.ndarray:
        """Weights rescaled to sum 1 per city (NaN for a city whose weights are all 0)."""
        tot = self.weights.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(tot > 0, self.weights / tot, np.nan)

    def __repr__(self) -> str:
        return (f"BoDResult(m={self.scores.size}, n={self.weights.shape[1]}, "
                f"share_bounds={self.share_bounds}, share_type={self.share_type!r}, "
                f"on_frontier={int(np.sum(self.scores >= 1 - 1e-9))})")

    def summary(self) -> str:
        """One line per city: score and weight shares."""
        m = self.scores.size
        cities = self.cities or tuple(f"#{c}" for c in range(m))
        wid = max(len(str(s)) for s in cities)
        sh = self.shares
        lines = [f"Benefit of the doubt ({m} cities, bounds {self.share_bounds}, {self.share_type})"]
        for c in range(m):
            lines.append(f"  {str(cities[c]):<{wid}}  {self.scores[c]:.4f}  shares "
                         + " ".join(f"{x:.3f}" for x in sh[c]))
        return "\n".join(lines)


def bod_weights(
    I,  # noqa: E741 - the Handbook's notation
    *,
    share_bounds: tuple[float, float] | None = None,
    share_type: str = "weight",
    indicators: Sequence[str] | None = None,
    cities: Sequence[str] | None = None,
) -> BoDResult:
    r"""Benefit-of-the-doubt weights and scores (one linear programme per city).

    For each city c (I non-negative, normally min-max normalised over the M cities):

    .. math::

        CI_c = \max_{w \ge 0} \sum_q I_{qc} w_q \quad\text{s.t.}\quad
        \sum_q I_{qk} w_q \le 1 \;\; \forall k,

    so each city gets the weights most favourable to it; CI_c ∈ [0, 1] and the best city (under any
    common weights) scores 1. Optional ``share_bounds=(L, U)``:

    * ``share_type="weight"``: :math:`L \sum_r w_r \le w_q \le U \sum_r w_r` (Handbook endnote 29;
      TAI: at least 10 %, at most 15 % of the total weight);
    * ``share_type="pie"`` (Cherchye et al. 2008): :math:`L \le w_q I_{qc} / \sum_r w_r I_{rc}
      \le U` -- bounds on each indicator's share of city c's own score. A city with a zero on an
      indicator then scores 0 whenever L > 0.

    Solved with ``scipy.optimize.linprog(method="highs")``; it is input-oriented CRS DEA with a
    dummy unit input (Compind ``ci_bod``).

    Parameters
    ----------
    I : array_like, shape (m, n)
        Non-negative normalised indicators.
    share_bounds : (float, float), optional
        0 <= L <= U <= 1; infeasible if n·L > 1 or n·U < 1.
    share_type : {"weight", "pie"}
    indicators, cities : sequence of str, optional

    Returns
    -------
    BoDResult
        ``scores`` (m,) and ``weights`` (m, n) (unnormalised; ``.shares`` rescales per city).

    Raises
    ------
    DataError
        NaN/Inf, negative values (named).
    MethodError
        Infeasible share bounds, or an LP that fails (city named).

    References
    ----------
    Melyn & Moesen (1991); Cherchye, Moesen, Rogge & Van Puyenbroeck (2007) Soc. Indic. Res.
    82:111; Cherchye et al. (2008) JORS 59:239; Handbook §6.3 and Table 19; METHODS.md §5.6.

    Examples
    --------
    City 3 = (0.5, 0.5) against (1, 0.2) and (0.2, 1): its best weights are w = (5/6, 5/6).

    >>> res = bod_weights([[1, 0.2], [0.2, 1], [0.5, 0.5]])
    >>> res.scores.round(4)
    array([1.    , 1.    , 0.8333])
    """
    from scipy.optimize import linprog

    _check_choice(share_type, _SHARE_TYPES, "BoD share type")
    A = check_matrix(I, indicators=indicators, cities=cities, what="BoD input")
    if A.ndim != 2:
        raise DataError(f"bod_weights takes one (city, indicator) matrix; got shape {A.shape}")
    _require_nonnegative(A, indicators, cities, "bod_weights",
                         "benefit of the doubt needs non-negative normalised data (e.g. min-max)")
    m, n = A.shape
    lo = hi = None
    if share_bounds is not None:
        try:
            lo, hi = (float(v) for v in share_bounds)
        except (TypeError, ValueError):
            raise SpecError(f"share_bounds must be a pair (L, U), got {share_bounds!r}") from None
        if not (0 <= lo <= hi <= 1):
            raise SpecError(f"share_bounds (L, U) need 0 <= L <= U <= 1, got {share_bounds!r}")
        if n * lo > 1 + 1e-12 or n * hi < 1 - 1e-12:
            raise MethodError(
                f"share_bounds ({lo:g}, {hi:g}) are infeasible for {n} indicators: the shares "
                f"must sum to 1 but n*L = {n * lo:g} and n*U = {n * hi:g}; need n*L <= 1 <= n*U"
            )
    eye = np.eye(n)
    ones = np.ones((n, n))
    scores = np.empty(m)
    W = np.empty((m, n))
    for c in range(m):
        rows = [A]
        rhs = [np.ones(m)]
        if share_bounds is not None:
            base = ones if share_type == "weight" else np.tile(A[c], (n, 1))
            own = eye if share_type == "weight" else eye * A[c][None, :]
            rows += [lo * base - own, own - hi * base]
            rhs += [np.zeros(n), np.zeros(n)]
        res = linprog(-A[c], A_ub=np.vstack(rows), b_ub=np.concatenate(rhs),
                      bounds=(0, None), method="highs")
        if res.status != 0:
            raise MethodError(
                f"benefit-of-the-doubt LP failed for {_name(cities, c, 'city')}: {res.message}"
            )
        W[c] = np.clip(res.x, 0.0, None)
        scores[c] = -res.fun
    scores = np.clip(scores, 0.0, 1.0) + 0.0  # + 0.0 turns -0.0 into 0.0
    return BoDResult(
        scores=scores, weights=W,
        share_bounds=None if share_bounds is None else (lo, hi), share_type=share_type,
        cities=tuple(map(str, cities)) if cities is not None else None,
        indicators=tuple(map(str, indicators)) if indicators is not None else None,
    )


# --------------------------------------------------------------------------------------------
# combined
# --------------------------------------------------------------------------------------------

_COMBINE = ("linear", "multiplicative")


def combined_weights(w_subjective, w_objective, alpha: float = 0.5,
                     method: str = "linear") -> np.ndarray:
    r"""Combine subjective and objective weights (组合赋权).

    Both inputs are first rescaled to sum 1. ``"linear"``:
    :math:`w = \alpha w^{subj} + (1 - \alpha) w^{obj}`; ``"multiplicative"``:
    :math:`w_q \propto w^{subj}_q w^{obj}_q` (``alpha`` unused). No canonical source; both are
    common in Chinese evaluation practice (METHODS.md §5.7). Broadcasts over leading axes.

    Parameters
    ----------
    w_subjective, w_objective : array_like, shape (..., n)
    alpha : float in [0, 1]
    method : {"linear", "multiplicative"}

    Examples
    --------
    >>> combined_weights([0.5, 0.5], [0.8, 0.2], alpha=0.5)
    array([0.65, 0.35])
    >>> combined_weights([0.5, 0.5], [0.8, 0.2], method="multiplicative")
    array([0.8, 0.2])
    """
    _check_choice(method, _COMBINE, "weight combination method")
    ws = check_weights(w_subjective, what="subjective weights")
    wo = check_weights(w_objective, ws.shape[-1], what="objective weights")
    if method == "linear":
        if not 0 <= alpha <= 1:
            raise SpecError(f"alpha must be in [0, 1], got {alpha!r}")
        return alpha * ws + (1 - alpha) * wo
    prod = ws * wo
    tot = prod.sum(axis=-1, keepdims=True)
    if (tot <= 0).any():
        raise DataError(
            "multiplicative combination gives all-zero weights: no indicator has a positive "
            "weight in both vectors; use method='linear'"
        )
    return prod / tot


# --------------------------------------------------------------------------------------------
# registry and dispatcher
# --------------------------------------------------------------------------------------------

WEIGHT_METHODS: Mapping[str, Callable] = {
    "equal": equal_weights,
    "entropy": entropy_weights,
    "cv": cv_weights,
    "std": std_weights,
    "critic": critic_weights,
    "pca": pca_weights,
    "ahp": ahp_weights,
    "bod": bod_weights,
    "budget": budget_weights,
    "combined": combined_weights,
    "user": user_weights,
}

_DATA_DRIVEN = ("entropy", "cv", "std", "critic", "pca", "bod")
_VECTORISED = ("entropy", "cv", "std", "critic")


def compute_weights(method: str, /, X=None, **params) -> np.ndarray:
    """Dispatch to a weighting method by name and return the weight array.

    * ``"equal"``: ``n`` from ``X.shape[-1]`` (or ``n=`` in params); with batched X the equal
      vector is broadcast to ``X.shape[:-2] + (n,)``.
    * data-driven (``"entropy"``, ``"cv"``, ``"std"``, ``"critic"``, ``"pca"``, ``"bod"``): called
      with X (``(..., m, n)``) and ``params``; result shape ``(..., n)``. ``"pca"`` and ``"bod"``
      loop over leading batch axes. ``"bod"`` returns the city-specific weights ``(..., m, n)``.
    * others (``"ahp"``, ``"budget"``, ``"combined"``, ``"user"``): ``params`` are passed to the
      function (e.g. ``compute_weights("ahp", A=matrix)``, ``compute_weights("user",
      weights=[...])``); X is ignored except to check the number of indicators.

    Results with a ``.weights`` attribute (AHP, PCA, BoD) are reduced to that array.

    Examples
    --------
    >>> compute_weights("equal", np.zeros((2, 4)))
    array([0.25, 0.25, 0.25, 0.25])
    >>> compute_weights("entropy", [[1, 1], [1, 0], [2, 1]], prenorm="none").round(4)
    array([0.1268, 0.8732])
    """
    if method not in WEIGHT_METHODS:
        raise unknown_name("weighting method", method, WEIGHT_METHODS)
    fn = WEIGHT_METHODS[method]
    if method == "equal":
        if X is None:
            return equal_weights(params.pop("n", None))
        A = np.asarray(X)
        if A.ndim < 2:
            raise DataError(f"data must have shape (..., city, indicator); got shape {A.shape}")
        return np.broadcast_to(equal_weights(A.shape[-1]), A.shape[:-2] + (A.shape[-1],)).copy()
    if method in _DATA_DRIVEN:
        if X is None:
            raise SpecError(f"weighting method {method!r} is data-driven: pass the normalised "
                            "data matrix X")
        if method in _VECTORISED:
            return fn(X, **params)
        A = check_matrix(X, indicators=params.get("indicators"), what=f"{method} input")
        if A.ndim == 2:
            return fn(A, **params).weights
        lead = A.shape[:-2]
        out = None
        for idx in np.ndindex(*lead):
            wi = fn(A[idx], **params).weights
            if out is None:
                out = np.empty(lead + wi.shape)
            out[idx] = wi
        return out
    res = fn(**params)
    w = np.asarray(getattr(res, "weights", res), dtype=float)
    if X is not None and w.shape[-1] != np.shape(X)[-1]:
        raise DataError(f"{method} weights have {w.shape[-1]} entries but the data have "
                        f"{np.shape(X)[-1]} indicators")
    return w
