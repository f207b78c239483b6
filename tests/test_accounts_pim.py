"""Perpetual inventory: Zhang (2004)/CHNCapitalStock reference (METHODS.md §9.2 T3), generic PIM, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from citymodel.accounts.pim import (
    DEPRECIATION_DEFAULTS,
    DEPRECIATION_SOURCES,
    depreciation_rates,
    perpetual_inventory,
    zhang_capital_stock,
)
from citymodel.errors import DataError, SpecError


@pytest.fixture(scope="module")
def chn(shared_data):
    i = pd.read_csv(shared_data / "growth" / "chn_province_investment_1952_2022.csv")
    ds = i.set_index(["prv", "yr"]).to_xarray().rename(yr="year")
    ref = pd.read_csv(shared_data / "growth" / "chn_province_capital_stock_zhang_ref.csv")
    return ds, ref


@pytest.mark.parametrize("bt", [1952, 2000])
def test_zhang_convention_reproduces_every_reference_row_to_1e6(chn, bt):
    ds, ref = chn
    K = zhang_capital_stock(ds.invest, ds.InvestPrice, base_year=bt, allow_negative=True)
    r = ref[ref.base_year == bt].set_index(["prv", "yr"]).K
    k = K.to_series().reindex(r.index)
    assert k.notna().all() and len(r) == 2157
    np.testing.assert_allclose(k.to_numpy(), r.to_numpy(), rtol=1e-6)


def test_zhang_published_values(chn):
    ds, _ = chn
    K00 = zhang_capital_stock(ds.invest, ds.InvestPrice, base_year=2000, allow_negative=True)
    K52 = zhang_capital_stock(ds.invest, ds.InvestPrice, base_year=1952, allow_negative=True)
    assert K00.sel(prv="beijing", year=2000) == pytest.approx(7066.979, abs=1e-3)
    assert K00.sel(prv="chongqing", year=2000) == pytest.approx(2143.611, abs=1e-3)
    assert K52.sel(prv="beijing", year=1952) == pytest.approx(7.9)
    assert K52.sel(prv="chongqing", year=1997) == pytest.approx(434.2679, abs=1e-4)
    sh = K52.sel(prv="shanghai", year=[1952, 1978, 2000, 2022]).values
    np.testing.assert_allclose(sh, [22.8, 243.4153, 4410.2129, 28138.2395], atol=1e-4)
    assert np.isnan(K52.sel(prv="chongqing", year=1995))


def test_zhang_rejects_negative_investment_naming_province_and_year(chn):
    ds, _ = chn
    with pytest.raises(DataError, match="fujian.*1967"):
        zhang_capital_stock(ds.invest, ds.InvestPrice)


def test_generic_pim_with_ratio_start_equals_zhang_for_a_province_from_1952(chn):
    ds, _ = chn
    P = ds.InvestPrice / ds.InvestPrice.sel(year=2000)
    K = perpetual_inventory(ds.invest.sel(prv="beijing"), P.sel(prv="beijing"), delta=0.096,
                            k0_method="user", k0=float(ds.invest.sel(prv="beijing", year=1952)) / 0.1)
    assert float(K.sel(year=2000)) == pytest.approx(7066.979, abs=1e-3)


def _series(values, start=2000, **coords):
    return xr.DataArray(values, dims="year", coords={"year": np.arange(start, start + len(values))})


def test_constant_real_investment_from_steady_state_stays_there():
    inv = _series([10.0] * 6)
    K = perpetual_inventory(inv, delta=0.1, k0_method="ratio", ratio=0.1)
    np.testing.assert_allclose(K.values, 100.0)


def test_harberger_start_is_first_investment_over_growth_plus_delta():
    inv = _series(10.0 * 1.05 ** np.arange(8))
    K = perpetual_inventory(inv, delta=0.1, k0_method="harberger", growth_years=5)
    assert float(K[0]) == pytest.approx(10.0 / (0.05 + 0.1))
    assert float(K[1]) == pytest.approx(0.9 * 10.0 / 0.15 + 10.5)


def test_midyear_timing_discounts_inflow_by_half_a_years_depreciation():
    inv = _series([10.0, 20.0])
    K = perpetual_inventory(inv, delta=0.2, k0_method="user", k0=50.0, timing="midyear")
    assert float(K[1]) == pytest.approx(0.8 * 50 + 0.9 * 20)


def test_deflator_divides_investment():
    inv, P = _series([10.0, 22.0]), _series([1.0, 1.1])
    K = perpetual_inventory(inv, P, delta=0.1, k0_method="user", k0=100.0)
    assert float(K[1]) == pytest.approx(90 + 20)


def test_asset_specific_defaults_broadcast_over_city_and_asset():
    assets = ["ict_hardware", "communication", "non_ict"]
    inv = xr.DataArray(np.ones((2, 3, 4)), dims=("city", "asset", "year"),
                       coords={"city": ["a", "b"], "asset": assets, "year": [1, 2, 3, 4]})
    K = perpetual_inventory(inv, delta=DEPRECIATION_DEFAULTS, k0_method="user", k0=0.0)
    assert K.dims == inv.dims
    d = np.array([0.315, 0.115, 0.096])
    np.testing.assert_allclose(K.isel(city=0, year=-1).values, 1 + (1 - d) + (1 - d) ** 2)


def test_depreciation_defaults_are_documented_and_overridable():
    assert DEPRECIATION_DEFAULTS["ict_hardware"] == 0.315
    assert DEPRECIATION_DEFAULTS["communication"] == 0.115
    assert DEPRECIATION_DEFAULTS["non_ict"] == 0.096
    assert set(DEPRECIATION_SOURCES) == set(DEPRECIATION_DEFAULTS)
    assert depreciation_rates(non_ict=0.1096)["non_ict"] == 0.1096


def test_late_starting_series_start_at_their_first_year():
    inv = xr.DataArray([[1.0, 1, 1], [np.nan, 2, 2]], dims=("city", "year"),
                       coords={"city": ["a", "b"], "year": [1, 2, 3]})
    K = perpetual_inventory(inv, delta=0.5, k0_method="ratio", ratio=0.5)
    assert np.isnan(K.sel(city="b", year=1)) and float(K.sel(city="b", year=2)) == 4.0


def test_interpolate_fills_inner_gap_only_when_asked():
    inv = xr.DataArray([[1.0, np.nan, 3.0]], dims=("city", "year"),
                       coords={"city": ["wuhan"], "year": [2000, 2001, 2002]})
    with pytest.raises(DataError, match="'wuhan'.*year 2001.*interpolate=True"):
        perpetual_inventory(inv, delta=0.1, k0_method="ratio")
    K = perpetual_inventory(inv, delta=0.1, k0_method="user", k0=0.0, interpolate=True)
    assert float(K.sel(year=2001, city="wuhan")) == pytest.approx(2.0)


def test_missing_year_in_coordinate_is_named():
    inv = xr.DataArray([1.0, 2.0], dims="year", coords={"year": [2000, 2002]})
    with pytest.raises(DataError, match="year 2001 is missing"):
        perpetual_inventory(inv, k0_method="ratio")


def test_negative_investment_is_named():
    inv = xr.DataArray([[1.0, -2.0]], dims=("city", "year"), coords={"city": ["x"], "year": [1, 2]})
    with pytest.raises(DataError, match="negative.*'x'.*year 2"):
        perpetual_inventory(inv, k0_method="ratio")


@pytest.mark.parametrize("d", [0.0, 1.0, -0.1, 1.5])
def test_depreciation_outside_unit_interval_is_rejected(d):
    with pytest.raises(SpecError, match=r"\(0, 1\)"):
        perpetual_inventory(_series([1.0, 2.0]), delta=d, k0_method="ratio")
    with pytest.raises(SpecError, match=r"\(0, 1\)"):
        depreciation_rates(software=d)


def test_unknown_k0_method_and_missing_asset_rate():
    with pytest.raises(SpecError, match="valid k0 methods are: harberger, ratio, user"):
        perpetual_inventory(_series([1.0, 2.0]), k0_method="guess")
    inv = xr.DataArray(np.ones((1, 2)), dims=("asset", "year"), coords={"asset": ["robots"], "year": [1, 2]})
    with pytest.raises(SpecError, match="robots"):
        perpetual_inventory(inv, delta={"software": 0.3}, k0_method="ratio")


def test_user_initial_stock_as_dataarray_aligns_by_city_name():
    inv = xr.DataArray(np.ones((2, 2)), dims=("city", "year"), coords={"city": ["a", "b"], "year": [1, 2]})
    k0 = xr.DataArray([20.0, 10.0], dims="city", coords={"city": ["b", "a"]})
    K = perpetual_inventory(inv, delta=0.5, k0_method="user", k0=k0)
    np.testing.assert_allclose(K.sel(year=2).values, [6.0, 11.0])
