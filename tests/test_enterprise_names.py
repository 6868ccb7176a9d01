"""Enterprise names: one key for the variants of one name; branches kept apart from parents."""

import pytest

from resolve.standardise.enterprise_names import (
    enterprise_name_features,
    enterprise_name_parts,
    normalise_enterprise_name,
    region_prefixes,
)

REGIONS = region_prefixes("深圳市", "广东省")


def parts(raw):
    return enterprise_name_parts(normalise_enterprise_name(raw), REGIONS)


def key(raw):
    return enterprise_name_features([raw], REGIONS)["name_key"][0]


def test_variants_of_one_name_share_a_key():
    variants = ["深圳市腾讯计算机系统有限责任公司", "腾讯计算机系统有限公司（深圳）", "深圳腾讯计算机系统有限公司",
                "深圳市 腾讯計算機系統有限公司", "广东省深圳市腾讯计算机系统有限公司"]
    assert {key(v) for v in variants} == {"腾讯计算机系统有限公司"}


def test_joint_stock_is_another_legal_form():
    assert key("深圳市某某科技股份有限公司") != key("深圳市某某科技有限公司")
    assert parts("深圳市某某科技股份有限公司")["legal_form"] == "股份有限公司"


def test_branch_is_never_its_parent():
    branch = parts("中国平安财产保险股份有限公司深圳分公司")
    assert branch["is_branch"] and branch["parent_name"] == "中国平安财产保险股份有限公司"
    assert branch["branch_label"] == "深圳分公司"
    parent = parts("中国平安财产保险股份有限公司")
    assert not parent["is_branch"]
    assert key("中国平安财产保险股份有限公司深圳分公司") != key("中国平安财产保险股份有限公司")
    # two branches of one parent in different places are different
    assert key("招商银行股份有限公司深圳福田支行") != key("招商银行股份有限公司深圳南山支行")


def test_region_prefix_moves_to_its_own_field_and_keeps_other_words():
    p = parts("中国平安保险（集团）股份有限公司")
    assert (p["core"], p["legal_form"], p["region"]) == ("中国平安保险(集团)", "股份有限公司", None)
    assert parts("深圳市大疆创新科技有限公司")["region"] == "深圳市"


def test_individual_business_name():
    p = parts("深圳市福田区老王粮油店")
    assert p["legal_form"] is None and not p["is_branch"] and p["core"] == "福田区老王粮油店"


@pytest.mark.parametrize("raw", ["ＡＢＣ（深圳）有限公司", "abc(深圳)有限公司"])
def test_full_width_and_case(raw):
    assert key(raw) == "ABC有限公司"


def test_features_one_row_per_distinct_name():
    frame = enterprise_name_features(["甲有限公司", "甲有限公司", None, "乙有限公司"], REGIONS)
    assert len(frame) == 2 and set(frame["name_key"]) == {"甲有限公司", "乙有限公司"}
