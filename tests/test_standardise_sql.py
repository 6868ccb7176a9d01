"""Citizen IDs, dates, phones and sex codes, as the SQL standardisers see them."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolve.standardise.sql import read_date, read_id, read_in_steps, read_phone

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check_char(body17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, WEIGHTS)) % 11]


def one(engine, sql, *params):
    return engine.fetchall(sql, list(params))[0]


def read(engine, select, raw, *fields):
    """``select`` over the columns the pipeline's read_* steps make of ``raw`` (column s)."""
    return one(engine, f"SELECT {select} FROM ({read_in_steps('(SELECT ?::VARCHAR AS s)', *fields)})", raw)


@pytest.mark.parametrize("raw, id18, kind, valid", [
    ("11010519491231002X", "11010519491231002X", "citizen", True),
    ("11010519491231002x", "11010519491231002X", "citizen", True),   # lower-case x
    (" 1101 0519 4912 3100 2X ", "11010519491231002X", "citizen", True),
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", "citizen", True),  # full width
    ("\t11010519491231002X\u00a0", "11010519491231002X", "citizen", True),  # spaces of any kind
    ("110105491231002", "11010519491231002X", "citizen15", True),  # old 15-digit form
    ("110105194912310021", "110105194912310021", "citizen", False),  # check digit fails
    ("110105194913310028", "110105194913310028", "citizen", False),  # month 13
    ("810000199001011234", "810000199001011234", "citizen", None),   # HK residence permit code
    ("E12345678", None, "passport", False),
    ("H1234567801", None, "hk_macao_permit", False),
    ("USA110019900101", None, "foreign_permanent_residence", False),
])
def test_citizen_id(engine, raw, id18, kind, valid):
    got = read(engine, "id18, id18_kind, rs_id_valid(id18, DATE '2026-10-31')", raw, read_id("s", "id18"))
    assert got[0] == id18 and got[1] == kind
    if valid is None:  # HK permit: valid exactly when its own check digit holds
        valid = check_char(raw[:17]) == raw[17]
    assert bool(got[2]) == valid


@given(st.dates(dt.date(1900, 1, 1), dt.date(2026, 10, 1)), st.integers(0, 999),
       st.sampled_from(["440304", "110105", "510104", "820000"]))
@settings(max_examples=60, deadline=None)
def test_generated_ids_validate_and_derive(engine, birth, seq, region):
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    id18 = body + check_char(body)
    valid, born, sex = one(engine, "SELECT rs_id_valid(?, DATE '2026-10-31'), rs_id_birth(?), rs_id_sex(?)",
                           id18, id18, id18)
    assert valid and born == birth and sex == ("M" if seq % 2 else "F")
    typo = id18[:10] + str((int(id18[10]) + 1) % 10) + id18[11:]
    assert not one(engine, "SELECT rs_id_valid(?, DATE '2026-10-31')", typo)[0]


def test_fifteen_digit_id_matches_its_eighteen_digit_form(engine):
    assert read(engine, "id18", "440304800101123", read_id("s", "id18"))[0] == "44030419800101123" + check_char(
        "44030419800101123")


@pytest.mark.parametrize("raw, date, ym, year", [
    ("19900102", dt.date(1990, 1, 2), "1990-01", 1990),
    ("1990-1-2", dt.date(1990, 1, 2), "1990-01", 1990),
    ("1990/12/31", dt.date(1990, 12, 31), "1990-12", 1990),
    ("1990年3月4日", dt.date(1990, 3, 4), "1990-03", 1990),
    ("1990.03.04", dt.date(1990, 3, 4), "1990-03", 1990),
    ("２０２０-０１-０１", dt.date(2020, 1, 1), "2020-01", 2020),
    ("2024-05-01 00:00:00", dt.date(2024, 5, 1), "2024-05", 2024),
    ("1990-05", None, "1990-05", 1990),       # partial: kept as partial
    ("199005", None, "1990-05", 1990),
    ("1990年5月", None, "1990-05", 1990),
    ("1990", None, None, 1990),
    ("1986年8月17号", dt.date(1986, 8, 17), "1986-08", 1986),
    ("1990\u00a0-01-02\n", dt.date(1990, 1, 2), "1990-01", 1990),  # spaces of any kind
    ("1986-08-17 12:30\nx", dt.date(1986, 8, 17), "1986-08", 1986),
    ("5/5/1987", dt.date(1987, 5, 5), "1987-05", 1987),  # the same number twice: no doubt
    ("5/6/1987", None, None, 1987),  # day or month first: the year only
    ("2020-02-30", None, None, None),         # impossible: no part of it is trusted
    ("20231345", None, None, None),
    ("unknown", None, None, None),
    (None, None, None, None),
])
def test_dates(engine, raw, date, ym, year):
    assert read(engine, "rs_parts_date(p), rs_parts_ym(p), rs_parts_year(p)", raw,
                read_date("s", "p")) == (date, ym, year)


@pytest.mark.parametrize("raw, phone, kind", [
    ("13800138000", "13800138000", "mobile"),
    ("+86 138 0013 8000", "13800138000", "mobile"),
    ("0086-13800138000", "13800138000", "mobile"),
    ("8613800138000", "13800138000", "mobile"),
    ("138-0013-8000；0755-83456789", "13800138000", "mobile"),
    ("0755-83456789", "075583456789", "landline"),
    ("(0755) 8345 6789", "075583456789", "landline"),
    ("８３４５６７８９", "83456789", "local"),
    ("123", None, None),
    ("无", None, None),
])
def test_phones(engine, raw, phone, kind):
    assert read(engine, "phone, rs_phone_kind(phone)", raw, read_phone("s", "phone")) == (phone, kind)


@pytest.mark.parametrize("raw, sex", [("男", "M"), ("女", "F"), ("1", "M"), ("2", "F"), ("m", "M"),
                                      ("Ｆ", "F"), ("未知", None), (None, None)])
def test_sex(engine, raw, sex):
    assert one(engine, "SELECT rs_sex(?)", raw)[0] == sex


@given(st.text(alphabet="0123456789０１２３４５６７８９-/年月日 .Xx", max_size=20))
@settings(max_examples=150, deadline=None)
def test_fold_and_id_clean_are_idempotent(engine, text):
    once = one(engine, "SELECT rs_id_clean(?), rs_fold(?)", text, text)
    twice = one(engine, "SELECT rs_id_clean(?), rs_fold(?)", once[0], once[1])
    assert once == twice


@given(st.text(alphabet="0123456789０１２３４５６７８９+-() ，;/", max_size=30))
@settings(max_examples=150, deadline=None)
def test_phone_normalisation_is_idempotent(engine, text):
    once = read(engine, "phone", text, read_phone("s", "phone"))[0]
    assert read(engine, "phone", once, read_phone("s", "phone"))[0] == once
