"""Enterprise identifiers as SQL macros: USCC (GB 32100-2015), organisation code (GB 11714),
legacy business registration number (ISO 7064 MOD 11,10) and legacy tax ID.

A check failure is evidence of a typo, not proof of a bad record: these macros flag, they
never reject. The organisation code inside a USCC (characters 9-17) and inside a legacy tax
ID (region code + organisation code) is the key that ties old and new identifiers together;
the legacy registration number has no algorithmic link to the USCC.
"""

from __future__ import annotations

from resolve.engine import Engine

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I O Z S V
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def _uscc_sum(code: str) -> str:
    return " + ".join(f"(strpos('{USCC_CHARS}', substr({code}, {i + 1}, 1)) - 1) * {w}"
                      for i, w in enumerate(USCC_WEIGHTS))


def _org_value(ch: str) -> str:
    """0-9 as themselves, A-Z as 10-35."""
    return f"CASE WHEN {ch} BETWEEN '0' AND '9' THEN ascii({ch}) - 48 ELSE ascii({ch}) - 55 END"


def _org_sum(code: str) -> str:
    return " + ".join(f"({_org_value(f'substr({code}, {i + 1}, 1)')}) * {w}" for i, w in enumerate(ORG_WEIGHTS))


_MACROS = [
    "rs_code_clean(s) AS nullif(upper(regexp_replace(rs_fold(s), '[\\s\\-_.·]', '', 'g')), '')",
    # USCC: 18 characters from the 31-character set, check = (31 - sum % 31) % 31
    f"rs_uscc_shape(c) AS regexp_full_match(c, '[{USCC_CHARS}]{{18}}')",
    f"rs_uscc_check(c) AS substr('{USCC_CHARS}', ((31 - ({_uscc_sum('c')}) % 31) % 31) + 1, 1)",
    "rs_uscc_valid(c) AS coalesce(rs_uscc_shape(c) AND rs_uscc_check(c) = substr(c, 18, 1), false)",
    # organisation code: 8 characters + check; c = 11 - sum % 11, 10 -> X, 11 -> 0
    f"rs_org_check(c) AS CASE 11 - ({_org_sum('c')}) % 11 WHEN 10 THEN 'X' WHEN 11 THEN '0' "
    f"ELSE CAST(11 - ({_org_sum('c')}) % 11 AS VARCHAR) END",
    "rs_org_valid(c) AS coalesce(regexp_full_match(c, '[0-9A-Z]{8}[0-9X]') "
    "AND rs_org_check(c) = substr(c, 9, 1), false)",
    # the organisation code inside a USCC, or the last 9 characters of a 15-character tax ID
    "rs_uscc_org(c) AS CASE WHEN rs_uscc_shape(c) THEN substr(c, 9, 9) END",
    "rs_tax_org(c) AS CASE WHEN regexp_full_match(c, '\\d{6}[0-9A-Z]{8}[0-9X]') THEN substr(c, 7, 9) END",
    # legacy 15-digit registration number: ISO 7064 MOD 11,10 over the first 14 digits
    "rs_regno_valid(c) AS coalesce(regexp_full_match(c, '\\d{15}') AND "
    "(11 - list_reduce(list_transform(string_split(substr(c, 1, 14), ''), lambda d: d::INT), "
    "lambda p, d: (CASE WHEN (p + d) % 10 = 0 THEN 10 ELSE (p + d) % 10 END) * 2 % 11, 10)) % 10 "
    "= substr(c, 15, 1)::INT, false)",
]


def register_enterprise_id_macros(engine: Engine) -> None:
    """Needs the macros of ``resolve.standardise.sql`` (rs_fold) registered first."""
    for macro in _MACROS:
        engine.execute(f"CREATE OR REPLACE MACRO {macro}")
