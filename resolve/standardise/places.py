"""The city's standard address library (标准地址库): the places the property departments know,
and the other names they know them by.

A property office writes 华夏路29号碧海花园3栋502; a grid worker, a school or the housing bureau
write 碧海花园3栋502, or the estate's other name. A title records a village house by its 门牌
(路名 龙翔二路, 门牌号 43号) and its 坐落 as 墩头村二坊3号; a grid worker writes the lane address
alone. The place a building stands at is its road and door number (rs_place); the property
departments' records that carry both names teach which road and door number another name stands
for:

- ``learn_place_aliases`` writes ``std_place_alias(name, building, road, door_number,
  district_code, n)`` from ``std_property``: an estate's name (and each of its buildings;
  building NULL for the estate as a whole) written with a door number, and a house's lane
  address written beside the 门牌 its title's columns give (``text_place``). A name is an alias
  of the place that at least nine in ten of the records naming it give, or all but one where
  three or more give it (one typo or a stale record does not unlearn it), within a district (the same name in two districts is two
  estates). A name that is itself the 门牌 of a record's columns is no alias.
- ``std_place_name(name, kind, district_code, n)``: the roads (kind ``road``; a village and its
  lane too) and estate names (``poi``) the property records name, by which
  strip_division_prefix tells a district's or street's short name written before a place
  (桂园五和路, 坪山富华华庭) from a road named after its town (沙井市场路).
- ``correct_place_names``: a road (a village and its lane too) or an estate name the library
  does not know, one character replaced, left out or added from exactly one name it knows in
  the district (阳树花园 / 红树花园, 岗围新村 / 岗厦新村, 白石洲3巷 / 白石洲村3巷), is read as
  that name, where the character is none that tells places apart (a number, a numeral, a
  direction: 莲花一村 / 莲花二村, 上沙村 / 下沙村 stay two); ``name_as_written``
  keeps what was written (relate gives such a resolution a lower confidence). In the property
  records themselves only a rare name is corrected, and only where the common name holds the
  same flat: two real estates a character apart must stay two.
- ``std_floor_flat(building_key)``: the buildings let floor by floor (``learn_floor_flats``):
  a department records a floor of it as a dwelling (石牌东路27巷55号6楼), no record gives it
  units, and every room it records is the first of its floor (201, 401). There a floor and its
  first flat are one dwelling, written either way (5楼, 501房, 五楼): ``key_floor_flats`` keys
  such a flat by its floor, in the property records and in every address table.
- ``std_village_road(village, road, district_code, shared, n)``: a village whose lanes the
  property office records under a road named after it (石牌村27巷55号 is 石牌东路27巷55号:
  people say the village, the 门牌 says the road), learned by ``learn_village_roads``
  (addresses.py) where at least half of the houses the library holds on the village's lanes,
  and two at the least, it also holds on that road's lanes of the same number, and no other
  road named after the village shares them; ``village_roads`` writes the road's lane for the
  village's, in the property records and in every address table.
- ``std_door_part(place)``: the door numbers where the records name two parts of an estate or
  more (期, 区, 街区, 组团: ESTATE_PART), whose buildings the part tells apart
  (``learn_door_parts``, ``key_door_parts``).
- ``estate_of_community``: a building written after a community named after its estate and no
  place (翠苑一区社区12幢) is a building of that estate.
- ``unit_of_building``: at a door whose records number units and no buildings, a building
  number written without a unit is the unit (3-4-3 there is 3单元4-3).
- ``fill_places`` gives the rows of an address table that are written with such a name (an
  estate and no door number, or a lane address) the road and door number it stands for,
  building first, then the estate, and rewrites their building and dwelling keys, so that
  every department's record of a flat carries one key.

build_address_table calls fill_places, village_roads, key_door_parts and key_floor_flats on every table it writes once the alias table exists
(the property sources are standardised first), and so does a lookup on its one-row table: one
implementation for the pipeline and the lookup.
"""

from __future__ import annotations

from resolve.engine import Engine, quote_ident

