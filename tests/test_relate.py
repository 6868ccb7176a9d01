"""Relations on a hand-made street: who lives, works and owns where, and what cannot be placed.

One building (太白路22号1栋) with two units that both have a flat 402, a public toilet, a
flat nobody lives in, people with residence addresses of every kind, two enterprises and a
branch. Small enough that every expected relation is written out here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from resolve.config import load_config
from resolve.pipeline import run

ID_A = "440304198001010012"   # owner of unit 1 flat 402, lives there (address without unit)
ID_B = "440304198502020027"   # registered in unit 2 flat 402, lives "1栋402" too
ID_C = "440304199003030033"   # lives in the public toilet
ID_D = "440304197004040048"   # legal representative of 甲 by ID
ID_E = "440304197505050050"   # lives in Guangzhou
ID_F = "440304198806060065"   # gives only a road and door number
ID_G = "440304200107070071"   # lives in unit 1 flat 402 with A


def _check(id17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return id17 + "10X98765432"[sum(int(c) * w for c, w in zip(id17, weights)) % 11]


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("street")
    ids = {k: _check(v[:17]) for k, v in dict(A=ID_A, B=ID_B, C=ID_C, D=ID_D, E=ID_E, F=ID_F, G=ID_G).items()}
    _write(root / "estate.csv", [
        ["业务号", "单元号", "区", "道路", "门牌", "楼栋", "单元", "房号", "用途", "面积", "权利人", "证件号", "登簿日期"],
        ["T1", "4403040001", "福田区", "太白路", "22号", "1栋", "1单元", "402", "住宅", "80.5", "甲乙", ids["A"], "2015-01-01"],
        ["T2", "4403040002", "福田区", "太白路", "22号", "1栋", "2单元", "402", "住宅", "92.0", "丙丁", "", "2016-01-01"],
        ["T3", "4403040003", "福田区", "太白路", "22号", "9栋", "", "101", "公厕", "20.0", "", "", "2010-01-01"],
        ["T4", "4403040004", "福田区", "振华街", "24号", "2栋", "", "601", "办公", "300.0",
         "深圳市甲科技有限公司", "91440300MA5GM4N32F", "2020-05-01"],
        ["T5", "4403040005", "福田区", "太白路", "22号", "", "", "", "公厕", "15.0", "", "", "2010-01-01"],
    ])
    _write(root / "bureau.csv", [
        ["房屋编码", "房屋地址", "用途", "面积"],
        ["H1", "深圳市福田区太白路二十二号1栋1单元402室", "住宅", "80.5"],
        ["H2", "福田区太白路22号1号楼2单元402", "住宅", "92.0"],
        ["H3", "福田区振华街24号2栋601", "写字楼", "300"],
        ["H4", "福田区太白路22号公厕", "公共厕所", "15"],
    ])
    _write(root / "people.csv", [
        ["编号", "身份证号", "姓名", "户籍地址", "现住址", "单位名称", "单位信用代码", "更新日期"],
        ["P1", ids["A"], "甲乙", "", "福田区太白路22号1栋402", "", "", "2024-01-01"],
        ["P2", ids["B"], "张三", "福田区太白路22号1栋2单元402", "福田区太白路22号1栋402", "", "", "2024-01-01"],
        ["P3", ids["C"], "李四", "", "福田区太白路22号9栋101", "", "", "2024-01-01"],
        ["P4", ids["D"], "王五", "", "", "深圳市甲科技有限公司", "91440300MA5GM4N32F", "2024-01-01"],
        ["P5", ids["E"], "赵六", "", "广州市天河区体育西路1号1栋101", "", "", "2024-01-01"],
        ["P6", ids["F"], "钱七", "", "福田区太白路22号", "深圳市乙贸易有限公司", "", "2024-01-01"],
        ["P7", ids["G"], "周九", "", "福田区太白路22号1栋1单元402", "", "", "2024-01-01"],
    ])
    _write(root / "market.csv", [
        ["主体标识", "统一社会信用代码", "企业名称", "法定代表人", "法定代表人证件号码", "住所", "登记状态"],
        ["M1", "91440300MA5GM4N32F", "深圳市甲科技有限公司", "王五", ids["D"], "深圳市福田区振华街24号2栋601", "存续"],
        ["M2", "", "深圳市甲科技有限公司福田分公司", "孙八", "", "福田区振华街24号2栋601", "存续"],
        ["M3", "", "深圳市乙贸易有限公司", "钱七", "", "福田区火星路1号1栋101", "存续"],
    ])
    (root / "config.yaml").write_text("""
city: 深圳市
region_code: "440300"
snapshot_date: 2026-10-31
sources:
  - name: real_estate
    department: 不动产登记中心
    entity: property
    path: estate.csv
    columns: {业务号: record_key, 单元号: property_code, 区: district, 道路: road, 门牌: door_number,
              楼栋: building, 单元: unit, 房号: room, 用途: use, 面积: area, 权利人: owner_name,
              证件号: owner_id_number, 登簿日期: updated_at}
  - name: housing_bureau
    department: 住建局
    entity: property
    path: bureau.csv
    columns: {房屋编码: record_key, 房屋地址: address, 用途: use, 面积: area}
  - name: grid_survey
    department: 网格员采集
    entity: person
    path: people.csv
    columns: {编号: record_key, 身份证号: id_number, 姓名: name, 户籍地址: registered_address,
              现住址: residence_address, 单位名称: employer_name, 单位信用代码: employer_uscc, 更新日期: updated_at}
  - name: market_regulation
    department: 市场监管局
    entity: enterprise
    path: market.csv
    columns: {主体标识: record_key, 统一社会信用代码: uscc, 企业名称: name, 法定代表人: legal_rep_name,
              法定代表人证件号码: legal_rep_id_number, 住所: address, 登记状态: status}
