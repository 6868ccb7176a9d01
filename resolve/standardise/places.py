"""The city's standard address library (标准地址库): the places the property departments know,
and the other names they know them by.

A property office writes 华夏路29号碧海花园3栋502; a grid worker, a school or the housing bureau
write 碧海花园3栋502, or the estate's other name. The place a building stands at is its road and
door number (rs_place); an estate's name stands for it only where no door number is written.
The property departments' records that carry both teach which road and door number an
estate's name (and each of its buildings) stands at:

- ``learn_place_aliases`` writes ``std_place_alias(poi, building, road, door_number,
  district_code, n)`` from ``std_property``: one row per estate name (and building: NULL for
  the estate as a whole) that points at exactly one road and door number (within a district:
  the same name in two districts is two estates). A name seen at several places is no alias.
- ``fill_places`` gives the rows of an address table that name an estate but no door number
  the road and door number of its alias, building first, then the estate, and rewrites their
  building and dwelling keys, so that every department's record of a flat carries one key.

build_address_table calls fill_places on every table it writes once the alias table exists
(the property sources are standardised first), and so does a lookup on its one-row table: one
implementation for the pipeline and the lookup.
"""

from __future__ import annotations

from resolve.engine import Engine, quote_ident

ALIAS_TABLE = "std_place_alias"


def learn_place_aliases(engine: Engine, table: str = "std_property") -> None:
    """``std_place_alias`` from the rows of ``table`` that carry a door number and an estate name."""
    engine.create_table(ALIAS_TABLE, f"""
        WITH seen AS (
            SELECT poi, building, road, door_number, district_code FROM {quote_ident(table)}
            WHERE poi IS NOT NULL AND door_number IS NOT NULL AND in_city
            UNION ALL
            SELECT poi, NULL, road, door_number, district_code FROM {quote_ident(table)}
            WHERE poi IS NOT NULL AND door_number IS NOT NULL AND in_city
        ), places AS (
            SELECT poi, building, road, door_number, district_code, count(*) AS n
            FROM seen GROUP BY ALL
        )
        SELECT p.* FROM places p
        -- one place per name (and building) in a district, and per name across the city where
        -- a record leaves the district out
        WHERE (SELECT count(DISTINCT (q.road, q.door_number)) FROM places q
               WHERE q.poi = p.poi AND q.building IS NOT DISTINCT FROM p.building
                 AND (q.district_code IS NOT DISTINCT FROM p.district_code
                      OR q.district_code IS NULL OR p.district_code IS NULL)) = 1""")


def fill_places(engine: Engine, table: str) -> None:
    """Road and door number from ``std_place_alias`` for the rows of ``table`` that name an
    estate but no door number; their keys rewritten with rs_building_key / rs_dwelling_key."""
    if not engine.has_table(ALIAS_TABLE):
        return
    t = quote_ident(table)
    engine.execute(f"""
        UPDATE {t} AS t SET road = f.road, door_number = f.door_number,
               building_key = rs_building_key(f.road, f.door_number, t.poi, t.building, t.room),
               dwelling_key = rs_dwelling_key(f.road, f.door_number, t.poi, t.building, t.room)
        FROM (
            SELECT poi, building, district_code, arg_max(road, level) AS road, arg_max(door_number, level) AS door_number
            FROM (
                SELECT r.poi, r.building, r.district_code, a.road, a.door_number,
                       CASE WHEN a.building IS NULL THEN 1 ELSE 2 END AS level,
                       count(DISTINCT (a.road, a.door_number)) OVER (
                           PARTITION BY r.poi, r.building, r.district_code, a.building IS NULL) AS n_places
                FROM (SELECT DISTINCT poi, building, district_code FROM {t}
                      WHERE door_number IS NULL AND poi IS NOT NULL) r
                JOIN {ALIAS_TABLE} a ON a.poi = r.poi
                 AND (a.building IS NULL OR a.building = r.building)
                 AND (r.district_code IS NULL OR a.district_code IS NULL OR a.district_code = r.district_code))
            WHERE n_places = 1
            GROUP BY ALL
        ) f
        WHERE t.door_number IS NULL AND t.poi = f.poi AND t.building IS NOT DISTINCT FROM f.building
          AND t.district_code IS NOT DISTINCT FROM f.district_code""")
