"""Address text variants of one place reach one form; numerals convert only before unit words."""

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolve.engine import Engine
from resolve.standardise.addresses import (
    ADDRESS_COLUMNS,
    arabic_before_units,
    build_address_table,
    city_prefix_pattern,
    cn_to_arabic,
    register_address_macros,
    standard_building,
    standard_door,
    standard_room,
    standard_unit,
)
from resolve.standardise.sql import register_macros
from tests.conftest import city_engine


@pytest.mark.parametrize("numeral, arabic", [("三", "3"), ("五零一", "501"), ("十二", "12"), ("二十", "20"),
                                             ("二十三", "23"), ("一百零五", "105"), ("两", "2")])
def test_cn_to_arabic(numeral, arabic):
    assert cn_to_arabic(numeral) == arabic


def test_numerals_convert_only_before_unit_words():
    assert arabic_before_units("三元里大街十二号三栋五零一室") == "三元里大街12号3栋501室"
    assert arabic_before_units("六盘水市钟山区") == "六盘水市钟山区"
    assert arabic_before_units("太白路23号1栋一零四") == "太白路23号1栋104"
    assert arabic_before_units("三元里") == "三元里"


def test_prefix_pattern_uses_config_region():
    pattern = city_prefix_pattern("深圳市", "440300")
    for text in ("广东省深圳市福田区", "广东深圳福田区", "深圳市深圳市福田区", "广东省广东省深圳市福田区", "福田区"):
        assert re.sub(pattern, "", text) == "福田区", text
    assert re.sub(city_prefix_pattern("成都市", "510100"), "", "四川省成都市武侯区") == "武侯区"


def normalise(engine: Engine, values):
    engine.create_table_from_frame("t", __import__("pandas").DataFrame({"a": values}))
    build_address_table(engine, "SELECT a AS raw FROM t", "t_addresses")
    forms = dict(engine.fetchall("SELECT raw, address FROM t_addresses"))
    return [forms.get(v) if v is not None else None for v in values]


def test_variants_of_one_address_meet(engine):
    variants = [
        "广东省深圳市福田区园岭街道红荔路12号3栋501室",
        "深圳市福田区园岭街道红荔路12号3号楼501",
        "福田区园岭街道红荔路１２号３栋５０１",
        "福田区 园岭街道 红荔路12号三栋五零一室",
        "深圳福田区园岭街道红荔路12号3幢501",
    ]
    out = normalise(engine, variants)
    assert len(set(out)) == 1, out
    assert out[0] == "福田区园岭街道红荔路12号3栋501"
    # near a flat is not the flat: the description stays in the normalised text
    assert normalise(engine, ["深圳福田区园岭街道红荔路12号3幢501附近"]) == ["福田区园岭街道红荔路12号3栋501附近"]


def test_address_outside_the_city_keeps_its_prefix(engine):
    assert normalise(engine, ["湖南省长沙市岳麓区麓山路5号"]) == ["湖南省长沙市岳麓区麓山路5号"]


@given(st.lists(st.text(alphabet="福田区路号栋单元室三五零一十１２3 附近广东省深圳市", max_size=25),
                min_size=1, max_size=10))
@settings(max_examples=25, deadline=None)
def test_address_normalisation_is_idempotent(engine, texts):
    once = normalise(engine, texts)  # ten texts a batch: one pass of the SQL reads them all
    assert normalise(engine, once) == once


def test_village_inside_a_community_name_is_not_a_road(engine):
    row = parts(engine, ["龙岗区平湖街道楼村新社区裕安北路13号1栋2单元1803"])["龙岗区平湖街道楼村新社区裕安北路13号1栋2单元1803"]
    assert pick(row, "community", "road", "door_number", "building", "unit", "room") == \
        ("楼村新社区", "裕安北路", "13", "1", "2", "1803")
    assert pick(row, "building_key", "dwelling_key") == ("裕安北路13号#1", "裕安北路13号#1#1803")


