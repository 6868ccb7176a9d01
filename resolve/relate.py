"""Relate: people and enterprises to the properties they occupy, enterprises to their
legal representatives and employees, properties to their owners.

Reads the golden, xref and std_ tables of the three registries; writes
- ``address_resolution``: every address a record gives (residence, registered address,
  enterprise premises), the property it resolves to, or why it does not (``not_found``,
  ``ambiguous``, ``outside_city``, ``incomplete``: no building or room to find a dwelling by);
- ``person_residence(person_id, property_id, basis, as_of, ...)``: where each person
  actually lives, from the best-ranked resolved residence evidence (survivorship rules of
  ``residence_address``);
- ``person_registered_property``: the household-registration address, where it is in the city;
- ``enterprise_site``, ``enterprise_legal_rep``, ``person_employer``, ``property_owner``;
- ``property_occupancy``: residents at a property that is not a dwelling, more residents
  than ``relations.max_residents_per_dwelling``, more enterprises than
  ``relations.max_enterprises_per_property`` (cluster registration), each with its entities.
"""

from __future__ import annotations

from resolve.config import Config
from resolve.engine import Engine, quote_literal
from resolve.overrides import apply_residence_overrides, entries_from_log
from resolve.standardise.places import DOOR_PART_TABLE, ESTATE_PART
from resolve.golden import DEFAULT_ENTERPRISE_RULES, ORDER_KEYS, _source_ranks_sql, entity_rules, person_rules

ADDRESS_COLUMNS = ("address", "dwelling_key", "building_key", "district_code", "unit", "in_city", "descriptor",
                   "road", "door_number", "poi", "building", "room", "name_as_written")
# the parts of an address the resolution works on: one row of tmp_address_parts per distinct tuple
_PARTS = ("dwelling_key", "building_key", "district_code", "unit", "descriptor", "road", "door_number", "poi",
          "building", "room", "name_as_written")
# An address matches the library's records of a property on its key when its unit and district
# do not contradict theirs (a part one side leaves out contradicts nothing).
_UNITS_AGREE = "(a.unit IS NULL OR l.unit IS NULL OR a.unit = l.unit)"
_DISTRICTS_AGREE = "(a.district_code IS NULL OR l.district_code IS NULL OR a.district_code = l.district_code)"
_COMPATIBLE = f"{_UNITS_AGREE} AND {_DISTRICTS_AGREE}"
# How sure a resolution is: the key and every part written agree; the unit left out where the
# library has one; one character of the place's name apart; a building with one property; the
# one flat of the room at the place where the address leaves the building out; the one flat of
# the key in another district than the one written.
CONFIDENCE = {"exact": 0.99, "unit_missing": 0.9, "one_character": 0.75, "whole_building": 0.85,
              "building": 0.9, "building_missing": 0.8, "phase_missing": 0.8, "other_district": 0.7,
              "statements_agree": 0.85,
              "registered_property": 0.9, "owned_property": 0.9, "household": 0.8}
# an estate named alone lists its flats as candidates up to this many (its count says how many)
ESTATE_CANDIDATES = 50
# how many of district and unit an address and a library record agree on
_AGREEMENT = "(a.district_code = l.district_code)::INT + (a.unit = l.unit)::INT"


def _address_parts(table: str) -> str:
    """One row per normalised address of an address table (raw spellings collapse), with
    ``part_id``: its parts (_PARTS) as one text, NULL and '' kept apart."""
    cols = ", ".join(f"any_value({c}) AS {c}" for c in ADDRESS_COLUMNS if c != "address")
    part_id = ", ".join(f"coalesce({c}, chr(30))" for c in _PARTS)
    return (f"SELECT *, concat_ws(chr(31), {part_id}) AS part_id FROM ("
            f"SELECT address, {cols} FROM {table} WHERE address IS NOT NULL GROUP BY address)")


def _library(engine: Engine) -> None:
    """``tmp_library``: the standard address library, every property record's place with the
    property it belongs to (all of a property's records: departments write it differently)."""
    part = f"'({ESTATE_PART})$'"
    engine.create_table("tmp_library", f"""
        SELECT DISTINCT c.property_id, s.dwelling_key, s.building_key, s.unit, s.district_code, s.room,
               s.door_number, s.building, s.poi,
               rs_place(s.road, s.door_number, s.poi) AS place,
               -- an estate's name without its part (万科城市花园 of 万科城市花园2期), where it has one
               CASE WHEN regexp_matches(s.poi, {part}) THEN nullif(regexp_replace(s.poi, {part}, ''), '') END
                   AS poi_stem
        FROM std_property s JOIN cluster_property c USING (rid) WHERE s.building_key IS NOT NULL""")