ALIAS_TABLE = "std_place_alias"
NAME_TABLE = "std_place_name"
FLOOR_TABLE = "std_floor_flat"
VILLAGE_ROAD_TABLE = "std_village_road"
DOOR_PART_TABLE = "std_door_part"
LIBRARY_TABLES = (ALIAS_TABLE, NAME_TABLE, FLOOR_TABLE, VILLAGE_ROAD_TABLE, DOOR_PART_TABLE)
# a numbered part of an estate at the end of its name: a phase (万科城市花园2期), a 区 (翠苑一区,
# 古荡新村西区), a 街区 (鲁能星城四街区), a 组团 (numerals as build_address_table writes them)
ESTATE_PART = "[0-9]+(?:期|街区|组团)|[一二三四五六七八九十]+区|[东西南北中]区"
DOMINANCE = 0.9  # the share of a name's records that must give one place for it to be an alias
# the names a place is written by: a road (a village and its lane too), and an estate's name where
# no door number is written; (column, kind, the rows that have it, on alias t)
NAMED = (("road", "road", "true"), ("poi", "poi", "t.door_number IS NULL"))


def place_names_sql(table: str, where: str = "true") -> str:
    """(name, kind, district_code, n): the names (NAMED) the rows of ``table`` write, with how
    many rows write each; std_place_name, or the table itself while the library is built."""
    rows = " UNION ALL ".join(
        f"SELECT {column} AS name, '{kind}' AS kind, district_code FROM {table} t "
        f"WHERE {column} IS NOT NULL AND {has} AND {where}" for column, kind, has in NAMED)
    return f"SELECT name, kind, district_code, count(*) AS n FROM ({rows}) GROUP BY ALL"


def rekeyed(road: str, door: str, poi: str, building: str = "t.building") -> str:
    """The SET clause rewriting a row's (alias t) building and dwelling keys for a new place."""
    return (f"building_key = rs_building_key({road}, {door}, {poi}, {building}, t.room), "
            f"dwelling_key = rs_dwelling_key({road}, {door}, {poi}, {building}, t.floor, t.room)")


def learn_place_aliases(engine: Engine, table: str = "std_property") -> None:
    """``std_place_alias`` from the rows of ``table`` that carry a place under two names."""
    t = quote_ident(table)
    engine.create_table(ALIAS_TABLE, f"""
        WITH seen AS (
            SELECT poi AS name, building, road, door_number, district_code FROM {t}
            WHERE poi IS NOT NULL AND door_number IS NOT NULL AND in_city
            UNION ALL
            SELECT poi, NULL, road, door_number, district_code FROM {t}
            WHERE poi IS NOT NULL AND door_number IS NOT NULL AND in_city
            UNION ALL
            SELECT text_place, NULL, road, door_number, district_code FROM {t}
            WHERE text_place IS NOT NULL AND in_city
        ), places AS (
            SELECT name, building, road, door_number, district_code, count(*) AS n FROM seen GROUP BY ALL
        ), shares AS (
            -- the records naming it in its district, and across the city where a record leaves
            -- the district out
            SELECT p.*, (SELECT sum(q.n) FROM places q
                         WHERE q.name = p.name AND q.building IS NOT DISTINCT FROM p.building
                           AND (q.district_code IS NOT DISTINCT FROM p.district_code
                                OR q.district_code IS NULL OR p.district_code IS NULL)) AS n_name
            FROM places p
        )
        SELECT name, building, road, door_number, district_code, n FROM shares p
        WHERE (n >= {DOMINANCE} * n_name OR (n >= 3 AND n_name - n <= 1))
          AND name NOT IN (SELECT rs_place(road, door_number, NULL) FROM {t} WHERE door_from_columns)
          -- an estate's name without its phase (or 区, 街区) where parts of it stand elsewhere (万科城市花园
          -- beside 万科城市花园1期 and 2期 at two door numbers) names none of them
          AND NOT EXISTS (SELECT 1 FROM places q
                          WHERE starts_with(q.name, p.name)
                            AND regexp_full_match(substr(q.name, length(p.name) + 1), '{ESTATE_PART}')
                            AND (q.road, q.door_number) IS DISTINCT FROM (p.road, p.door_number))""")
    engine.create_table(NAME_TABLE, f"""
        SELECT name, kind, district_code, sum(n)::BIGINT AS n FROM (
            {place_names_sql(t, "in_city")}
            -- an estate's name the library knows by its door numbers, one or one a building
            UNION ALL SELECT name, 'poi', district_code, greatest(count(*) FILTER (WHERE building IS NULL), 1)
                      FROM {ALIAS_TABLE} GROUP BY ALL)
        GROUP BY ALL""")


