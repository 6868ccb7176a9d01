"""Residence statements that do not name one flat, settled (or not) by the person's other
statements and household, on a hand-made building.

茶园路8号1栋 has three units; units 1 and 2 each have flats 101, 401 and 402, unit 3 has
only 502 on record. 2栋 has flats in two units. Every expected outcome is written out here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from resolve.config import load_config
from resolve.pipeline import run


def _id(n: int) -> str:
    """A valid ID of someone born on 1985-01-(10 + n)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    body = f"440304198501{10 + n:02d}{n:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


def _write(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


FLATS = [("1", "1", "101"), ("1", "1", "401"), ("1", "1", "402"), ("1", "2", "101"), ("1", "2", "401"),
         ("1", "2", "402"), ("1", "3", "502"), ("2", "1", "301"), ("2", "2", "301"), ("3", "", "201")]


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("settle")
    estate = [["业务号", "区", "道路", "门牌", "楼栋", "单元", "房号", "用途", "面积", "登簿日期"]]
    for i, (building, unit, room) in enumerate(FLATS):
        estate.append([f"T{building}-{unit}-{room}", "福田区", "茶园路", "8号", f"{building}栋",
                       f"{unit}单元" if unit else "", room, "住宅", str(60 + i), "2015-01-01"])
    estate.append(["T3-room-unknown", "福田区", "茶园路", "8号", "3栋", "", "", "住宅", "75", "2015-01-01"])
    estate.append(["T-dorm", "福田区", "茶园路", "10号", "1栋", "", "101", "宿舍", "300", "2015-01-01"])
    _write(root / "estate.csv", estate)
    reg = "福田区茶园路8号1栋1单元101"
    dorm = "福田区茶园路10号1栋101"
    grid = [["编号", "身份证号", "姓名", "户籍地址", "现住址", "更新日期"],
            # two statements: a unit, and a flat number without its unit
            ["G-agree", _id(1), "陈一", "", "福田区茶园路8号1栋2单元", "2025-01-01"],
            # a unit and a floor, no flat number: unit 3 has one flat on record, never guessed
            ["G-floor", _id(2), "陈二", "", "福田区茶园路8号1栋3单元", "2025-01-01"],
            # registered with G-spouse, says only the unit; the spouse names the flat
            ["G-household", _id(3), "林三", reg, "福田区茶园路8号1栋2单元", "2025-01-01"],
            ["G-spouse", _id(4), "黄四", reg, "福田区茶园路8号1栋2单元402", "2025-01-01"],
            # four people on one collective registration (more than the limit of 3)
            ["G-dorm-a", _id(5), "郑五", dorm, "福田区茶园路8号1栋1单元401", "2025-01-01"],
            ["G-dorm-b", _id(6), "吴六", dorm, "福田区茶园路8号1栋1单元", "2025-01-01"],
            ["G-dorm-c", _id(7), "冯七", dorm, "", "2025-01-01"],
            ["G-dorm-d", _id(8), "褚八", dorm, "", "2025-01-01"],
            # statements that contradict: no flat both admit
            ["G-conflict", _id(9), "卫九", "", "福田区茶园路8号1栋401", "2025-01-01"],
            # household member in a building where one property is on record without its room
            ["G-roomless", _id(10), "蒋十", "福田区茶园路8号1栋1单元402", "福田区茶园路8号3栋2楼", "2025-01-01"],
            ["G-roomless-kin", _id(11), "沈十一", "福田区茶园路8号1栋1单元402", "福田区茶园路8号3栋201",
             "2025-01-01"],
            ]
    floating = [["登记编号", "证件号码", "姓名", "现住址", "登记日期"],
                ["F-agree", _id(1), "陈一", "福田区茶园路8号1栋402室", "2025-03-01"],
                ["F-floor", _id(2), "陈二", "福田区茶园路8号1栋5楼", "2025-03-01"],
                ["F-conflict", _id(9), "卫九", "福田区茶园路8号2栋2单元", "2025-03-01"]]
    _write(root / "grid.csv", grid)
    _write(root / "floating.csv", floating)
    (root / "config.yaml").write_text("""
city: 深圳市
region_code: "440300"
snapshot_date: 2026-10-31
sources:
  - name: real_estate
    department: 不动产登记中心
    entity: property
    path: estate.csv
    columns: {业务号: record_key, 区: district, 道路: road, 门牌: door_number, 楼栋: building, 单元: unit,
              房号: room, 用途: use, 面积: area, 登簿日期: updated_at}
  - name: grid_survey
    department: 网格员采集
    entity: person
    path: grid.csv
    columns: {编号: record_key, 身份证号: id_number, 姓名: name, 户籍地址: registered_address,
              现住址: residence_address, 更新日期: updated_at}
  - name: floating_population
    department: 流动人口管理
    entity: person
    path: floating.csv
    columns: {登记编号: record_key, 证件号码: id_number, 姓名: name, 现住址: residence_address, 登记日期: updated_at}
relations:
  max_residents_per_dwelling: 3
""", encoding="utf-8")
    result = run(load_config(root / "config.yaml"), root / "out")
    con = duckdb.connect(str(result.registry), read_only=True)
    yield con
    con.close()


def _flat(con, key: str) -> str:
    return con.execute("SELECT property_id FROM property_xref WHERE record_key = ?", [key]).fetchone()[0]


def _residence(con, record_key: str):
    """(property_id, resolved_by of the statement it rests on) of the person of a record."""
    row = con.execute("""
        SELECT r.property_id, a.resolved_by FROM person_xref x JOIN person_residence r USING (person_id)
        JOIN address_resolution a ON a.source = r.basis AND a.record_key = r.record_key AND a.role = 'residence'
        WHERE x.record_key = ?""", [record_key]).fetchone()
    return tuple(row) if row else None


def _statement(con, record_key: str) -> str:
    return con.execute("SELECT resolution FROM address_resolution WHERE role = 'residence' AND record_key = ?",
                       [record_key]).fetchone()[0]


def test_distinct_ids_make_distinct_people(registry):
    people = dict(registry.execute("SELECT record_key, person_id FROM person_xref").fetchall())
    assert people["G-agree"] == people["F-agree"] and people["G-conflict"] == people["F-conflict"]
    assert len(set(people.values())) == 11


def test_a_unit_in_one_statement_and_the_flat_in_another_agree_on_one_flat(registry):
    assert _residence(registry, "G-agree") == (_flat(registry, "T1-2-402"), "statements_agree")
    assert _statement(registry, "F-agree") == "resolved"


def test_statements_that_never_name_a_flat_are_not_guessed(registry):
    # 3单元 and 5楼 leave one flat the library holds (1-3-502), but nobody said 502
    assert _residence(registry, "G-floor") is None
    assert _statement(registry, "G-floor") == "building" and _statement(registry, "F-floor") == "building"


def test_a_household_member_naming_the_flat_settles_a_unit_only_statement(registry):
    assert _residence(registry, "G-spouse") == (_flat(registry, "T1-2-402"), "address")
    assert _residence(registry, "G-household") == (_flat(registry, "T1-2-402"), "household")


def test_a_collective_registration_is_not_a_household(registry):
    assert _residence(registry, "G-dorm-a")[0] == _flat(registry, "T1-1-401")
    assert _residence(registry, "G-dorm-b") is None


def test_statements_with_no_flat_in_common_stay_unsettled(registry):
    assert _residence(registry, "G-conflict") is None
    assert _statement(registry, "G-conflict") == "ambiguous"


def test_a_household_flat_is_taken_where_a_record_without_room_could_also_be_it(registry):
    # 3栋2楼 admits 201 and the property recorded without its room; the household names 201
    assert _residence(registry, "G-roomless-kin") == (_flat(registry, "T3--201"), "address")
    assert _residence(registry, "G-roomless") == (_flat(registry, "T3--201"), "household")
