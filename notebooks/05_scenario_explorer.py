# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Scenario explorer: how do the ranks move when you change the weights?
#
# **For** index users and reviewers who want to *see* how a ranking responds to the choices
# behind it before reading a formal uncertainty analysis (notebook 02). **Question:** if the
# four pillars were weighted differently, or the data normalised, weighted or aggregated
# another way, which cities would move, and by how much? **Needs:** `citymodel`; `ipywidgets`
# for the interactive controls (`pip install "citymodel[notebooks]"`). Headless (e.g. in CI)
# the same tables and charts are rendered statically.
#
# The data are the **SYNTHETIC** H3C-style panel (`make_h3c_panel`: 242 real city names, 36
# invented indicators in the report's 4 pillars and 12 sub-pillars, calibrated to the published
# scores). Rank movements below illustrate the method, not facts about any city.

# %%
import os
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from citymodel.datasets.synthetic import make_h3c_panel
from citymodel.errors import CitymodelError
from citymodel.explorer import ScenarioExplorer

SMALL = os.environ.get("CITYMODEL_NOTEBOOK_SIZE") == "small"
TOP = 15 if SMALL else 20            # cities shown in the rank-shift charts
pd.set_option("display.precision", 2)

# %% [markdown]
# ## 1. The baseline
# Min-max normalisation onto [1, 100] (a positive range, so geometric aggregation stays
# possible), the framework's equal weights, arithmetic means, ranks with ties "min", and tiers by
# rank with the report's tier sizes 6/47/71/88/30. Every scenario is compared with this build.

# %%
panel = make_h3c_panel(seed=0)
fw = panel.attrs["framework"]
base = {"normalise": {"method": "minmax", "range": [1, 100]},
        "tiers": {"method": "rank_bands", "cutoffs": [6, 53, 124, 212],
                  "labels": ["tier 1", "new tier 1", "tier 2", "tier 3", "tier 4"]}}
ex = ScenarioExplorer(panel, fw, base, top=TOP)
print(panel.attrs["title"])
print("pillars and baseline weights:", ex.default_weights)
print("dropdown options:", ex.options)

# %% [markdown]
# ## 2. Interactive explorer
# One slider per pillar weight (relative weights, rescaled to sum to one) and dropdowns for the
# normalisation, the weighting method and the aggregation. Every change rebuilds the whole index
# with `citymodel.build.build` (a fraction of a second here) and redraws the table of ranks with the shift
# against the baseline, $\Delta_c = r_c - r_c^{\text{baseline}}$ (negative = moved up), and the
# slope chart of the top-ranked cities. Once a slider is moved, the sliders set the pillar
# weights and the weighting method applies within the pillars. Invalid combinations (e.g.
# geometric aggregation after a normalisation that produces zeros) show the error message.
#
# In a live notebook the widget appears below; when the notebook runs headless the widget has
# no front end and the static rendering in section 3 is what you see.

# %%
try:
    display(ex.widget())
except CitymodelError as exc:  # ipywidgets missing: the static path below still works
    print(exc)

# %% [markdown]
# ## 3. Static view of the baseline
# `render()` calls the same callback with the baseline's choices and displays the first rows of
# the ranking table and the chart; all shifts are zero by construction.

# %%
table0, fig0 = ex.render(rows=10)

# %% [markdown]
# ## 4. One scenario, called directly
# The callback is a plain method: `update(pillar_weights, normalisation, weighting, aggregation)`
# returns the table and a matplotlib figure (`ScenarioExplorer.show` displays both). Here the
# industry pillar gets 40 % of the weight and the others 20 % each; the indicators are normalised
# by percentile instead of min-max, weighted by entropy within the pillars, and everything is
# combined by geometric means (less compensation between strong and weak components).

# %%
weights = {"INFRA": 0.2, "SERVICE": 0.2, "GOVERN": 0.2, "INDUSTRY": 0.4}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    table1, fig1 = ex.update(weights, normalisation="percentile", weighting="entropy",
                             aggregation="geometric")
moved = table1.reindex(table1["rank_shift"].abs().sort_values(ascending=False, kind="stable").index)
print(f"median |rank shift| {table1['rank_shift'].abs().median():.0f}, "
      f"largest {table1['rank_shift'].abs().max()}; "
      f"{int((table1['tier'] != table0['tier'].reindex(table1.index)).sum())} of {len(table1)} cities change tier")
ex.show(table1, fig1, rows=10)
display(moved.head(8)[["city_en", "baseline_rank", "rank", "rank_shift", "tier"]])

# %% [markdown]
# The cities at the very top barely move: they lead on every pillar, so no weighting within this
# range changes their order much. The middle of the ranking is where weights matter — many
# cities are close in score there, and a few points of reweighting moves them tens of places.
# That is the pattern the formal uncertainty analysis in notebook 02 quantifies with
# probabilities instead of single what-ifs.
#
# ## 5. A small grid of what-ifs
# The same callback in a loop: the share of cities whose rank moves by more than 10 places
# when one pillar gets half of the total weight (the others share the rest equally).

# %%
rows = []
for p in ex.pillars:
    w = {q: (0.5 if q == p else 0.5 / (len(ex.pillars) - 1)) for q in ex.pillars}
    t, f = ex.update(w)
    plt.close(f)
    rows.append({"pillar at 50 %": p, "median |shift|": t["rank_shift"].abs().median(),
                 "max |shift|": t["rank_shift"].abs().max(),
                 "share moving > 10 places": (t["rank_shift"].abs() > 10).mean(),
                 "top-10 kept": int((t["rank"] <= 10)[t["baseline_rank"] <= 10].sum())})
display(pd.DataFrame(rows).set_index("pillar at 50 %"))

# %% [markdown]
# **Limits.** The explorer shows one scenario at a time against one baseline; it says nothing
# about how likely a scenario is. Use it to understand the mechanics and to find the choices that
# matter, then quantify with `run_uncertainty` / `run_sensitivity` (notebook 02). All numbers
# here come from SYNTHETIC indicators.