def _name(prefix: str) -> str:
    """The name a row is written with: its estate where no door number is written (or what was
    read as a road there: 时代天街1栋 is an estate named like a street), else its place."""
    return (f"CASE WHEN {prefix}door_number IS NULL THEN coalesce({prefix}poi, {prefix}road) "
            f"ELSE rs_place({prefix}road, {prefix}door_number, NULL) END")


def fill_places(engine: Engine, table: str) -> None:
    """Road and door number from ``std_place_alias`` for the rows of ``table`` written with
    another name of their place (an estate's name and no door number, a lane address); their
    keys rewritten with rs_building_key / rs_dwelling_key."""
    if not engine.has_table(ALIAS_TABLE):
        return
    t = quote_ident(table)
    engine.execute(f"""
        UPDATE {t} AS t SET road = f.road, door_number = f.door_number, {rekeyed("f.road", "f.door_number", "t.poi")}
        FROM (
            SELECT name, building, district_code, arg_max(road, level) AS road, arg_max(door_number, level) AS door_number
            FROM (
                SELECT r.name, r.building, r.district_code, a.road, a.door_number,
                       CASE WHEN a.building IS NULL THEN 1 ELSE 2 END AS level,
                       count(DISTINCT (a.road, a.door_number)) OVER (
                           PARTITION BY r.name, r.building, r.district_code, a.building IS NULL) AS n_places
                FROM (SELECT DISTINCT {_name("")} AS name, building, district_code FROM {t}
                      WHERE in_city AND coalesce(door_number, poi, road) IS NOT NULL) r
                JOIN {ALIAS_TABLE} a ON a.name = r.name
                 AND (a.building IS NULL OR a.building = r.building)
                 AND (r.district_code IS NULL OR a.district_code IS NULL OR a.district_code = r.district_code))
            WHERE n_places = 1
            GROUP BY ALL
        ) f
        WHERE t.in_city AND coalesce(t.door_number, t.poi, t.road) IS NOT NULL
          AND {_name("t.")} = f.name
          AND t.building IS NOT DISTINCT FROM f.building
          AND t.district_code IS NOT DISTINCT FROM f.district_code""")


def fill_building_from_place(engine: Engine, table: str = "std_property") -> None:
    """The building of a flat whose record leaves it out at a door number where every record
    naming a building names the same one: an estate that gives each
    building a door number of its own (龙口西路200号 is 骏景花园一期1栋; the title's 幢号 says 1栋,
    the rental register writes 龙口西路200号803房). Records without a room (a house or facility
    titled whole) are left as they are; keys rewritten."""
    t = quote_ident(table)
    engine.execute(f"""
        UPDATE {t} AS t SET building = s.building, {rekeyed("t.road", "t.door_number", "t.poi", "s.building")}
        FROM (SELECT road, door_number, district_code, min(building) AS building
              FROM {t} WHERE in_city AND door_number IS NOT NULL
              GROUP BY road, door_number, district_code
              HAVING count(DISTINCT building) = 1) s
        WHERE t.in_city AND t.building IS NULL AND t.room IS NOT NULL
          AND t.road IS NOT DISTINCT FROM s.road AND t.door_number = s.door_number
          AND t.district_code IS NOT DISTINCT FROM s.district_code""")


def _estate_part(poi: str) -> str:
    return f"regexp_extract({poi}, '({ESTATE_PART})$', 1)"


def estate_of_community(engine: Engine, table: str) -> None:
    """The rows of ``table`` that give a building and no place after a community named after
    its estate (翠苑一区社区12幢3单元502: the estate is 翠苑一区) take that estate, where the
    library (std_place_name) knows it; keys rewritten."""
    if not engine.has_table(NAME_TABLE):
        return
    estate = "regexp_replace(t.community, '社区$', '')"
    engine.execute(f"""
        UPDATE {quote_ident(table)} AS t SET poi = {estate}, {rekeyed("t.road", "t.door_number", estate)}
        WHERE t.in_city AND t.road IS NULL AND t.door_number IS NULL AND t.poi IS NULL
          AND t.building IS NOT NULL AND t.community IS NOT NULL
          AND {estate} IN (SELECT name FROM {NAME_TABLE} WHERE kind = 'poi')""")


