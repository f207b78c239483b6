"""Normalisation kernels: put indicators on a common, unit-free scale.

Role in the pipeline: ``normalise -> weight -> aggregate -> rank``. Every kernel takes data of
shape ``(..., city, indicator)`` (optional leading batch/"scenario" axes), computes its column
statistics over the **non-missing cities** (axis ``-2``) and returns an array of the same shape;
NaN stays NaN. The kernels assume "higher = better": indicator direction is applied centrally by
multiplying the data by ``d = +1/-1`` beforehand (see :func:`apply_direction`, which also flips
goalposts).

Methods (``NORMALISERS``; names as in METHODS.md §2 / Handbook Table 3):
``minmax``, ``zscore``, ``rank``, ``percentile``, ``goalposts``, ``ratio_to_ref``,
``diff_to_ref``, ``dist2ref``, ``dist2targ``, ``above_below_mean``, ``categorical``.
Pre-transforms (``TRANSFORMS``): ``log`` (:func:`log_transform`), ``log_shift`` (COINr
``log_CT``), ``boxcox``.

References
----------
OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, Table 3 (p.30), §5 (pp.83-87),
Table 15 (p.87). Becker et al., COINr (R package), ``R/normalise.R``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.special
import scipy.stats

from .._checks import check_matrix
from ..errors import DataError, FrameworkError, MethodError, SpecError, unknown_name
from .rank import rank as _rank_kernel

__all__ = [
    "minmax",
    "zscore",
    "rank",
    "percentile",
    "goalposts",
    "ratio_to_ref",
    "diff_to_ref",
    "dist2ref",
    "dist2targ",
    "above_below_mean",
    "categorical",
    "log_transform",
    "log_shift",
    "boxcox",
    "apply_direction",
    "normalise",
    "NORMALISERS",
    "TRANSFORMS",
    "RANK_TIES",
    "PERCENTILE_DEFINITIONS",
    "REFERENCES",
]

RANK_TIES = ("min", "average", "max", "dense")
PERCENTILE_DEFINITIONS = ("handbook", "coinr")
REFERENCES = ("best", "worst", "mean")
CATEGORICAL_BASES = ("percentile", "value")

Names = Sequence[str] | None


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _label(names: Names, j: int, kind: str = "indicator") -> str:
    if names is not None and 0 <= j < len(names):
        return f"{kind} {names[j]!r}"
    return f"{kind} {j}"


def _batch(idx: np.ndarray) -> str:
    """Describe the batch (scenario) position of a hit from ``np.argwhere`` on a (..., ind) mask."""
    if len(idx) <= 1:
        return ""
    return f" (batch index {tuple(int(i) for i in idx[:-1])})"


def _raise_first(bad: np.ndarray, indicators: Names, message: Callable[[str], str],
                 exc: type[Exception] = DataError) -> None:
    """Raise ``exc`` naming the first indicator where the (..., indicator) mask ``bad`` is True."""
    if np.any(bad):
        idx = np.argwhere(bad)[0]
        raise exc(message(_label(indicators, int(idx[-1]))) + _batch(idx))


def _data(X, indicators: Names, cities: Names = None) -> np.ndarray:
    """Validate data (finite or NaN) and require at least one value per indicator."""
    A = check_matrix(X, allow_nan=True, indicators=indicators, cities=cities)
    empty = np.all(np.isnan(A), axis=-2)
    _raise_first(empty, indicators, lambda s: (
        f"{s} has no non-missing values; drop the indicator or impute it before normalising"))
    return A


def _colmin(A: np.ndarray) -> np.ndarray:
    return np.nanmin(A, axis=-2, keepdims=True)


def _colmax(A: np.ndarray) -> np.ndarray:
    return np.nanmax(A, axis=-2, keepdims=True)


def _count(A: np.ndarray) -> np.ndarray:
    return np.sum(~np.isnan(A), axis=-2, keepdims=True)


def _require_nonconstant(mn: np.ndarray, mx: np.ndarray, indicators: Names, method: str) -> None:
    _raise_first((mx == mn)[..., 0, :], indicators, lambda s: (
        f"{s} is constant (zero range), so {method} normalisation is undefined; "
        "drop the indicator or choose another method"))


def _param(value, name: str, A: np.ndarray, indicators: Names) -> np.ndarray:
    """Per-indicator parameter as an array broadcastable to (..., 1, indicator); must be finite."""
    try:
        P = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{name} must be a number or one number per indicator, got {value!r}") from None
    if P.ndim == 0:
        if not np.isfinite(P):
            raise SpecError(f"{name} must be finite, got {value!r}")
        return P
    if P.shape[-1] not in (1, A.shape[-1]):
        raise SpecError(f"{name} has {P.shape[-1]} entries but the data have {A.shape[-1]} "
                        "indicators; give one value per indicator")
    bad = np.broadcast_to(~np.isfinite(P), P.shape[:-1] + A.shape[-1:])
    _raise_first(bad, indicators, lambda s: f"{name} for {s} is NaN or Inf; give a finite value",
                 SpecError)
    return P[..., None, :]


def _scalar(value, name: str, *, positive: bool = False, nonneg: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SpecError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or (positive and v <= 0) or (nonneg and v < 0):
        cond = " > 0" if positive else (" >= 0" if nonneg else "")
        raise SpecError(f"{name} must be finite{cond}, got {value!r}")
    return v


def _require_nonnegative(A: np.ndarray, indicators: Names, method: str) -> None:
    _raise_first(np.any(A < 0, axis=-2), indicators, lambda s: (
        f"{method} needs ratio-scale data (>= 0) but {s} has negative values; indicators with "
        "direction -1 are negated before normalising, so use minmax, goalposts, zscore or rank "
        "for them, or shift the data to be positive first"), MethodError)


def _ref_value(A: np.ndarray, ref, indicators: Names, cities: Names, method: str) -> np.ndarray:
    """Reference value x_ref of shape (..., 1, indicator)."""
    if isinstance(ref, str):
        if ref == "best":
            return _colmax(A)
        if ref == "worst":
            return _colmin(A)
        if ref == "mean":
            return np.nanmean(A, axis=-2, keepdims=True)
        if cities is not None and ref in list(cities):
            ref = list(cities).index(ref)
        else:
            raise SpecError(
                f"unknown reference {ref!r} for {method}; valid references are: best, mean, worst, "
                "an integer city index" + (" or a city name" if cities is not None else ""))
    if isinstance(ref, bool) or not isinstance(ref, (int, np.integer)):
        raise SpecError(f"ref for {method} must be 'best', 'worst', 'mean' or an integer city "
                        f"index, got {ref!r}")
    n = A.shape[-2]
    if not -n <= ref < n:
        raise SpecError(f"reference city index {ref} is out of range for {n} cities")
    ref = int(ref) % n
    R = A[..., ref:ref + 1, :]
    _raise_first(np.isnan(R[..., 0, :]), indicators, lambda s: (
        f"the reference {_label(cities, ref, 'city')} is missing {s}; impute it or choose "
        "another reference"))
    return R


# --------------------------------------------------------------------------------------------
# normalisers
# --------------------------------------------------------------------------------------------
def minmax(X, lo: float = 0.0, hi: float = 1.0, *, indicators: Names = None) -> np.ndarray:
    r"""Min-max rescaling onto ``[lo, hi]``.

    .. math:: I_{qc} = \frac{x_{qc} - \min_c x_{qc}}{\max_c x_{qc} - \min_c x_{qc}}(hi - lo) + lo

    Min and max are taken over the non-missing cities of each indicator (and each batch
    slice). The result is guaranteed to lie in ``[lo, hi]``.

    Parameters
    ----------
    X : array_like, shape (..., city, indicator)
    lo, hi : float or array_like (..., indicator)
        Target range (COINr ``l_u``; e.g. ``0, 100``). Must satisfy ``lo < hi``.
    indicators : sequence of str, optional
        Indicator names used in error messages.

    Raises
    ------
    DataError
        An indicator is constant (zero range) or entirely missing.

    References
    ----------
    Handbook Table 3; COINr ``n_minmax``.

    Examples
    --------
    >>> minmax([[1.0], [3.0], [2.0]]).ravel().tolist()
    [0.0, 1.0, 0.5]
    """
    A = _data(X, indicators)
    lo_, hi_ = _param(lo, "lo", A, indicators), _param(hi, "hi", A, indicators)
    if np.any(lo_ >= hi_):
        raise SpecError(f"minmax needs lo < hi, got lo={lo!r}, hi={hi!r}")
    mn, mx = _colmin(A), _colmax(A)
    _require_nonconstant(mn, mx, indicators, "minmax")
    with np.errstate(over="ignore", invalid="ignore"):
        num, rng = A - mn, mx - mn
        huge = ~np.isfinite(rng)
        if np.any(huge):  # range overflows float: compute on halved values
            num = np.where(huge, A * 0.5 - mn * 0.5, num)
            rng = np.where(huge, mx * 0.5 - mn * 0.5, rng)
    r = num / rng
    with np.errstate(over="ignore"):
        width = hi_ - lo_
    if np.all(np.isfinite(width)):
        out = lo_ + r * width
    else:  # target range overflows float: interpolate without forming hi - lo
        out = lo_ * (1.0 - r) + hi_ * r
    return np.clip(out, lo_, hi_)


def zscore(X, mean: float = 0.0, sd: float = 1.0, ddof: int = 1, *,
           indicators: Names = None) -> np.ndarray:
    r"""Standardisation (z-scores), optionally rescaled to mean ``mean`` and sd ``sd``.

    .. math:: I_{qc} = \frac{x_{qc} - \bar x_q}{s_q}\,sd + mean,\qquad
              s_q = \sqrt{\textstyle\sum_c (x_{qc}-\bar x_q)^2/(n_q - ddof)}

    ``ddof=1`` (sample sd, n-1) reproduces Handbook Table 15; COINr ``n_zscore`` also uses n-1.

    Parameters
    ----------
    X : array_like, shape (..., city, indicator)
    mean, sd : float
        Target mean and standard deviation (COINr ``m_sd``, e.g. ``(10, 2)``); ``sd > 0``.
    ddof : int
        Delta degrees of freedom of the standard deviation (1 = n-1, 0 = n).

    Raises
    ------
    DataError
        Constant indicator, or fewer than ``ddof + 1`` non-missing values.

    References
    ----------
    Handbook Table 3 and Table 15; COINr ``n_zscore``.

    Examples
    --------
    >>> zscore([[1.0], [2.0], [3.0]]).ravel().tolist()
    [-1.0, 0.0, 1.0]
    """
    A = _data(X, indicators)
    mean = _scalar(mean, "mean")
    sd = _scalar(sd, "sd", positive=True)
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise SpecError(f"ddof must be a non-negative integer (usually 1), got {ddof!r}")
    n = _count(A)
    _raise_first((n <= ddof)[..., 0, :], indicators, lambda s: (
        f"{s} has fewer than {ddof + 1} non-missing values; its standard deviation is undefined"))
    _require_nonconstant(_colmin(A), _colmax(A), indicators, "zscore")
    mu = np.nanmean(A, axis=-2, keepdims=True)
    s = np.sqrt(np.nansum((A - mu) ** 2, axis=-2, keepdims=True) / (n - ddof))
    return (A - mu) / s * sd + mean


def _rank_sorted(A: np.ndarray, ties: str) -> np.ndarray:
    """Ascending ranks along axis -2 (cities), NaN -> NaN: the rank kernel of :mod:`.rank`."""
    if ties not in RANK_TIES:
        raise unknown_name("rank ties rule", ties, RANK_TIES)
    return np.swapaxes(_rank_kernel(np.swapaxes(A, -1, -2), ties=ties, ascending=True), -1, -2)


def rank(X, ties: str = "min", *, indicators: Names = None) -> np.ndarray:
    r"""Ascending ranks ``1..n`` of each indicator over cities (1 = lowest value).

    .. math:: I_{qc} = \mathrm{rank}(x_{qc}),\ \text{ties } \texttt{min|average|max|dense}

    Ranks are computed over non-missing cities; NaN gets NaN. Equal to
    ``scipy.stats.rankdata(x, method=ties)`` on the non-missing values, computed with one
    ``argsort`` per call (vectorised over batch axes). The Borda score (COINr ``n_borda``) is
    ``rank - 1``.

    Parameters
    ----------
    X : array_like, shape (..., city, indicator)
    ties : {"min", "average", "max", "dense"}
        Ties rule (COINr ``n_rank``: ``min``; R default/Compind: ``average``).

    References
    ----------
    Handbook Table 3 and Table 15; COINr ``n_rank``.

    Examples
    --------
    >>> rank([[3.0], [1.0], [3.0], [2.0]]).ravel().tolist()
    [3.0, 1.0, 3.0, 2.0]
    >>> rank([[3.0], [1.0], [3.0], [2.0]], ties="average").ravel().tolist()
    [3.5, 1.0, 3.5, 2.0]
    """
    if ties not in RANK_TIES:
        raise unknown_name("rank ties rule", ties, RANK_TIES)
    return _rank_sorted(_data(X, indicators), ties)


def percentile(X, definition: str = "handbook", *, indicators: Names = None) -> np.ndarray:
    r"""Percentile rank of each city within each indicator.

    .. math::
        \texttt{handbook}:\ I = 100\,\frac{\mathrm{rank_{min}}(x)}{n},\qquad
        \texttt{coinr}:\ I = \frac{\mathrm{rank_{min}}(x) - 1}{n - 1}

    with ``n`` the number of non-missing cities. The Handbook version (Table 15) is in
    ``(0, 100]``; COINr ``n_prank`` is in ``[0, 1]``.

    Parameters
    ----------
    X : array_like, shape (..., city, indicator)
    definition : {"handbook", "coinr"}
        Which definition to use (METHODS.md calls this choice ``percentile_def``).

    Raises
    ------
    DataError
        ``definition="coinr"`` with only one non-missing value.

    References
    ----------
    Handbook Table 15 (p.87); COINr ``n_prank``.

    Examples
    --------
    >>> percentile([[1.0], [2.0], [2.0], [4.0]]).ravel().tolist()
    [25.0, 50.0, 50.0, 100.0]
    >>> percentile([[1.0], [2.0], [2.0], [4.0]], definition="coinr").round(3).ravel().tolist()
    [0.0, 0.333, 0.333, 1.0]
    """
    if definition not in PERCENTILE_DEFINITIONS:
        raise unknown_name("percentile definition", definition, PERCENTILE_DEFINITIONS)
    A = _data(X, indicators)
    R = _rank_sorted(A, "min")
    n = _count(A)
    if definition == "handbook":
        return 100.0 * R / n
    _raise_first((n < 2)[..., 0, :], indicators, lambda s: (
        f"{s} has a single non-missing value; the COINr percentile (rank-1)/(n-1) is undefined"))
    return (R - 1.0) / (n - 1.0)


def goalposts(X, lower, upper, scale: float = 1.0, cap: bool = True, *,
              indicators: Names = None) -> np.ndarray:
    r"""Distance between fixed goalposts ``L`` (worst) and ``U`` (best).

    .. math:: I_{qc} = \mathrm{clip}\!\left(\frac{x_{qc} - L_q}{U_q - L_q}, 0, 1\right)\cdot scale

    (no clipping when ``cap=False``).

    **Direction.** Direction is applied centrally by multiplying the data by ``d = -1``, so for
    an indicator with ``d = -1`` the goalposts must be flipped as well: pass
    ``lower = -U`` and ``upper = -L`` (with ``L < U`` the natural-unit goalposts). Then
    ``(-x - (-U)) / (-L - (-U)) = (U - x)/(U - L)``, the Handbook formula for negative
    indicators. :func:`apply_direction` does both flips.

    Parameters
    ----------
    X : array_like, shape (..., city, indicator)
    lower, upper : float or array_like (..., indicator)
        Goalposts per indicator in the units of ``X`` (for log-transformed indicators use the
        log of the goalposts). Must satisfy ``lower < upper``.
    scale : float
        Multiplier of the result (COINr ``gposts`` third element, e.g. 100).
    cap : bool
        Truncate to ``[0, 1]`` (COINr ``trunc2posts``). The TAI has telephone/electricity
        values above the upper goalpost, so this matters.

    References
    ----------
    Handbook Table 3; UNDP HDR 2001 (TAI); COINr ``n_goalposts``.

    Examples
    --------
    >>> goalposts([[5.0], [15.0]], lower=[0.0], upper=[10.0]).ravel().tolist()
    [0.5, 1.0]
    >>> goalposts([[5.0], [15.0]], lower=[0.0], upper=[10.0], cap=False).ravel().tolist()
    [0.5, 1.5]
    """
    A = _data(X, indicators)
    L = _param(lower, "lower", A, indicators)
    U = _param(upper, "upper", A, indicators)
    scale = _scalar(scale, "scale", positive=True)
    Lb, Ub = np.broadcast_arrays(L, U)
    if Lb.ndim:
        width = (A.shape[-1],)
        _raise_first(np.broadcast_to((Lb >= Ub)[..., 0, :], Lb.shape[:-2] + width), indicators,
                     lambda s: f"goalposts of {s} need lower < upper; for direction -1 pass "
                     "lower=-U, upper=-L (see apply_direction)", SpecError)
    elif Lb >= Ub:
        raise SpecError("goalposts need lower < upper")
    out = (A - L) / (U - L)
    if cap:
        out = np.clip(out, 0.0, 1.0)
    return out * scale


def ratio_to_ref(X, ref: str | int = "best", *, indicators: Names = None,
                 cities: Names = None) -> np.ndarray:
    r"""Ratio to a reference value.

    .. math:: I_{qc} = x_{qc} / x_{q,ref}

    ``ref``: ``"best"`` (max; = COINr ``n_fracmax``), ``"worst"`` (min), ``"mean"``, or a
    city (integer index, or name when ``cities`` is given). Needs ratio-scale data ``>= 0``
    and a non-zero reference.

    Raises
    ------
    MethodError
        Negative values (e.g. a direction -1 indicator after central negation).
    DataError
        Zero or missing reference value.

    References
    ----------
    Handbook §5.4 and Table 15; COINr ``n_fracmax``.

    Examples
    --------
    >>> ratio_to_ref([[1.0], [2.0], [4.0]], ref="best").ravel().tolist()
    [0.25, 0.5, 1.0]
    """
    A = _data(X, indicators, cities)
    _require_nonnegative(A, indicators, "ratio_to_ref")
    R = _ref_value(A, ref, indicators, cities, "ratio_to_ref")
    _raise_first((R == 0)[..., 0, :], indicators, lambda s: (
        f"the reference value of {s} is 0, so the ratio is undefined; choose another reference"))
    return A / R


def diff_to_ref(X, ref: str | int = "mean", *, indicators: Names = None,
                cities: Names = None) -> np.ndarray:
    r"""Relative difference to a reference value.

    .. math:: I_{qc} = (x_{qc} - x_{q,ref}) / x_{q,ref}

    ``ref`` as in :func:`ratio_to_ref`. Handbook Table 15 shows ``ref="mean"`` and
    ``ref="worst"``.

    References
    ----------
    Handbook §5.4 and Table 15.

    Examples
    --------
    >>> diff_to_ref([[1.0], [2.0], [3.0]], ref="mean").ravel().tolist()
    [-0.5, 0.0, 0.5]
    """
    A = _data(X, indicators, cities)
    _require_nonnegative(A, indicators, "diff_to_ref")
    R = _ref_value(A, ref, indicators, cities, "diff_to_ref")
    _raise_first((R == 0)[..., 0, :], indicators, lambda s: (
        f"the reference value of {s} is 0, so the relative difference is undefined; "
        "choose another reference"))
    return (A - R) / R


def dist2ref(X, ref: str | int, cap: bool = True, *, indicators: Names = None,
             cities: Names = None) -> np.ndarray:
    r"""Distance to a reference, scaled so the minimum maps to 0 and the reference to 1.

    .. math:: I_{qc} = 1 - \frac{x_{q,ref} - x_{qc}}{x_{q,ref} - \min_c x_{qc}}
              = \frac{x_{qc} - \min_c x_{qc}}{x_{q,ref} - \min_c x_{qc}}

    capped at 1 when ``cap=True`` (COINr ``cap_max``). ``ref``: a city (index or name),
    ``"mean"`` or ``"best"`` (the latter equals min-max).

    Raises
    ------
    DataError
        The reference equals the minimum (constant indicator, or reference city is the worst).

    References
    ----------
    COINr ``n_dist2ref(iref, cap_max)``; Handbook §5.4.

    Examples
    --------
    >>> dist2ref([[0.0], [2.0], [4.0]], ref=1).ravel().tolist()
    [0.0, 1.0, 1.0]
    >>> dist2ref([[0.0], [2.0], [4.0]], ref=1, cap=False).ravel().tolist()
    [0.0, 1.0, 2.0]
    """
    A = _data(X, indicators, cities)
    R = _ref_value(A, ref, indicators, cities, "dist2ref")
    mn = _colmin(A)
    _raise_first((R == mn)[..., 0, :], indicators, lambda s: (
        f"the reference value of {s} equals its minimum (constant indicator or the reference "
        "is the worst city), so dist2ref is undefined; choose another reference"))
    out = (A - mn) / (R - mn)
    return np.minimum(out, 1.0) if cap else out


def dist2targ(X, target, cap: bool = True, *, indicators: Names = None) -> np.ndarray:
    r"""Progress from the minimum towards a target ``T``.

    .. math:: I_{qc} = \frac{x_{qc} - \min_c x_{qc}}{T_q - \min_c x_{qc}}

    capped at 1 when ``cap=True``. For a direction -1 indicator the data arrive negated, so pass
    the negated target ``-T``: this gives COINr's ``(max - x)/(max - T)``.

    Parameters
    ----------
    target : float or array_like (..., indicator)
        Target per indicator; must exceed the indicator's minimum.

    References
    ----------
    COINr ``n_dist2targ(targets, cap_max)``.

    Examples
    --------
    >>> dist2targ([[0.0], [5.0], [20.0]], target=[10.0]).ravel().tolist()
    [0.0, 0.5, 1.0]
    """
    A = _data(X, indicators)
    T = _param(target, "target", A, indicators)
    mn = _colmin(A)
    den = T - mn
    _raise_first(np.broadcast_to(den <= 0, np.broadcast_shapes(den.shape, mn.shape))[..., 0, :],
                 indicators, lambda s: (
                     f"the target of {s} is not above its minimum, so dist2targ is undefined; "
                     "for a direction -1 indicator pass the negated target"))
    out = (A - mn) / den
    return np.minimum(out, 1.0) if cap else out


def above_below_mean(X, p: float = 0.2, *, indicators: Names = None) -> np.ndarray:
    r"""Three-level indicator: above (+1), around (0) or below (-1) the mean.

    .. math:: w = x_{qc}/\bar x_q;\quad I_{qc} = +1 \text{ if } w > 1 + p,\
              -1 \text{ if } w < 1 - p,\ 0 \text{ otherwise}

    Needs ratio-scale data ``>= 0`` with a positive mean.

    References
    ----------
    Handbook §5.5 and Table 15 (``p = 0.2``).

    Examples
    --------
    >>> above_below_mean([[1.0], [2.0], [3.0]]).ravel().tolist()
    [-1.0, 0.0, 1.0]
    """
    A = _data(X, indicators)
    p = _scalar(p, "p", nonneg=True)
    _require_nonnegative(A, indicators, "above_below_mean")
    mu = np.nanmean(A, axis=-2, keepdims=True)
    _raise_first((mu <= 0)[..., 0, :], indicators, lambda s: (
        f"the mean of {s} is 0, so above_below_mean is undefined"))
    w = A / mu
    out = np.where(w > 1.0 + p, 1.0, np.where(w < 1.0 - p, -1.0, 0.0))
    out[np.isnan(A)] = np.nan
    return out


def categorical(X, bands: Sequence[float] = (15, 25, 65, 85, 95),
                scores: Sequence[float] = (0, 20, 40, 60, 80, 100), basis: str = "percentile",
                definition: str = "handbook", *, indicators: Names = None) -> np.ndarray:
    r"""Categorical scale: percentile bands mapped to scores.

    With band limits ``b_1 < ... < b_K`` (in percent) and scores ``s_0, ..., s_K``:

    .. math:: I_{qc} = s_k,\quad k = \#\{j : P_{qc} \ge b_j\}

    i.e. ``s_0`` below ``b_1``, ``s_k`` on ``[b_k, b_{k+1})``, ``s_K`` at or above ``b_K``.
    The default is Handbook Table 3: 0 (< P15), 20, 40, 60, 80, 100 (>= P95).

    Parameters
    ----------
    bands : sequence of float
        Strictly increasing band limits in percent.
    scores : sequence of float
        ``len(bands) + 1`` scores.
    basis : {"percentile", "value"}
        ``"percentile"``: compare each city's percentile rank (:func:`percentile`, expressed in
        percent) with the band limits. ``"value"``: compare the value with the indicator's
        value percentiles ``numpy.nanpercentile(x, bands)`` (linear interpolation = R type 7).
    definition : {"handbook", "coinr"}
        Percentile-rank definition used when ``basis="percentile"``.

    References
    ----------
    Handbook Table 3 (p.30) and Table 15 (7-level scale: ``bands=(5, 15, 35, 65, 85, 95)``,
    ``scores=(0, 20, 40, 50, 60, 80, 100)``, derived in METHODS.md §2).

    Examples
    --------
    >>> x = [[float(v)] for v in range(1, 11)]
    >>> categorical(x).ravel().tolist()
    [0.0, 20.0, 40.0, 40.0, 40.0, 40.0, 60.0, 60.0, 80.0, 100.0]
    """
    if basis not in CATEGORICAL_BASES:
        raise unknown_name("categorical basis", basis, CATEGORICAL_BASES)
    if definition not in PERCENTILE_DEFINITIONS:
        raise unknown_name("percentile definition", definition, PERCENTILE_DEFINITIONS)
    try:
        b = np.asarray(bands, dtype=float).ravel()
        sc = np.asarray(scores, dtype=float).ravel()
    except (TypeError, ValueError):
        raise SpecError("bands and scores must be sequences of numbers") from None
    if b.size == 0 or not np.all(np.isfinite(b)) or np.any(np.diff(b) <= 0):
        raise SpecError(f"bands must be finite and strictly increasing, got {tuple(bands)!r}")
    if sc.size != b.size + 1 or not np.all(np.isfinite(sc)):
        raise SpecError(f"categorical needs len(scores) == len(bands) + 1 = {b.size + 1} finite "
                        f"scores, got {sc.size}")
    A = _data(X, indicators)
    if basis == "percentile":
        R = _rank_sorted(A, "min")[..., None]
        n = _count(A)[..., None]
        # exact comparisons: 100 r / n >= b  <=>  100 r >= b n  (same for (r-1)/(n-1))
        if definition == "handbook":
            ge = 100.0 * R >= b * n
        else:
            _raise_first((n[..., 0] < 2)[..., 0, :], indicators, lambda s: (
                f"{s} has a single non-missing value; the COINr percentile is undefined"))
            ge = 100.0 * (R - 1.0) >= b * (n - 1.0)
    else:
        thr = np.nanpercentile(A, b, axis=-2, keepdims=True)  # (band, ..., 1, indicator)
        ge = A[..., None] >= np.moveaxis(thr, 0, -1)
    k = np.sum(ge, axis=-1)
    out = sc[k]
    out[np.isnan(A)] = np.nan
    return out


# --------------------------------------------------------------------------------------------
# pre-transforms
# --------------------------------------------------------------------------------------------
def _require_positive(A: np.ndarray, indicators: Names, cities: Names, method: str) -> None:
    bad = A <= 0
    if np.any(bad):
        idx = np.argwhere(bad)[0]
        raise MethodError(
            f"{method} needs positive values but {_label(indicators, int(idx[-1]))} is "
            f"{A[tuple(idx)]:g} at {_label(cities, int(idx[-2]), 'city')}{_batch(idx[:-1])}; "
            "add an offset (x + c) first or use log_shift (COINr log_CT), which shifts the data")


def log_transform(X, base: str | float = "e", *, indicators: Names = None,
                  cities: Names = None) -> np.ndarray:
    r"""Logarithm of strictly positive data.

    .. math:: x' = \log_{base}(x)

    Parameters
    ----------
    base : "e", "10", "2" or a positive number other than 1

    Raises
    ------
    MethodError
        Any non-missing value ``<= 0`` (names indicator and city; suggests an offset or
        :func:`log_shift`).

    References
    ----------
    Handbook §3 (skewed indicators); the TAI uses log10 for telephones and electricity.

    Examples
    --------
    >>> log_transform([[10.0], [1000.0]], base=10).ravel().tolist()
    [1.0, 3.0]
    """
    A = check_matrix(X, allow_nan=True, indicators=indicators, cities=cities)
    if isinstance(base, str):
        table = {"e": None, "10": 10.0, "2": 2.0}
        if base not in table:
            raise unknown_name("log base", base, table)
        b = table[base]
    else:
        b = _scalar(base, "base", positive=True)
        if b == 1:
            raise SpecError("log base must not be 1")
    _require_positive(A, indicators, cities, "log_transform")
    if b is None or b == np.e:
        return np.log(A)
    if b == 10.0:
        return np.log10(A)
    if b == 2.0:
        return np.log2(A)
    return np.log(A) / np.log(b)


def log_shift(X, *, indicators: Names = None) -> np.ndarray:
    r"""Shifted log (COINr ``log_CT``), defined for any sign of the data.

    .. math:: x' = \ln\!\big(x - \min x + 0.01(\max x - \min x)\big)

    Raises
    ------
    DataError
        Constant indicator (the shift would be zero).

    References
    ----------
    COINr ``R/treat.R`` (``log_CT``); METHODS.md §3.

    Examples
    --------
    >>> float(log_shift([[0.0], [100.0]])[0, 0]) == float(np.log(1.0))
    True
    """
    A = _data(X, indicators)
    mn, mx = _colmin(A), _colmax(A)
    _require_nonconstant(mn, mx, indicators, "log_shift")
    return np.log(A - mn + 0.01 * (mx - mn))


def boxcox(X, lmbda=None, *, return_lambda: bool = False, indicators: Names = None,
           cities: Names = None):
    r"""Box-Cox transform of strictly positive data, per indicator.

    .. math:: x' = (x^\lambda - 1)/\lambda\ (\lambda \ne 0),\qquad x' = \ln x\ (\lambda = 0)

    With ``lmbda=None`` each column (of each batch slice) gets its maximum-likelihood
    ``lambda`` from :func:`scipy.stats.boxcox` on its non-missing values; otherwise ``lmbda`` is a
    number or one number per indicator (:func:`scipy.special.boxcox`).

    Parameters
    ----------
    return_lambda : bool
        Also return the lambdas used, shape (..., indicator).

    Raises
    ------
    MethodError
        Any non-missing value ``<= 0``.
    DataError
        Constant indicator with ``lmbda=None``.

    References
    ----------
    Box & Cox (1964) JRSS-B 26:211; COINr ``boxcox`` treatment.

    Examples
    --------
    >>> boxcox([[1.0], [np.e]], lmbda=0.0).ravel().tolist()
    [0.0, 1.0]
    """
    A = _data(X, indicators, cities)
    _require_positive(A, indicators, cities, "boxcox")
    if lmbda is not None:
        lam = _param(lmbda, "lmbda", A, indicators)
        out = scipy.special.boxcox(A, lam)
        lam_out = np.broadcast_to(np.asarray(lam)[..., 0, :] if np.ndim(lam) else lam,
                                  A.shape[:-2] + A.shape[-1:]).astype(float)
        return (out, lam_out) if return_lambda else out
    _require_nonconstant(_colmin(A), _colmax(A), indicators, "boxcox")
    out = np.full(A.shape, np.nan)
    lam_out = np.empty(A.shape[:-2] + A.shape[-1:])
    for idx in np.ndindex(*A.shape[:-2], A.shape[-1]):
        col = A[idx[:-1] + (slice(None), idx[-1])]
        ok = ~np.isnan(col)
        y, lam = scipy.stats.boxcox(col[ok])
        out[idx[:-1] + (np.flatnonzero(ok), idx[-1])] = y
        lam_out[idx] = lam
    return (out, lam_out) if return_lambda else out


# --------------------------------------------------------------------------------------------
# direction and dispatch
# --------------------------------------------------------------------------------------------
def apply_direction(X, directions, lower=None, upper=None, *, indicators: Names = None):
    r"""Multiply the data by the directions and flip goalposts to match.

    .. math:: x' = d\,x;\qquad (L', U') = (L, U)\ \text{if } d = +1,\quad (-U, -L)\ \text{if } d = -1

    so that :func:`goalposts` on the result gives ``clip((x - L)/(U - L), 0, 1)`` for
    ``d = +1`` and ``clip((U - x)/(U - L), 0, 1)`` for ``d = -1``.

    Parameters
    ----------
    X : array_like, shape (..., city, indicator)
    directions : array_like (..., indicator) of +1/-1
    lower, upper : array_like (..., indicator), optional
        Goalposts in natural units (``lower < upper``); give both or neither.

    Returns
    -------
    (X', lower', upper') : tuple
        ``lower'``/``upper'`` are ``None`` when not given.

    References
    ----------
    Handbook Table 3 (goalposts for negative indicators); COINr multiplies by direction before
    normalising (METHODS.md §0).

    Examples
    --------
    >>> Xd, L, U = apply_direction([[2.0, 2.0]], [1, -1], lower=[0, 0], upper=[10, 10])
    >>> Xd.tolist(), L.tolist(), U.tolist()
    ([[2.0, -2.0]], [0.0, -10.0], [10.0, 0.0])
    """
    A = check_matrix(X, allow_nan=True, indicators=indicators)
    try:
        d = np.asarray(directions, dtype=float)
    except (TypeError, ValueError):
        raise FrameworkError(f"directions must be +1 or -1 per indicator, got {directions!r}") from None
    if d.ndim == 0 or d.shape[-1] != A.shape[-1]:
        raise FrameworkError(f"directions must have one entry (+1 or -1) per indicator "
                             f"({A.shape[-1]}), got shape {d.shape}")
    _raise_first(~np.isin(d, (-1.0, 1.0)), indicators,
                 lambda s: f"direction of {s} must be +1 or -1", FrameworkError)
    Xd = A * d[..., None, :]
    if (lower is None) != (upper is None):
        raise SpecError("give both lower and upper goalposts, or neither")
    if lower is None:
        return Xd, None, None
    try:
        L = np.asarray(lower, dtype=float)
        U = np.asarray(upper, dtype=float)
    except (TypeError, ValueError):
        raise SpecError("goalposts lower/upper must be numbers, one per indicator") from None
    if L.ndim == 0 or U.ndim == 0 or L.shape[-1] != A.shape[-1] or U.shape[-1] != A.shape[-1]:
        raise SpecError(f"goalposts need one lower and one upper value per indicator "
                        f"({A.shape[-1]}), got shapes {L.shape} and {U.shape}")
    _raise_first(~(L < U), indicators, lambda s: (
        f"goalposts of {s} need lower < upper (natural units, before applying the direction)"),
        SpecError)
    return Xd, np.where(d > 0, L, 0.0 - U), np.where(d > 0, U, 0.0 - L)


NORMALISERS: dict[str, Callable[..., np.ndarray]] = {
    "minmax": minmax,
    "zscore": zscore,
    "rank": rank,
    "percentile": percentile,
    "goalposts": goalposts,
    "ratio_to_ref": ratio_to_ref,
    "diff_to_ref": diff_to_ref,
    "dist2ref": dist2ref,
    "dist2targ": dist2targ,
    "above_below_mean": above_below_mean,
    "categorical": categorical,
}
"""Normalisation methods by name (the ``method`` values of :func:`normalise`)."""

TRANSFORMS: dict[str, Callable[..., Any]] = {
    "log": log_transform,
    "log_shift": log_shift,
    "boxcox": boxcox,
}
"""Pre-transforms applied before normalisation, by name."""


def normalise(X, method: str, **params: Any) -> np.ndarray:
    """Normalise ``X`` (..., city, indicator) with the method called ``method``.

    Parameters
    ----------
    method : str
        A key of :data:`NORMALISERS`.
    **params
        The method's named parameters (e.g. ``lo``/``hi`` for ``minmax``, ``ties`` for
        ``rank``, ``ref`` for ``ratio_to_ref``) and ``indicators=`` names for messages.

    Raises
    ------
    SpecError
        Unknown method (lists the valid ones) or parameters the method does not accept.

    Examples
    --------
    >>> normalise([[1.0], [3.0]], "minmax", lo=0, hi=100).ravel().tolist()
    [0.0, 100.0]
    """
    if not isinstance(method, str) or method not in NORMALISERS:
        raise unknown_name("normalisation method", method, NORMALISERS)
    fn = NORMALISERS[method]
    sig = inspect.signature(fn)
    try:
        sig.bind(X, **params)
    except TypeError as exc:
        valid = [p for p in sig.parameters if p != "X"]
        raise SpecError(f"bad parameters for normalisation method {method!r}: {exc}; "
                        f"its parameters are: {', '.join(valid)}") from None
    return fn(X, **params)