def test_sql_keys_agree_across_administrative_variants(engine):
    import pandas as pd

    variants = ["福田区园岭街道红荔路12号3栋501", "福田区红荔路12号3栋2单元501", "园岭社区红荔路12号3栋501",
                "红荔路12号3-2-501", "福田区华富街道新湖路18号1栋5楼01"]
    engine.create_table_from_frame("addr", pd.DataFrame({"a": variants}))
    build_address_table(engine, "SELECT a AS raw FROM addr", "addr_keys")
    keys = dict(engine.fetchall("SELECT raw, dwelling_key FROM addr_keys"))
    assert {keys[v] for v in variants[:4]} == {"红荔路12号#3#501"}
    assert keys[variants[4]] == "新湖路18号#1#501"


# ------------------------------------------------------------------------------------------
# The administrative levels and the parts below the township (build_address_table's columns)
# ------------------------------------------------------------------------------------------



def parts(engine: Engine, values: list[str]) -> dict[str, dict]:
    engine.create_table_from_frame("t_parts", pd.DataFrame({"a": values}))
    build_address_table(engine, "SELECT a AS raw FROM t_parts", "t_parts_out")
    rows = engine.df("SELECT * FROM t_parts_out").astype(object)
    rows = rows.where(rows.notna(), None)
    return {r["raw"]: r for r in rows.to_dict("records")}


def pick(row: dict, *keys: str) -> tuple:
    return tuple(row[k] for k in keys)


def test_columns(engine):
    engine.create_table_from_frame("t_cols", pd.DataFrame({"a": ["福田区红荔路12号3栋501"]}))
    build_address_table(engine, "SELECT a AS raw FROM t_cols", "t_cols_out")
    assert tuple(r[0] for r in engine.fetchall("DESCRIBE t_cols_out")) == ADDRESS_COLUMNS


@pytest.mark.parametrize("text", ["南山区华夏路29号1号楼406", "南山区华夏路29号1栋406", "南山区华夏路29号1幢406",
                                  "南山区华夏路29号1座406", "南山区华夏路29号一栋406", "南山区华夏路29号１栋406",
                                  "南山区华夏路29号第1栋406"])
def test_building_words(engine, text):
    row = parts(engine, [text])[text]
    assert pick(row, "road", "door_number", "building", "room", "floor") == ("华夏路", "29", "1", "406", "4")
    assert row["dwelling_key"] == "华夏路29号#1#406"


@pytest.mark.parametrize("text", ["福田区红荔路12号3栋501", "福田区红荔路12号3栋501室", "福田区红荔路12号3栋501房",
                                  "福田区红荔路12号3栋5楼01", "福田区红荔路12号3栋5层01室", "福田区红荔路12号三栋五零一",
                                  "福田区红荔路１２号３栋５０１"])
def test_room_forms(engine, text):
    row = parts(engine, [text])[text]
    assert pick(row, "building", "floor", "room", "dwelling_key") == ("3", "5", "501", "红荔路12号#3#501")


def test_chinese_numerals_and_letters(engine):
    rows = parts(engine, ["红荔路12号十二栋2单元1203房", "三元里大街12号3栋501", "南山区华夏路29号3A栋1001",
                          "南山区科技园大厦A座12层"])
    assert pick(rows["红荔路12号十二栋2单元1203房"], "building", "unit", "floor", "room") == ("12", "2", "12", "1203")
    assert pick(rows["三元里大街12号3栋501"], "road", "building") == ("三元里大街", "3")
    assert pick(rows["南山区华夏路29号3A栋1001"], "building", "floor", "room") == ("3A", "10", "1001")
    assert pick(rows["南山区科技园大厦A座12层"], "poi", "building", "floor", "room") == ("科技园大厦", "A", "12", None)


def test_dashed_forms(engine):
    rows = parts(engine, ["宝安区东明路1号12-3-1001", "宝安区东明路1号1-503", "宝安区东明路1号12栋3-1001"])
    assert pick(rows["宝安区东明路1号12-3-1001"], "building", "unit", "floor", "room") == ("12", "3", "10", "1001")
    assert pick(rows["宝安区东明路1号1-503"], "building", "unit", "room") == ("1", None, "503")
    assert pick(rows["宝安区东明路1号12栋3-1001"], "building", "unit", "room") == ("12", "3", "1001")


