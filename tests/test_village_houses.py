"""Urban-village houses (城中村出租屋) on a hand-made lane: floors let whole, floors of rooms,
and the village's lanes under the road's official 门牌.

Two houses on 棠下村5巷, each titled whole by the property office; the rental register and
the grid workers record what is let inside them:
- 8号 is let floor by floor: the rental register writes 2楼, 301房 and 4楼, a grid worker
  401. A floor and its first flat are one dwelling there (4楼 = 401), but two floors never
  are, nor is a floor the house.
- 10号 has two rooms a floor (201房, 202房) and a third floor let whole (3楼): its 301 is no
  floor's flat.
石牌村's lanes are numbered under 石牌东路 (the 门牌 the rental register writes: 石牌东路27巷3号),
while grid workers and tenants write the village (石牌村27巷3号): most houses the library holds
on the village's lanes it holds on the road's too, so they are one lane. 棠下东路5巷 is a
lane of its own: it shares one house number with 棠下村5巷 by chance, not its houses.
People state where they live in the forms tenants and grid workers use.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from resolve.config import load_config
from resolve.pipeline import run


def _id(seq: int) -> str:
    id17 = f"44010619{80 + seq % 20:02d}0{1 + seq % 9}1{seq % 10}{seq:03d}"[:17]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return id17 + "10X98765432"[sum(int(c) * w for c, w in zip(id17, weights)) % 11]


def _write(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


# person record -> (residence address, what it must resolve to: a rental record's key, or a resolution)
RESIDENTS = {
    "R1": ("天河区棠下村5巷8号201", "Z1"),           # floor 2 is let whole: 201 is its flat
    "R2": ("棠下村5巷8号三楼", "Z2"),                # 301房 is the third floor's flat
    "R3": ("广州市天河区棠下村5巷8号4楼", "Z3"),
    "R4": ("天河区棠下村5巷8号五楼", "building"),   # a floor nobody records: the house, no flat
    "R5": ("棠下村5巷10号301", "building"),          # 10号 has rooms on its floors: 301 is not 3楼
    "R6": ("天河区棠下村5巷10号3楼", "Z6"),
    "R7": ("棠下村5巷10号2楼", "building"),          # two flats on that floor
    "R8": ("天河区棠下村5巷10号202房", "Z5"),
    "R9": ("天河区石牌村27巷3号301", "Z7"),         # the village for the road's lane
    "R10": ("石牌27巷5号201房", "Z8"),              # the village without 村
    "R11": ("石牌村社区石牌村30巷9号二楼", "G5"),    # a house only the grid worker records
    "R12": ("天河区棠下东路5巷8号101", "Z10"),
}


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("village")
    _write(root / "titles.csv", [
        ["不动产单元号", "坐落", "区", "用途", "权利人", "面积"],
        ["T1", "广州市天河区棠下村5巷8号", "天河区", "住宅", "李家明", ""],
        ["T2", "广州市天河区棠下村5巷10号", "天河区", "住宅", "李家亮", ""],
        # an estate tower: 402 in two units, 501 titled in one
        ["T3", "广州市天河区棠东东路8号1栋1单元402房", "天河区", "住宅", "王小明", "80.2"],
        ["T4", "广州市天河区棠东东路8号1栋2单元402房", "天河区", "住宅", "王小亮", "92.5"],
        ["T5", "广州市天河区棠东东路8号1栋1单元501房", "天河区", "住宅", "王小红", "70.0"],
    ])
    _write(root / "rental.csv", [
        ["出租屋编号", "地址", "用途", "面积"],
        ["Z1", "天河区棠下街棠下村5巷8号2楼", "住宅", ""],
        ["Z2", "天河区棠下村5巷8号301房", "住宅", ""],
        ["Z3", "广州市天河区棠下村5巷8号4楼", "住宅", ""],
        ["Z4", "天河区棠下街棠下村5巷10号201房", "住宅", ""],
        ["Z5", "天河区棠下村5巷10号202房", "住宅", ""],
        ["Z6", "天河区棠下村5巷10号3楼", "住宅", ""],
        ["Z7", "天河区石牌街石牌东路27巷3号301房", "住宅", ""],
        ["Z8", "天河区石牌东路27巷5号201房", "住宅", ""],
        ["Z9", "天河区石牌东路28巷1号101房", "住宅", ""],
        ["Z10", "天河区棠下东路5巷8号101房", "住宅", ""],
        ["Z11", "天河区棠东东路8号1栋402房", "住宅", "92.5"],   # its area says which unit
        ["Z12", "天河区棠东东路8号1栋501房", "住宅", ""],       # one unit has a 501
    ])
    _write(root / "grid_house.csv", [
        ["采集编号", "地址", "用途"],
        ["G1", "棠下村社区棠下村5巷8号401", "住宅"],      # the fourth floor's flat, as 4楼
        ["G2", "棠下村社区棠下村5巷10号3楼", "住宅"],
        ["G3", "石牌村社区石牌村27巷3号301", "住宅"],
        ["G4", "石牌村社区石牌村27巷5号201", "住宅"],
        ["G5", "石牌村社区石牌村30巷9号2楼", "住宅"],
        ["G6", "棠东社区棠东东路8号1栋402", "住宅"],            # which unit's 402 is not said
    ])
    rows = [["编号", "身份证号", "姓名", "现住址", "更新日期"]]
    for i, (key, (address, _)) in enumerate(RESIDENTS.items()):
        rows.append([key, _id(i + 1), "张" + "一二三四五六七八九十甲乙丙丁"[i] + "明", address, "2026-06-01"])
    _write(root / "people.csv", rows)
    (root / "config.yaml").write_text("""
