"""citymodel: build composite city indices and test how far their rankings can be trusted.

The layout follows the method: ``data`` / ``framework`` / ``io`` -> ``methods`` (normalise,
treat, impute, weights, aggregate, rank) -> ``build`` -> ``uncertainty``; bundled published data in
``datasets``.
"""

from __future__ import annotations

from .data import indicator_data, is_synthetic, validate_data
from .errors import (
    CitymodelError,
    CitymodelWarning,
    ConsistencyError,
    DataChangeWarning,
    DataError,
    FrameworkError,
    MethodError,
    SpecError,
)
from .framework import Framework, Node
from .io import read_framework, read_netcdf, read_table, to_netcdf, write_csv

__version__ = "0.1.0"

__all__ = [
    "Framework",
    "Node",
    "indicator_data",
    "validate_data",
    "is_synthetic",
    "read_table",
    "read_framework",
    "write_csv",
    "to_netcdf",
    "read_netcdf",
    "CitymodelError",
    "DataError",
    "FrameworkError",
    "SpecError",
    "MethodError",
    "ConsistencyError",
    "CitymodelWarning",
    "DataChangeWarning",
    "__version__",
]
