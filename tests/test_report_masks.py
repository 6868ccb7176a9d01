"""The masks of the report's drill-down files, in the SQL that writes them."""

import duckdb
import pytest

from resolve.report import MASK_SQL, mask_sql, mask_text


@pytest.mark.parametrize("kind, value, masked", [
    ("id", "440304199001011234", "440304********1234"),
    ("id", "44030419900101123X", "440304********123X"),
    ("id", "440304900101123", "440304*****1123"),     # a 15-digit ID keeps its length
    ("id", "G1234567", "G1234567"),                    # too short to hide anything
    ("phone", "13812345678", "138****5678"),
    ("phone", "075583001234", "075*****1234"),
    ("phone", "110", "110"),
    ("id", None, None),
])
def test_masks(kind, value, masked):
    sql = MASK_SQL[kind].format(c="v")
    assert duckdb.execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS v)", [value]).fetchone()[0] == masked


@pytest.mark.parametrize("text, masked", [
    ("G440304201003050113", "G440304********0113"),                      # a pupil's 学籍号
    ("440304201003050113;44030420100305013X", "440304********0113;440304********013X"),
    ("旧证440303651212031", "旧证440303*****2031"),                        # a 15-digit ID
    ('{"guardian": "13912345678"}', '{"guardian": "139****5678"}'),
    ("电话13800001111,13912345678", "电话138****1111,139****5678"),
    ("RK138864274434", "RK138864274434"),                                # 12 digits: no ID, no phone
    ("4403042010030501131", "4403042010030501131"),                      # 19 digits: neither
    ("075583001234", "075583001234"),                                    # a landline
    ('{"p": 0.028392640328756484}', '{"p": 0.028392640328756484}'),      # a fraction's digits
    ("", ""),
])
def test_values_are_masked_by_what_they_are_in_sql_and_on_the_page(text, masked):
    assert mask_text(text) == masked
    assert duckdb.execute(f"SELECT {mask_sql('v')} FROM (SELECT ?::VARCHAR AS v)", [text]).fetchone()[0] == masked
