"""Standardise enterprises: every enterprise source's raw table to one canonical table.

Reads ``raw_<source>``; writes ``std_enterprise`` (one row per accepted record: USCC and its
organisation code validated, legacy registration numbers and tax IDs tied to the same
organisation code, names split into region, core, legal form and branch, the legal
representative's ID converted, addresses normalised), ``std_enterprise_names`` and
``std_enterprise_addresses``. A record with no name and no identifier is quarantined
(``no_identity``).
"""

from __future__ import annotations

from resolve.config import ENTITY_FIELDS, Config
from resolve.engine import Engine, quote_literal
from resolve.standardise.addresses import PROVINCES, build_address_table, register_address_macros
from resolve.standardise.enterprise_ids import register_enterprise_id_macros
from resolve.standardise.enterprise_names import enterprise_name_features, region_prefixes
from resolve.standardise.inputs import input_union_sql, quarantine_where, rid_offsets
from resolve.standardise.names import normalise_name
from resolve.standardise.sql import register_macros

ENTERPRISE_FIELDS = ENTITY_FIELDS["enterprise"]

_STATUS = """CASE trim(s)
    WHEN 'active' THEN 'active' WHEN '存续' THEN 'active' WHEN '在业' THEN 'active' WHEN '开业' THEN 'active'
    WHEN '正常' THEN 'active' WHEN '迁入' THEN 'active'
    WHEN 'deregistered' THEN 'deregistered' WHEN '注销' THEN 'deregistered' WHEN '已注销' THEN 'deregistered'
    WHEN 'revoked' THEN 'revoked' WHEN '吊销' THEN 'revoked' WHEN '已吊销' THEN 'revoked'
    WHEN '吊销，未注销' THEN 'revoked' WHEN '吊销未注销' THEN 'revoked' END"""


def standardise_enterprises(engine: Engine, config: Config) -> None:
    sources = config.sources_for("enterprise")
    if not sources:
        return
    register_macros(engine)
    register_address_macros(engine, config.city, config.region_code)
    register_enterprise_id_macros(engine)
    engine.execute(f"CREATE OR REPLACE MACRO rs_enterprise_status(s) AS {_STATUS}")
    engine.create_table("std_enterprise_input",
                        input_union_sql(sources, ENTERPRISE_FIELDS, rid_offsets(engine, sources)))

    regions = region_prefixes(config.city, PROVINCES.get(config.region_code[:2]))
    names = [r[0] for r in engine.fetchall("SELECT DISTINCT name FROM std_enterprise_input WHERE name IS NOT NULL")]
    engine.create_table_from_frame("std_enterprise_names", enterprise_name_features(names, regions))
    reps = [r[0] for r in engine.fetchall(
        "SELECT DISTINCT legal_rep_name FROM std_enterprise_input WHERE legal_rep_name IS NOT NULL")]
    import pandas as pd

    engine.create_table_from_frame("tmp_rep_names", pd.DataFrame(
        {"raw": pd.Series(reps, dtype="string"),
         "rep_name": pd.Series([normalise_name(r) for r in reps], dtype="string")}))
    build_address_table(engine, "SELECT address AS raw FROM std_enterprise_input", "std_enterprise_addresses")

    snapshot = quote_literal(config.snapshot_date.isoformat())
    engine.create_table("std_enterprise", f"""
        WITH codes AS (
            SELECT i.*, rs_code_clean(uscc) AS uscc_c, rs_code_clean(org_code) AS org_c,
                   rs_code_clean(tax_id) AS tax_c, rs_code_clean(reg_number) AS reg_c,
                   rs_id18(rs_id_clean(legal_rep_id_number)) AS rep_id
            FROM std_enterprise_input i
        )
        SELECT codes.rid, codes.source, codes.record_key, codes.row_number,
               codes.uscc AS uscc_raw, CASE WHEN rs_uscc_shape(uscc_c) THEN uscc_c END AS uscc,
               rs_uscc_valid(uscc_c) AS uscc_valid,
               coalesce(rs_uscc_org(uscc_c), org_c, rs_tax_org(tax_c)) AS org_code,
               rs_org_valid(coalesce(rs_uscc_org(uscc_c), org_c, rs_tax_org(tax_c))) AS org_valid,
               CASE WHEN regexp_full_match(reg_c, '\\d{{15}}') THEN reg_c END AS reg_number,
               rs_regno_valid(reg_c) AS reg_number_valid, tax_c AS tax_id,
               coalesce(uscc_c LIKE '92%', false) OR coalesce(enterprise_type LIKE '%个体%', false)
                   AS is_individual_business,
               codes.name AS name_raw, n.name_std, n.region, n.core, n.legal_form, n.is_branch, n.branch_label,
               n.parent_name, n.name_key,
               r.rep_name AS legal_rep_name, rep_id AS legal_rep_id_number,
               coalesce(rs_id_valid(rep_id, DATE {snapshot}), false) AS legal_rep_id_valid,
               a.address, a.building_key, a.dwelling_key,
               rs_enterprise_status(codes.status) AS status, codes.status AS status_raw,
               rs_date(established_date) AS established_date, rs_date(updated_at) AS updated_at,
               rs_blank(enterprise_type) AS enterprise_type
        FROM codes
        LEFT JOIN std_enterprise_names n ON n.name_raw = codes.name
        LEFT JOIN tmp_rep_names r ON r.raw = codes.legal_rep_name
        LEFT JOIN std_enterprise_addresses a ON a.raw = codes.address""")
    engine.drop("tmp_rep_names")
    engine.drop("std_enterprise_input")
    quarantine_where(engine, "std_enterprise",
                     "name_std IS NULL AND uscc IS NULL AND org_code IS NULL AND reg_number IS NULL "
                     "AND tax_id IS NULL", "no_identity", "{'name': name_raw, 'uscc': uscc_raw}")