def test_door_numbers(engine):
    rows = parts(engine, ["光明区华夏路3之1号2栋101", "南山区华夏路29号院1栋101", "南山区华夏路29号1栋101"])
    assert rows["光明区华夏路3之1号2栋101"]["door_number"] == "3之1"
    assert rows["光明区华夏路3之1号2栋101"]["dwelling_key"] == "华夏路3之1号#2#101"
    assert rows["南山区华夏路29号院1栋101"]["door_number"] == "29"
    assert rows["南山区华夏路29号院1栋101"]["dwelling_key"] == rows["南山区华夏路29号1栋101"]["dwelling_key"]


def test_missing_prefixes_are_filled_from_the_config(engine):
    rows = parts(engine, ["广东省深圳市福田区园岭街道红荔路12号3栋501", "福田区红荔路12号3栋501", "红荔路12号3栋501"])
    for row in rows.values():
        assert pick(row, "province", "city", "in_city") == ("广东省", "深圳市", True)
    assert pick(rows["福田区红荔路12号3栋501"], "district", "district_code") == ("福田区", "440304")
    assert rows["广东省深圳市福田区园岭街道红荔路12号3栋501"]["street"] == "园岭街道"


def test_descriptor_is_kept_apart(engine):
    rows = parts(engine, ["福田区红荔路12号3栋501附近", "福田区红荔路12号对面", "福田区红荔路12号3栋501"])
    near = rows["福田区红荔路12号3栋501附近"]
    assert near["descriptor"] == "附近" and near["address"] == "福田区红荔路12号3栋501附近"
    assert near["dwelling_key"] == rows["福田区红荔路12号3栋501"]["dwelling_key"]
    assert rows["福田区红荔路12号对面"]["descriptor"] == "对面"
    assert rows["福田区红荔路12号3栋501"]["descriptor"] is None


def test_addresses_in_other_cities(engine):
    rows = parts(engine, ["广州市天河区天河路385号1栋101", "广东省广州市天河区天河路385号", "湖南长沙市岳麓区麓山路5号",
                          "湖南省永州市道县金塘镇水口村4组23号", "重庆市万州区杨柳镇樟树村4组93号", "香港特别行政区香港岛7号",
                          "朝阳区建国路88号", "长沙县和平路156号"])
    guangzhou = rows["广州市天河区天河路385号1栋101"]
    assert pick(guangzhou, "province", "city", "district", "district_code", "in_city") == \
        ("广东省", "广州市", "天河区", None, False)
    assert rows["广东省广州市天河区天河路385号"]["in_city"] is False
    assert pick(rows["湖南长沙市岳麓区麓山路5号"], "province", "city", "district", "in_city") == \
        ("湖南省", "长沙市", "岳麓区", False)
    # a village and its group are a place, kept whole
    assert pick(rows["湖南省永州市道县金塘镇水口村4组23号"], "district", "street", "road", "door_number", "in_city") == \
        ("道县", "金塘镇", "水口村4组", "23", False)
    assert pick(rows["重庆市万州区杨柳镇樟树村4组93号"], "province", "city", "in_city") == ("重庆市", "重庆市", False)
    assert rows["香港特别行政区香港岛7号"]["in_city"] is False
    # a district of another city (Beijing or Changchun: which one is not decided)
    assert pick(rows["朝阳区建国路88号"], "city", "district_code", "in_city") == (None, None, False)
    assert pick(rows["长沙县和平路156号"], "province", "city", "in_city") == ("湖南省", "长沙市", False)


def test_district_codes(engine):
    rows = parts(engine, ["龙华区民治街道人民路1号1栋101", "园岭街道红荔路12号3栋501", "西乡街道龙翔街25号1座2单元306室",
                          "福田园岭街道红荔路12号3栋501", "光明新区光明街道华夏路3号2栋101", "红荔路99号1栋101"])
    assert rows["龙华区民治街道人民路1号1栋101"]["district_code"] == "440309"
    # no district written, a street that is unique in the city
    assert pick(rows["园岭街道红荔路12号3栋501"], "district", "district_code", "street") == ("福田区", "440304", "园岭街道")
    assert pick(rows["西乡街道龙翔街25号1座2单元306室"], "district_code", "dwelling_key") == ("440306", "龙翔街25号#1#306")
    assert pick(rows["福田园岭街道红荔路12号3栋501"], "district_code", "street") == ("440304", "园岭街道")
    assert rows["光明新区光明街道华夏路3号2栋101"]["district_code"] == "440311"
    # no district, no street: the other addresses of the same road and door number tell it
    assert rows["红荔路99号1栋101"]["district_code"] is None


