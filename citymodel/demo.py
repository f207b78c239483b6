"""``citymodel demo``: the main job on the bundled data, with a Markdown report and figures.

Each step prints a progress line; the report and figures go to ``out`` (default
``./citymodel-demo``). Synthetic data are labelled SYNTHETIC wherever they appear.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["run_demo"]


class _Progress:
    def __init__(self, steps: list[str]):
        self.steps, self.i, self.t0 = steps, 0, time.perf_counter()

    def __call__(self, fn: Callable, *a, **k):
        self.i += 1
        print(f"[{self.i}/{len(self.steps)}] {self.steps[self.i - 1]} ...", flush=True)
        t = time.perf_counter()
        out = fn(*a, **k)
        print(f"      done in {time.perf_counter() - t:.1f}s", flush=True)
        return out


def _md_table(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join([df.index.name or ""] + cols) + " |",
             "|" + "---|" * (len(cols) + 1)]
    for idx, row in df.iterrows():
        cells = [format(v, floatfmt) if isinstance(v, (float, np.floating)) else str(v) for v in row]
        lines.append("| " + " | ".join([str(idx)] + cells) + " |")
    return "\n".join(lines)


def _published(report: list[str], figdir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import datasets

    h = datasets.load_h3c2021()
    gdp = datasets.load_city_gdp()
    tiers = pd.DataFrame({"score": h.score.values, "tier": h.tier.values})
    tab = tiers.groupby("tier", sort=False)["score"].agg(["count", "mean", "min", "max"])
    tab = tab.loc[list(datasets.H3C_TIER_LABELS)]
    tab["count"] = tab["count"].astype(int)
    tab.index.name = "tier"
    print(f"      H3C/CAICT 2021: {h.sizes['city']} cities, mean score {float(h.score.mean()):.2f}; "
          f"tier counts {'/'.join(str(int(c)) for c in tab['count'])} (published 6/47/71/88/30)")
    print(f"      2020 city GDP: {gdp.attrs['coverage']}")
    report += [
        "## 1. Published data (H3C/CAICT 2021 City Digital Economy Index)",
        f"{h.sizes['city']} cities; mean score **{float(h.score.mean()):.2f}** (published 53.4). "
        "Tiers from the cut-offs 85/65/50/40:",
        "", _md_table(tab, ".1f"), "",
        f"2020 city GDP (shipped, cited per row): {gdp.attrs['coverage']}. Missing cities stay missing.",
        "",
    ]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    english = ["tier 1", "new tier 1", "tier 2", "tier 3", "tier 4"]
    for lab, en in zip(datasets.H3C_TIER_LABELS, english, strict=True):
        ax.hist(h.score.values[h.tier.values == lab], bins=np.arange(30, 95, 2.5), alpha=0.8, label=en)
    ax.set_xlabel("published index score")
    ax.set_ylabel("cities")
    ax.set_title("H3C/CAICT 2021 index scores by tier (published)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(figdir / "h3c_scores_by_tier.png", dpi=120)
    plt.close(fig)
    report += ["![scores by tier](figures/h3c_scores_by_tier.png)", ""]


def _synthetic(report: list[str], seed: int, state: dict, datadir: Path) -> None:
    from .datasets.synthetic import make_h3c_panel
    from .io import write_csv

    panel = make_h3c_panel(seed=seed)
    state["panel"] = panel
    datadir.mkdir(parents=True, exist_ok=True)
    write_csv(panel, datadir / "h3c_synthetic_panel.csv")
    panel.attrs["framework"].to_table().to_csv(datadir / "h3c_framework_meta.csv", index=False)
    demo_space().to_yaml(datadir / "demo_space.yaml")
    rho = panel.attrs.get("calibration_spearman", float("nan"))
    print(f"      SYNTHETIC panel: {panel.sizes['city']} cities x {panel.sizes['indicator']} indicators; "
          f"equal-weight index vs published score: Spearman {rho:.3f}")
    report += [
        "## 2. Calibrated SYNTHETIC indicator panel",
        "The indicator data behind the report are not public. The package generates a **SYNTHETIC** "
        f"panel for the same 242 cities: {panel.sizes['indicator']} indicators in the report's 4 pillars "
        f"and 12 sub-pillars. Its equal-weight index has Spearman {rho:.3f} with the published scores. "
        "Every number computed from it below is an illustration of the methods, not a fact about a city.",
        "",
        "The panel, its COINr-style metadata and the scenario space below are in `data/`, ready for "
        "`citymodel build data/h3c_synthetic_panel.csv --meta data/h3c_framework_meta.csv --out index.csv` "
        "and `citymodel sensitivity ... --space data/demo_space.yaml`.",
        "",
    ]


#: Illustrative AHP judgments for the four H3C pillars (infrastructure, services, governance,
#: industry): NOT from the report (its weights are not public); a consistent-enough example.
DEMO_AHP = [[1, 2, 2, 1 / 2], [1 / 2, 1, 1, 1 / 3], [1 / 2, 1, 1, 1 / 3], [2, 3, 3, 1]]

#: H3C tiers by rank ranges with the published sizes 6/47/71/88/30: unlike the report's score
#: cut-offs (85/65/50/40) they stay meaningful when the normalisation changes the score scale.
H3C_TIERS = {"method": "rank_bands", "cutoffs": [6, 53, 124, 212],
             "labels": ["tier 1", "new tier 1", "tier 2", "tier 3", "tier 4"]}


def demo_specs(framework) -> dict:
    """The four weighting schemes the demo compares (equal, entropy, AHP at the top, PCA/FA)."""
    base = {"normalise": {"method": "minmax", "range": [0, 100]}, "tiers": H3C_TIERS}
    top = framework.level(framework.root)
    return {
        "equal": {**base, "weights": {"method": "equal"}},
        "entropy": {**base, "weights": {"method": "entropy", "prenorm": "minmax_shift"}},
        "AHP": {**base, "weights": {"method": "equal"},
                "levels": {top: {"weights": {"method": "ahp", "matrices": {framework.root: DEMO_AHP}}}}},
        "PCA/FA": {**base, "weights": {"method": "pca"}},
    }


def _schemes(report: list[str], figdir: Path, state: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plot
    from .analysis import rank_comparison
    from .build import build

    panel = state["panel"]
    fw = panel.attrs["framework"]
    results = {name: build(panel, fw, spec) for name, spec in demo_specs(fw).items()}
    state["results"] = results
    cmp_ = rank_comparison(results, top=20)
    text = cmp_.summary()
    for line in text.splitlines():
        print(f"      {line}")
    top = cmp_.table.head(20).copy()
    top.index = [f"{c} ({panel.city_en.sel(city=c).item()})" for c in top.index]
    top.index.name = "city"
    fig, ax = plt.subplots(figsize=(7, 7))
    plot.rank_shift_chart(cmp_, ax=ax)
    ax.set_title("Top-20 ranks under four weighting schemes (SYNTHETIC panel)")
    fig.tight_layout()
    fig.savefig(figdir / "weighting_schemes_top20.png", dpi=110)
    plt.close(fig)
    report += [
        "## 3. How much do the weights matter? (SYNTHETIC panel)",
        "The same SYNTHETIC indicators, min-max normalised to [0, 100] and aggregated arithmetically, "
        "weighted four ways: equal weights, entropy weights (熵权法), AHP weights for the four pillars "
        "(illustrative judgments, not the report's), and the Handbook's PCA/FA weights.",
        "", "```", text, "```", "", "Ranks of the top 20 (reference: equal weights):", "",
        _md_table(top, ".0f"), "", "![top-20 ranks](figures/weighting_schemes_top20.png)", "",
    ]


def demo_space():
    """The demo's scenario space: six uncertain modelling choices."""
    from .uncertainty.space import Bootstrap, Choice, Exclusion, ScenarioSpace, WeightNoise

    return ScenarioSpace([
        Choice("normalisation", "normalise", [{"method": "minmax", "range": [1, 100]},
                                              {"method": "percentile", "definition": "handbook"},
                                              "rank"]),
        Choice("weighting", "weights", ["meta", {"method": "entropy", "prenorm": "minmax_shift"}, "pca"],
               labels=["framework", "entropy", "pca"]),
        Choice("aggregation", "aggregate", ["arithmetic", "geometric"]),
        Exclusion("exclusion"),
        WeightNoise("pillar_weight_noise", level=3, amplitude=0.25, replicates=200),
        Bootstrap("bootstrap", replicates=200),
    ], seed=2021)


