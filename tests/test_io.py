"""Readers and writers: wide tables, typed errors on bad input, lossless netCDF round trip."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from citymodel import (
    CitymodelWarning,
    DataError,
    Framework,
    FrameworkError,
    indicator_data,
    read_framework,
    read_netcdf,
    read_table,
    to_netcdf,
    write_csv,
)
from citymodel.datasets import load_tai, tai_framework

FW = Framework.from_tree({"I": {"P": ["x", "y"], "Q": ["z"]}})


def write(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_read_wide_csv_with_ucode_and_extra_columns(tmp_path):
    p = write(tmp_path, "uCode,name,area,x,y,z\nA,Alpha,5,1,2,3\nB,Beta,6,4,,6\n")
    with pytest.warns(CitymodelWarning, match=r"numeric columns kept as city coordinates.*\['area'\]"):
        da = read_table(p, framework=FW)
    assert da.coords["area"].values.tolist() == [5, 6]
    assert da.dims == ("city", "indicator") and da.city.values.tolist() == ["A", "B"]
    assert np.isnan(da.sel(city="B", indicator="y"))
    assert da.coords["name"].values.tolist() == ["Alpha", "Beta"]  # kept as coordinate, not dropped
    assert da.direction.values.tolist() == [1, 1, 1]


def test_read_without_framework_detects_numeric_columns(tmp_path):
    p = write(tmp_path, "code,province,x,y\nA,浙江,1,2\nB,江苏,3,4\n")
    da = read_table(p)
    assert da.indicator.values.tolist() == ["x", "y"] and da.province.values.tolist() == ["浙江", "江苏"]


def test_excel_and_parquet_readers(tmp_path):
    df = pd.DataFrame({"uCode": ["A", "B"], "x": [1.0, 2.0], "y": [3.0, 4.0], "z": [5.0, 6.0]})
    df.to_excel(tmp_path / "d.xlsx", index=False)
    df.to_parquet(tmp_path / "d.parquet")
    a = read_table(tmp_path / "d.xlsx", framework=FW)
    b = read_table(tmp_path / "d.parquet", framework=FW)
    xr.testing.assert_equal(a, b)


@pytest.mark.parametrize(
    "text, error, message",
    [
        ("uCode,x,y,z\nA,1,2,3\nA,4,5,6\n", DataError, "duplicate unit codes.*'A'"),
        ("uCode,x,y,z\nA,1,2,3\nB,4,five,6\n", DataError, r"non-numeric value 'five' in column 'y', row 2"),
        ("uCode,x,y\nA,1,2\n", FrameworkError, r"missing from .*\['z'\]"),
        ("uCode,x,y,z\nA,1,inf,3\n", DataError, "Inf in city 'A', indicator 'y'"),
        ("uCode,x,y,z\n", DataError, "no rows"),
    ],
)
def test_bad_tables_raise_typed_errors_naming_the_problem(tmp_path, text, error, message):
    with pytest.raises(error, match=message):
        read_table(write(tmp_path, text), framework=FW)


def test_data_indicators_not_in_framework_are_an_error():
    df = pd.DataFrame({"x": [1.0], "y": [2.0], "z": [3.0], "w": [4.0]}, index=["A"])
    with pytest.raises(FrameworkError, match=r"not in the framework: \['w'\]"):
        indicator_data(df, framework=FW)


def test_duplicate_city_names_are_an_error():
    with pytest.raises(DataError, match="duplicate city names"):
        indicator_data(np.ones((2, 2)), cities=["A", "A"], indicators=["x", "y"])


def test_empty_data_is_an_error():
    with pytest.raises(DataError, match="empty"):
        indicator_data(np.ones((0, 2)), cities=[], indicators=["x", "y"])


def test_unsupported_or_missing_files(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="unsupported file type"):
        read_table(write(tmp_path, "x", "d.json"))


def test_read_framework_from_yaml_and_coinr_table(tmp_path):
    FW.to_yaml(tmp_path / "f.yaml")
    FW.to_table().to_csv(tmp_path / "f.csv", index=False)
    assert read_framework(tmp_path / "f.yaml") == FW
    assert read_framework(tmp_path / "f.csv") == FW


def test_netcdf_round_trip_is_lossless_and_keeps_framework(tmp_path):
    da = load_tai()
    da.attrs["provenance"] = {"report": "HDR 2001", "pages": [151, 153]}
    to_netcdf(da, tmp_path / "tai.nc", framework=tai_framework())
    back = read_netcdf(tmp_path / "tai.nc")
    assert back.attrs.pop("framework") == tai_framework()
    xr.testing.assert_identical(back, da)


def test_csv_writer_round_trips_with_city_coordinates(tmp_path):
    da = load_tai().assign_coords(group=("city", ["a"] * 23))
    write_csv(da, tmp_path / "tai.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = read_table(tmp_path / "tai.csv", framework=tai_framework())
    np.testing.assert_array_equal(back.values, da.values)
    assert back.city.values.tolist() == da.city.values.tolist()
    assert back.group.values.tolist() == ["a"] * 23


def test_asem_data_reads_with_its_metadata(shared_data):
    fw = read_framework(shared_data / "asem" / "ASEM_iMeta.csv")
    with pytest.warns(CitymodelWarning):
        da = read_table(shared_data / "asem" / "ASEM_iData.csv", framework=fw)
    assert da.shape == (51, 49)
    assert int(np.isnan(da.values).sum()) > 0  # ASEM has gaps, kept as NaN
