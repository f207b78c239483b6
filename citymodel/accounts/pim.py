"""Perpetual inventory method (PIM): capital stocks from investment flows.

``K_t = (1 - δ) K_{t-1} + I_t / P_t`` (end-of-year timing) or, with ``timing="midyear"``,
``K_t = (1 - δ) K_{t-1} + (1 - δ/2) I_t / P_t`` (OECD 2009, *Measuring Capital*, ch. 6).
Series are xarray DataArrays with a ``year`` dimension and any other dimensions
(``city``/``region``, ``asset``); each series starts at its first non-NaN year, so regions that
appear later (e.g. Chongqing from 1996) are handled without special cases.

:func:`zhang_capital_stock` reproduces the Chinese provincial convention of Zhang, Wu & Zhang
(2004) as implemented in the CHNCapitalStock R package (``CompK_ZJ``), including its un-rebased
initial stock and the Chongqing rule.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from ..errors import DataError, MethodError, SpecError, unknown_name
from ._common import as_dataarray, check_years, series_label

__all__ = [
    "DEPRECIATION_DEFAULTS",
    "DEPRECIATION_SOURCES",
    "ZHANG_DELTA",
    "ZHANG_CHONGQING_K1996",
    "depreciation_rates",
    "perpetual_inventory",
    "zhang_capital_stock",
]

#: Default geometric depreciation rates by asset (see :data:`DEPRECIATION_SOURCES`).
DEPRECIATION_DEFAULTS: dict[str, float] = {
    "ict_hardware": 0.315,
    "software": 0.315,
    "communication": 0.115,
    "non_ict": 0.096,
}
#: Where each default comes from (METHODS.md §9.3; commonly cited values).
DEPRECIATION_SOURCES: dict[str, str] = {
    "ict_hardware": "EU KLEMS/OECD harmonised IT hardware, O'Mahony & Timmer (2009) EJ 119:F374; "
                    "Schreyer (2002) RIW 48:15",
    "software": "EU KLEMS/OECD harmonised software, O'Mahony & Timmer (2009); Schreyer (2002)",
    "communication": "EU KLEMS/OECD harmonised communication equipment, O'Mahony & Timmer (2009)",
    "non_ict": "China all-asset rate 9.6%, Zhang, Wu & Zhang (2004) 经济研究 no.10",
}
#: Zhang et al. (2004) depreciation rate for Chinese provincial capital.
ZHANG_DELTA = 0.096
#: Chongqing's 1996 stock in CHNCapitalStock: 1090 · 313 / 850 (split off Sichuan's stock).
ZHANG_CHONGQING_K1996 = 1090 * 313 / 850

K0_METHODS = ("harberger", "ratio", "user")
TIMINGS = ("end", "midyear")


def depreciation_rates(**overrides: float) -> dict[str, float]:
    """Return the asset depreciation rates: the defaults with named overrides.

    Parameters
    ----------
    **overrides : float
        ``asset=rate`` pairs; each rate must lie in (0, 1). New asset names are allowed.

    Examples
    --------
    >>> depreciation_rates(software=0.33)["software"]
    0.33
    """
    out = dict(DEPRECIATION_DEFAULTS)
    for k, v in overrides.items():
        out[k] = _check_delta(v, f"depreciation rate of {k!r}")
    return out


def _check_delta(d, what: str = "depreciation rate"):
    a = np.asarray(d, dtype=float)
    if not np.all((a > 0) & (a < 1)):
        bad = a[~((a > 0) & (a < 1))].ravel()[0]
        raise SpecError(f"{what} must lie in (0, 1), got {bad}; give rates as fractions (9.6% -> 0.096)")
    return float(a) if a.ndim == 0 else a


def _delta_array(delta, inv: xr.DataArray) -> xr.DataArray:
    if isinstance(delta, Mapping):
        if "asset" not in inv.dims:
            raise SpecError("delta given per asset but the investment has no 'asset' dimension")
        assets = [a.item() if hasattr(a, "item") else a for a in inv["asset"].values]
        missing = [a for a in assets if a not in delta]
        if missing:
            raise SpecError(f"no depreciation rate for asset(s) {missing}; give delta={{asset: rate}} for each")
        d = xr.DataArray([float(delta[a]) for a in assets], dims="asset", coords={"asset": inv["asset"].values})
    elif isinstance(delta, xr.DataArray):
        d = delta.astype(float)
    else:
        d = xr.DataArray(float(delta))
    _check_delta(d.values)
    if "year" in d.dims:
        raise SpecError("delta may not vary by year in this implementation; give one rate per series/asset")
    return d


def perpetual_inventory(
    investment: xr.DataArray,
    deflator: xr.DataArray | None = None,
    *,
    delta: float | Mapping[str, float] | xr.DataArray = ZHANG_DELTA,
    k0_method: str = "harberger",
    k0: float | xr.DataArray | None = None,
    ratio: float = 0.10,
    growth_years: int = 5,
    timing: str = "end",
    interpolate: bool = False,
    allow_negative: bool = False,
) -> xr.DataArray:
    """Capital stock by the perpetual inventory method.

    ``K_t = (1 - δ) K_{t-1} + I_t / P_t`` (``timing="end"``) or
    ``K_t = (1 - δ) K_{t-1} + (1 - δ/2) I_t / P_t`` (``timing="midyear"``), with initial stock
    at each series' first year ``t0``:

    * ``harberger``: ``K_t0 = (I_t0/P_t0) / (g + δ)``, g = mean growth rate of real investment
      over the first ``growth_years`` years (Harberger 1978; Hall & Jones 1999 QJE 114:83);
    * ``ratio``: ``K_t0 = (I_t0/P_t0) / ratio`` (Young 2003; Zhang et al. 2004 use 0.10);
    * ``user``: ``K_t0 = k0``.

    Parameters
    ----------
    investment : DataArray
        Nominal investment with a ``year`` dimension (plus e.g. ``city``, ``asset``). Leading
        NaN years mean "series starts later"; NaN after the start is a gap (an error unless
        ``interpolate=True``, which interpolates linearly in time).
    deflator : DataArray, optional
        Investment price index P_t (broadcast against ``investment``); default 1 (real data).
    delta : float, mapping asset -> rate, or DataArray
        Geometric depreciation rate(s) in (0, 1). See :data:`DEPRECIATION_DEFAULTS`.
    k0_method, k0, ratio, growth_years, timing, interpolate
        As described above.
    allow_negative : bool
        Keep negative investment (default: raise :class:`DataError` naming the series and year).

    Returns
    -------
    DataArray of capital stocks in constant prices of the deflator's base year.

    Examples
    --------
    >>> inv = xr.DataArray([10.0, 10.0, 10.0], dims="year", coords={"year": [2000, 2001, 2002]})
    >>> perpetual_inventory(inv, delta=0.1, k0_method="ratio").values.round(2).tolist()
    [100.0, 100.0, 100.0]
    """
    inv = as_dataarray(investment, "investment")
    years = check_years(inv, "investment")
    if k0_method not in K0_METHODS:
        raise unknown_name("k0 method", k0_method, K0_METHODS)
    if timing not in TIMINGS:
        raise unknown_name("timing", timing, TIMINGS)
    d = _delta_array(delta, inv)
    if deflator is not None:
        P = as_dataarray(deflator, "deflator")
        if not np.all(np.asarray(P.values)[np.isfinite(P.values)] > 0):
            raise DataError("deflator must be > 0 wherever given")
        real = inv / P
    else:
        real = inv
    bad = np.asarray(inv.values) < 0
    if bad.any() and not allow_negative:
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise DataError(f"investment is negative ({inv.values[idx]}) at {series_label(inv, idx, inv.dims)}; "
                        "investment flows must be >= 0 (or pass allow_negative=True)")
    other = [x for x in real.dims if x != "year"]
    real = real.transpose(*other, "year")
    d = d.broadcast_like(real.isel(year=0, drop=True)).transpose(*other) if d.dims or other else d
    R = np.array(real.values, dtype=float)
    D = np.broadcast_to(np.asarray(d.values, dtype=float), R.shape[:-1])
    fin = np.isfinite(R)
    started = np.cumsum(fin, axis=-1) > 0
    rest = np.cumsum(fin[..., ::-1], axis=-1)[..., ::-1] > 0
    gaps = started & ~fin
    if gaps.any():
        if not interpolate:
            idx = tuple(int(i) for i in np.argwhere(gaps)[0])
            label = series_label(real, idx, real.dims)
            raise DataError(f"investment (or deflator) is missing at {label}; fill it, or pass "
                            "interpolate=True to interpolate linearly within the series")
        if (gaps & ~rest).any():
            idx = tuple(int(i) for i in np.argwhere(gaps & ~rest)[0])
            raise DataError(f"cannot interpolate the trailing missing value at "
                            f"{series_label(real, idx, real.dims)}; drop the year or fill it")
        R = np.array(real.interpolate_na("year", method="linear").values, dtype=float)
    if not started[..., -1].all():
        idx = tuple(int(i) for i in np.argwhere(~started[..., -1])[0]) + (0,)
        raise DataError(f"investment is all missing for {series_label(real, idx[:-1], real.dims[:-1])}")
    first = np.argmax(started, axis=-1)
    I0 = np.take_along_axis(R, first[..., None], axis=-1)[..., 0]
    if k0_method == "ratio":
        if not ratio > 0:
            raise SpecError(f"ratio must be > 0, got {ratio}")
        K0 = I0 / ratio
    elif k0_method == "user":
        if k0 is None:
            raise SpecError("k0_method='user' needs k0= (initial stock, broadcastable to the series)")
        if isinstance(k0, xr.DataArray):
            K0v = k0.astype(float).broadcast_like(real.isel(year=0, drop=True)).transpose(*other).values
        else:
            K0v = k0
        K0 = np.broadcast_to(np.asarray(K0v, dtype=float), I0.shape).copy()
    else:
        if growth_years < 1:
            raise SpecError(f"growth_years must be >= 1, got {growth_years}")
        pos = first[..., None] + np.arange(growth_years + 1)
        if np.any(pos >= R.shape[-1]):
            raise DataError(f"harberger initial stock needs {growth_years + 1} years of investment; "
                            "lower growth_years or use k0_method='ratio'")
        w = np.take_along_axis(R, pos, axis=-1)
        if np.any(w <= 0):
            raise MethodError("harberger initial stock needs positive investment in the first years")
        g = np.mean(w[..., 1:] / w[..., :-1] - 1, axis=-1)
        if np.any(g + D <= 0):
            raise MethodError("harberger initial stock undefined: early investment growth g <= -δ; "
                              "use k0_method='ratio' or 'user'")
        K0 = I0 / (g + D)
    inflow = R * (1 - D[..., None] / 2) if timing == "midyear" else R
    K = np.full(R.shape, np.nan)
    prev = np.full(R.shape[:-1], np.nan)
    for t in range(R.shape[-1]):
        cur = np.where(first == t, K0, (1 - D) * prev + inflow[..., t])
        cur = np.where(started[..., t], cur, np.nan)
        K[..., t] = cur
        prev = cur
    out = xr.DataArray(K, dims=real.dims, coords=real.coords, name="capital_stock")
    out["year"] = years
    out.attrs.update(method="perpetual inventory", k0_method=k0_method, timing=timing,
                     reference="OECD (2009) Measuring Capital")
    return out.transpose(*investment.dims)


def zhang_capital_stock(
    investment: xr.DataArray,
    price: xr.DataArray,
    *,
    base_year: int = 1952,
    delta: float = ZHANG_DELTA,
    initial: Mapping[str, tuple[int, float]] | None = None,
    rebase_from: Mapping[str, str] | None = None,
    dim: str = "prv",
    allow_negative: bool = False,
) -> xr.DataArray:
    """Chinese provincial capital stocks, Zhang, Wu & Zhang (2004) convention (CHNCapitalStock ``CompK_ZJ``).

    ``P'_t = P_t / P_base_year``, ``K_first = I_first / 0.1`` (**not** rebased, as in the package),
    ``K_t = (1 - δ) K_{t-1} + I_t / P'_t``. Chongqing (from 1996) starts from
    ``K_1996 = 1090·313/850`` and, when ``base_year < 1996``, is rebased with Sichuan's price index.

    Parameters
    ----------
    investment : DataArray (``dim`` × year)
        固定资本形成总额, current prices (亿元). NaN before a province's first year.
    price : DataArray (``dim`` × year)
        Fixed-asset investment price index (1952 = 1).
    base_year : int
        Price base of the result.
    delta : float
        Depreciation rate, default 0.096.
    initial : mapping name -> (year, K)
        Initial stocks overriding ``I/0.1``; default ``{"chongqing": (1996, 1090*313/850)}``.
    rebase_from : mapping name -> name
        Province whose price index rebases another's when the base year precedes its first
        year; default ``{"chongqing": "sichuan"}``.
    dim : str
        Name of the province dimension.
    allow_negative : bool
        Keep negative investment (default: raise :class:`DataError` naming province and year).

    Returns
    -------
    DataArray (``dim`` × year) of capital stocks, 亿元 at ``base_year`` prices.

    References
    ----------
    张军、吴桂英、张吉鹏 (2004) 经济研究 no.10; Zhang (2008) JCEBS 6(2):177; Chen, CHNCapitalStock 0.1.1.
    """
    _check_delta(delta)
    initial = {"chongqing": (1996, ZHANG_CHONGQING_K1996)} if initial is None else dict(initial)
    rebase_from = {"chongqing": "sichuan"} if rebase_from is None else dict(rebase_from)
    inv = as_dataarray(investment, "investment").transpose(dim, "year")
    P = as_dataarray(price, "price").transpose(dim, "year").reindex_like(inv)
    years = check_years(inv, "investment")
    if base_year not in years:
        raise SpecError(f"base_year {base_year} is outside the data years {years[0]}-{years[-1]}")
    names = [str(v) for v in inv[dim].values]
    Pb = P.sel(year=base_year).values.copy()
    for i, n in enumerate(names):
        if not np.isfinite(Pb[i]):
            src = rebase_from.get(n)
            if src is None or src not in names:
                raise DataError(f"no price index for {dim} {n!r} in base year {base_year}; "
                                f"give rebase_from={{{n!r}: <province>}}")
            Pb[i] = Pb[names.index(src)]
    Preb = P / xr.DataArray(Pb, dims=dim, coords={dim: inv[dim].values})
    real = (inv / Preb).values
    I_raw = inv.values
    K = np.full(real.shape, np.nan)
    for i, n in enumerate(names):
        ok = np.isfinite(real[i])
        if not ok.any():
            raise DataError(f"investment of {dim} {n!r} is all missing")
        t0 = int(np.argmax(ok))
        if not ok[t0:].all():
            t = t0 + int(np.argmax(~ok[t0:]))
            raise DataError(f"investment or price missing for {dim} {n!r}, year {years[t]}; fill it first")
        if not allow_negative and np.any(I_raw[i, t0:] < 0):
            t = t0 + int(np.argmax(I_raw[i, t0:] < 0))
            raise DataError(f"investment is negative for {dim} {n!r}, year {years[t]} "
                            f"({I_raw[i, t]}); correct it, or pass allow_negative=True to keep it "
                            "(the CHNCapitalStock reference keeps Fujian's negative 1967-68 values)")
        if n in initial:
            y0, k_init = initial[n]
            if y0 not in years or not ok[list(years).index(y0)]:
                raise DataError(f"initial year {y0} of {dim} {n!r} has no data")
            t0 = list(years).index(y0)
        else:
            k_init = I_raw[i, t0] / 0.1
        K[i, t0] = k_init
        for t in range(t0 + 1, len(years)):
            K[i, t] = (1 - delta) * K[i, t - 1] + real[i, t]
    out = xr.DataArray(K, dims=(dim, "year"), coords={dim: inv[dim].values, "year": years},
                       name="capital_stock",
                       attrs={"units": f"亿元, constant {base_year} prices", "delta": delta,
                              "convention": "Zhang et al. (2004) / CHNCapitalStock CompK_ZJ"})
    return out
