"""The property standardiser: a structured register and a free-text one meet in one form."""

import pytest

from resolve.config import load_config
from resolve.engine import Engine
from resolve.ingest import ingest
from resolve.standardise.property import standardise_properties
from tests.conftest import write_config

# a real-estate register: one column per level; R4 has nothing to identify a property by
REAL_ESTATE = """登记业务号,不动产单元号,坐落,所在区,街道,社区,道路,门牌号,楼栋,单元,房号,用途,建筑面积,权利人,权利人证件号,登簿日期
R1, 4403050010001 ,,南山区,粤海街道,光明西社区,华夏路,29号,1号楼,2单元,406,住宅,89.5㎡,張偉,11010519491231002x,20100702
R2,４４０３０５００１０００２,南山区华夏路29号2幢2单元206房,南山区,,,华夏路,29号,2栋,2单元,206,住宅,75.2平方米,深圳市某某科技有限公司,91440300600037341X,2015-03-01
R3,4403060030001,,宝安区,,,东明路,1号,1,1,503,商业,120,李娜,440304800101123,2018年3月1日
R4,,,,,,,,,,,,,,,
R5,4403110040001,,,光明街道,,华夏路,3之1号,一栋,,五零一,公厕,20 m2,,,
R6,,,福田区,园岭街道,,红荔路,12号,3栋,,501,住房,,,,
R7,,宝安区沙井街道新桥村2巷53号,宝安区,沙井街道,,新桥村,2巷53号,,,,住宅,,,,
"""
# a housing bureau: one line of address text; H6 has no address at all
HOUSING = """房屋编码,房屋地址,房屋用途,建筑面积,更新日期
H1,南山区华夏路29号1栋2单元406房,住宅房,89.5,2021-01-01
H2,深圳市南山区华夏路２９号二幢二单元二零六,住宅房,,2021-01-02
H3,宝安区东明路1号1-1-503,商铺,120.0,2021-01-03
H4,深圳市龙华区西丽东社区金碧路8号1号楼101室,写字楼,300,2021-01-04
H5,广州市天河区天河路385号1栋101,住宅房,66,2021-01-05
H6,,住宅房,50,2021-01-06
H7,光明街道华夏路3之1号1栋五零一,公共厕所,20,2021-01-07
H8,红荔路12号3-1-501附近,车位,12,2021-01-08
H9,宝安区新桥村二巷53号101房,住宅房,30,2021-01-09
"""


