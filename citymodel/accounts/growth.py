"""Growth accounting: Törnqvist decomposition of output growth into factor contributions and TFP.

``Δln Y_t = Σ_x v̄_x,t Δln X_t + Δln A_t`` with ``v̄_x,t = ½ (v_x,t + v_x,t−1)`` (two-period
average income shares, ``shares="income"``), or constant shares such as estimated elasticities
(``shares`` without a ``year`` dimension). TFP levels are ``A_t = exp(cumsum Δln A)``, rebased
to 1 in a chosen year. References: Solow (1957) REStat 39:312; Jorgenson & Griliches (1967);
Schreyer (2001) *OECD Productivity Manual*; METHODS.md §9.1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from ..errors import DataError, SpecError
from ._common import as_dataarray, check_positive_for_log, check_years, series_label

__all__ = ["labour_input", "growth_accounting", "solow_residual", "capital_services",
           "shares_from_elasticities"]


def labour_input(employment: xr.DataArray, hours: xr.DataArray | None = None,
                 quality: xr.DataArray | None = None) -> xr.DataArray:
    """Labour input ``L = employment × hours × quality`` (hours and quality optional).

    With PWT: ``labour_input(emp, avh, hc)`` (Feenstra, Inklaar & Timmer 2015). NaN hours or
    quality propagate (they are never silently replaced by 1).
    """
    L = as_dataarray(employment, "employment")
    if hours is not None:
        L = L * as_dataarray(hours, "hours")
    if quality is not None:
        L = L * as_dataarray(quality, "labour quality")
    return L.rename("labour")


def _factors(inputs) -> xr.DataArray:
    if isinstance(inputs, Mapping):
        if not inputs:
            raise DataError("inputs is empty; give at least one factor")
        return xr.concat([as_dataarray(v, f"input {k!r}") for k, v in inputs.items()],
                         dim=xr.DataArray(list(inputs), dims="factor", name="factor"))
    X = as_dataarray(inputs, "inputs")
    if "factor" not in X.dims:
        raise DataError("inputs must be a mapping factor -> DataArray or a DataArray with a 'factor' dim")
    return X


def growth_accounting(
    output: xr.DataArray,
    inputs: Mapping[str, xr.DataArray] | xr.DataArray,
    shares: Mapping[str, float | xr.DataArray] | xr.DataArray,
    *,
    average_shares: bool = True,
    base_year: int | None = None,
    share_tol: float = 1e-6,
) -> xr.Dataset:
    """Törnqvist growth accounting.

    ``Δln A_t = Δln Y_t − Σ_x v̄_x,t Δln X_t``, ``v̄_x,t = ½ (v_x,t + v_x,t−1)`` when the shares
    vary by year and ``average_shares`` (the Törnqvist index), else ``v_x,t``. Constant shares
    (no ``year`` dim, e.g. estimated output elasticities) are used as given.

    Parameters
    ----------
    output : DataArray (…, year)
        Real output Y.
    inputs : mapping factor -> DataArray, or DataArray with a ``factor`` dim
        Real factor inputs (capital services per asset, labour = hours × quality, …).
    shares : mapping factor -> share, or DataArray with a ``factor`` dim
        Factor income shares (or elasticities). They must sum to one over factors
        (within ``share_tol``); for non-constant returns add the remainder as a factor yourself.
    average_shares : bool
        Use two-period average shares (Törnqvist); False uses current-period shares.
    base_year : int, optional
        TFP level is 1 in this year (default: first year).

    Returns
    -------
    Dataset with ``dlnY``, ``dlnX`` (factor), ``share`` (factor, the shares used),
    ``contribution`` (factor; v̄ Δln X), ``dlnTFP`` and ``tfp`` (level). Growth variables are
    NaN in the first year.

    Examples
    --------
    >>> yr = {"year": [0, 1]}
    >>> Y = xr.DataArray([1.0, np.e ** 0.05], dims="year", coords=yr)
    >>> K = xr.DataArray([1.0, np.e ** 0.03], dims="year", coords=yr)
    >>> L = xr.DataArray([1.0, 1.0], dims="year", coords=yr)
    >>> r = growth_accounting(Y, {"K": K, "L": L}, {"K": 1 / 3, "L": 2 / 3})
    >>> round(float(r.dlnTFP[1]), 4)
    0.04
    """
    Y = as_dataarray(output, "output")
    years = check_years(Y, "output")
    X = _factors(inputs)
    if isinstance(shares, Mapping):
        missing = [f for f in X["factor"].values if f not in shares]
        if missing:
            raise SpecError(f"no share for factor(s) {missing}; give one share per input")
        S = xr.concat([xr.DataArray(shares[f]).astype(float) if not isinstance(shares[f], xr.DataArray)
                       else shares[f].astype(float) for f in X["factor"].values],
                      dim=xr.DataArray(list(X["factor"].values), dims="factor", name="factor"))
    elif isinstance(shares, xr.DataArray) and "factor" in shares.dims:
        S = shares.astype(float)
    else:
        raise SpecError("shares must be a mapping factor -> share or a DataArray with a 'factor' dim")
    check_positive_for_log(Y.where(Y.notnull(), 1.0), "output")
    check_positive_for_log(X.where(X.notnull(), 1.0), "input")
    tot = S.sum("factor", skipna=False)
    off = np.abs(np.asarray(tot.values) - 1) > share_tol
    if np.any(off & np.isfinite(tot.values)):
        idx = tuple(int(i) for i in np.argwhere(off & np.isfinite(tot.values))[0])
        where = series_label(tot, idx, tot.dims) if tot.dims else "all observations"
        raise DataError(f"factor shares sum to {np.asarray(tot.values)[idx]:.6g}, not 1, at {where}; "
                        "rescale them or add the missing factor (e.g. profits/land)")
    dlnY = np.log(Y).diff("year")
    dlnX = np.log(X).diff("year")
    if "year" in S.dims and average_shares:
        Sbar = 0.5 * (S + S.shift(year=1)).isel(year=slice(1, None))
    elif "year" in S.dims:
        Sbar = S.isel(year=slice(1, None))
    else:
        Sbar = S
    contrib = Sbar * dlnX
    dlnA = dlnY - contrib.sum("factor", skipna=False)
    full = {"year": years}
    dlnA = dlnA.reindex(full)
    by = years[0] if base_year is None else base_year
    if by not in years:
        raise SpecError(f"base_year {by} is outside the data years {years[0]}-{years[-1]}")
    cum = dlnA.fillna(0).cumsum("year")
    # a level only where the chain of growth rates to the base year is unbroken
    gaps = (dlnA.isnull() & (dlnA["year"] != years[0])).cumsum("year")
    lvl = np.exp(cum - cum.sel(year=by)).where(gaps == gaps.sel(year=by))
    return xr.Dataset({
        "dlnY": dlnY.reindex(full), "dlnX": dlnX.reindex(full),
        "share": Sbar.reindex(full) if "year" in Sbar.dims else Sbar,
        "contribution": contrib.reindex(full), "dlnTFP": dlnA, "tfp": lvl,
    }, attrs={"method": "Törnqvist growth accounting", "average_shares": int(average_shares),
              "base_year": int(by), "reference": "Solow (1957); Schreyer (2001) OECD Productivity Manual"})


def solow_residual(q: xr.DataArray, k: xr.DataArray, capital_share: float | xr.DataArray) -> xr.DataArray:
    """Solow's (1957) discrete technical-change index from output and capital per man-hour.

    ``ΔA/A = Δq/q − w_k Δk/k``, ``A_t = A_{t−1}(1 + ΔA/A)``, ``A_first = 1``.

    References
    ----------
    Solow, R. (1957) "Technical change and the aggregate production function", REStat 39(3):312–320.
    """
    q = as_dataarray(q, "q")
    k = as_dataarray(k, "k")
    check_years(q, "q")
    w = capital_share if isinstance(capital_share, xr.DataArray) else xr.DataArray(float(capital_share))
    if np.any((np.asarray(w.values) <= 0) | (np.asarray(w.values) >= 1)):
        raise DataError("capital_share must lie in (0, 1)")
    gq = q.diff("year") / q.shift(year=1).isel(year=slice(1, None))
    gk = k.diff("year") / k.shift(year=1).isel(year=slice(1, None))
    if "year" in w.dims:
        w = w.isel(year=slice(1, None))
    gA = gq - w * gk
    A = (1 + gA).cumprod("year")
    first = xr.ones_like(q.isel(year=[0]))
    return xr.concat([first, A], dim="year").rename("A")


def capital_services(stocks: xr.DataArray, ucost: xr.DataArray, *, asset_dim: str = "asset",
                     base_year: int | None = None) -> xr.DataArray:
    """Törnqvist aggregate of capital services over assets, with user-cost weights.

    ``Δln K_t = Σ_k w̄_k,t Δln K_k,t``, ``w_k = u_k K_k / Σ_j u_j K_j``, ``w̄`` the two-period
    average (Jorgenson, Ho & Stiroh 2005; METHODS.md §9.1). Stock weights would understate the
    fast-depreciating ICT assets. Returns the index (1 in ``base_year``, default first year).
    """
    K = as_dataarray(stocks, "capital stocks")
    years = check_years(K, "capital stocks")
    if asset_dim not in K.dims:
        raise DataError(f"capital stocks need an {asset_dim!r} dimension")
    check_positive_for_log(K.where(K.notnull(), 1.0), "capital stock")
    val = ucost * K
    if bool((val < 0).any()):
        raise DataError("user cost x stock is negative somewhere; check the user cost (r, δ, price changes)")
    w = val / val.sum(asset_dim)
    wbar = 0.5 * (w + w.shift(year=1))
    dln = (wbar * np.log(K).diff("year")).sum(asset_dim, skipna=False).reindex(year=years)
    by = years[0] if base_year is None else base_year
    cum = dln.fillna(0).cumsum("year")
    return np.exp(cum - cum.sel(year=by)).rename("capital_services")


def shares_from_elasticities(result, factors: Mapping[str, str] | None = None) -> dict[str, float]:
    """Constant factor shares from an estimated production function (``ProductionResult``).

    ``factors`` maps input names of the regression to factor names (default: identity). The
    elasticities must sum to one (estimate with ``crs=True``), otherwise :func:`growth_accounting`
    would attribute returns to scale to TFP inconsistently; a :class:`DataError` says so.
    """
    names = list(result.inputs)
    factors = {n: n for n in names} if factors is None else dict(factors)
    out = {factors[n]: float(result.params[n]) for n in names}
    tot = sum(out.values())
    if abs(tot - 1) > 1e-6:
        raise DataError(f"estimated elasticities sum to {tot:.4f}, not 1; re-estimate with crs=True "
                        "or use income shares")
    return out
