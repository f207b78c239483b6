"""Readers and writers: wide tables in; CSV and netCDF out.

* :func:`read_table` reads a wide CSV/Excel/parquet table (one row per city/unit, one
  column per indicator, plus a unit-code column) into a labelled ``DataArray``.
* :func:`read_framework` reads a framework from YAML or a COINr-style metadata table.
* :func:`write_csv` writes a wide table; :func:`to_netcdf` / :func:`read_netcdf` keep the
  framework (and any spec) in the file's attributes so the round trip is lossless.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .data import indicator_data
from .errors import CitymodelWarning, DataError, FrameworkError
from .framework import Framework

__all__ = ["read_table", "read_framework", "write_csv", "to_netcdf", "read_netcdf"]

UNIT_COLUMNS = ("uCode", "city", "unit", "code")


def _read_any(path: Path, sheet=0) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"data file {path} does not exist")
    suf = path.suffix.lower()
    try:
        if suf in (".csv", ".txt"):
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["", "NA", "NaN", "nan"])
        if suf in (".xlsx", ".xls"):
            return pd.read_excel(path, sheet_name=sheet)
        if suf in (".parquet", ".pq"):
            return pd.read_parquet(path)
    except (ValueError, OSError, ImportError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    raise DataError(f"unsupported file type {suf!r} for {path}; use .csv, .xlsx or .parquet")


def read_table(
    path: str | Path | pd.DataFrame,
    *,
    framework: Framework | None = None,
    unit_col: str | None = None,
    sheet: int | str = 0,
    extra: str = "coords",
) -> xr.DataArray:
    """Read a wide city x indicator table.

    Parameters
    ----------
    path : path or DataFrame
        ``.csv``, ``.xlsx``/``.xls`` or ``.parquet``.
    framework : Framework, optional
        If given, the framework's indicators are read as indicators (all must be present) and
        every other column is kept as a city coordinate (e.g. names, groups, denominators),
        never silently discarded. Without a framework, every column whose non-empty cells
        are mostly numeric is an indicator and the others become coordinates.
    unit_col : str, optional
        The unit-code column; default ``uCode`` if present, else the first column.
    extra : {"coords", "error"}
        What to do with non-indicator columns when a framework is given.

    Returns
    -------
    DataArray with dims (city, indicator) and ``attrs["source_file"]``.
    """
    if isinstance(path, pd.DataFrame):
        df, where = path.copy(), "table"
    else:
        p = Path(path)
        df, where = _read_any(p, sheet), str(p)
    if df.shape[0] == 0:
        raise DataError(f"{where} has no rows")
    if unit_col is None:
        unit_col = "uCode" if "uCode" in df.columns else df.columns[0]
    elif unit_col not in df.columns:
        raise DataError(f"{where} has no unit-code column {unit_col!r}; columns are {list(df.columns)}")
    codes = df[unit_col].astype(str).str.strip()
    if (df[unit_col].isna() | (codes == "")).any():
        i = int(np.flatnonzero((df[unit_col].isna() | (codes == "")).to_numpy())[0])
        raise DataError(f"{where}: row {i + 2} has an empty unit code in column {unit_col!r}")
    dup = codes[codes.duplicated()].unique().tolist()
    if dup:
        raise DataError(f"{where}: duplicate unit codes in column {unit_col!r}: {dup[:10]}; each city once")
    df = df.drop(columns=[unit_col])
    df.index = codes.to_numpy()
    if framework is not None:
        missing = [i for i in framework.indicators if i not in df.columns]
        if missing:
            raise FrameworkError(
                f"indicators of the framework missing from {where}: {missing}; add the columns "
                "or remove them from the framework"
            )
        others = [c for c in df.columns if c not in framework.indicators]
        if others and extra == "error":
            raise FrameworkError(f"{where} has columns that are not in the framework: {others}")
        ind_cols = framework.indicators
    else:
        ind_cols, others = [], []
        for c in df.columns:
            s = df[c]
            nonempty = s.notna() & (s.astype(str).str.strip() != "")
            share = pd.to_numeric(s[nonempty], errors="coerce").notna().mean() if nonempty.any() else 0
            (ind_cols if share >= 0.5 else others).append(c)
        if not ind_cols:
            raise DataError(f"{where} has no numeric indicator columns")
    coords = {}
    for c in others:
        num = pd.to_numeric(df[c], errors="coerce")
        coords[c] = num.to_numpy() if num.notna().sum() == df[c].notna().sum() else df[c].astype(object).to_numpy()
    numeric_others = [c for c in others if np.issubdtype(np.asarray(coords[c]).dtype, np.number)]
    if numeric_others and framework is not None:
        warnings.warn(
            f"{where}: numeric columns kept as city coordinates, not indicators: {numeric_others}",
            CitymodelWarning, stacklevel=2,
        )
    data = df[ind_cols].copy()
    data.index.name = None
    da = indicator_data(data, framework=framework, city_coords=coords or None,
                        attrs={"source_file": where})
    return da


def read_framework(path: str | Path) -> Framework:
    """Read a framework from ``.yaml``/``.yml``/``.json`` or a COINr-style ``.csv``/``.xlsx`` table."""
    p = Path(path)
    if not p.exists():
        raise FrameworkError(f"framework file {p} does not exist")
    if p.suffix.lower() in (".yaml", ".yml"):
        return Framework.from_yaml(p)
    if p.suffix.lower() == ".json":
        return Framework.from_json(p.read_text(encoding="utf-8"))
    return Framework.from_table(p)


def write_csv(da: xr.DataArray, path: str | Path, *, unit_col: str = "uCode",
              coords: bool = True) -> Path:
    """Write a (city, indicator) ``DataArray`` as a wide CSV with a unit-code column.

    With ``coords=True`` the per-city coordinates (names, province, region, ...) are written
    as extra columns after the unit code; :func:`read_table` reads them back as coordinates.
    """
    df = da.transpose("city", "indicator").to_pandas()
    df.index.name = unit_col
    df.columns.name = None
    if coords:
        extra = {c: da[c].values for c in da.coords if da[c].dims == ("city",) and c != "city"
                 and c not in df.columns}
        if extra:
            df = pd.concat([pd.DataFrame(extra, index=df.index), df], axis=1)
    p = Path(path)
    df.to_csv(p, encoding="utf-8")
    return p


def _attrs_to_netcdf(attrs: dict) -> dict:
    out = {}
    for k, v in attrs.items():
        if isinstance(v, Framework):
            out[k] = v.to_json()
            out[f"{k}__type"] = "Framework"
        elif isinstance(v, (dict, list, tuple)) or v is None or isinstance(v, bool):
            out[k] = json.dumps(v, ensure_ascii=False, default=str)
            out[f"{k}__type"] = "json"
        else:
            out[k] = v
    return out


def _attrs_from_netcdf(attrs: dict) -> dict:
    out = {}
    for k, v in attrs.items():
        if k.endswith("__type"):
            continue
        t = attrs.get(f"{k}__type")
        if t == "Framework":
            out[k] = Framework.from_json(v)
        elif t == "json":
            out[k] = json.loads(v)
        else:
            out[k] = v.item() if isinstance(v, np.generic) else v
    return out


def to_netcdf(obj: xr.DataArray | xr.Dataset, path: str | Path,
              framework: Framework | None = None) -> Path:
    """Write to netCDF (netCDF4 engine), keeping the framework and structured attrs.

    Attributes that are dicts/lists/bools/``Framework`` objects are stored as JSON text
    with a ``<name>__type`` tag and restored by :func:`read_netcdf`.
    """
    ds = obj.to_dataset(name=obj.name or "value") if isinstance(obj, xr.DataArray) else obj.copy()
    attrs = dict(obj.attrs)
    if framework is not None:
        attrs["framework"] = framework
    ds.attrs = _attrs_to_netcdf(attrs)
    if isinstance(obj, xr.DataArray):
        ds.attrs["__dataarray__"] = ds.attrs.get("__dataarray__", obj.name or "value")
    if isinstance(obj, xr.DataArray):
        ds[ds.attrs["__dataarray__"]].attrs = {}
    for name in list(ds.variables):
        ds[name].attrs = _attrs_to_netcdf(dict(ds[name].attrs))
        if ds[name].dtype == object:
            ds[name] = ds[name].astype(str)
    p = Path(path)
    ds.to_netcdf(p, engine="netcdf4")
    return p


def read_netcdf(path: str | Path) -> xr.DataArray | xr.Dataset:
    """Read a file written by :func:`to_netcdf`; the framework is back in ``attrs["framework"]``."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"netCDF file {p} does not exist")
    with xr.open_dataset(p, engine="netcdf4") as ds:
        ds = ds.load()
    for name in list(ds.variables):
        ds[name].attrs = _attrs_from_netcdf(dict(ds[name].attrs))
        if ds[name].dtype.kind in "UST":
            ds[name] = ds[name].astype(object)
    name = ds.attrs.get("__dataarray__")
    attrs = _attrs_from_netcdf({k: v for k, v in ds.attrs.items() if k != "__dataarray__"})
    if name is not None:
        da = ds[name]
        da.attrs = attrs
        return da
    ds.attrs = attrs
    return ds
