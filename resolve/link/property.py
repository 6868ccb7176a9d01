"""Link properties: one Splink model over every property source (real-estate registration,
the housing bureau, any other).

Reads ``std_property``; writes ``pairs_property`` and ``link_property_model``. Departments
number properties in their own schemes, so the standard address carries the link across
departments: the dwelling key (road, door number, building, room) with the unit and the
district compared on their own, since a flat 402 in unit 1 and a flat 402 in unit 2 share
everything else. Area, use and owner confirm.
"""

from __future__ import annotations

from pathlib import Path

from resolve.config import Config
from resolve.engine import Engine, quote_literal
from resolve.link.common import (
    U_FLOOR,
    ModelInputs,
    exact_comparison,
    link_entity,
    model_settings,
)
from resolve.link.common import else_level as _else
from resolve.link.common import level as _level
from resolve.link.common import null_level as _null

CODE_COMPARISON = exact_comparison("property_code", "same property code", 0.95)

_UNITS_AGREE = "(unit_l IS NULL OR unit_r IS NULL OR unit_l = unit_r)"

ADDRESS_COMPARISON = {
    "output_column_name": "address",
    "comparison_description": "dwelling (road, door, building, room) and unit",
    "comparison_levels": [
        _null("coalesce(dwelling_key_l, building_key_l, facility_key_l) IS NULL "
              "OR coalesce(dwelling_key_r, building_key_r, facility_key_r) IS NULL"),
        _level("dwelling_key_l = dwelling_key_r AND unit_l = unit_r", "same dwelling and unit", m_probability=0.6),
        # no unit on either side: often a building without units
        _level("dwelling_key_l = dwelling_key_r AND unit_l IS NULL AND unit_r IS NULL", "same dwelling, no units",
               m_probability=0.2),
        _level(f"dwelling_key_l = dwelling_key_r AND {_UNITS_AGREE}", "same dwelling, one unit missing",
               m_probability=0.1),
        _level("dwelling_key_l = dwelling_key_r", "same dwelling, other unit", m_probability=0.01),
        _level("facility_key_l = facility_key_r", "same facility (building and use, no flat)",
               m_probability=0.02),
        _level("building_key_l = building_key_r", "same building, other room", m_probability=0.05),
        _else(m_probability=0.04),
    ],
}

DISTRICT_COMPARISON = exact_comparison("district_code", "same district", 0.98, name="district")

AREA_COMPARISON = {
    "output_column_name": "area",
    "comparison_description": "floor area: equal to 0.5 m², within 5 %",
    "comparison_levels": [
        _null("area_l IS NULL OR area_r IS NULL"),
        _level("abs(area_l - area_r) <= 0.5", "same area", m_probability=0.8),
        _level("abs(area_l - area_r) <= 0.05 * greatest(area_l, area_r)", "area within 5%", m_probability=0.1),
        _else(m_probability=0.1),
    ],
}

USE_COMPARISON = exact_comparison("use", "same use", 0.95)

OWNER_COMPARISON = {
    "output_column_name": "owner",
    "comparison_levels": [
        _null("coalesce(owner_id_number_l, owner_name_l) IS NULL OR coalesce(owner_id_number_r, owner_name_r) IS NULL"),
        _level("owner_id_number_l = owner_id_number_r", "same owner ID", m_probability=0.6),
        _level("owner_name_l = owner_name_r", "same owner name", m_probability=0.1),
        _else(m_probability=0.3),  # ownership changes hands: a different owner says little
    ],
}

BLOCKING_RULES = [
    "l.property_code = r.property_code",
    "l.dwelling_key = r.dwelling_key",
    "l.facility_key = r.facility_key",
    # a mistyped room number: same building, same floor area
    "l.building_key = r.building_key AND l.area = r.area",
]

# The second block pairs flats whose units agree (or are both unwritten): without that, the
# flats 402 of every unit of a building would teach the model that matches disagree.
TRAINING_BLOCKS = ["l.property_code = r.property_code",
                   "l.dwelling_key = r.dwelling_key AND coalesce(l.unit, '') = coalesce(r.unit, '')"]
PRIOR_RULES = ["l.dwelling_key = r.dwelling_key AND l.unit = r.unit AND l.district_code = r.district_code"]

MODEL_COLUMNS = [
    "rid", "source", "property_code", "dwelling_key", "building_key", "unit", "district_code", "area", "use",
    "owner_id_number", "owner_name",
]


def _facility_key(alias: str = "") -> str:
    """A property without flats: a public toilet or a power room at its door number, a village
    house titled whole; its building and its use name it."""
    a = f"{alias}." if alias else ""
    return (f"CASE WHEN {a}dwelling_key IS NULL AND {a}building_key IS NOT NULL "
            f"THEN {a}building_key || '#' || coalesce({a}use, '') END")


BLOCKING_KEYS = {"facility_key": _facility_key()}
INPUTS = ModelInputs("property", MODEL_COLUMNS, BLOCKING_KEYS)

# A link is followed only when the pair shares a code or a dwelling, in the same unit and
# district as far as both records say; a flat written without its unit (盘溪路220号4栋4-1) meets
# another record of that room (with its unit or without) only where the records give that room
# in one unit of the building (std_property.unit_needed: where two units have a 4-1, which one
# is not said), or where both give its floor area, the same.
IDENTITY_EVIDENCE = """(
    (a.property_code = b.property_code OR a.dwelling_key = b.dwelling_key
     OR """ + _facility_key("a") + " = " + _facility_key("b") + """) IS TRUE
    AND (a.unit = b.unit OR a.property_code = b.property_code
         OR NOT (coalesce(a.unit_needed, false) OR coalesce(b.unit_needed, false))
         OR abs(a.area - b.area) <= 0.5)
    AND (a.district_code IS NULL OR b.district_code IS NULL OR a.district_code = b.district_code)
)"""