def resolve_addresses(engine: Engine) -> None:
    """``address_resolution``: each (entity, role, source, record) address to a property of the
    standard address library (``tmp_library``), or to a building of it.

    - ``resolved``: the dwelling key (place, building, room) meets one property's records,
      the unit and district not contradicting; among several, the one agreeing on more of
      district and unit wins. An address whose road or estate name the library knows only one
      character apart (read so by standardisation: ``name_as_written``) resolves with
      ``resolved_by`` ``one_character`` and a lower confidence. A
      building the library holds as one property without rooms (a village house, a public
      toilet) resolves an address that names it, with or without a room in it (a room of a
      house titled whole is that house). An address that leaves out the building the library
      gives resolves to the one flat of its room at the place (``building_missing``), and is
      ``ambiguous`` among several; so does an estate written without its phase where the
      library knows it only in phases or parts (``phase_missing``: 万科城市花园 for 万科城市花园1期
      and 2期, 翠苑 for 翠苑一区 and 二区), as does a door number written without the part of
      the estate that tells its buildings apart (std_door_part).
    - ``resolved_by`` ``other_district``: the dwelling key meets one flat only in another
      district than the one written (西湖区朝晖五区21幢1单元301, 朝晖五区 being in 拱墅区), none in
      the district written.
    - ``building``: the address names a building of the library (no room, a room or a unit it
      does not hold, or a description such as 附近: near it, not in a flat); ``building_key``
      says which.
    - ``ambiguous`` with ``candidates``: several properties fit equally (a flat number without
      its unit in a building with units; an estate named alone, its flats listed up to
      ESTATE_CANDIDATES, ``n_candidates`` counting them all); ``not_found``; ``outside_city``;
      ``incomplete`` (nothing to find a building by).

    ``confidence`` says how sure (CONFIDENCE); ``district_code`` is the address's, else the
    property's or building's.
    """
    people = _address_parts("std_person_addresses")
    parts = [f"""
        SELECT 'person' AS entity, c.person_id AS entity_id, '{role}' AS role, s.source, s.record_key,
               s.updated_at, a.*
        FROM std_person s JOIN cluster_person c USING (rid) JOIN ({people}) a ON a.address = s.{role}_address"""
             for role in ("residence", "registered")]
    parts.append(f"""
        SELECT 'enterprise', c.enterprise_id, 'site', s.source, s.record_key, s.updated_at, a.*
        FROM std_enterprise s JOIN cluster_enterprise c USING (rid)
        JOIN ({_address_parts("std_enterprise_addresses")}) a ON a.address = s.address
        WHERE s.mention IS NULL""")
    engine.create_table("tmp_addresses", " UNION ALL ".join(parts))
    cols = ", ".join(_PARTS)
    engine.create_table("tmp_address_parts", f"""
        SELECT *, rs_place(road, door_number, poi) AS place
        FROM (SELECT DISTINCT part_id, {cols} FROM tmp_addresses WHERE building_key IS NOT NULL AND in_city)""")
    _library(engine)
    engine.create_table("tmp_dwelling_candidates", f"""
        SELECT a.part_id, l.property_id,
               max({_AGREEMENT}) AS agreement,
               bool_and(a.unit IS NULL AND l.unit IS NOT NULL) AS unit_missing
        FROM tmp_address_parts a JOIN tmp_library l ON l.dwelling_key = a.dwelling_key AND {_COMPATIBLE}
        GROUP BY ALL""")
    # the flat's room at its place where the address leaves out the building the library gives
    # (高新公寓502: A座502 and B座502 both fit, or one flat does)
    engine.create_table("tmp_place_candidates", f"""
        SELECT a.part_id, l.property_id, max({_AGREEMENT}) AS agreement
        FROM tmp_address_parts a
        JOIN tmp_library l ON l.place = a.place AND l.room = a.room AND {_COMPATIBLE}
        WHERE a.building IS NULL AND l.building IS NOT NULL AND a.dwelling_key IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM tmp_dwelling_candidates d WHERE d.part_id = a.part_id)
        GROUP BY ALL""")
    # an estate written without its phase or part (万科城市花园3栋1单元1502, 翠苑12幢502) where the
    # library knows it only in parts (万科城市花园1期, 2期; 翠苑一区, 二区), or a door number whose
    # buildings the parts tell apart (std_door_part: 红锦大道148号1栋 of 鲁能星城二街区 or 四街区):
    # the flats of that building and room in every part
    flat = f"l.room = a.room AND {_COMPATIBLE} AND l.building IS NOT DISTINCT FROM a.building"
    engine.create_table("tmp_phase_candidates", f"""
        WITH open AS (
            SELECT * FROM tmp_address_parts a
            WHERE a.dwelling_key IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM tmp_dwelling_candidates d WHERE d.part_id = a.part_id)
        )
        SELECT part_id, property_id, max(agreement) AS agreement FROM (
            SELECT a.part_id, l.property_id, {_AGREEMENT} AS agreement
            FROM open a JOIN tmp_library l ON l.poi_stem = a.poi AND {flat}
            WHERE a.door_number IS NULL AND NOT EXISTS (SELECT 1 FROM tmp_library k WHERE k.place = a.place)
            UNION ALL
            -- at the door, one side without the part (the other's part, or any part)
            SELECT a.part_id, l.property_id, {_AGREEMENT}
            FROM open a JOIN tmp_library l ON l.place = a.place AND {flat}
            WHERE a.door_number IS NOT NULL AND a.place IN (SELECT place FROM {DOOR_PART_TABLE})
              AND l.dwelling_key <> a.dwelling_key
              AND (starts_with(a.building_key, a.place || '#') OR starts_with(l.building_key, l.place || '#')))
        GROUP BY ALL""")
    # the flat of the dwelling key in another district than the one written, where none fits in
    # that district (西湖区朝晖五区21幢1单元301: 朝晖五区 is in 拱墅区): a district written wrong
    engine.create_table("tmp_district_candidates", f"""
        SELECT a.part_id, l.property_id, 0 AS agreement
        FROM tmp_address_parts a JOIN tmp_library l ON l.dwelling_key = a.dwelling_key AND {_UNITS_AGREE}
        WHERE a.district_code IS NOT NULL AND l.district_code <> a.district_code
          AND NOT EXISTS (SELECT 1 FROM tmp_dwelling_candidates d WHERE d.part_id = a.part_id)
          AND NOT EXISTS (SELECT 1 FROM tmp_place_candidates d WHERE d.part_id = a.part_id)
          AND NOT EXISTS (SELECT 1 FROM tmp_phase_candidates d WHERE d.part_id = a.part_id)
        GROUP BY ALL""")
    # an estate named alone (翠苑一区; 九堡家园, known in its parts 一区 and 二区), no building or
    # room: any flat of its buildings, listed where there are ESTATE_CANDIDATES at most
    engine.create_table("tmp_estate_candidates", f"""
        WITH alone AS (SELECT * FROM tmp_address_parts a
                       WHERE a.building IS NULL AND a.room IS NULL AND a.descriptor IS NULL)
        SELECT part_id, count(DISTINCT property_id) AS n_properties,
               CASE WHEN count(DISTINCT property_id) <= {ESTATE_CANDIDATES}
                    THEN list(DISTINCT property_id ORDER BY property_id) END AS candidates
        FROM (SELECT a.part_id, l.property_id FROM alone a
              JOIN tmp_library l ON l.place = a.place AND {_DISTRICTS_AGREE} WHERE l.building IS NOT NULL
              UNION ALL
              SELECT a.part_id, l.property_id FROM alone a
              JOIN tmp_library l ON l.poi_stem = a.poi AND {_DISTRICTS_AGREE}
              WHERE a.door_number IS NULL AND l.building IS NOT NULL)
        GROUP BY part_id HAVING count(DISTINCT property_id) >= 2""")
    # per distinct building, unit and district written (far fewer than the addresses)
    engine.create_table("tmp_building_candidates", f"""
        WITH written AS (
            SELECT DISTINCT building_key, unit, district_code FROM tmp_address_parts a
            -- no building written where the place has numbered buildings: which one is not said
            WHERE building IS NOT NULL
               OR (a.place IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM tmp_library l WHERE l.place = a.place AND l.building IS NOT NULL))
        ), found AS (  -- a unit the building does not hold names the building still, no flat of it
            SELECT a.building_key, a.unit, a.district_code,
                   count(DISTINCT l.property_id) FILTER (WHERE {_UNITS_AGREE}) AS n_properties,
                   min(l.property_id) FILTER (WHERE {_UNITS_AGREE}) AS property_id,
                   bool_and(l.dwelling_key IS NULL) FILTER (WHERE {_UNITS_AGREE}) AS roomless,
                   CASE WHEN count(DISTINCT l.district_code) = 1 THEN min(l.district_code) END AS b_district_code
            FROM written a JOIN tmp_library l ON l.building_key = a.building_key AND {_DISTRICTS_AGREE}
            GROUP BY ALL
        )
        SELECT a.part_id, f.n_properties, f.property_id, f.roomless, f.b_district_code AS district_code
        FROM tmp_address_parts a JOIN found f ON f.building_key = a.building_key
         AND f.unit IS NOT DISTINCT FROM a.unit AND f.district_code IS NOT DISTINCT FROM a.district_code""")
    c = CONFIDENCE
    engine.create_table("tmp_resolved", f"""
        WITH flats AS (
            SELECT d.part_id, CASE WHEN a.name_as_written IS NULL THEN 'address' ELSE 'one_character' END AS resolved_by,
                   d.property_id, coalesce(d.agreement, 0) AS agreement, d.unit_missing
            FROM tmp_dwelling_candidates d JOIN tmp_address_parts a USING (part_id)
            UNION ALL
            SELECT part_id, 'building_missing', property_id, coalesce(agreement, 0), false FROM tmp_place_candidates
            UNION ALL
            SELECT part_id, 'phase_missing', property_id, coalesce(agreement, 0), false FROM tmp_phase_candidates
            UNION ALL
            SELECT part_id, 'other_district', property_id, agreement, false FROM tmp_district_candidates
        ), top AS (
            SELECT *, max(agreement) OVER (PARTITION BY part_id) AS top FROM flats
        ), best AS (
            SELECT part_id, any_value(resolved_by) AS resolved_by, count(*) AS n_candidates,
                   count(*) FILTER (WHERE agreement = top) AS n_top,
                   min(property_id) FILTER (WHERE agreement = top) AS property_id,
                   list(property_id ORDER BY property_id) FILTER (WHERE agreement = top) AS top_candidates,
                   bool_or(unit_missing) FILTER (WHERE agreement = top) AS unit_missing
            FROM top GROUP BY part_id
        )
        SELECT a.part_id,
               CASE WHEN a.descriptor IS NOT NULL THEN CASE WHEN g.part_id IS NOT NULL THEN 'building' ELSE 'not_found' END
                    WHEN b.n_top = 1 THEN 'resolved'
                    WHEN b.n_top > 1 THEN 'ambiguous'
                    WHEN whole THEN 'resolved'
                    WHEN g.part_id IS NOT NULL THEN 'building'
                    WHEN e.part_id IS NOT NULL THEN 'ambiguous'
                    WHEN a.dwelling_key IS NULL AND a.building IS NULL THEN 'incomplete'
                    ELSE 'not_found' END AS resolution,
               coalesce(b.n_candidates, e.n_properties) AS n_candidates, b.n_top,
               coalesce(b.top_candidates, e.candidates) AS top_candidates, g.n_properties,
               CASE WHEN b.n_top >= 1 THEN b.resolved_by
                    WHEN whole THEN 'whole_building' END
                   AS resolved_by,
               CASE WHEN b.n_top >= 1 THEN b.property_id ELSE g.property_id END AS property_id,
               CAST(CASE WHEN b.n_top = 1 AND b.resolved_by = 'one_character' THEN {c["one_character"]}
                    WHEN b.n_top = 1 AND b.resolved_by = 'building_missing' THEN {c["building_missing"]}
                    WHEN b.n_top = 1 AND b.resolved_by = 'phase_missing' THEN {c["phase_missing"]}
                    WHEN b.n_top = 1 AND b.resolved_by = 'other_district' THEN {c["other_district"]}
                    WHEN b.n_top = 1 AND b.unit_missing THEN {c["unit_missing"]}
                    WHEN b.n_top = 1 THEN {c["exact"]}
                    WHEN b.n_top > 1 THEN 1.0 / b.n_top
                    WHEN whole THEN {c["whole_building"]}
                    WHEN g.part_id IS NOT NULL THEN {c["building"]}
                    WHEN e.part_id IS NOT NULL THEN 1.0 / e.n_properties END AS DOUBLE) AS confidence,
               g.district_code AS building_district_code
        FROM (SELECT a.*, coalesce(g.n_properties = 1 AND g.roomless, false) AS whole
              FROM tmp_address_parts a LEFT JOIN tmp_building_candidates g USING (part_id)) a
        LEFT JOIN best b USING (part_id) LEFT JOIN tmp_building_candidates g USING (part_id)
        LEFT JOIN tmp_estate_candidates e USING (part_id)""")
    engine.create_table("address_resolution", """
        SELECT t.entity, t.entity_id, t.role, t.source, t.record_key, t.updated_at, t.address,
               coalesce(t.district_code, pg.district_code, r.building_district_code) AS district_code,
               t.dwelling_key, t.building_key,
               CASE WHEN r.resolution = 'resolved' THEN r.property_id END AS property_id,
               coalesce(r.n_candidates, r.n_properties, 0) AS n_candidates,
               CASE WHEN r.resolution = 'ambiguous' THEN r.top_candidates END AS candidates,
               CASE WHEN r.resolution = 'resolved' THEN r.resolved_by END AS resolved_by,
               CASE WHEN r.resolution IS NOT NULL THEN r.resolution
                    WHEN NOT coalesce(t.in_city, true) THEN 'outside_city'
                    WHEN t.building_key IS NULL THEN 'incomplete'
                    ELSE 'not_found' END AS resolution,
               r.confidence
        FROM tmp_addresses t
        -- an address of another city with the same parts as one of this city is not that one
        LEFT JOIN tmp_resolved r ON r.part_id = t.part_id AND coalesce(t.in_city, true)
        LEFT JOIN property_golden pg ON pg.property_id = r.property_id AND r.resolution = 'resolved'""")
    for table in ("tmp_addresses", "tmp_address_parts", "tmp_library", "tmp_dwelling_candidates", "tmp_place_candidates",
                  "tmp_phase_candidates", "tmp_district_candidates", "tmp_estate_candidates", "tmp_building_candidates",
                  "tmp_resolved"):
        engine.drop(table)


