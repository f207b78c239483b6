"""Growth accounting: PWT 10.01 rtfpna (METHODS.md §9.1 T1), Solow 1957 (T2), China 1978-2019, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from citymodel.accounts.growth import growth_accounting, labour_input, solow_residual
from citymodel.errors import DataError, MethodError, SpecError


@pytest.fixture(scope="module")
def pwt(shared_data):
    d = pd.read_csv(shared_data / "growth" / "pwt1001_extract.csv")
    return d.set_index(["isocode", "year"]).to_xarray()


def _pwt_tfp(d, capital="rkna"):
    L = labour_input(d.emp, d.avh, d.hc)
    return growth_accounting(d.rgdpna, {"K": d[capital], "L": L},
                             {"K": 1 - d.labsh, "L": d.labsh}, base_year=2017)


@pytest.mark.parametrize("iso,start", [("USA", 1954), ("DEU", 1954), ("FRA", 1954), ("GBR", 1954),
                                       ("JPN", 1954), ("BRA", 1954), ("KOR", 1957),
                                       ("CHN", 1970), ("IND", 1970)])
def test_tornqvist_reproduces_pwt_rtfpna_to_2e7(pwt, iso, start):
    r = _pwt_tfp(pwt)
    got = r.tfp.sel(isocode=iso, year=slice(start, 2019))
    ref = pwt.rtfpna.sel(isocode=iso, year=slice(start, 2019))
    assert got.notnull().all() and ref.notnull().all()
    assert float(np.abs(got - ref).max()) < 2e-7


def test_no_tfp_level_where_hours_are_missing_china_before_1970(pwt):
    r = _pwt_tfp(pwt)
    assert r.tfp.sel(isocode="CHN", year=slice(1952, 1969)).isnull().all()


def test_net_capital_stock_rnna_does_not_reproduce_pwt(pwt):
    r = _pwt_tfp(pwt, capital="rnna")
    err = np.abs(r.tfp - pwt.rtfpna).sel(isocode="USA").max()
    assert 0.01 < float(err) < 0.2


def test_china_1978_2019_decomposition_adds_up(pwt):
    r = _pwt_tfp(pwt).sel(isocode="CHN", year=slice(1979, 2019))
    total = r.contribution.sum("factor") + r.dlnTFP
    np.testing.assert_allclose(total.values, r.dlnY.values, atol=1e-12)
    mean = r.mean("year")
    # PWT China: average GDP growth over 1978-2019 ~ 7.5%/yr in logs, capital the largest source
    assert 0.05 < float(mean.dlnY) < 0.09
    assert float(mean.contribution.sel(factor="K")) > float(mean.contribution.sel(factor="L"))


def test_solow_1957_technical_change_index(shared_data):
    s = pd.read_csv(shared_data / "growth" / "solow1957_us_1909_1949.csv").set_index("year").to_xarray()
    A = solow_residual(s.q, s.k, 0.35)
    assert float(A.sel(year=1909)) == 1.0
    assert float(np.abs(A - s.A).max()) == pytest.approx(0.0367, abs=5e-4)
    assert float(A.sel(year=1949)) == pytest.approx(1.8448, abs=1e-4)
    assert float(np.abs(A - s.A).max()) < 0.05


def test_time_varying_shares_are_two_period_averages():
    yr = {"year": [0, 1]}
    Y = xr.DataArray([1.0, 1.1], dims="year", coords=yr)
    K = xr.DataArray([1.0, 1.2], dims="year", coords=yr)
    L = xr.DataArray([1.0, 1.0], dims="year", coords=yr)
    sK = xr.DataArray([0.3, 0.5], dims="year", coords=yr)
    r = growth_accounting(Y, {"K": K, "L": L}, {"K": sK, "L": 1 - sK})
    assert float(r.share.sel(factor="K", year=1)) == pytest.approx(0.4)
    assert float(r.dlnTFP[1]) == pytest.approx(np.log(1.1) - 0.4 * np.log(1.2))
    r2 = growth_accounting(Y, {"K": K, "L": L}, {"K": sK, "L": 1 - sK}, average_shares=False)
    assert float(r2.share.sel(factor="K", year=1)) == pytest.approx(0.5)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.5, 2.0), min_size=3, max_size=8), st.floats(0.05, 0.95))
def test_output_growth_is_exactly_inputs_plus_tfp(ys, a):
    n = len(ys)
    yr = {"year": np.arange(n)}
    Y = xr.DataArray(np.cumprod(ys), dims="year", coords=yr)
    K = xr.DataArray(np.linspace(1, 2, n), dims="year", coords=yr)
    L = xr.DataArray(np.linspace(1, 1.5, n), dims="year", coords=yr)
    r = growth_accounting(Y, {"K": K, "L": L}, {"K": a, "L": 1 - a})
    np.testing.assert_allclose((r.contribution.sum("factor") + r.dlnTFP)[1:], r.dlnY[1:], atol=1e-12)
    np.testing.assert_allclose(np.log(r.tfp[-1] / r.tfp[0]), r.dlnTFP[1:].sum(), atol=1e-12)


def test_shares_not_summing_to_one_are_rejected_with_location():
    yr = {"year": [0, 1]}
    one = xr.DataArray([1.0, 2.0], dims="year", coords=yr)
    with pytest.raises(DataError, match="sum to 0.9.*not 1"):
        growth_accounting(one, {"K": one, "L": one}, {"K": 0.3, "L": 0.6})
    with pytest.raises(SpecError, match="no share for factor"):
        growth_accounting(one, {"K": one, "L": one}, {"K": 0.3})


def test_non_positive_output_for_logs_names_city_and_year():
    Y = xr.DataArray([[1.0, 0.0]], dims=("city", "year"), coords={"city": ["xian"], "year": [2019, 2020]})
    one = xr.ones_like(Y)
    with pytest.raises(MethodError, match="'xian'.*year 2020"):
        growth_accounting(Y, {"K": one, "L": one}, {"K": 0.5, "L": 0.5})


def test_capital_services_weights_assets_by_user_cost_not_stock():
    from citymodel.accounts.growth import capital_services

    c = {"asset": ["ict", "other"], "year": [0, 1]}
    K = xr.DataArray([[1.0, 2.0], [10.0, 10.0]], dims=("asset", "year"), coords=c)
    u = xr.DataArray([[0.5, 0.5], [0.05, 0.05]], dims=("asset", "year"), coords=c)
    # value shares: ict 0.5/1.0 -> w = 0.5 in year 0, 1.0/1.5 in year 1
    wbar = 0.5 * (0.5 + 1.0 / 1.5)
    got = capital_services(K, u)
    assert float(np.log(got[1])) == pytest.approx(wbar * np.log(2.0))
    assert float(got[0]) == 1.0


def test_growth_accounting_with_estimated_crs_elasticities():
    from citymodel.accounts.growth import shares_from_elasticities
    from citymodel.accounts.production import estimate_production
    from citymodel.accounts.synthetic import make_growth_panel

    ds = make_growth_panel(20, 8, seed=2)
    res = estimate_production(ds, effects="twoway", crs=True)
    s = shares_from_elasticities(res)
    assert sum(s.values()) == pytest.approx(1.0)
    r = growth_accounting(ds.Y, {k: ds[k] for k in s}, s)
    assert r.share.dims == ("factor",)
    with pytest.raises(DataError, match="crs=True"):
        shares_from_elasticities(estimate_production(ds, effects="twoway"))
