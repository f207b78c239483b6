"""Outlier treatment: COINr's skew/kurtosis rule, winsorisation and log fallback.

Role in the pipeline: an optional step between the raw data and normalisation. An indicator is
treated only when it fails the rule ``|skew| >= 2 and kurtosis >= 3.5`` (COINr ``check_SkewKurt``);
it is then winsorised one tied extreme at a time (at most ``winmax`` points), and if it still
fails, a log-type transform is applied to the **original** values instead. :func:`treat` returns
the treated data with a point-by-point log and a per-indicator summary; it does not warn (the
build step decides what to report).

References
----------
Becker et al., COINr (R package), ``R/treat.R`` (``Treat``, ``winsorise``, ``check_SkewKurt``);
OECD/JRC (2008) Handbook, Step 3; METHODS.md §3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.special
import scipy.stats

from .._checks import check_table
from ..errors import DataError, SpecError, unknown_name

__all__ = [
    "skew",
    "kurtosis",
    "check_skew_kurt",
    "winsorise",
    "treat",
    "Winsorised",
    "TreatResult",
    "FALLBACKS",
]

FALLBACKS = ("log_CT", "log_CT_plus", "log_CT_orig", "boxcox", "none")
"""Transformations applied when winsorisation does not pass the skew/kurtosis rule."""


# --------------------------------------------------------------------------------------------
# moments
# --------------------------------------------------------------------------------------------
def _moments(x, axis: int):
    A = np.asarray(x, dtype=float)
    ok = ~np.isnan(A)
    n = np.sum(ok, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.nansum(A, axis=axis, keepdims=True) / np.sum(ok, axis=axis, keepdims=True)
        d = A - mu
        m2 = np.nansum(d**2, axis=axis)
    # a constant vector leaves mean-rounding residues d ~ 1e-17: treat it as exactly constant
    const = np.max(A, axis=axis, initial=-np.inf, where=ok) == np.min(
        A, axis=axis, initial=np.inf, where=ok)
    return d, n, m2, const


def skew(x, axis: int = 0):
    r"""Sample skewness, Excel ``SKEW`` / e1071 type 2, ignoring NaN.

    With ``d = x - mean`` over the ``n`` non-missing values:

    .. math:: G_1 = \frac{\sqrt{n}\,\sum d^3}{(\sum d^2)^{3/2}}\cdot\frac{\sqrt{n(n-1)}}{n-2}

    NaN if ``n < 3`` or the values are constant. Equals ``scipy.stats.skew(x, bias=False)``.

    Parameters
    ----------
    x : array_like
    axis : int
        Axis along which to compute (0: per column of a (city, indicator) matrix).

    References
    ----------
    Joanes & Gill (1998) The Statistician 47:183 (type 2); COINr ``skew``.

    Examples
    --------
    >>> round(float(skew([1.0, 2.0, 3.0, 10.0])), 4)
    1.7636
    """
    d, n, m2, const = _moments(x, axis)
    m3 = np.nansum(d**3, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.sqrt(n) * m3 / m2**1.5 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
    g = np.where((n < 3) | const, np.nan, g)
    return g[()] if np.ndim(g) == 0 else g


def kurtosis(x, axis: int = 0):
    r"""Sample excess kurtosis, Excel ``KURT`` / e1071 type 2, ignoring NaN.

    With ``d = x - mean`` over the ``n`` non-missing values and ``r = n\sum d^4/(\sum d^2)^2``:

    .. math:: G_2 = \frac{\big((n+1)(r-3) + 6\big)(n-1)}{(n-2)(n-3)}

    NaN if ``n < 4`` or the values are constant. Equals
    ``scipy.stats.kurtosis(x, fisher=True, bias=False)``.

    References
    ----------
    Joanes & Gill (1998) (type 2); COINr ``kurt``.

    Examples
    --------
    >>> round(float(kurtosis([1.0, 2.0, 3.0, 10.0])), 4)
    3.228
    """
    d, n, m2, const = _moments(x, axis)
    m4 = np.nansum(d**4, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = n * m4 / m2**2
        g = ((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    g = np.where((n < 4) | const, np.nan, g)
    return g[()] if np.ndim(g) == 0 else g


def check_skew_kurt(x, skew_thresh: float = 2.0, kurt_thresh: float = 3.5, axis: int = 0):
    r"""COINr's outlier rule: does ``x`` pass (need no treatment)?

    .. math:: \text{pass} \iff |G_1| < \texttt{skew\_thresh}\ \text{ or }\ G_2 < \texttt{kurt\_thresh}

    so an indicator is treated only if **both** thresholds are reached. COINr's docstrings say
    2.25 for skewness; its code (and this default) uses 2. Undefined moments (fewer than 3/4
    values, constant data) count as a pass: there is nothing to treat.

    Returns
    -------
    bool, or boolean array when ``x`` has more than one dimension.

    References
    ----------
    COINr ``check_SkewKurt``; METHODS.md §3.

    Examples
    --------
    >>> check_skew_kurt([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0])
    False
    """
    sk, ku = skew(x, axis=axis), kurtosis(x, axis=axis)
    with np.errstate(invalid="ignore"):
        fail = (np.abs(sk) >= skew_thresh) & (ku >= kurt_thresh)
    ok = ~fail  # NaN comparisons are False -> not failing -> pass
    return bool(ok) if np.ndim(ok) == 0 else ok


# --------------------------------------------------------------------------------------------
# winsorisation
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Winsorised:
    """Result of :func:`winsorise`.

    Attributes
    ----------
    x : ndarray
        The winsorised vector.
    high, low : ndarray of bool
        Points moved down from the top (COINr ``winhi``) / up from the bottom (``winlo``).
    nwin : int
        COINr's counter when the loop stopped (see :func:`winsorise`).
    passed : bool
        Whether ``x`` passes :func:`check_skew_kurt` after winsorisation.
    """

    x: np.ndarray
    high: np.ndarray
    low: np.ndarray
    nwin: int
    passed: bool


def winsorise(x, winmax: int = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5,
              force_win: bool = False) -> Winsorised:
    """Winsorise one tied extreme at a time until the skew/kurtosis rule passes (COINr).

    Algorithm (METHODS.md §3, COINr ``winsorise``)::

        nwin = 0
        while (fails(x) or force_win) and nwin < winmax:
            if skew(x) >= 0:  all points equal to max(x) <- largest remaining value   (winhi)
            else:             all points equal to min(x) <- smallest remaining value  (winlo)
            nwin = size of the last tied set moved at the max + at the min

    The skew sign is re-evaluated at every step. Points winsorised earlier share the value of
    the current extreme, so they are part of the next tied set: without natural ties ``nwin``
    equals the number of points moved, but a tie at the new extreme makes ``nwin`` jump (e.g.
    4 -> 7), so more than ``winmax`` points can be moved. NaN are ignored and kept.

    Parameters
    ----------
    x : array_like, 1-D
    winmax : int
        Maximum of the counter ``nwin`` (COINr ``winmax``, default 5).
    skew_thresh, kurt_thresh : float
        Thresholds of :func:`check_skew_kurt`.
    force_win : bool
        Winsorise up to ``winmax`` even if ``x`` already passes (COINr ``force_win``).

    References
    ----------
    COINr ``winsorise``; Handbook Step 3.

    Examples
    --------
    >>> w = winsorise([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0])
    >>> w.x.tolist()[-1], int(w.high.sum()), w.passed
    (9.0, 1, True)
    """
    v = np.array(x, dtype=float)
    if v.ndim != 1:
        raise DataError(f"winsorise needs a 1-D vector, got shape {v.shape}")
    winmax = _nonneg_int(winmax, "winmax")
    ok = ~np.isnan(v)
    high = np.zeros(v.shape, dtype=bool)
    low = np.zeros(v.shape, dtype=bool)
    last_hi = last_lo = 0
    nwin = 0
    while (force_win or not check_skew_kurt(v, skew_thresh, kurt_thresh)) and nwin < winmax:
        sk = skew(v)
        if np.isnan(sk):
            break
        if sk >= 0:
            at = ok & (v == np.nanmax(v))
            rest = v[ok & ~at]
            if rest.size == 0:
                break
            v[at] = rest.max()
            high |= at
            last_hi = int(at.sum())
        else:
            at = ok & (v == np.nanmin(v))
            rest = v[ok & ~at]
            if rest.size == 0:
                break
            v[at] = rest.min()
            low |= at
            last_lo = int(at.sum())
        nwin = last_hi + last_lo
    return Winsorised(v, high, low, nwin, check_skew_kurt(v, skew_thresh, kurt_thresh))


# --------------------------------------------------------------------------------------------
# fallback transforms (1-D, NaN-aware)
# --------------------------------------------------------------------------------------------
def _fallback(x: np.ndarray, method: str, boxcox_lambda: float | None) -> np.ndarray:
    mn, mx = np.nanmin(x), np.nanmax(x)
    a = 0.01 * (mx - mn)
    if method == "log_CT":
        return np.log(x - mn + a)
    if method == "log_CT_plus":
        if skew(x) >= 0:
            return np.log(x - mn + a)
        return -np.log(mx + a - x)
    if method == "log_CT_orig":
        return np.log(x - mn + 1.0)
    if method == "boxcox":
        y = x - mn + 1.0
        if boxcox_lambda is not None:
            return scipy.special.boxcox(y, boxcox_lambda)
        out = np.full(x.shape, np.nan)
        ok = ~np.isnan(y)
        out[ok] = scipy.stats.boxcox(y[ok])[0]
        return out
    raise unknown_name("treatment fallback", method, FALLBACKS)  # pragma: no cover


# --------------------------------------------------------------------------------------------
# treat
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TreatResult:
    """Result of :func:`treat`.

    Attributes
    ----------
    X : ndarray, shape (city, indicator)
        Treated data.
    log : DataFrame
        One row per changed point: ``indicator, city, original, treated, action`` with action
        ``winsorised_high``, ``winsorised_low``, ``log_transformed``, ``boxcox_transformed``
        (or ``winsorised_high+log_transformed`` etc. with ``combine_treat=True``).
    summary : DataFrame
        One row per indicator: ``indicator, skew_before, kurt_before, passed_before,
        n_winsorised_high, n_winsorised_low, n_winsorised, nwin, fallback, fallback_used,
        skew_after, kurt_after, passed_after``.
    """

    X: np.ndarray
    log: pd.DataFrame
    summary: pd.DataFrame


def _nonneg_int(v, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
        raise SpecError(f"{name} must be a non-negative integer, got {v!r}")
    return int(v)


def _per_indicator(value, name: str, names: list, default):
    """Expand a scalar or {indicator name/index: value} mapping to one value per indicator."""
    if not isinstance(value, Mapping):
        return [value] * len(names)
    out = [default] * len(names)
    for key, v in value.items():
        if key in names:
            out[names.index(key)] = v
        elif isinstance(key, (int, np.integer)) and not isinstance(key, bool) \
                and 0 <= key < len(names):
            out[int(key)] = v
        else:
            raise SpecError(f"{name} names unknown indicator {key!r}; indicators are: "
                            f"{', '.join(map(str, names))}")
    return out


def treat(X, *, winmax: int | Mapping = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5,
          fallback: str | Mapping = "log_CT", combine_treat: bool = False,
          force_win: bool = False, boxcox_lambda: float | None = None,
          indicators: Sequence[str] | None = None,
          cities: Sequence[str] | None = None) -> TreatResult:
    r"""Treat outliers indicator by indicator with COINr's default rule.

    For each indicator ``x`` (column of ``X``):

    1. if ``x`` passes :func:`check_skew_kurt` (and not ``force_win``): unchanged;
    2. else :func:`winsorise` it (at most ``winmax``, see there for the counter);
    3. if it still fails, apply ``fallback`` to the **original** ``x`` (the winsorised vector is
       dropped unless ``combine_treat=True``), and keep it even if it still fails:

       * ``log_CT``: :math:`\ln(x - \min x + 0.01(\max x - \min x))`
       * ``log_CT_plus``: as ``log_CT`` if skew >= 0, else :math:`-\ln(\max x + a - x)`,
         :math:`a = 0.01(\max x - \min x)`
       * ``log_CT_orig``: :math:`\ln(x - \min x + 1)`
       * ``boxcox``: Box-Cox of :math:`x - \min x + 1` with ``boxcox_lambda`` (``None``: the
         maximum-likelihood lambda of :func:`scipy.stats.boxcox`)
       * ``none``: keep the (still failing) winsorised vector.

    Parameters
    ----------
    X : array_like, shape (city, indicator)
        Raw data; NaN allowed (ignored by the statistics, kept).
    winmax : int or mapping {indicator: int}
        COINr ``winmax``; 0 disables winsorisation.
    skew_thresh, kurt_thresh : float
        Thresholds of the rule (COINr defaults 2 and 3.5).
    fallback : str or mapping {indicator: str}
        One of :data:`FALLBACKS`; a mapping gives per-indicator choices (default ``log_CT``).
    combine_treat : bool
        Apply the fallback to the winsorised rather than the original vector (COINr
        ``combine_treat``).
    force_win : bool
        Winsorise up to ``winmax`` even where the rule passes (COINr ``force_win``).
    indicators, cities : sequence of str, optional
        Labels for the log, summary and error messages.

    Returns
    -------
    TreatResult

    References
    ----------
    COINr ``Treat`` / ``qTreat`` defaults (``R/treat.R``); METHODS.md §3.

    Examples
    --------
    >>> X = np.array([[1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100]]).T
    >>> res = treat(X)
    >>> float(res.X[-1, 0]), res.log["action"].tolist()
    (9.0, ['winsorised_high'])
    """
    A, ind_names, city_names = check_table(X, indicators=indicators, cities=cities, what="treat")
    n, q = A.shape
    for name, v in (("skew_thresh", skew_thresh), ("kurt_thresh", kurt_thresh)):
        if not isinstance(v, (int, float, np.floating, np.integer)) or not np.isfinite(v):
            raise SpecError(f"{name} must be a finite number, got {v!r}")
    if boxcox_lambda is not None and not np.isfinite(boxcox_lambda):
        raise SpecError(f"boxcox_lambda must be a finite number or None, got {boxcox_lambda!r}")
    winmaxes = [_nonneg_int(w, "winmax") for w in _per_indicator(winmax, "winmax", ind_names, 5)]
    fallbacks = _per_indicator(fallback, "fallback", ind_names, "log_CT")
    for fb in fallbacks:
        if fb not in FALLBACKS:
            raise unknown_name("treatment fallback", fb, FALLBACKS)

    out = A.copy()
    log_rows: list[dict] = []
    summary: list[dict] = []
    for j in range(q):
        x0 = A[:, j]
        passed0 = check_skew_kurt(x0, skew_thresh, kurt_thresh)
        w = winsorise(x0, winmaxes[j], skew_thresh, kurt_thresh, force_win=force_win)
        high, low, x = w.high, w.low, w.x
        used = False
        fb = fallbacks[j]
        if not w.passed and fb != "none":
            used = True
            if combine_treat:
                x = _fallback(w.x, fb, boxcox_lambda)
            else:
                x = _fallback(x0, fb, boxcox_lambda)
                high = low = np.zeros(n, dtype=bool)
        out[:, j] = x
        label = "boxcox_transformed" if fb == "boxcox" else "log_transformed"
        changed = ~np.isnan(x0) & (x != x0)
        for i in np.flatnonzero(changed):
            parts = (["winsorised_high"] if high[i] else []) + \
                    (["winsorised_low"] if low[i] and not high[i] else []) + \
                    ([label] if used else [])
            log_rows.append({"indicator": ind_names[j], "city": city_names[i],
                             "original": float(x0[i]), "treated": float(x[i]),
                             "action": "+".join(parts)})
        summary.append({
            "indicator": ind_names[j],
            "skew_before": float(skew(x0)), "kurt_before": float(kurtosis(x0)),
            "passed_before": passed0,
            "n_winsorised_high": int(high.sum()), "n_winsorised_low": int(low.sum()),
            "n_winsorised": int((high | low).sum()), "nwin": w.nwin,
            "fallback": fb, "fallback_used": used,
            "skew_after": float(skew(x)), "kurt_after": float(kurtosis(x)),
            "passed_after": check_skew_kurt(x, skew_thresh, kurt_thresh),
        })
    log = pd.DataFrame(log_rows, columns=["indicator", "city", "original", "treated", "action"])
    return TreatResult(out, log, pd.DataFrame(summary))
