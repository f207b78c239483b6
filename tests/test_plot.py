"""Tests for citymodel.plot: each chart returns its Axes with the expected bars/lines/cells,
saves to PNG, labels cities by ``city_en`` and silences only matplotlib's missing-glyph warning."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.stats as st  # noqa: E402
import xarray as xr  # noqa: E402

from citymodel.analysis import rank_comparison  # noqa: E402
from citymodel.datasets import load_h3c2021  # noqa: E402
from citymodel.errors import SpecError  # noqa: E402
from citymodel.plot import bar, heatmap, radar, rank_shift_chart  # noqa: E402

CITIES = ["北京", "上海", "深圳", "广州", "杭州", "南京", "苏州", "成都"]
CITY_EN = ["Beijing", "Shanghai", "Shenzhen", "Guangzhou", "Hangzhou", "Nanjing", "Suzhou", "Chengdu"]
IND = np.array([[90, 70, 80, 100], [80, 80, 90, 70], [60, 80, 80, 60], [70, 50, 50, 70],
                [40, 60, 70, 50], [50, 50, 40, 40], [30, 30, 50, 30], [20, 20, 10, 30]], dtype=float)
NODES = ["a", "b", "c", "d", "P1", "P2", "IDX"]


def make_ds(idx=None, *, city_en=True) -> xr.Dataset:
    """8 cities, a,b -> P1, c,d -> P2, P1,P2 -> IDX (equal-weight means)."""
    P = np.column_stack([IND[:, :2].mean(1), IND[:, 2:].mean(1)])
    I = P.mean(1) if idx is None else np.asarray(idx, dtype=float)  # noqa: E741
    S = np.column_stack([IND, P, I])
    R = np.column_stack([st.rankdata(-S[:, j], method="min") for j in range(S.shape[1])])
    coords = {"city": np.array(CITIES, dtype=object), "node": np.array(NODES, dtype=object),
              "level": ("node", [1, 1, 1, 1, 2, 2, 3]),
              "parent": ("node", np.array(["P1", "P1", "P2", "P2", "IDX", "IDX", ""], dtype=object))}
    if city_en:
        coords["city_en"] = ("city", np.array(CITY_EN, dtype=object))
    return xr.Dataset({"score": (("city", "node"), S), "rank": (("city", "node"), R.astype(float))},
                      coords=coords, attrs={"index": "IDX"})


@pytest.fixture
def ds() -> xr.Dataset:
    return make_ds()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def ticklabels(ax, axis="y") -> list[str]:
    labs = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in labs]


# --------------------------------------------------------------------------------------------
# bar
# --------------------------------------------------------------------------------------------
def test_bar_draws_one_bar_per_top_city_best_on_top_labelled_in_english(ds, tmp_path):
    ax = bar(ds, top=5)
    assert len(ax.patches) == 5
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(widths, [85, 80, 70, 60, 55])  # index scores, rank order
    assert ticklabels(ax) == CITY_EN[:5]
    lo, hi = ax.get_ylim()
    assert lo > hi  # inverted: rank 1 at the top
    ax.figure.savefig(tmp_path / "bar.png")
    assert (tmp_path / "bar.png").stat().st_size > 0


def test_bar_of_one_node_ranks_by_that_node(ds):
    ax = bar(ds, node="P2", top=2)  # P2: 北京 90, 上海 80
    assert [p.get_width() for p in ax.patches] == [90, 80]
    assert ticklabels(ax) == ["Beijing", "Shanghai"]


def test_bar_of_a_level_draws_grouped_bars(ds, tmp_path):
    ax = bar(ds, level=2, top=4, ax=plt.subplots()[1])
    assert len(ax.patches) == 4 * 2 and len(ax.containers) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["P1", "P2"]
    ax.figure.savefig(tmp_path / "bar_level.png")


def test_bar_includes_ties_at_the_boundary():
    ax = bar(make_ds(idx=[85, 80, 65, 65, 55, 45, 35, 20]), top=3)
    assert len(ax.patches) == 4


def test_bar_on_a_published_ranking(tmp_path):
    ax = bar(load_h3c2021(), top=10)
    assert len(ax.patches) == 10 and ticklabels(ax)[0] == "Shanghai"
    ax.figure.savefig(tmp_path / "h3c.png")


def test_bar_rejects_node_and_level_together_and_unknown_label(ds):
    with pytest.raises(SpecError, match="either node= .* or level="):
        bar(ds, node="P1", level=2)
    with pytest.raises(SpecError, match="unknown city label coordinate 'name_fr'"):
        bar(ds, label="name_fr")
    with pytest.raises(SpecError, match="unknown node 'P9'"):
        bar(ds, node="P9")


# --------------------------------------------------------------------------------------------
# radar
# --------------------------------------------------------------------------------------------
def test_radar_draws_city_and_comparison_lines_on_polar_axes(ds, tmp_path):
    ax = radar(ds, "杭州", level=1)
    assert ax.name == "polar"
    assert len(ax.lines) == 3  # city, mean, max
    city_line = ax.lines[0]
    np.testing.assert_allclose(city_line.get_ydata(), [40, 60, 70, 50, 40])  # closed polygon
    np.testing.assert_allclose(ax.lines[2].get_ydata()[:4], [90, 80, 90, 100])
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "Hangzhou"
    ax.figure.savefig(tmp_path / "radar.png")


def test_radar_with_only_the_mean(ds):
    ax = radar(ds, "杭州", level=1, compare=("mean",))
    assert len(ax.lines) == 2


def test_radar_needs_three_axes_polar_axes_and_known_comparisons(ds):
    with pytest.raises(SpecError, match="at least 3 axes.*gives 2"):
        radar(ds, "杭州")  # only two pillars
    with pytest.raises(SpecError, match="polar axes"):
        radar(ds, "杭州", level=1, ax=plt.subplots()[1])
    with pytest.raises(SpecError, match="unknown radar comparison 'median'.*max, mean"):
        radar(ds, "杭州", level=1, compare=("median",))


# --------------------------------------------------------------------------------------------
# heatmap
# --------------------------------------------------------------------------------------------
def test_heatmap_has_one_cell_per_city_and_pillar_and_a_colourbar(ds, tmp_path):
    ax = heatmap(ds, top=6)
    img = ax.images[0].get_array()
    assert img.shape == (6, 2)
    np.testing.assert_allclose(img[:, 0], [80, 80, 70, 60, 50, 50])
    assert len(ax.figure.axes) == 2  # the heatmap and its colour bar
    assert len(ax.texts) == 12  # annotated cells
    assert ticklabels(ax, "x") == ["P1", "P2"] and ticklabels(ax)[0] == "Beijing"
    ax.figure.savefig(tmp_path / "heat.png")


def test_heatmap_of_indicators_without_annotation_and_with_missing_cell(ds):
    d = ds.copy(deep=True)
    d["score"].loc[{"city": "上海", "node": "a"}] = np.nan
    ax = heatmap(d, level=1, top=8, annotate=False)
    img = ax.images[0].get_array()
    assert img.shape == (8, 4) and bool(img.mask[1, 0])
    assert len(ax.texts) == 0


# --------------------------------------------------------------------------------------------
# rank_shift_chart
# --------------------------------------------------------------------------------------------
def test_rank_shift_chart_draws_one_line_per_listed_city(ds, tmp_path):
    comp = rank_comparison({"equal": ds, "entropy": make_ds([70, 85, 60, 75, 40, 50, 45, 10]),
                            "pca": ds}, top=3)
    ax = rank_shift_chart(comp)
    assert len(ax.lines) == len(comp.table) == 4
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1, 3, 1])  # 北京 under the three builds
    assert ticklabels(ax, "x") == ["equal", "entropy", "pca"]
    assert {t.get_text() for t in ax.texts} == {"Beijing", "Shanghai", "Shenzhen", "Guangzhou"}
    ax.figure.savefig(tmp_path / "shift.png")


def test_rank_shift_chart_needs_a_rank_comparison(ds):
    with pytest.raises(SpecError, match="RankComparison"):
        rank_shift_chart({"equal": ds})


# --------------------------------------------------------------------------------------------
# Chinese labels
# --------------------------------------------------------------------------------------------
def test_chinese_labels_raise_no_glyph_warning_but_other_warnings_pass(tmp_path):
    d = make_ds(city_en=False)  # labels fall back to the Chinese city codes
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ax = bar(d, top=8)
        assert ticklabels(ax) == CITIES
        ax.figure.savefig(tmp_path / "zh.png")
        warnings.warn("an unrelated warning", UserWarning, stacklevel=1)
    msgs = [str(w.message) for w in rec]
    assert not any("missing from font" in m for m in msgs), msgs
    assert "an unrelated warning" in msgs


def test_label_none_uses_city_codes(ds):
    ax = bar(ds, top=2, label=None)
    assert ticklabels(ax) == ["北京", "上海"]


def test_charts_of_the_tai_build_save_to_png(tmp_path):
    from citymodel.build import build
    from citymodel.datasets import load_tai, tai_framework

    tai = build(load_tai(), tai_framework(), {"normalise": {"method": "goalposts"}})
    assert len(bar(tai, top=10).patches) == 10
    assert ax_saved(heatmap(tai, top=23), tmp_path / "tai_heat.png").images[0].get_array().shape == (23, 4)
    assert len(radar(tai, "Finland").lines) == 3  # four dimensions: a proper radar
    plt.gcf().savefig(tmp_path / "tai_radar.png")


def ax_saved(ax, path):
    ax.figure.savefig(path)
    assert path.stat().st_size > 0
    return ax
