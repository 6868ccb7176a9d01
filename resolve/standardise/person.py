"""Standardise persons: every person source's raw table to one canonical table.

Reads ``raw_<source>``; writes ``std_person`` (one row per accepted record: IDs validated and
converted, names folded with pinyin, dates parsed, phones and addresses normalised) plus
``std_person_names`` (name features, one row per distinct raw name) and
``std_person_addresses`` (normalised form, building and dwelling keys, one row per distinct
raw address).
"""

from __future__ import annotations

from resolve.config import ENTITY_FIELDS, Config
from resolve.engine import Engine, quote_literal
from resolve.standardise.addresses import build_address_table, register_address_macros
from resolve.standardise.inputs import input_union_sql, quarantine_where, rid_offsets
from resolve.standardise.names import name_features
from resolve.standardise.sql import read_date, read_id, read_in_steps, read_phone, register_macros

PERSON_FIELDS = ENTITY_FIELDS["person"]


def standardise_persons(engine: Engine, config: Config) -> None:
    sources = config.sources_for("person")
    register_macros(engine)
    register_address_macros(engine, config.city, config.region_code)
    engine.create_table("std_person_input",  # dropped below
                        input_union_sql(sources, PERSON_FIELDS, rid_offsets(engine, sources)))

    engine.map_distinct("std_person_names", "SELECT name AS name_raw FROM std_person_input WHERE name IS NOT NULL",
                        lambda frame: name_features(frame["name_raw"]))

    build_address_table(engine, "SELECT registered_address AS raw FROM std_person_input UNION ALL "
                                "SELECT residence_address FROM std_person_input", "std_person_addresses")

    # Parsed once into a table: a macro over a CTE column would expand its whole parse again.
    engine.create_table("std_person_parsed", person_parsed_sql("std_person_input"))
    engine.create_table("std_person", person_std_sql(config.snapshot_date, "std_person_parsed",
                                                     "std_person_names", "std_person_addresses"))
    engine.drop("std_person_parsed")
    engine.drop("std_person_input")  # scratch: raw_<source> holds the same text
    quarantine_unidentifiable(engine)


# the date fields a person record may carry, and the parts column each is read into
PERSON_DATES = {"birth_date": "bp", "status_date": "sp", "updated_at": "up"}


def person_parsed_sql(input_table: str, dates: tuple[str, ...] = tuple(PERSON_DATES)) -> str:
    """The first pass over ``input_table`` (canonical fields as text): IDs cleaned, classified and
    converted to 18 digits, birth dates split, phones normalised. Needs ``register_macros``.
    ``dates`` are the date fields read (the others are NULL: a lookup query carries a birth date only)."""
    parsed = read_in_steps(input_table, read_id("id_number", "id18"), read_phone("phone", "phone_std"),
                           *(read_date(field, PERSON_DATES[field]) for field in dates))

    def parts(reader: str, field: str, kind: str) -> str:
        return f"{reader}({PERSON_DATES[field]})" if field in dates else f"NULL::{kind}"

    return f"""
        SELECT *, id18_clean AS id_clean, id18_kind AS id_kind,
               {parts("rs_parts_date", "birth_date", "DATE")} AS b_date,
               {parts("rs_parts_ym", "birth_date", "VARCHAR")} AS b_ym,
               {parts("rs_parts_year", "birth_date", "INTEGER")} AS b_year,
               {"bp_form" if "birth_date" in dates else "NULL::VARCHAR"} AS b_form,
               {parts("rs_parts_date", "status_date", "DATE")} AS status_day,
               {parts("rs_parts_date", "updated_at", "DATE")} AS updated_day
        FROM ({parsed})"""


def person_std_sql(snapshot_date, parsed_table: str, names_table: str, addresses_table: str) -> str:
    """The rows of ``std_person`` from ``parsed_table`` (person_parsed_sql), the name features
    of ``names_table`` (name_features) and the addresses of ``addresses_table``
    (build_address_table). Used by the pipeline and, on a one-row table, by ``resolve.lookup``."""
    snapshot = quote_literal(snapshot_date.isoformat())
    return f"""
        WITH l2 AS (SELECT * FROM {parsed_table}), l3 AS (
            -- an 18-digit ID as written is checked by its check character; a 15-digit one has
            -- none (ours is computed), so it is never "valid", only trusted for its birth date
            SELECT *, coalesce(id_kind = 'citizen' AND rs_id_valid(id18, DATE {snapshot}), false) AS id_valid,
                   coalesce(id_kind = 'citizen15' AND rs_id_dated(id18, DATE {snapshot}), false) AS id_old_dated,
                   rs_id_birth(id18) AS id_birth
            FROM l2
        ), l4 AS (
            SELECT *, id_valid OR id_old_dated AS id_trusted FROM l3
        )
        SELECT
            rid, source, record_key, row_number,
            id_number AS id_raw, id_kind, id18 AS id_number, id_valid,
            -- a document number; an ID a spreadsheet rounded (imprecise) is kept in id_raw only
            CASE WHEN id18 IS NULL AND id_kind <> 'imprecise' THEN id_clean END AS other_doc,
            CASE WHEN id_trusted THEN substr(id18, 1, 6) END AS id_region,
            -- a minority or romanised name has no Han surname: its whole pinyin keys its blocks
            n.name_std, nullif(n.surname, '') AS surname, n.given_name, nullif(n.surname_py, '') AS surname_py,
            coalesce(nullif(n.surname_py, ''), n.name_py) AS surname_key, n.given_py, n.name_py,
            n.name_py_fuzzy, name AS name_raw,
            coalesce(rs_sex(sex), CASE WHEN id_trusted THEN rs_id_sex(id18) END) AS sex, sex AS sex_raw,
            coalesce(b_date, CASE WHEN id_trusted THEN id_birth END) AS birth_date,
            coalesce(b_ym, CASE WHEN id_trusted THEN strftime(id_birth, '%Y-%m') END) AS birth_ym,
            coalesce(b_year, CASE WHEN id_trusted THEN year(id_birth) END) AS birth_year,
            CASE WHEN b_date IS NOT NULL THEN 'day' WHEN b_ym IS NOT NULL THEN 'month'
                 WHEN b_year IS NOT NULL THEN 'year' WHEN id_trusted THEN 'id' END AS birth_precision,
            -- as written: 'dmy' (day or month first, year last) with a year only could be either
            birth_date AS birth_raw, b_form AS birth_form,
            phone_std AS phone, rs_phone_kind(phone_std) AS phone_kind,
            ra.address AS registered_address, rr.address AS residence_address,
            ra.building_key AS registered_building, rr.building_key AS residence_building,
            ra.dwelling_key AS registered_dwelling, rr.dwelling_key AS residence_dwelling,
            rs_person_status(status) AS status, status AS status_raw,
            status_day AS status_date, updated_day AS updated_at,
            rs_blank(employer_name) AS employer_name, upper(rs_blank(rs_fold(employer_uscc))) AS employer_uscc,
            rs_blank(ethnicity) AS ethnicity, rs_blank(guardian_name) AS guardian_name
        FROM l4 LEFT JOIN {names_table} n ON n.name_raw = l4.name
        LEFT JOIN {addresses_table} ra ON ra.raw = l4.registered_address
        LEFT JOIN {addresses_table} rr ON rr.raw = l4.residence_address
    """


def quarantine_unidentifiable(engine: Engine) -> None:
    """A record with no name and no document cannot be matched to anyone: quarantine it."""
    quarantine_where(engine, "std_person", "name_std IS NULL AND id_number IS NULL AND other_doc IS NULL",
                     "no_identity", "{'name': name_raw, 'id_number': id_raw}")
