"""Standardise properties: every property source's raw table to one canonical table.

Reads ``raw_<source>``; writes ``std_property`` (one row per accepted record) and
``std_property_addresses`` (the free-text addresses, one row per distinct text; see
build_address_table).

Registers come in two shapes. A real-estate register writes one column per level (所在区
南山区, 街道 粤海街道, 社区, 道路 华夏路, 门牌号 29号, 楼栋 1号楼, 单元 2单元, 房号 406); a
housing bureau writes one line (南山区华夏路29号2幢2单元206房). Both meet in one standard
form: a part given in its column wins, a missing part comes from parsing the free text, and
the building and dwelling keys of every record are written by the same SQL macros
(rs_building_key, rs_dwelling_key) from the merged
standard parts, so that the same flat gets the same dwelling key from either shape.

``use`` is canonical (residential | commercial | office | industrial | public_toilet |
power_room | other); ``is_dwelling`` is ``use = 'residential'`` (NULL when the use is
unknown). The owner's document is split: a citizen ID (converted to 18 digits) into
``owner_id_number``, a USCC into ``owner_uscc``. A record with neither a property code nor
any address is quarantined (``no_identity``).
"""

from __future__ import annotations

import pandas as pd

from resolve.config import ENTITY_FIELDS, Config
from resolve.engine import Engine, each_value, quote_literal
from resolve.standardise.addresses import (
    Region,
    build_address_table,
    clean_part,
    engine_region,
    fill_district_from_place,
    learn_village_roads,
    register_address_macros,
    resolve_admin,
    standard_building,
    standard_door,
    standard_road,
    standard_room,
    standard_unit,
    strip_division_prefix,
    village_roads,
)
from resolve.standardise.enterprise_ids import register_enterprise_id_macros
from resolve.standardise.inputs import input_union_sql, quarantine_where, rid_offsets
from resolve.standardise.names import normalise_name
from resolve.standardise.places import (
    LIBRARY_TABLES,
    correct_place_names,
    fill_building_from_place,
    fill_places,
    key_door_parts,
    key_floor_flats,
    learn_door_parts,
    learn_floor_flats,
    learn_place_aliases,
    unit_of_building,
)
from resolve.standardise.sql import read_date, read_id, read_in_steps, register_macros

PROPERTY_FIELDS = ENTITY_FIELDS["property"]
USES = ("residential", "commercial", "office", "industrial", "public_toilet", "power_room", "other")

_USE = f"""CASE
    WHEN rs_blank(s) IS NULL THEN NULL
    WHEN lower(trim(s)) IN ({", ".join(quote_literal(u) for u in USES)}) THEN lower(trim(s))
    WHEN s LIKE '%厕%' THEN 'public_toilet'
    WHEN s LIKE '%配电%' THEN 'power_room'
    WHEN s LIKE '%住宅%' OR s LIKE '%住房%' THEN 'residential'
    WHEN s LIKE '%办公%' OR s LIKE '%写字楼%' THEN 'office'
    WHEN s LIKE '%商业%' OR s LIKE '%商铺%' OR s LIKE '%商服%' OR s LIKE '%店铺%' OR s LIKE '%门面%' THEN 'commercial'
    WHEN s LIKE '%工业%' OR s LIKE '%厂房%' THEN 'industrial'
    ELSE 'other' END"""

# Whose document: 18 digits can be either. A citizen ID has a real birth date (and its check
# wins over a USCC's); a USCC without a valid check still carries a valid organisation code.
_OWNER_KIND = """CASE
    WHEN id_dated AND (id_valid OR NOT uscc_valid) THEN 'citizen'
    WHEN uscc_valid THEN 'uscc'
    WHEN uscc_shape AND (org_valid OR kind <> 'citizen') THEN 'uscc'
    WHEN kind IN ('citizen', 'citizen15') THEN 'citizen' END"""

_AREA = "TRY_CAST(regexp_replace(lower(rs_fold(s)), '\\s|㎡|平方米|平米|m2|m²', '', 'g') AS DOUBLE)"


