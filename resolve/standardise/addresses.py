"""Address text to one comparable form, its administrative levels and its parts.

Full-width to half-width, spaces dropped, the config's own province and city prefixes
dropped (an address outside the city keeps its prefixes), descriptors such as 附近 kept apart,
Chinese numerals turned to Arabic ONLY before a unit word (三元里 stays 三元里), and
栋/幢/座/号楼 written as 栋, 501室 as 501. The heavy part runs as SQL; numeral conversion runs
in Python on the distinct values that need it.

build_address_table cuts every address set-based in SQL into three pieces, then reads each
piece on its distinct values only:

- the administrative prefix (province, city, district, street, community), cut with the real
  names of GB/T 2260 (``divisions``) tried before generic shapes and read with
  ``regexp_extract`` into a struct; the names found are resolved against the division table
  in Python on their few distinct combinations (district code, whether the address lies in
  the config's city: resolve_admin);
- the road and door number (SQL);
- the rest: building, unit, floor, room, or the name of an estate standing for the door
  number (Python, parse_rest). Below the township nothing standard exists.

The building and dwelling keys are written by the SQL macros rs_building_key and
rs_dwelling_key, from the standard parts; the property standardiser uses the same macros for
parts given in their own columns.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from resolve.engine import Engine, each_value, quote_ident, quote_literal
from resolve.errors import ResolveError
from resolve.standardise import divisions as dv
from resolve.standardise.places import (
    NAME_TABLE,
    NAMED,
    VILLAGE_ROAD_TABLE,
    correct_place_names,
    estate_of_community,
    fill_places,
    key_door_parts,
    key_floor_flats,
    place_names_sql,
    rekeyed,
    unit_of_building,
)

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

# facilities written after the building or door number they are (a building or house titled whole)
FACILITIES = "配电房|公厕|厕所|车库|门卫室|架空层|垃圾房"
UNIT_WORDS = "栋幢座单元层楼室号房巷排坊组队弄条梯段期门"  # and 社 (五社), not before 区
# where, near a place, not in a flat of it (a basement too: the building, no flat)
DESCRIPTORS = ("附近", "旁边", "斜对面", "对面", "门口", "周边", "一带", "隔壁", "后面", "背后", "往里走", "里面", "地下室",
               "旁")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_NUMERAL = re.compile(f"[零〇一二两三四五六七八九十百]+(?=号楼|单元|社(?!区)|横[街巷]|街区|[{UNIT_WORDS.replace('单元', '')}])")
_ROAD_DIGIT = re.compile(r"(?<=[^\d\W])\d(?=路|街(?!区))")
# a neighbourhood numbered after its road or name (石油路1村, 大坪正街二村, 嘉陵1村), and an
# estate's numbered 区 (翠苑1区 = 翠苑一区: 二七区 is a district) likewise; a 街区 (鲁能星城四街区)
# and a 组团 are numbered in figures, as a phase is (_CN_NUMERAL)
_ROAD_VILLAGE_DIGIT = re.compile(r"(?<=[^\d\W])\d(?=村|区)")
# a door's suffix (12号之一, 12号附一号): ends with 号, so that a room after it stays apart (12号之1号201)
_CN_DOOR_SUFFIX = re.compile("(?<=号[之附])([一二两三四五六七八九十]+)号?")
# a room number at the very end, after a building, unit, door or floor (1栋一零四, 六楼零一), or
# three or four digits after a name (金晖大厦二三零二)
_CN_ROOM_TEXT = r"(号楼|单元|[栋幢座号楼层])([零〇一二两三四五六七八九]+)$|()([零〇一二三四五六七八九]{3,4})$"
_CN_ROOM = re.compile(_CN_ROOM_TEXT)
_FULL_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "})


def _short(name: str) -> str:
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def city_prefix_pattern(city: str, region_code: str) -> str:
    """Regex of the config's province and city prefixes, each written once or more (广东省广东省,
    深圳市深圳市 as departments repeat them), e.g. ^(?:广东省|广东)*(?:深圳市|深圳)*"""
    province = PROVINCES.get(region_code[:2], "")
    parts = []
    if province and province != city:
        parts.append(f"(?:{re.escape(province)}|{re.escape(_short(province))})*")
    parts.append(f"(?:{re.escape(city)}|{re.escape(_short(city))})*")
    return "^" + "".join(parts)


def cn_to_arabic(numeral: str) -> str:
    """三 -> 3, 五零一 -> 501, 十二 -> 12, 二十 -> 20, 一百零五 -> 105."""
    if "十" not in numeral and "百" not in numeral:
        return "".join(str(_CN_DIGITS[c]) for c in numeral)
    total, current = 0, 0
    for ch in numeral:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return str(total + current)


def arabic_before_units(text: str | None) -> str | None:
    if text is None:
        return None
    text = _CN_DOOR_SUFFIX.sub(lambda m: cn_to_arabic(m.group(1)) + "号", text)
    # a road numbered in its name is written with its numeral (古田2路 is 古田二路), as departments mostly do
    text = _ROAD_DIGIT.sub(lambda m: "〇一二三四五六七八九"[int(m.group(0))], text)
    text = _ROAD_VILLAGE_DIGIT.sub(lambda m: "〇一二三四五六七八九"[int(m.group(0))], text)
    text = _CN_NUMERAL.sub(lambda m: cn_to_arabic(m.group(0)), text)
    return _CN_ROOM.sub(lambda m: (m.group(1) or "") + cn_to_arabic(m.group(2) or m.group(4)), text)


# --------------------------------------------------------------------------------------------
# Administrative levels: generic patterns (Python parser) and real names first (SQL)
# --------------------------------------------------------------------------------------------

# The generic shapes of each level, province to community. A name with a level word inside
# (沙市区, 市中区, 西乡街道, 广州市) needs care: 西乡 must not stop at 乡, 广州 not at 州.
_GENERIC_TOWN = r"|[^街镇乡路]{1,8}?(?:镇|乡)"
_ADMIN_LEVELS = (
    ("province", r"北京市|天津市|上海市|重庆市|[^省市区]{2,7}?省|[^区]{2,10}?自治区|香港特别行政区|澳门特别行政区"),
    ("city", r"[^市区县街路]{2,8}?(?:市|自治州|地区|盟)"),  # 吉华街道城市花园: no city
    # not a 社区; a banner (旗) has two characters at least before it (红旗村 is a village)
    ("district", r"[^区县市街路]{0,6}?[^区县市街路社](?:区|县|市)|[^区县市街路社]{2,7}?旗"),
    ("street", r"[^街路]{1,8}?街道" + _GENERIC_TOWN),
    # 楼村新社区 is one community; a village (X村) is a place, kept with its lanes (see _VILLAGE)
    ("community", r"[^社路街\d]{1,8}?[路街]社区|[^社路街]{1,10}?社区"),
)
ADMIN_LEVEL_NAMES = tuple(name for name, _ in _ADMIN_LEVELS)
ADMIN_PREFIX = "^" + "".join(f"(?:{pattern})?" for _, pattern in _ADMIN_LEVELS)

_GENERIC_DISTRICT = re.compile(_ADMIN_LEVELS[2][1])


def _alternation(names) -> str:
    """Literal names, longest first (so that 沙市区 is tried before 沙市)."""
    return "|".join(re.escape(n) for n in sorted(set(names), key=lambda n: (-len(n), n)))


@lru_cache(maxsize=32)
def admin_pattern(region_code: str, towns: bool = True) -> str:
    """The administrative prefix as a regex with one capture group per level (for SQL).

    Each level tries the real names first (every province and city; the config city's
    districts and streets, and the districts elsewhere that the generic shape would cut
    short), then the generic shape, so that addresses in other cities still lose their prefix.
    ``towns=False`` drops the generic town (X镇, X乡): for a community with 乡 or 镇 in its
    name (西乡社区, 新乡村), which the generic town would cut in two (see build_address_table).
    """
    d = dv.divisions()
    known = {
        "province": d.loc[d["level"] == dv.PROVINCE, "name"],
        "city": d.loc[d["level"] == dv.CITY, "name"],
        "district": list(dv.district_table(region_code)["district"])
        + list(dv.former_district_table(region_code)["district"])
        + [n for n in d.loc[d["level"] == dv.DISTRICT, "name"] if not _GENERIC_DISTRICT.fullmatch(n)],
        "street": dv.street_table(region_code)["street"],
        "community": [],
    }
    groups = []
    for name, generic in _ADMIN_LEVELS:
        if name == "street" and not towns:
            assert generic.endswith(_GENERIC_TOWN)
            generic = generic[: -len(_GENERIC_TOWN)]
        names = _alternation(known[name])
        groups.append(f"({names + '|' if names else ''}{generic})?")
    return "^" + "".join(groups)


# a road, with its section (深南大道东段, 人民南路四段)
_ROAD = r"[^路街巷\d]{1,12}?(?:大道|路|街|巷|道)(?:[东西南北中一二三四五六七八九十\d]段)?"
# An urban village or a rural group: X村 (X新村) with its lane, row, block or group (三巷, 二排,
# 四坊, 一组) before the house number: the village is part of the place, never dropped.
_VILLAGE = r"[^路街巷村\d]{1,10}?村"
# the words that end a lane: numbered (三巷, 二排, 五社, 一横街) and named (积善里, 兴隆坊, 李家湾; a
# village's resettlement houses, 绕城村农居点38号)
_LANE_WORDS = "巷|排|坊|组|社|队|弄|条|横街|横巷"
_NAMED_LANE_WORDS = "坊|里|湾|农居点"
_LANE = rf"[东西南北中]?\d+(?:{_LANE_WORDS})"
# a village written without 村 (白石洲三巷12号), taken only before a lane and a house number
_VILLAGE_NAME = r"[^路街巷村\d]{2,10}?"
# a door number with its suffix: 12之1 (12号之一, 12-1号), 12附1 (12号附1号), 17乙 (17号乙); each a
# door of its own (build_address_table writes them so before the head is cut)
_DOOR = r"\d+(?:[之附-]\d+|[甲乙丙丁])?"
# what a division's short name cut from the front of a place must not leave first: a place word,
# not a name (南山大道, 黄埔大道中, 红旗村2组 are no 南山 + 大道, 黄埔 + 大道中, 红旗 + 村2组)
_PLACE_WORD_FIRST = "'^(村|大道|大街|路|街|道|巷|社区)'"
# a lane named, not numbered: 积善里, 兴隆坊, 长庚坊, 大井巷 (after its street: 河坊街大井巷5号), a
# hamlet 李家湾 (before a door number only)
_NAMED_LANE = rf"(?:[^路街巷村坊里湾\d]{{1,8}}?(?:坊|里|湾|巷)|农居点)"
# The place that follows the administrative prefix: a road (with the side of it a door number
# follows: 黄埔大道中148号, 中山大道西89号) (a village written before it is
# dropped by strip_division_prefix where the library knows the road: 墩头村龙翔二路), a village and its lane, the door number (a house in a lane written 3栋: 岗厦新村二组3栋; a village
# without 村 before a lane and a house number, which correct_place_names reads as the library's). A
# village is taken only before a lane or a house number (X新村7栋 is an estate).
HEAD_PARTS_PATTERN = (f"^({_ROAD})?"
                      f"(?:([东西南北中])?({_VILLAGE})?({_LANE})?({_DOOR})号院?|({_VILLAGE})({_LANE})(?:({_DOOR})栋)?"
                      f"|({_VILLAGE_NAME})({_LANE})({_DOOR})号|({_VILLAGE})?({_NAMED_LANE})({_DOOR})号)?")
HEAD_PARTS = ("road", "side", "village", "lane", "door", "village2", "lane2", "door2", "village3", "lane3", "door3",
              "village4", "lane4", "door4")
HEAD_PATTERN = re.sub(r"\((?!\?)", "(?:", HEAD_PARTS_PATTERN)
# the parts below the township, as build_address_table and std_property write them
PLACE_PARTS = ("road", "door_number", "poi", "building", "unit", "floor", "room")
REST_PARTS = ("poi", "building", "unit", "floor", "room")


# a name (two Latin letters or more are a name: SOHO现代城), a number or a letter with its unit
# word, a dash
# a number below the street: 负1 (负1-4, 负1楼2号), -1 before its floor word (-1楼2号)
_TOKEN = re.compile(r"(?P<text>(?:[A-Za-z]{2,}|\d+(?:期|街区|组团)|(?!负\d)[^\dA-Za-z-])+)"
                    r"|(?P<num>(?:负|-(?=\d+[层楼]))?\d+[A-Za-z]?|[A-Za-z]\d*)"
                    r"(?P<word>栋|单元|梯|门|层|楼|号房|号商铺|号铺|商铺|室|房|铺|号)?"
                    r"|(?P<dash>-)")


class _Unread(Exception):
    """The remainder does not read as building, unit, floor and room."""


def _room_number(num: str) -> str:
    """A room number as written, a zero before four digits dropped (0502 is 502)."""
    return (num.lstrip("0") or num) if len(num) == 4 else num


def floor_of_room(room: str | None) -> str | None:
    """The floor a room number of 3-4 digits carries: 501 -> 5, 1203 -> 12, 0501 -> 5."""
    if room and 3 <= len(room) <= 4 and room.isdigit():
        return room[:-2].lstrip("0") or None
    return None


def _parts(rest: str) -> tuple[str | None, list[tuple[str, str | None] | list[str]]]:
    """The name before the first number, and the numbered parts after it: (number, unit word)
    each, a dashed run (12-3-1001) as one list of its numbers."""
    poi, parts = None, []
    dash = sign = False
    for m in _TOKEN.finditer(rest):
        num = (m.group("num") or "").replace("负", "-")
        if m.group("text"):
            if parts or sign:
                raise _Unread  # words after the numbers: 3栋架空层, 1号商铺
            poi = m.group("text")
        elif m.group("dash"):
            if dash or sign:
                raise _Unread
            if not parts or (isinstance(parts[-1], tuple) and parts[-1][1] is not None):
                sign = True  # a floor below the street, first or after a unit word: 2单元-2-2
                continue
            if isinstance(parts[-1], tuple):
                parts[-1] = [parts[-1][0]]
            dash = True
        elif dash:
            if m.group("word") not in (None, "室", "房", "号", "号房"):
                raise _Unread
            parts[-1].append(num)
            dash = False
        else:
            if sign:
                if num.startswith("-") or num[0].isalpha():
                    raise _Unread
                num, sign = "-" + num, False
            parts.append((num, m.group("word")))
    if dash or sign:
        raise _Unread
    return poi, parts


def _floor(num: str) -> str | None:
    """A floor as written, zeros before it dropped (05 is 5; -1 stays, below the street)."""
    return num if num.startswith("-") else (num.lstrip("0") or None)


def _dashed(numbers: list[str], building: str | None, unit: str | None) -> tuple[str | None, ...]:
    """(building, unit, floor, room) of a dashed run: building-unit-room (12-3-1001, C-3-501;
    3-5-02 is floor 5 of building 3), building-room (1-503, A-401), unit-room after a building
    (1栋3-1001), floor-room (5-02, 8-4; after a unit, 2单元5-02; below the street, -1-4);
    unit-floor-flat after a building (17栋3-5-2); building-unit-floor-flat (1-2-13-4). A flat of
    one or two digits on floor F is room F0N (8-4 is 804, -1-4 is -104)."""
    *head, last = numbers
    if len(head) > 3 or last[0].isalpha() or any(n[0].isalpha() for n in head[1:]):
        raise _Unread
    first = head[0]
    if len(head) == 3:
        if building is not None or unit is not None or len(last) > 2:
            raise _Unread
        return first.upper(), head[1].lstrip("0") or head[1], _floor(head[2]), head[2] + last.zfill(2)
    if len(head) == 2:
        if building is not None:
            if unit is not None or len(last) > 2:
                raise _Unread
            return building, first.lstrip("0") or first, _floor(head[1]), head[1] + last.zfill(2)
        if len(last) <= 2:
            return first.upper(), unit, _floor(head[1]), head[1] + last.zfill(2)
        if unit is not None:
            raise _Unread
        return first.upper(), head[1], None, last
    if first[0].isalpha():
        if building is not None:
            raise _Unread
        return first.upper(), unit, None, last
    if len(last) <= 2:  # 5-02: the flat on a floor
        return building, unit, _floor(first), first + last.zfill(2)
    if building is None:
        return first.upper(), unit, None, last
    if unit is not None:
        raise _Unread
    return building, first, None, last


def parse_rest(rest: str | None, has_door: bool) -> tuple[str | None, ...]:
    """(poi, building, unit, floor, room) of what follows the road and door number.

    Read as a name (an estate, a tower) and then numbers, each with its unit word: 栋 (号楼 幢
    座 as build_address_table writes them) a building, 单元 / 梯 a unit, 层 / 楼 a floor, 室 房
    号房 铺 商铺 a room (a shop: 101商铺 is room 101); 号 a building where more follows it and no
    building, unit or floor came before, and either no door number, an estate's name or a unit
    after it (碧海花园3号502, 上海城2号1单元), else a room; a letter and a number a building and
    its room (B502); a dashed run (see _dashed); a room of one or two digits after a floor is a
    flat on it (5楼2号, 5层02 -> 502); a bare number last is a room. A floor below the street is
    negative (负1楼2号, -1楼2号, 2单元-1-2: floor -1, room -102). What does not read so (words
    after the numbers, a part twice) is kept whole as a name: it finds nothing rather than the
    wrong flat.
    """
    if not rest:
        return None, None, None, None, None
    try:
        poi, parts = _parts(rest)
        building = unit = floor = room = None
        for i, part in enumerate(parts):
            if room is not None:
                raise _Unread
            if isinstance(part, list):
                building, unit, floor_, room = _dashed(part, building, unit)
                if floor_ is not None:
                    if floor is not None:
                        raise _Unread
                    floor = floor_
                continue
            num, word = part
            last = i == len(parts) - 1
            lettered = num[0].isalpha()
            if lettered and len(num) > 1 and word is None:  # B502
                if building is not None:
                    raise _Unread
                building, room = num[0].upper(), num[1:]
            elif word == "栋" or (lettered and word is None) or (
                    word == "号" and not last and building is None and unit is None and floor is None
                    and (not has_door or poi or parts[i + 1][1:] in (("单元",), ("梯",)))):
                if building is not None:
                    raise _Unread
                building = num.upper()
            elif lettered:
                raise _Unread
            elif word in ("单元", "梯", "门"):
                if unit is not None:
                    raise _Unread
                unit = num.lstrip("0") or num
            elif word in ("层", "楼"):
                if floor is not None:
                    raise _Unread
                floor = _floor(num)
            elif floor is not None and len(num) <= 2:
                room = floor + num.zfill(2)  # 5楼2号, 5层02
            elif word is None and not last:
                raise _Unread
            elif word is None and len(num) <= 2 and building is None and unit is None and not has_door:
                raise _Unread  # 碧海花园12: a building or a room, not said
            else:
                room = _room_number(num)
        if room is not None and floor is None:
            floor = floor_of_room(room)
        return poi or None, building, unit, floor, room
    except _Unread:
        return rest, None, None, None, None


def rest_table(rests: pd.DataFrame) -> pd.DataFrame:
    """parse_rest over distinct (rest, has_door) rows."""
    rests = rests.reset_index(drop=True)
    frame = pd.DataFrame({"rest": rests["rest"].astype("string"), "has_door": rests["has_door"].astype("bool")})
    parsed = [parse_rest(rest, has_door) for rest, has_door in zip(frame["rest"], frame["has_door"])]
    for i, name in enumerate(REST_PARTS):
        frame[name] = pd.Series([p[i] for p in parsed], dtype="string")
    return frame


# --------------------------------------------------------------------------------------------
# One part written in its own column (a register's 楼栋, 单元, 房号 ...) to the standard form
# --------------------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s,，]+")
_CN_ONLY = re.compile(r"[零〇一二两三四五六七八九十百]+")
_DOOR_PART = re.compile(r"第?(\d+)(?:号?([之附-])(\d+)号?|号?([甲乙丙丁]))?号?院?")
_BUILDING_PART = re.compile(r"第?(\d+[A-Za-z]?|[A-Za-z])(?:号楼|栋|幢|座|号|楼)?")
_UNIT_PART = re.compile(r"第?(\d+)(?:单元|梯)?")
_ROOM_PART = re.compile(r"(\d+)(?:室|房|号)?")
_FLOOR_ROOM_PART = re.compile(r"(\d+)[层楼](\d{1,2})(?:室|房|号)?")
_FLOOR_ONLY_PART = re.compile(r"第?(\d+)[层楼]")


def clean_part(text: str | None) -> str | None:
    """Full-width folded, spaces and commas dropped; None when nothing is left."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    text = _SPACES.sub("", str(text).translate(_FULL_WIDTH))
    return text or None