def property_settings() -> dict:
    return model_settings([CODE_COMPARISON, ADDRESS_COMPARISON, DISTRICT_COMPARISON, AREA_COMPARISON,
                           USE_COMPARISON, OWNER_COMPARISON], BLOCKING_RULES, 1e-4)


def property_anchors(config: Config) -> dict[str, str]:
    """Cannot-link anchors: within one department two codes are two properties (departments
    number in their own schemes, so codes are never compared across them), and a department
    that gives no code registers each property once, under its record key (the housing
    bureau's two records 3栋404 without a unit are two flats of two units, never one); two
    units or two districts are two properties."""
    anchors = {f"different_property_codes_{s.name}":
               f"CASE WHEN source = {quote_literal(s.name)} THEN coalesce(property_code, record_key) END"
               for s in config.sources_for("property")}
    anchors["different_units"] = "unit"
    anchors["different_districts"] = "district_code"
    return anchors


def mark_unique_dwellings(engine: Engine) -> None:
    """``pairs_property.unique_dwelling``: a link by rule between two departments' records of
    one flat that each department holds for exactly one property: the same dwelling key and
    the same unit written on both (each department holding one property of that key and
    unit), or the same dwelling key that each department holds for one property only (a unit
    on one side at most), in the same district as far as both say. Where a building has units
    and an address leaves the unit out, a department holds several flats under that key and
    the model decides alone, but for a flat written without its unit whose floor area is
    that of the one flat of that room another department holds at that area. Such a pair the
    model scored below the floor of pairs_property (the floor areas the departments measure
    differ: 建筑面积 against 使用面积) is added, its scores NULL."""
    engine.execute("ALTER TABLE pairs_property ADD COLUMN unique_dwelling BOOLEAN DEFAULT false")
    code = "count(DISTINCT coalesce(property_code, record_key)) = 1"
    engine.create_table("tmp_unique_dwelling_pairs", f"""
        WITH flats AS (
            SELECT source, dwelling_key, unit FROM std_property WHERE dwelling_key IS NOT NULL
            GROUP BY ALL HAVING {code}
        ), keys AS (
            SELECT source, dwelling_key FROM std_property WHERE dwelling_key IS NOT NULL
            GROUP BY ALL HAVING {code}
        ), keyed AS (
            SELECT s.*, k.source IS NOT NULL AS key_unique
            FROM std_property s JOIN flats f ON f.source = s.source AND f.dwelling_key = s.dwelling_key
                                            AND f.unit IS NOT DISTINCT FROM s.unit
            LEFT JOIN keys k ON k.source = s.source AND k.dwelling_key = s.dwelling_key
        )
        SELECT least(a.rid, b.rid) AS rid_l, greatest(a.rid, b.rid) AS rid_r
        FROM keyed a JOIN keyed b ON a.dwelling_key = b.dwelling_key AND a.source < b.source
        WHERE (a.unit = b.unit OR (a.key_unique AND b.key_unique)) AND {IDENTITY_EVIDENCE}
        UNION
        -- a flat written without its unit, and the one flat of that room and floor area another
        -- department holds (3栋402 of 92.5 m², where 1单元402 is 80.2 m² and 2单元402 92.5 m²)
        SELECT least(a.rid, b.rid), greatest(a.rid, b.rid)
        FROM std_property a JOIN std_property b ON a.dwelling_key = b.dwelling_key AND a.source <> b.source
        WHERE a.unit IS NULL AND b.unit IS NOT NULL AND abs(a.area - b.area) <= 0.5 AND {IDENTITY_EVIDENCE}
          AND NOT EXISTS (SELECT 1 FROM std_property c
                          WHERE c.source = b.source AND c.dwelling_key = b.dwelling_key AND abs(c.area - a.area) <= 0.5
                            AND coalesce(c.property_code, c.record_key) <> coalesce(b.property_code, b.record_key))""")
    engine.execute("""
        UPDATE pairs_property p SET unique_dwelling = true
        FROM tmp_unique_dwelling_pairs u WHERE u.rid_l = p.rid_l AND u.rid_r = p.rid_r AND p.identity_evidence""")
    engine.execute("""
        INSERT INTO pairs_property BY NAME
        SELECT rid_l, rid_r, true AS identity_evidence, true AS unique_dwelling FROM tmp_unique_dwelling_pairs u
        WHERE NOT EXISTS (SELECT 1 FROM pairs_property p WHERE p.rid_l = u.rid_l AND p.rid_r = u.rid_r)""")
    engine.drop("tmp_unique_dwelling_pairs")


def link_properties(engine: Engine, config: Config, model_out: Path | None = None,
                    model_in: Path | None = None) -> str:
    """Train the property model, score blocked pairs into ``pairs_property`` and mark the
    links by rule (``mark_unique_dwellings``)."""
    # A dwelling key agreeing with its unit and district is as good as an identifier: the
    # matches taken out of its sampled u leave it with the person model's floor.
    origin = link_entity(engine, config, INPUTS, property_settings(), PRIOR_RULES, TRAINING_BLOCKS,
                         IDENTITY_EVIDENCE, model_out, u_floor=U_FLOOR, model_in=model_in)
    if engine.has_table("pairs_property"):
        mark_unique_dwellings(engine)
    return origin
