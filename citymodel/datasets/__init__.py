"""Bundled published data sets, each with its provenance in ``attrs``.

Published figures only (transcribed from the reports or from cited public sources);
nothing synthetic lives here except :mod:`citymodel.datasets.synthetic`, whose output is
labelled synthetic. Third-party example data (COINr's ASEM, growth data) and the GDP
*supplement* are never shipped: see :func:`load_city_gdp` for how to merge a supplement
read from disk at run time.

Loaders
-------
load_h3c2021            H3C/CAICT 2021 City Digital Economy Index, 242 cities
load_ccid2021_top100    CCID 2021 City Digital Transformation Top 100
load_ccid2021_governance, load_ccid2021_social_service   CCID 2021 thematic Top 100 lists
load_frameworks, load_summary_stats   the reports' frameworks and published figures (YAML)
load_city_gdp           2020 city GDP (101 of 242 cities), optional user-supplied supplement
load_tai, tai_framework OECD/JRC Handbook Technology Achievement Index (23 x 8)
province_regions, region_of, city_names   geography helpers
list_datasets           a table of all of the above (``citymodel info``)
"""

from __future__ import annotations

import functools
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from ..data import indicator_data
from ..errors import CitymodelWarning, DataError
from ..framework import Framework, Node

__all__ = [
    "data_path",
    "load_h3c2021",
    "load_ccid2021_top100",
    "load_ccid2021_governance",
    "load_ccid2021_social_service",
    "load_frameworks",
    "load_summary_stats",
    "load_city_gdp",
    "load_tai",
    "tai_framework",
    "province_regions",
    "region_of",
    "short_province",
    "city_names",
    "list_datasets",
    "H3C_TIER_CUTOFFS",
    "H3C_TIER_LABELS",
]

#: Score cut-offs of the H3C 2021 tiers (map legend 85 / 65-85 / 50-65 / 40-50 / <40).
H3C_TIER_CUTOFFS = (40.0, 50.0, 65.0, 85.0)
#: Tier labels best to worst.
H3C_TIER_LABELS = ("一线", "新一线", "二线", "三线", "四线")

H3C_PROVENANCE = {
    "title": "H3C/CAICT China City Digital Economy Index 2021 (published scores and scales)",
    "report": "中国城市数字经济指数蓝皮书(2021) / China City Digital Economy Index Blue Book (2021)",
    "publisher": "新华三集团数字经济研究院 with 中国信息通信研究院云计算与大数据研究所 (New H3C Group / CAICT)",
    "year": 2021,
    "data_year": 2020,
    "units": "de_index_score: points (0-100); de_scale_2020_yi: 亿元 (100 million CNY), current prices",
    "source": "seed tables transcribed from the report's score and scale tables (h3c_2021_cities.csv); "
              "see seeds_README.md for parsing and every ambiguity",
    "synthetic": 0,
}


def data_path(name: str) -> Path:
    """Path of a bundled data file (inside the installed package)."""
    p = Path(str(resources.files(__package__).joinpath("data", name)))
    if not p.exists():
        raise DataError(f"bundled data file {name!r} not found at {p}; reinstall citymodel")
    return p


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(data_path(name))


