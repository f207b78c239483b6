"""Imputation of missing indicator values.

Role in the pipeline: fills NaN in the (city, indicator) data before treatment/normalisation.
Column methods follow COINr (``i_mean``, ``i_median``, ``i_mean_grp``, ``i_median_grp``);
``knn`` and ``iterative`` wrap scikit-learn's ``KNNImputer`` and ``IterativeImputer``
(regression/EM-like imputation as discussed in the Handbook, Step 3). :func:`impute` returns the
imputed data, a mask of the imputed cells and a log; cells it could not fill (a group with no
data for an indicator) stay NaN and are listed in ``ImputeResult.not_imputed``.

References
----------
OECD/JRC (2008) Handbook, Step 3 (pp.20-21, 55-62); Becker et al., COINr ``R/impute.R``;
METHODS.md §4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_table
from ..errors import DataError, SpecError, unknown_name

__all__ = ["impute", "ImputeResult", "IMPUTERS"]

IMPUTERS = ("mean", "median", "group_mean", "group_median", "knn", "iterative", "none")
"""Valid values of ``method`` in :func:`impute`."""


@dataclass(frozen=True)
class ImputeResult:
    """Result of :func:`impute`.

    Attributes
    ----------
    X : ndarray, shape (city, indicator)
        Imputed data.
    mask : ndarray of bool, shape (city, indicator)
        True exactly where a missing value was filled.
    log : DataFrame
        One row per imputed cell: ``indicator, city, value, method``.
    not_imputed : DataFrame
        Cells left missing: ``indicator, city, group, reason`` (group methods only).
    """

    X: np.ndarray
    mask: np.ndarray
    log: pd.DataFrame
    not_imputed: pd.DataFrame

    @property
    def complete(self) -> bool:
        """True if no missing value remains."""
        return not np.isnan(self.X).any()


def _random_state(seed) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**32 - 1))
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise SpecError(f"seed must be a non-negative int or a numpy.random.Generator, got {seed!r}")


def _column_stat(A: np.ndarray, how: str) -> np.ndarray:
    """Mean/median over non-missing rows (NaN for an all-missing column, without warnings)."""
    ok = ~np.isnan(A)
    n = ok.sum(axis=0)
    if how == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(ok, A, 0.0).sum(axis=0) / n
    out = np.full(A.shape[1], np.nan)
    for j in np.flatnonzero(n):
        out[j] = np.median(A[ok[:, j], j])
    return out


def impute(X, method: str = "mean", groups: Sequence | None = None, seed=None,
           indicators: Sequence[str] | None = None, cities: Sequence[str] | None = None,
           **kwargs) -> ImputeResult:
    r"""Fill missing values of a (city, indicator) matrix.

    Methods
    -------
    ``mean`` / ``median``
        :math:`\hat x_{qc} = \mathrm{mean}_{c': x_{qc'}\,\mathrm{obs}}\, x_{qc'}` (or median)
        per indicator (COINr ``i_mean`` / ``i_median``).
    ``group_mean`` / ``group_median``
        Same within the city's group, ``groups[c]`` (COINr ``i_mean_grp`` / ``i_median_grp``,
        e.g. ASEM's ``EurAsia_group``). If a group has no observed value of an indicator its
        missing cells stay NaN and are listed in ``not_imputed``.
    ``knn``
        :class:`sklearn.impute.KNNImputer` (``**kwargs``: ``n_neighbors=5``, ``weights``, ...).
        Distances use the raw units: standardise the data first if scales differ.
    ``iterative``
        :class:`sklearn.impute.IterativeImputer` (chained regressions, BayesianRidge by
        default; ``**kwargs`` e.g. ``max_iter``, ``sample_posterior``) with
        ``random_state`` from ``seed``.
    ``none``
        No imputation.

    Parameters
    ----------
    X : array_like, shape (city, indicator)
    method : str
        One of :data:`IMPUTERS`.
    groups : sequence, length = number of cities
        Group label of each city (group methods only).
    seed : int or numpy.random.Generator, optional
        Seed for ``iterative`` (ignored by the deterministic methods).
    indicators, cities : sequence of str, optional
        Labels for the log and error messages.
    **kwargs
        Passed to the scikit-learn imputer (``knn``, ``iterative`` only).

    Raises
    ------
    DataError
        An indicator is entirely missing (names it), bad ``groups``.
    SpecError
        Unknown method (lists valid ones) or parameters the method does not take.

    References
    ----------
    COINr ``Impute`` / ``impute_df``; Handbook Step 3; Troyanskaya et al. (2001)
    Bioinformatics 17:520 (kNN); van Buuren & Groothuis-Oudshoorn (2011) J. Stat. Softw. 45(3)
    (chained equations).

    Examples
    --------
    >>> res = impute([[1.0, 2.0], [np.nan, 4.0], [3.0, np.nan]], "mean")
    >>> res.X.tolist(), res.mask.sum()
    ([[1.0, 2.0], [2.0, 4.0], [3.0, 3.0]], np.int64(2))
    """
    if not isinstance(method, str) or method not in IMPUTERS:
        raise unknown_name("imputation method", method, IMPUTERS)
    A, ind_names, city_names = check_table(X, indicators=indicators, cities=cities, what="impute")
    n, q = A.shape
    if kwargs and method not in ("knn", "iterative"):
        raise SpecError(f"imputation method {method!r} takes no extra parameters, got "
                        f"{', '.join(sorted(kwargs))}")
    if groups is not None and not method.startswith("group_"):
        raise SpecError(f"groups is only used by group_mean/group_median, not {method!r}")
    missing = np.isnan(A)
    out = A.copy()
    not_imputed: list[dict] = []

    if method != "none":
        empty = missing.all(axis=0)
        if empty.any():
            j = int(np.flatnonzero(empty)[0])
            raise DataError(f"indicator {ind_names[j]!r} has no observed values, so it cannot be "
                            "imputed; drop it or supply data")

    if method in ("mean", "median"):
        stat = _column_stat(A, method)
        out = np.where(missing, stat, A)
    elif method in ("group_mean", "group_median"):
        labels = _check_groups(groups, n, city_names)
        how = method.removeprefix("group_")
        for g in pd.unique(labels):
            rows = labels == g
            stat = _column_stat(A[rows], how)
            out[rows] = np.where(missing[rows], stat, A[rows])
            for j in np.flatnonzero(np.isnan(stat)):
                for i in np.flatnonzero(rows):
                    not_imputed.append({"indicator": ind_names[j], "city": city_names[i],
                                        "group": g,
                                        "reason": f"group {g!r} has no observed value"})
    elif method in ("knn", "iterative"):
        out = _sklearn(A, method, seed, kwargs)

    mask = missing & ~np.isnan(out)
    ii, jj = np.nonzero(mask)
    log = pd.DataFrame({
        "indicator": pd.Series([ind_names[j] for j in jj], dtype=object),
        "city": pd.Series([city_names[i] for i in ii], dtype=object),
        "value": out[ii, jj],
        "method": method,
    }, columns=["indicator", "city", "value", "method"])
    ni = pd.DataFrame(not_imputed, columns=["indicator", "city", "group", "reason"])
    return ImputeResult(out, mask, log, ni)


def _check_groups(groups, n: int, city_names: list) -> np.ndarray:
    if groups is None:
        raise SpecError("group_mean/group_median need groups=, one group label per city")
    labels = np.asarray(list(groups), dtype=object)
    if labels.shape != (n,):
        raise DataError(f"groups has {labels.size} labels but there are {n} cities; "
                        "give one group label per city")
    bad = pd.isna(labels)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"city {city_names[i]!r} has no group label; assign it to a group")
    return labels


def _sklearn(A: np.ndarray, method: str, seed, kwargs: dict) -> np.ndarray:
    if method == "knn":
        from sklearn.impute import KNNImputer

        make = KNNImputer
        params = dict(kwargs)
    else:
        from sklearn.experimental import enable_iterative_imputer  # noqa: F401
        from sklearn.impute import IterativeImputer

        make = IterativeImputer
        if "random_state" in kwargs:
            raise SpecError("pass seed=, not random_state=, to impute")
        params = {**kwargs, "random_state": _random_state(seed)}
    try:
        est = make(**params)
    except TypeError as exc:
        raise SpecError(f"bad parameters for imputation method {method!r}: {exc}") from None
    try:
        out = est.fit_transform(A)
    except (TypeError, ValueError) as exc:
        if type(exc).__name__ == "InvalidParameterError":  # sklearn's parameter validation
            raise SpecError(f"bad parameters for imputation method {method!r}: {exc}") from None
        raise
    return np.where(np.isnan(A), np.asarray(out, dtype=float), A)
