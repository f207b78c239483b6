"""The ``citymodel accounts`` command: DE accounts on a user panel CSV or the SYNTHETIC panel.

Steps: read (or generate) a city × year panel; build ``K_ICT``/``K_N`` by the perpetual inventory
method when they are not given; estimate the Cobb-Douglas production function of non-ICT value
added (``Y − VA_ICT``); DE accounts with the ICT share = the estimated ICT elasticity; optional
Monte Carlo bands; optional seed figures (DE/GDP by H3C tier).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from ..errors import DataError
from .digital_economy import de_accounts, de_share_by_tier, industrial_digitalisation
from .pim import DEPRECIATION_DEFAULTS, perpetual_inventory
from .production import estimate_production
from .synthetic import make_growth_panel
from .uncertainty import de_bands, de_monte_carlo

__all__ = ["read_panel", "run_accounts"]

PANEL_COLUMNS = ("city", "year", "Y", "VA_ICT", "L")


def read_panel(path: str | Path) -> xr.Dataset:
    """Read a long CSV panel (city, year, Y, VA_ICT, L and I_ICT/I_N or K_ICT/K_N) as city × year."""
    df = pd.read_csv(path)
    missing = [c for c in PANEL_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}; the panel needs city, year, Y, VA_ICT, L "
                        "and either I_ICT, I_N (investment) or K_ICT, K_N (capital stocks)")
    if not ({"I_ICT", "I_N"} <= set(df.columns) or {"K_ICT", "K_N"} <= set(df.columns)):
        raise DataError(f"{path}: give investment columns I_ICT, I_N or capital columns K_ICT, K_N")
    dup = df.duplicated(["city", "year"])
    if dup.any():
        r = df[dup].iloc[0]
        raise DataError(f"{path}: duplicate row for city {r['city']!r}, year {r['year']}")
    return df.set_index(["city", "year"]).to_xarray()


def run_accounts(data: str | None = None, *, cities: int = 30, years: int = 12, seed: int = 0,
                 effects: str = "twoway", cov_type: str = "cluster",
                 delta_ict: float = DEPRECIATION_DEFAULTS["ict_hardware"],
                 delta_n: float = DEPRECIATION_DEFAULTS["non_ict"], mc: int = 0,
                 out: str | None = None, seed_figures: bool = False, interpolate: bool = False) -> list[str]:
    """Run the accounts pipeline and return the printed lines (CSV written to ``out`` if given)."""
    lines: list[str] = []
    if data is None:
        panel = make_growth_panel(cities, years, seed=seed)
        lines.append(f"SYNTHETIC panel: {cities} cities x {years} years, true alpha/beta/gamma = "
                     f"{panel.attrs['alpha']}/{panel.attrs['beta']}/{panel.attrs['gamma']}")
    else:
        panel = read_panel(data)
        lines.append(f"panel {data}: {panel.sizes['city']} cities x {panel.sizes['year']} years")
    if "I_ICT" in panel and "I_N" in panel:
        panel["K_ICT"] = perpetual_inventory(panel.I_ICT, delta=delta_ict, k0_method="ratio", ratio=0.4,
                                             interpolate=interpolate)
        panel["K_N"] = perpetual_inventory(panel.I_N, delta=delta_n, k0_method="ratio", ratio=0.12,
                                           interpolate=interpolate)
        lines.append(f"capital stocks by PIM: delta_ICT = {delta_ict}, delta_N = {delta_n}")
    est = panel.assign(VA_N=panel.Y - panel.VA_ICT)
    res = estimate_production(est, "VA_N", ("K_ICT", "K_N", "L"), effects=effects, cov_type=cov_type)
    lines.append(res.summary())
    alpha = float(res.params["K_ICT"])
    ID = industrial_digitalisation(est.VA_N, min(max(alpha, 0.0), 1.0), source="elasticity")
    acc = de_accounts(panel.VA_ICT, ID, panel.Y)
    by_year = acc[["DE", "de_share", "contribution"]].mean("city").to_dataframe()
    lines.append("ICT share source: elasticity (two-way FE Cobb-Douglas, ICT capital)")
    lines.append("mean over cities by year:\n" + by_year.to_string(float_format=lambda v: f"{v:.4f}"))
    if mc:
        mcres = de_monte_carlo(panel, mc, seed=seed)
        b = de_bands(mcres, "de_share").mean("city").to_pandas().T
        lines.append(f"Monte Carlo ({mc} scenarios; delta, ICT deflator, share source) DE/GDP bands:\n"
                     + b.to_string(float_format=lambda v: f"{v:.4f}"))
    if seed_figures:
        t = de_share_by_tier()
        lines.append("H3C 2021 DE scale / 2020 GDP by tier (shares over cities with GDP, n_gdp):\n"
                     + t.to_string(float_format=lambda v: f"{v:.3f}"))
    if out:
        acc.to_dataframe().to_csv(out)
        lines.append(f"wrote {out}")
    return lines
