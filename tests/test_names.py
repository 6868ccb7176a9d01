import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolve.standardise.names import (
    COMPOUND_SURNAMES,
    NAME_FEATURE_COLUMNS,
    SURNAME_READINGS,
    fuzzy_pinyin,
    fuzzy_syllable,
    given_pinyin,
    given_readings,
    given_syllables,
    name_features,
    normalise_name,
    split_name,
    surname_pinyin,
)

# --------------------------------------------------------------------------- normalise_name


@pytest.mark.parametrize("raw, expected", [
    ("張偉", "张伟"),
    ("ＺＨＡＮＧ", "ZHANG"),
    ("zhang wei", "ZHANGWEI"),
    ("Zhāng Wěi", "ZHANGWEI"),
    ("买买提•艾力", "买买提·艾力"),
    ("买买提‧艾力", "买买提·艾力"),
    ("买买提・艾力", "买买提·艾力"),
    ("买买提･艾力", "买买提·艾力"),
    ("买买提．艾力", "买买提·艾力"),
    ("买买提.艾力", "买买提·艾力"),
    ("买买提⋅艾力", "买买提·艾力"),
    ("买买提∙艾力", "买买提·艾力"),
    ("买买提\u2027艾力", "买买提·艾力"),
    ("买买提\u30fb艾力", "买买提·艾力"),
    ("买买提\uff65艾力", "买买提·艾力"),
    ("买买提··艾力", "买买提·艾力"),
    ("·买买提 · 艾力·", "买买提·艾力"),
    ("王 芳", "王芳"),
    ("王　芳", "王芳"),
    (" 王\t芳\n", "王芳"),
    ("劉德華", "刘德华"),
    ("歐陽娜娜", "欧阳娜娜"),
    ("尉遲恭", "尉迟恭"),
    ("王芳1", "王芳"),
    ("王芳（曾用名）", "王芳曾用名"),
])
def test_normalise_examples(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "123", "···", "?*", float("nan")])
def test_normalise_empty_is_none(raw):
    assert normalise_name(raw) is None


def test_normalise_name_overrides():
    # 乾 in a name is qian, not OpenCC's 干 "dry"; 於 is a surname of its own
    assert normalise_name("张乾") == "张乾"
    assert normalise_name("於梨华") == "於梨华"
    # the surname 鍾 and its 2013 simplification 锺 meet at 钟
    assert normalise_name("鍾") == normalise_name("锺") == normalise_name("钟") == "钟"
    # OpenCC would turn 蕽 into an Extension-E character without a reading: refused
    assert normalise_name("佘蕽") == "佘蕽"


def test_private_use_characters_kept():
    assert normalise_name("王\ue123明") == "王\ue123明"


_name_chars = st.one_of(
    st.sampled_from(list("张偉王芳欧阳娜單曾區尉遲恭买提艾力乾於鍾锺薴蕽")),
    st.sampled_from(list("•‧・⋅∙．.･·\u2027\u30fb\uff65\u0387 \u3000\t")),
    st.sampled_from(list("ＡＺａｚAzÉéü０1（）-_")),
    st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0xF900, max_codepoint=0xFAFF),
    st.characters(min_codepoint=0xFF00, max_codepoint=0xFFEF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
    st.characters(),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_name_chars, max_size=12).map("".join))
def test_normalise_idempotent(raw):
    once = normalise_name(raw)
    assert normalise_name(once) == once
    if once is not None:
        assert "··" not in once and not once.startswith("·") and not once.endswith("·")
        assert not any(c.isspace() for c in once)


# --------------------------------------------------------------------------- split_name


@pytest.mark.parametrize("name, expected", [
    ("张伟", ("张", "伟")),
    ("欧阳娜娜", ("欧阳", "娜娜")),
    ("欧阳修", ("欧阳", "修")),
    ("欧阳", ("欧", "阳")),
    ("司马光", ("司马", "光")),
    ("尉迟恭", ("尉迟", "恭")),
    ("爱新觉罗溥仪", ("爱新觉罗", "溥仪")),
    ("买买提·艾力", ("", "买买提·艾力")),
    ("ZHANGWEI", ("", "ZHANGWEI")),
    ("区", ("区", "")),
])
def test_split_name(name, expected):
    assert split_name(name) == expected


def test_compound_surnames_exported():
    assert {"欧阳", "司马", "诸葛", "上官", "尉迟", "万俟", "长孙", "澹台"} <= COMPOUND_SURNAMES
    assert isinstance(COMPOUND_SURNAMES, frozenset)


# --------------------------------------------------------------------------- pinyin


@pytest.mark.parametrize("surname, py", [
    ("单", "shan"), ("曾", "zeng"), ("区", "ou"), ("解", "xie"), ("仇", "qiu"), ("查", "zha"),
    ("朴", "piao"), ("翟", "zhai"), ("盖", "ge"), ("乐", "yue"), ("缪", "miao"),
    ("尉迟", "yuchi"), ("万俟", "moqi"), ("长孙", "zhangsun"), ("澹台", "tantai"),
    ("吕", "lv"), ("张", "zhang"), ("欧阳", "ouyang"),
])
def test_surname_pinyin(surname, py):
    assert surname_pinyin(surname) == py


def test_surname_readings_table():
    assert SURNAME_READINGS["单"] == "shan"
    assert SURNAME_READINGS["尉迟"] == "yuchi"
    assert all(v.isascii() and v.islower() for v in SURNAME_READINGS.values())


def test_surname_reading_in_features():
    row = name_features(["单雄信", "曾国藩", "尉迟恭"]).set_index("name_raw")
    assert row.loc["单雄信", "surname_py"] == "shan"
    assert row.loc["曾国藩", "surname_py"] == "zeng"
    assert row.loc["尉迟恭", "surname_py"] == "yuchi"
    assert row.loc["尉迟恭", "name_py"] == "yuchigong"


