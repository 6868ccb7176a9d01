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
_STATUS_EVIDENCE_DATE = "CASE WHEN status = 'deceased' THEN coalesce(status_date, updated_at) ELSE status_date END"

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


def build_person_golden(engine: Engine, config: Config) -> None:
    rules = person_rules(config)
    ranks = _source_ranks_sql(config)
    values = ", ".join(f"{expr} AS {quote_ident('v_' + a)}" for a, expr in PERSON_VALUES.items())
    engine.create_table("golden_person_candidates", f"""
        SELECT c.person_id, s.source, s.record_key, s.id_valid, s.updated_at, s.status_date, s.status,
               p.source_rank, {values}, n.n_records
        FROM std_person s JOIN cluster_person c USING (rid) JOIN {ranks} USING (source)
        JOIN (SELECT person_id, count(*) AS n_records FROM cluster_person GROUP BY person_id) n USING (person_id)""")
    winners = []
    for attribute in PERSON_VALUES:
        attr_rules = rules.get(attribute, DEFAULT_RULES)
        column = quote_ident("v_" + attribute)
        order = ", ".join([ORDER_KEYS[r] for r in attr_rules] + ["source", "record_key"])
        frequency = (f"count(*) OVER (PARTITION BY person_id, {column})" if "most_frequent" in attr_rules
                     else "1")
        winners.append(f"""
            SELECT person_id, {quote_literal(attribute)} AS attribute, value, source, record_key
            FROM (
                SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY {order}) AS rank
                FROM (SELECT *, {column} AS value, {frequency} AS frequency
                      FROM golden_person_candidates WHERE {column} IS NOT NULL AND n_records > 1))
            WHERE rank = 1
            UNION ALL
            -- an entity of one record: its values are the golden values, nothing to rank
            SELECT person_id, {quote_literal(attribute)}, {column}, source, record_key
            FROM golden_person_candidates WHERE {column} IS NOT NULL AND n_records = 1""")
    engine.create_table("tmp_person_winners", " UNION ALL ".join(winners))
    engine.create_table_from_frame("person_survivorship", pd.DataFrame(
        {"attribute": list(PERSON_VALUES),
         "rules": [",".join(rules.get(a, DEFAULT_RULES)) for a in PERSON_VALUES]}))
    engine.drop("golden_person_candidates")

    engine.create_table("person_xref", """
        SELECT s.source, s.record_key, c.person_id, c.cluster_probability AS match_probability,
               s.row_number, s.rid
        FROM std_person s JOIN cluster_person c USING (rid)""")

    pivots = ",\n".join(f"max(value) FILTER (WHERE attribute = {quote_literal(a)}) AS {a}"
                        for a in PERSON_VALUES)
    engine.create_table("person_golden", f"""
        WITH members AS (
            SELECT person_id, count(*) AS n_records, count(DISTINCT source) AS n_sources,
                   array_to_string(list_sort(list_distinct(list(source))), ',') AS sources,
                   min(match_probability) AS min_match_probability
            FROM person_xref GROUP BY person_id
        ), golden AS (
            SELECT person_id, {pivots} FROM tmp_person_winners GROUP BY person_id
        ), status_dates AS (
            SELECT l.person_id, {_STATUS_EVIDENCE_DATE} AS status_date
            FROM tmp_person_winners l JOIN std_person s USING (source, record_key)
            WHERE l.attribute = 'status'
        )
        SELECT m.person_id, g.id_number,
               coalesce(rs_id_valid(g.id_number, DATE {quote_literal(config.snapshot_date.isoformat())}), false)
                   AS id_valid,
               g.* EXCLUDE (person_id, id_number, status),
               coalesce(g.status, 'active') AS status, d.status_date,
               m.n_records, m.n_sources, m.sources, m.min_match_probability
        FROM members m LEFT JOIN golden g USING (person_id) LEFT JOIN status_dates d USING (person_id)
        ORDER BY m.person_id""")
    # the value itself is in person_golden; the lineage says where it came from
    engine.create_table("person_lineage", "SELECT person_id, attribute, source, record_key FROM tmp_person_winners")
    engine.drop("tmp_person_winners")