def _numerals(text: str, words: tuple[str, ...]) -> str:
    """Chinese numerals to Arabic in one part: before a unit word, or the whole part (五零一)."""
    core = text.removeprefix("第")
    for word in words:
        if core.endswith(word):
            core = core[: -len(word)]
            break
    if core and _CN_ONLY.fullmatch(core):
        return text.replace(core, cn_to_arabic(core), 1)
    return arabic_before_units(text)


def standard_road(text: str | None) -> str | None:
    """A road, or a village and its lane (白石洲村三巷 -> 白石洲村3巷), as build_address_table writes it."""
    return arabic_before_units(clean_part(text))


def standard_door(text: str | None) -> str | None:
    """29号 -> 29, 3之1号 / 3号之一 / 3-1号 -> 3之1, 3号附1号 -> 3附1, 17号乙 -> 17乙, 二十九号 -> 29;
    other text is kept as written."""
    text = clean_part(text)
    if text is None:
        return None
    m = _DOOR_PART.fullmatch(_numerals(text, ("号院", "号")))
    if m:
        suffix = (m.group(2).replace("-", "之") + m.group(3)) if m.group(2) else (m.group(4) or "")
        return m.group(1) + suffix
    return text


def standard_building(text: str | None) -> str | None:
    """1号楼, 1栋, 1幢, 1座, 一栋, １栋 -> 1; 3a栋 -> 3A; other text is kept as written."""
    text = clean_part(text)
    if text is None:
        return None
    m = _BUILDING_PART.fullmatch(_numerals(text, ("号楼", "栋", "幢", "座", "号", "楼")))
    return m.group(1).upper() if m else text