def _uncertainty(report: list[str], figdir: Path, state: dict, n: int, N: int) -> None:
    from .uncertainty.engine import run_sensitivity, run_uncertainty
    from .uncertainty.report import save_figures

    panel = state["panel"]
    fw = panel.attrs["framework"]
    # nominal: the framework's (equal) weights; the noise factor perturbs them when 'framework'
    # weighting is drawn (noise on data-driven weights would be meaningless)
    spec = {"normalise": {"method": "minmax", "range": [1, 100]}, "weights": "meta", "tiers": H3C_TIERS}
    space = demo_space()
    ua = run_uncertainty(panel, fw, space, n, spec=spec, seed=1, keep="stats")
    sa = run_sensitivity(panel, fw, space, N, spec=spec, seed=1, bootstrap=200, with_convergence=True)
    state["ua"], state["sa"] = ua, sa
    st = ua.stats
    width = (st["q95"] - st["q05"]).to_pandas()
    width.index = [f"{c} ({panel.city_en.sel(city=c).item()})" for c in width.index]
    summ = ua.summary().set_index("uCode").head(10)
    summ.index = [f"{c} ({panel.city_en.sel(city=c).item()})" for c in summ.index]
    summ.index.name = "city"
    pchg = st["p_tier_change"].to_pandas()
    rs = sa.indices[["rs_S1", "rs_S1_conf", "rs_ST", "rs_ST_conf"]].to_dataframe()
    rs.index.name = "factor"
    print(f"      UA: {n} scenarios, {ua.n_failed} failed; mean R_S {float(st['R_S'].mean()):.1f} ranks; "
          f"median 5-95% rank band {float(width.median()):.0f} ranks; "
          f"{int((pchg > 0.5).sum())} cities leave their nominal tier in most scenarios")
    top_f = rs["rs_ST"].idxmax()
    print(f"      SA: N = {N} ({sa.attrs['runs']} runs); the factor with the largest total effect on R_S is "
          f"{top_f} (ST = {rs.loc[top_f, 'rs_ST']:.2f} +/- {rs.loc[top_f, 'rs_ST_conf']:.2f})")
    paths = save_figures(ua, figdir / "uncertainty", top=40)
    paths += save_figures(sa, figdir / "sensitivity", top=40)
    report += [
        "## 4. How far can each city's rank be trusted? (SYNTHETIC panel)",
        f"Six uncertain choices ({', '.join(space.names)}); {n} Sobol' QMC scenarios for the uncertainty "
        f"analysis and a Saltelli design with N = {N} ({sa.attrs['runs']} runs) for the sensitivity analysis. "
        "Nominal build: min-max [1, 100], the framework's equal weights, arithmetic mean; tiers by rank with the "
        "report's tier sizes 6/47/71/88/30 (score cut-offs would change meaning with the normalisation).",
        "", f"Mean absolute rank shift R_S: {float(st['R_S'].mean()):.1f} ranks "
        f"(5-95%: {float(st['R_S'].quantile(0.05)):.1f}-{float(st['R_S'].quantile(0.95)):.1f}); "
        f"Spearman with the nominal ranking: median {float(st['spearman'].median()):.3f}.",
        "", "Top 10 by nominal rank:", "", _md_table(summ, ".1f"), "",
        "Cities with the widest 5-95% rank band: "
        + ", ".join(f"{c} ({w:.0f})" for c, w in width.sort_values(ascending=False).head(5).items()) + ".",
        "", "Sobol' indices of R_S (95% bootstrap CIs; negative first-order values are sampling noise):", "",
        _md_table(rs, ".3f"), "",
    ] + [f"![{p.stem}]({p.relative_to(figdir.parent).as_posix()})" for p in paths] + [""]


