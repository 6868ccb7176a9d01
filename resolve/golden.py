"""Golden records: one row per entity, each attribute chosen by the config's survivorship rules.

Reads ``std_person`` and ``cluster_person``; writes ``person_xref`` (one row per accepted
record), ``person_golden`` (one row per person), ``person_lineage`` (for every golden value,
the source record that gave it) and ``person_survivorship`` (the rules each attribute was
chosen by).

Rules, applied in the order a config lists them for an attribute (ties fall to the next):
``valid_first`` (a check-valid ID first), ``complete_first`` (a full date before a partial
one), ``source_priority`` (``survivorship.source_priority``, unlisted sources after),
``most_recent`` (latest updated_at), ``most_frequent`` (the value most records give),
``latest_evidence`` (status: the latest dated statement wins, deceased on a tie or when
nothing is dated, so a death registration outranks an "active" that no later status date
supports).
"""

from __future__ import annotations

import pandas as pd

from resolve.config import DEFAULT_PERSON_RULES, Config
from resolve.engine import Engine, quote_ident, quote_literal
from resolve.overrides import apply_value_overrides, entries_from_log

PERSON_VALUES = {
    "id_number": "id_number",
    "other_doc": "other_doc",
    "name": "name_std",
    "sex": "sex",
    "birth_date": "coalesce(strftime(birth_date, '%Y-%m-%d'), birth_ym)",
    "phone": "phone",
    "registered_address": "registered_address",
    "residence_address": "residence_address",
    "status": "status",
    "ethnicity": "ethnicity",
    "employer_name": "employer_name",
    "employer_uscc": "employer_uscc",
    "guardian_name": "guardian_name",
}

DEFAULT_RULES = ["most_frequent", "source_priority"]

EXTRA_DEFAULT_RULES = {
    "other_doc": ["most_frequent", "source_priority"],
    "status": ["latest_evidence", "source_priority"],
    "employer_uscc": ["most_recent", "source_priority"],
    "guardian_name": ["most_recent", "source_priority"],
}