def _best_evidence(engine: Engine, config: Config, role: str, entity: str, rules: list[str], out: str) -> None:
    """The resolved address of ``role`` each entity's best record gives, ranked by ``rules``;
    ``n_evidence`` resolved addresses of that role, pointing at ``n_properties`` properties."""
    key = f"{entity}_id"
    order = ", ".join([ORDER_KEYS[r] for r in rules if r in ("source_priority", "most_recent", "most_frequent")]
                      + ["source", "record_key"])
    engine.create_table(out, f"""
        SELECT entity_id AS {key}, property_id, source AS basis, record_key, updated_at::DATE AS as_of,
               n_evidence, n_properties
        FROM (
            SELECT r.*, p.source_rank, count(*) OVER (PARTITION BY entity_id, property_id) AS frequency,
                   count(*) OVER (PARTITION BY entity_id) AS n_evidence,
                   count(DISTINCT property_id) OVER (PARTITION BY entity_id) AS n_properties,
                   row_number() OVER (PARTITION BY entity_id ORDER BY {order}) AS rank
            FROM address_resolution r JOIN {_source_ranks_sql(config)} USING (source)
            WHERE r.entity = {quote_literal(entity)} AND r.role = {quote_literal(role)} AND r.resolution = 'resolved')
        WHERE rank = 1""")


