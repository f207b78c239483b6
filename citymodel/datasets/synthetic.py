"""Synthetic city indicator panels (clearly labelled SYNTHETIC), for tests, examples and benchmarks.

The indicator-level data behind the Chinese city digital-economy reports are not public:
the H3C/CAICT 2021 Blue Book publishes 242 index scores, but its indicator table
(附录1 指标体系及权重) is not in the source text. This module therefore ships a documented
generator instead of fake "real" data. Every output carries ``attrs["synthetic"] = 1`` and a
``title`` that starts with ``"SYNTHETIC"`` (see :func:`citymodel.data.is_synthetic`).

Functions
---------
h3c_framework       the H3C/CAICT 2021 structure (4 pillars x 3 sub-pillars) with placeholder
                    indicators (36 by default)
make_cities         a synthetic city x indicator panel for any framework (latent-factor model)
make_h3c_panel      the same model for the 242 H3C cities, driven by the *published* scores
calibration_report  how closely an equal-weight index of a panel tracks the published scores

Model (``make_cities``)
-----------------------
For city :math:`i`, pillar :math:`p` (the nodes one level below the root; one factor for a
flat framework) and indicator :math:`j` in pillar :math:`p(j)`:

.. math::

    F_{ip} &= \\operatorname{std}\\big(a\\, z(\\log GDP)_i + b\\, z(\\log pop)_i
              + \\tau\\, e_{ip}\\big), \\quad e_{i\\cdot} \\sim N(0, R),\\;
              R = (1-\\rho) I + \\rho J \\\\
    u_{ij} &= d_j\\, \\frac{\\lambda_j F_{i p(j)} + \\sigma\\, \\varepsilon_{ij}}
              {\\sqrt{\\lambda_j^2 + \\sigma^2}}, \\quad
              \\varepsilon_{ij} \\sim t_5 / \\sqrt{5/3}

with ``a = gdp_loading``, ``b = pop_loading``, ``tau = pillar_noise``, ``rho = pillar_corr``,
``sigma = noise``, loadings :math:`\\lambda_j \\sim U(0.7, 0.95)`, :math:`d_j` the indicator
direction (so cost-type indicators *decrease* in the latent capability), Student-t noise for
heavy tails, and ``std`` standardisation over cities. :math:`u` is mapped to a realistic scale
by the indicator's *kind*:

* ``lognormal`` (levels, intensities): :math:`x = m \\exp(k\\, s\\, u)`;
* ``share``: :math:`x = \\operatorname{expit}(\\operatorname{logit}(m) + s u)`, times 100 if the
  unit is ``%``;
* ``count``: :math:`x \\sim \\operatorname{Poisson}(m \\exp(k\\, s\\, u))`;

with median :math:`m`, spread :math:`s` and :math:`k` = ``skew``. The kind, median and spread
of each placeholder indicator of :func:`h3c_framework` are written in its ``source`` field
(``generator: lognormal(median=50, spread=0.4)``), so a framework saved to YAML regenerates
the same scales; indicators of other frameworks get kinds by position and random scales.
Finally a share ``outliers`` of cells is multiplied by an integer factor in [5, 20] (data-entry
style errors: shares can then exceed 100 %) and a disjoint share ``missing`` is set to NaN
completely at random, never emptying an indicator.

The log-GDP / log-population model (median population about 350 万人, median GDP per capita
about 6 万元, so median GDP about 2,100 亿元) is chosen for plausible magnitudes of Chinese
prefecture-level cities; its constants are not estimates from any data set.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from ..data import indicator_data
from ..errors import DataError, SpecError, unknown_name
from ..framework import Framework, Node
from . import load_city_gdp, load_frameworks, load_h3c2021, province_regions, short_province

__all__ = ["h3c_framework", "make_cities", "make_h3c_panel", "calibration_report", "KINDS",
           "H3C_INDEX_NOISE"]

#: Indicator kinds of the generator.
KINDS = ("lognormal", "share", "count")

_GENERATOR = "citymodel.datasets.synthetic"

# ----------------------------------------------------------------------------- H3C structure
_H3C_REPORT_ID = "h3c_caict_2021_de_index"
_PILLAR_CODES = {  # Chinese pillar name in frameworks.yaml -> ASCII code
    "数据及信息化基础设施": "INFRA",
    "城市服务": "SERVICE",
    "城市治理": "GOVERN",
    "产业融合": "INDUSTRY",
}

# Placeholder indicators per sub-pillar: (English name, unit, direction, kind, median, spread).
# The first three of each pool are the default template (6 of 36 are cost-type, direction -1,
# at least one per pillar). Medians are in the unit given (shares as fractions).
_POOLS: dict[str, list[tuple[str, str, int, str, float, float]]] = {
    "INFRA_1": [
        ("fixed broadband download speed", "Mbps", 1, "lognormal", 50.0, 0.4),
        ("5G base stations per 10k residents", "stations per 10k residents", 1, "lognormal", 8.0, 0.8),
        ("fixed broadband price per Mbps (cost-type)", "CNY per Mbps per month", -1, "lognormal", 0.8, 0.5),
        ("households with gigabit fibre", "%", 1, "share", 0.25, 0.9),
    ],
    "INFRA_2": [
        ("data-centre racks", "racks", 1, "count", 2000.0, 1.1),
        ("open government data sets published", "data sets", 1, "count", 300.0, 0.9),
        ("public data resources catalogued", "%", 1, "share", 0.35, 0.8),
        ("data-centre power usage effectiveness (cost-type)", "PUE ratio", -1, "lognormal", 1.5, 0.12),
    ],
    "INFRA_3": [
        ("cloud-service enterprises", "enterprises", 1, "count", 40.0, 1.0),
        ("digital operations staff per 10k employees", "staff per 10k employees", 1, "lognormal", 20.0, 0.7),
        ("network outage time (cost-type)", "hours per year", -1, "lognormal", 5.0, 0.6),
        ("government information systems on cloud", "%", 1, "share", 0.45, 0.9),
    ],
    "SERVICE_1": [
        ("digital public-service policy documents", "documents", 1, "count", 12.0, 0.6),
        ("service domains with a digital plan", "%", 1, "share", 0.40, 0.9),
        ("digital public-service budget per capita", "CNY per capita", 1, "lognormal", 60.0, 0.8),
        ("digital-service staff per 100k residents", "staff per 100k residents", 1, "lognormal", 6.0, 0.6),
    ],
    "SERVICE_2": [
        ("online government service items", "items", 1, "count", 800.0, 0.7),
        ("services fully handled online", "%", 1, "share", 0.35, 0.9),
        ("processing time of online applications (cost-type)", "working days", -1, "lognormal", 6.0, 0.5),
        ("monthly active users of the city app per resident", "users per resident", 1, "lognormal", 0.3, 0.8),
    ],
    "SERVICE_3": [
        ("satisfaction with online public services", "%", 1, "share", 0.40, 0.7),
        ("electronic health card coverage", "%", 1, "share", 0.30, 1.0),
        ("service complaints per 10k residents (cost-type)", "complaints per 10k residents", -1, "lognormal", 15.0, 0.6),
        ("visits to online service portals per resident", "visits per resident", 1, "lognormal", 4.0, 0.9),
    ],
    "GOVERN_1": [
        ("smart-governance policy documents", "documents", 1, "count", 8.0, 0.6),
        ("governance domains covered by a digital plan", "%", 1, "share", 0.35, 0.9),
        ("governance IT budget per capita", "CNY per capita", 1, "lognormal", 40.0, 0.9),
        ("cross-department data-sharing agreements", "agreements", 1, "count", 25.0, 0.8),
    ],
    "GOVERN_2": [
        ("IoT sensors in municipal management per km2", "sensors per km2", 1, "lognormal", 3.0, 1.0),
        ("credit records digitised", "%", 1, "share", 0.45, 0.8),
        ("emergency dispatch time (cost-type)", "minutes", -1, "lognormal", 12.0, 0.4),
        ("public video cameras per 1k residents", "cameras per 1k residents", 1, "lognormal", 5.0, 0.7),
    ],
    "GOVERN_3": [
        ("city-management cases closed via the city platform", "%", 1, "share", 0.40, 0.9),
        ("environmental incidents detected by sensors", "incidents", 1, "count", 60.0, 0.9),
        ("credit-based joint sanctions executed online", "cases", 1, "count", 150.0, 1.0),
        ("unresolved city-management cases per 10k residents (cost-type)", "cases per 10k residents", -1, "lognormal", 10.0, 0.6),
    ],
    "INDUSTRY_1": [
        ("value added of core digital industries", "亿元 (1e8 CNY)", 1, "lognormal", 150.0, 1.1),
        ("digital-industry enterprises", "enterprises", 1, "count", 500.0, 1.1),
        ("employment share of digital industries", "%", 1, "share", 0.04, 0.6),
        ("software business revenue", "亿元 (1e8 CNY)", 1, "lognormal", 50.0, 1.3),
    ],
    "INDUSTRY_2": [
        ("firms using cloud services", "%", 1, "share", 0.30, 0.9),
        ("industrial-internet platforms", "platforms", 1, "count", 6.0, 0.9),
        ("enterprise cloud-service price (cost-type)", "CNY per vCPU-month", -1, "lognormal", 90.0, 0.3),
        ("e-commerce transactions per capita", "CNY per capita", 1, "lognormal", 20000.0, 0.9),
    ],
    "INDUSTRY_3": [
        ("digital-economy share of GDP", "%", 1, "share", 0.30, 0.6),
        ("labour productivity of digital-intensive sectors", "10k CNY per worker", 1, "lognormal", 25.0, 0.5),
        ("digital-technology patents per 10k residents", "patents per 10k residents", 1, "lognormal", 2.0, 1.1),
        ("firms reporting a digital-skills shortage (cost-type)", "%", -1, "share", 0.30, 0.6),
    ],
}

_SPEC_RE = re.compile(
    r"generator:\s*(lognormal|share|count)\(median=([-+0-9.eE]+),\s*spread=([-+0-9.eE]+)\)"
)
# kinds given by position to indicators whose source has no generator spec
_FALLBACK_KINDS = ("lognormal", "share", "lognormal", "count", "lognormal", "lognormal")

# log-population (万人) and log-GDP-per-capita (元) model of the city draws
_LOGPOP_MU, _LOGPOP_SD = math.log(350.0), 0.55
_LOGPC_MU, _LOGPC_SD = math.log(60000.0), 0.45
_RHO_POP_PC = 0.3
_LOG_YI = math.log(1e4)  # GDP(亿元) = pop(万人) * pc(元) / 1e4


def _letters(k: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'aa' (spreadsheet-style)."""
    s = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        s = chr(97 + r) + s
    return s


