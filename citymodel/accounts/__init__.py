"""Digital-economy scale accounts: capital stocks, production functions, growth accounting, DE.

* :mod:`~citymodel.accounts.pim` — perpetual inventory (``K_t = (1 − δ)K_{t−1} + I_t/P_t``), asset
  depreciation defaults, the Zhang et al. (2004) Chinese provincial convention;
* :mod:`~citymodel.accounts.growth` — Törnqvist growth accounting and Solow's residual;
* :mod:`~citymodel.accounts.production` — Cobb-Douglas / translog estimation (pooled, fixed effects,
  CRS, robust/clustered SEs) with statsmodels;
* :mod:`~citymodel.accounts.digital_economy` — DE = DI + ID, DE/GDP, contribution ΔDE/ΔGDP, seed
  figures by H3C tier;
* :mod:`~citymodel.accounts.uncertainty` — Monte Carlo bands over δ, deflators and share source;
* :mod:`~citymodel.accounts.synthetic` — a SYNTHETIC city panel with known elasticities.

Formulas and references: METHODS.md §9.
"""

from .digital_economy import (
    de_accounts,
    de_share_by_tier,
    digital_industrialisation,
    ict_income_share,
    industrial_digitalisation,
    user_cost,
)
from .growth import (
    capital_services,
    growth_accounting,
    labour_input,
    shares_from_elasticities,
    solow_residual,
)
from .pim import (
    DEPRECIATION_DEFAULTS,
    DEPRECIATION_SOURCES,
    depreciation_rates,
    perpetual_inventory,
    zhang_capital_stock,
)
from .production import ProductionResult, estimate_production
from .synthetic import make_growth_panel
from .uncertainty import de_bands, de_monte_carlo, twoway_elasticities

__all__ = [
    "DEPRECIATION_DEFAULTS",
    "DEPRECIATION_SOURCES",
    "ProductionResult",
    "capital_services",
    "de_accounts",
    "de_bands",
    "de_monte_carlo",
    "de_share_by_tier",
    "depreciation_rates",
    "digital_industrialisation",
    "estimate_production",
    "growth_accounting",
    "ict_income_share",
    "industrial_digitalisation",
    "labour_input",
    "make_growth_panel",
    "perpetual_inventory",
    "shares_from_elasticities",
    "solow_residual",
    "twoway_elasticities",
    "user_cost",
    "zhang_capital_stock",
]