city: 广州市
region_code: "440100"
snapshot_date: 2026-10-31
sources:
  - name: real_estate
    department: 不动产登记中心
    entity: property
    path: titles.csv
    columns: {不动产单元号: record_key, 坐落: address, 区: district, 用途: use, 权利人: owner_name, 面积: area}
  - name: rental_housing
    department: 出租屋管理
    entity: property
    path: rental.csv
    columns: {出租屋编号: record_key, 地址: address, 用途: use, 面积: area}
  - name: grid_house
    department: 网格员房屋采集
    entity: property
    path: grid_house.csv
    columns: {采集编号: record_key, 地址: address, 用途: use}
  - name: grid_survey
    department: 网格员人口采集
    entity: person
    path: people.csv
    columns: {编号: record_key, 身份证号: id_number, 姓名: name, 现住址: residence_address, 更新日期: updated_at}
""", encoding="utf-8")
    result = run(load_config(root / "config.yaml"), root / "out")
    con = duckdb.connect(str(result.registry), read_only=True)
    yield con
    con.close()


def _properties(con) -> dict[str, str]:
    return dict(con.execute("SELECT record_key, property_id FROM property_xref").fetchall())


def test_a_floor_let_whole_is_one_flat_with_its_first_room(registry):
    p = _properties(registry)
    assert p["G1"] == p["Z3"]                      # 401 and 4楼 of a house let floor by floor
    assert p["G2"] == p["Z6"]


def test_floors_rooms_and_the_house_stay_apart(registry):
    p = _properties(registry)
    # every floor, every room and each house titled whole: a property of its own
    apart = ["T1", "T2", "Z1", "Z2", "Z3", "Z4", "Z5", "Z6", "Z10"]
    assert len({p[k] for k in apart}) == len(apart)


def test_a_flat_without_its_unit_joins_only_the_flat_its_room_or_area_says(registry):
    p = _properties(registry)
    assert p["Z11"] == p["T4"] and p["Z12"] == p["T5"]
    assert p["G6"] not in (p["T3"], p["T4"]) and p["T3"] != p["T4"]


def test_a_villages_lane_is_the_roads_lane_that_numbers_its_houses(registry):
    p = _properties(registry)
    assert p["G3"] == p["Z7"] and p["G4"] == p["Z8"]
    assert len({p["Z7"], p["Z8"], p["Z9"], p["G5"]}) == 4
    assert registry.execute("SELECT village, road FROM std_village_road").fetchall() == [("石牌村", "石牌东路")]


@pytest.mark.parametrize("key", list(RESIDENTS))
def test_residents_are_placed_in_the_flat_they_name(registry, key):
    expected = RESIDENTS[key][1]
    resolution, property_id = registry.execute(
        "SELECT resolution, property_id FROM address_resolution "
        "WHERE entity = 'person' AND role = 'residence' AND record_key = ?", [key]).fetchone()
    if expected in ("building", "ambiguous", "not_found"):
        assert (resolution, property_id) == (expected, None)
    else:
        assert (resolution, property_id) == ("resolved", _properties(registry)[expected])
