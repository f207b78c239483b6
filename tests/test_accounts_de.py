"""DE accounts (DI + ID, DE/GDP, ΔDE/ΔGDP), H3C seed figures by tier, Monte Carlo bands, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from citymodel.accounts.digital_economy import (
    de_accounts,
    de_share_by_tier,
    digital_industrialisation,
    ict_income_share,
    industrial_digitalisation,
    user_cost,
)
from citymodel.accounts.pim import perpetual_inventory
from citymodel.accounts.production import estimate_production
from citymodel.accounts.synthetic import make_growth_panel
from citymodel.accounts.uncertainty import de_bands, de_monte_carlo, twoway_elasticities
from citymodel.errors import DataError, SpecError

YR = {"year": [2019, 2020]}


def test_seed_figures_de_share_by_tier_reproduce_published_52_and_46_percent():
    t = de_share_by_tier()
    assert list(t.index) == ["一线", "新一线", "二线", "三线", "四线"]
    assert t.loc["一线", "mean_share"] == pytest.approx(0.52, abs=0.01)
    assert t.loc["新一线", "mean_share"] == pytest.approx(0.46, abs=0.01)
    assert t.loc["一线", "mean_scale"] == pytest.approx(14000, rel=0.02)  # 1.4万亿
    assert t.loc["新一线", "mean_scale"] == pytest.approx(3718, abs=1)
    # report n: GDP exists for only part of the cities
    assert t["n_gdp"].tolist() == [6, 41, 31, 18, 5]
    assert t["n_cities"].sum() == 242
    assert (t["mean_share"].diff().dropna() < 0).all()  # share falls with tier


def test_de_is_di_plus_id_and_contribution_is_delta_de_over_delta_gdp():
    di = xr.DataArray([10.0, 12.0], dims="year", coords=YR)
    va = xr.DataArray([[60.0, 63.0], [30.0, 30.0]], dims=("sector", "year"),
                      coords={"sector": ["industry", "services"], **YR})
    s = xr.DataArray([0.2, 0.4], dims="sector", coords={"sector": ["industry", "services"]})
    ID = industrial_digitalisation(va, s, source="elasticity")
    np.testing.assert_allclose(ID.values, [24.0, 24.6])
    assert ID.attrs["share_source"] == "elasticity"
    acc = de_accounts(di, ID, xr.DataArray([100.0, 104.0], dims="year", coords=YR))
    np.testing.assert_allclose(acc.DE.values, [34.0, 36.6])
    assert float(acc.de_share[0]) == pytest.approx(0.34)
    assert float(acc.contribution[1]) == pytest.approx(2.6 / 4.0)
    assert float(acc.pull[1]) == pytest.approx(2.6 / 100)
    assert np.isnan(acc.contribution[0]) and acc.attrs["share_source"] == "elasticity"


def test_di_from_output_times_value_added_rate_sums_sectors():
    go = xr.DataArray([100.0, 50.0], dims="sector", coords={"sector": ["electronics", "software"]})
    rate = xr.DataArray([0.2, 0.5], dims="sector", coords={"sector": ["electronics", "software"]})
    assert float(digital_industrialisation(output=go, va_rate=rate)) == pytest.approx(45.0)
    assert float(digital_industrialisation(go)) == 150.0


def test_user_cost_and_income_share_follow_hall_jorgenson():
    p = xr.DataArray([1.0, 0.9], dims="year", coords=YR)
    u = user_cost(p, 0.3, r=0.04)
    assert np.isnan(u[0]) and float(u[1]) == pytest.approx(0.04 + 0.27 + 0.1)
    s = ict_income_share(xr.DataArray([10.0, 10.0], dims="year", coords=YR),
                         xr.DataArray([100.0, 100.0], dims="year", coords=YR), u)
    assert float(s[1]) == pytest.approx(0.041)


def test_de_bad_input_is_rejected():
    va = xr.DataArray([10.0, -1.0], dims="sector", coords={"sector": ["a", "b"]})
    with pytest.raises(DataError, match="negative.*sector 'b'"):
        industrial_digitalisation(va, 0.1, source="user")
    with pytest.raises(SpecError, match="valid ICT share sources"):
        industrial_digitalisation(va.clip(0), 0.1, source="caict")
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        industrial_digitalisation(va.clip(0), 1.5, source="user")
    with pytest.raises(SpecError, match="either va_ict"):
        digital_industrialisation()
    with pytest.raises(SpecError, match="va_rate"):
        digital_industrialisation(output=va.clip(0))
    with pytest.raises(DataError, match="GDP must be > 0"):
        de_accounts(1.0, 1.0, 0.0)


def test_vectorised_twoway_slopes_equal_statsmodels_dummy_regression():
    ds = make_growth_panel(8, 7, seed=4)
    b = twoway_elasticities(np.log(ds.Y.values), np.stack(
        [np.log(ds[v].values) for v in ("K_ICT", "K_N", "L")], axis=-1))
    r = estimate_production(ds, effects="twoway")
    np.testing.assert_allclose(b, r.params[["K_ICT", "K_N", "L"]].to_numpy(), rtol=1e-8)


def test_monte_carlo_bands_are_ordered_and_reproducible():
    p = make_growth_panel(10, 8, seed=1)
    a = de_monte_carlo(p, 40, seed=3)
    b = de_monte_carlo(p, 40, seed=3)
    xr.testing.assert_identical(a, b)
    assert a.sizes == {"scenario": 40, "city": 10, "year": 8}
    assert set(a.source.values) == {"cd_fe", "income_share"}
    assert a.delta_ict.min() >= 0.2 and a.delta_ict.max() <= 0.4
    band = de_bands(a, "de_share").isel(year=-1)
    assert (band.diff("quantile") >= 0).all()
    np.testing.assert_allclose(a.DE, (a.ID + p.VA_ICT).transpose(*a.DE.dims))


def test_monte_carlo_scenario_reproduces_direct_pim_and_accounts():
    p = make_growth_panel(6, 6, seed=2)
    mc = de_monte_carlo(p, 5, seed=0, sources=["cd_fe"])
    s = mc.isel(scenario=1)
    P = np.exp(float(s.price_drift) * (p.year - p.year[0]))
    K = perpetual_inventory(p.I_ICT, P, delta=float(s.delta_ict), k0_method="ratio", ratio=0.4)
    xr.testing.assert_allclose(s.K_ICT.drop_vars(["scenario", "delta_ict", "delta_n", "price_drift",
                                                  "source"]), K.transpose("city", "year"))


def test_monte_carlo_bad_input():
    p = make_growth_panel(4, 5, seed=1)
    with pytest.raises(DataError, match="lacks"):
        de_monte_carlo(p.drop_vars("VA_ICT"), 5)
    with pytest.raises(SpecError, match="valid elasticity sources"):
        de_monte_carlo(p, 5, sources=["translog"])
    with pytest.raises(SpecError, match=r"\(0, 1\)"):
        de_monte_carlo(p, 5, delta_ict=(0.2, 1.2))
