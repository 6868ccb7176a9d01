"""SQL macros for the standardisers that run set-based in the engine.

Citizen IDs (GB 11643-1999), dates in the common written forms, phones and the text folding
that every field needs. They are registered once per connection with ``register_macros``.
"""

from __future__ import annotations

from resolve.engine import Engine, quote_literal

FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

# white space as departments' files hold it: ASCII (tabs, line breaks), no-break, the Unicode
# spaces, zero-width and ideographic ones, the byte-order mark
SPACE_CLASS = "\\s\\x{00a0}\\x{1680}\\x{2000}-\\x{200b}\\x{202f}\\x{205f}\\x{3000}\\x{feff}"

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
    "rs_id_clean(s) AS nullif(upper(regexp_replace(regexp_replace(rs_fold(s), '^''', ''), "
    f"'[{SPACE_CLASS}\\-_.]', '', 'g')), '')",
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
    # c a cleaned ID and k its rs_id_kind, both columns (see the note on dates below)
    # b the 17-digit body of an old 15-digit ID (rs_id_body), a column
    """rs_id_body(c, k) AS CASE WHEN k = 'citizen15' THEN substr(c, 1, 6) || '19' || substr(c, 7, 9) END""",
    """rs_id18(c, k, b) AS CASE k WHEN 'citizen' THEN c WHEN 'citizen15' THEN b || rs_id_check(b) END""",
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
    # the time of day dropped (after a space or T: 12:30..., or zeros), then every space
    f"rs_date_text(s) AS regexp_replace(regexp_replace(rs_fold(s), '([{SPACE_CLASS}T]+\\d{{1,2}}:\\d{{2}}"
    f"(.|\\n)*|[{SPACE_CLASS}T]+0+[{SPACE_CLASS}]*)$', ''), '[{SPACE_CLASS}]+', '', 'g')",
    "rs_date_struct(d) AS {'a': strftime(d, '%Y'), 'b': strftime(d, '%m'), 'c': strftime(d, '%d')}",
    # a two-digit year: this century's unless that is after this year
    """rs_date_century(y) AS CASE WHEN length(y) = 4 THEN y
        WHEN y::INT <= year(current_date) % 100 THEN '20' || y ELSE '19' || y END""",
    # Every form, to (y, m, d): year first (19900102, 1990-1-2, 1990/1/2, 1990.1.2, 1990年1月2日,
    # 1990-01, 199001, 1990); a two-digit year first with dashes (90-07-30: 19xx unless that is in
    # the future); day or month first with slashes or dots and the year last (20/12/87, 10/19/1970:
    # a number above 12 tells the day, as does the same number twice; 5/6/1987 could be either, and
    # keeps its year only); an Excel
    # serial day number (32874 = 1990-01-01). Other 5- and 7-digit numbers and anything else: NULL.
    # In steps (read_date): the form of t = rs_date_numerals(rs_date_text(s)), the form's
    # fields a, b, c, and from them the parts y, m, d (strings; month and day may be empty).
    """rs_date_form(t) AS CASE
        WHEN regexp_full_match(t, '\\d{5}') THEN 'serial'
        WHEN regexp_full_match(t, '\\d{7}') THEN NULL
        WHEN regexp_full_match(t, '\\d{2}-\\d{1,2}-\\d{1,2}') THEN 'yy'
        WHEN regexp_full_match(t, '\\d{1,2}[/.]\\d{1,2}[/.](\\d{2}|\\d{4})') THEN 'dmy'
        WHEN t IS NOT NULL THEN 'ymd' END""",
    """rs_date_fields(t, f) AS CASE f
        WHEN 'serial' THEN rs_date_struct(DATE '1899-12-30' + t::INT)
        WHEN 'yy' THEN regexp_extract(t, '^(\\d{2})-(\\d{1,2})-(\\d{1,2})$', ['a', 'b', 'c'])
        WHEN 'dmy' THEN regexp_extract(t, '^(\\d{1,2})[/.](\\d{1,2})[/.](\\d{2}|\\d{4})$', ['a', 'b', 'c'])
        WHEN 'ymd' THEN regexp_extract(t, '^(\\d{4})(?:[-/.年]?(\\d{1,2})(?:[-/.月]?(\\d{1,2})[日号]?)?月?)?$',
                                       ['a', 'b', 'c']) END""",
    """rs_date_parts(f, x) AS CASE
        WHEN f = 'yy' THEN {'y': rs_date_century(x.a), 'm': x.b, 'd': x.c}
        WHEN f = 'dmy' AND try_cast(x.a AS INT) > 12 THEN {'y': rs_date_century(x.c), 'm': x.b, 'd': x.a}
        WHEN f = 'dmy' AND (try_cast(x.b AS INT) > 12 OR try_cast(x.a AS INT) = try_cast(x.b AS INT))
            THEN {'y': rs_date_century(x.c), 'm': x.a, 'd': x.b}
        WHEN f = 'dmy' THEN {'y': rs_date_century(x.c), 'm': '', 'd': ''}
        WHEN f IS NOT NULL THEN {'y': x.a, 'm': x.b, 'd': x.c} END""",
    # a date that cannot be (20231345, 1990-02-30) gives no year either: the year of an
    # impossible date is no more trustworthy than its day, and must not disagree with the date
    """rs_parts_ok(p) AS coalesce(try_cast(p.y AS INT) BETWEEN 1800 AND 2200
        AND (coalesce(p.m, '') = '' OR (try_cast(p.m AS INT) BETWEEN 1 AND 12
             AND (coalesce(p.d, '') = '' OR try_strptime(p.y || '-' || p.m || '-' || p.d, '%Y-%m-%d') IS NOT NULL))),
        false)""",
    # A macro repeats its argument at every use: rs_parts_date(rs_date_parts(rs_date_text(s)))
    # would be a thousand-fold expression, taking a second to bind in each statement and
    # re-reading the text for each part of every row. So a macro that uses its argument more
    # than once is given a column, and a field is read in steps, each a query over the one
    # before (``read_in_steps``): a date's text, its numerals, its parts, then the rs_parts_*.
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
    # t is rs_phone_trim(rs_phone_digits(s)), a column
    "rs_phone(t) AS CASE WHEN length(t) >= 7 THEN t END",
    """rs_phone_kind(p) AS CASE WHEN p IS NULL THEN NULL
        WHEN regexp_full_match(p, '1[3-9]\\d{9}') THEN 'mobile'
        WHEN regexp_full_match(p, '0[1-9]\\d{8,10}') THEN 'landline'
        WHEN regexp_full_match(p, '[2-9]\\d{6,7}') THEN 'local'
        ELSE 'other' END""",
    f"""rs_sex(s) AS CASE upper(regexp_replace(rs_fold(s), '[{SPACE_CLASS}]+', '', 'g'))
        WHEN 'M' THEN 'M' WHEN '男' THEN 'M' WHEN '1' THEN 'M' WHEN 'MALE' THEN 'M' WHEN '男性' THEN 'M'
        WHEN 'F' THEN 'F' WHEN '女' THEN 'F' WHEN '2' THEN 'F' WHEN 'FEMALE' THEN 'F' WHEN '女性' THEN 'F'
        END""",
    """rs_person_status(s) AS CASE trim(s)
        WHEN 'active' THEN 'active' WHEN '正常' THEN 'active' WHEN '在册' THEN 'active' WHEN '有效' THEN 'active'
        WHEN 'deceased' THEN 'deceased' WHEN '死亡' THEN 'deceased' WHEN '已故' THEN 'deceased'
        WHEN 'moved_out' THEN 'moved_out' WHEN '迁出' THEN 'moved_out' WHEN '注销' THEN 'moved_out'
        END""",
]


