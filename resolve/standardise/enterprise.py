"""Standardise enterprises: every enterprise source's raw table to one canonical table.

Reads ``raw_<source>``; writes ``std_enterprise`` (one row per accepted record: USCC and its
organisation code validated, legacy registration numbers and tax IDs tied to the same
organisation code, names split into region, core, legal form and branch, the legal
representative's ID converted, addresses normalised), ``std_enterprise_names`` and
``std_enterprise_addresses``. A record with no name and no identifier is quarantined
(``no_identity``).

Enterprises are also *mentioned* by other departments: a social-insurance record names its
employer (employer_name, employer_uscc), a real-estate record may name an enterprise as
owner. Each distinct mention (source, name, code) becomes a row of ``std_enterprise`` with
``mention`` set to its role ('employer', 'owner') and ``mention_count`` records behind it, so
the enterprise model links mentions and registrations alike; mentions never reach
``enterprise_xref`` (their records belong to the person and property registries).
"""

from __future__ import annotations

from resolve.config import ENTITY_FIELDS, Config
from resolve.engine import Engine, each_value, quote_literal
from resolve.standardise.addresses import PROVINCES, build_address_table, register_address_macros
from resolve.standardise.enterprise_ids import register_enterprise_id_macros
from resolve.standardise.enterprise_names import enterprise_name_features, region_prefixes
from resolve.standardise.inputs import input_union_sql, quarantine_where, rid_offsets
from resolve.standardise.names import normalise_name
from resolve.standardise.sql import read_date, read_id, read_in_steps, register_macros

ENTERPRISE_FIELDS = ENTITY_FIELDS["enterprise"]

_STATUS = """CASE trim(s)
    WHEN 'active' THEN 'active' WHEN '存续' THEN 'active' WHEN '在业' THEN 'active' WHEN '开业' THEN 'active'
    WHEN '正常' THEN 'active' WHEN '迁入' THEN 'active'
    WHEN 'deregistered' THEN 'deregistered' WHEN '注销' THEN 'deregistered' WHEN '已注销' THEN 'deregistered'
    WHEN 'revoked' THEN 'revoked' WHEN '吊销' THEN 'revoked' WHEN '已吊销' THEN 'revoked'
    WHEN '吊销，未注销' THEN 'revoked' WHEN '吊销未注销' THEN 'revoked' END"""


# An owner named like an organisation, or like an individual business (a trade name of five
# characters or more ending in 店, 馆, 行...: no person's name is that long and ends so).
_OWNER_IS_ENTERPRISE = ("(regexp_matches(owner_name, '(公司|企业|集团|合作社|事务所|银行|委员会|局)') "
                        "OR (length(owner_name) >= 5 AND regexp_matches(owner_name, '(店|馆|部|行|厂|厅|中心|社|所|场)$')))")


def _mention_sql(engine: Engine) -> list[str]:
    """SELECTs of the distinct enterprise mentions in the person and property registries."""
    out = []
    cols = {"person": set(), "property": set()}
    for entity in cols:
        if engine.has_table(f"std_{entity}"):
            cols[entity] = set(engine.column_names(f"std_{entity}"))
    if {"employer_name", "employer_uscc"} <= cols["person"]:
        out.append("SELECT source, 'employer' AS mention, employer_name AS name, employer_uscc AS uscc, "
                   "count(*) AS mention_count FROM std_person "
                   "WHERE employer_name IS NOT NULL OR employer_uscc IS NOT NULL GROUP BY ALL")
    if {"owner_name", "owner_uscc"} <= cols["property"]:
        out.append(f"SELECT source, 'owner', owner_name, owner_uscc, count(*) FROM std_property "
                   # a code shaped like a USCC beside a person's name is a mistyped citizen ID
                   f"WHERE {_OWNER_IS_ENTERPRISE} OR (owner_uscc IS NOT NULL "
                   f"AND coalesce(length(owner_name), 5) >= 5) GROUP BY ALL")
    return out


