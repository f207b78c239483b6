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


def _synthetic(report: list[str], seed: int) -> None:
    from .datasets.synthetic import make_h3c_panel

    panel = make_h3c_panel(seed=seed)
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
    ]


def run_demo(out: str | Path = "citymodel-demo", seed: int = 2021, quick: bool = False) -> Path:
    """Run the demo and return the path of the Markdown report."""
    out = Path(out)
    figdir = out / "figures"
    figdir.mkdir(parents=True, exist_ok=True)
    report: list[str] = ["# citymodel demo report", ""]
    steps = ["load the published tables", "generate the calibrated SYNTHETIC panel"]
    prog = _Progress(steps)
    prog(_published, report, figdir)
    prog(_synthetic, report, seed)
    path = out / "report.md"
    path.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(f"\nReport: {path.resolve()}\nFigures: {figdir.resolve()}")
    return path