def _fmt(v: float) -> str:
    return f"{v:g}"


def h3c_framework(indicators_per_subpillar: int = 3, seed: int | np.random.Generator | None = None
                  ) -> Framework:
    """The H3C/CAICT 2021 City Digital Economy Index structure with SYNTHETIC indicators.

    Root ``DEI`` (数字经济指数); 4 pillars from ``frameworks.yaml`` (report
    ``h3c_caict_2021_de_index``): ``INFRA`` 数据及信息化基础设施, ``SERVICE`` 城市服务,
    ``GOVERN`` 城市治理, ``INDUSTRY`` 产业融合; 3 sub-pillars each (``INFRA_1`` ..
    ``INDUSTRY_3``, names from the YAML; those of 城市治理 are inferred there from section 04)
    and ``indicators_per_subpillar`` placeholder indicators per sub-pillar (``INFRA_1_a``, ...).
    All weights are equal: the report's weights (附录1) are not in the source.

    The default template has 36 indicators, 6 of them cost-type (direction -1, at least one per
    pillar), with plausible units. Each indicator's ``source`` says it is a synthetic
    placeholder and records the generator kind, median and spread used by :func:`make_cities`.

    Parameters
    ----------
    indicators_per_subpillar : int, default 3
        Placeholder indicators per sub-pillar (1-26). Each sub-pillar has a pool of 4
        placeholders; beyond 4 the pool repeats with ``(variant n)`` in the name.
    seed : int or numpy.random.Generator, optional
        ``None`` takes the first ``indicators_per_subpillar`` placeholders of every pool (the
        documented template). A seed draws a random subset of each pool instead (order kept),
        so directions and units vary between seeds.

    Returns
    -------
    Framework
        Equal weights at every level; ``name`` and ``description`` say the indicators are
        synthetic placeholders.

    References
    ----------
    新华三集团数字经济研究院 & 中国信息通信研究院 (2021) 中国城市数字经济指数蓝皮书(2021),
    sections 02-05 (pillars and sub-pillars as listed in ``frameworks.yaml``).

    Examples
    --------
    >>> fw = h3c_framework()
    >>> len(fw.children("DEI")), len(fw.indicators), int((fw.directions == -1).sum())
    (4, 36, 6)
    >>> fw.children("INFRA")
    ['INFRA_1', 'INFRA_2', 'INFRA_3']
    """
    k = indicators_per_subpillar
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= 26:
        raise SpecError(
            f"indicators_per_subpillar must be an integer from 1 to 26, got {k!r}"
        )
    k = int(k)
    rng = None if seed is None else np.random.default_rng(seed)
    rep = next(r for r in load_frameworks()["reports"] if r["id"] == _H3C_REPORT_ID)
    # English names of sub-pillars by Chinese name (城市治理 has none of its own in the YAML)
    zh_en: dict[str, str] = {}
    for p in rep["first_level"]:
        if "second_level_en" in p:
            zh_en.update(zip(p["second_level"], p["second_level_en"], strict=True))
    yaml_src = f"frameworks.yaml: {_H3C_REPORT_ID}"
    nodes = [Node("DEI", "数字经济指数 (City Digital Economy Index)", source=yaml_src)]
    for p in rep["first_level"]:
        pc = _PILLAR_CODES[p["zh"]]
        nodes.append(Node(pc, f"{p['zh']} ({p['en']})", parent="DEI", source=yaml_src))
        inferred = " (inferred in frameworks.yaml)" if "second_level_note" in p else ""
        for s, sub_zh in enumerate(p["second_level"], start=1):
            sc = f"{pc}_{s}"
            nodes.append(Node(sc, f"{sub_zh} ({zh_en.get(sub_zh, sub_zh)})", parent=pc,
                              source=yaml_src + inferred))
            pool = _POOLS[sc]
            if rng is not None and k < len(pool):
                picks = sorted(rng.choice(len(pool), size=k, replace=False).tolist())
            else:
                picks = [t % len(pool) for t in range(k)]
            for t, q in enumerate(picks):
                name, unit, direction, kind, median, spread = pool[q]
                variant = t // len(pool)
                label = name + (f" (variant {variant + 1})" if variant else "")
                nodes.append(Node(
                    f"{sc}_{_letters(t)}", f"synthetic indicator: {label}", parent=sc,
                    direction=direction, unit=unit,
                    source=("SYNTHETIC placeholder, not from the report; generator: "
                            f"{kind}(median={_fmt(median)}, spread={_fmt(spread)})"),
                ))
    description = (
        "Structure of the H3C/CAICT 中国城市数字经济指数蓝皮书(2021): 4 pillars and their 3 "
        "sub-pillars each, as given in the report text (frameworks.yaml; those of 城市治理 are "
        "inferred there from the section-04 headings). The indicators are "
        "SYNTHETIC PLACEHOLDERS: the report's indicator table with weights (附录1 指标体系及权重) "
        "is not in the source text, so indicator names, units, directions and the equal weights "
        "are ours, not the report's. Generated by citymodel.datasets.synthetic.h3c_framework"
        f"(indicators_per_subpillar={k}, seed={_seed_attr(seed)})."
    )
    return Framework(nodes, name="H3C/CAICT 2021 City Digital Economy Index (SYNTHETIC indicators)",
                     description=description)


