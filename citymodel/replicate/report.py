"""The replication report: ``claims.csv``, ``report.md``, ``report.html`` and figures.

:func:`write_report` runs the claim registry (:mod:`.claims`), the GDP-correlation statistics
(:mod:`.correlation`) and the random-weight robustness illustration (:mod:`.robustness`) and
writes everything to one folder. Figures use matplotlib's Agg backend and English city names
(``city_en``), since the default fonts lack CJK glyphs.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from .claims import SCOPES, build_claims, claims_frame
from .correlation import (
    correlation_table,
    coverage_bias,
    gdp_panel,
    log_log_elasticity,
    ols_hc3,
    partial_correlation,
)

__all__ = ["write_report", "summary_lines"]

_TIERS = ("一线", "新一线", "二线", "三线", "四线")
_TIERS_EN = ("tier 1", "new tier 1", "tier 2", "tier 3", "tier 4")


def _figures(p: pd.DataFrame, fit, draws: pd.DataFrame | None, figdir: Path,
             scen: pd.DataFrame | None = None) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figdir.mkdir(parents=True, exist_ok=True)
    out = {}
    ok = p.gdp.notna()
    x = np.log(p.gdp[ok].to_numpy())
    y = p.score[ok].to_numpy()
    grid = np.linspace(x.min(), x.max(), 100)
    pred = fit.get_prediction(np.column_stack([np.ones_like(grid), grid])).summary_frame(alpha=0.05)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.scatter(x, y, s=12, alpha=0.7)
    ax.plot(grid, pred["mean"], color="C3", label="OLS fit")
    ax.fill_between(grid, pred["mean_ci_lower"], pred["mean_ci_upper"], color="C3", alpha=0.2,
                    label="95% CI of the mean (HC3)")
    ax.set_xlabel("ln GDP 2020 (100 million CNY)")
    ax.set_ylabel("H3C 2021 digital-economy index score")
    ax.legend()
    ax.set_title(f"Score vs log GDP (n = {ok.sum()})")
    out["scatter"] = figdir / "score_vs_log_gdp.png"
    fig.savefig(out["scatter"], dpi=110, bbox_inches="tight")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.boxplot([p.score[p.tier == t].to_numpy() for t in _TIERS], tick_labels=list(_TIERS_EN))
    ax.set_ylabel("score")
    ax.set_title("H3C 2021 scores by tier (cut-offs 85/65/50/40)")
    out["tiers"] = figdir / "tier_boxplots.png"
    fig.savefig(out["tiers"], dpi=110, bbox_inches="tight")
    plt.close(fig)

    res = pd.Series(y - fit.predict(np.column_stack([np.ones_like(x), x])), index=p.city_en[ok].to_numpy())
    top = pd.concat([res.nsmallest(10), res.nlargest(10).iloc[::-1]])
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.barh(top.index, top.to_numpy(), color=np.where(top.to_numpy() > 0, "C2", "C3"))
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("residual (score points above/below the GDP fit)")
    ax.set_title("Cities over- and under-performing their GDP")
    out["residuals"] = figdir / "residuals.png"
    fig.savefig(out["residuals"], dpi=110, bbox_inches="tight")
    plt.close(fig)

    if draws is not None:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.hist(draws["pearson_log_gdp"], bins=50, alpha=0.7, density=True, label="Pearson vs log GDP")
        ax.hist(draws["spearman"], bins=50, alpha=0.5, density=True, label="Spearman vs GDP")
        if scen is not None:
            ax.hist(scen["pearson_log_gdp"].dropna(), bins=50, alpha=0.5, density=True,
                    label=f"Pearson, scenario space ({len(scen)} scenarios)")
        ax.set_xlabel("correlation of the random-weight index with GDP")
        ax.set_title(f"SYNTHETIC panel, {len(draws):,} random weight draws (illustration)")
        ax.set_ylabel("density")
        ax.legend()
        out["robustness"] = figdir / "correlation_distribution.png"
        fig.savefig(out["robustness"], dpi=110, bbox_inches="tight")
        plt.close(fig)
    return out


def _num(v: float) -> str:
    return f"{v:.3g}" if not np.isfinite(v) or abs(v) < 100 else f"{v:.1f}"


def _md_table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = [_num(v) if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines)


def _render(blocks: list[tuple[str, object]]) -> tuple[str, str]:
    md, ht = [], ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>citymodel replication</title>"
                  "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;"
                  "font-size:0.85em}td,th{border:1px solid #ccc;padding:3px}</style></head><body>"]
    for kind, content in blocks:
        if kind == "h1":
            md.append(f"# {content}\n")
            ht.append(f"<h1>{html.escape(content)}</h1>")
        elif kind == "h2":
            md.append(f"## {content}\n")
            ht.append(f"<h2>{html.escape(content)}</h2>")
        elif kind == "p":
            md.append(f"{content}\n")
            ht.append(f"<p>{html.escape(content)}</p>")
        elif kind == "table":
            md.append(_md_table(content) + "\n")
            ht.append(content.to_html(index=False, float_format=_num))
        elif kind == "img":
            name, alt = content
            md.append(f"![{alt}]({name})\n")
            ht.append(f"<p><img src='{html.escape(name)}' alt='{html.escape(alt)}' width='600'></p>")
    ht.append("</body></html>")
    return "\n".join(md), "\n".join(ht)


def summary_lines(claims: pd.DataFrame, corr: pd.DataFrame | None = None) -> list[str]:
    """A one-screen summary: verdict counts, the headline correlation and every non-reproduced claim."""
    vc = claims.verdict.value_counts()
    lines = [f"replication: {len(claims)} claims -- " + ", ".join(f"{vc.get(v, 0)} {v}" for v in
                                                                     ("reproduced", "not reproduced", "not checkable"))]
    if corr is not None:
        r = corr.iloc[1]
        lines.append(f"H3C score vs log GDP: Pearson r = {r.estimate:.2f} [{r.fisher_lo:.2f}, {r.fisher_hi:.2f}], n = {r.n}")
    for row in claims[claims.verdict == "not reproduced"].itertuples():
        lines.append(f"  NOT reproduced: {row.claim_id}: published {row.published}, recomputed {row.recomputed}")
    return lines


def write_report(out, which: str = "all", *, supplement=None, n_boot: int = 2000, draws: int = 10_000,
                 scenarios: int = 256, seed: int = 0) -> dict:
    """Run the replication and write ``claims.csv``, ``report.md``, ``report.html`` and ``figures/``.

    Also ``claims_full.csv`` (quotes, tolerances, methods, reasons), ``gdp_correlation.csv`` and
    ``residuals.csv`` (score minus the ln-GDP fit, per city with GDP).

    Parameters
    ----------
    out : path
        Output folder (created).
    which : {"h3c2021", "ccid2021", "all"}
        Which reports' claims to include (the GDP analysis of the H3C scores is always run).
    supplement : path, optional
        GDP supplement CSV; shipped, cited GDP values take precedence.
    n_boot : int
        Bootstrap resamples for the correlation intervals.
    draws : int
        Random-weight draws for the robustness illustration (0 skips it).
    scenarios : int
        Scenarios of the sensitivity issue's space (:func:`.robustness.scenario_space_correlations`;
        0 skips it; needs ``draws`` > 0).
    seed : int

    Returns
    -------
    dict with the paths written, the claims table, the correlation table and the summary lines.
    """
    from ..errors import unknown_name

    if which not in SCOPES:
        raise unknown_name("replication scope", which, SCOPES)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    p = gdp_panel(supplement)
    claims = claims_frame(build_claims(which, panel=p, n_boot=n_boot, seed=seed))
    claims[["claim_id", "source", "published", "recomputed", "verdict"]].to_csv(out / "claims.csv", index=False)
    claims.to_csv(out / "claims_full.csv", index=False)

    ok = p.gdp.notna()
    corr = correlation_table(p.gdp[ok], p.score[ok], n_boot=n_boot, seed=seed)
    ols = ols_hc3(p.score, np.log(p.gdp))
    el = log_log_elasticity(p.de_scale, p.gdp)
    cov = coverage_bias(p.score, ok)
    resid = pd.DataFrame({"city": p.index[ok], "city_en": p.city_en[ok].to_numpy(),
                          "score": p.score[ok].to_numpy(), "gdp": p.gdp[ok].to_numpy()})
    resid["residual"] = ols["fit"].resid
    resid = resid.sort_values("residual", ascending=False)
    resid.to_csv(out / "residuals.csv", index=False)
    missing = list(p.index[~ok])
    rob = None
    if draws:
        from .robustness import random_weight_correlations, summarise_draws

        rob = random_weight_correlations(n_draws=draws, seed=seed)
    scen = None
    if draws and scenarios:
        from .robustness import scenario_space_correlations

        scen = scenario_space_correlations(n=scenarios, seed=seed + 1)
    figs = _figures(p, ols["fit"], rob, out / "figures", scen)

    b: list[tuple[str, object]] = [("h1", "Replication of the reports' published claims"),
                                   ("p", f"GDP coverage: {p.attrs['coverage']}"
                                         + (f" (supplement {p.attrs['supplement']}; shipped, cited values take "
                                            "precedence)" if p.attrs.get("supplement") else
                                            " (shipped table only; pass --gdp-supplement to fill gaps)")),
                                   ("h2", "Claims and verdicts"),
                                   ("p", "Verdicts: reproduced (within the tolerance), not reproduced, not "
                                         "checkable (reason in 'why'). 'Strong' correlation = coefficient >= 0.7."),
                                   ("table", claims[["claim_id", "published", "recomputed", "tolerance", "verdict",
                                                     "why"]]),
                                   ("h2", "H3C 2021 score vs 2020 GDP"),
                                   ("table", corr),
                                   ("p", f"OLS score = a + b ln GDP (HC3): b = {ols['slope']:.2f} "
                                         f"[{ols['slope_lo']:.2f}, {ols['slope_hi']:.2f}], R² = {ols['r2']:.3f}, "
                                         f"n = {ols['n']}."),
                                   ("p", f"DE scale vs GDP, log-log elasticity: {el['slope']:.3f} "
                                         f"[{el['slope_lo']:.3f}, {el['slope_hi']:.3f}] (HC3), n = {el['n']}; "
                                         "> 1 means the DE share of GDP rises with GDP.")]
    if p.population.notna().sum() >= 6:
        pc = partial_correlation(np.log(p.gdp), p.score, np.log(p.population))
        pcap = correlation_table(p.gdp / p.population, p.score, names=("gdp per capita", "score"),
                                 n_boot=n_boot, seed=seed)
        b += [("p", f"Partial correlation of score and ln GDP controlling for ln population: r = {pc['r']:.2f} "
                    f"[{pc['lo']:.2f}, {pc['hi']:.2f}], n = {pc['n']}."),
              ("p", "Score vs GDP per capita (population from the supplement):"), ("table", pcap)]
    else:
        b.append(("p", "Partial correlation and per-capita GDP: not computed (no population data; they need a "
                       "GDP supplement with population_2020_wan)."))
    b += [("h2", "Coverage and selection bias"),
          ("p", f"n with GDP = {int(ok.sum())} of {len(p)}. Cities lacking GDP ({len(missing)}): "
                + ("、".join(missing) if missing else "none") + "."),
          ("table", cov.reset_index(names="group")),
          ("p", "If the covered cities score higher or over a narrower range than all 242, the correlation is "
                "estimated on a range-restricted sample (usually attenuated)."
                + (f" Mann-Whitney p = {cov.attrs['mann_whitney_p']:.2g}, KS p = {cov.attrs['ks_p']:.2g}."
                   if "ks_p" in cov.attrs else "")),
          ("img", ("figures/score_vs_log_gdp.png", "score vs log GDP")),
          ("img", ("figures/tier_boxplots.png", "tier boxplots")),
          ("img", ("figures/residuals.png", "residuals")),
          ("p", "Largest residuals of score ~ ln GDP (all in residuals.csv): over-performers first, then "
                "under-performers."),
          ("table", pd.concat([resid.head(5), resid.tail(5)]))]
    if rob is not None:
        from .robustness import summarise_draws

        b += [("h2", "Robustness of the correlation (METHODOLOGICAL ILLUSTRATION, SYNTHETIC data)"),
              ("p", f"{rob.attrs['label']}. Weights ~ U(0,1) rescaled to sum 1, {len(rob):,} draws "
                    f"(Handbook Step 9), n = {rob.attrs['n_cities']} cities with GDP; equal-weight index: "
                    f"Pearson {rob.attrs['nominal_pearson_log_gdp']:.3f}."),
              ("table", summarise_draws(rob).reset_index(names="draws"))]
        if scen is not None:
            b += [("p", f"Scenario space of the sensitivity analysis ({', '.join(scen.attrs['factors'])}), "
                        f"{len(scen)} Sobol' scenarios, same SYNTHETIC panel:"),
                  ("table", summarise_draws(scen[["pearson_log_gdp", "spearman"]]).reset_index(names="scenarios"))]
        b.append(("img", ("figures/correlation_distribution.png", "correlation distribution")))
    md, ht = _render(b)
    (out / "report.md").write_text(md, encoding="utf-8")
    (out / "report.html").write_text(ht, encoding="utf-8")
    corr.to_csv(out / "gdp_correlation.csv", index=False)
    return {"out": out, "claims": claims, "correlation": corr, "figures": figs,
            "summary": summary_lines(claims, corr), "missing_gdp": missing}