# A death registration is dated by its status date, or failing that by the registration
# itself. Any other status counts as evidence only with its own status date: a record's
# updated_at says when a department touched the row, not that the person was alive then.
def _status_evidence_date(alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return f"CASE WHEN {a}status = 'deceased' THEN coalesce({a}status_date, {a}updated_at) ELSE {a}status_date END"


_STATUS_EVIDENCE_DATE = _status_evidence_date()

_NEVER = "1e12"  # sorts after every real date

# Each rule as an ascending sort key: the winner sorts first, compared rule by rule.
ORDER_KEYS = {
    "valid_first": "CASE WHEN id_valid THEN 0 ELSE 1 END",
    "complete_first": "-length(value)",
    "source_priority": "source_rank",
    "most_recent": f"coalesce(-epoch(updated_at), {_NEVER})",
    "most_frequent": "-frequency",
    "latest_evidence": f"coalesce(-epoch({_STATUS_EVIDENCE_DATE}), {_NEVER}) * 10 "
                       "+ CASE status WHEN 'deceased' THEN 0 WHEN 'moved_out' THEN 1 ELSE 2 END",
}


def person_rules(config: Config) -> dict[str, list[str]]:
    rules = {**DEFAULT_PERSON_RULES, **EXTRA_DEFAULT_RULES}
    rules.update(config.survivorship.person)
    return rules


def _source_ranks_sql(config: Config) -> str:
    order = list(config.survivorship.source_priority)
    order += [s.name for s in config.sources if s.name not in order]
    rows = ", ".join(f"({quote_literal(name)}, {rank})" for rank, name in enumerate(order))
    return f"(VALUES {rows}) AS p(source, source_rank)"


def entity_rules(config: Config, entity: str, defaults: dict[str, list[str]]) -> dict[str, list[str]]:
    rules = dict(defaults)
    rules.update(getattr(config.survivorship, entity))
    return rules


def survive(engine: Engine, config: Config, entity: str, values: dict[str, str], rules: dict[str, list[str]],
            candidate_columns: str, secondary: str = "0") -> None:
    """Rank every entity's candidate values attribute by attribute.

    Writes ``tmp_<entity>_winners(<entity>_id, attribute, value, source, record_key)`` and
    ``<entity>_survivorship``. ``candidate_columns`` supplies id_valid, updated_at,
    status_date and status from ``std_<entity> s``; ``secondary`` is 1 for records that rank
    after every primary record whatever the rules (an enterprise only mentioned by another
    department).
    """
    key = f"{entity}_id"
    ranks = _source_ranks_sql(config)
    cols = ", ".join(f"{expr} AS {quote_ident('v_' + a)}" for a, expr in values.items())
    engine.create_table(f"tmp_{entity}_candidates", f"""
        SELECT c.{key}, s.source, s.record_key, {candidate_columns}, {secondary} AS secondary,
               p.source_rank, {cols}, n.n_records
        FROM std_{entity} s JOIN cluster_{entity} c USING (rid) JOIN {ranks} USING (source)
        JOIN (SELECT {key}, count(*) AS n_records FROM cluster_{entity} GROUP BY {key}) n USING ({key})""")
    winners = []
    for attribute in values:
        attr_rules = rules.get(attribute, DEFAULT_RULES)
        column = quote_ident("v_" + attribute)
        order = ", ".join(["secondary"] + [ORDER_KEYS[r] for r in attr_rules] + ["source", "record_key"])
        frequency = (f"count(*) OVER (PARTITION BY {key}, {column})" if "most_frequent" in attr_rules
                     else "1")
        winners.append(f"""
            SELECT {key}, {quote_literal(attribute)} AS attribute, value, source, record_key
            FROM (
                SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY {order}) AS rank
                FROM (SELECT *, {column} AS value, {frequency} AS frequency
                      FROM tmp_{entity}_candidates WHERE {column} IS NOT NULL AND n_records > 1))
            WHERE rank = 1
            UNION ALL
            -- an entity of one record: its values are the golden values, nothing to rank
            SELECT {key}, {quote_literal(attribute)}, {column}, source, record_key
            FROM tmp_{entity}_candidates WHERE {column} IS NOT NULL AND n_records = 1""")
    engine.create_table(f"tmp_{entity}_winners", " UNION ALL ".join(winners))
    engine.create_table_from_frame(f"{entity}_survivorship", pd.DataFrame(
        {"attribute": list(values), "rules": [",".join(rules.get(a, DEFAULT_RULES)) for a in values]}))
    engine.drop(f"tmp_{entity}_candidates")


def pivot_winners(entity: str, attributes) -> str:
    """SELECT <entity>_id, one column per attribute, from the winners table."""
    pivots = ",\n".join(f"max(value) FILTER (WHERE attribute = {quote_literal(a)}) AS {a}" for a in attributes)
    return f"SELECT {entity}_id, {pivots} FROM tmp_{entity}_winners GROUP BY {entity}_id"


def write_xref_and_lineage(engine: Engine, entity: str, where: str = "true") -> None:
    """``<entity>_xref`` (one row per accepted record) and ``<entity>_lineage``."""
    key = f"{entity}_id"
    engine.create_table(f"{entity}_xref", f"""
        SELECT s.source, s.record_key, c.{key}, c.cluster_probability AS match_probability,
               s.row_number, s.rid
        FROM std_{entity} s JOIN cluster_{entity} c USING (rid) WHERE {where}""")
    # the value itself is in <entity>_golden; the lineage says where it came from
    engine.create_table(f"{entity}_lineage",
                        f"SELECT {key}, attribute, source, record_key FROM tmp_{entity}_winners")


def members_sql(entity: str) -> str:
    """Each entity's records: how many, from how many and which sources, its weakest link."""
    return f"""
        SELECT {entity}_id, count(*) AS n_records, count(DISTINCT source) AS n_sources,
               array_to_string(list_sort(list_distinct(list(source))), ',') AS sources,
               min(match_probability) AS min_match_probability
        FROM {entity}_xref GROUP BY {entity}_id"""


def build_person_golden(engine: Engine, config: Config) -> None:
    if not engine.has_table("cluster_person"):
        return
    survive(engine, config, "person", PERSON_VALUES, person_rules(config),
            "s.id_valid, s.updated_at, s.status_date, s.status")
    apply_value_overrides(engine, entries_from_log(engine), "person")
    write_xref_and_lineage(engine, "person")
    engine.create_table("person_golden", f"""
        WITH members AS ({members_sql("person")}
        ), golden AS ({pivot_winners("person", PERSON_VALUES)}
        ), status_dates AS (
            -- a status set by an override comes with its own date
            SELECT l.person_id, coalesce(o.status_date, {_status_evidence_date("s")}) AS status_date
            FROM tmp_person_winners l LEFT JOIN std_person s USING (source, record_key)
            LEFT JOIN tmp_override_values o ON l.source = 'override' AND o.override_id = l.record_key
            WHERE l.attribute = 'status'
        ), id_checks AS (
            -- an ID is valid as some record wrote it (18 digits passing the check character),
            -- never as we completed it from 15 digits; an override's ID as it passes the check
            SELECT l.person_id,
                   CASE WHEN l.source = 'override'
                        THEN rs_id_valid(l.value, DATE {quote_literal(config.snapshot_date.isoformat())})
                        ELSE bool_or(s.id_valid) END AS id_valid
            FROM tmp_person_winners l
            LEFT JOIN cluster_person c ON c.person_id = l.person_id
            LEFT JOIN std_person s ON s.rid = c.rid AND s.id_number = l.value
            WHERE l.attribute = 'id_number'
            GROUP BY l.person_id, l.source, l.value
        )
        SELECT m.person_id, g.id_number, coalesce(ic.id_valid, false) AS id_valid,
               g.* EXCLUDE (person_id, id_number, status),
               coalesce(g.status, 'active') AS status, d.status_date,
               m.n_records, m.n_sources, m.sources, m.min_match_probability
        FROM members m LEFT JOIN golden g USING (person_id) LEFT JOIN status_dates d USING (person_id)
        LEFT JOIN id_checks ic USING (person_id)
        ORDER BY m.person_id""")
    engine.drop("tmp_person_winners")
    engine.drop("tmp_override_values")


ENTERPRISE_VALUES = {
    "uscc": "uscc",
    "org_code": "org_code",
    "reg_number": "reg_number",
    "tax_id": "tax_id",
    "name": "name_std",
    "legal_rep_name": "legal_rep_name",
    "legal_rep_id_number": "legal_rep_id_number",
    "address": "address",
    "status": "status",
    "established_date": "strftime(established_date, '%Y-%m-%d')",
    "enterprise_type": "enterprise_type",
}

DEFAULT_ENTERPRISE_RULES: dict[str, list[str]] = {
    "uscc": ["valid_first", "most_frequent", "source_priority"],
    "name": ["source_priority", "most_frequent", "most_recent"],
    "legal_rep_name": ["most_recent", "source_priority"],
    "legal_rep_id_number": ["most_recent", "source_priority"],
    "address": ["most_recent", "source_priority"],
    "status": ["most_recent", "source_priority"],
    "enterprise_type": ["source_priority", "most_frequent"],
}


def build_enterprise_golden(engine: Engine, config: Config) -> None:
    """``enterprise_golden``: one row per enterprise, registered or only mentioned.

    The legal form and branch marker come with the golden name. A branch's parent is the
    enterprise (not a branch) whose name key is the branch's parent key, when exactly one
    enterprise has it. Mentions (employers, owners) rank after registrations for every value
    and never reach ``enterprise_xref``.
    """
    if not engine.has_table("cluster_enterprise"):
        return
    survive(engine, config, "enterprise", ENTERPRISE_VALUES,
            entity_rules(config, "enterprise", DEFAULT_ENTERPRISE_RULES),
            "s.uscc_valid AS id_valid, s.updated_at, NULL::DATE AS status_date, s.status",
            secondary="CASE WHEN s.mention IS NULL THEN 0 ELSE 1 END")
    apply_value_overrides(engine, entries_from_log(engine), "enterprise")
    write_xref_and_lineage(engine, "enterprise", where="s.mention IS NULL")
    engine.create_table("enterprise_golden", f"""
        WITH members AS (
            SELECT c.enterprise_id,
                   count(*) FILTER (WHERE s.mention IS NULL) AS n_records,
                   count(DISTINCT s.source) FILTER (WHERE s.mention IS NULL) AS n_sources,
                   array_to_string(list_sort(list_distinct(list(s.source) FILTER (WHERE s.mention IS NULL))), ',')
                       AS sources,
                   coalesce(sum(s.mention_count), 0) AS n_mentions,
                   bool_or(coalesce(s.is_individual_business, false)) AS is_individual_business,
                   min(c.cluster_probability) AS min_match_probability
            FROM std_enterprise s JOIN cluster_enterprise c USING (rid) GROUP BY c.enterprise_id
        ), golden AS ({pivot_winners("enterprise", ENTERPRISE_VALUES)}
        ), name_parts AS (
            SELECT w.enterprise_id, s.legal_form, s.is_branch, s.branch_label, s.parent_name, s.parent_key
            FROM tmp_enterprise_winners w JOIN std_enterprise s USING (source, record_key)
            WHERE w.attribute = 'name'
        ), keys AS (
            SELECT DISTINCT s.name_key, c.enterprise_id FROM std_enterprise s JOIN cluster_enterprise c USING (rid)
            WHERE NOT coalesce(s.is_branch, false) AND s.name_key IS NOT NULL
        ), parents AS (
            SELECT n.enterprise_id, min(k.enterprise_id) AS parent_enterprise_id
            FROM name_parts n JOIN keys k ON k.name_key = n.parent_key AND k.enterprise_id <> n.enterprise_id
            WHERE n.is_branch GROUP BY n.enterprise_id HAVING count(DISTINCT k.enterprise_id) = 1
        )
        SELECT m.enterprise_id, g.uscc, coalesce(rs_uscc_valid(g.uscc), false) AS uscc_valid,
               g.org_code, g.reg_number, g.tax_id, g.name, n.legal_form,
               coalesce(n.is_branch, false) AS is_branch, n.branch_label, n.parent_name,
               p.parent_enterprise_id, m.is_individual_business,
               g.legal_rep_name, g.legal_rep_id_number, g.address,
               coalesce(g.status, 'active') AS status, g.established_date::DATE AS established_date,
               g.enterprise_type, m.n_records, m.n_sources, m.sources, m.n_mentions,
               CASE WHEN m.n_records = 0 THEN 'mentions' ELSE 'registrations' END AS known_from,
               m.min_match_probability
        FROM members m LEFT JOIN golden g USING (enterprise_id) LEFT JOIN name_parts n USING (enterprise_id)
        LEFT JOIN parents p USING (enterprise_id)
        ORDER BY m.enterprise_id""")
    # who each mention (an employer field, an owner field) turned out to be
    engine.create_table("enterprise_mentions", """
        SELECT s.source, s.mention AS role, s.name_raw AS name, s.uscc_raw AS uscc, s.mention_count,
               c.enterprise_id, c.cluster_probability AS match_probability
        FROM std_enterprise s JOIN cluster_enterprise c USING (rid) WHERE s.mention IS NOT NULL""")
    engine.drop("tmp_enterprise_winners")
    engine.drop("tmp_override_values")


PROPERTY_VALUES = {
    "property_code": "property_code",
    "address": "address",
    "district": "district",
    "street": "street",
    "community": "community",
    "road": "road",
    "door_number": "door_number",
    "building": "building",
    "unit": "unit",
    "room": "room",
    "use": "use",
    "area": "area::VARCHAR",
    "updated_at": "strftime(updated_at, '%Y-%m-%d')",
}

DEFAULT_PROPERTY_RULES: dict[str, list[str]] = {
    "property_code": ["source_priority", "most_frequent"],
    "address": ["source_priority", "most_recent"],
    "use": ["source_priority", "most_recent"],
    "area": ["source_priority", "most_recent"],
    "updated_at": ["most_recent"],
}

# The parts of the standard address that come with the golden address's record.
_ADDRESS_PARTS = ("province", "city", "district_code", "floor", "descriptor", "building_key", "dwelling_key",
                  "in_city")


def build_property_golden(engine: Engine, config: Config) -> None:
    """``property_golden``: one row per property; the structured parts of the address are
    chosen part by part, the district code, floor and keys come with the golden address."""
    if not engine.has_table("cluster_property"):
        return
    survive(engine, config, "property", PROPERTY_VALUES,
            entity_rules(config, "property", DEFAULT_PROPERTY_RULES),
            "NULL::BOOLEAN AS id_valid, s.updated_at, NULL::DATE AS status_date, NULL::VARCHAR AS status")
    apply_value_overrides(engine, entries_from_log(engine), "property")
    write_xref_and_lineage(engine, "property")
    parts = ", ".join(f"s.{p}" for p in _ADDRESS_PARTS)
    engine.create_table("property_golden", f"""
        WITH members AS ({members_sql("property")}
        ), golden AS ({pivot_winners("property", PROPERTY_VALUES)}
        ), address_parts AS (
            SELECT w.property_id, {parts}
            FROM tmp_property_winners w JOIN std_property s USING (source, record_key)
            WHERE w.attribute = 'address'
        ), districts AS (
            -- the district's code from any member record when the golden address has none
            SELECT c.property_id, min(s.district_code) AS any_district_code
            FROM std_property s JOIN cluster_property c USING (rid) GROUP BY c.property_id
        )
        SELECT m.property_id, g.property_code, g.address, a.province, a.city, g.district,
               coalesce(a.district_code, d.any_district_code) AS district_code,
               g.street, g.community, g.road, g.door_number, g.building, g.unit, a.floor, g.room, a.descriptor,
               g.use, CASE WHEN g.use IS NULL THEN NULL ELSE g.use = 'residential' END AS is_dwelling,
               g.area::DOUBLE AS area, a.building_key, a.dwelling_key, a.in_city, g.updated_at::DATE AS updated_at,
               m.n_records, m.n_sources, m.sources, m.min_match_probability
        FROM members m LEFT JOIN golden g USING (property_id) LEFT JOIN address_parts a USING (property_id)
        LEFT JOIN districts d USING (property_id)
        ORDER BY m.property_id""")
    engine.drop("tmp_property_winners")
    engine.drop("tmp_override_values")
