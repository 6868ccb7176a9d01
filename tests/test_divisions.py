"""The GB/T 2260 division table (Ministry of Civil Affairs, to 2025-12-31)."""

from resolve.engine import Engine
from resolve.standardise.divisions import (
    district_short,
    district_table,
    division_name,
    region_prefix,
    register_division_tables,
    street_table,
)


def districts(region_code: str) -> dict[str, str]:
    table = district_table(region_code)
    return dict(zip(table["district"], table["district_code"]))


def test_shenzhen_districts_are_current():
    shenzhen = districts("440300")
    assert shenzhen["福田区"] == "440304"
    # cpca's old table puts 龙华区 in Haikou (460106): ours has Shenzhen's, created 2016
    assert shenzhen["龙华区"] == "440309"
    assert shenzhen["光明区"] == "440311"
    assert "460106" not in set(shenzhen.values())
    assert set(shenzhen) == {"罗湖区", "福田区", "南山区", "宝安区", "龙岗区", "盐田区", "龙华区", "坪山区", "光明区"}
    assert division_name("440300") == "深圳市" and division_name("440309") == "龙华区"


def test_municipality_districts_sit_under_the_province_code():
    assert region_prefix("110000") == "11" and region_prefix("440300") == "4403"
    assert districts("110000")["朝阳区"] == "110105"
    assert districts("110100")["朝阳区"] == "110105"  # a config may write Beijing as 110100
    chongqing = districts("500000")
    assert chongqing["万州区"] == "500101" and chongqing["云阳县"] == "500235"  # districts and counties


def test_short_forms_only_when_unambiguous():
    table = district_table("440300").set_index("district")
    assert table.loc["福田区", "district_short"] == "福田"
    assert district_short("长沙县") == "长沙" and district_short("东区") == "东区"
    assert district_short("光明新区") == "光明"


def test_streets_belong_to_their_districts():
    streets = street_table("440300")
    by_name = dict(zip(streets["street"], streets["district_code"]))
    assert by_name["园岭街道"] == "440304" and by_name["西乡街道"] == "440306" and by_name["光明街道"] == "440311"
    assert streets["street_code"].str.len().eq(9).all()
    assert set(streets["district_code"]) <= set(district_table("440300")["district_code"])
    assert (streets["street_code"].str[:6] == streets["district_code"]).all()


def test_register_division_tables_is_idempotent():
    engine = Engine()
    try:
        register_division_tables(engine, "440300")
        register_division_tables(engine, "440300")
        assert engine.scalar("SELECT count(*) FROM ref_district") == 9
        assert engine.fetchall("SELECT district_code, district, district_short FROM ref_district "
                               "WHERE district = '龙华区'") == [("440309", "龙华区", "龙华")]
        assert engine.fetchall("SELECT street_code, district_code FROM ref_street WHERE street = '园岭街道'") == \
            [("440304002", "440304")]
    finally:
        engine.close()


def test_former_districts_have_current_successors():
    """Every abolished district is absent from the current table and every successor present."""
    from resolve.standardise.divisions import CEDED, FORMER_DISTRICTS

    for code, (name, successors) in FORMER_DISTRICTS.items():
        assert division_name(code) is None, f"{name} ({code}) is still in the table"
        assert all(division_name(s) for s in successors), name
    for code, successors in CEDED.items():
        assert division_name(code) and all(division_name(s) for s in successors)


def test_a_district_without_a_short_form_has_none():
    table = district_table("500000").set_index("district")
    assert table.loc["忠县", "district_short"] is None   # 忠 alone is no name


def test_addresses_written_with_an_abolished_or_ceding_district():
    from resolve.standardise.addresses import region_context, resolve_admin

    hangzhou = region_context("330100", "杭州市")
    taken_whole = resolve_admin(hangzhou, None, "杭州市", "下城区", None)
    assert (taken_whole["district"], taken_whole["district_code"], taken_whole["in_city"]) == ("拱墅区", "330105", True)
    shared = resolve_admin(hangzhou, None, None, "江干区", None)    # 上城区 and 钱塘区 took it
    assert (shared["district_code"], shared["in_city"]) == (None, True)
    by_street = resolve_admin(hangzhou, None, None, "江干区", "白杨街道")
    assert by_street["district_code"] == "330114"                  # its street says which
    chongqing = region_context("500000", "重庆市")
    jiangbei = resolve_admin(chongqing, None, None, "江北区", None)   # not Ningbo's 江北区
    assert (jiangbei["district_code"], jiangbei["in_city"]) == ("500157", True)
    assert resolve_admin(region_context("330200", "宁波市"), None, None, "江北区", None)["district_code"] == "330205"