def settle_residences(engine: Engine, config: Config) -> None:
    """Residence addresses that do not name one flat are settled where the person's own
    records or household do. A statement admits properties: an ``ambiguous`` one its
    candidates (502 without its unit); a ``building`` one without a room or descriptor the
    building's flats that fit the unit and floor it gives (1栋2单元, 2楼), and any property the
    library holds there without a room (that could be any flat). Among the properties every
    such statement of the person admits,

    - the only one, where two or more statements and one naming a room agree
      (1栋2单元 and 1栋403: 2单元403), is ``statements_agree``;
    - else the only one the person is tied to: their ``registered_property``, an
      ``owned_property``, or the residence of a ``household`` member (someone registered at
      the same property, a household of no more than ``relations.max_residents_per_dwelling``,
      whose own statement names the flat).

    Each settled statement gets the property, ``resolved_by`` and its confidence."""
    limit = config.relations.max_residents_per_dwelling
    engine.create_table("tmp_admitted", """
        WITH library AS (
            SELECT c.property_id, s.building_key,
                   list(DISTINCT s.unit) FILTER (WHERE s.unit IS NOT NULL) AS units,
                   list(DISTINCT s.floor) FILTER (WHERE s.floor IS NOT NULL) AS floors,
                   bool_or(s.dwelling_key IS NOT NULL) AS has_room
            FROM std_property s JOIN cluster_property c USING (rid)
            WHERE s.building_key IS NOT NULL GROUP BY ALL
        ), parts AS (
            SELECT address, any_value(unit) AS unit, any_value(floor) AS floor, any_value(room) AS room,
                   any_value(descriptor) AS descriptor
            FROM std_person_addresses GROUP BY address
        ), open AS (
            SELECT a.entity_id, a.source, a.record_key, a.resolution, a.building_key, a.candidates,
                   p.unit, p.floor, p.room, p.descriptor
            FROM address_resolution a JOIN parts p USING (address)
            WHERE a.entity = 'person' AND a.role = 'residence' AND a.resolution IN ('ambiguous', 'building')
        )
        SELECT entity_id, source, record_key, concat_ws(chr(31), source, record_key) AS statement,
               true AS names_room, unnest(candidates) AS property_id
        FROM open WHERE resolution = 'ambiguous'
        UNION ALL
        SELECT o.entity_id, o.source, o.record_key, concat_ws(chr(31), o.source, o.record_key), false, l.property_id
        FROM open o JOIN library l ON l.building_key = o.building_key
         AND (NOT l.has_room OR ((o.unit IS NULL OR coalesce(array_length(l.units), 0) = 0 OR list_contains(l.units, o.unit))
                                 AND (o.floor IS NULL OR list_contains(l.floors, o.floor))))
        WHERE o.resolution = 'building' AND o.room IS NULL AND o.descriptor IS NULL""")
    engine.create_table("tmp_settled", f"""
        WITH statements AS (
            SELECT *, count(DISTINCT statement) OVER (PARTITION BY entity_id) AS n_statements,
                   bool_or(names_room) OVER (PARTITION BY entity_id) AS any_room
            FROM tmp_admitted
        ), common AS (  -- the properties every statement of the person admits
            SELECT entity_id, property_id, any_value(n_statements) AS n_statements, bool_or(any_room) AS any_room
            FROM statements GROUP BY entity_id, property_id
            HAVING count(DISTINCT statement) = any_value(n_statements)
        ), agree AS (
            SELECT entity_id, min(property_id) AS property_id, 'statements_agree' AS resolved_by
            FROM common WHERE n_statements >= 2 AND any_room GROUP BY entity_id HAVING count(*) = 1
        ), households AS (  -- the people registered together at a property, a household's number at most
            SELECT person_id, property_id FROM person_registered_property WHERE property_id IN (
                SELECT property_id FROM person_registered_property GROUP BY property_id
                HAVING count(*) BETWEEN 2 AND {limit})
        ), ties AS (
            SELECT person_id, property_id, 1 AS rank, 'registered_property' AS tie FROM person_registered_property
            UNION ALL
            SELECT person_id, property_id, 2, 'owned_property' FROM property_owner WHERE person_id IS NOT NULL AND current
            UNION ALL
            SELECT r.person_id, a.property_id, 3, 'household'
            FROM households r JOIN households m ON m.property_id = r.property_id AND m.person_id <> r.person_id
            JOIN address_resolution a ON a.entity_id = m.person_id
             AND a.entity = 'person' AND a.role = 'residence' AND a.resolution = 'resolved'
        ), tied AS (
            SELECT c.entity_id, min(t.property_id) AS property_id, arg_min(t.tie, t.rank) AS resolved_by
            FROM common c JOIN ties t ON t.person_id = c.entity_id AND t.property_id = c.property_id
            WHERE NOT EXISTS (SELECT 1 FROM agree g WHERE g.entity_id = c.entity_id)
            GROUP BY c.entity_id HAVING count(DISTINCT t.property_id) = 1
        )
        SELECT * FROM agree UNION ALL SELECT * FROM tied""")
    confidence = " ".join(f"WHEN '{k}' THEN {CONFIDENCE[k]}"
                          for k in ("statements_agree", "registered_property", "owned_property", "household"))
    engine.execute(f"""
        UPDATE address_resolution a SET property_id = s.property_id, resolution = 'resolved',
               resolved_by = s.resolved_by, confidence = CAST(CASE s.resolved_by {confidence} END AS DOUBLE)
        FROM (SELECT DISTINCT d.source, d.record_key, t.property_id, t.resolved_by
              FROM tmp_settled t JOIN tmp_admitted d ON d.entity_id = t.entity_id AND d.property_id = t.property_id) s
        WHERE a.entity = 'person' AND a.role = 'residence' AND a.source = s.source AND a.record_key = s.record_key""")
    engine.drop("tmp_admitted")
    engine.drop("tmp_settled")