def unit_of_building(engine: Engine, table: str) -> None:
    """At a door number whose property records number units but no buildings (大坪正街二村2号
    3单元4-3: the door is the building), a building number written without a unit (a dashed
    3-4-3 read as building 3, floor 4, flat 3) is the unit; keys rewritten. The library is
    std_property, or ``table`` itself while it is built: there the door's records that give a
    unit give no building, and those that give a building give no unit."""
    library = "std_property" if engine.has_table("std_property") else table
    engine.execute(f"""
        UPDATE {quote_ident(table)} AS t SET unit = t.building, building = NULL,
               {rekeyed("t.road", "t.door_number", "t.poi", "NULL")}
        FROM (SELECT rs_place(road, door_number, NULL) AS place FROM {quote_ident(library)}
              WHERE in_city AND door_number IS NOT NULL AND (building IS NOT NULL OR unit IS NOT NULL)
              GROUP BY 1
              HAVING bool_or(unit IS NOT NULL) AND NOT bool_or(unit IS NOT NULL AND building IS NOT NULL)
                 AND count(DISTINCT building) FILTER (WHERE building IS NOT NULL) <= 9) d
        WHERE t.in_city AND t.door_number IS NOT NULL AND t.building IS NOT NULL AND t.unit IS NULL
          AND regexp_full_match(t.building, '[0-9]') AND rs_place(t.road, t.door_number, NULL) = d.place""")


def learn_door_parts(engine: Engine, table: str = "std_property") -> None:
    """``std_door_part(place)``: the road and door numbers (rs_place) at which the records of
    ``table`` name two parts of an estate or more (红锦大道148号 鲁能星城二街区 and 四街区; 盘溪路220号
    金科天籁城一期 and 二期): there the part tells two buildings 1栋 apart (key_door_parts)."""
    part = _estate_part("poi")
    engine.create_table(DOOR_PART_TABLE, f"""
        SELECT rs_place(road, door_number, NULL) AS place FROM {quote_ident(table)}
        WHERE in_city AND door_number IS NOT NULL AND poi IS NOT NULL AND {part} <> ''
        GROUP BY 1 HAVING count(DISTINCT {part}) >= 2""")


def key_door_parts(engine: Engine, table: str) -> None:
    """The rows of ``table`` at a door of ``std_door_part`` that name their estate's part take
    it into their building and dwelling keys after the door number (红锦大道148号四街区#1#102);
    those that leave it out keep the door's keys, which relate resolves among the parts
    (``part_missing``)."""
    if not engine.has_table(DOOR_PART_TABLE):
        return
    part, place = _estate_part("t.poi"), "rs_place(t.road, t.door_number, NULL)"
    rest = f"substr({{key}}, length({place}) + 1)"
    engine.execute(f"""
        UPDATE {quote_ident(table)} AS t
        SET building_key = {place} || {part} || {rest.format(key="t.building_key")},
            dwelling_key = {place} || {part} || {rest.format(key="t.dwelling_key")}
        FROM {DOOR_PART_TABLE} d
        WHERE t.door_number IS NOT NULL AND t.poi IS NOT NULL AND {place} = d.place AND {part} <> ''
          AND starts_with(t.building_key, {place}) AND NOT starts_with(t.building_key, {place} || {part})""")


def learn_floor_flats(engine: Engine, table: str = "std_property") -> None:
    """``std_floor_flat``: the buildings of ``table`` let floor by floor (the module's notes). A
    room other than its floor's first (302) says the floor has more flats than one, as does a
    unit; a shop's floor (首层商铺) is no dwelling and says nothing."""
    engine.create_table(FLOOR_TABLE, f"""
        SELECT building_key FROM {quote_ident(table)}
        WHERE in_city AND building_key IS NOT NULL
        GROUP BY building_key
        HAVING bool_or(room IS NULL AND floor IS NOT NULL AND coalesce(is_dwelling, true))
           AND bool_and(room IS NULL OR room = floor || '01') AND bool_and(unit IS NULL)""")


def key_floor_flats(engine: Engine, table: str) -> None:
    """The rows of ``table`` in a building let floor by floor (``std_floor_flat``) that name
    their floor's first flat (501 on floor 5) are keyed by the floor, as a floor written
    without a room is (rs_dwelling_key): 5楼 and 501 are one dwelling there."""
    if not engine.has_table(FLOOR_TABLE):
        return
    engine.execute(f"""
        UPDATE {quote_ident(table)} AS t
        SET dwelling_key = rs_dwelling_key(t.road, t.door_number, t.poi, t.building, t.floor, NULL)
        FROM {FLOOR_TABLE} f
        WHERE t.building_key = f.building_key AND t.room = t.floor || '01'""")