def standardise_enterprises(engine: Engine, config: Config) -> None:
    sources = config.sources_for("enterprise")
    mentions = _mention_sql(engine)
    register_macros(engine)
    register_address_macros(engine, config.city, config.region_code)
    register_enterprise_id_macros(engine)
    engine.execute(f"CREATE OR REPLACE MACRO rs_enterprise_status(s) AS {_STATUS}")
    own = input_union_sql(sources, ENTERPRISE_FIELDS, rid_offsets(engine, sources))
    engine.create_table("std_enterprise_input",
                        f"SELECT *, NULL::VARCHAR AS mention, NULL::BIGINT AS mention_count FROM ({own})")
    if mentions:
        first = engine.scalar("SELECT coalesce(sum(rows_read), 0) FROM ingest_sources")
        engine.execute(f"""
            INSERT INTO std_enterprise_input BY NAME
            SELECT {first} + row_number() OVER (ORDER BY source, mention, name, uscc) AS rid, source,
                   NULL::BIGINT AS row_number,
                   mention || ':' || coalesce(uscc, '') || ':' || coalesce(name, '') AS record_key,
                   name, uscc, mention, mention_count
            FROM ({" UNION ALL ".join(mentions)})""")

    regions = region_prefixes(config.city, PROVINCES.get(config.region_code[:2]))
    engine.map_distinct("std_enterprise_names", "SELECT name FROM std_enterprise_input WHERE name IS NOT NULL",
                        lambda frame: enterprise_name_features(frame["name"], regions))
    # a branch's name begins with its parent's: the parent's comparison key finds the parent
    engine.map_distinct(
        "tmp_parent_keys", "SELECT parent_name FROM std_enterprise_names WHERE parent_name IS NOT NULL",
        lambda frame: enterprise_name_features(frame["parent_name"], regions)[["name_raw", "name_key"]]
        .rename(columns={"name_raw": "parent_name", "name_key": "parent_key"}))
    engine.map_distinct("tmp_rep_names", "SELECT legal_rep_name AS raw FROM std_enterprise_input "
                                         "WHERE legal_rep_name IS NOT NULL", each_value(normalise_name, out="rep_name"))
    build_address_table(engine, "SELECT address AS raw FROM std_enterprise_input", "std_enterprise_addresses")

    snapshot = quote_literal(config.snapshot_date.isoformat())
    engine.create_table("std_enterprise", f"""
        WITH codes AS (
            SELECT i.*, rs_code_clean(uscc) AS uscc_c, rs_code_clean(org_code) AS org_c,
                   rs_code_clean(tax_id) AS tax_c, rs_code_clean(reg_number) AS reg_c,
                   rep_id, established_parts, updated_parts
            FROM ({read_in_steps("std_enterprise_input", read_id("legal_rep_id_number", "rep_id"),
                                 read_date("established_date", "established_parts"),
                                 read_date("updated_at", "updated_parts"))}) i
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
               n.parent_name, pk.parent_key, n.name_key,
               r.rep_name AS legal_rep_name, rep_id AS legal_rep_id_number,
               coalesce(rs_id_valid(rep_id, DATE {snapshot}), false) AS legal_rep_id_valid,
               a.address, a.building_key, a.dwelling_key,
               rs_enterprise_status(codes.status) AS status, codes.status AS status_raw,
               rs_parts_date(established_parts) AS established_date, rs_parts_date(updated_parts) AS updated_at,
               rs_blank(enterprise_type) AS enterprise_type, codes.mention, codes.mention_count
        FROM codes
        LEFT JOIN std_enterprise_names n ON n.name_raw = codes.name
        LEFT JOIN tmp_parent_keys pk ON pk.parent_name = n.parent_name
        LEFT JOIN tmp_rep_names r ON r.raw = codes.legal_rep_name
        LEFT JOIN std_enterprise_addresses a ON a.raw = codes.address""")
    engine.drop("tmp_rep_names")
    engine.drop("tmp_parent_keys")
    engine.drop("std_enterprise_input")
    nothing = "name_std IS NULL AND uscc IS NULL AND org_code IS NULL AND reg_number IS NULL AND tax_id IS NULL"
    quarantine_where(engine, "std_enterprise", f"{nothing} AND mention IS NULL", "no_identity",
                     "{'name': name_raw, 'uscc': uscc_raw}")
    # an employer field that names nothing: the person's record stands, there is no enterprise to link
    engine.execute(f"DELETE FROM std_enterprise WHERE {nothing} AND mention IS NOT NULL")
