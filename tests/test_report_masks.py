"""The masks of the report's drill-down files, in the SQL that writes them."""

import duckdb
import pytest

from resolve.report import MASK_SQL


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
