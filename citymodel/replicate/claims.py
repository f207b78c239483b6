"""The claim registry: every published figure of ``summary_stats.yaml`` with a recomputation and a verdict.

Each :class:`Claim` carries the source report and exact wording (the yaml quote), the published
value, how it is recomputed, a tolerance and a verdict:

* ``reproduced`` -- recomputed from the bundled tables and within the tolerance (half a unit of
  the printed precision unless stated);
* ``not reproduced`` -- recomputable, but outside the tolerance;
* ``not checkable`` -- needs data that are not available (the reason is given in ``why``).

GDP-correlation claims ("strongly correlated") are judged with :data:`~.correlation.STRONG_R`
(Schober et al. 2018: r >= 0.7 is strong) on the best available data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..errors import unknown_name
from .correlation import STRONG_R, correlation_table, gdp_panel, rank_vs_rank

__all__ = ["Claim", "build_claims", "claims_frame", "recompute_figures", "VERDICTS", "SCOPES"]

VERDICTS = ("reproduced", "not reproduced", "not checkable")
SCOPES = ("h3c2021", "ccid2021", "all")

_TIER_KEYS = {"一线": "tier1", "新一线": "new_tier1", "二线": "tier2", "三线": "tier3", "四线": "tier4"}
_JIANGSU_PREFECTURES = 13  # 江苏 has 13 prefecture-level cities (国家统计局 administrative divisions)


@dataclass
class Claim:
    """One published figure and its replication."""

    claim_id: str
    source: str
    report: str
    quote: str
    statistic: str
    published: str
    recomputed: str
    tolerance: str
    method: str
    verdict: str
    why: str = ""


def _fmt(v) -> str:
    if isinstance(v, float | np.floating):
        return f"{v:.4g}" if abs(v) < 1000 else f"{v:.1f}"
    return str(v)


def _num(claim_id, entry, statistic, published, value, tol, method, why="") -> Claim:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        verdict = "not checkable"
    else:
        verdict = "reproduced" if abs(float(value) - float(published)) <= tol + 1e-12 else "not reproduced"
    return Claim(claim_id, entry["source"], entry["report"], _quote(entry), statistic, _fmt(published),
                 "" if value is None else _fmt(value), f"±{_fmt(tol)}", method, verdict, why)


def _quote(entry) -> str:
    q = entry.get("quote", "")
    return " / ".join(q) if isinstance(q, list) else str(q)


def _nc(claim_id, entry, why, recomputed="") -> Claim:
    return Claim(claim_id, entry["source"], entry["report"], _quote(entry),
                 entry.get("statistic_en", entry.get("en", "")), _fmt(entry.get("value", "qualitative claim")),
                 recomputed, "", "", "not checkable", why)


def recompute_figures(panel: pd.DataFrame | None = None) -> dict:
    """Every checkable figure recomputed from the bundled tables (keys as in ``summary_stats.yaml``).

    DE/GDP shares are ratios of sums over the tier (= mean scale / mean GDP), computed only over
    cities with both values; ``*_gdp_n`` says how many of the tier's cities have GDP.
    """
    from ..datasets import load_ccid2021_top100

    p = gdp_panel() if panel is None else panel
    out = {"h3c_mean_score_242": float(p.score.mean()), "h3c_n_cities": int(len(p)),
           "h3c_max_score": float(p.score.max()), "h3c_max_city": str(p.score.idxmax())}
    for label, key in _TIER_KEYS.items():
        s = p[p.tier == label]
        out[f"h3c_tier_count_{key}"] = int(len(s))
        out[f"h3c_tier_mean_{key}"] = float(s.score.mean())
        ok = s.de_scale.notna() & s.gdp.notna()
        out[f"h3c_{key}_mean_scale_yi"] = float(s.de_scale.mean())
        out[f"h3c_{key}_de_gdp_share_pct"] = float(100 * s.de_scale[ok].sum() / s.gdp[ok].sum()) if ok.any() else np.nan
        out[f"h3c_{key}_de_gdp_share_mean_of_ratios_pct"] = float(100 * (s.de_scale / s.gdp)[ok].mean()) if ok.any() else np.nan
        out[f"h3c_{key}_gdp_n"] = int(ok.sum())
        out[f"h3c_{key}_n_scale"] = int(s.de_scale.notna().sum())
    c = load_ccid2021_top100()
    prov = c.province.str.replace("省", "", regex=False)
    for name, key in (("山东", "shandong"), ("广东", "guangdong"), ("江苏", "jiangsu")):
        out[f"ccid_top100_n_{key}"] = int((prov == name).sum())
    out["ccid_top5"] = [str(x).removesuffix("市") for x in c.sort_values("rank").city.head(5)]
    out["ccid_rank_beijing"] = int(c.loc[c.city == "北京市", "rank"].iloc[0])
    out["ccid_rank_shenzhen"] = int(c.loc[c.city == "深圳市", "rank"].iloc[0])
    shares = c.region.value_counts(normalize=True) * 100
    out["ccid2021_region_share_pct"] = {k: float(v) for k, v in shares.items()}
    return out


def _ccid_gdp_rank(panel: pd.DataFrame, n_boot: int, seed) -> dict:
    from ..datasets import load_ccid2021_top100, load_city_gdp

    c = load_ccid2021_top100()
    g = load_city_gdp(panel.attrs.get("supplement"))
    full = g.reset_index().set_index("city_full")
    gdp = c.city.map(full.gdp_2020_yi).to_numpy(float)
    return rank_vs_rank(c["rank"].to_numpy(), gdp, cities=list(c.city), n_boot=n_boot, seed=seed)


def build_claims(which: str = "all", *, supplement=None, panel: pd.DataFrame | None = None,
                 n_boot: int = 2000, seed: int = 0) -> list[Claim]:
    """Build the claim registry from ``summary_stats.yaml`` and judge every claim.

    Parameters
    ----------
    which : {"h3c2021", "ccid2021", "all"}
        ``h3c2021`` keeps the H3C/CAICT claims, ``ccid2021`` the CCID claims (2020 and 2021),
        ``all`` every claim including Guomai 2024.
    supplement : path, optional
        GDP supplement (:func:`citymodel.datasets.load_city_gdp`); enables GDP-share checks
        for tiers whose cities lack shipped GDP.
    """
    from ..datasets import load_summary_stats

    if which not in SCOPES:
        raise unknown_name("replication scope", which, SCOPES)
    p = gdp_panel(supplement) if panel is None else panel
    f = recompute_figures(p)
    ys = load_summary_stats()
    claims: list[Claim] = []
    for e in ys["stats"]:
        cid = e["id"]
        rep = e.get("replication", {})
        if cid == "h3c_mean_score_242":
            claims.append(_num(cid, e, "mean score, 242 cities", 53.4, f["h3c_mean_score_242"], 0.05,
                               "mean of the 242 published scores"))
        elif cid == "h3c_max_score":
            c = _num(cid, e, "highest score (上海)", 91.6, f["h3c_max_score"], 0.05, "max of the scores")
            if f["h3c_max_city"] != "上海":
                c.verdict, c.why = "not reproduced", f"highest is {f['h3c_max_city']}"
            claims.append(c)
        elif cid == "h3c_tier_counts":
            for label, key in _TIER_KEYS.items():
                claims.append(_num(f"{cid}_{key}", e, f"number of {label} cities", e["value"][label],
                                   f[f"h3c_tier_count_{key}"], 0, "count of cities per tier, cut-offs 85/65/50/40"))
        elif cid == "h3c_tier_mean_scores":
            for label, key in _TIER_KEYS.items():
                claims.append(_num(f"{cid}_{key}", e, f"mean score of {label} cities", e["value"][label],
                                   f[f"h3c_tier_mean_{key}"], 0.05, "mean score per tier, cut-offs 85/65/50/40"))
        elif cid in ("h3c_first_tier_scale", "h3c_new_first_tier_scale"):
            key = "tier1" if cid == "h3c_first_tier_scale" else "new_tier1"
            if key == "tier1":
                claims.append(_num(f"{cid}_mean", e, "mean DE scale of the 6 first-tier cities (万亿元)", 1.4,
                                   f["h3c_tier1_mean_scale_yi"] / 1e4, 0.05, "mean de_scale / 1e4"))
            else:
                claims.append(_num(f"{cid}_mean", e, "mean DE scale of the 47 new-first-tier cities (亿元)", 3718,
                                   f["h3c_new_tier1_mean_scale_yi"], 0.5, "mean de_scale"))
            share = e["value"]["share_of_gdp_pct"]
            n_g, n_s = f[f"h3c_{key}_gdp_n"], f[f"h3c_{key}_n_scale"]
            val = f[f"h3c_{key}_de_gdp_share_pct"]
            alt = f[f"h3c_{key}_de_gdp_share_mean_of_ratios_pct"]
            method = ("100 * sum(DE scale) / sum(GDP 2020) over the tier (= mean scale / mean GDP); "
                      "tolerance 1 pp because the report does not say ratio of means or mean of ratios")
            if n_g < n_s:
                claims.append(_num(f"{cid}_gdp_share", e, "DE share of GDP (%)", share, None, 1.0, method,
                                   f"GDP available for {n_g} of {n_s} tier cities with a DE scale "
                                   f"(partial value {val:.1f}%); pass a GDP supplement"))
                claims[-1].recomputed = f"{val:.1f} (partial, n={n_g})"
            else:
                claims.append(_num(f"{cid}_gdp_share", e, "DE share of GDP (%)", share, val, 1.0, method,
                                   f"n={n_g}; mean of city ratios {alt:.1f}%"))
        elif cid == "ccid2021_tier1":
            ok = f["ccid_top5"] == e["value"]["cities"]
            claims.append(Claim(f"{cid}_cities", e["source"], e["report"], _quote(e), "the 5 tier-1 cities = ranks 1-5",
                                "、".join(e["value"]["cities"]), "、".join(f["ccid_top5"]), "exact set and order",
                                "ranks 1-5 of ccid_2021_top100.csv", "reproduced" if ok else "not reproduced",
                                "the '>70 points' part is not checkable: scores are not published"))
        elif cid == "ccid2021_rank_changes":
            for city, key, pub in (("北京", "beijing", 1), ("深圳", "shenzhen", 3)):
                claims.append(_num(f"{cid}_{key}_2021", e, f"{city} 2021 rank", pub, f[f"ccid_rank_{key}"], 0,
                                   "rank in ccid_2021_top100.csv", "the 2020 ranks (the change) are not in the data"))
        elif cid == "ccid2021_province_counts":
            for name, key, pub in (("山东", "shandong", 13), ("广东", "guangdong", 10),
                                   ("江苏", "jiangsu", _JIANGSU_PREFECTURES)):
                claims.append(_num(f"{cid}_{key}", e, f"Top-100 cities in {name}", pub, f[f"ccid_top100_n_{key}"], 0,
                                   "count by province in ccid_2021_top100.csv",
                                   "'all' = the 13 prefecture-level cities of 江苏" if key == "jiangsu" else ""))
        elif cid == "ccid2020_regional_shares":
            sh = f["ccid2021_region_share_pct"]
            three = sum(sh.get(r, 0.0) for r in ("华东", "华中", "华南"))
            claims.append(_nc(cid, e, "the 2020 Top-100 list was an image, not in the data; for comparison the "
                                      f"2021 list gives 华东+华中+华南 {three:.0f}% and 华东 {sh.get('华东', 0):.0f}%",
                              recomputed=f"2021 list: {three:.0f}% / {sh.get('华东', 0):.0f}% (different year)"))
        elif str(rep.get("status", "")).startswith("context"):
            claims.append(_nc(cid, e, "context figure (national/background), not about the city tables"))
        else:
            why = rep.get("reason") or rep.get("note") or "needs data not in the bundled tables"
            claims.append(_nc(cid, e, str(why).strip()))
    claims += _gdp_claims(ys["gdp_correlation_claims"], p, n_boot=n_boot, seed=seed)
    scope = {"h3c2021": ("h3c_",), "ccid2021": ("ccid_",), "all": ("",)}[which]
    return [c for c in claims if c.report.startswith(scope)]


def _gdp_claims(entries, panel, *, n_boot: int, seed) -> list[Claim]:
    out = []
    seen: dict[str, int] = {}
    for e in entries:
        base = f"gdp_claim_{e['report'].split('_')[0]}{e['report'].split('_')[1]}"
        seen[base] = seen.get(base, 0) + 1
        cid = f"{base}_{seen[base]}"
        quote = e["quote"]
        stat = "strong positive correlation with GDP"
        rep = e["report"]
        if rep.startswith("ccid_2021"):
            rr = _ccid_gdp_rank(panel, n_boot, seed)
            rho = rr["spearman"]
            verdict = "reproduced" if rho >= STRONG_R else "not reproduced"
            rec = f"Spearman {rho:.2f} [{rr['spearman_lo']:.2f}, {rr['spearman_hi']:.2f}], n={rr['n']}"
            why = (f"CCID rank vs 2020 GDP on the ranked Top 100 only (truncated sample: range restriction "
                   f"attenuates the coefficient); {len(rr['missing'])} listed cities lack GDP; "
                   f"'strong' = Spearman >= {STRONG_R}")
            out.append(Claim(cid, e["source"], rep, quote, stat, "strong (no coefficient given)", rec,
                             f"threshold {STRONG_R}", "scipy.stats.spearmanr, Fisher-z CI (Bonett-Wright)",
                             verdict, why))
        elif rep.startswith("h3c"):
            out.append(Claim(cid, e["source"], rep, quote, "no explicit correlation claim", "none", "", "", "",
                             "not checkable", "the H3C report makes no correlation claim; score~GDP is analysed "
                                              "descriptively in the report"))
        elif rep.startswith("ccid_2020"):
            ok = panel.gdp.notna()
            tab = correlation_table(panel.gdp[ok], panel.score[ok], n_boot=200, seed=seed)
            r = tab.iloc[1].estimate
            out.append(Claim(cid, e["source"], rep, quote, stat, "strong (no coefficient given)",
                             f"proxy only: H3C 2021 score vs log GDP r={r:.2f} (n={int(ok.sum())})", "", "",
                             "not checkable", "CCID 2020 scores are not published (the list was an image); "
                                              "the H3C 2021 correlation is shown only as a proxy"))
        else:
            out.append(Claim(cid, e["source"], rep, quote, "strong correlation with regional economy",
                             "strong (no coefficient given)", "", "", "", "not checkable",
                             "Guomai 2024 publishes no city or province scores"))
    return out


def claims_frame(claims: list[Claim]) -> pd.DataFrame:
    """The registry as a table; the first five columns are those of ``claims.csv``."""
    df = pd.DataFrame([asdict(c) for c in claims])
    first = ["claim_id", "source", "published", "recomputed", "verdict"]
    return df[first + [c for c in df.columns if c not in first]]