def test_district_from_other_addresses_of_the_same_place(engine):
    rows = parts(engine, ["福田区红荔路99号1栋101", "红荔路99号2栋202", "人民路1号1栋101", "罗湖区人民路1号1栋102",
                          "福田区人民路1号2栋101"])
    assert rows["红荔路99号2栋202"]["district_code"] == "440304"
    assert rows["人民路1号1栋101"]["district_code"] is None  # its place is in two districts


def test_place_names_are_not_cut_as_divisions(engine):
    rows = parts(engine, ["沙井市场路5号1栋101", "碧海花园小区3栋501", "园岭社区红荔路12号3栋501",
                          "盐田区西乡社区锦绣路28号1栋1单元103室"])
    # 西乡 + 社区 is a community with 乡 inside, not the town 西乡 followed by nothing
    assert pick(rows["盐田区西乡社区锦绣路28号1栋1单元103室"], "street", "community", "dwelling_key") == \
        (None, "西乡社区", "锦绣路28号#1#103")
    assert pick(rows["沙井市场路5号1栋101"], "road", "dwelling_key") == ("沙井市场路", "沙井市场路5号#1#101")
    assert pick(rows["碧海花园小区3栋501"], "poi", "dwelling_key") == ("碧海花园小区", "碧海花园小区#3#501")
    assert pick(rows["园岭社区红荔路12号3栋501"], "community", "dwelling_key") == ("园岭社区", "红荔路12号#3#501")


def test_every_variant_of_one_flat_meets(engine):
    variants = [
        "广东省深圳市南山区粤海街道光明西社区华夏路29号1栋2单元406室",
        "深圳市南山区华夏路29号1号楼2单元406",
        "南山区粤海街道华夏路２９号１幢２单元４０６房",
        "南山区华夏路29号一栋二单元四零六",
        "深圳南山区华夏路29号1座4楼06",
        "南山区华夏路29号1-2-406",
        "粤海街道华夏路29号1栋406",
        "南山区 华夏路29号，1栋2单元406附近",
    ]
    rows = parts(engine, variants)
    assert {rows[v]["dwelling_key"] for v in variants} == {"华夏路29号#1#406"}
    assert {rows[v]["building_key"] for v in variants} == {"华夏路29号#1"}
    assert {rows[v]["district_code"] for v in variants} == {"440305"}
    assert {rows[v]["in_city"] for v in variants} == {True}


def test_region_decides_an_ambiguous_district():
    engine = Engine()
    try:
        register_macros(engine)
        register_address_macros(engine, "北京市", "110000")
        rows = parts(engine, ["朝阳区建国路88号1号楼101", "北京市朝阳区建国路88号1号楼101", "广东省深圳市福田区红荔路12号"])
        for text in ("朝阳区建国路88号1号楼101", "北京市朝阳区建国路88号1号楼101"):
            assert pick(rows[text], "province", "city", "district", "district_code", "in_city") == \
                ("北京市", "北京市", "朝阳区", "110105", True)
        assert rows["广东省深圳市福田区红荔路12号"]["in_city"] is False
    finally:
        engine.close()


@pytest.mark.parametrize("fn, raw, std", [
    (standard_building, "1号楼", "1"), (standard_building, "1栋", "1"), (standard_building, "1幢", "1"),
    (standard_building, "1座", "1"), (standard_building, "一栋", "1"), (standard_building, "１栋", "1"),
    (standard_building, "十二栋", "12"), (standard_building, "3a栋", "3A"), (standard_building, "综合楼", "综合楼"),
    (standard_unit, "2单元", "2"), (standard_unit, "二单元", "2"), (standard_unit, "2", "2"),
    (standard_door, "29号", "29"), (standard_door, "3之1号", "3之1"), (standard_door, "二十九号", "29"),
    (standard_door, "29", "29"), (standard_door, "29号院", "29"), (standard_door, "3号之一", "3之1"),
    (standard_door, "3-1号", "3之1"), (standard_door, "12号附1号", "12附1"), (standard_door, "17号乙", "17乙"),
    (standard_room, "0502", ("5", "502")),
    (standard_room, "501", ("5", "501")), (standard_room, "501室", ("5", "501")), (standard_room, "501房", ("5", "501")),
    (standard_room, "5楼01", ("5", "501")), (standard_room, "五零一", ("5", "501")), (standard_room, "1203", ("12", "1203")),
    (standard_room, "12", (None, "12")), (standard_room, None, (None, None)),
])
def test_parts_written_in_their_own_columns(fn, raw, std):
    assert fn(raw) == std


