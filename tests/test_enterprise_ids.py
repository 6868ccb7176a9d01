"""USCC, organisation code, legacy registration number and tax ID, against their standards."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolve.engine import Engine
from resolve.standardise.enterprise_ids import (
    ORG_WEIGHTS,
    USCC_CHARS,
    USCC_WEIGHTS,
    register_enterprise_id_macros,
)
from resolve.standardise.sql import register_macros


@pytest.fixture(scope="module")
def e():
    engine = Engine()
    register_macros(engine)
    register_enterprise_id_macros(engine)
    yield engine
    engine.close()


def uscc_check(body: str) -> str:
    return USCC_CHARS[(31 - sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS)) % 31) % 31]


def org_check(body: str) -> str:
    c = 11 - sum((int(x) if x.isdigit() else ord(x) - 55) * w for x, w in zip(body, ORG_WEIGHTS)) % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def regno_check(body14: str) -> str:
    p = 10
    for d in body14:
        s = (p + int(d)) % 10 or 10
        p = s * 2 % 11
    return str((11 - p) % 10)


def one(e, sql, *params):
    return e.fetchall(sql, list(params))[0]


@pytest.mark.parametrize("raw, valid, org", [
    ("91350100M000100Y43", True, "M000100Y4"),      # the standard's own example
    ("91110000600037341L", True, "600037341"),
    ("9111000071093123XX", True, "71093123X"),
    ("９１１１００００６０００３７３４１ｌ", True, "600037341"),  # full width, lower case
    ("91110000600037341K", False, "600037341"),     # check character mistyped: flagged, kept
    ("91110000600O37341L", False, None),            # letter O is not in the character set
    ("N2110000600037341L", None, "600037341"),      # agriculture (N): shape valid, check decides
])
def test_uscc(e, raw, valid, org):
    got_valid, got_org = one(e, "SELECT rs_uscc_valid(rs_code_clean(?)), rs_uscc_org(rs_code_clean(?))", raw, raw)
    if valid is None:
        valid = uscc_check(raw[:17]) == raw[17]
    assert got_valid == valid and got_org == org


@pytest.mark.parametrize("raw, valid", [("D2143569-X", True), ("60003734-1", True), ("M000100Y4", True),
                                        ("60003734-2", False), ("6000373", False)])
def test_organisation_code(e, raw, valid):
    assert one(e, "SELECT rs_org_valid(rs_code_clean(?))", raw)[0] is valid


def test_tax_id_carries_the_organisation_code(e):
    tax, uscc = "440300600037341", "91440300600037341X"
    org_tax, org_uscc = one(e, "SELECT rs_tax_org(?), rs_uscc_org(?)", tax, uscc)
    assert org_tax == org_uscc == "600037341"
    assert one(e, "SELECT rs_tax_org('440304199001011234')")[0] is None  # an owner's citizen ID


@given(st.text(alphabet=USCC_CHARS, min_size=17, max_size=17))
@settings(max_examples=200, deadline=None)
def test_uscc_check_matches_reference(e, body):
    good = body + uscc_check(body)
    assert one(e, "SELECT rs_uscc_valid(?)", good)[0]
    wrong = body + USCC_CHARS[(USCC_CHARS.index(uscc_check(body)) + 1) % 31]
    assert not one(e, "SELECT rs_uscc_valid(?)", wrong)[0]


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=8))
@settings(max_examples=200, deadline=None)
def test_org_check_matches_reference(e, body):
    assert one(e, "SELECT rs_org_check(?)", body)[0] == org_check(body)


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
@settings(max_examples=200, deadline=None)
def test_registration_number_mod_11_10(e, body):
    check = regno_check(body)
    assert one(e, "SELECT rs_regno_valid(?)", body + check)[0]
    assert not one(e, "SELECT rs_regno_valid(?)", body + str((int(check) + 1) % 10))[0]
    # ISO 7064 MOD 11,10: running the digits with their check digit ends on 1
    p = 10
    for d in body + check:
        s = (p + int(d)) % 10 or 10
        p = s * 2 % 11
    assert s == 1