def relate_people(engine: Engine, config: Config) -> None:
    """Registered property, then the residence (the person's other statements, registration,
    ownership and household settle an address that does not name one flat), then employers."""
    if not engine.has_table("person_golden"):
        return
    rules = person_rules(config)
    _best_evidence(engine, config, "registered", "person", rules["registered_address"], "person_registered_property")
    settle_residences(engine, config)
    # Only a stated residence counts: on the demo city a household-registration address
    # stood for the residence of people nobody surveyed in 72% of cases, too few to guess by.
    _best_evidence(engine, config, "residence", "person", rules["residence_address"], "person_residence")
    engine.create_table("person_employer", """
        SELECT DISTINCT c.person_id, m.enterprise_id, s.source, s.record_key
        FROM std_person s JOIN cluster_person c USING (rid)
        JOIN enterprise_mentions m ON m.role = 'employer' AND m.source = s.source
         AND m.name IS NOT DISTINCT FROM s.employer_name AND m.uscc IS NOT DISTINCT FROM s.employer_uscc""")


def relate_enterprises(engine: Engine, config: Config) -> None:
    if not engine.has_table("enterprise_golden"):
        return
    rules = entity_rules(config, "enterprise", DEFAULT_ENTERPRISE_RULES)
    _best_evidence(engine, config, "site", "enterprise", rules["address"], "enterprise_site")
    # The representative: by ID number (any record of the person), else by name among the
    # people tied to the enterprise's records (its employees, the residents of its site).
    engine.create_table("enterprise_legal_rep", """
        WITH by_id AS (
            SELECT g.enterprise_id, p.person_id, p.n
            FROM enterprise_golden g JOIN tmp_person_by_id p ON p.id_number = g.legal_rep_id_number
        ), tied AS (
            SELECT enterprise_id, person_id FROM person_employer
            UNION SELECT e.enterprise_id, r.person_id FROM enterprise_site e JOIN person_residence r USING (property_id)
        ), by_name AS (
            SELECT g.enterprise_id, min(t.person_id) AS person_id, count(DISTINCT t.person_id) AS n
            FROM enterprise_golden g JOIN tied t USING (enterprise_id) JOIN person_golden p USING (person_id)
            WHERE p.name = g.legal_rep_name GROUP BY g.enterprise_id
        )
        SELECT g.enterprise_id,
               CASE WHEN i.n = 1 THEN i.person_id WHEN i.n IS NULL AND n.n = 1 THEN n.person_id END AS person_id,
               g.legal_rep_name, g.legal_rep_id_number,
               CASE WHEN i.n = 1 THEN 'id_number' WHEN i.n IS NULL AND n.n = 1 THEN 'name_at_enterprise' END
                   AS basis,
               CASE WHEN i.n > 1 OR (i.n IS NULL AND n.n > 1) THEN 'ambiguous'
                    WHEN i.n IS NULL AND n.n IS NULL THEN 'not_found' END AS reason
        FROM enterprise_golden g LEFT JOIN by_id i USING (enterprise_id) LEFT JOIN by_name n USING (enterprise_id)
        WHERE g.legal_rep_name IS NOT NULL OR g.legal_rep_id_number IS NOT NULL""")