def _accounts(report: list[str]) -> None:
    from .accounts.digital_economy import de_share_by_tier

    t = de_share_by_tier()
    first, new = t.iloc[0], t.iloc[1]
    print(f"      DE/GDP (published scale / shipped GDP): first tier {100 * first['mean_share']:.1f}% "
          f"(n = {int(first['n_gdp'])}, published 52%), new first tier {100 * new['mean_share']:.1f}% "
          f"(n = {int(new['n_gdp'])} of {int(new['n_cities'])}, published 46%)")
    tab = t[["n_cities", "mean_scale", "n_gdp", "mean_share"]].copy()
    tab["mean_share"] = 100 * tab["mean_share"]
    tab.columns = ["cities", "mean DE scale (亿元)", "cities with GDP", "mean DE/GDP (%)"]
    report += [
        "## 5. Digital-economy scale and GDP (published scales, shipped GDP)",
        "Mean of city ratios DE scale / 2020 GDP by tier; only cities with a shipped, cited GDP value enter "
        "the share (see the counts).", "", _md_table(tab, ".1f"), "",
    ]


def _replication(report: list[str], out: Path, quick: bool) -> None:
    from .replicate.report import write_report

    res = write_report(out / "replication", n_boot=200 if quick else 500, draws=200 if quick else 1000,
                       scenarios=0)
    for line in res["summary"]:
        print(f"      {line}")
    report += ["## 6. Do the reports' claims hold?", "", "```", *res["summary"], "```", "",
               "Full replication report: `replication/report.md` (claims.csv, figures).", ""]


def run_demo(out: str | Path = "citymodel-demo", seed: int = 2021, quick: bool = False) -> Path:
    """Run the demo and return the path of the Markdown report."""
    import warnings

    from .errors import CitymodelWarning

    out = Path(out)
    figdir = out / "figures"
    figdir.mkdir(parents=True, exist_ok=True)
    report: list[str] = ["# citymodel demo report", ""]
    n, N = (128, 16) if quick else (1024, 64)
    steps = ["load the published tables", "generate the calibrated SYNTHETIC panel",
             "build the index under four weighting schemes",
             f"uncertainty ({n} scenarios) and sensitivity (N = {N}) analysis of ranks",
             "digital-economy scale vs GDP by tier", "replicate the reports' published claims"]
    prog = _Progress(steps)
    state: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CitymodelWarning)
        prog(_published, report, figdir)
        prog(_synthetic, report, seed, state, out / "data")
        prog(_schemes, report, figdir, state)
        prog(_uncertainty, report, figdir, state, n, N)
        prog(_accounts, report)
        prog(_replication, report, out, quick)
    path = out / "report.md"
    path.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(f"\nReport: {path.resolve()}\nFigures: {figdir.resolve()}")
    return path