def read_in_steps(source: str, *fields: list[dict[str, str]]) -> str:
    """``SELECT *`` of ``source`` (a table, or a subquery with its alias) with each field's
    columns added step by step: a field is a list of steps, each a {column: expression} over
    the columns of the steps before it. Steps of the same rank share one query."""
    sql = f"SELECT * FROM {source}"
    for rank in range(max((len(f) for f in fields), default=0)):
        columns = [f"{expression} AS {column}" for field in fields if rank < len(field)
                   for column, expression in field[rank].items()]
        sql = f"SELECT *, {', '.join(columns)} FROM ({sql})"
    return sql


def read_date(column: str, parts: str) -> list[dict[str, str]]:
    """Steps reading the date text of ``column`` into ``parts`` (for the rs_parts_*)."""
    return [{f"{parts}_text": f"rs_date_text({column})"}, {f"{parts}_num": f"rs_date_numerals({parts}_text)"},
            {f"{parts}_form": f"rs_date_form({parts}_num)"},
            {f"{parts}_fields": f"rs_date_fields({parts}_num, {parts}_form)"},
            {parts: f"rs_date_parts({parts}_form, {parts}_fields)"}]


def read_id(column: str, out: str) -> list[dict[str, str]]:
    """Steps reading the ID text of ``column``: ``<out>_clean``, ``<out>_kind`` and ``out``,
    the 18-digit citizen ID (or NULL)."""
    return [{f"{out}_clean": f"rs_id_clean({column})"}, {f"{out}_kind": f"rs_id_kind({out}_clean)"},
            {f"{out}_body": f"rs_id_body({out}_clean, {out}_kind)"},
            {out: f"rs_id18({out}_clean, {out}_kind, {out}_body)"}]


def read_phone(column: str, out: str) -> list[dict[str, str]]:
    """Steps reading the phone text of ``column`` into ``out``."""
    return [{f"{out}_digits": f"rs_phone_digits({column})"}, {f"{out}_trim": f"rs_phone_trim({out}_digits)"},
            {out: f"rs_phone({out}_trim)"}]


def register_macros(engine: Engine) -> None:
    for macro in _MACROS:
        engine.execute(f"CREATE OR REPLACE MACRO {macro}")
