"""Address text variants of one place reach one form; numerals convert only before unit words."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolve.engine import Engine
from resolve.standardise.addresses import arabic_before_units, build_address_table, city_prefix_pattern, cn_to_arabic


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
    assert city_prefix_pattern("深圳市", "440300") == "^(广东省|广东)?(深圳市|深圳)?"


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
        "深圳福田区园岭街道红荔路12号3幢501附近",
    ]
    out = normalise(engine, variants)
    assert len(set(out)) == 1, out
    assert out[0] == "福田区园岭街道红荔路12号3栋501"


def test_address_outside_the_city_keeps_its_prefix(engine):
    assert normalise(engine, ["湖南省长沙市岳麓区麓山路5号"]) == ["湖南省长沙市岳麓区麓山路5号"]


@given(st.text(alphabet="福田区路号栋单元室三五零一十１２3 附近广东省深圳市", max_size=25))
@settings(max_examples=100, deadline=None)
def test_address_normalisation_is_idempotent(engine, text):
    once = normalise(engine, [text])
    assert normalise(engine, once) == once


def test_village_inside_a_community_name_is_not_a_road():
    from resolve.standardise.addresses import address_keys, parse_address

    parts = parse_address("龙岗区平湖街道楼村新社区裕安北路13号1栋2单元1803")
    assert (parts["road"], parts["door_number"], parts["building"], parts["unit"], parts["room"]) == \
        ("裕安北路", "13号", "1", "2", "1803")
    assert address_keys(parts) == ("裕安北路13号#1", "裕安北路13号#1#1803")


def test_sql_keys_agree_across_administrative_variants(engine):
    import pandas as pd

    variants = ["福田区园岭街道红荔路12号3栋501", "福田区红荔路12号3栋2单元501", "园岭社区红荔路12号3栋501",
                "红荔路12号3-2-501", "福田区华富街道新湖路18号1栋5楼01"]
    engine.create_table_from_frame("addr", pd.DataFrame({"a": variants}))
    build_address_table(engine, "SELECT a AS raw FROM addr", "addr_keys")
    keys = dict(engine.fetchall("SELECT raw, dwelling_key FROM addr_keys"))
    assert {keys[v] for v in variants[:4]} == {"红荔路12号#3#501"}
    assert keys[variants[4]] == "新湖路18号#1#501"