def _string_frame(columns: dict[str, list]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in columns.items()})


def _admin_parts(region: Region, frame: pd.DataFrame) -> pd.DataFrame:
    admin = list(frame[["district_raw", "street_raw"]].itertuples(index=False, name=None))
    resolved = [resolve_admin(region, None, None, clean_part(d), clean_part(s)) for d, s in admin]
    out = _string_frame({"district_raw": [r[0] for r in admin], "street_raw": [r[1] for r in admin],
                         **{k: [r[k] for r in resolved] for k in ("province", "city", "district", "district_code",
                                                                  "street")}})
    out["in_city"] = pd.Series([r["in_city"] for r in resolved], dtype="bool")
    return out


def _room_parts(frame: pd.DataFrame) -> pd.DataFrame:
    rooms = frame["raw"].tolist()
    parsed = [standard_room(v) for v in rooms]
    return _string_frame({"raw": rooms, "floor": [p[0] for p in parsed], "std": [p[1] for p in parsed]})


def _part_tables(engine: Engine) -> None:
    """The parts written in their own columns, standardised on distinct values."""
    region = engine_region(engine)
    engine.map_distinct("tmp_prop_admin", "SELECT district AS district_raw, street AS street_raw FROM std_property_input "
                                          "WHERE district IS NOT NULL OR street IS NOT NULL",
                        lambda frame: _admin_parts(region, frame))
    for field, fn in (("door_number", standard_door), ("building", standard_building), ("unit", standard_unit),
                      ("road", standard_road), ("community", clean_part), ("owner_name", normalise_name)):
        engine.map_distinct(f"tmp_prop_{field.removesuffix('_name')}",
                            f"SELECT {field} AS raw FROM std_property_input WHERE {field} IS NOT NULL",
                            each_value(fn))
    engine.map_distinct("tmp_prop_room", "SELECT room AS raw FROM std_property_input WHERE room IS NOT NULL",
                        _room_parts)


# the door column is taken: it reads as a door number (29, 3之1, 12附1, 17乙), or the text gives none
_COLUMNS_DOOR = ("(dr.std IS NULL OR a.door_number IS NULL "
                 "OR regexp_full_match(dr.std, '[0-9]+([之附][0-9]+|[甲乙丙丁])?'))")


def _owner_documents(engine: Engine, snapshot: str) -> None:
    """Each distinct owner document: a citizen ID (18 digits) or a USCC.

    In steps, each a table: a macro over a column of a subquery would expand the whole
    expression below it again (rs_id_check alone reads its argument 18 times).
    """
    engine.create_table("tmp_prop_doc1", f"""
        SELECT raw, id18_clean AS c, id18_kind AS kind, id18, rs_uscc_shape(id18_clean) AS uscc_shape,
               rs_uscc_org(id18_clean) AS org
        FROM ({read_in_steps("(SELECT DISTINCT owner_id_number AS raw FROM std_property_input "
                             "WHERE owner_id_number IS NOT NULL)", read_id("raw", "id18"))})""")
    engine.create_table("tmp_prop_doc2", f"""
        SELECT *, coalesce(rs_id_dated(id18, {snapshot}), false) AS id_dated,
               coalesce(rs_id_valid(id18, {snapshot}), false) AS id_valid,
               rs_uscc_valid(c) AS uscc_valid, rs_org_valid(org) AS org_valid
        FROM tmp_prop_doc1""")
    engine.create_table("tmp_prop_doc", f"""
        SELECT raw, CASE WHEN kind_ = 'citizen' THEN id18 END AS owner_id_number,
               CASE WHEN kind_ = 'uscc' THEN c END AS owner_uscc
        FROM (SELECT *, {_OWNER_KIND} AS kind_ FROM tmp_prop_doc2)""")
    engine.drop("tmp_prop_doc1")
    engine.drop("tmp_prop_doc2")