@pytest.mark.parametrize("road, door, poi, building, floor, room, keys", [
    ("华夏路", "29", None, "3", "5", "502", ("华夏路29号#3", "华夏路29号#3#502")),
    ("华夏路", "29", "碧海花园", "3", "5", "502", ("华夏路29号#3", "华夏路29号#3#502")),  # the door number names the place
    ("华夏路", None, "碧海花园", "3", "5", "502", ("碧海花园#3", "碧海花园#3#502")),      # else the estate
    (None, None, "碧海花园", "3", None, None, ("碧海花园#3", None)),
    ("白石洲村3巷", "12", None, None, "5", "502", ("白石洲村3巷12号#", "白石洲村3巷12号##502")),  # a village house
    ("白石洲村3巷", "12", None, None, None, None, ("白石洲村3巷12号#", None)),
    # a floor written without a room is the flat that floor is, never another floor's
    ("白石洲村3巷", "12", None, None, "3", None, ("白石洲村3巷12号#", "白石洲村3巷12号##3楼")),
    ("白石洲村3巷", "12", None, None, "", None, ("白石洲村3巷12号#", None)),
    (None, None, "碧海花园", "3", "8", None, ("碧海花园#3", "碧海花园#3#8楼")),
    ("华夏路", None, None, None, None, None, (None, None)),                          # a road alone is no place
    ("华夏路", None, None, None, "3", None, (None, None)),
    ("华夏路", None, None, "3", "5", "502", ("华夏路#3", "华夏路#3#502")),
    ("", "", "", "", "", "", (None, None)),
    (None, None, None, None, "5", "502", (None, None)),
])
def test_keys(engine, road, door, poi, building, floor, room, keys):
    assert engine.fetchall("SELECT rs_building_key(?, ?, ?, ?, ?), rs_dwelling_key(?, ?, ?, ?, ?, ?)",
                           [road, door, poi, building, room, road, door, poi, building, floor, room])[0] == keys


def _city_parts(city, region_code, values):
    e = Engine()
    register_macros(e)
    register_address_macros(e, city, region_code)
    e.create_table_from_frame("t", pd.DataFrame({"raw": values}))
    build_address_table(e, "SELECT raw FROM t", "o")
    rows = {r["raw"]: r for r in e.df("SELECT * FROM o").to_dict("records")}
    e.close()
    return rows


def test_other_cities_forms():
    """Forms other cities write: Shanghai's 弄, Beijing's 号院 and towers with Latin names,
    Chengdu's numbered road sections and rural groups."""
    sh = _city_parts("上海市", "310000", ["上海市浦东新区张江镇祖冲之路123弄4号502室", "浦东新区祖冲之路123弄4号502"])
    assert {r["dwelling_key"] for r in sh.values()} == {"祖冲之路123弄4号##502"}
    bj = _city_parts("北京市", "110000", ["北京市朝阳区建国路88号SOHO现代城A座1201", "朝阳区建国路88号A座12层1201室",
                                         "北京市海淀区中关村南大街5号院3号楼2单元401", "海淀区中关村南大街5号3号楼2单元401"])
    assert bj["北京市朝阳区建国路88号SOHO现代城A座1201"]["poi"] == "SOHO现代城"
    assert bj["北京市朝阳区建国路88号SOHO现代城A座1201"]["dwelling_key"] == \
        bj["朝阳区建国路88号A座12层1201室"]["dwelling_key"] == "建国路88号#A#1201"
    # 中关村 is part of the road's name, not a village before it
    assert {bj[k]["dwelling_key"] for k in ("北京市海淀区中关村南大街5号院3号楼2单元401",
                                            "海淀区中关村南大街5号3号楼2单元401")} == {"中关村南大街5号#3#401"}
    cd = _city_parts("成都市", "510100", ["武侯区人民南路四段11号1栋2单元5楼3号", "成都市武侯区人民南路4段11号1栋2单元503",
                                         "四川省成都市武侯区簇桥街道龙井村三组12号"])
    assert cd["武侯区人民南路四段11号1栋2单元5楼3号"]["dwelling_key"] == \
        cd["成都市武侯区人民南路4段11号1栋2单元503"]["dwelling_key"] == "人民南路4段11号#1#503"
    village = cd["四川省成都市武侯区簇桥街道龙井村三组12号"]
    assert (village["street"], village["road"], village["door_number"]) == ("簇桥街道", "龙井村3组", "12")


