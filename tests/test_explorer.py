"""Scenario explorer: the callbacks reproduce `build`, bad input errors, the widget is wired."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from citymodel.build import build  # noqa: E402
from citymodel.datasets import load_tai, tai_framework  # noqa: E402
from citymodel.datasets.synthetic import make_h3c_panel  # noqa: E402
from citymodel.errors import MethodError, SpecError  # noqa: E402
from citymodel.explorer import ScenarioExplorer, explorer_options  # noqa: E402
from citymodel.spec import STEP_METHODS  # noqa: E402

BASE = {"normalise": {"method": "minmax", "range": [1, 100]},
        "tiers": {"method": "rank_bands", "cutoffs": [6, 53, 124, 212]}}


@pytest.fixture(scope="module")
def h3c():
    panel = make_h3c_panel(seed=0)
    fw = panel.attrs["framework"]
    return panel, fw, ScenarioExplorer(panel, fw, BASE)


@pytest.fixture(scope="module")
def tai():
    return load_tai(), tai_framework()


def _index_ranks(ds, fw) -> pd.Series:
    return pd.Series(ds["rank"].sel(node=fw.root).values, index=ds.city.values)


def test_default_state_equals_a_plain_build_ranking(h3c):
    panel, fw, ex = h3c
    table, fig = ex.update()
    ref = build(panel, fw, BASE)
    pd.testing.assert_series_equal(table["rank"].astype(float), _index_ranks(ref, fw).reindex(table.index),
                                   check_names=False)
    assert (table["rank_shift"] == 0).all()
    assert list(table.index[:3]) == list(_index_ranks(ref, fw).sort_values().index[:3])
    assert {"score", "rank", "baseline_rank", "rank_shift", "city_en", "tier"} <= set(table.columns)
    assert "SYNTHETIC" in fig.axes[0].get_title()


def test_pillar_weights_change_ranks_as_build_with_user_weights(h3c):
    panel, fw, ex = h3c
    w = {"INFRA": 0.7, "SERVICE": 0.1, "GOVERN": 0.1, "INDUSTRY": 0.1}
    table, _ = ex.update(w)
    spec = {**BASE, "levels": {fw.level(fw.root): {"weights": {"method": "user", "weights": w}}}}
    ref = _index_ranks(build(panel, fw, spec), fw)
    np.testing.assert_array_equal(table["rank"].to_numpy(), ref.reindex(table.index).to_numpy())
    assert (table["rank_shift"] != 0).any()
    np.testing.assert_array_equal(table["rank_shift"], table["rank"] - table["baseline_rank"])


def test_unnamed_pillars_keep_their_baseline_weight_and_weights_are_relative(h3c):
    _, _, ex = h3c
    a, _ = ex.update({"INFRA": 0.7})
    b, _ = ex.update({"INFRA": 1.4, "SERVICE": 0.5, "GOVERN": 0.5, "INDUSTRY": 0.5})
    pd.testing.assert_series_equal(a["rank"], b["rank"])


def test_switching_methods_matches_build_with_those_methods(tai):
    data, fw = tai
    ex = ScenarioExplorer(data, fw)
    table, _ = ex.update(normalisation="zscore", weighting="entropy", aggregation="topsis")
    spec = {"normalise": "zscore", "weights": "entropy", "aggregate": "topsis"}
    ref = _index_ranks(build(data, fw, spec), fw)
    np.testing.assert_array_equal(table["rank"].to_numpy(), ref.reindex(table.index).to_numpy())


def test_method_choices_replace_the_baselines_level_overrides(tai):
    data, fw = tai
    base = {"levels": {3: {"aggregate": "geometric"}}, "normalise": {"method": "minmax", "range": [1, 100]}}
    ex = ScenarioExplorer(data, fw, base)
    spec = ex.spec_for(aggregation="harmonic")
    assert spec.step("aggregate", 3).method == "harmonic" and spec.step("aggregate", 2).method == "harmonic"
    # the baseline's own method keeps its parameters and overrides
    assert ex.spec_for(normalisation="minmax").normalise.params["range"] == [1, 100]
    assert ex.spec_for(aggregation="arithmetic").step("aggregate", 3).method == "geometric"


def test_pillar_weights_with_another_weighting_method_apply_at_the_pillar_level_only(h3c):
    panel, fw, ex = h3c
    w = {"INFRA": 0.4, "SERVICE": 0.2, "GOVERN": 0.2, "INDUSTRY": 0.2}
    spec = ex.spec_for(w, weighting="entropy")
    assert spec.step("weights", fw.level(fw.root)).method == "user"
    assert spec.step("weights", 2).method == "entropy"


def test_step_mappings_with_parameters_are_accepted(tai):
    data, fw = tai
    ex = ScenarioExplorer(data, fw)
    table, _ = ex.update(normalisation={"method": "minmax", "range": [1, 100]},
                         aggregation={"method": "generalised", "p": 0.5})
    ref = build(data, fw, {"normalise": {"method": "minmax", "range": [1, 100]},
                           "aggregate": {"method": "generalised", "p": 0.5}})
    np.testing.assert_array_equal(table["rank"].to_numpy(), _index_ranks(ref, fw).reindex(table.index).to_numpy())


def test_unknown_pillar_is_a_spec_error_listing_the_valid_ones(h3c):
    _, _, ex = h3c
    with pytest.raises(SpecError, match="unknown pillar 'INFRASTRUCTURE'.*GOVERN, INDUSTRY, INFRA, SERVICE"):
        ex.update({"INFRASTRUCTURE": 1.0})


@pytest.mark.parametrize("bad,msg", [(-0.1, "must be finite and >= 0"), (float("nan"), "finite"),
                                     ("heavy", "must be a number")])
def test_bad_pillar_weights_are_spec_errors(h3c, bad, msg):
    _, _, ex = h3c
    with pytest.raises(SpecError, match=msg):
        ex.update({"INFRA": bad})


def test_all_zero_pillar_weights_are_rejected(h3c):
    _, _, ex = h3c
    with pytest.raises(SpecError, match="all zero"):
        ex.update(dict.fromkeys(ex.pillars, 0.0))


def test_pillar_weights_must_be_a_mapping(h3c):
    _, _, ex = h3c
    with pytest.raises(SpecError, match="mapping"):
        ex.update([0.25, 0.25, 0.25, 0.25])


@pytest.mark.parametrize("kw,msg", [({"normalisation": "minimax"}, "unknown normalise method 'minimax'"),
                                    ({"weighting": "magic"}, "unknown weights method 'magic'.*entropy"),
                                    ({"aggregation": "median"}, "unknown aggregate method 'median'"),
                                    ({"aggregation": 3}, "method name or a step mapping")])
def test_unknown_method_names_are_spec_errors(tai, kw, msg):
    ex = ScenarioExplorer(*tai)
    with pytest.raises(SpecError, match=msg):
        ex.update(**kw)


def test_build_errors_propagate_from_the_callback(tai):
    ex = ScenarioExplorer(*tai)  # min-max onto [0, 100] puts zeros in the data
    with pytest.raises(MethodError, match="positive"):
        ex.update(aggregation="geometric")


def test_constructor_checks_framework_and_top(tai):
    data, fw = tai
    with pytest.raises(SpecError, match="Framework"):
        ScenarioExplorer(data, {"TAI": []})
    with pytest.raises(SpecError, match="top"):
        ScenarioExplorer(data, fw, top=0)


def test_dropdown_options_are_valid_spec_method_names(h3c, tai):
    _, fw, ex = h3c
    kinds = {"normalisation": "normalise", "weighting": "weights", "aggregation": "aggregate"}
    for choice, names in ex.options.items():
        assert set(names) <= set(STEP_METHODS[kinds[choice]])
    assert "goalposts" not in ex.options["normalisation"]  # the H3C framework has no goalposts
    assert "goalposts" in explorer_options(tai[1])["normalisation"]
    assert "ahp" not in ex.options["weighting"] and "entropy" in ex.options["weighting"]


def test_render_returns_the_default_table_and_figure(tai, capsys):
    ex = ScenarioExplorer(*tai)
    table, fig = ex.render(rows=5)
    assert len(table) == 23 and fig.axes
    assert "Finland" in capsys.readouterr().out


def test_widget_builds_with_a_slider_per_pillar_and_three_dropdowns(h3c):
    pytest.importorskip("ipywidgets")
    _, _, ex = h3c
    box = ex.widget()
    assert type(box).__name__ == "VBox"
    assert list(ex._widgets["sliders"]) == ex.pillars
    assert set(ex._widgets["dropdowns"]) == {"normalisation", "weighting", "aggregation"}
    assert ex._widgets["dropdowns"]["normalisation"].value == "minmax"
    assert ex.error is None and (ex.table["rank_shift"] == 0).all()
    out = ex._widgets["output"].outputs
    assert len(out) == 2 and "image/png" in out[1]["data"]


def test_moving_a_slider_triggers_the_update(h3c):
    pytest.importorskip("ipywidgets")
    panel, fw, ex = h3c
    ex.widget()
    before = ex._widgets["output"].outputs
    ex._widgets["sliders"]["INFRA"].value = 0.9
    assert ex._widgets["output"].outputs != before
    w = {p: s.value for p, s in ex._widgets["sliders"].items()}
    expected, _ = ex.update(w)
    pd.testing.assert_frame_equal(ex.table, expected)
    assert (ex.table["rank_shift"] != 0).any()


def test_dropdowns_and_reset_are_wired_and_errors_show_in_the_output(tai):
    pytest.importorskip("ipywidgets")
    ex = ScenarioExplorer(*tai)
    ex.widget()
    ex._widgets["dropdowns"]["weighting"].value = "entropy"
    pd.testing.assert_frame_equal(ex.table, ex.update(weighting="entropy")[0])
    ex._widgets["dropdowns"]["aggregation"].value = "geometric"  # zeros after min-max [0, 100]
    assert ex.error is not None and "MethodError" in ex.error
    assert "positive" in ex._widgets["output"].outputs[0]["data"]["text/plain"]
    ex._widgets["reset"].click()
    assert ex.error is None and (ex.table["rank_shift"] == 0).all()
    assert ex._widgets["dropdowns"]["weighting"].value == "meta"
