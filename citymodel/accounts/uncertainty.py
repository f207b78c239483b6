"""Monte Carlo uncertainty bands for digital-economy accounts.

Each scenario draws the ICT depreciation rate δ_ICT, the non-ICT rate δ_N, the ICT relative price
drift (the ICT deflator ``P_ICT,t = exp(drift · (t − t0))``, Schreyer 2002) and the source of the
ICT output share (two-way fixed-effects Cobb-Douglas elasticity or Hall-Jorgenson income share),
then rebuilds ``K_ICT``, ``K_N`` by the perpetual inventory method and the accounts

``ID = s_ICT · (Y − DI)``, ``DE = DI + ID``, ``DE/GDP``, ``CR = ΔDE/ΔGDP``.

Draws use a Latin hypercube from :mod:`citymodel.uncertainty.sampling` with an explicit seed.
PIM and the fixed-effects regressions are vectorised over scenarios (balanced panels).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..errors import DataError, SpecError, unknown_name
from ..uncertainty.sampling import latin_hypercube
from .digital_economy import de_accounts, ict_income_share, user_cost
from .pim import _check_delta, perpetual_inventory

__all__ = ["ELASTICITY_SOURCES", "twoway_elasticities", "de_monte_carlo", "de_bands"]

ELASTICITY_SOURCES = ("cd_fe", "income_share")


def twoway_elasticities(lny: np.ndarray, lnx: np.ndarray) -> np.ndarray:
    """Two-way fixed-effects OLS slopes for a balanced panel, batched over leading axes.

    ``lny`` has shape (..., city, year), ``lnx`` (..., city, year, k). Variables are demeaned by
    city and by year (``x_it − x̄_i· − x̄_·t + x̄``), which for balanced panels equals the
    least-squares dummy-variable estimator (Baltagi, ch. 3). Returns slopes of shape (..., k).
    """
    def within(a, city_ax, year_ax):
        return (a - a.mean(axis=city_ax, keepdims=True) - a.mean(axis=year_ax, keepdims=True)
                + a.mean(axis=(city_ax, year_ax), keepdims=True))
    yw = within(lny, -2, -1)
    xw = within(lnx, -3, -2)
    sh = xw.shape
    Xf = xw.reshape(*sh[:-3], sh[-3] * sh[-2], sh[-1])
    yf = yw.reshape(*sh[:-3], sh[-3] * sh[-2])
    XtX = np.einsum("...nk,...nl->...kl", Xf, Xf)
    Xty = np.einsum("...nk,...n->...k", Xf, yf)
    if np.any(np.linalg.matrix_rank(XtX) < sh[-1]):
        from ..errors import MethodError
        raise MethodError("collinear regressors after removing city and year effects")
    return np.linalg.solve(XtX, Xty[..., None])[..., 0]


def de_monte_carlo(
    panel: xr.Dataset,
    n: int = 100,
    *,
    delta_ict: tuple[float, float] = (0.20, 0.40),
    delta_n: tuple[float, float] = (0.05, 0.12),
    price_drift: tuple[float, float] = (-0.10, 0.0),
    sources: Sequence[str] = ELASTICITY_SOURCES,
    r: float = 0.04,
    k0_ratio_ict: float = 0.4,
    k0_ratio_n: float = 0.12,
    seed: int | np.random.Generator | None = 0,
) -> xr.Dataset:
    """Monte Carlo DE accounts over depreciation, ICT deflator and elasticity source.

    Parameters
    ----------
    panel : Dataset (city × year)
        ``I_ICT``, ``I_N`` (investment; I_ICT nominal, deflated by the drawn ICT deflator),
        ``L`` (labour), ``Y`` (GDP / total VA) and ``VA_ICT`` (DI), e.g. from
        :func:`~citymodel.accounts.synthetic.make_growth_panel`.
    n : int
        Number of scenarios.
    delta_ict, delta_n, price_drift : (low, high)
        Uniform ranges of δ_ICT, δ_N and the yearly log change of the ICT relative price.
    sources : sequence of {"cd_fe", "income_share"}
        ICT share sources sampled with equal probability.
    r : float
        Real rate of return in the user cost (income-share source).
    k0_ratio_ict, k0_ratio_n : float
        Initial-stock ratios (``K_0 = I_0/ratio``).
    seed : int or Generator

    Returns
    -------
    Dataset (scenario × city × year) with ``K_ICT``, ``ict_share``, ``ID``, ``DE``, ``de_share``
    and ``contribution``, plus per-scenario coordinates ``delta_ict``, ``delta_n``,
    ``price_drift``, ``source``.
    """
    need = ["I_ICT", "I_N", "L", "Y", "VA_ICT"]
    missing = [v for v in need if v not in panel.data_vars]
    if missing:
        raise DataError(f"panel lacks {missing}; it needs {need} over city x year")
    sources = list(sources)
    for s in sources:
        if s not in ELASTICITY_SOURCES:
            raise unknown_name("elasticity source", s, ELASTICITY_SOURCES)
    if not sources:
        raise SpecError("give at least one elasticity source")
    for lo_hi, what in ((delta_ict, "delta_ict"), (delta_n, "delta_n")):
        _check_delta(np.asarray(lo_hi), f"{what} range")
        if lo_hi[0] > lo_hi[1]:
            raise SpecError(f"{what} range must be (low, high), got {lo_hi}")
    if n < 1:
        raise SpecError(f"n must be >= 1, got {n}")
    p = panel[need].transpose("city", "year")
    if any(bool(p[v].isnull().any()) for v in need):
        raise DataError("panel has missing values; the Monte Carlo needs a balanced, complete panel")
    U = latin_hypercube(n, 4, seed=seed)
    d_ict = delta_ict[0] + U[:, 0] * (delta_ict[1] - delta_ict[0])
    d_n = delta_n[0] + U[:, 1] * (delta_n[1] - delta_n[0])
    drift = price_drift[0] + U[:, 2] * (price_drift[1] - price_drift[0])
    src = np.array(sources, dtype=object)[np.minimum((U[:, 3] * len(sources)).astype(int), len(sources) - 1)]
    sc = {"scenario": np.arange(n)}
    t = p["year"] - p["year"][0]
    P_ict = np.exp(xr.DataArray(drift, dims="scenario", coords=sc) * t)
    K_ict = perpetual_inventory(p.I_ICT.expand_dims(scenario=n).assign_coords(sc), P_ict,
                                delta=xr.DataArray(d_ict, dims="scenario", coords=sc),
                                k0_method="ratio", ratio=k0_ratio_ict)
    K_n = perpetual_inventory(p.I_N.expand_dims(scenario=n).assign_coords(sc),
                              delta=xr.DataArray(d_n, dims="scenario", coords=sc),
                              k0_method="ratio", ratio=k0_ratio_n)
    K_ict = K_ict.transpose("scenario", "city", "year")
    K_n = K_n.transpose("scenario", "city", "year")
    va_n = p.Y - p.VA_ICT
    if bool((va_n <= 0).any()):
        raise DataError("Y - VA_ICT must be > 0 (non-ICT value added)")
    lnx = np.stack([np.log(K_ict.values), np.log(K_n.values),
                    np.broadcast_to(np.log(p.L.values), K_ict.shape)], axis=-1)
    lny = np.broadcast_to(np.log(va_n.values), K_ict.shape)
    alpha = twoway_elasticities(lny, lnx)[:, 0]
    u = user_cost(P_ict.transpose("scenario", "year"),
                  xr.DataArray(d_ict, dims="scenario", coords=sc), r)
    inc = ict_income_share(K_ict.where(u.notnull()), va_n, u).clip(0, 1)
    share = xr.where(xr.DataArray(src == "cd_fe", dims="scenario", coords=sc),
                     xr.DataArray(alpha, dims="scenario", coords=sc).broadcast_like(inc), inc)
    share = share.transpose("scenario", "city", "year")
    ID = (share * va_n).rename("ID")
    acc = de_accounts(p.VA_ICT, ID, p.Y)
    out = xr.Dataset({"K_ICT": K_ict, "ict_share": share, "ID": acc.ID, "DE": acc.DE,
                      "de_share": acc.de_share, "contribution": acc.contribution})
    out = out.assign_coords(delta_ict=("scenario", d_ict), delta_n=("scenario", d_n),
                            price_drift=("scenario", drift), source=("scenario", src))
    out.attrs.update(n=n, r=r, note="ICT share source sampled per scenario; see coordinate 'source'")
    return out


def de_bands(mc: xr.Dataset, var: str = "de_share", q: Sequence[float] = (0.05, 0.5, 0.95)) -> xr.DataArray:
    """Quantile bands of ``var`` over scenarios (NaN scenarios, e.g. first-year growth, skipped)."""
    if var not in mc:
        raise DataError(f"{var!r} is not in the Monte Carlo output; choose one of {list(mc.data_vars)}")
    return mc[var].quantile(list(q), dim="scenario", skipna=True)