@pytest.fixture(scope="module")
def guangzhou():
    yield from city_engine("广州市", "440100")


@pytest.mark.parametrize("variants, dwelling", [
    # a door's suffix however written: 之一, 之1, -1, after a space, before a room or a floor
    (["天河区程界村长庚坊32号之一201房", "程界村长庚坊32号之1 201", "程界村长庚坊32-1号2楼01", "程界村长庚坊32之1号201室"],
     "程界村长庚坊32之1号##201"),
    (["越秀区三德里12号附1号201", "三德里12号附一号201室", "三德里十二号附一号二零一"], "三德里12附1号##201"),
    (["越秀区黎黄陂路17号乙201", "黎黄陂路17号乙201房"], "黎黄陂路17乙号##201"),
    # a named lane (坊, 里) before its door number, a village's 社
    (["龙洞村兴隆坊6号504房", "天河区龙洞街龙洞村兴隆坊6号504"], "龙洞村兴隆坊6号##504"),
    (["白云区同和村2社53号302房", "同和村二社53号3楼02"], "同和村2组53号##302"),
    # a phase is part of the estate's name; 门 a unit; 0502 is 502; 自编 dropped
    (["天河北苑三期2号楼二梯5楼3号", "天河北苑3期2栋2梯503房", "天河北苑三期自编2栋2梯0503"], "天河北苑3期#2#503"),
    (["东湖路169号院3号楼2门401", "东湖路169号3栋2门401室"], "东湖路169号#3#401"),
    # a lane with its side (中4巷) or a 横街; the side of a road before its door number
    (["天河区龙洞街龙洞村中4巷7号503房", "龙洞村中四巷7号5楼3号"], "龙洞村中4巷7号##503"),
    (["白云区东平村1横街17号之一203房", "东平村一横街17-1号2楼03"], "东平村1横街17之1号##203"),
    (["天河区黄埔大道中148号嘉和苑三期自编1栋3梯301房", "黄埔大道中148号1栋3梯301"], "黄埔大道中148号#1#301"),
])
def test_door_suffixes_named_lanes_phases_and_units(guangzhou, variants, dwelling):
    rows = parts(guangzhou, variants)
    assert {v: rows[v]["dwelling_key"] for v in variants} == dict.fromkeys(variants, dwelling)


def test_door_suffixes_are_doors_of_their_own(guangzhou):
    rows = parts(guangzhou, ["三德里12号201", "三德里12号附1号201", "三德里12号之1 201", "黎黄陂路17号201", "黎黄陂路17号乙201"])
    assert len({r["dwelling_key"] for r in rows.values()}) == 5


def test_a_street_written_without_its_suffix_is_the_street(guangzhou):
    rows = parts(guangzhou, ["天河区石牌街石牌东路27巷1号8楼02", "天河区石牌街道石牌东路27巷1号802房", "天河区冼村街冼村路32巷34号402",
                             "越秀区北京街12号"])
    assert pick(rows["天河区石牌街石牌东路27巷1号8楼02"], "street", "road", "door_number", "room") == \
        ("石牌街道", "石牌东路27巷", "1", "802")
    assert rows["天河区石牌街石牌东路27巷1号8楼02"]["dwelling_key"] == rows["天河区石牌街道石牌东路27巷1号802房"]["dwelling_key"]
    assert pick(rows["天河区冼村街冼村路32巷34号402"], "street", "road") == ("冼村街道", "冼村路32巷")
    # after a district's short name too
    rows = parts(guangzhou, ["广东省广州市海珠凤阳街康乐村社区康乐村福寿坊3号302", "广州市白云嘉禾街望岗村5社10号101"])
    assert pick(rows["广东省广州市海珠凤阳街康乐村社区康乐村福寿坊3号302"], "district", "street", "road") == \
        ("海珠区", "凤阳街道", "康乐村福寿坊")
    assert pick(rows["广州市白云嘉禾街望岗村5社10号101"], "district", "street", "road") == ("白云区", "嘉禾街道", "望岗村5社")
    rows = parts(guangzhou, ["越秀区北京街12号"])
    # a number right after it: a road named so
    assert pick(rows["越秀区北京街12号"], "street", "road", "door_number") == (None, "北京街", "12")