def standardise_properties(engine: Engine, config: Config) -> None:
    sources = config.sources_for("property")
    register_macros(engine)
    register_address_macros(engine, config.city, config.region_code)
    register_enterprise_id_macros(engine)
    snapshot = f"DATE {quote_literal(config.snapshot_date.isoformat())}"
    engine.execute(f"CREATE OR REPLACE MACRO rs_property_use(s) AS {_USE}")
    engine.execute(f"CREATE OR REPLACE MACRO rs_area(s) AS {_AREA}")
    if sources:
        engine.create_table("std_property_input",
                            input_union_sql(sources, PROPERTY_FIELDS, rid_offsets(engine, sources)))
    else:  # no property source: an empty std_property with every column, for the stages after
        fields = ", ".join(f"NULL::VARCHAR AS {f}" for f in PROPERTY_FIELDS)
        engine.create_table("std_property_input", "SELECT NULL::BIGINT AS rid, NULL::VARCHAR AS source, "
                                                  f"NULL::BIGINT AS row_number, {fields} WHERE false")
    for table in LIBRARY_TABLES:  # the library is learned anew from these records (places.py)
        engine.drop(table)
    build_address_table(engine, "SELECT address AS raw FROM std_property_input", "std_property_addresses")
    _part_tables(engine)
    _owner_documents(engine, snapshot)

    engine.create_table("std_property", """
        WITH merged AS (
            SELECT i.rid, i.source, i.record_key, i.row_number,
                   rs_blank(rs_fold(i.property_code)) AS property_code,
                   rs_blank(i.address) AS address_raw, a.address AS text_address,
                   coalesce(a.province, ad.province) AS province_named, coalesce(a.city, ad.city) AS city_named,
                   -- the column's district when it is known, else the text's, else what the column says
                   CASE WHEN ad.district_code IS NOT NULL THEN ad.district
                        WHEN a.district_code IS NOT NULL THEN a.district
                        ELSE coalesce(ad.district, a.district) END AS district,
                   coalesce(ad.district_code, a.district_code) AS district_code,
                   coalesce(ad.street, a.street) AS street,
                   coalesce(cm.std, a.community) AS community,
                   -- the road and door columns, unless the door column holds more than a door (2社53号,
                   -- 27巷1号: a lane with it) and the text reads one: then the text's
                   CASE WHEN """ + _COLUMNS_DOOR + """ THEN coalesce(rd.std, a.road) ELSE a.road END AS road,
                   CASE WHEN """ + _COLUMNS_DOOR + """ THEN coalesce(dr.std, a.door_number) ELSE a.door_number END
                       AS door_number,
                   a.poi,
                   -- a village house's lane and number in the building column (二坊3号) is its place
                   CASE WHEN NOT regexp_matches(bd.std, '^[0-9零〇一二两三四五六七八九十百]+[巷排坊组队弄条][0-9零〇一二两三四五六七八九十百]+号?$') THEN bd.std ELSE a.building END
                       AS building,
                   coalesce(un.std, a.unit) AS unit,
                   CASE WHEN rm.std IS NOT NULL THEN rm.floor ELSE a.floor END AS floor,
                   coalesce(rm.std, a.room) AS room,
                   a.descriptor,
                   -- the place the address text gives where the road and door columns give another:
                   -- a village house's lane address beside its 门牌 (learn_place_aliases)
                   CASE WHEN dr.std IS NOT NULL AND a.door_number IS NOT NULL AND """ + _COLUMNS_DOOR + """
                         AND rs_place(a.road, a.door_number, NULL) <> rs_place(coalesce(rd.std, a.road), dr.std, NULL)
                        THEN rs_place(a.road, a.door_number, NULL) END AS text_place,
                   dr.std IS NOT NULL AND """ + _COLUMNS_DOOR + """ AS door_from_columns,
                   coalesce(CASE WHEN ad.district IS NOT NULL OR ad.street IS NOT NULL THEN ad.in_city END,
                            a.in_city, true) AS in_city,
                   i.use AS use_raw, rs_property_use(i.use) AS use, rs_area(i.area) AS area,
                   o.std AS owner_name, i.owner_id_number AS owner_id_raw, od.owner_id_number, od.owner_uscc,
                   i.updated_parts
            FROM (""" + read_in_steps("std_property_input", read_date("updated_at", "updated_parts")) + """) i
            LEFT JOIN std_property_addresses a ON a.raw = i.address
            LEFT JOIN tmp_prop_admin ad ON ad.district_raw IS NOT DISTINCT FROM i.district
                                        AND ad.street_raw IS NOT DISTINCT FROM i.street
            LEFT JOIN tmp_prop_community cm ON cm.raw = i.community
            LEFT JOIN tmp_prop_road rd ON rd.raw = i.road
            LEFT JOIN tmp_prop_door_number dr ON dr.raw = i.door_number
            LEFT JOIN tmp_prop_building bd ON bd.raw = i.building
            LEFT JOIN tmp_prop_unit un ON un.raw = i.unit
            LEFT JOIN tmp_prop_room rm ON rm.raw = i.room
            LEFT JOIN tmp_prop_owner o ON o.raw = i.owner_name
            LEFT JOIN tmp_prop_doc od ON od.raw = i.owner_id_number
        ), owners AS (
            SELECT m.*,
                   CASE WHEN in_city THEN coalesce(province_named, g.province) ELSE province_named END AS province,
                   CASE WHEN in_city THEN coalesce(city_named, g.city) ELSE city_named END AS city
            FROM merged m CROSS JOIN ref_region g
        )
        SELECT rid, source, record_key, row_number, property_code,
               coalesce(text_address, nullif(concat_ws('', district, street, community, road,
                   door_number || '号', poi, building || '栋', unit || '单元', room), '')) AS address,
               address_raw, province, city, district, district_code, street, community, road, door_number, poi,
               building, unit, floor, room, descriptor, text_place, door_from_columns,
               rs_building_key(road, door_number, poi, building, room) AS building_key,
               rs_dwelling_key(road, door_number, poi, building, floor, room) AS dwelling_key,
               in_city, use, use_raw,
               CASE WHEN use IS NOT NULL THEN use = 'residential' END AS is_dwelling,
               area, owner_name, owner_id_number, owner_uscc, owner_id_raw,
               rs_parts_date(updated_parts) AS updated_at
        FROM owners""")
    for table in ("std_property_input", "tmp_prop_admin", "tmp_prop_door_number", "tmp_prop_building",
                  "tmp_prop_unit", "tmp_prop_road", "tmp_prop_community", "tmp_prop_room", "tmp_prop_owner",
                  "tmp_prop_doc"):
        engine.drop(table)
    strip_division_prefix(engine, "std_property")
    correct_place_names(engine, "std_property")
    fill_district_from_place(engine, "std_property")
    learn_place_aliases(engine)
    fill_places(engine, "std_property")
    unit_of_building(engine, "std_property")
    fill_building_from_place(engine)
    learn_village_roads(engine)
    village_roads(engine, "std_property")
    learn_door_parts(engine)
    key_door_parts(engine, "std_property")
    learn_floor_flats(engine)
    key_floor_flats(engine, "std_property")
    # a flat whose room number the records give in two units of its building (1单元4-1, 2单元4-1):
    # written without its unit it is no flat to link by (link/property.IDENTITY_EVIDENCE); where
    # one unit only holds it, or room numbers run on across the units, the room says the unit
    engine.execute("ALTER TABLE std_property ADD COLUMN unit_needed BOOLEAN DEFAULT false")
    engine.execute("""
        UPDATE std_property AS t SET unit_needed = true
        FROM (SELECT dwelling_key FROM std_property WHERE dwelling_key IS NOT NULL AND unit IS NOT NULL
              GROUP BY dwelling_key HAVING count(DISTINCT unit) >= 2) u
        WHERE t.dwelling_key = u.dwelling_key""")
    if not sources:
        return
    quarantine_where(engine, "std_property",
                     "property_code IS NULL AND address_raw IS NULL AND road IS NULL AND door_number IS NULL "
                     "AND poi IS NULL AND building IS NULL AND room IS NULL",
                     "no_identity", "{'property_code': property_code, 'address': address_raw}")