def standard_unit(text: str | None) -> str | None:
    """2单元, 二单元, 2 -> 2; other text is kept as written."""
    text = clean_part(text)
    if text is None:
        return None
    m = _UNIT_PART.fullmatch(_numerals(text, ("单元", "梯")))
    return m.group(1) if m else text


def standard_room(text: str | None) -> tuple[str | None, str | None]:
    """(floor, room): 501, 501室, 501房, 五零一 -> (5, 501); 5楼01 -> (5, 501); 1203 -> (12, 1203);
    5-2 -> (5, 502), 负1-3 -> (-1, -103) (parse_rest); 3楼, 三楼, 首层 -> (3, None), (1, None)."""
    text = clean_part(text)
    if text is None:
        return None, None
    text = _numerals(text.replace("首层", "1层").replace("首楼", "1楼"), ("室", "房", "号", "层", "楼"))
    m = _FLOOR_ONLY_PART.fullmatch(text)
    if m:  # a floor, no room (3楼, 首层)
        return m.group(1).lstrip("0") or None, None
    m = _FLOOR_ROOM_PART.fullmatch(text)
    if m:
        return m.group(1).lstrip("0") or None, m.group(1) + m.group(2).zfill(2)
    m = _ROOM_PART.fullmatch(text)
    if m:
        room = _room_number(m.group(1))
        return floor_of_room(room), room
    # a floor and its flat dashed (5-2, 负1-3), or below the street (负1楼2号): as in an address
    poi, building, unit, floor, room = parse_rest(text, True)
    if room is not None and poi is None and building is None and unit is None:
        return floor, room
    return None, text


# --------------------------------------------------------------------------------------------
# Administrative names resolved against the division table
# --------------------------------------------------------------------------------------------