def test_a_lane_written_without_its_village_takes_the_one_the_library_knows(guangzhou):
    # the library (here the table itself) knows 龙洞村中4巷, 程界村长庚坊, 瑞宝村 and 小洲村 东大街8巷,
    # 康乐村福寿坊 (海珠) and 猎德村福寿坊 (天河); no 石牌村华师路
    rows = parts(guangzhou, ["天河区龙洞村中4巷7号503房", "龙洞村社区中4巷7号5楼3号", "天河区中4巷7号503",
                             "天河区程界村长庚坊44号301房", "程界村社区长庚坊44号301", "石牌村社区华师路3号101",
                             "海珠区瑞宝村东大街8巷52号803房", "海珠区小洲村东大街8巷52号803房", "海珠区东大街8巷52号803",
                             "瑞宝村社区东大街8巷52号803", "海珠区康乐村福寿坊3号304房", "天河区猎德村福寿坊3号304房",
                             "海珠区福寿坊3号304", "福寿坊3号304"])
    assert rows["龙洞村社区中4巷7号5楼3号"]["dwelling_key"] == "龙洞村中4巷7号##503"
    assert rows["天河区中4巷7号503"]["dwelling_key"] == "龙洞村中4巷7号##503"  # the only village with it
    assert rows["程界村社区长庚坊44号301"]["dwelling_key"] == "程界村长庚坊44号##301"
    assert rows["石牌村社区华师路3号101"]["road"] == "华师路"  # a 路 is no lane of a village
    # two villages of the district have the lane: the community says which, or it stays as written
    assert rows["瑞宝村社区东大街8巷52号803"]["road"] == "瑞宝村东大街8巷"
    assert rows["海珠区东大街8巷52号803"]["road"] == "东大街8巷"
    # one village a district: the district says which; without one, it stays as written
    assert rows["海珠区福寿坊3号304"]["road"] == "康乐村福寿坊"
    assert rows["福寿坊3号304"]["road"] == "福寿坊"


@pytest.fixture(scope="module")
def wuhan():
    yield from city_engine("武汉市", "420100")


def test_hamlets_villages_and_descriptors_of_another_city(wuhan):
    rows = parts(wuhan, ["黄陂区横店街道汪家村李家湾12号", "汪家村张家湾十二号", "红旗村二组9号101", "洪山区张家湾街红旗村2组9号101房",
                         "东湖路一六九号院三号楼一门五零一", "东湖花园6栋斜对面", "保利香槟国际2栋2单元地下室",
                         "万科城市花园二期10栋配电房"])
    # a facility named after its building is that building (titled whole, if it is one)
    assert pick(rows["万科城市花园二期10栋配电房"], "building_key", "dwelling_key") == ("万科城市花园2期#10", None)
    # two hamlets of one village, each with its 12号
    assert rows["黄陂区横店街道汪家村李家湾12号"]["building_key"] == "汪家村李家湾12号#"
    assert rows["汪家村张家湾十二号"]["building_key"] == "汪家村张家湾12号#"
    # 红旗村 is a village, not a banner (X旗) of another province
    assert pick(rows["红旗村二组9号101"], "district", "road") == ("洪山区", "红旗村2组")  # its district from the other row
    assert rows["红旗村二组9号101"]["dwelling_key"] == rows["洪山区张家湾街红旗村2组9号101房"]["dwelling_key"] == "红旗村2组9号##101"
    assert rows["东湖路一六九号院三号楼一门五零一"]["dwelling_key"] == "东湖路169号#3#501"
    # near a building, or below it: the building, no flat
    assert pick(rows["东湖花园6栋斜对面"], "descriptor", "building_key", "dwelling_key") == ("斜对面", "东湖花园#6", None)
    assert pick(rows["保利香槟国际2栋2单元地下室"], "descriptor", "building_key", "unit", "dwelling_key") == \
        ("地下室", "保利香槟国际#2", "2", None)


