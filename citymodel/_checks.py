"""Input validation shared by the kernels (in the spirit of sklearn's ``check_array``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import DataError

__all__ = ["check_matrix", "check_table", "check_weights"]


def _label(names: Sequence[str] | None, j: int, kind: str) -> str:
    if names is not None and j < len(names):
        return f"{kind} {names[j]!r}"
    return f"{kind} {j}"


def check_matrix(
    X,
    *,
    allow_nan: bool = False,
    min_rows: int = 1,
    indicators: Sequence[str] | None = None,
    cities: Sequence[str] | None = None,
    what: str = "data",
) -> np.ndarray:
    """Return ``X`` as a float array of shape (..., city, indicator), or raise :class:`DataError`.

    Checks: numeric, at least 2 dimensions, no +-Inf, no NaN unless ``allow_nan``,
    at least ``min_rows`` cities. The error names the first offending city/indicator
    (by label when ``cities``/``indicators`` are given).
    """
    try:
        A = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must be numeric: {exc}. Convert or drop non-numeric columns.") from None
    if A.ndim < 2:
        raise DataError(f"{what} must have shape (..., city, indicator); got shape {A.shape}")
    if A.shape[-2] < min_rows:
        raise DataError(f"{what} has {A.shape[-2]} cities; at least {min_rows} are needed")
    if A.shape[-1] == 0:
        raise DataError(f"{what} has no indicators")
    bad_inf = np.isinf(A)
    if bad_inf.any():
        idx = np.argwhere(bad_inf)[0]
        raise DataError(
            f"{what} contains +-Inf at {_label(cities, int(idx[-2]), 'city')}, "
            f"{_label(indicators, int(idx[-1]), 'indicator')}; replace it by a finite value or NaN"
        )
    if not allow_nan:
        bad = np.isnan(A)
        if bad.any():
            idx = np.argwhere(bad)[0]
            raise DataError(
                f"{what} contains NaN at {_label(cities, int(idx[-2]), 'city')}, "
                f"{_label(indicators, int(idx[-1]), 'indicator')}; add an imputation step "
                "(e.g. impute: {method: mean}) or fill the value"
            )
    return A


def check_weights(w, n: int | None = None, *, names: Sequence[str] | None = None,
                  what: str = "weights", normalise: bool = True) -> np.ndarray:
    """Validate weights of shape (..., n): finite, non-negative, not all zero; optionally sum to 1."""
    W = np.asarray(w, dtype=float)
    if W.ndim == 0:
        raise DataError(f"{what} must be a vector, got a scalar")
    if n is not None and W.shape[-1] != n:
        raise DataError(
            f"{what} has {W.shape[-1]} entries but there are {n} indicators"
            + (f" ({', '.join(map(str, names))})" if names is not None else "")
            + "; give one weight per indicator"
        )
    if not np.all(np.isfinite(W)):
        j = int(np.argwhere(~np.isfinite(W))[0][-1])
        raise DataError(f"{what}: {_label(names, j, 'weight of')} is NaN or Inf; weights must be finite")
    if np.any(W < 0):
        j = int(np.argwhere(W < 0)[0][-1])
        raise DataError(f"{what}: {_label(names, j, 'weight of')} is negative; weights must be >= 0")
    tot = W.sum(axis=-1, keepdims=True)
    if np.any(tot <= 0):
        raise DataError(f"{what} are all zero; at least one weight must be positive")
    return W / tot if normalise else W


def check_table(X, *, indicators: Sequence[str] | None = None, cities: Sequence[str] | None = None,
                what: str = "data") -> tuple[np.ndarray, list, list]:
    """A 2-D (city, indicator) array (NaN allowed) with its indicator and city labels.

    Labels default to positions; a wrong number of names is a :class:`DataError`.
    """
    A = check_matrix(X, allow_nan=True, indicators=indicators, cities=cities)
    if A.ndim != 2:
        raise DataError(f"{what} needs a 2-D (city, indicator) array, got shape {A.shape}")
    n, q = A.shape
    ind_names = list(indicators) if indicators is not None else list(range(q))
    city_names = list(cities) if cities is not None else list(range(n))
    if len(ind_names) != q:
        raise DataError(f"{len(ind_names)} indicator names given for {q} indicators")
    if len(city_names) != n:
        raise DataError(f"{len(city_names)} city names given for {n} cities")
    return A, ind_names, city_names
