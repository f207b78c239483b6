"""Uncertainty and sensitivity analysis: sampling designs and Sobol' indices (METHODS.md §8)."""

from __future__ import annotations

from .sampling import (
    SaltelliDesign,
    SamplingWarning,
    latin_hypercube,
    monte_carlo,
    saltelli_design,
    sobol_qmc,
)
from .sobol import SobolResult, convergence, sobol_indices

__all__ = [
    "SamplingWarning",
    "SaltelliDesign",
    "monte_carlo",
    "latin_hypercube",
    "sobol_qmc",
    "saltelli_design",
    "SobolResult",
    "sobol_indices",
    "convergence",
]