def test_a_lane_after_its_village_name_without_cun_is_the_villages(guangzhou):
    rows = parts(guangzhou, ["天河区猎德街猎德村3巷3号202房", "猎德村社区猎德3巷3号2楼02", "天河区猎德3巷3号202"])
    assert {rows[v]["dwelling_key"] for v in rows} == {"猎德村3巷3号##202"}


@pytest.mark.parametrize("raw, std", [("3楼", ("3", None)), ("三楼", ("3", None)), ("首层", ("1", None)),
                                      ("第12层", ("12", None)), ("3楼02", ("3", "302"))])
def test_a_room_column_holding_a_floor_only(raw, std):
    assert standard_room(raw) == std


@pytest.fixture(scope="module")
def chongqing():
    yield from city_engine("重庆市", "500000")


@pytest.mark.parametrize("variants, dwelling", [
    # a floor and its flat dashed (8-4 is the fourth flat of floor 8), or with 楼 and 号
    (["渝中区长江一路385号8-4", "重庆市渝中区长江一路385号8楼4号", "长江一路385号8-4号", "长江一路385号804",
      "重庆市市辖区渝中区长江一路385号8-4"],  # 市辖区: the division table's placeholder, as some systems print it
     "长江一路385号##804"),
    # below the street: 负1-2, 负一楼2号, -1楼2号, a dash after the unit
    (["南岸区响水路51号上海城2号1单元负1-2", "响水路51号上海城2号一单元-1楼2号", "响水路51号上海城2号1单元负一楼2号",
      "响水路51号上海城2号1单元-1-2"], "响水路51号#2#-102"),
    # unit-floor-flat after the building; building-unit-floor-flat all dashed
    (["两江新区建新北路42号长安厂宿舍17幢3单元5-2", "建新北路42号17栋3-5-2", "建新北路42号17-3-5-2"],
     "建新北路42号#17#502"),
    # a neighbourhood numbered after its street (大坪正街二村), in figures or words
    (["渝中区大坪正街2村2号1单元3-1", "渝中区大坪正街二村2号1单元3楼1号"], "大坪正街二村2号##301"),
])
def test_chongqing_forms_meet(chongqing, variants, dwelling):
    rows = parts(chongqing, variants)
    assert {rows[v]["dwelling_key"] for v in variants} == {dwelling}


def test_chongqing_forms_stay_apart(chongqing):
    rows = parts(chongqing, ["长江一路385号8-4", "长江一路385号负8-4", "长江一路385号4-8",
                             "建新北路42号17栋3-5-2", "建新北路42号17栋5-3-2"])
    assert len({r["dwelling_key"] for r in rows.values()}) == 5
    # floor 5 of unit 3 and floor 3 of unit 5: the same room, the units tell them apart
    assert (rows["建新北路42号17栋3-5-2"]["unit"], rows["建新北路42号17栋5-3-2"]["unit"]) == ("3", "5")


@pytest.mark.parametrize("raw, std", [("5-2", ("5", "502")), ("负2-3", ("-2", "-203")), ("负一楼2号", ("-1", "-102")),
                                      ("2单元5-02", (None, "2单元5-02"))])
def test_a_room_column_dashed_or_below_the_street(raw, std):
    assert standard_room(raw) == std


def test_an_estate_named_after_its_city_keeps_the_name(chongqing):
    """重庆天地 written first loses 重庆 with the administrative prefix; the library knows the
    estate by its whole name."""
    rows = parts(chongqing, ["渝中区嘉陵江滨江路121号重庆天地2期B座19-3", "重庆天地2期B栋19楼3号",
                             "重庆市渝中区天地路8号"])
    assert rows["重庆天地2期B栋19楼3号"]["poi"] == "重庆天地2期"
    assert rows["重庆天地2期B栋19楼3号"]["building"] == "B"
    assert rows["重庆市渝中区天地路8号"]["road"] == "天地路"   # a road is no estate
