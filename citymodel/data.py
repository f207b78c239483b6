"""The labelled data model: indicator data as ``xarray.DataArray`` (city x indicator).

Dimensions are ``city`` and ``indicator`` (optionally ``year``). City metadata (province,
region, English name, ...) are coordinates on ``city``; indicator metadata (direction,
unit, source) are coordinates on ``indicator``. Provenance lives in ``attrs``; synthetic
data carry ``attrs["synthetic"] = 1`` and say so in their ``title``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from .errors import DataError
from .framework import Framework

__all__ = ["indicator_data", "validate_data", "is_synthetic"]


def indicator_data(
    values: pd.DataFrame | np.ndarray,
    *,
    cities: Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    framework: Framework | None = None,
    city_coords: pd.DataFrame | Mapping[str, Sequence] | None = None,
    attrs: Mapping | None = None,
) -> xr.DataArray:
    """Wrap a city x indicator table as a validated, labelled ``DataArray``.

    Parameters
    ----------
    values : DataFrame or 2-D array
        Rows are cities, columns indicators. A DataFrame supplies the labels itself.
    cities, indicators : sequences of str, optional
        Labels when ``values`` is an array.
    framework : Framework, optional
        If given, the columns must be exactly its indicators (order follows the framework)
        and ``direction``/``unit``/``source`` coordinates are taken from it.
    city_coords : DataFrame or mapping, optional
        Extra per-city coordinates (e.g. ``province``, ``region``, ``city_en``).
    attrs : mapping, optional
        Provenance and other attributes.

    Examples
    --------
    >>> da = indicator_data(np.array([[1.0, 2.0], [3.0, 4.0]]), cities=["A", "B"],
    ...                     indicators=["x", "y"])
    >>> da.dims
    ('city', 'indicator')
    """
    if isinstance(values, pd.DataFrame):
        df = values
    else:
        arr = np.asarray(values)
        if arr.ndim != 2:
            raise DataError(f"indicator data must be 2-D (city x indicator); got shape {arr.shape}")
        df = pd.DataFrame(arr, index=cities, columns=indicators)
    df = df.copy()
    df.index = [str(c) for c in df.index]
    df.columns = [str(c) for c in df.columns]
    if framework is not None:
        framework.check_indicators(df.columns)
        df = df[framework.indicators]
    da = xr.DataArray(
        _numeric(df),
        dims=("city", "indicator"),
        coords={"city": np.array(df.index, dtype=object), "indicator": np.array(df.columns, dtype=object)},
        name="value",
        attrs=dict(attrs or {}),
    )
    if framework is not None:
        da = da.assign_coords(
            direction=("indicator", [framework[i].direction for i in df.columns]),
            unit=("indicator", np.array([framework[i].unit for i in df.columns], dtype=object)),
            source=("indicator", np.array([framework[i].source for i in df.columns], dtype=object)),
        )
    if city_coords is not None:
        cc = pd.DataFrame(city_coords)
        if isinstance(city_coords, pd.DataFrame) and not isinstance(cc.index, pd.RangeIndex):
            cc = cc.reindex([str(c) for c in df.index])
        if len(cc) != len(df):
            raise DataError(f"city_coords has {len(cc)} rows but the data have {len(df)} cities")
        for col in cc.columns:
            v = cc[col].to_numpy()
            da = da.assign_coords({str(col): ("city", v.astype(object) if v.dtype.kind in "OUT" else v)})
    return validate_data(da, framework)


def _numeric(df: pd.DataFrame) -> np.ndarray:
    out = np.empty(df.shape, dtype=float)
    for j, col in enumerate(df.columns):
        s = df[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[:, j] = s.to_numpy(dtype=float, na_value=np.nan)
            continue
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() & s.notna() & (s.astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"non-numeric value {s.iloc[i]!r} in column {col!r}, row {i + 1} (city "
                f"{df.index[i]!r}); indicator cells must be numbers or empty (missing)"
            )
        out[:, j] = num.to_numpy(dtype=float, na_value=np.nan)
    return out


def validate_data(da: xr.DataArray, framework: Framework | None = None) -> xr.DataArray:
    """Check a city x indicator ``DataArray``; return it unchanged or raise :class:`DataError`.

    Checks: dims include ``city`` and ``indicator``; not empty; unique city and indicator
    labels; numeric values; no +-Inf; if ``framework`` is given, the indicators match it.
    Missing values (NaN) are allowed here: later steps decide (impute or error).
    """
    if not isinstance(da, xr.DataArray):
        raise DataError(f"expected an xarray.DataArray, got {type(da).__name__}")
    for d in ("city", "indicator"):
        if d not in da.dims:
            raise DataError(f"indicator data need a {d!r} dimension; got dims {da.dims}")
    if da.sizes["city"] == 0 or da.sizes["indicator"] == 0:
        raise DataError(
            f"indicator data are empty ({da.sizes['city']} cities x {da.sizes['indicator']} indicators)"
        )
    for d in ("city", "indicator"):
        labels = pd.Index(da[d].to_numpy())
        dup = labels[labels.duplicated()].unique().tolist()
        if dup:
            raise DataError(
                f"duplicate {d} names: {dup[:10]}; every {d} must appear once (rename or merge the rows)"
            )
    if not np.issubdtype(da.dtype, np.number):
        raise DataError(f"indicator data must be numeric, got dtype {da.dtype}")
    inf = np.isinf(da.values)
    if inf.any():
        c = da.transpose("city", "indicator", ...)
        idx = np.argwhere(np.isinf(c.values))[0]
        raise DataError(
            f"+-Inf in city {c.city.values[idx[0]]!r}, indicator {c.indicator.values[idx[1]]!r}; "
            "replace it by a finite value or leave it missing (NaN)"
        )
    if framework is not None:
        framework.check_indicators(da.indicator.values.tolist())
    return da


def is_synthetic(obj) -> bool:
    """True if an xarray object is marked as synthetic data."""
    return bool(int(getattr(obj, "attrs", {}).get("synthetic", 0)))