# ----------------------------------------------------------------------------- validation
def _check_fraction(name: str, v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise SpecError(f"{name} must be a number in [0, 1), got {v!r}") from None
    if not (0.0 <= f < 1.0):
        raise SpecError(f"{name} must be a share in [0, 1), got {v!r}")
    return f


def _check_positive(name: str, v, *, allow_zero: bool) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise SpecError(f"{name} must be a number, got {v!r}") from None
    if not np.isfinite(f) or f < 0 or (f == 0 and not allow_zero):
        raise SpecError(f"{name} must be {'>= 0' if allow_zero else '> 0'} and finite, got {v!r}")
    return f


def _check_params(missing, outliers, skew, noise, pillar_noise, pillar_corr) -> dict:
    p = {
        "missing": _check_fraction("missing", missing),
        "outliers": _check_fraction("outliers", outliers),
        "skew": _check_positive("skew", skew, allow_zero=False),
        "noise": _check_positive("noise", noise, allow_zero=True),
        "pillar_noise": _check_positive("pillar_noise", pillar_noise, allow_zero=True),
    }
    if p["missing"] + p["outliers"] >= 1:
        raise SpecError(
            f"missing ({p['missing']}) + outliers ({p['outliers']}) must be below 1"
        )
    try:
        rho = float(pillar_corr)
    except (TypeError, ValueError):
        raise SpecError(f"pillar_corr must be a number in [0, 1], got {pillar_corr!r}") from None
    if not 0.0 <= rho <= 1.0:
        raise SpecError(f"pillar_corr must be in [0, 1] (equicorrelation), got {pillar_corr!r}")
    p["pillar_corr"] = rho
    return p


def _city_vector(name: str, v, n: int, cities: np.ndarray, *, positive: bool) -> np.ndarray:
    try:
        a = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numeric (one value per city)") from None
    if a.shape != (n,):
        raise DataError(f"{name} has shape {a.shape} but there are {n} cities; give one value per city")
    bad = ~np.isfinite(a) | ((a <= 0) if positive else False)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        need = "a positive finite number" if positive else "finite"
        raise DataError(f"{name} of city {cities[i]!r} is {a[i]!r}; it must be {need}")
    return a


def _regions_of(provinces: np.ndarray, cities: np.ndarray) -> np.ndarray:
    """Region per city from its province (vectorised over the distinct provinces)."""
    table = province_regions()
    uniq, inv = np.unique(np.asarray(provinces, dtype=str), return_inverse=True)
    reg = np.array([table.get(short_province(u)) for u in uniq], dtype=object)
    if any(r is None for r in reg):
        bad = next(j for j, r in enumerate(reg) if r is None)
        i = int(np.flatnonzero(inv == bad)[0])
        raise DataError(
            f"unknown province {provinces[i]!r} of city {cities[i]!r}; known provinces: "
            f"{', '.join(table)}"
        )
    return reg[inv]


# ----------------------------------------------------------------------------- generator core
def _pillar_groups(fw: Framework) -> tuple[np.ndarray, list[str]]:
    """Factor index per indicator: the node one level below the root (one factor if flat)."""
    root = fw.root
    aggs = set(fw.aggregates)
    pillars = [c for c in fw.children(root) if c in aggs]
    if not pillars:
        return np.zeros(len(fw.indicators), dtype=int), [root]
    names = list(pillars)
    group = []
    for i in fw.indicators:
        top = fw.path(i)[-2]
        if top not in aggs:  # an indicator hanging directly under the root
            if root not in names:
                names.append(root)
            top = root
        group.append(names.index(top))
    return np.asarray(group, dtype=int), names


def _indicator_specs(fw: Framework, rng: np.random.Generator
                     ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kind, median, spread, loading and percent-flag of each indicator."""
    inds = fw.indicators
    m = len(inds)
    # random scales for indicators without a spec: drawn for all so the stream is fixed
    u = rng.random((m, 2))
    lambdas = rng.uniform(0.7, 0.95, size=m)
    kinds, medians, spreads, pct = [], np.empty(m), np.empty(m), np.zeros(m, dtype=bool)
    for j, code in enumerate(inds):
        node = fw[code]
        mt = _SPEC_RE.search(node.source or "")
        pct[j] = node.unit.strip() == "%"
        if mt:
            kind, med, spr = mt.group(1), float(mt.group(2)), float(mt.group(3))
            if kind == "share" and not 0 < med < 1:
                raise SpecError(f"indicator {code!r}: share median must be in (0, 1), got {med}")
            if med <= 0 or spr < 0:
                raise SpecError(f"indicator {code!r}: generator median must be > 0 and spread >= 0")
        else:
            kind = "share" if pct[j] else _FALLBACK_KINDS[j % len(_FALLBACK_KINDS)]
            if kind == "lognormal":
                med, spr = 10 ** (3 * u[j, 0]), 0.5 + 0.6 * u[j, 1]
            elif kind == "share":
                med, spr = 0.1 + 0.4 * u[j, 0], 0.6 + 0.6 * u[j, 1]
            else:
                med, spr = 10 ** (0.7 + 2 * u[j, 0]), 0.6 + 0.5 * u[j, 1]
        kinds.append(kind)
        medians[j], spreads[j] = med, spr
    return kinds, medians, spreads, lambdas, pct


def _std(a: np.ndarray, axis: int = 0) -> np.ndarray:
    sd = a.std(axis=axis, keepdims=True)
    return (a - a.mean(axis=axis, keepdims=True)) / np.where(sd > 0, sd, 1.0)


def _pillar_factors(common: np.ndarray, n_factors: int, rng: np.random.Generator, *,
                    shared_sd: float, own_sd: float, centre: bool) -> np.ndarray:
    """``std(common + shared_sd * s + own_sd * o)``, shape (city, pillar).

    ``s ~ N(0, 1)`` is shared by the pillars of a city, ``o ~ N(0, I)`` is pillar-specific;
    with ``centre`` the pillar-specific parts are centred across pillars (they then cancel in
    the equal-weight mean of the pillars).
    """
    n = common.shape[0]
    shared = rng.standard_normal((n, 1))
    own = rng.standard_normal((n, n_factors))
    if centre and n_factors > 1:
        own = (own - own.mean(axis=1, keepdims=True)) * math.sqrt(n_factors / (n_factors - 1))
    return _std(common[:, None] + shared_sd * shared + own_sd * own)


def _simulate(F: np.ndarray, fw: Framework, group: np.ndarray, rng: np.random.Generator,
              p: Mapping) -> tuple[np.ndarray, dict]:
    """Indicator values (city, indicator) from pillar factors ``F`` (city, pillar)."""
    n = F.shape[0]
    kinds, med, spr, lam, pct = _indicator_specs(fw, rng)
    m = len(kinds)
    d = np.array([fw[i].direction for i in fw.indicators], dtype=float)
    eps = rng.standard_t(5, size=(n, m)) / math.sqrt(5.0 / 3.0)
    sig = p["noise"]
    U = d * (lam * F[:, group] + sig * eps) / np.sqrt(lam**2 + sig**2)
    k = np.array(kinds, dtype=object)
    is_ln, is_sh, is_ct = (k == "lognormal"), (k == "share"), (k == "count")
    X = np.empty((n, m))
    skew = p["skew"]
    if is_ln.any():
        X[:, is_ln] = med[is_ln] * np.exp(skew * spr[is_ln] * U[:, is_ln])
    if is_sh.any():
        logit = np.log(med[is_sh] / (1 - med[is_sh]))
        X[:, is_sh] = np.where(pct[is_sh], 100.0, 1.0) / (1.0 + np.exp(-(logit + spr[is_sh] * U[:, is_sh])))
    if is_ct.any():
        lam_pois = np.minimum(med[is_ct] * np.exp(skew * spr[is_ct] * U[:, is_ct]), 1e12)
        X[:, is_ct] = rng.poisson(lam_pois)
    # outliers and missing cells: one draw of distinct cells, outliers first
    n_cells = n * m
    k_out = int(round(p["outliers"] * n_cells))
    k_miss = int(round(p["missing"] * n_cells))
    cells = rng.choice(n_cells, size=k_out + k_miss, replace=False) if k_out + k_miss else \
        np.empty(0, dtype=int)
    factors = rng.integers(5, 21, size=k_out)
    if k_out:
        r, c = np.unravel_index(cells[:k_out], (n, m))
        X[r, c] *= factors
    n_missing = 0
    if k_miss:
        mask = np.zeros(n_cells, dtype=bool)
        mask[cells[k_out:]] = True
        mask = mask.reshape(n, m)
        keep = min(2, n)
        for j in np.flatnonzero((n - mask.sum(axis=0)) < keep):  # rare: only at extreme shares
            rows = np.flatnonzero(mask[:, j])
            mask[rng.choice(rows, size=keep - (n - rows.size), replace=False), j] = False
        X[mask] = np.nan
        n_missing = int(mask.sum())
    info = {"kind": np.array(kinds, dtype=object), "n_outliers": k_out, "n_missing": n_missing}
    return X, info


def _draw_gdp_pop(n: int, rng: np.random.Generator, log_gdp: np.ndarray | None,
                  log_pop: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(log GDP in 亿元, log population in 万人) from the bivariate normal model, given either."""
    z = rng.standard_normal((n, 2))
    sp, sg, r = _LOGPOP_SD, _LOGPC_SD, _RHO_POP_PC
    if log_gdp is None and log_pop is None:
        lp = _LOGPOP_MU + sp * z[:, 0]
        lpc = _LOGPC_MU + sg * (r * z[:, 0] + math.sqrt(1 - r**2) * z[:, 1])
        return lp + lpc - _LOG_YI, lp
    if log_gdp is None:  # log pc | log pop
        lpc = _LOGPC_MU + r * sg / sp * (log_pop - _LOGPOP_MU) + sg * math.sqrt(1 - r**2) * z[:, 1]
        return log_pop + lpc - _LOG_YI, log_pop
    if log_pop is None:  # log pop | log GDP, jointly normal
        mu_g = _LOGPOP_MU + _LOGPC_MU - _LOG_YI
        var_g = sp**2 + sg**2 + 2 * r * sp * sg
        cov = sp**2 + r * sp * sg
        lp = (_LOGPOP_MU + cov / var_g * (log_gdp - mu_g)
              + math.sqrt(sp**2 - cov**2 / var_g) * z[:, 0])
        return log_gdp, lp
    return log_gdp, log_pop


def _default_names(n: int) -> np.ndarray:
    width = max(5, len(str(n)))
    return np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def _seed_attr(seed) -> int | str | None:
    if isinstance(seed, np.random.Generator):
        return "numpy Generator (state not recorded)"
    return None if seed is None else int(seed)


def _framework_or_default(framework) -> Framework:
    if framework is None:
        return h3c_framework()
    if not isinstance(framework, Framework):
        raise SpecError(
            f"framework must be a citymodel Framework, got {type(framework).__name__}; build one "
            "with Framework.from_tree / from_yaml or use h3c_framework()"
        )
    return framework


# ----------------------------------------------------------------------------- public API
def make_cities(
    n_cities: int,
    framework: Framework | None = None,
    seed: int | np.random.Generator | None = None,
    *,
    missing: float = 0.0,
    outliers: float = 0.0,
    skew: float = 1.0,
    noise: float = 0.5,
    city_names: Sequence[str] | None = None,
    provinces: Sequence[str] | None = None,
    log_gdp: Sequence[float] | np.ndarray | None = None,
    population: Sequence[float] | np.ndarray | None = None,
    gdp_loading: float = 0.6,
    pop_loading: float = 0.2,
    pillar_noise: float = 0.6,
    pillar_corr: float = 0.5,
) -> xr.DataArray:
    """A SYNTHETIC city x indicator panel from a latent digital-capability model.

    Per city: log GDP and log population (drawn, or given); per pillar (node one level below
    the root; one factor for a flat framework) a latent factor
    :math:`F_p = \\operatorname{std}(a\\,z(\\log GDP) + b\\,z(\\log pop) + \\tau e_p)` with
    equicorrelated pillar noise :math:`e`; per indicator
    :math:`u_j = d_j(\\lambda_j F_{p(j)} + \\sigma \\varepsilon_j)/\\sqrt{\\lambda_j^2+\\sigma^2}`
    (Student-t(5) :math:`\\varepsilon`), mapped to a lognormal, share or count scale (see the
    module docstring). Cost-type indicators (direction -1) decrease in the latent factor.

    Parameters
    ----------
    n_cities : int
        Number of cities (>= 2).
    framework : Framework, optional
        Any framework; default :func:`h3c_framework` (36 indicators). Indicators whose
        ``source`` holds ``generator: kind(median=.., spread=..)`` use that scale; others get
        kinds by position (lognormal, share, lognormal, count, lognormal, lognormal; ``%``
        units are shares) and random scales.
    seed : int or numpy.random.Generator, optional
        Same seed, same panel.
    missing : float in [0, 1)
        Share of cells set to NaN completely at random (exact count, rounded); every indicator
        keeps at least 2 observed values.
    outliers : float in [0, 1)
        Share of cells (disjoint from the missing ones) multiplied by an integer in [5, 20].
    skew : float > 0
        Multiplies the log-scale spread of lognormal and count indicators (1 = default
        scales; smaller is less skewed).
    noise : float >= 0
        Idiosyncratic noise sd :math:`\\sigma` relative to the factor loading.
    city_names : sequence of str, optional
        Unique names; default ``C00001``, ``C00002``, ...
    provinces : sequence of str, optional
        Province per city (short or full names); default drawn uniformly from
        :func:`~citymodel.datasets.province_regions`. Regions follow from them.
    log_gdp : array, optional
        Natural log of GDP in 亿元 per city; drawn if not given (conditionally on
        ``population`` if that is given).
    population : array, optional
        Population in 万人 per city; drawn if not given (conditionally on ``log_gdp``).
    gdp_loading, pop_loading : float
        :math:`a`, :math:`b`: weights of z(log GDP) and z(log population) in the factors.
    pillar_noise : float >= 0
        :math:`\\tau`, sd of the pillar-specific noise (pillars differ more when larger).
    pillar_corr : float in [0, 1]
        :math:`\\rho`, correlation of the pillar-specific noise between pillars.

    Returns
    -------
    xarray.DataArray
        Dims (city, indicator) built with :func:`citymodel.data.indicator_data`: indicator
        coords ``direction``, ``unit``, ``source``, ``kind``, ``pillar``; city coords
        ``province``, ``region``, ``log_gdp``, ``population``. ``attrs``: ``synthetic = 1``,
        ``title`` starting "SYNTHETIC", ``generator``, every parameter, ``seed``, ``framework``.

    References
    ----------
    Latent-factor simulation of composite-indicator data as in Saisana, Saltelli & Tarantola
    (2005) JRSS-A 168:307; this generator's constants are documented assumptions, not estimates.

    Examples
    --------
    >>> da = make_cities(5, seed=1)
    >>> da.sizes["city"], da.sizes["indicator"], da.attrs["synthetic"]
    (5, 36, 1)
    >>> da.attrs["title"].startswith("SYNTHETIC")
    True
    """
    if isinstance(n_cities, bool) or not isinstance(n_cities, (int, np.integer)) or n_cities < 2:
        raise SpecError(f"n_cities must be an integer >= 2, got {n_cities!r}")
    n = int(n_cities)
    fw = _framework_or_default(framework)
    p = _check_params(missing, outliers, skew, noise, pillar_noise, pillar_corr)
    a = _check_positive("gdp_loading", gdp_loading, allow_zero=True)
    b = _check_positive("pop_loading", pop_loading, allow_zero=True)
    rng = np.random.default_rng(seed)

    if city_names is None:
        cities = _default_names(n)
    else:
        cities = np.asarray([str(c) for c in city_names], dtype=object)
        if cities.shape != (n,):
            raise DataError(f"city_names has {cities.size} names but n_cities is {n}; give one per city")
        s = pd.Index(cities)
        if s.has_duplicates:
            raise DataError(f"city_names has duplicates: {s[s.duplicated()].unique().tolist()[:10]}; "
                            "names must be unique")
    if provinces is None:
        keys = np.array(list(province_regions()), dtype=object)
        prov = keys[rng.integers(0, keys.size, size=n)]
    else:
        prov = np.asarray(list(provinces), dtype=object)
        if prov.shape != (n,):
            raise DataError(f"provinces has {prov.size} entries but n_cities is {n}; give one per city")
    regions = _regions_of(prov, cities)
    lg = None if log_gdp is None else _city_vector("log_gdp", log_gdp, n, cities, positive=False)
    pop = None if population is None else _city_vector("population", population, n, cities, positive=True)
    lg, lp = _draw_gdp_pop(n, rng, lg, None if pop is None else np.log(pop))

    group, pillar_names = _pillar_groups(fw)
    common = a * _std(lg) + b * _std(lp)
    tau, rho = p["pillar_noise"], p["pillar_corr"]
    F = _pillar_factors(common, len(pillar_names), rng, shared_sd=tau * math.sqrt(rho),
                        own_sd=tau * math.sqrt(1.0 - rho), centre=False)
    X, info = _simulate(F, fw, group, rng, p)

    params = {**p, "gdp_loading": a, "pop_loading": b}
    attrs = {
        "title": f"SYNTHETIC city indicator panel ({n} cities x {len(group)} indicators) - not real data",
        "synthetic": 1,
        "generator": f"{_GENERATOR}.make_cities",
        "model": "latent pillar factors from z(log GDP), z(log population) and correlated pillar "
                 "noise; indicators = loading * factor + Student-t(5) noise, mapped to "
                 "lognormal/share/count scales (see the module docstring)",
        "seed": _seed_attr(seed),
        **params,
        "n_missing": info["n_missing"],
        "n_outliers": info["n_outliers"],
        "units": "indicators: see the 'unit' coordinate; log_gdp: ln(GDP in 亿元); population: 万人",
        "framework": fw,
    }
    return _wrap(X, fw, cities, {"province": prov, "region": regions, "log_gdp": lg,
                                 "population": np.exp(lp)}, attrs, info, group, pillar_names)


def _wrap(X, fw, cities, coords, attrs, info, group, pillar_names) -> xr.DataArray:
    """The labelled panel (:func:`citymodel.data.indicator_data`) plus ``kind``/``pillar`` coords."""
    df = pd.DataFrame(np.asarray(X, dtype=float), index=list(cities), columns=fw.indicators)
    da = indicator_data(df, framework=fw, city_coords=pd.DataFrame(coords), attrs=attrs)
    return da.assign_coords(
        kind=("indicator", info["kind"]),
        pillar=("indicator", np.asarray(pillar_names, dtype=object)[group]),
    )


_H3C_OPTIONS = ("missing", "outliers", "skew", "noise")

#: sd of the index-level (common) noise of :func:`make_h3c_panel`, chosen so that the
#: equal-weight index tracks the published scores with Spearman about 0.97 (seeds 0-49:
#: see tests/test_synthetic.py).
H3C_INDEX_NOISE = 0.13


def make_h3c_panel(seed: int | np.random.Generator | None = 0, framework: Framework | None = None, *,
                   pillar_noise: float = 0.4, index_noise: float = H3C_INDEX_NOISE,
                   **kwargs) -> xr.DataArray:
    """A SYNTHETIC indicator panel for the 242 H3C/CAICT 2021 cities, calibrated to the published scores.

    Same generator as :func:`make_cities`, but the latent pillar factors are driven by the
    *published* index scores :math:`S` (:func:`~citymodel.datasets.load_h3c2021`) instead of
    GDP and population:

    .. math::

        F_{ip} = \\operatorname{std}\\Big(z(S)_i + \\tau_0 \\eta_i
                 + \\tau \\sqrt{\\tfrac{P}{P-1}}\\,(e_{ip} - \\bar e_{i\\cdot})\\Big),
        \\quad \\eta_i, e_{ip} \\sim N(0, 1).

    The published score is (in the report) an aggregate of the pillar scores, so given the
    score the pillar deviations are centred across pillars: pillars differ (``pillar_noise``
    :math:`\\tau`) without moving the index, and the common noise :math:`\\tau_0`
    (``index_noise``) plus the indicator noise set how closely the index tracks the published
    score. An equal-weight index of the panel (direction, min-max to [0, 100], arithmetic
    means within sub-pillars, pillars and the index) has Spearman about 0.97 with the
    published scores by default (not 1: the noise is kept realistic). The achieved Spearman
    and Pearson are in ``attrs`` (``calibration_spearman``, ``calibration_pearson``); see
    :func:`calibration_report`.

    Parameters
    ----------
    seed : int or numpy.random.Generator, default 0
    framework : Framework, optional
        Default :func:`h3c_framework`. With a flat framework there is one factor.
    pillar_noise : float >= 0, default 0.4
        :math:`\\tau`, sd of the pillar deviations (centred across pillars).
    index_noise : float >= 0, default ``H3C_INDEX_NOISE`` (0.13)
        :math:`\\tau_0`, sd of the common noise; larger values lower the calibration Spearman.
    **kwargs
        ``missing``, ``outliers``, ``skew``, ``noise`` as in :func:`make_cities`
        (missing values and outliers lower the calibration).

    Returns
    -------
    xarray.DataArray
        242 cities x indicators; city coords ``city_en``, ``province``, ``region``,
        ``log_gdp`` (ln of the *shipped* 2020 GDP in 亿元 where it exists, else NaN: no
        supplement is read), ``population`` (NaN: not shipped), ``published_score`` and
        ``published_rank`` (the real published values the panel is calibrated to).
        ``attrs["synthetic"] = 1``; the title starts "SYNTHETIC".

    References
    ----------
    中国城市数字经济指数蓝皮书(2021), 城市总分及排名 (the 242 published scores).

    Examples
    --------
    >>> da = make_h3c_panel(seed=0)
    >>> da.sizes["city"], da.attrs["synthetic"], da.attrs["calibration_spearman"] >= 0.95
    (242, 1, True)
    """
    for key in kwargs:
        if key not in _H3C_OPTIONS:
            raise unknown_name("make_h3c_panel option", key, _H3C_OPTIONS)
    fw = _framework_or_default(framework)
    p = _check_params(kwargs.get("missing", 0.0), kwargs.get("outliers", 0.0),
                      kwargs.get("skew", 1.0), kwargs.get("noise", 0.5), pillar_noise, 0.0)
    del p["pillar_corr"]
    p["index_noise"] = _check_positive("index_noise", index_noise, allow_zero=True)
    rng = np.random.default_rng(seed)
    h = load_h3c2021()
    cities = h.city.to_numpy()
    score = h.score.to_numpy().astype(float)
    gdp = load_city_gdp()["gdp_2020_yi"].reindex(pd.Index(cities)).to_numpy(float)

    group, pillar_names = _pillar_groups(fw)
    F = _pillar_factors(_std(score), len(pillar_names), rng, shared_sd=p["index_noise"],
                        own_sd=p["pillar_noise"], centre=True)
    X, info = _simulate(F, fw, group, rng, p)

    index = _equal_weight_index(X, fw)
    ok = np.isfinite(index)
    rho = float(stats.spearmanr(index[ok], score[ok]).statistic)
    r = float(stats.pearsonr(index[ok], score[ok]).statistic)
    attrs = {
        "title": ("SYNTHETIC indicator panel for the 242 H3C/CAICT 2021 cities, calibrated to "
                  "the published index scores - not the report's data"),
        "synthetic": 1,
        "generator": f"{_GENERATOR}.make_h3c_panel",
        "model": "latent pillar factors = std(z(published score) + index_noise * common noise "
                 "+ pillar_noise * pillar deviations centred across pillars); indicators = loading * factor + Student-t(5) noise, mapped to "
                 "lognormal/share/count scales (see the module docstring)",
        "calibration_target": "H3C/CAICT 2021 published index scores (load_h3c2021().score)",
        "calibration_spearman": rho,
        "calibration_pearson": r,
        "calibration_index": "equal weights; direction, min-max [0, 100], arithmetic means "
                             "within sub-pillars, pillars, index",
        "seed": _seed_attr(seed),
        **p,
        "n_missing": info["n_missing"],
        "n_outliers": info["n_outliers"],
        "units": "indicators: see the 'unit' coordinate; log_gdp: ln(shipped 2020 GDP in 亿元), "
                 "NaN where not shipped; population: not available (NaN)",
        "framework": fw,
    }
    coords = {
        "city_en": h.city_en.to_numpy(), "province": h.province.to_numpy(),
        "region": h.region.to_numpy(), "log_gdp": np.log(gdp),
        "population": np.full(cities.size, np.nan),
        "published_score": score, "published_rank": h["rank"].to_numpy(),
    }
    return _wrap(X, fw, cities, coords, attrs, info, group, pillar_names)


def _equal_weight_index(X: np.ndarray, fw: Framework) -> np.ndarray:
    """Reference equal-weight index of data (..., city, indicator) in framework order.

    :math:`I_{qc} = 100 (d_q x_{qc} - \\min_c d_q x_{qc}) / (\\max_c - \\min_c)` (zero range
    gives NaN), then unweighted means of the non-missing children at every aggregate (all
    missing gives NaN), children before parents. Returns the root scores (..., city).
    """
    d = np.array([fw[i].direction for i in fw.indicators], dtype=float)
    Xd = np.asarray(X, dtype=float) * d
    lo = np.nanmin(Xd, axis=-2, keepdims=True)
    hi = np.nanmax(Xd, axis=-2, keepdims=True)
    rng_ = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        N = np.where(rng_ > 0, (Xd - lo) / np.where(rng_ > 0, rng_, 1.0) * 100.0, np.nan)
    scores = {code: N[..., j] for j, code in enumerate(fw.indicators)}
    for agg in fw.aggregates:
        kids = np.stack([scores[k] for k in fw.children(agg)], axis=-1)
        obs = np.isfinite(kids)
        cnt = obs.sum(axis=-1)
        tot = np.where(obs, kids, 0.0).sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            scores[agg] = np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)
    return scores[fw.root]


def calibration_report(panel: xr.DataArray) -> dict:
    """How closely the equal-weight index of a panel tracks the published H3C 2021 scores.

    The index is the reference of :func:`make_h3c_panel` (direction, min-max to [0, 100],
    arithmetic means within sub-pillars, pillars, index) computed with the panel's framework
    (``attrs["framework"]``). Published scores come from the ``published_score`` coordinate
    or, if absent, from :func:`~citymodel.datasets.load_h3c2021` matched by city name.

    Parameters
    ----------
    panel : xarray.DataArray
        A (city, indicator) panel, e.g. from :func:`make_h3c_panel`.

    Returns
    -------
    dict
        ``n_cities`` (with a finite index), ``spearman``, ``pearson``, ``kendall`` (tau-b),
        ``mean_abs_rank_shift``, ``max_abs_rank_shift`` (index rank, 1 = best, ties ``min``,
        against the published rank) and ``synthetic`` (whether the panel is labelled so).

    Examples
    --------
    >>> rep = calibration_report(make_h3c_panel(seed=0))
    >>> rep["n_cities"], rep["spearman"] >= 0.95
    (242, True)
    """
    if not isinstance(panel, xr.DataArray) or not {"city", "indicator"} <= set(panel.dims):
        raise DataError("calibration_report needs a (city, indicator) DataArray, e.g. from make_h3c_panel()")
    fw = panel.attrs.get("framework")
    if isinstance(fw, str):
        fw = Framework.from_json(fw)
    if not isinstance(fw, Framework):
        raise DataError(
            "the panel has no framework in attrs['framework']; set panel.attrs['framework'] = "
            "<Framework> (make_h3c_panel does this)"
        )
    da = panel.transpose("city", "indicator").sel(indicator=fw.indicators)
    cities = da.city.to_numpy()
    if "published_score" in da.coords:
        score = da.published_score.to_numpy().astype(float)
    else:
        pub = load_h3c2021().score.to_series()
        unknown = [c for c in cities if c not in pub.index]
        if unknown:
            raise DataError(
                f"cities not among the 242 H3C 2021 cities: {unknown[:10]}; calibration_report "
                "compares with the published H3C scores only"
            )
        score = pub.reindex(cities).to_numpy(float)
    index = _equal_weight_index(da.to_numpy(), fw)
    ok = np.isfinite(index) & np.isfinite(score)
    if ok.sum() < 3:
        raise DataError(f"only {int(ok.sum())} cities have both an index and a published score; need >= 3")
    x, y = index[ok], score[ok]
    shift = (stats.rankdata(-x, method="min") - stats.rankdata(-y, method="min"))
    return {
        "n_cities": int(ok.sum()),
        "spearman": float(stats.spearmanr(x, y).statistic),
        "pearson": float(stats.pearsonr(x, y).statistic),
        "kendall": float(stats.kendalltau(x, y).statistic),
        "mean_abs_rank_shift": float(np.abs(shift).mean()),
        "max_abs_rank_shift": int(np.abs(shift).max()),
        "synthetic": bool(int(panel.attrs.get("synthetic", 0))),
    }