def relate_owners(engine: Engine) -> None:
    if not engine.has_table("property_golden") or not engine.has_table("cluster_person"):
        return
    # One row per property record naming an owner: the person by ID number (or, for an ID
    # one digit off, by name and that ID), the enterprise by the owner mention it was linked
    # as; ``current`` marks each property's latest record.
    engine.create_table("property_owner", """
        WITH by_id AS (SELECT * FROM tmp_person_by_id), unmatched AS (
            -- a mistyped citizen ID can look like a USCC: next to a person's name it is read as an ID
            SELECT rid, owner_name, coalesce(owner_id_number, owner_uscc) AS owner_id_number FROM std_property
            WHERE coalesce(owner_id_number, owner_uscc) IS NOT NULL AND length(owner_name) < 5
              AND (owner_id_number IS NULL OR NOT EXISTS (SELECT 1 FROM by_id b WHERE b.id_number = owner_id_number))
        ), by_name AS (
            SELECT u.rid, min(c.person_id) AS person_id, count(DISTINCT c.person_id) AS n
            FROM unmatched u JOIN std_person s ON s.name_std = u.owner_name
            JOIN cluster_person c ON c.rid = s.rid
            WHERE damerau_levenshtein(s.id_number, u.owner_id_number) <= 1 GROUP BY u.rid
        )
        SELECT x.property_id,
               CASE WHEN p.n = 1 THEN p.person_id WHEN f.n = 1 THEN f.person_id END AS person_id, o.enterprise_id,
               s.source, s.record_key, s.owner_name,
               CASE WHEN o.enterprise_id IS NOT NULL THEN 'enterprise_mention'
                    WHEN p.n = 1 THEN 'id_number' WHEN f.n = 1 THEN 'name_and_id_one_digit_off' END AS basis,
               s.updated_at::DATE AS as_of,
               row_number() OVER (PARTITION BY x.property_id
                                  ORDER BY s.updated_at DESC NULLS LAST, s.record_key DESC) = 1 AS current
        FROM std_property s JOIN property_xref x USING (rid)
        LEFT JOIN by_id p ON p.id_number = s.owner_id_number
        LEFT JOIN by_name f ON f.rid = s.rid
        LEFT JOIN enterprise_mentions o ON o.role = 'owner' AND o.source = s.source AND o.name IS NOT DISTINCT FROM s.owner_name
             AND o.uscc IS NOT DISTINCT FROM s.owner_uscc
        WHERE s.owner_name IS NOT NULL OR s.owner_id_number IS NOT NULL OR s.owner_uscc IS NOT NULL""")


