"""Address text to one comparable form.

Full-width to half-width, spaces dropped, the config's own province and city prefixes
dropped (an address outside the city keeps its prefixes), descriptors such as 附近 dropped
from the end, Chinese numerals turned to Arabic ONLY before a unit word (三元里 stays 三元里), and
栋/幢/座/号楼 written as 栋, 501室 as 501. The heavy part runs as SQL; numeral conversion runs
in Python on the distinct values that need it.
"""

from __future__ import annotations

import re

import pandas as pd

from resolve.engine import Engine, quote_literal

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

UNIT_WORDS = "栋幢座单元层楼室号房"
DESCRIPTORS = ("附近", "旁边", "对面", "门口", "周边", "一带")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百]+(?=号楼|单元|[栋幢座层楼室号房])")
# a room number at the very end, after a building, unit or door: 1栋一零四
_CN_ROOM = re.compile(r"(号楼|单元|[栋幢座号])([零〇一二两三四五六七八九]+)$")


def _short(name: str) -> str:
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def city_prefix_pattern(city: str, region_code: str) -> str:
    """Regex of the config's province and city prefixes, e.g. ^(广东省|广东)?(深圳市|深圳)?"""
    province = PROVINCES.get(region_code[:2], "")
    parts = []
    if province and province != city:
        parts.append(f"({re.escape(province)}|{re.escape(_short(province))})?")
    parts.append(f"({re.escape(city)}|{re.escape(_short(city))})?")
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
    text = _CN_NUMERAL.sub(lambda m: cn_to_arabic(m.group(0)), text)
    return _CN_ROOM.sub(lambda m: m.group(1) + cn_to_arabic(m.group(2)), text)


def register_address_macros(engine: Engine, city: str, region_code: str) -> None:
    engine.execute(f"CREATE OR REPLACE MACRO rs_addr_tail(s) AS regexp_replace(s, {quote_literal(ADMIN_PREFIX)}, '')")
    prefix = city_prefix_pattern(city, region_code)
    descriptors = "|".join(DESCRIPTORS)
    engine.execute(
        "CREATE OR REPLACE MACRO rs_addr_fold(s) AS nullif(regexp_replace(regexp_replace("
        f"regexp_replace(rs_fold(s), '[\\s,，]+', '', 'g'), {quote_literal(prefix)}, ''), "
        f"'({descriptors})$', ''), '')")
    engine.execute(
        "CREATE OR REPLACE MACRO rs_addr_units(s) AS regexp_replace(regexp_replace(regexp_replace("
        "s, '(\\d+)(号楼|幢|座|栋)', '\\1栋', 'g'), '(\\d+)[室房]$', '\\1'), '第(\\d)', '\\1', 'g')")


def build_address_table(engine: Engine, raw_sql: str, out_table: str) -> None:
    """``out_table(raw, address, building_key, dwelling_key)``, one row per distinct raw address.

    ``raw_sql`` yields a column ``raw``. Folding and unit words run as SQL; numerals (on the
    few addresses that have them) and the parse (on the distinct remainders after the
    administrative prefix) run in Python.
    """
    engine.create_table("tmp_addr", f"SELECT DISTINCT raw, rs_addr_fold(raw) AS folded FROM ({raw_sql}) "
                                    "WHERE raw IS NOT NULL")
    pattern = f"'[零〇一二两三四五六七八九十百](号楼|单元|[{UNIT_WORDS}])|(号楼|单元|[栋幢座号])[零〇一二两三四五六七八九]+$'"
    numerals = [r[0] for r in engine.fetchall(
        f"SELECT DISTINCT folded FROM tmp_addr WHERE regexp_matches(folded, {pattern})")]
    engine.create_table_from_frame("tmp_addr_numerals", pd.DataFrame(
        {"folded": pd.Series(numerals, dtype="string"),
         "arabic": pd.Series([arabic_before_units(a) for a in numerals], dtype="string")}))
    engine.create_table("tmp_addr_std", """
        SELECT raw, address, rs_addr_tail(address) AS tail FROM (
            SELECT a.raw, rs_addr_units(coalesce(n.arabic, a.folded)) AS address
            FROM tmp_addr a LEFT JOIN tmp_addr_numerals n USING (folded))""")
    tails = [r[0] for r in engine.fetchall("SELECT DISTINCT tail FROM tmp_addr_std WHERE tail IS NOT NULL")]
    engine.create_table_from_frame("tmp_addr_keys", address_key_table(tails))
    engine.create_table(out_table, "SELECT a.raw, a.address, k.building_key, k.dwelling_key "
                                   "FROM tmp_addr_std a LEFT JOIN tmp_addr_keys k USING (tail)")
    for table in ("tmp_addr", "tmp_addr_numerals", "tmp_addr_std", "tmp_addr_keys"):
        engine.drop(table)


