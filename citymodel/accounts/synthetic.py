"""Synthetic city panel with known production-function parameters (labelled SYNTHETIC).

Investment in ICT and non-ICT capital and employment follow city-specific random walks with
drift; capital stocks come from the perpetual inventory method (:func:`~citymodel.accounts.pim.perpetual_inventory`);
output is ``Y_it = exp(μ_i + τ_t) K_ICT^α K_N^β L^γ exp(ε_it)`` with city effects μ_i, year effects
τ_t (a common trend plus shocks) and i.i.d. normal ε. Regressors are independent of ε, so
two-way fixed-effects OLS is unbiased and its 95 % intervals should cover (α, β, γ) ≈ 95 % of the time.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import SpecError
from .pim import DEPRECIATION_DEFAULTS, perpetual_inventory

__all__ = ["make_growth_panel"]


def make_growth_panel(
    n_cities: int = 30,
    n_years: int = 15,
    *,
    alpha: float = 0.10,
    beta: float = 0.35,
    gamma: float = 0.55,
    tfp_growth: float = 0.02,
    sigma: float = 0.03,
    delta_ict: float = DEPRECIATION_DEFAULTS["ict_hardware"],
    delta_n: float = DEPRECIATION_DEFAULTS["non_ict"],
    start_year: int = 2005,
    seed: int | np.random.Generator | None = 0,
) -> xr.Dataset:
    """Generate a city × year panel with known α (ICT capital), β (non-ICT capital), γ (labour).

    Parameters
    ----------
    n_cities, n_years : int
        Panel size (n_years ≥ 3).
    alpha, beta, gamma : float
        True output elasticities.
    tfp_growth : float
        Common TFP drift per year (absorbed by year effects or a trend).
    sigma : float
        Standard deviation of the log-output error ε.
    delta_ict, delta_n : float
        Depreciation rates used to build the capital stocks.
    seed : int or Generator
        Source of randomness.

    Returns
    -------
    Dataset (city × year) with ``I_ICT``, ``I_N`` (real investment), ``K_ICT``, ``K_N``, ``L``,
    ``Y``, ``VA_ICT`` (ICT-sector value added, a synthetic ~5-10 % of Y); ``attrs`` hold the
    true parameters and ``synthetic=1``.

    Examples
    --------
    >>> ds = make_growth_panel(3, 5, seed=1)
    >>> dict(ds.sizes), ds.attrs["alpha"]
    ({'city': 3, 'year': 5}, 0.1)
    """
    if n_cities < 1 or n_years < 3:
        raise SpecError(f"need n_cities >= 1 and n_years >= 3, got {n_cities}, {n_years}")
    if sigma < 0:
        raise SpecError(f"sigma must be >= 0, got {sigma}")
    rng = np.random.default_rng(seed)
    shape = (n_cities, n_years)
    coords = {"city": [f"city{i:03d}" for i in range(n_cities)],
              "year": np.arange(start_year, start_year + n_years)}

    def walk(level_sd, drift, sd):
        lvl = rng.normal(0.0, level_sd, (n_cities, 1))
        g = rng.normal(drift, sd, shape)
        return np.exp(lvl + np.cumsum(g, axis=1))

    I_ict = 5.0 * walk(0.6, 0.12, 0.15)
    I_n = 50.0 * walk(0.6, 0.08, 0.12)
    L = 100.0 * walk(0.5, 0.01, 0.04)
    da = lambda a: xr.DataArray(a, dims=("city", "year"), coords=coords)  # noqa: E731
    K_ict = perpetual_inventory(da(I_ict), delta=delta_ict, k0_method="ratio", ratio=0.4)
    K_n = perpetual_inventory(da(I_n), delta=delta_n, k0_method="ratio", ratio=0.12)
    mu = rng.normal(0.0, 0.3, (n_cities, 1))
    tau = tfp_growth * np.arange(n_years) + rng.normal(0.0, 0.02, n_years)
    lnY = (mu + tau + alpha * np.log(K_ict.values) + beta * np.log(K_n.values)
           + gamma * np.log(L) + rng.normal(0.0, sigma, shape))
    Y = np.exp(lnY)
    va_ict = Y * rng.uniform(0.05, 0.10, (n_cities, 1))
    ds = xr.Dataset({"I_ICT": da(I_ict), "I_N": da(I_n), "K_ICT": K_ict.rename(None),
                     "K_N": K_n.rename(None), "L": da(L), "Y": da(Y), "VA_ICT": da(va_ict)})
    for v in ("K_ICT", "K_N"):
        ds[v].attrs = {}
    ds.attrs.update(title="SYNTHETIC city growth panel (not real data)", synthetic=1, alpha=alpha,
                    beta=beta, gamma=gamma, tfp_growth=tfp_growth, sigma=sigma,
                    delta_ict=delta_ict, delta_n=delta_n)
    return ds