def active_occupants_sql(entity: str) -> str:
    """Per property, its active residents (``person``) or the active enterprises it houses
    (``enterprise``): ``property_id, n, ids``."""
    table = "person_residence" if entity == "person" else "enterprise_site"
    return f"""
        SELECT property_id, count(*) AS n, list({entity}_id ORDER BY {entity}_id) AS ids
        FROM {table} JOIN {entity}_golden g USING ({entity}_id)
        WHERE g.status = 'active' GROUP BY property_id"""


def flag_occupancy(engine: Engine, config: Config) -> None:
    if not engine.has_table("property_golden") or not engine.has_table("person_residence"):
        return
    limits = config.relations
    engine.create_table("property_occupancy", f"""
        WITH residents AS ({active_occupants_sql("person")}), firms AS ({active_occupants_sql("enterprise")})
        SELECT p.property_id, 'resident_in_non_dwelling' AS anomaly, r.n AS n_entities, 'person' AS entity,
               r.ids AS entity_ids, p.use, p.district_code, p.address, NULL::INT AS "limit"
        FROM residents r JOIN property_golden p USING (property_id) WHERE NOT p.is_dwelling
        UNION ALL
        SELECT p.property_id, 'over_occupied', r.n, 'person', r.ids, p.use, p.district_code, p.address,
               {limits.max_residents_per_dwelling}
        FROM residents r JOIN property_golden p USING (property_id)
        WHERE coalesce(p.is_dwelling, true) AND r.n > {limits.max_residents_per_dwelling}
        UNION ALL
        SELECT p.property_id, 'cluster_registration', f.n, 'enterprise', f.ids, p.use, p.district_code, p.address,
               {limits.max_enterprises_per_property}
        FROM firms f JOIN property_golden p USING (property_id) WHERE f.n > {limits.max_enterprises_per_property}
        ORDER BY 2, 3 DESC, 1""")


def relate(engine: Engine, config: Config) -> None:
    resolve_addresses(engine)
    if not engine.has_table("address_resolution"):
        return
    # every person's cluster by the ID numbers their records carry: for owners and representatives
    engine.create_table("tmp_person_by_id", """
        SELECT s.id_number, min(c.person_id) AS person_id, count(DISTINCT c.person_id) AS n
        FROM std_person s JOIN cluster_person c USING (rid) WHERE s.id_number IS NOT NULL GROUP BY 1""")
    relate_owners(engine)
    relate_people(engine, config)
    apply_residence_overrides(engine, entries_from_log(engine), config.snapshot_date)
    relate_enterprises(engine, config)
    flag_occupancy(engine, config)
    engine.drop("tmp_person_by_id")