def test_given_pinyin():
    assert given_pinyin("伟") == "wei"
    assert given_syllables("娜娜") == ["na", "na"]
    assert given_pinyin("绿") == "lv"  # ü as v
    assert given_syllables("买买提·艾力") == ["mai", "mai", "ti", "ai", "li"]
    assert given_syllables("LYUXIN") == ["lv", "xin"]


def test_given_readings():
    assert given_readings("乐晓") == "le|yue xiao"
    assert given_readings("") == ""


def test_homophones_share_name_py():
    f = name_features(["张晓", "张小", "张伟"]).set_index("name_raw")
    assert f.loc["张晓", "name_py"] == f.loc["张小", "name_py"] == "zhangxiao"
    assert f.loc["张伟", "name_py"] != f.loc["张小", "name_py"]


# --------------------------------------------------------------------------- fuzzy


def test_fuzzy_rules():
    assert fuzzy_syllable("liu") == fuzzy_syllable("niu")
    assert fuzzy_syllable("chen") == fuzzy_syllable("cheng") == "cen"
    assert fuzzy_syllable("zhang") != fuzzy_syllable("zhao")
    assert fuzzy_syllable("hu") == fuzzy_syllable("fu") == "fu"
    assert fuzzy_syllable("huang") == "fuan" and fuzzy_syllable("fang") == "fan"
    assert fuzzy_syllable("shi") == "si"
    assert fuzzy_syllable("ying") == "yin"
    assert fuzzy_syllable("xiong") == "xiong"   # -ong is not folded
    assert fuzzy_syllable("lv") == "nv"
    assert fuzzy_pinyin("zhangwei") == "zanwei"
    assert fuzzy_pinyin("zhang wei") == "zanwei"


def test_fuzzy_names():
    f = name_features(["刘伟", "牛伟", "陈伟", "程伟", "张伟", "赵伟"]).set_index("name_raw")["name_py_fuzzy"]
    assert f["刘伟"] == f["牛伟"]
    assert f["陈伟"] == f["程伟"]
    assert f["张伟"] != f["赵伟"]


def test_romanised_meets_han_on_pinyin():
    f = name_features(["吕欣", "LYU XIN", "张伟", "Zhang Wei"]).set_index("name_raw")
    assert f.loc["吕欣", "name_py"] == f.loc["LYU XIN", "name_py"] == "lvxin"
    assert f.loc["张伟", "name_py_fuzzy"] == f.loc["Zhang Wei", "name_py_fuzzy"]


# --------------------------------------------------------------------------- name_features


def test_name_features_distinct_rows():
    raw = ["張偉", "张伟", None, "张伟", float("nan"), "買買提•艾力", "???", "張偉"]
    f = name_features(pd.Series(raw, dtype=object))
    assert list(f.columns) == list(NAME_FEATURE_COLUMNS)
    assert sorted(f["name_raw"]) == sorted(["張偉", "张伟", "買買提•艾力", "???"])
    rows = f.set_index("name_raw")
    assert rows.loc["張偉", "name_std"] == rows.loc["张伟", "name_std"] == "张伟"
    assert rows.loc["張偉", "surname"] == "张" and rows.loc["張偉", "given_name"] == "伟"
    assert rows.loc["張偉", "name_py_fuzzy"] == "zanwei"
    assert pd.isna(rows.loc["???", "name_std"]) and pd.isna(rows.loc["???", "name_py"])
    dotted = rows.loc["買買提•艾力"]
    assert dotted["name_std"] == "买买提·艾力"
    assert dotted["surname"] == "" and dotted["surname_py"] == ""
    assert dotted["name_py"] == "maimaitiaili"


def test_name_features_list_and_empty():
    f = name_features(["王芳", "王芳", None])
    assert len(f) == 1
    empty = name_features([])
    assert list(empty.columns) == list(NAME_FEATURE_COLUMNS) and len(empty) == 0
    assert all(str(t) == "string" for t in empty.dtypes)
    all_null = name_features(["???"])
    assert all(str(t) == "string" for t in all_null.dtypes)


def test_name_features_given_py_all():
    rows = name_features(["张乐晓"]).set_index("name_raw")
    assert rows.loc["张乐晓", "given_py_all"] == "le|yue xiao"
    assert rows.loc["张乐晓", "given_py"] == "lexiao"


def test_name_features_into_duckdb():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    frame = name_features(["???"])
    con.register("f", frame)
    types = {r[0]: r[1] for r in con.execute("DESCRIBE SELECT * FROM f").fetchall()}
    assert set(types.values()) == {"VARCHAR"}
    con.close()


def test_name_features_speed_smoke():
    import time
    names = [f"{s}{g}{h}" for s in "张王李赵刘陈" for g in "伟芳娜秀英敏静丽强磊" for h in "军洋勇艳杰娟涛明超霞"]
    t = time.perf_counter()
    f = name_features(names * 3)
    assert len(f) == len(names)
    assert time.perf_counter() - t < 5
    assert not math.isnan(len(f))


def test_a_romanised_name_meets_its_han_name_by_pinyin_in_either_order():
    import pandas as pd

    from resolve.standardise.names import name_features

    forms = ["张波", "BO ZHANG", "Zhang Bo", "ZHANG BO", "ZHANGBO", "Bo Zhang", " bo  zhang "]
    features = name_features(pd.Series(forms))
    assert set(features["name_py"]) == {"zhangbo"}
    # a foreign name, and two words whose order cannot be told, are left as written
    other = name_features(pd.Series(["JOHN SMITH", "YANG YANG"]))
    assert list(other["name_std"]) == ["JOHNSMITH", "YANGYANG"]
