"""Shared input checks of the accounts modules (year axes, positivity, labels)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import DataError, MethodError

__all__ = ["as_dataarray", "check_years", "check_positive_for_log", "series_label"]


def as_dataarray(x, what: str) -> xr.DataArray:
    """Return ``x`` as a float DataArray with a ``year`` dimension, or raise :class:`DataError`."""
    if not isinstance(x, xr.DataArray):
        raise DataError(f"{what} must be an xarray.DataArray with a 'year' dimension; got {type(x).__name__}")
    if "year" not in x.dims:
        raise DataError(f"{what} has dims {x.dims}; it needs a 'year' dimension")
    try:
        return x.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must be numeric: {exc}") from None


def series_label(da: xr.DataArray, index: tuple[int, ...], dims: tuple[str, ...]) -> str:
    """Describe the element ``index`` (positions along ``dims``) as 'city 'x', year 2000'."""
    parts = []
    for d, i in zip(dims, index, strict=True):
        val = da[d].values[i] if d in da.coords else i
        val = val.item() if hasattr(val, "item") else val
        parts.append(f"{d} {val!r}" if d != "year" else f"year {val}")
    return ", ".join(parts)


def check_years(da: xr.DataArray, what: str) -> np.ndarray:
    """Check the ``year`` coordinate is integer, increasing and without gaps; return it."""
    if "year" not in da.coords:
        raise DataError(f"{what} needs a 'year' coordinate")
    years = np.asarray(da["year"].values)
    if years.size == 0:
        raise DataError(f"{what} has no years")
    if not np.issubdtype(years.dtype, np.integer):
        if not np.all(np.equal(np.mod(years, 1), 0)):
            raise DataError(f"{what}: the year coordinate must hold whole years, got {years[:5]}...")
        years = years.astype(int)
    step = np.diff(years)
    if np.any(step <= 0):
        raise DataError(f"{what}: years must be strictly increasing; sort by year and drop duplicates")
    if np.any(step != 1):
        k = int(np.argmax(step != 1))
        raise DataError(
            f"{what}: year {years[k] + 1} is missing (series jumps from {years[k]} to {years[k + 1]}); "
            "add the year (NaN values can then be interpolated with interpolate=True)"
        )
    return years


def check_positive_for_log(da: xr.DataArray, what: str) -> None:
    """Raise :class:`MethodError` naming the first cell where ``da`` <= 0 or NaN (log undefined)."""
    v = np.asarray(da.values, dtype=float)
    bad = ~(v > 0)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise MethodError(
            f"{what} must be > 0 to take logs, but is {v[idx]} at {series_label(da, idx, da.dims)}; "
            "drop or correct the observation"
        )