relations:
  max_residents_per_dwelling: 1
""", encoding="utf-8")
    result = run(load_config(root / "config.yaml"), root / "out")
    con = duckdb.connect(str(result.registry), read_only=True)
    con.execute("""CREATE TEMP VIEW who AS SELECT x.record_key, x.person_id FROM person_xref x""")
    yield con
    con.close()


def _one(con, sql: str, *params):
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def _property(con, estate_key: str) -> str:
    return _one(con, "SELECT property_id FROM property_xref WHERE source = 'real_estate' AND record_key = ?",
                estate_key)[0]


def _person(con, key: str) -> str:
    return _one(con, "SELECT person_id FROM person_xref WHERE record_key = ?", key)[0]


def _resolution(con, key: str, role: str = "residence") -> tuple:
    return _one(con, "SELECT resolution, property_id, resolved_by FROM address_resolution "
                     "WHERE entity = 'person' AND record_key = ? AND role = ?", key, role)


def test_flats_of_two_units_stay_apart_and_the_bureau_records_join_them(registry):
    assert _property(registry, "T1") != _property(registry, "T2")
    pairs = dict(registry.execute("SELECT record_key, property_id FROM property_xref").fetchall())
    assert pairs["H1"] == pairs["T1"] and pairs["H2"] == pairs["T2"] and pairs["H3"] == pairs["T4"]
    # a facility without a flat number is named by its door number and use
    assert pairs["H4"] == pairs["T5"] and pairs["T5"] != pairs["T3"]


def test_an_address_without_its_unit_is_settled_by_ownership_or_registration(registry):
    assert _resolution(registry, "P1") == ("resolved", _property(registry, "T1"), "owned_property")
    assert _resolution(registry, "P2") == ("resolved", _property(registry, "T2"), "registered_property")
    residence = dict(registry.execute("SELECT person_id, property_id FROM person_residence").fetchall())
    assert residence[_person(registry, "P1")] == _property(registry, "T1")
    assert residence[_person(registry, "P2")] == _property(registry, "T2")


def test_unplaceable_addresses_are_kept_with_their_reason(registry):
    assert _resolution(registry, "P5")[0] == "outside_city"
    # a road and door number alone where the place has several buildings: any of its flats
    assert _resolution(registry, "P6")[0] == "ambiguous"
    assert _one(registry, "SELECT n_candidates FROM address_resolution WHERE record_key = 'P6'")[0] == 3
    site = _one(registry, "SELECT resolution FROM address_resolution WHERE record_key = 'M3'")
    assert site == ("not_found",)
    people = {r[0] for r in registry.execute("SELECT person_id FROM person_residence").fetchall()}
    assert _person(registry, "P5") not in people and _person(registry, "P6") not in people


def test_a_resident_of_a_public_toilet_is_flagged(registry):
    row = _one(registry, "SELECT property_id, entity_ids, use FROM property_occupancy "
                         "WHERE anomaly = 'resident_in_non_dwelling'")
    assert row == (_property(registry, "T3"), [_person(registry, "P3")], "public_toilet")


def test_more_residents_than_the_limit_is_flagged(registry):
    row = _one(registry, "SELECT property_id, n_entities, \"limit\" FROM property_occupancy "
                         "WHERE anomaly = 'over_occupied'")
    assert row == (_property(registry, "T1"), 2, 1)


def test_legal_representatives_by_id_and_by_name_among_employees(registry):
    reps = {r[0]: r[1:] for r in registry.execute("""
        SELECT x.record_key, r.person_id, r.basis FROM enterprise_legal_rep r
        JOIN enterprise_xref x USING (enterprise_id)""").fetchall()}
    assert reps["M1"] == (_person(registry, "P4"), "id_number")
    assert reps["M3"] == (_person(registry, "P6"), "name_at_enterprise")  # 钱七 works there
    assert reps["M2"][0] is None  # 孙八: nobody of that name is tied to the branch


def test_a_branch_is_its_own_enterprise_with_its_parent_named(registry):
    golden = {r[0]: r[1:] for r in registry.execute("""
        SELECT x.record_key, g.enterprise_id, g.is_branch, g.parent_enterprise_id
        FROM enterprise_golden g JOIN enterprise_xref x USING (enterprise_id)""").fetchall()}
    assert golden["M2"][0] != golden["M1"][0]
    assert golden["M2"][1:] == (True, golden["M1"][0])


def test_owners_and_employers_point_at_registry_entities(registry):
    owners = {r[0]: r[1:] for r in registry.execute(
        "SELECT record_key, person_id, enterprise_id, current FROM property_owner").fetchall()}
    firm = _one(registry, "SELECT enterprise_id FROM enterprise_xref WHERE record_key = 'M1'")[0]
    assert owners["T1"] == (_person(registry, "P1"), None, True)
    assert owners["T4"] == (None, firm, True)
    employer = _one(registry, "SELECT enterprise_id FROM person_employer WHERE person_id = ?",
                    _person(registry, "P4"))
    assert employer == (firm,)


def test_every_record_is_accounted_for(registry):
    read = dict(registry.execute("SELECT source, rows_read FROM ingest_sources").fetchall())
    linked = dict(registry.execute("""
        SELECT source, count(*) FROM (SELECT source FROM person_xref UNION ALL SELECT source FROM enterprise_xref
                                      UNION ALL SELECT source FROM property_xref) GROUP BY source""").fetchall())
    quarantined = dict(registry.execute("SELECT source, count(*) FROM quarantine GROUP BY source").fetchall())
    assert all(read[s] == linked.get(s, 0) + quarantined.get(s, 0) for s in read)
