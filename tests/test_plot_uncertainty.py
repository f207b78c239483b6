"""Tests for the uncertainty/sensitivity charts of citymodel.plot: each chart draws exactly the
numbers stored in the Uncertainty/SensitivityResult (one artist per city, factor or tier),
orders cities by nominal rank, honours ``top``, saves to PNG, and rejects bad names and
results lacking the data it needs with a SpecError that says how to fix the call."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from citymodel.datasets.synthetic import h3c_framework, make_cities  # noqa: E402
from citymodel.errors import SpecError  # noqa: E402
from citymodel.plot import (  # noqa: E402
    convergence_plot,
    rank_shift_distribution,
    rank_uncertainty,
    sobol_bars,
    sobol_heatmap,
    tier_probability_heatmap,
)
from citymodel.uncertainty.engine import run_sensitivity, run_uncertainty  # noqa: E402
from citymodel.uncertainty.space import Choice, ScenarioSpace, WeightNoise  # noqa: E402

SPEC = {"tiers": {"method": "quantile", "k": 4}}


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def panel():
    fw = h3c_framework(indicators_per_subpillar=1)
    da = make_cities(30, fw, seed=1)
    space = ScenarioSpace([
        Choice("norm", "normalise", [{"method": "minmax", "range": [1, 100]},
                                     {"method": "zscore", "mean": 10, "sd": 2}]),
        Choice("agg", "aggregate", ["arithmetic", "geometric"]),
        WeightNoise("noise", level=2, replicates=50),
    ])
    return da, fw, space


@pytest.fixture(scope="module")
def ua(panel):
    da, fw, space = panel
    return run_uncertainty(da, fw, space, 64, spec=SPEC, seed=0)


@pytest.fixture(scope="module")
def sa(panel):
    da, fw, space = panel
    return run_sensitivity(da, fw, space, 32, spec=SPEC, seed=0, bootstrap=100)


@pytest.fixture(scope="module")
def ua_no_tiers(panel):
    da, fw, space = panel
    return run_uncertainty(da, fw, space, 16, seed=0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def by_nominal(result, top=None) -> list[str]:
    nom = result.stats["nominal"].to_series()
    order = nom.sort_values(kind="stable")
    if top is not None:
        order = order[order <= top]
    return [str(c) for c in order.index]


def xlabels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels()]


def ylabels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def save(ax, tmp_path, name):
    p = tmp_path / f"{name}.png"
    ax.figure.savefig(p, dpi=60)
    assert p.stat().st_size > 1000
    return p


# --------------------------------------------------------------------------- rank_uncertainty
@pytest.mark.parametrize("which", ["ua", "sa"])
def test_rank_uncertainty_draws_nominal_median_and_q05_q95_band_per_city_in_nominal_order(
        which, request, tmp_path):
    res = request.getfixturevalue(which)
    ax = rank_uncertainty(res)
    order = by_nominal(res)
    st = res.stats.sel(city=order)
    assert len(ax.collections) == 1 and isinstance(ax.collections[0], LineCollection)
    segs = ax.collections[0].get_segments()
    assert len(segs) == 30
    np.testing.assert_allclose([s[0][1] for s in segs], st["q05"].values)
    np.testing.assert_allclose([s[1][1] for s in segs], st["q95"].values)
    assert len(ax.lines) == 2
    nominal, median = ax.lines
    np.testing.assert_allclose(nominal.get_ydata(), st["nominal"].values)
    np.testing.assert_allclose(median.get_ydata(), st["median"].values)
    np.testing.assert_array_equal(nominal.get_xdata(), np.arange(30))
    assert np.all(np.diff(nominal.get_ydata()) >= 0)  # ordered by nominal rank
    assert xlabels(ax) == order  # no city_en in the synthetic stats: codes
    lo, hi = ax.get_ylim()
    assert lo > hi and hi == pytest.approx(0.5)  # rank 1 at the top
    save(ax, tmp_path, f"rank_uncertainty_{which}")


def test_rank_uncertainty_top_keeps_the_first_k_cities_by_nominal_rank(ua):
    ax = rank_uncertainty(ua, top=10)
    assert len(ax.collections[0].get_segments()) == 10
    assert xlabels(ax) == by_nominal(ua, 10)
    assert ax.lines[0].get_ydata().max() <= 10
    assert "top 10" in ax.get_title()


def test_rank_uncertainty_labels_cities_with_city_en_when_the_stats_have_it(ua):
    codes = [str(c) for c in ua.stats.city.values]
    names = {c: f"City {i}" for i, c in enumerate(codes)}
    res = dataclasses.replace(ua, stats=ua.stats.assign_coords(
        city_en=("city", np.array([names[c] for c in codes], dtype=object))))
    ax = rank_uncertainty(res, top=5)
    assert xlabels(ax) == [names[c] for c in by_nominal(ua, 5)]
    assert xlabels(rank_uncertainty(res, top=5, label=None)) == by_nominal(ua, 5)


def test_rank_uncertainty_uses_the_given_axes(ua):
    fig, ax = plt.subplots()
    assert rank_uncertainty(ua, ax=ax) is ax


def test_rank_uncertainty_with_many_cities_labels_positions_not_names():
    n = 100
    stats = xr.Dataset(
        {v: ("city", np.arange(1.0, n + 1)) for v in ("nominal", "median", "q05", "q95")},
        coords={"city": np.array([f"C{i:03d}" for i in range(n)], dtype=object)})
    ax = rank_uncertainty(_Fake(stats))
    assert len(ax.collections[0].get_segments()) == n
    assert "position" in ax.get_xlabel()


@dataclasses.dataclass
class _Fake:
    stats: xr.Dataset


@settings(max_examples=25, deadline=None)
@given(hst.lists(hst.integers(1, 8), min_size=1, max_size=12), hst.integers(1, 8))
def test_rank_uncertainty_orders_by_nominal_rank_stably_and_top_keeps_ties(ranks, top):
    """Invariant: x order = stable sort of the nominal ranks; top=k keeps every rank <= k."""
    nominal = np.array(ranks, dtype=float)
    codes = [f"c{i}" for i in range(len(ranks))]
    stats = xr.Dataset({"nominal": ("city", nominal), "median": ("city", nominal),
                        "q05": ("city", nominal - 0.5), "q95": ("city", nominal + 1)},
                       coords={"city": np.array(codes, dtype=object)})
    expected = [codes[i] for i in np.argsort(nominal, kind="stable")]
    try:
        assert xlabels(rank_uncertainty(_Fake(stats))) == expected
        kept = [c for c in expected if nominal[codes.index(c)] <= top]
        if kept:
            assert xlabels(rank_uncertainty(_Fake(stats), top=top)) == kept
        else:
            with pytest.raises(SpecError, match="no city has a nominal rank"):
                rank_uncertainty(_Fake(stats), top=top)
    finally:
        plt.close("all")


@pytest.mark.parametrize("top", [0, -3, 2.5, True])
def test_rank_uncertainty_rejects_a_non_positive_integer_top(ua, top):
    with pytest.raises(SpecError, match="top must be a positive integer"):
        rank_uncertainty(ua, top=top)


def test_rank_uncertainty_rejects_an_unknown_label_coordinate(ua):
    with pytest.raises(SpecError, match="unknown city label coordinate 'no_such_coord'"):
        rank_uncertainty(ua, label="no_such_coord")


@pytest.mark.parametrize("func", [rank_uncertainty, rank_shift_distribution, tier_probability_heatmap,
                                  sobol_bars, sobol_heatmap, convergence_plot])
def test_every_chart_rejects_an_object_that_is_not_an_analysis_result(func):
    with pytest.raises(SpecError, match="run_uncertainty or run_sensitivity"):
        func(xr.Dataset())


def test_charts_reject_an_ax_that_is_not_a_matplotlib_axes(ua):
    with pytest.raises(SpecError, match="ax must be a matplotlib Axes"):
        rank_uncertainty(ua, ax="left")


# --------------------------------------------------------------------------- sobol_bars
def test_sobol_bars_draws_S1_and_ST_of_R_S_per_factor_with_the_bootstrap_CI(sa, tmp_path):
    ax = sobol_bars(sa)
    ind = sa.indices
    d = ind.sizes["factor"]
    assert d == 3
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 2 * d
    heights = np.array([b.get_height() for b in bars])
    np.testing.assert_allclose(heights[:d], ind["rs_S1"].values)
    np.testing.assert_allclose(heights[d:], ind["rs_ST"].values)
    assert xlabels(ax) == ["norm", "agg", "noise"]
    # error bars span exactly [lo, hi] of the stored CI, centred on their bar
    assert len(ax.collections) == 4  # per index: CI lines, caps
    for (ci, _caps), k, j in zip((ax.collections[:2], ax.collections[2:]), ("S1", "ST"), (0, d),
                                 strict=True):
        segs = ci.get_segments()
        np.testing.assert_allclose([s[0][1] for s in segs], ind[f"rs_{k}_lo"].values)
        np.testing.assert_allclose([s[1][1] for s in segs], ind[f"rs_{k}_hi"].values)
        np.testing.assert_allclose([s[0][0] for s in segs],
                                   [b.get_x() + b.get_width() / 2 for b in bars[j:j + d]])
    assert "N = 32" in ax.get_title() and "95% bootstrap CI" in ax.get_title()
    save(ax, tmp_path, "sobol_bars")


def test_sobol_bars_shows_and_annotates_a_negative_S1_instead_of_hiding_it(sa):
    ind = sa.indices.copy(deep=True)
    ind["rs_S1"].values[0] = -0.05
    ax = sobol_bars(dataclasses.replace(sa, indices=ind))
    assert ax.patches[0].get_height() == pytest.approx(-0.05)
    notes = [t.get_text() for t in ax.texts]
    assert len(notes) == 1 and "noise" in notes[0] and "-0.05" in notes[0]
    assert ax.get_ylim()[0] < -0.05


def test_sobol_bars_without_bootstrap_draws_bars_without_error_bars(sa):
    ind = sa.indices.copy(deep=True)
    for k in ("S1", "ST"):
        for s in ("lo", "hi"):
            ind[f"rs_{k}_{s}"][:] = np.nan
    ax = sobol_bars(dataclasses.replace(sa, indices=ind))
    assert len(ax.patches) == 6
    assert len(ax.collections) == 0


def test_sobol_bars_rejects_an_unknown_target_listing_the_valid_ones(sa):
    with pytest.raises(SpecError, match="unknown Sobol target 'rank'; valid Sobol targets are: rs"):
        sobol_bars(sa, target="rank")


def test_sobol_bars_on_an_uncertainty_result_says_to_run_run_sensitivity(ua):
    with pytest.raises(SpecError, match="run_sensitivity"):
        sobol_bars(ua)


# --------------------------------------------------------------------------- sobol_heatmap
def test_sobol_heatmap_shows_rank_ST_per_city_and_factor_in_nominal_order(sa, tmp_path):
    ax = sobol_heatmap(sa)
    order = by_nominal(sa, 30)
    img = ax.images[0].get_array()
    assert img.shape == (30, 3)
    expected = sa.indices["rank_ST"].transpose("city", "factor").sel(city=order).values
    np.testing.assert_allclose(img.filled(np.nan), expected)
    assert ylabels(ax) == order
    assert xlabels(ax) == ["norm", "agg", "noise"]
    assert all(t.get_rotation() == 0 for t in ax.get_xticklabels())  # short names stay level
    assert len(ax.figure.axes) == 2  # colour bar
    save(ax, tmp_path, "sobol_heatmap")


def test_sobol_heatmap_turns_long_factor_names(sa):
    ind = sa.indices.assign_coords(factor=[f"{f}_of_the_pillars" for f in sa.indices.factor.values])
    ax = sobol_heatmap(dataclasses.replace(sa, indices=ind))
    assert all(t.get_rotation() == 40 for t in ax.get_xticklabels())


def test_sobol_heatmap_greys_cities_whose_rank_never_changes_and_says_so(sa):
    const = [str(c) for c in sa.indices.city.values[sa.indices["rank_constant"].values]]
    assert const  # the fixture has cities with a constant rank (NaN indices)
    ax = sobol_heatmap(sa, top=None)
    img = ax.images[0].get_array()
    order = by_nominal(sa)
    rows = [order.index(c) for c in const]
    assert np.ma.getmaskarray(img)[rows].all()
    assert f"rank never changes ({len(const)} " in ax.get_title()
    bad = ax.images[0].get_cmap().get_bad()
    assert bad[0] == bad[1] == bad[2] and 0.5 < bad[0] < 1  # grey


def test_sobol_heatmap_has_no_grey_note_when_every_index_is_defined(sa):
    ind = sa.indices.copy(deep=True)
    ind["rank_ST"] = ind["rank_ST"].fillna(0.0)
    ax = sobol_heatmap(dataclasses.replace(sa, indices=ind))
    assert "grey" not in ax.get_title()


def test_sobol_heatmap_first_order_and_top_limit(sa):
    ax = sobol_heatmap(sa, index="S1", top=5)
    order = by_nominal(sa, 5)
    img = ax.images[0].get_array()
    assert img.shape == (5, 3)
    np.testing.assert_allclose(
        img.filled(np.nan), sa.indices["rank_S1"].transpose("city", "factor").sel(city=order).values)
    assert "First-order" in ax.get_title()


def test_sobol_heatmap_rejects_an_unknown_index_name(sa):
    with pytest.raises(SpecError, match="unknown Sobol index 'S2'; valid Sobol indices are: S1, ST"):
        sobol_heatmap(sa, index="S2")


def test_sobol_heatmap_on_an_uncertainty_result_says_to_run_run_sensitivity(ua):
    with pytest.raises(SpecError, match="run_sensitivity"):
        sobol_heatmap(ua)


# --------------------------------------------------------------------------- tier heatmap
@pytest.mark.parametrize("which", ["ua", "sa"])
def test_tier_probability_heatmap_shows_P_tier_and_outlines_the_nominal_tier(which, request, tmp_path):
    res = request.getfixturevalue(which)
    ax = tier_probability_heatmap(res)
    order = by_nominal(res, 40)
    assert len(order) == 30
    img = ax.images[0].get_array()
    P = res.stats["tier_prob"].transpose("city", "tier").sel(city=order).values
    np.testing.assert_allclose(img.filled(np.nan), P)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert xlabels(ax) == ["T1", "T2", "T3", "T4"]
    assert ylabels(ax) == order
    boxes = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(boxes) == 30
    nominal = res.stats["nominal_tier"].sel(city=order).values
    cols = [int(round(b.get_x() + 0.5)) for b in boxes]
    rows = [int(round(b.get_y() + 0.5)) for b in boxes]
    assert rows == list(range(30))
    assert [f"T{c + 1}" for c in cols] == list(nominal)
    save(ax, tmp_path, f"tier_probability_{which}")


def test_tier_probability_heatmap_top_limit(ua):
    ax = tier_probability_heatmap(ua, top=8)
    assert ax.images[0].get_array().shape == (8, 4)
    assert ylabels(ax) == by_nominal(ua, 8)
    assert len(ax.patches) == 8


def test_tier_probability_heatmap_without_tiers_raises_a_spec_error_naming_the_fix(ua_no_tiers):
    assert "tier_prob" not in ua_no_tiers.stats
    with pytest.raises(SpecError, match="no tier probabilities.*'tiers'"):
        tier_probability_heatmap(ua_no_tiers)
    with pytest.raises(ValueError):
        tier_probability_heatmap(ua_no_tiers)


# --------------------------------------------------------------------------- convergence
def test_convergence_plot_draws_S1_and_ST_of_R_S_against_N_on_a_log2_axis(sa, tmp_path):
    ax = convergence_plot(sa)
    conv = sa.convergence
    assert len(ax.lines) == 2 * 3
    assert ax.get_xscale() == "log"
    assert ax.xaxis.get_transform().base == 2
    Ns = conv["N"].values
    np.testing.assert_array_equal(Ns, [8, 16, 32])
    by_label = {ln.get_label(): ln for ln in ax.lines}
    for f in ["norm", "agg", "noise"]:
        for k in ("S1", "ST"):
            ln = by_label[f"{f} {k}"]
            np.testing.assert_array_equal(ln.get_xdata(), Ns)
            np.testing.assert_allclose(ln.get_ydata(), conv[k].sel(factor=f).values)
        assert by_label[f"{f} S1"].get_color() == by_label[f"{f} ST"].get_color()
    save(ax, tmp_path, "convergence")


@pytest.mark.parametrize("index", ["S1", "ST"])
def test_convergence_plot_one_index_draws_one_line_per_factor(sa, index):
    ax = convergence_plot(sa, index=index)
    assert len(ax.lines) == 3
    assert all(ln.get_label().endswith(index) for ln in ax.lines)


def test_convergence_plot_rejects_an_unknown_index_name(sa):
    with pytest.raises(SpecError, match="unknown convergence index 'total'; valid convergence "
                                        "indices are: S1, ST, both"):
        convergence_plot(sa, index="total")


def test_convergence_plot_without_convergence_data_says_how_to_get_them(sa, ua):
    with pytest.raises(SpecError, match="with_convergence=True"):
        convergence_plot(dataclasses.replace(sa, convergence=None))
    with pytest.raises(SpecError, match="run_sensitivity"):
        convergence_plot(ua)


# --------------------------------------------------------------------------- R_S distribution
@pytest.mark.parametrize("which", ["ua", "sa"])
def test_rank_shift_distribution_histograms_every_run_and_marks_the_mean(which, request, tmp_path):
    res = request.getfixturevalue(which)
    rs = res.stats["R_S"].values
    assert rs.size == 64  # 64 UA runs; 2N = 64 independent A/B runs of the SA
    ax = rank_shift_distribution(res)
    assert sum(p.get_height() for p in ax.patches) == rs.size
    assert len(ax.lines) == 1
    assert ax.lines[0].get_xdata()[0] == pytest.approx(rs.mean())
    assert "mean R_S" in ax.lines[0].get_label()
    save(ax, tmp_path, f"rank_shift_{which}")


def test_rank_shift_distribution_leaves_out_failed_runs_and_counts_them(ua):
    rs = ua.stats["R_S"].values.copy()
    rs[:4] = np.nan
    ax = rank_shift_distribution(dataclasses.replace(ua, stats=ua.stats.assign(R_S=("scenario", rs))),
                                 bins=10)
    assert len(ax.patches) == 10
    assert sum(p.get_height() for p in ax.patches) == 60
    assert ax.lines[0].get_xdata()[0] == pytest.approx(np.nanmean(rs))
    assert "4 failed" in ax.get_title()


def test_rank_shift_distribution_with_no_finite_R_S_raises(ua):
    bad = ua.stats.assign(R_S=("scenario", np.full(64, np.nan)))
    with pytest.raises(SpecError, match="no scenario has a finite R_S"):
        rank_shift_distribution(dataclasses.replace(ua, stats=bad))