# The administrative levels, province to community. Shared by the Python parser and the SQL
# macro rs_addr_tail, which strips them before the parser sees the distinct remainders.
_ADMIN_LEVELS = (
    ("province", r"北京市|天津市|上海市|重庆市|[^省市区]{2,7}?省|[^区]{2,10}?自治区|香港特别行政区|澳门特别行政区"),
    ("city", r"[^市州区县]{2,9}?(?:市|自治州|地区|盟)"),
    ("district", r"[^区县市街路]{1,7}?(?:区|县|市|旗)"),
    ("street", r"[^街镇乡路]{1,8}?(?:街道|镇|乡)"),
    ("community", r"(?:[^社村路街]{1,10}?(?:社区|村))+"),  # 楼村新社区: a village name inside a community's
)
ADMIN_PREFIX = "^" + "".join(f"(?:{pattern})?" for _, pattern in _ADMIN_LEVELS)

_LEVELS = re.compile(
    "^" + "".join(f"(?P<{name}>{pattern})?" for name, pattern in _ADMIN_LEVELS) +
    r"(?P<road>[^路街巷\d]{1,12}?(?:大道|路|街|巷|道)(?:[东西南北中]段)?)?"
    r"(?P<door>\d+(?:之\d+)?号(?:院)?)?"
    r"(?P<rest>.*)$"
)
_DASHED = re.compile(r"^(?P<poi>.*?)(?P<building>\d+)-(?:(?P<unit>\d+)-)?(?P<room>\d+)$")
_BUILDING = re.compile(r"(\d+[A-Za-z]?)栋")
_UNIT = re.compile(r"(\d+)单元")
_FLOOR_ROOM = re.compile(r"(\d+)[层楼](\d{1,2})(?:室|房)?$")
_ROOM = re.compile(r"(\d+)(?:室|房)?$")

ADDRESS_PARTS = ("district", "street", "community", "road", "door_number", "poi", "building", "unit",
                 "room")


def parse_address(text: str | None) -> dict[str, str | None]:
    """Split a normalised address into the levels of DESIGN.md (province ... room).

    Below the township nothing standard exists: the road, door number, building, unit and
    room are read from the unit words (栋 单元 层 室) and the dashed form ``12-3-1001``.
    """
    parts: dict[str, str | None] = dict.fromkeys(ADDRESS_PARTS)
    if not text:
        return parts
    m = _LEVELS.match(text)
    for key in ("district", "street", "community", "road"):
        parts[key] = m.group(key)
    parts["door_number"] = m.group("door")
    rest = m.group("rest") or ""
    dashed = _DASHED.match(rest)
    if dashed:
        parts.update(poi=dashed.group("poi") or None, building=dashed.group("building"),
                     unit=dashed.group("unit"), room=dashed.group("room"))
        return parts
    building = _BUILDING.search(rest)
    if building:
        parts["building"] = building.group(1)
        parts["poi"] = rest[: building.start()] or None
        rest = rest[building.end():]
    unit = _UNIT.search(rest)
    if unit:
        parts["unit"] = unit.group(1)
        rest = rest[unit.end():]
    floor_room = _FLOOR_ROOM.search(rest)
    if floor_room:
        parts["room"] = floor_room.group(1) + floor_room.group(2).zfill(2)
    else:
        room = _ROOM.search(rest)
        if room and (building or unit or parts["door_number"]):
            parts["room"] = room.group(1)
        elif rest and not building:
            parts["poi"] = rest
    return parts


def address_keys(parts: dict[str, str | None]) -> tuple[str | None, str | None]:
    """(building key, dwelling key): the place without its administrative prefix.

    Departments write the district, street and community differently or not at all, so the
    keys are the road and door number (or the estate's name) with the building, and with
    the room for the dwelling; the unit is left out because it is often left out.
    """
    place = (parts["road"] or "") + (parts["door_number"] or "")
    if not parts["door_number"]:
        place += parts["poi"] or ""
    if not place or not parts["building"]:
        building = place + "#" if place and parts["room"] else None
    else:
        building = f"{place}#{parts['building']}"
    dwelling = f"{building}#{parts['room']}" if building and parts["room"] else None
    return building, dwelling


def address_key_table(distinct_tails: list[str]) -> pd.DataFrame:
    """Building and dwelling keys of each distinct address remainder (see rs_addr_tail)."""
    rows = [address_keys(parse_address(v)) for v in distinct_tails]
    return pd.DataFrame({"tail": distinct_tails, "building_key": [r[0] for r in rows],
                         "dwelling_key": [r[1] for r in rows]})
