"""Digital-economy (DE) accounts: DE = digital industrialisation (DI) + industrial digitalisation (ID).

Following the CAICT framework (中国数字经济发展白皮书; METHODS.md §9.5):

* DI (数字产业化) = value added of the ICT industries, or gross output × value-added rate;
* ID (产业数字化) = Σ_sectors s_ICT,i · VA_i, where the ICT share s_ICT,i is either an estimated
  output elasticity of ICT capital (``source="elasticity"``) or the ICT capital income share
  ``u_ICT K_ICT / VA`` (``source="income_share"``; user cost of Hall & Jorgenson 1967), or
  user-given (``source="user"``). The source is an explicit choice and is stored in the output;
* headline ratios: DE/GDP, growth, contribution rate ``CR_t = ΔDE_t / ΔGDP_t`` (贡献率) and
  pull ``ΔDE_t / GDP_{t−1}`` (拉动).

Published estimates for the same year differ by a factor of ~3 (蔡跃洲、牛新星 2021 vs CAICT):
levels are never "CAICT-exact"; always report the share source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import DataError, SpecError, unknown_name
from ._common import series_label

__all__ = [
    "SHARE_SOURCES",
    "user_cost",
    "ict_income_share",
    "digital_industrialisation",
    "industrial_digitalisation",
    "de_accounts",
    "de_share_by_tier",
]

SHARE_SOURCES = ("elasticity", "income_share", "user")


def _da(x, what: str) -> xr.DataArray:
    if isinstance(x, xr.DataArray):
        return x.astype(float)
    if np.isscalar(x):
        return xr.DataArray(float(x))
    raise DataError(f"{what} must be an xarray.DataArray or a number; got {type(x).__name__}")


def _nonneg(x: xr.DataArray, what: str) -> None:
    v = np.asarray(x.values, dtype=float)
    bad = v < 0
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = series_label(x, idx, x.dims)
        raise DataError(f"{what} is negative ({v[idx]}) at {where or 'the given value'}; it must be >= 0")


def user_cost(price: xr.DataArray, delta: float | xr.DataArray, r: float | xr.DataArray = 0.04
              ) -> xr.DataArray:
    """Hall-Jorgenson user cost of capital per unit of real stock.

    ``u_t = p_{t−1} r_t + δ p_t − (p_t − p_{t−1})`` (first year NaN). Falling ICT prices raise the
    user cost above ``(r + δ) p``. Reference: Hall & Jorgenson (1967) AER 57:391; METHODS.md §9.4.
    """
    if "year" not in price.dims:
        raise DataError("price needs a 'year' dimension")
    d = _da(delta, "delta")
    if np.any((d.values <= 0) | (d.values >= 1)):
        raise SpecError("delta must lie in (0, 1)")
    p0 = price.shift(year=1)
    return (p0 * r + d * price - (price - p0)).rename("user_cost")


def ict_income_share(k_ict: xr.DataArray, value_added: xr.DataArray, ucost: xr.DataArray
                     ) -> xr.DataArray:
    """ICT capital income share ``s = u_ICT · K_ICT / VA`` (Jorgenson, Ho & Stiroh 2005)."""
    s = (ucost * k_ict / value_added).rename("ict_share")
    v = s.values[np.isfinite(s.values)]
    if np.any((v < 0) | (v > 1)):
        raise DataError("ICT income share outside [0, 1]: check units of K_ICT, VA and the user cost")
    return s


def digital_industrialisation(va_ict: xr.DataArray | None = None, *, output: xr.DataArray | None = None,
                              va_rate: float | xr.DataArray | None = None, sector_dim: str = "sector"
                              ) -> xr.DataArray:
    """DI = Σ ICT-sector value added, or Σ gross output × value-added rate (VA/GO from input-output tables).

    Sums over ``sector_dim`` when present. Exactly one of ``va_ict`` or (``output``, ``va_rate``).
    """
    if (va_ict is None) == (output is None):
        raise SpecError("give either va_ict, or output together with va_rate")
    if va_ict is not None:
        di = _da(va_ict, "va_ict")
        _nonneg(di, "ICT value added")
    else:
        if va_rate is None:
            raise SpecError("output needs va_rate (value added / gross output, from the input-output table)")
        rate = _da(va_rate, "va_rate")
        if np.any((rate.values <= 0) | (rate.values > 1)):
            raise SpecError("va_rate must lie in (0, 1]")
        go = _da(output, "output")
        _nonneg(go, "ICT gross output")
        di = go * rate
    if sector_dim in di.dims:
        di = di.sum(sector_dim, skipna=False)
    return di.rename("DI")


def industrial_digitalisation(value_added: xr.DataArray, ict_share: float | xr.DataArray, *,
                              source: str, sector_dim: str = "sector") -> xr.DataArray:
    """ID = Σ_i s_ICT,i · VA_i over the non-ICT sectors (variant A of METHODS.md §9.5).

    Parameters
    ----------
    value_added : DataArray
        VA of the non-ICT sectors (``sector_dim`` optional).
    ict_share : float or DataArray
        ICT share per sector (elasticity or income share), in [0, 1].
    source : {"elasticity", "income_share", "user"}
        Where the share comes from; mandatory and recorded in ``attrs["share_source"]``.
    """
    if source not in SHARE_SOURCES:
        raise unknown_name("ICT share source", source, SHARE_SOURCES)
    va = _da(value_added, "value_added")
    _nonneg(va, "sector value added")
    s = _da(ict_share, "ict_share")
    v = s.values[np.isfinite(s.values)]
    if np.any((v < 0) | (v > 1)):
        raise DataError(f"ICT share must lie in [0, 1]; got {v[(v < 0) | (v > 1)][0]}")
    out = va * s
    if sector_dim in out.dims:
        out = out.sum(sector_dim, skipna=False)
    out = out.rename("ID")
    out.attrs["share_source"] = source
    return out


def de_accounts(di: xr.DataArray, id_: xr.DataArray, gdp: xr.DataArray) -> xr.Dataset:
    """DE accounts and headline ratios.

    ``DE = DI + ID``; ``de_share = DE/GDP``; ``de_growth_t = DE_t/DE_{t−1} − 1``;
    ``contribution_t = (DE_t − DE_{t−1}) / (GDP_t − GDP_{t−1})`` (贡献率, NaN when ΔGDP = 0);
    ``pull_t = ΔDE_t / GDP_{t−1}`` (拉动). Growth ratios need a ``year`` dimension.

    Examples
    --------
    >>> yr = {"year": [2019, 2020]}
    >>> acc = de_accounts(xr.DataArray([10., 12.], dims="year", coords=yr),
    ...                   xr.DataArray([20., 24.], dims="year", coords=yr),
    ...                   xr.DataArray([100., 105.], dims="year", coords=yr))
    >>> acc.de_share.values.round(3).tolist(), float(acc.contribution[1])
    ([0.3, 0.343], 1.2)
    """
    di, id_, gdp = _da(di, "DI"), _da(id_, "ID"), _da(gdp, "GDP")
    g = np.asarray(gdp.values, dtype=float)
    if np.any(g[np.isfinite(g)] <= 0):
        raise DataError("GDP must be > 0")
    de = (di + id_).rename("DE")
    ds = xr.Dataset({"DI": di, "ID": id_, "DE": de, "GDP": gdp, "de_share": de / gdp})
    if "year" in de.dims:
        dde = de.diff("year")
        dgdp = gdp.diff("year")
        ds["de_growth"] = (de / de.shift(year=1) - 1)
        ds["contribution"] = (dde / dgdp.where(dgdp != 0)).reindex(year=de["year"])
        ds["pull"] = (dde / gdp.shift(year=1)).reindex(year=de["year"])
    ds.attrs["share_source"] = id_.attrs.get("share_source", "unspecified")
    ds.attrs["reference"] = "CAICT 中国数字经济发展白皮书; METHODS.md §9.5"
    return ds


def de_share_by_tier(h3c: xr.Dataset | None = None, gdp: pd.DataFrame | None = None) -> pd.DataFrame:
    """Seed figures: DE scale and DE/GDP by H3C tier (2020).

    ``mean_share`` is the mean of city ratios de_scale/GDP over cities with both values
    (the blue book's "first tier ≈ 52 %, new first tier ≈ 46 %"); ``pooled_share`` = Σ scale / Σ GDP
    over the same cities; ``mean_scale`` is over all cities with a scale. ``n_gdp`` says how many
    cities have GDP (the shipped GDP table covers 101 of 242).

    Defaults: :func:`citymodel.datasets.load_h3c2021` and :func:`citymodel.datasets.load_city_gdp`.
    """
    from .. import datasets

    h3c = datasets.load_h3c2021() if h3c is None else h3c
    gdp = datasets.load_city_gdp() if gdp is None else gdp
    df = h3c[["de_scale", "tier"]].to_dataframe().join(gdp["gdp_2020_yi"])
    df["ratio"] = df["de_scale"] / df["gdp_2020_yi"]
    both = df.dropna(subset=["de_scale", "gdp_2020_yi"])
    order = list(h3c["tier"].attrs.get("labels", pd.unique(df["tier"])))
    order = [t for t in order if t in set(df["tier"])] or list(pd.unique(df["tier"]))
    out = pd.DataFrame({
        "n_cities": df.groupby("tier")["tier"].size(),
        "n_scale": df.groupby("tier")["de_scale"].count(),
        "mean_scale": df.groupby("tier")["de_scale"].mean(),
        "n_gdp": both.groupby("tier")["ratio"].size(),
        "mean_share": both.groupby("tier")["ratio"].mean(),
        "pooled_share": both.groupby("tier")["de_scale"].sum() / both.groupby("tier")["gdp_2020_yi"].sum(),
    }).reindex(order)
    out["n_gdp"] = out["n_gdp"].fillna(0).astype(int)
    out.index.name = "tier"
    out.attrs.update(units="mean_scale: 亿元; shares: fraction of 2020 GDP", year=2020,
                     note="only cities with GDP enter the shares; see n_gdp")
    return out
