"""SQL macros for the standardisers that run set-based in the engine.

Citizen IDs (GB 11643-1999), dates in the common written forms, phones and the text folding
that every field needs. They are registered once per connection with ``register_macros``.
"""

from __future__ import annotations

from resolve.engine import Engine, quote_literal

FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

_MACROS = [
    # full-width ASCII and ideographic space to half-width (translate is slow: only where needed)
    f"rs_fold(s) AS CASE WHEN regexp_matches(s, '[\uff01-\uff5e\u3000]') "
    f"THEN translate(s, {quote_literal(FULL_WIDTH)}, {quote_literal(HALF_WIDTH)}) ELSE s END",
    "rs_blank(s) AS nullif(trim(s), '')",
    # GB 11643 check character of a 17-digit body
    "rs_id_check(body) AS substr('10X98765432', (("
    + " + ".join(f"(ascii(substr(body, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(ID_WEIGHTS))
    + ") % 11) + 1, 1)",
    # separators dropped, and the apostrophe Excel users type to keep a number as text ('4403...)
    "rs_id_clean(s) AS nullif(upper(regexp_replace(regexp_replace(rs_fold(s), '^''', ''), '[\\s\\-_.]', '', 'g')), '')",
    """rs_id_kind(c) AS CASE
        WHEN c IS NULL THEN NULL
        -- a number a spreadsheet kept in floating point (4.40306E+17): its last digits are lost
        WHEN regexp_full_match(c, '\\d+E\\+?\\d+') THEN 'imprecise'
        -- 16 or 17 digits: a citizen ID that lost a digit (a spreadsheet dropped its leading one)
        WHEN regexp_full_match(c, '\\d{16,17}') THEN 'imprecise'
        WHEN regexp_full_match(c, '\\d{17}[\\dX]') THEN 'citizen'
        WHEN regexp_full_match(c, '\\d{15}') THEN 'citizen15'
        WHEN regexp_full_match(c, '[A-Z]{3}\\d{12}') THEN 'foreign_permanent_residence'
        WHEN regexp_full_match(c, '[HM]\\d{8}(\\d{2})?') THEN 'hk_macao_permit'
        WHEN regexp_full_match(c, '\\d{8}|T\\d{8}') THEN 'taiwan_permit'
        WHEN regexp_full_match(c, '[A-Z]{1,2}\\d{6,9}') THEN 'passport'
        ELSE 'other' END""",
    """rs_id18(c) AS CASE rs_id_kind(c)
        WHEN 'citizen' THEN c
        WHEN 'citizen15' THEN substr(c, 1, 6) || '19' || substr(c, 7, 9)
             || rs_id_check(substr(c, 1, 6) || '19' || substr(c, 7, 9))
        END""",
    "rs_id_birth(id18) AS try_strptime(substr(id18, 7, 8), '%Y%m%d')::DATE",
    "rs_id_sex(id18) AS CASE WHEN (ascii(substr(id18, 17, 1)) - 48) % 2 = 1 THEN 'M' ELSE 'F' END",
    # well formed: a real region digit and a real birth date no later than the snapshot
    """rs_id_dated(id18, snapshot) AS id18 IS NOT NULL
        AND substr(id18, 1, 1) BETWEEN '1' AND '8'
        AND rs_id_birth(id18) BETWEEN DATE '1880-01-01' AND snapshot""",
    "rs_id_valid(id18, snapshot) AS rs_id_dated(id18, snapshot) "
    "AND rs_id_check(substr(id18, 1, 17)) = substr(id18, 18, 1)",
    # dates: text in the common written forms to a struct of year, month, day (strings; month and
    # day may be empty). The time of day is dropped; Chinese numerals read (二〇一四年六月十九日).
    """rs_date_numerals(t) AS CASE WHEN NOT regexp_matches(t, '[〇零一二三四五六七八九十]') THEN t ELSE
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            translate(t, '〇零一二三四五六七八九', '00123456789'),
            '(\\d)十(\\d)', '\\1\\2', 'g'), '(\\d)十', '\\10', 'g'), '十(\\d)', '1\\1', 'g'), '十', '10', 'g') END""",
    "rs_date_text(s) AS rs_date_numerals(regexp_replace(trim(rs_fold(s)), '([ T]\\d{1,2}:\\d{2}.*|[ T]0+)$', ''))",
    "rs_date_struct(d) AS {'y': strftime(d, '%Y'), 'm': strftime(d, '%m'), 'd': strftime(d, '%d')}",
    # a two-digit year: this century's unless that is after this year
    """rs_date_century(y) AS CASE WHEN length(y) = 4 THEN y
        WHEN y::INT <= year(current_date) % 100 THEN '20' || y ELSE '19' || y END""",
    "rs_date_yy(p) AS {'y': rs_date_century(p.y), 'm': p.m, 'd': p.d}",
    """rs_date_dmy(p) AS CASE
        WHEN p.a::INT > 12 THEN {'y': rs_date_century(p.y), 'm': p.b, 'd': p.a}
        WHEN p.b::INT > 12 THEN {'y': rs_date_century(p.y), 'm': p.a, 'd': p.b}
        ELSE {'y': rs_date_century(p.y), 'm': '', 'd': ''} END""",
    # Every form, to (y, m, d): year first (19900102, 1990-1-2, 1990/1/2, 1990.1.2, 1990年1月2日,
    # 1990-01, 199001, 1990); a two-digit year first with dashes (90-07-30: 19xx unless that is in
    # the future); day or month first with slashes or dots and the year last (20/12/87, 10/19/1970:
    # a number above 12 tells the day; 5/6/1987 could be either, and keeps its year only); an Excel
    # serial day number (32874 = 1990-01-01). Other 5- and 7-digit numbers and anything else: NULL.
    """rs_date_parts(s) AS CASE
        WHEN regexp_full_match(rs_date_text(s), '\\d{5}')
            THEN rs_date_struct(DATE '1899-12-30' + rs_date_text(s)::INT)
        WHEN regexp_full_match(rs_date_text(s), '\\d{7}') THEN NULL
        WHEN regexp_full_match(rs_date_text(s), '\\d{2}-\\d{1,2}-\\d{1,2}')
            THEN rs_date_yy(regexp_extract(rs_date_text(s), '^(\\d{2})-(\\d{1,2})-(\\d{1,2})$', ['y', 'm', 'd']))
        WHEN regexp_full_match(rs_date_text(s), '\\d{1,2}[/.]\\d{1,2}[/.](\\d{2}|\\d{4})')
            THEN rs_date_dmy(regexp_extract(rs_date_text(s), '^(\\d{1,2})[/.](\\d{1,2})[/.](\\d{2}|\\d{4})$',
                                            ['a', 'b', 'y']))
        ELSE regexp_extract(rs_date_text(s), '^(\\d{4})(?:[-/.年]?(\\d{1,2})(?:[-/.月]?(\\d{1,2})日?)?月?)?$',
                            ['y', 'm', 'd']) END""",
    # a date that cannot be (20231345, 1990-02-30) gives no year either: the year of an
    # impossible date is no more trustworthy than its day, and must not disagree with the date
    """rs_parts_ok(p) AS coalesce(try_cast(p.y AS INT) BETWEEN 1800 AND 2200
        AND (coalesce(p.m, '') = '' OR (try_cast(p.m AS INT) BETWEEN 1 AND 12
             AND (coalesce(p.d, '') = '' OR try_strptime(p.y || '-' || p.m || '-' || p.d, '%Y-%m-%d') IS NOT NULL))),
        false)""",
    # A date's parts are a column of an inner query that the rs_parts_* read (SELECT
    # rs_parts_date(p) FROM (SELECT rs_date_parts(s) AS p ...)), never
    # rs_parts_date(rs_date_parts(s)): a macro repeats its argument at every use, and that
    # nesting is a thousand-fold expression taking a second to bind in each statement (and
    # re-reading the text for each part on every row).
    "rs_parts_year(p) AS CASE WHEN rs_parts_ok(p) THEN p.y::INT END",
    "rs_parts_date(p) AS CASE WHEN rs_parts_ok(p) AND p.m <> '' AND p.d <> '' "
    "THEN try_strptime(p.y || '-' || p.m || '-' || p.d, '%Y-%m-%d')::DATE END",
    # 'YYYY-MM' when the month is known (also for a partial date), else NULL
    "rs_parts_ym(p) AS CASE WHEN rs_parts_ok(p) AND p.m <> '' THEN printf('%04d-%02d', p.y::INT, p.m::INT) END",
    # phones: digits only, country code dropped, first number of a list
    """rs_phone_digits(s) AS regexp_replace(rs_fold(split_part(regexp_replace(s, '[,;/、，；]', ',', 'g'), ',', 1)),
        '[^0-9]', '', 'g')""",
    """rs_phone_trim(d) AS CASE
        WHEN d LIKE '0086%' THEN substr(d, 5)
        WHEN length(d) = 13 AND regexp_full_match(d, '861[3-9]\\d{9}') THEN substr(d, 3)
        ELSE d END""",
    "rs_phone(s) AS CASE WHEN length(rs_phone_trim(rs_phone_digits(s))) >= 7 THEN rs_phone_trim(rs_phone_digits(s)) END",
    """rs_phone_kind(p) AS CASE WHEN p IS NULL THEN NULL
        WHEN regexp_full_match(p, '1[3-9]\\d{9}') THEN 'mobile'
        WHEN regexp_full_match(p, '0[1-9]\\d{8,10}') THEN 'landline'
        WHEN regexp_full_match(p, '[2-9]\\d{6,7}') THEN 'local'
        ELSE 'other' END""",
    """rs_sex(s) AS CASE upper(trim(rs_fold(s)))
        WHEN 'M' THEN 'M' WHEN '男' THEN 'M' WHEN '1' THEN 'M' WHEN 'MALE' THEN 'M' WHEN '男性' THEN 'M'
        WHEN 'F' THEN 'F' WHEN '女' THEN 'F' WHEN '2' THEN 'F' WHEN 'FEMALE' THEN 'F' WHEN '女性' THEN 'F'
        END""",
    """rs_person_status(s) AS CASE trim(s)
        WHEN 'active' THEN 'active' WHEN '正常' THEN 'active' WHEN '在册' THEN 'active' WHEN '有效' THEN 'active'
        WHEN 'deceased' THEN 'deceased' WHEN '死亡' THEN 'deceased' WHEN '已故' THEN 'deceased'
        WHEN 'moved_out' THEN 'moved_out' WHEN '迁出' THEN 'moved_out' WHEN '注销' THEN 'moved_out'
        END""",
]


def register_macros(engine: Engine) -> None:
    for macro in _MACROS:
        engine.execute(f"CREATE OR REPLACE MACRO {macro}")