# characters that tell two places apart: numbers and letters are never read as a typo; a numeral,
# a direction and the like never for another (莲花一村 / 莲花二村, 上沙村 / 下沙村, 东路 / 西路: 高新 /
# 高兴 is a typo), nor left out or added (固戍村 / 固戍新村)
_KEPT = "'[0-9A-Za-z零〇一二两三四五六七八九十百东西南北中上下前后内外新老旧大小]'"


def _variants(rows: str) -> str:
    """Each name of ``rows`` (name, district_code) with one character at a time replaced by *
    (``variant``) or left out (``shorter``), and that character (``ch``)."""
    return f"""SELECT name, district_code, i, substr(name, i, 1) AS ch,
                      substr(name, 1, i - 1) || '*' || substr(name, i + 1) AS variant,
                      substr(name, 1, i - 1) || substr(name, i + 1) AS shorter
               FROM (SELECT *, unnest(range(1, length(name) + 1)) AS i FROM {rows} WHERE length(name) >= 3)"""


def correct_place_names(engine: Engine, table: str) -> None:
    """Roads and estate names of ``table`` that the library does not know, read as the one name
    it knows a character apart (see the module's notes); keys rewritten.

    Against a built library (std_place_name) any unknown name is read so. While the library
    is being built (``table`` is std_property itself) only a name two records at most write,
    a character from one that at least three write, and only where a record of the common
    name holds the same door number, building and room: 华然街42号1栋205 is 泰然街42号1栋205
    when the title of that flat says so, while two estates a character apart, each with its
    own flats, stay two, as do two hamlets with a house 12号 each (a door number alone is no flat
    to compare)."""
    library = not engine.has_table(NAME_TABLE)
    t = quote_ident(table)
    named = f"({place_names_sql(t)})" if library else NAME_TABLE
    for column, kind, where in NAMED:
        road, poi = ("f.known", "t.poi") if column == "road" else ("t.road", "f.known")
        written = f"""SELECT DISTINCT t.{column} AS name, t.district_code FROM {t} t
                      WHERE t.in_city AND t.{column} IS NOT NULL AND {where} AND NOT EXISTS (
                          SELECT 1 FROM {named} k WHERE k.kind = '{kind}' AND k.name = t.{column}
                          {"AND k.n > 2" if library else ""})"""
        known = f"SELECT DISTINCT name, district_code FROM {named} WHERE kind = '{kind}' {'AND n >= 3' if library else ''}"
        same_flat = f"""AND EXISTS (SELECT 1 FROM {t} o WHERE o.{column} = f.known AND {where.replace("t.", "o.")}
                            AND o.door_number IS NOT DISTINCT FROM t.door_number
                            AND o.building IS NOT DISTINCT FROM t.building AND o.room IS NOT DISTINCT FROM t.room)
                      AND (t.building IS NOT NULL OR t.room IS NOT NULL)"""
        engine.execute(f"""
            UPDATE {t} AS t SET {column} = f.known,
                   {"" if library else "name_as_written = coalesce(t.name_as_written, f.name),"}
                   {rekeyed(road, "t.door_number", poi)}
            FROM (
                WITH written AS ({written}), known AS ({known}),
                     wv AS ({_variants("written")}), kv AS ({_variants("known")})
                SELECT name, district_code, min(known) AS known
                FROM (  -- one character replaced, left out or added
                    SELECT w.name, w.district_code, k.name AS known, k.district_code AS known_district
                    FROM wv w JOIN kv k ON k.variant = w.variant
                    WHERE NOT regexp_matches(w.ch || k.ch, '[0-9A-Za-z]')
                      AND NOT (regexp_matches(w.ch, {_KEPT}) AND regexp_matches(k.ch, {_KEPT}))
                    UNION ALL
                    SELECT w.name, w.district_code, k.name, k.district_code
                    FROM written w JOIN kv k ON k.shorter = w.name
                    WHERE NOT regexp_matches(k.ch, {_KEPT})
                    UNION ALL
                    SELECT w.name, w.district_code, k.name, k.district_code
                    FROM wv w JOIN known k ON w.shorter = k.name
                    WHERE NOT regexp_matches(w.ch, {_KEPT})
                ) c(name, district_code, known, known_district)
                WHERE known <> name AND (district_code IS NULL OR known_district = district_code)
                GROUP BY name, district_code
                HAVING count(DISTINCT known) = 1
            ) f
            WHERE {where} AND t.{column} = f.name AND t.district_code IS NOT DISTINCT FROM f.district_code
            {same_flat if library else ""}""")