@functools.cache
def _yaml(name: str) -> dict:
    return yaml.safe_load(data_path(name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- geography
def short_province(name: str) -> str:
    """Short province name: ``'广西壮族自治区' -> '广西'``, ``'北京市' -> '北京'``."""
    s = str(name).strip()
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市"):
        if s.endswith(suffix) and len(s) > len(suffix):
            return s[: -len(suffix)]
    return s


_REGIONS = ("华东", "华中", "华南", "华北", "西南", "东北", "西北")


def province_regions() -> dict[str, str]:
    """Province (short name) -> region (华东, 华中, 华南, 华北, 西南, 东北, 西北).

    As CCID defines them in its 2020 report (``frameworks.yaml``, region_definitions). Note
    that CCID's 2021 social-service table puts 福建 and 江西 under 华东 instead.
    """
    rep = next(r for r in load_frameworks()["reports"] if r["id"] == "ccid_2020_digital_city_top100")
    defs = rep["region_definitions"]
    return {p: region for region, provs in defs.items()
            if region in _REGIONS for p in provs}


def region_of(province: str) -> str:
    """Region of a province (full or short name); raises :class:`DataError` if unknown."""
    regions = province_regions()
    short = short_province(province)
    if short not in regions:
        raise DataError(f"unknown province {province!r}; known: {', '.join(regions)}")
    return regions[short]


def city_names() -> pd.DataFrame:
    """The 242 H3C cities: Chinese short name, full name, English/pinyin name, province, region, adcode."""
    g = _csv("city_gdp_2020.csv")
    out = g[["city", "city_full", "city_en", "province", "adcode"]].copy()
    out["region"] = [region_of(p) for p in out["province"]]
    return out.set_index("city")


# --------------------------------------------------------------------------- reports
def load_h3c2021() -> xr.Dataset:
    """H3C/CAICT 2021 City Digital Economy Index: 242 cities.

    Variables: ``score`` (index score), ``rank``, ``de_scale`` (2020 digital-economy scale,
    亿元), ``de_scale_rank`` (printed rank), ``tier`` (inferred from the score cut-offs
    85/65/50/40, which reproduce the published counts 6/47/71/88/30). City coordinates:
    ``city_en``, ``province``, ``region``.

    宿迁's scale is NaN: the scale table prints 兰州 twice and never 宿迁; the orphan
    row (662亿元, out of value order) is probably 宿迁's, but using it would be a guess.

    Examples
    --------
    >>> ds = load_h3c2021()
    >>> ds.sizes["city"], round(float(ds.score.mean()), 2)
    (242, 53.43)
    """
    h = _csv("h3c_2021_cities.csv").set_index("city")
    names = city_names().reindex(h.index)
    ds = xr.Dataset(
        {
            "score": ("city", h["de_index_score"].to_numpy(float), {"units": "points"}),
            "rank": ("city", h["de_index_rank"].to_numpy(int)),
            "de_scale": ("city", h["de_scale_2020_yi"].to_numpy(float), {"units": "亿元 (1e8 CNY)"}),
            "de_scale_rank": ("city", h["de_scale_rank"].to_numpy(float),
                              {"note": "printed rank; rank 81 is never printed (see seeds README A3)"}),
            "tier": ("city", h["tier_inferred"].astype(object).to_numpy(),
                     {"cutoffs": list(H3C_TIER_CUTOFFS), "labels": list(H3C_TIER_LABELS),
                      "note": "inferred from the map-legend thresholds; reproduces 6/47/71/88/30"}),
        },
        coords={
            "city": np.array(h.index, dtype=object),
            "city_en": ("city", names["city_en"].astype(object).to_numpy()),
            "province": ("city", names["province"].astype(object).to_numpy()),
            "region": ("city", names["region"].astype(object).to_numpy()),
        },
        attrs=dict(H3C_PROVENANCE),
    )
    ds.attrs["missing"] = ("de_scale of 宿迁 is NaN: absent from the printed scale table, which "
                           "prints 兰州 twice (ranks 74 and 120); the orphan 662亿元 row is not used")
    return ds


_CCID_2021 = {
    "report": "2021中国城市数字化转型白皮书 / 2021 China City Digital Transformation White Paper",
    "publisher": "赛迪顾问股份有限公司 (CCID Consulting), 数字转型研究中心",
    "year": 2021,
    "synthetic": 0,
}


def load_ccid2021_top100() -> pd.DataFrame:
    """CCID 2021 City Digital Transformation Top 100 (表1): ``rank, city, province, region``."""
    df = _csv("ccid_2021_top100.csv")
    df["region"] = [region_of(p) for p in df["province"]]
    df.attrs = {**_CCID_2021, "title": "CCID 2021 城市数字化转型百强榜 (表1)",
                "units": "rank (1 = best); scores not published",
                "source": "ccid_2021_top100.csv, parsed from 表1"}
    return df


def load_ccid2021_governance() -> pd.DataFrame:
    """CCID 2021 digital-governance Top 100 (表2): unranked, ``province, city``."""
    df = _csv("ccid_2021_governance_top100.csv")
    df["region"] = [region_of(p) for p in df["province"]]
    df.attrs = {**_CCID_2021, "title": "CCID 2021 城市数字化治理百强榜 (表2)", "units": "membership (unranked)",
                "source": "ccid_2021_governance_top100.csv, parsed from 表2"}
    return df


def load_ccid2021_social_service() -> pd.DataFrame:
    """CCID 2021 social-service Top 100 (表3): 99 rows with ``uncertain`` flags and notes.

    One 华东 city was lost in the source layout (the table heads 华东 with 39 but prints 38);
    no placeholder is added. ``uncertain = 1`` marks a region/province assignment that was
    reconstructed (membership itself is certain).
    """
    df = _csv("ccid_2021_social_service_top100.csv")
    df["uncertain"] = df["uncertain"].astype(bool)
    df.attrs = {**_CCID_2021, "title": "CCID 2021 城市数字化社会服务百强榜 (表3)",
                "units": "membership (unranked)",
                "source": "ccid_2021_social_service_top100.csv, rebuilt from a broken layout",
                "missing": "99 of 100 cities: one 华东 (probably 江苏) city is not recoverable"}
    return df


def load_frameworks() -> dict:
    """The four reports' frameworks (``frameworks.yaml``, hand-curated with verbatim quotes)."""
    return _yaml("frameworks.yaml")


def load_summary_stats() -> dict:
    """Every published summary figure with its quote and replication status (``summary_stats.yaml``)."""
    return _yaml("summary_stats.yaml")


# --------------------------------------------------------------------------- GDP
def load_city_gdp(supplement: str | Path | None = None) -> pd.DataFrame:
    """2020 city GDP (亿元, current prices, first-release/communiqué figures) for the 242 cities.

    The shipped file has values for 101 cities, each with its source; the other 141 are
    NaN, never dropped.

    Parameters
    ----------
    supplement : path, optional
        A user-supplied CSV with columns ``city`` and ``gdp_2020_yi_fetched`` (optionally
        ``population_2020_wan``), e.g. ``../shared/data/gdp/city_supplement_fetched.csv``.
        It is read at run time and never copied. **Precedence:** the shipped, cited value
        wins wherever it exists; the supplement only fills missing GDP values. Population
        comes only from the supplement.

    Returns
    -------
    DataFrame indexed by ``city`` with ``gdp_2020_yi``, ``gdp_origin`` ("shipped",
    "supplement" or "missing"), ``source``, ``province``, ``city_en``, ``region`` and, with a
    supplement, ``population_2020_wan``. ``attrs["coverage"]`` reports n and share.
    """
    g = _csv("city_gdp_2020.csv").set_index("city")
    g["region"] = [region_of(p) for p in g["province"]]
    g["gdp_origin"] = np.where(g["gdp_2020_yi"].notna(), "shipped", "missing")
    attrs = {
        "title": "2020 city GDP (亿元), first-release figures from public communiqués, cited per row",
        "units": "亿元 (1e8 CNY), current prices",
        "source": "city_gdp_2020.csv (column source cites each row)",
        "year": 2020,
        "synthetic": 0,
    }
    if supplement is not None:
        p = Path(supplement)
        if not p.exists():
            raise DataError(f"GDP supplement file {p} does not exist")
        s = pd.read_csv(p)
        if "city" not in s.columns or "gdp_2020_yi_fetched" not in s.columns:
            raise DataError(f"{p} needs columns 'city' and 'gdp_2020_yi_fetched'; it has {list(s.columns)}")
        s = s.set_index("city")
        unknown = [c for c in s.index if c not in g.index]
        if unknown:
            warnings.warn(f"{p}: cities not in the 242-city list were ignored: {unknown[:10]}",
                          CitymodelWarning, stacklevel=2)
        s = s.reindex(g.index)
        fill = g["gdp_2020_yi"].isna() & s["gdp_2020_yi_fetched"].notna()
        g.loc[fill, "gdp_2020_yi"] = s.loc[fill, "gdp_2020_yi_fetched"]
        g.loc[fill, "gdp_origin"] = "supplement"
        g.loc[fill, "source"] = f"supplement: {p.name}"
        if "population_2020_wan" in s.columns:
            g["population_2020_wan"] = s["population_2020_wan"]
        attrs["supplement"] = str(p)
        attrs["precedence"] = "shipped (cited) values win; the supplement only fills missing values"
    n = int(g["gdp_2020_yi"].notna().sum())
    attrs["coverage"] = f"{n}/{len(g)} cities with GDP ({100 * n / len(g):.0f}%)"
    g.attrs = attrs
    return g


# --------------------------------------------------------------------------- TAI
TAI_CITATION = (
    "UNDP Human Development Report 2001, Technology Achievement Index, as reprinted in Nardo et al. "
    "(2008) Handbook on Constructing Composite Indicators, OECD/JRC, Tables A.1-A.2; goalposts from "
    "Saisana, Saltelli & Tarantola (2005) JRSS A 168(2), Table 1."
)


def tai_framework() -> Framework:
    """TAI structure: 8 indicators in 4 dimensions, equal weights, UNDP goalposts.

    Goalposts of the two log10 indicators are log10 of the natural-unit goalposts.
    """
    gp = _csv("tai_goalposts.csv")
    nodes = [Node("TAI", "Technology Achievement Index")]
    for dim in dict.fromkeys(gp["dimension"]):
        nodes.append(Node(dim, dim, parent="TAI"))
    for r in gp.itertuples():
        lo, hi = float(r.lower), float(r.upper)
        if r.transform == "log10":
            lo, hi = float(np.log10(lo)), float(np.log10(hi))
        nodes.append(Node(r.indicator, str(r.unit), parent=r.dimension, unit=str(r.unit),
                          source=f"UNDP HDR 2001 ({r.year})", lower=lo, upper=hi))
    return Framework(nodes, name="Technology Achievement Index (UNDP 2001)", description=TAI_CITATION)


def load_tai() -> xr.DataArray:
    """The Handbook's TAI data: 23 countries x 8 indicators (TELEPHONES/ELECTRICITY in log10).

    Goalposts are in the framework (:func:`tai_framework`) and as ``lower``/``upper``
    coordinates. Published: equal-weight goalpost index Finland 0.744, United States 0.733.
    """
    df = _csv("tai_2001_23.csv").set_index("country")
    fw = tai_framework()
    da = indicator_data(df, framework=fw, attrs={
        "title": "Technology Achievement Index 2001, 23 countries (published figures)",
        "source": TAI_CITATION, "units": "see the indicator 'unit' coordinate", "synthetic": 0,
    })
    gp = fw.goalposts
    da = da.assign_coords(lower=("indicator", gp["lower"].to_numpy()),
                          upper=("indicator", gp["upper"].to_numpy()))
    return da.rename(city="city")


# --------------------------------------------------------------------------- listing
def list_datasets() -> pd.DataFrame:
    """One row per bundled data set: name, loader, size, description, source."""
    h = load_h3c2021()
    gdp = load_city_gdp()
    rows = [
        ("h3c2021", "load_h3c2021()", f"{h.sizes['city']} cities", h.attrs["title"], h.attrs["publisher"]),
        ("ccid2021_top100", "load_ccid2021_top100()", "100 cities", "CCID 2021 digital transformation Top 100 (ranked)",
         _CCID_2021["publisher"]),
        ("ccid2021_governance", "load_ccid2021_governance()", "100 cities", "CCID 2021 digital governance Top 100",
         _CCID_2021["publisher"]),
        ("ccid2021_social_service", "load_ccid2021_social_service()", "99 cities",
         "CCID 2021 social-service Top 100 (33 uncertain region labels)", _CCID_2021["publisher"]),
        ("city_gdp_2020", "load_city_gdp()", gdp.attrs["coverage"], gdp.attrs["title"], "municipal communiqués"),
        ("tai", "load_tai()", "23 countries x 8 indicators", "Technology Achievement Index (Handbook example)",
         "UNDP HDR 2001 / OECD-JRC Handbook 2008"),
        ("frameworks", "load_frameworks()", f"{len(load_frameworks()['reports'])} reports",
         "indicator frameworks, tiers, regions (verbatim quotes)", "CCID, H3C/CAICT, Guomai"),
        ("summary_stats", "load_summary_stats()", f"{len(load_summary_stats()['stats'])} figures",
         "published summary figures and GDP-correlation claims", "CCID, H3C/CAICT, Guomai"),
    ]
    return pd.DataFrame(rows, columns=["name", "loader", "size", "description", "source"])