def _city_short(name: str) -> str | None:
    for suffix in ("市", "地区", "盟"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


@dataclass(frozen=True)
class _Nation:
    provinces: dict[str, str]          # full or short name -> full name
    cities: dict[str, tuple[str, str]]  # full or short name -> (full name, province)
    districts: dict[str, list[tuple[str, str, str]]]  # name -> [(code, city, province)]


@lru_cache(maxsize=1)
def _nation() -> _Nation:
    d = dv.divisions()
    name_of = dict(zip(d["code"], d["name"]))
    level_of = dict(zip(d["code"], d["level"]))
    parent_of = dict(zip(d["code"], d["parent_code"]))
    provinces: dict[str, str] = {}
    for name in d.loc[d["level"] == dv.PROVINCE, "name"]:
        provinces[name] = name
        provinces.setdefault(_short(name), name)
    cities: dict[str, tuple[str, str]] = {}
    shorts: dict[str, list[str]] = {}
    for code, name in zip(d.loc[d["level"] == dv.CITY, "code"], d.loc[d["level"] == dv.CITY, "name"]):
        cities[name] = (name, name_of.get(code[:2] + "0000", ""))
        short = _city_short(name)
        if short:
            shorts.setdefault(short, []).append(name)
    for short, names in shorts.items():
        if len(names) == 1 and short not in cities and short not in provinces:
            cities[short] = cities[names[0]]
    districts: dict[str, list[tuple[str, str, str]]] = {}
    for code, name in zip(d.loc[d["level"] == dv.DISTRICT, "code"], d.loc[d["level"] == dv.DISTRICT, "name"]):
        parent = parent_of.get(code, "")
        province = name_of.get(code[:2] + "0000", "")
        city = name_of.get(parent, "") if level_of.get(parent) == dv.CITY else province
        districts.setdefault(name, []).append((code, city, province))
    return _Nation(provinces, cities, districts)


@dataclass(frozen=True)
class Region:
    """The config's city as the resolver sees it."""

    region_code: str
    city: str
    province: str
    districts: dict[str, str]        # full or short name -> code
    district_names: dict[str, str]   # code -> full name
    streets: dict[str, tuple[str, ...]]  # street name -> district codes
    former: dict[str, str | None]    # an abolished district's name -> the code of the one that took it whole


@lru_cache(maxsize=16)
def region_context(region_code: str, city: str) -> Region:
    table = dv.district_table(region_code)
    districts = dict(zip(table["district"], table["district_code"]))
    for short, code in zip(table["district_short"], table["district_code"]):
        if short:
            districts.setdefault(short, code)
    streets: dict[str, list[str]] = {}
    st = dv.street_table(region_code)
    for name, code in zip(st["street"], st["district_code"]):
        streets.setdefault(name, []).append(code)
    former = dv.former_district_table(region_code)
    return Region(region_code, city, PROVINCES.get(region_code[:2], city), districts,
                  dict(zip(table["district_code"], table["district"])),
                  {k: tuple(dict.fromkeys(v)) for k, v in streets.items()},
                  {name: (None if code is pd.NA else code) for name, code in zip(former["district"], former["district_code"])})


def _prefix(text: str, names: dict) -> tuple[str | None, str]:
    """The longest name of ``names`` that starts ``text``, and what follows it."""
    for length in range(min(len(text), 12), 1, -1):
        if text[:length] in names:
            return text[:length], text[length:]
    return None, text


def _own_district(name: str | None, region: Region) -> str | None:
    """The code of one of the config city's districts written as ``name`` (福田区, 福田, 光明新区;
    an abolished district taken whole by one: 下城区 is 拱墅区)."""
    if not name:
        return None
    code = region.districts.get(name) or region.former.get(name)
    if code is None and name not in _nation().districts:  # an older or looser form: 光明新区
        short = dv.district_short(name)
        code = region.districts.get(short) if short != name else None
    return code


def _split_admin(text: str, region: Region) -> tuple[str | None, str | None, str | None] | None:
    """(province, city, district) names read from the start of ``text``, or None.

    A short form (湖南, 广州) is taken only where what follows is a known district or nothing:
    朝阳区 is a district, not 朝阳(市) + 区.
    """
    if _own_district(text, region):  # 朝阳 in Beijing is its district, not 朝阳(市) in Liaoning
        return None, None, text
    nation = _nation()
    province, after_province = _prefix(text, nation.provinces)
    for use_province in (True, False):
        if use_province and province is None:
            continue
        rest = after_province if use_province else text
        city, after_city = _prefix(rest, nation.cities)
        for use_city in (True, False):
            if use_city and city is None:
                continue
            left = after_city if use_city else rest
            if not left or _own_district(left, region) or left in nation.districts:
                return (nation.provinces[province] if use_province else None,
                        nation.cities[city][0] if use_city else None, left or None)
    return None


def resolve_admin(region: Region, province: str | None, city: str | None, district: str | None,
                  street: str | None) -> dict[str, object]:
    """The administrative names of one address resolved against the division table.

    Inputs are the raw texts cut by the admin pattern (any may be empty). Returns province,
    city, district (the official name when it is one of the config city's), district_code
    (only for the config city's districts; inferred from a street name that is unique in the
    city when the district is missing), street and in_city (false when the text names another
    province, another city or a district that is not the config city's).
    """
    nation = _nation()
    province, city, district, street = (v or None for v in (province, city, district, street))
    text = (province or "") + (city or "") + (district or "")
    split = _split_admin(text, region) if text else (None, None, None)
    if split is None:  # unknown names: keep what the pattern cut, trust only real names
        split = (province if nation.provinces.get(province) == province else None,
                 city if city in nation.cities and nation.cities[city][0] == city else None, district)
    p, c, d = split
    code = _own_district(d, region)
    other = (p is not None and p != region.province and p != region.city) or (c is not None and c != region.city)
    if code is None and d is not None and d in nation.districts:
        other = True
    # a street written with its district's short name before it: 福田园岭街道
    if street and street not in region.streets:
        head, tail = _prefix(street, region.districts)
        if head and tail in region.streets:
            d = d or head
            code = code or region.districts[head]
            street = tail
    if code is None and not other and street in region.streets and len(region.streets[street]) == 1:
        code = region.streets[street][0]
    if code is not None and other:
        code = None
    if code is not None:
        d = region.district_names[code]
    if not other:
        p, c = p or region.province, c or region.city
    else:
        if c is not None and p is None:
            p = nation.cities[c][1] or None
        if c is None and p is not None and p.endswith("市"):  # a municipality is its own city
            c = p
        if d is not None and c is None and p is None:
            places = nation.districts.get(d, [])
            if len({(pl[1], pl[2]) for pl in places}) == 1:
                c, p = places[0][1], places[0][2]
    return {"province": p, "city": c, "district": d, "district_code": code, "street": street,
            "in_city": not other}


def is_admin_cut(region: Region, province: str | None, city: str | None, district: str | None,
                 street: str | None, has_community: bool) -> bool:
    """Whether what the admin pattern cut is an administrative prefix.

    Not when the generic shape hit a place name alone: 沙井市场路, 碧海花园小区 (an unknown
    "city" or "district" ending in 市 or 区, with no province before it and no street or
    community after it). An unknown county (开县, ending in 县 or 旗) is taken as one.
    """
    if province or street or has_community or bool(city) == bool(district):
        return True
    text = city or district
    if text in region.former:  # an abolished district of the city (江干区)
        return True
    return text.endswith(("县", "旗")) or _split_admin(text, region) is not None


ADMIN_NAME_COLUMNS = ("province", "city", "district", "district_code", "street", "in_city", "is_admin")


def admin_table(region: Region, rows: pd.DataFrame) -> pd.DataFrame:
    """resolve_admin over distinct (province, city, district, street, has_community) raw rows."""
    keys = ("province_raw", "city_raw", "district_raw", "street_raw", "has_community")
    out: dict[str, list] = {k: [] for k in keys + ADMIN_NAME_COLUMNS}
    for row in rows[list(keys)].itertuples(index=False, name=None):
        is_admin = is_admin_cut(region, *row)
        resolved = resolve_admin(region, *row[:4]) if is_admin else resolve_admin(region, None, None, None, None)
        resolved["is_admin"] = is_admin
        for k, v in zip(keys, row):
            out[k].append(v)
        for k in ADMIN_NAME_COLUMNS:
            out[k].append(resolved[k])
    frame = pd.DataFrame({k: pd.Series(out[k], dtype="string") for k in keys[:4] + ADMIN_NAME_COLUMNS[:5]})
    for k in ("has_community", "in_city", "is_admin"):
        frame[k] = pd.Series(out[k], dtype="bool")
    return frame


def engine_region(engine: Engine) -> Region:
    if not engine.has_table("ref_region"):
        raise ResolveError("register_address_macros(engine, city, region_code) must run before addresses are built")
    region_code, city = engine.fetchall("SELECT region_code, city FROM ref_region")[0]
    return region_context(region_code, city)


# --------------------------------------------------------------------------------------------
# SQL
# --------------------------------------------------------------------------------------------


_KEY_MACROS = [
    # the place a building stands at: the road (or village and lane) and door number; else the
    # estate's name; else the road alone. NULL and '' alike.
    # a village's group is its 组 however written (宝圣村8社 = 宝圣村8组: 社 is the older word)
    ("rs_place(road, door, poi) AS CASE WHEN nullif(door, '') IS NOT NULL THEN "
     "CASE WHEN suffix(road, '社') THEN regexp_replace(road, '([0-9])社$', '\\1组') ELSE coalesce(road, '') END "
     "|| door || '号' ELSE coalesce(nullif(poi, ''), road, '') END"),
    # the building: its place and number (none for a village house or a facility at a door number)
    ("rs_building_key(road, door, poi, building, room) AS CASE WHEN rs_place(road, door, poi) = '' THEN NULL "
     "WHEN nullif(building, '') IS NOT NULL THEN rs_place(road, door, poi) || '#' || building "
     "WHEN nullif(door, '') IS NOT NULL OR nullif(poi, '') IS NOT NULL OR nullif(room, '') IS NOT NULL "
     "THEN rs_place(road, door, poi) || '#' END"),
    # the flat: its building and room; a floor written without a room (3楼, 首层) is the flat that
    # floor is (a floor let whole), never the building's other floors
    ("rs_dwelling_key(road, door, poi, building, floor, room) AS CASE WHEN nullif(room, '') IS NOT NULL "
     "THEN rs_building_key(road, door, poi, building, room) || '#' || room "
     "WHEN nullif(floor, '') IS NOT NULL THEN rs_building_key(road, door, poi, building, room) || '#' || floor || '楼' END"),
]


def register_address_macros(engine: Engine, city: str, region_code: str) -> None:
    """Address macros for the config's city, and its division tables (ref_district, ref_street).

    Needs the macros of ``resolve.standardise.sql`` (rs_fold).
    """
    region_code = str(region_code)
    dv.register_division_tables(engine, region_code)
    engine.create_table("ref_region", "SELECT CAST(? AS VARCHAR) AS region_code, CAST(? AS VARCHAR) AS city, CAST(? AS VARCHAR) AS province",
                        [region_code, city, PROVINCES.get(region_code[:2], city)])
    # what follows the administrative prefix (build_address_table cuts the same way, in steps)
    with_towns = quote_literal(admin_pattern(region_code))
    engine.execute(f"CREATE OR REPLACE MACRO rs_addr_tail(s) AS CASE "
                   f"WHEN regexp_matches(regexp_replace(s, {with_towns}, ''), '^(社区|村)') "
                   f"THEN regexp_replace(s, {quote_literal(admin_pattern(region_code, towns=False))}, '') "
                   f"ELSE regexp_replace(s, {with_towns}, '') END")
    prefix = city_prefix_pattern(city, region_code)
    descriptors = "|".join(DESCRIPTORS)
    # white space of every kind (RE2's \\s is ASCII only: no-break, ideographic and thin spaces too)
    # (a space after a door's suffix ends it: 32号之1 2楼01 is 32号之1号2楼01)
    spaces = "[\\s\\x{00a0}\\x{2000}-\\x{200b}\\x{3000}\\x{feff},，]+"
    engine.execute(
        "CREATE OR REPLACE MACRO rs_addr_clean(s) AS regexp_replace(CASE WHEN regexp_matches(s, '号[之附]') "
        f"THEN regexp_replace(regexp_replace(rs_fold(s), '(号[之附][0-9一二两三四五六七八九十]+)号?{spaces}', '\\1号', 'g'), "
        "'(号[之附][0-9]+)([一二两三四五六七八九十首])', '\\1号\\2', 'g') "
        f"ELSE rs_fold(s) END, '{spaces}', '', 'g')")
    # on cleaned text (rs_addr_clean): the form without own prefix, descriptor, remarks in
    # brackets (402室(出租), 和睦院(原和睦新村)) and the division table's placeholder 市辖区 (重庆市市辖区
    # 南岸区, as some systems print it), and the descriptor
    engine.execute(f"CREATE OR REPLACE MACRO rs_addr_fold_clean(c) AS nullif(regexp_replace(regexp_replace("
                   f"CASE WHEN contains(c, '(') OR contains(c, '市辖区') "
                   f"THEN replace(regexp_replace(c, '\\([^()]*\\)', '', 'g'), '市辖区', '') ELSE c END, "
                   f"{quote_literal(prefix)}, ''), '({descriptors})$', ''), '')")
    engine.execute(f"CREATE OR REPLACE MACRO rs_addr_descriptor_clean(c) AS "
                   f"nullif(regexp_extract(c, '({descriptors})$', 1), '')")
    engine.execute("CREATE OR REPLACE MACRO rs_addr_fold(s) AS rs_addr_fold_clean(rs_addr_clean(s))")
    engine.execute("CREATE OR REPLACE MACRO rs_addr_descriptor(s) AS rs_addr_descriptor_clean(rs_addr_clean(s))")
    # 号楼/幢/座 -> 栋 after a number or letter, 501室 -> 501 at the end, 第3栋 -> 3栋; each regex
    # only where a plain string test says it can apply (most addresses need one or none)
    engine.execute(
        "CREATE OR REPLACE MACRO rs_addr_building_word(s) AS CASE WHEN contains(s, '号楼') OR contains(s, '幢') "
        "OR contains(s, '座') THEN regexp_replace(s, '([0-9]+[A-Za-z]?|[A-Za-z])(号楼|幢|座)', '\\1栋', 'g') ELSE s END")
    engine.execute(
        "CREATE OR REPLACE MACRO rs_addr_room_word(s) AS CASE WHEN suffix(s, '室') OR suffix(s, '房') "
        "THEN regexp_replace(s, '(\\d+)[室房]$', '\\1') ELSE s END")
    engine.execute(
        "CREATE OR REPLACE MACRO rs_addr_ordinal(s) AS CASE WHEN contains(s, '第') "
        "THEN regexp_replace(s, '第(\\d)', '\\1', 'g') ELSE s END")
    # a door's suffix written after its 号 (12号之1, 12号附1号, 17号乙) moves before it (12之1号, 12附1号,
    # 17乙号), so the head reads it as one door; 首层 is the first floor; 自编 (self-numbered) before a
    # building number is dropped, as is a facility named after its building or door (10栋配电房 is
    # the building, which the library holds whole if it is one)
    engine.execute(
        "CREATE OR REPLACE MACRO rs_addr_doors(s) AS CASE WHEN regexp_matches(s, '号[之附甲乙丙丁]|首层|自编|"
        f"[栋号]({FACILITIES})$') "
        "THEN regexp_replace(regexp_replace(regexp_replace(regexp_replace(replace(s, '首层', '1层'), "
        "'自编([0-9A-Za-z])', '\\1', 'g'), '([0-9]+)号([之附])([0-9]+)号?', '\\1\\2\\3号', 'g'), "
        f"'([0-9]+)号([甲乙丙丁])', '\\1\\2号', 'g'), '([栋号])({FACILITIES})$', '\\1') ELSE s END")
    # a street written X街 for X街道 (天河区石牌街石牌东路..., 天河冼村街冼村路...), after the start, a
    # division or a district's short name, where the city has such a street and no number follows
    # (石牌街12号 is a road)
    cores = sorted({name[:-2] for name in dv.street_table(region_code)["street"] if name.endswith("街道")},
                   key=lambda n: (-len(n), n))
    districts = [d for d in dv.district_table(region_code)["district_short"] if d]
    before = "(^|[省市区县]" + (f"|{_alternation(districts)}" if districts else "") + ")"
    short_streets = (f"CASE WHEN regexp_matches(s, '街[^0-9道]') THEN regexp_replace(s, "
                     f"{quote_literal(before + '(' + _alternation(cores) + ')街([^0-9道])')}, "
                     f"'\\1\\2街道\\3', 'g') ELSE s END" if cores else "s")
    engine.execute(f"CREATE OR REPLACE MACRO rs_addr_street_short(s) AS {short_streets}")
    engine.execute("CREATE OR REPLACE MACRO rs_addr_units(s) AS "
                   "rs_addr_street_short(rs_addr_doors(rs_addr_ordinal(rs_addr_room_word(rs_addr_building_word(s)))))")
    for macro in _KEY_MACROS:
        engine.execute(f"CREATE OR REPLACE MACRO {macro}")


ADDRESS_COLUMNS = ("raw", "address", "building_key", "dwelling_key", "province", "city", "district",
                   "district_code", "street", "community", "road", "door_number", "poi", "building", "unit",
                   "floor", "room", "descriptor", "in_city", "name_as_written")


def build_address_table(engine: Engine, raw_sql: str, out_table: str) -> None:
    """``out_table``, one row per distinct raw address, with ADDRESS_COLUMNS:

    ``raw``; ``address`` (the normalised text, own province and city dropped, a descriptor
    kept at its end: 华夏路29号对面 is not 华夏路29号); ``building_key`` and ``dwelling_key``
    (rs_building_key, rs_dwelling_key); ``province``,
    ``city`` (filled from the config when the text names no other), ``district``,
    ``district_code`` (the config city's districts only), ``street``, ``community``;
    ``road``, ``door_number`` (13, 3之1), ``poi`` (an estate or building name standing for
    the door number), ``building`` (1, 3A), ``unit``, ``floor``, ``room`` (501);
    ``descriptor`` (附近, 对面 ...); ``in_city``; ``name_as_written`` (the road or estate name
    as written where correct_place_names read it as a name of the library one character apart).

    ``raw_sql`` yields a column ``raw``; register_address_macros must have run. Everything
    that touches every address is SQL (folding, unit words, cutting the administrative
    prefix and the road and door number with regexp_replace); the parts are then read on
    distinct values only: the administrative prefixes (SQL, then their names resolved in
    Python), the road-and-door heads (SQL) and the remainders after the door (Python,
    parse_rest), and numerals on the few addresses that have them (Python).
    """
    region = engine_region(engine)
    engine.create_table("tmp_addr", f"""
        SELECT raw, rs_addr_fold_clean(c) AS folded, rs_addr_descriptor_clean(c) AS descriptor
        FROM (SELECT raw, rs_addr_clean(raw) AS c FROM (SELECT DISTINCT raw FROM ({raw_sql}) WHERE raw IS NOT NULL))""")
    pattern = quote_literal(f"[零〇一二两三四五六七八九十百](号楼|单元|社|横|街区|[{UNIT_WORDS}])|号[之附][一二两三四五六七八九十]"
                            f"|[^0-9][0-9][路街村区]"
                            f"|{_CN_ROOM_TEXT}")
    engine.map_distinct("tmp_addr_numerals", f"SELECT folded FROM tmp_addr WHERE regexp_matches(folded, {pattern})",
                        each_value(arabic_before_units, "folded", "arabic"))
    # cut, not parsed: admin prefix | head (road, door) | rest; all three are read on distinct values
    # a remainder that starts with 社区 or 村 had its community cut in two by the generic town
    # (西乡 + 社区): those are cut again without it
    with_towns = quote_literal(admin_pattern(region.region_code))
    without_towns = quote_literal(admin_pattern(region.region_code, towns=False))
    engine.create_table("tmp_addr_cut", f"""
        SELECT raw, descriptor, address, left(address, length(address) - length(coalesce(tail, ''))) AS admin, towns
        FROM (SELECT *, CASE WHEN towns THEN tail1 ELSE regexp_replace(address, {without_towns}, '') END AS tail
              FROM (SELECT *, NOT coalesce(regexp_matches(tail1, '^(社区|村)'), false) AS towns
                    FROM (SELECT *, regexp_replace(address, {with_towns}, '') AS tail1
                          FROM (SELECT t.raw, t.descriptor, rs_addr_units(coalesce(n.arabic, t.folded)) AS address
                                FROM tmp_addr t LEFT JOIN tmp_addr_numerals n USING (folded)))))""")
    levels = ", ".join(quote_literal(n) for n in ADMIN_LEVEL_NAMES)
    engine.create_table("tmp_addr_admin", f"""
        SELECT admin, towns, coalesce(a.province, '') AS province_raw, coalesce(a.city, '') AS city_raw,
               coalesce(a.district, '') AS district_raw, coalesce(a.street, '') AS street_raw,
               nullif(a.community, '') AS community, coalesce(a.community, '') <> '' AS has_community
        FROM (SELECT admin, towns, CASE WHEN towns THEN regexp_extract(admin, {with_towns}, [{levels}])
                                        ELSE regexp_extract(admin, {without_towns}, [{levels}]) END AS a
              FROM (SELECT DISTINCT coalesce(admin, '') AS admin, towns FROM tmp_addr_cut))""")
    engine.map_distinct("tmp_addr_names", "SELECT province_raw, city_raw, district_raw, street_raw, has_community "
                                          "FROM tmp_addr_admin", lambda rows: admin_table(region, rows))
    engine.create_table("tmp_addr_admin_names", """
        SELECT a.admin, a.towns, CASE WHEN m.is_admin THEN a.community END AS community,
               CASE WHEN m.is_admin THEN length(a.admin) ELSE 0 END AS admin_length, m.* EXCLUDE (
                   province_raw, city_raw, district_raw, street_raw, has_community, is_admin)
        FROM tmp_addr_admin a JOIN tmp_addr_names m USING (province_raw, city_raw, district_raw, street_raw, has_community)""")
    engine.create_table("tmp_addr_std", f"""
        SELECT *, left(tail, length(tail) - length(rest)) AS head
        FROM (SELECT *, regexp_replace(tail, {quote_literal(HEAD_PATTERN)}, '') AS rest
              FROM (SELECT c.raw, c.address, c.descriptor, m.* EXCLUDE (admin, towns, admin_length),
                           coalesce(substr(c.address, m.admin_length + 1), '') AS tail
                    FROM tmp_addr_cut c
                    JOIN tmp_addr_admin_names m ON m.admin = coalesce(c.admin, '') AND m.towns = c.towns))""")
    groups = ", ".join(quote_literal(g) for g in HEAD_PARTS)
    engine.create_table("tmp_addr_head", f"""
        SELECT head, nullif(h.road || h.side
                            || coalesce(nullif(h.village, ''), nullif(h.village2, ''), nullif(h.village3, ''), h.village4)
                            || coalesce(nullif(h.lane, ''), nullif(h.lane2, ''), nullif(h.lane3, ''), h.lane4), '') AS road,
               nullif(replace(coalesce(nullif(h.door, ''), nullif(h.door2, ''), nullif(h.door3, ''), h.door4), '-', '之'),
                      '') AS door_number
        FROM (SELECT head, regexp_extract(head, {quote_literal(HEAD_PARTS_PATTERN)}, [{groups}]) AS h
              FROM (SELECT DISTINCT head FROM tmp_addr_std WHERE head <> ''))""")
    engine.map_distinct("tmp_addr_rest", "SELECT a.rest, h.door_number IS NOT NULL AS has_door FROM tmp_addr_std a "
                                         "LEFT JOIN tmp_addr_head h USING (head) WHERE a.rest <> ''", rest_table)
    # a district written without its suffix before the road (南山华夏路): the road keeps at
    # least three characters and a name before its road word (南山大道, 黄埔大道中, 南山村3巷 stay roads)
    engine.create_table("tmp_addr_head_district", f"""
        SELECT head, arg_max(d.district_code, length(d.district_short)) AS short_code,
               arg_max(substr(h.road, length(d.district_short) + 1), length(d.district_short)) AS road_short
        FROM tmp_addr_head h JOIN ref_district d
          ON d.district_short <> d.district AND starts_with(h.road, d.district_short)
         AND length(h.road) - length(d.district_short) >= 3
         AND NOT regexp_matches(substr(h.road, length(d.district_short) + 1), {_PLACE_WORD_FIRST})
        GROUP BY head""")
    engine.create_table(out_table, """
        SELECT raw, address || coalesce(descriptor, '') AS address,
               rs_building_key(road, door_number, poi, building, room) AS building_key,
               rs_dwelling_key(road, door_number, poi, building, floor, room) AS dwelling_key,
               province, city, district, district_code, street, community,
               road, door_number, poi, building, unit, floor, room, descriptor, in_city,
               NULL::VARCHAR AS name_as_written
        FROM (SELECT a.* EXCLUDE (district, district_code),
                     CASE WHEN short THEN d.district ELSE a.district END AS district,
                     CASE WHEN short THEN s.short_code ELSE a.district_code END AS district_code,
                     CASE WHEN short THEN s.road_short ELSE h.road END AS road,
                     h.door_number, r.poi, r.building, r.unit, r.floor, r.room
              FROM (SELECT a.*, coalesce(a.in_city AND a.district_code IS NULL AND s.short_code IS NOT NULL, false)
                                AS short
                    FROM tmp_addr_std a LEFT JOIN tmp_addr_head_district s USING (head)) a
              LEFT JOIN tmp_addr_head h USING (head)
              LEFT JOIN tmp_addr_head_district s USING (head)
              LEFT JOIN ref_district d ON d.district_code = s.short_code
              LEFT JOIN tmp_addr_rest r ON r.rest = a.rest AND r.has_door = (h.door_number IS NOT NULL))""")
    strip_division_prefix(engine, out_table)
    restore_city_name(engine, out_table)
    village_of_lane(engine, out_table)
    estate_of_community(engine, out_table)
    correct_place_names(engine, out_table)
    fill_district_from_place(engine, out_table)
    fill_places(engine, out_table)
    unit_of_building(engine, out_table)
    village_roads(engine, out_table)
    key_door_parts(engine, out_table)
    key_floor_flats(engine, out_table)
    for table in ("tmp_addr", "tmp_addr_numerals", "tmp_addr_cut", "tmp_addr_admin", "tmp_addr_names",
                  "tmp_addr_admin_names", "tmp_addr_std", "tmp_addr_head", "tmp_addr_head_district", "tmp_addr_rest"):
        engine.drop(table)


# the short names of the city's districts and streets, and a district's before its street's
# (福田莲花), each with its district
_DIVISION_SHORTS = """
    WITH streets AS (SELECT district_code, regexp_replace(street, '(街道|镇|乡)$', '') AS short FROM ref_street)
    SELECT district_code, short FROM streets
    UNION SELECT district_code, district_short FROM ref_district WHERE district_short <> district
    UNION SELECT district_code, district_short FROM ref_district_former WHERE district_short IS NOT NULL
    UNION SELECT district_code, d.district_short || s.short FROM streets s JOIN ref_district d USING (district_code)"""


def restore_city_name(engine: Engine, table: str) -> None:
    """An estate named after its city (重庆天地, 深圳湾1号) lost the city's name with the
    administrative prefix where it came first (重庆天地2期B栋 read as 天地2期): the in-city rows of
    ``table`` whose estate name the library (std_place_name, or while it is built the names
    ``table`` writes beside a road and door number) does not know, and knows with the city's
    short name before it, take that name; keys rewritten."""
    t = quote_ident(table)
    known = (f"(SELECT name FROM {NAME_TABLE} WHERE kind = 'poi')" if engine.has_table(NAME_TABLE)
             else f"(SELECT DISTINCT poi FROM {t} WHERE poi IS NOT NULL AND door_number IS NOT NULL AND in_city)")
    city = engine_region(engine).city
    poi = f"({quote_literal(_city_short(city) or city)} || t.poi)"
    engine.execute(f"""
        UPDATE {t} AS t SET poi = {poi}, {rekeyed("t.road", "t.door_number", poi)}
        WHERE t.in_city AND t.poi IS NOT NULL AND t.door_number IS NULL
          AND t.poi NOT IN {known} AND {poi} IN {known}""")


def strip_division_prefix(engine: Engine, table: str) -> None:
    """A district or street written without its suffix before the place (桂园五和路 for 桂园街道
    五和路, 坪山富华华庭, 航城白石洲村2坊, 福田莲花金晖大厦), or a village before a road (墩头村龙翔二路):
    the in-city rows of ``table`` take the road (or, where no door number is written, the
    estate's name) without it where the library knows the name left in the division's
    district, and the name as written not, or by a third as many records at most (沙井市场路, a
    road named after its town, and 中关村南大街 stay), at least three characters are left, and
    that district is the row's (or, for a row without a district, the only one, whose code the
    row takes). The library is ``std_place_name`` (the names of std_property's places), or the
    table itself while the library is being built. Building and dwelling keys are rewritten."""
    t = quote_ident(table)
    names = NAME_TABLE if engine.has_table(NAME_TABLE) else f"({place_names_sql(t)})"
    for column, kind, where in NAMED:
        road, poi = ("s.short_name", "t.poi") if column == "road" else ("t.road", "s.short_name")
        # a village before a road (any district), and a road before a lane named off it (胜利街坤厚里);
        # a village's own lane keeps its village (瑞宝村聚龙坊, 程界村长庚坊: village_of_lane gives it
        # back where it is left out)
        village = (f"UNION ALL SELECT name, NULL, regexp_extract(name, {quote_literal('^' + _VILLAGE)}) FROM written "
                   f"WHERE NOT regexp_matches(name, '({_LANE_WORDS}|{_NAMED_LANE_WORDS})$') "
                   f"UNION ALL SELECT name, NULL, regexp_extract(name, {quote_literal('^' + _ROAD)}) FROM written "
                   f"WHERE regexp_matches(name, '({_NAMED_LANE_WORDS}|巷)$')" if column == "road" else "")
        engine.execute(f"""
            UPDATE {t} AS t SET {column} = s.short_name,
                   district_code = coalesce(t.district_code, s.district_code), district = coalesce(t.district, s.district),
                   {rekeyed(road, "t.door_number", poi)}
            FROM (
                WITH written AS (
                    SELECT DISTINCT {column} AS name FROM {t} t WHERE in_city AND {column} IS NOT NULL AND {where}
                ), prefixes AS (  -- a division's short name (its district), a village (any district)
                    SELECT w.name, p.district_code, p.short FROM written w
                    JOIN ({_DIVISION_SHORTS}) p ON length(p.short) >= 2 AND starts_with(w.name, p.short)
                    {village}
                )
                SELECT *, count(*) OVER (PARTITION BY name) AS n_districts
                FROM (SELECT c.name, k.district_code, any_value(d.district) AS district,
                             arg_max(substr(c.name, length(c.short) + 1), length(c.short)) AS short_name
                      FROM prefixes c
                      JOIN {names} k ON k.kind = '{kind}' AND k.name = substr(c.name, length(c.short) + 1)
                                    AND (c.district_code IS NULL OR k.district_code = c.district_code)
                      JOIN ref_district d ON d.district_code = k.district_code
                      WHERE c.short <> '' AND length(c.name) - length(c.short) >= 3
                        -- a name is left, not a place word (红旗村2组 is no 红旗 + 村2组)
                        AND NOT regexp_matches(substr(c.name, length(c.short) + 1), {_PLACE_WORD_FIRST})
                        AND NOT EXISTS (SELECT 1 FROM {names} f WHERE f.kind = '{kind}' AND f.name = c.name
                                          AND f.district_code = k.district_code AND 3 * f.n > k.n)
                      GROUP BY c.name, k.district_code)
            ) s
            WHERE t.in_city AND {where} AND t.{column} = s.name
              AND (t.district_code = s.district_code OR (t.district_code IS NULL AND s.n_districts = 1))""")


def _village_name(village: str) -> str:
    """SQL: a village's name without 村 (猎德村 -> 猎德), NULL where that leaves one character (冼村)."""
    return f"CASE WHEN length({village}) >= 3 THEN left({village}, length({village}) - 1) END"


def village_of_lane(engine: Engine, table: str) -> None:
    """A lane written without its village (中4巷7号, 福寿坊3号, 南大街1巷20号, 龙洞村社区中4巷7号), or
    after the village's name without 村 (猎德3巷3号 for 猎德村3巷3号): the
    in-city rows of ``table`` whose road is a lane (it ends with a lane word and names neither a
    village nor a 路) take the village the library knows that lane in: the village of the row's
    community (X村社区) where the library knows the lane there, else the only village with that
    lane in the row's district (for a row without a district, in the whole city, whose district
    the row then takes). A lane that two villages of the district have (东大街8巷 of 瑞宝村 and
    of 小洲村) stays as written. The library is as in strip_division_prefix. Building and
    dwelling keys are rewritten."""
    t = quote_ident(table)
    names = NAME_TABLE if engine.has_table(NAME_TABLE) else f"({place_names_sql(t)})"
    village = quote_literal("^" + _VILLAGE)
    engine.execute(f"""
        UPDATE {t} AS t SET road = s.full_name,
               district_code = coalesce(t.district_code, s.district_code), district = coalesce(t.district, s.district),
               {rekeyed("s.full_name", "t.door_number", "t.poi")}
        FROM (
            WITH written AS (
                SELECT DISTINCT road, community, district_code FROM {t}
                WHERE in_city AND road IS NOT NULL AND NOT contains(road, '村') AND NOT contains(road, '路')
                  AND regexp_matches(road, '({_LANE_WORDS}|{_NAMED_LANE_WORDS})$')
            ), lanes AS (  -- the library's lanes of a village, each with its village and district
                SELECT name AS full_name, district_code, regexp_extract(name, {village}) AS village,
                       substr(name, length(regexp_extract(name, {village})) + 1) AS lane
                FROM (SELECT name, CASE WHEN count(DISTINCT district_code) = 1 THEN min(district_code) END
                                   AS district_code
                      FROM {names} WHERE kind = 'road' GROUP BY name)
                WHERE regexp_extract(name, {village}) <> ''
            ), keyed AS (  -- a lane is written after its village, or after the village's name without 村
                SELECT full_name, district_code, village, lane AS written FROM lanes
                UNION ALL SELECT full_name, district_code, village, {_village_name("village")} || lane FROM lanes
                WHERE {_village_name("village")} IS NOT NULL
            ), found AS (
                SELECT w.road, w.community, w.district_code AS written_code, l.district_code, l.full_name,
                       coalesce(w.community = l.village || '社区', false) AS of_community
                FROM written w JOIN keyed l ON l.written = w.road
                 AND (w.district_code IS NULL OR l.district_code = w.district_code)
            ), counted AS (
                SELECT *, count(*) OVER (PARTITION BY road, community, written_code) AS n_all,
                       sum(of_community::INT) OVER (PARTITION BY road, community, written_code) AS n_community
                FROM found
            )
            SELECT c.*, d.district FROM counted c LEFT JOIN ref_district d USING (district_code)
            WHERE (of_community AND n_community = 1) OR (n_community = 0 AND n_all = 1)
        ) s
        WHERE t.in_city AND t.road = s.road AND t.community IS NOT DISTINCT FROM s.community
          AND t.district_code IS NOT DISTINCT FROM s.written_code""")


# a village's lane (石牌村27巷) and a road's (石牌东路27巷): the village or road, and the lane
_VILLAGE_LANE = quote_literal(f"^({_VILLAGE})({_LANE})$")
_ROAD_LANE = quote_literal(f"^(.{{1,12}}?(?:大道|路|大街|街))({_LANE})$")
_LANE_AT_END = quote_literal(f"({_LANE})$")


def learn_village_roads(engine: Engine, table: str = "std_property") -> None:
    """``std_village_road``: the villages whose lanes ``table`` (the property records) holds
    under a road named after the village (its name, or its name without 村, begins the road's:
    石牌村 / 石牌东路, 冼村 / 冼村路): at least two houses, and at least half of those it holds on
    the village's lanes, are held on that road's lane of the same number at the same door
    number, and no other road named after the village does as well. Two lanes a village and a road number alike by
    chance share few of their houses; a village whose lanes the road's 门牌 numbers shares most."""
    t = quote_ident(table)
    engine.create_table(VILLAGE_ROAD_TABLE, f"""
        WITH lanes AS (
            SELECT DISTINCT district_code, door_number, regexp_extract(road, {_VILLAGE_LANE}, 1) AS village,
                   regexp_extract(road, {_ROAD_LANE}, 1) AS road, regexp_extract(road, {_LANE_AT_END}, 1) AS lane
            FROM {t} WHERE in_city AND road IS NOT NULL AND door_number IS NOT NULL
        ), villages AS (
            SELECT * FROM lanes WHERE village <> ''
        ), roads AS (
            SELECT * FROM lanes WHERE road <> '' AND village = ''
        ), shared AS (
            SELECT v.village, r.road, min(r.district_code) AS district_code,
                   count(DISTINCT v.lane || '#' || v.door_number) AS shared
            FROM villages v JOIN roads r ON r.lane = v.lane AND r.door_number = v.door_number
             AND (v.district_code IS NULL OR r.district_code = v.district_code)
             AND starts_with(r.road, coalesce({_village_name("v.village")}, v.village))
            GROUP BY v.village, r.road HAVING count(DISTINCT r.district_code) = 1
        ), houses AS (
            SELECT village, count(DISTINCT lane || '#' || door_number) AS n FROM villages GROUP BY village
        )
        SELECT village, road, district_code, shared, n FROM (
            SELECT s.village, s.road, s.district_code, s.shared, h.n,
                   count(*) OVER (PARTITION BY s.village) AS n_roads
            FROM shared s JOIN houses h ON h.village = s.village
            WHERE s.shared >= 2 AND s.shared >= 0.5 * h.n)
        WHERE n_roads = 1""")


def village_roads(engine: Engine, table: str) -> None:
    """The in-city rows of ``table`` on a lane of a village of ``std_village_road``, written
    after the village (石牌村27巷) or its name without 村 (石牌27巷), take the road's lane of the
    same number (石牌东路27巷), in the village's district (a row without one takes it); keys
    rewritten."""
    if not engine.has_table(VILLAGE_ROAD_TABLE):
        return
    lane = f"regexp_extract(t.road, {_LANE_AT_END}, 1)"
    road = f"(v.road || {lane})"
    engine.execute(f"""
        UPDATE {quote_ident(table)} AS t SET road = {road},
               district_code = coalesce(t.district_code, v.district_code), district = coalesce(t.district, d.district),
               {rekeyed(road, "t.door_number", "t.poi")}
        FROM {VILLAGE_ROAD_TABLE} v JOIN ref_district d USING (district_code)
        WHERE t.in_city AND {lane} <> ''
          AND left(t.road, length(t.road) - length({lane})) IN (v.village, {_village_name("v.village")})
          AND (t.district_code IS NULL OR t.district_code = v.district_code)""")


def fill_district_from_place(engine: Engine, table: str) -> None:
    """Fill the district of in-city rows that name none from the rows of the same place.

    One road and door number (or one estate) lies in one district: when every row of
    ``table`` that shares a row's place (rs_place of road, door number and poi, with a door
    number or a poi) and has a district code agrees on it, a row of that place without a
    district takes it. A place whose rows disagree is left alone.

    A row written with a district that gave territory to a new one, or with an abolished
    district several took (ref_district_successor: 余杭区 for 临平区, 江干区), takes the
    district of its place where the property records (std_property; while they are
    standardised, ``table`` itself) give that place (its road and door number, or its estate's
    name) one of those successors, written so by every record of the place that names any
    other district.
    """
    library = "std_property" if engine.has_table("std_property") else table
    engine.execute(f"""
        UPDATE {quote_ident(table)} AS t SET district_code = s.district_code, district = r.district
        FROM (SELECT name AS place, min(district_code) AS district_code
              FROM (-- a place by its road and door number, or by its estate's name
                    SELECT CASE WHEN k.by_road THEN rs_place(l.road, l.door_number, l.poi) ELSE l.poi END AS name,
                           l.district_code
                    FROM {quote_ident(library)} l CROSS JOIN (SELECT true AS by_road UNION ALL SELECT false) k
                    WHERE l.in_city AND l.district_code IS NOT NULL AND (l.door_number IS NOT NULL OR l.poi IS NOT NULL)
                      AND l.district NOT IN (SELECT district FROM ref_district_successor))
              WHERE name IS NOT NULL GROUP BY name HAVING count(DISTINCT district_code) = 1) AS s
        JOIN ref_district_successor c ON c.successor_code = s.district_code
        JOIN ref_district r ON r.district_code = s.district_code
        WHERE t.in_city AND t.district = c.district AND (t.door_number IS NOT NULL OR t.poi IS NOT NULL)
          AND rs_place(t.road, t.door_number, t.poi) = s.place""")
    engine.execute(f"""
        UPDATE {quote_ident(table)} AS t SET district_code = s.district_code, district = r.district
        FROM (SELECT rs_place(road, door_number, poi) AS place, min(district_code) AS district_code
              FROM {quote_ident(table)}
              WHERE in_city AND district_code IS NOT NULL AND (door_number IS NOT NULL OR poi IS NOT NULL)
              GROUP BY 1 HAVING count(DISTINCT district_code) = 1) AS s, ref_district AS r
        WHERE t.district IS NULL AND t.district_code IS NULL AND t.in_city
          AND (t.door_number IS NOT NULL OR t.poi IS NOT NULL)
          AND rs_place(t.road, t.door_number, t.poi) = s.place AND r.district_code = s.district_code""")