@pytest.fixture(scope="module")
def std(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prop")
    (folder / "real_estate.csv").write_text(REAL_ESTATE, encoding="gbk")
    (folder / "housing.csv").write_text(HOUSING, encoding="utf-8")
    sources = """  - name: real_estate
    department: 不动产登记中心
    entity: property
    path: real_estate.csv
    encoding: gbk
    columns: {登记业务号: record_key, 不动产单元号: property_code, 坐落: address, 所在区: district, 街道: street,
              社区: community, 道路: road, 门牌号: door_number, 楼栋: building, 单元: unit, 房号: room, 用途: use,
              建筑面积: area, 权利人: owner_name, 权利人证件号: owner_id_number, 登簿日期: updated_at}
  - name: housing_bureau
    department: 住房和建设局
    entity: property
    path: housing.csv
    columns: {房屋编码: record_key, 房屋地址: address, 房屋用途: use, 建筑面积: area, 更新日期: updated_at}
    values:
      use: {住宅房: residential}
"""
    config = load_config(write_config(folder, sources))
    engine = Engine()
    ingest(engine, config)
    standardise_properties(engine, config)
    frame = engine.df("SELECT * FROM std_property").astype(object)
    frame = frame.where(frame.notna(), None)
    rows = {r["record_key"]: r for r in frame.to_dict("records")}
    quarantine = engine.fetchall("SELECT source, record_key, reason FROM quarantine")
    counts = engine.fetchall("""
        SELECT s.source, s.rows_read, (SELECT count(*) FROM std_property p WHERE p.source = s.source),
               (SELECT count(*) FROM quarantine q WHERE q.source = s.source)
        FROM ingest_sources s""")
    columns = [r[0] for r in engine.fetchall("DESCRIBE std_property")]
    engine.close()
    return rows, quarantine, counts, columns


def test_columns(std):
    *_, columns = std
    assert columns[:5] == ["rid", "source", "record_key", "row_number", "property_code"]
    for column in ("address", "district", "district_code", "street", "community", "road", "door_number", "building",
                   "unit", "floor", "room", "descriptor", "building_key", "dwelling_key", "in_city", "use",
                   "is_dwelling", "area", "owner_name", "owner_id_number", "owner_uscc", "updated_at"):
        assert column in columns


@pytest.mark.parametrize("structured, text, dwelling, district_code", [
    ("R1", "H1", "华夏路29号#1#406", "440305"),
    ("R2", "H2", "华夏路29号#2#206", "440305"),
    ("R3", "H3", "东明路1号#1#503", "440306"),
    ("R5", "H7", "华夏路3之1号#1#501", "440311"),  # no district written: from the street 光明街道
    ("R6", "H8", "红荔路12号#3#501", "440304"),
])
def test_structured_and_free_text_records_of_one_flat_meet(std, structured, text, dwelling, district_code):
    rows, *_ = std
    assert rows[structured]["dwelling_key"] == rows[text]["dwelling_key"] == dwelling
    assert rows[structured]["district_code"] == rows[text]["district_code"] == district_code
    for part in ("road", "door_number", "building", "room", "floor"):
        assert rows[structured][part] == rows[text][part], part


def test_parts_in_columns_win_and_missing_parts_come_from_the_text(std):
    rows, *_ = std
    r1 = rows["R1"]
    assert (r1["district"], r1["street"], r1["community"], r1["road"], r1["door_number"], r1["building"], r1["unit"],
            r1["floor"], r1["room"]) == ("南山区", "粤海街道", "光明西社区", "华夏路", "29", "1", "2", "4", "406")
    assert r1["address"] == "南山区粤海街道光明西社区华夏路29号1栋2单元406"  # composed: no text was given
    assert rows["R2"]["address"] == "南山区华夏路29号2栋2单元206"
    assert rows["H3"]["unit"] == "1" and rows["R5"]["unit"] is None
    assert rows["H4"]["district_code"] == "440309" and rows["H4"]["community"] == "西丽东社区"
    assert rows["H8"]["descriptor"] == "附近"


def test_in_city(std):
    rows, *_ = std
    assert rows["H5"]["in_city"] is False and rows["H5"]["city"] == "广州市" and rows["H5"]["district_code"] is None
    assert all(rows[k]["in_city"] for k in ("R1", "R3", "R5", "H1", "H4", "H7"))
    assert rows["R1"]["province"] == "广东省" and rows["R1"]["city"] == "深圳市"


def test_use(std):
    rows, *_ = std
    assert {k: rows[k]["use"] for k in ("R1", "R3", "R5", "R6", "H1", "H3", "H4", "H7", "H8")} == {
        "R1": "residential", "R3": "commercial", "R5": "public_toilet", "R6": "residential",
        "H1": "residential", "H3": "commercial", "H4": "office", "H7": "public_toilet", "H8": "other"}
    assert rows["R1"]["is_dwelling"] is True and rows["R5"]["is_dwelling"] is False and rows["H8"]["is_dwelling"] is False


def test_area_codes_dates(std):
    rows, *_ = std
    assert rows["R1"]["area"] == 89.5 and rows["R2"]["area"] == 75.2 and rows["R5"]["area"] == 20.0
    assert rows["R3"]["area"] == 120.0 and rows["H2"]["area"] is None
    assert rows["R1"]["property_code"] == "4403050010001" and rows["R2"]["property_code"] == "4403050010002"
    assert str(rows["R1"]["updated_at"])[:10] == "2010-07-02" and str(rows["R3"]["updated_at"])[:10] == "2018-03-01"


def test_owners(std):
    rows, *_ = std
    assert rows["R1"]["owner_name"] == "张伟"
    assert rows["R1"]["owner_id_number"] == "11010519491231002X" and rows["R1"]["owner_uscc"] is None
    assert rows["R2"]["owner_uscc"] == "91440300600037341X" and rows["R2"]["owner_id_number"] is None
    # an old 15-digit ID becomes 18 digits
    assert rows["R3"]["owner_id_number"][:17] == "44030419800101123" and len(rows["R3"]["owner_id_number"]) == 18
    assert rows["H1"]["owner_name"] is None and rows["H1"]["owner_id_number"] is None


def test_records_without_code_or_address_are_quarantined(std):
    rows, quarantine, counts, _ = std
    assert ("real_estate", "R4", "no_identity") in quarantine
    assert ("housing_bureau", "H6", "no_identity") in quarantine
    assert "R4" not in rows and "H6" not in rows
    for source, read, accepted, quarantined in counts:
        assert read == accepted + quarantined, source


def test_a_door_column_holding_its_lane_yields_to_the_text(std):
    rows, *_ = std
    # 门牌号 "2巷53号" beside road "新桥村": the text 新桥村2巷53号 is read, as the bureau's line is
    assert (rows["R7"]["road"], rows["R7"]["door_number"]) == ("新桥村2巷", "53")
    assert rows["H9"]["building_key"] == rows["R7"]["building_key"] == "新桥村2巷53号#"
