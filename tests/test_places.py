"""The standard address library's aliases (places.learn_place_aliases), on property records
written here by hand: an estate's name stands for the road and door number its records give,
a stray record does not unlearn it, and a name two places share stands for neither."""

import pytest

from resolve.standardise.places import ALIAS_TABLE, learn_place_aliases


def _records(engine, rows):
    engine.create_table("t_property", """
        SELECT * FROM (VALUES (NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR)) v(poi, building, road, door_number)
        WHERE false""")
    for poi, building, road, door in rows:
        engine.execute("INSERT INTO t_property VALUES (?, ?, ?, ?)", [poi, building, road, door])
    engine.create_table("t_std", """
        SELECT *, '440106' AS district_code, true AS in_city, NULL::VARCHAR AS text_place,
               false AS door_from_columns FROM t_property""")


def _aliases(engine) -> dict:
    return {(name, building): (road, door) for name, building, road, door in engine.fetchall(
        f"SELECT name, building, road, door_number FROM {ALIAS_TABLE}")}


@pytest.mark.parametrize("rows, expected", [
    # six titles give 骏景花园3栋 at 龙口西路204号, one (a stale record) at 200号: still 204号
    ([("骏景花园", "3", "龙口西路", "204")] * 6 + [("骏景花园", "3", "龙口西路", "200")],
     {("骏景花园", "3"): ("龙口西路", "204")}),
    # nine in ten
    ([("华景新城", "1", "猎德大道", "97")] * 9 + [("华景新城", "1", "猎德大道", "99")],
     {("华景新城", "1"): ("猎德大道", "97")}),
    # two against one, or two each: no place stands out
    ([("嘉和苑", "2", "黄埔大道中", "148")] * 2 + [("嘉和苑", "2", "黄埔大道中", "150")], {}),
    ([("丽景苑", "5", "荷光路", "3")] * 3 + [("丽景苑", "5", "荷光路", "5")] * 2, {}),
])
def test_an_estate_building_stands_for_the_door_its_records_give(engine, rows, expected):
    _records(engine, rows)
    learn_place_aliases(engine, "t_std")
    got = {k: v for k, v in _aliases(engine).items() if k[1] is not None}
    assert got == expected
