"""Reconcile: the agreed figures, and how every department's own count leads to them.

Reads the golden, xref, cluster and relation tables; writes
- ``recon_person_facts``, ``recon_enterprise_facts``, ``recon_property_facts``: one row per
  golden entity with the named facts figure definitions use (``alive``,
  ``registered_in_city``, ``resident_in_city``, district codes, ``residents`` ...);
- ``recon_figures(figure, district_code, value, low, high, uncertain, label)``: each figure of
  ``reconcile.figures`` per district and city-wide (district_code NULL). ``low`` and ``high``
  are the same count over the entities the model forms at ``link.low_threshold`` and
  ``link.high_threshold`` (golden facts held fixed): merges at the lower threshold can only
  lower it, splits at the higher can only raise it. ``uncertain`` counts the entities whose
  membership differs between the two;
- ``recon_waterfall(source, figure, step_order, step, records)`` and
  ``recon_waterfall_records(source, figure, step, record_key, row_number, entity_id)``: for
  every source and every figure of its entity, from rows read to the entities it contributes
  through the steps of ``STEPS`` (quarantined, duplicates within the source, deceased, moved
  out, ... out of the figure's scope).
  Each step's records are listed, and read minus the steps equals the contribution;
- ``recon_overlap(sources, n_sources, persons)``: how many golden persons each combination of
  sources confirms.
"""

from __future__ import annotations

import pandas as pd

from resolve.cluster import band_scopes, cluster_registries
from resolve.config import ESTIMATE_FIGURE, ESTIMATE_LABEL, FACT_COLUMNS, UNKNOWN_DISTRICT, Config
from resolve.engine import Engine, date_literal, quote_ident, quote_literal
from resolve.estimate import estimate_residents
from resolve.labels import COMPARISONS, QUARANTINE_REASONS, SEX, STATUS, case_sql
from resolve.relate import active_occupants_sql

ENTITIES = ("person", "enterprise", "property")



def person_facts(engine: Engine, config: Config) -> None:
    """Who is alive, registered in the city, living in the city, and in which districts.

    Registered in the city: not moved out, and a household-registration address in the city.
    Resident: a current residence statement in the city, or registered in the city with no
    current statement placing them outside it; not when the residence found is a property
    that is not a dwelling (a public toilet houses nobody: see property_occupancy). A
    statement is current when it is no older than ``reconcile.residence_evidence_years`` (an
    undated one comes from a roll delivered as it stands), or when an older one is borne out
    by any of the person's records updated within that time (still on a payroll, still
    enrolled). The residence district comes from
    the resolved residence property, else the latest statement, else the registration.
    """
    years = config.reconcile.residence_evidence_years
    cutoff = date_literal(config.snapshot_date, years)
    # completed years at the snapshot date, where the whole birth date is known (not only 1990-05)
    day, born = config.snapshot_date, "CASE WHEN length(g.birth_date) = 10 THEN CAST(g.birth_date AS DATE) END"
    age = (f"{day.year} - year({born}) - "
           f"CASE WHEN month({born}) * 100 + day({born}) > {day.month * 100 + day.day} THEN 1 ELSE 0 END")
    engine.create_table("recon_person_facts", f"""
        WITH recent AS (
            SELECT DISTINCT x.person_id FROM person_xref x JOIN std_person s USING (rid)
            WHERE s.updated_at >= {cutoff}
        ), statements AS (
            SELECT a.entity_id AS person_id, a.role, a.resolution, a.district_code, a.updated_at,
                   coalesce(a.updated_at >= {cutoff}, true) OR r.person_id IS NOT NULL AS fresh
            FROM address_resolution a LEFT JOIN recent r ON r.person_id = a.entity_id WHERE a.entity = 'person'
        ), registered AS (
            SELECT person_id, bool_or(resolution <> 'outside_city') AS in_city,
                   arg_max(district_code, coalesce(updated_at, DATE '1900-01-01'))
                       FILTER (WHERE resolution <> 'outside_city') AS district_code
            FROM statements WHERE role = 'registered' GROUP BY person_id
        ), residence AS (
            SELECT person_id,
                   bool_or(fresh AND resolution <> 'outside_city') AS fresh_in_city,
                   bool_or(fresh AND resolution = 'outside_city') AS fresh_outside,
                   arg_max(district_code, updated_at) FILTER (WHERE fresh AND resolution <> 'outside_city')
                       AS district_code
            FROM statements WHERE role = 'residence' GROUP BY person_id
        ), base AS (
            SELECT g.person_id, g.status, g.sex, g.n_sources, g.sources,
                   g.status <> 'deceased' AS alive, g.status = 'deceased' AS deceased, g.status = 'moved_out' AS moved_out,
                   {age} AS age,
                   coalesce(reg.in_city, false) AND g.status <> 'moved_out' AS registered_in_city,
                   coalesce(rp_p.district_code, reg.district_code) AS registered_district_code,
                   coalesce(res.fresh_in_city, false) AS stated_resident,
                   coalesce(res.fresh_outside, false) AS stated_outside,
                   coalesce(r_p.district_code, res.district_code) AS stated_district_code,
                   coalesce(NOT r_p.is_dwelling, false) AS lives_in_non_dwelling
            FROM person_golden g
            LEFT JOIN registered reg USING (person_id)
            LEFT JOIN residence res USING (person_id)
            LEFT JOIN person_residence r USING (person_id) LEFT JOIN property_golden r_p ON r_p.property_id = r.property_id
            LEFT JOIN person_registered_property rp USING (person_id)
            LEFT JOIN property_golden rp_p ON rp_p.property_id = rp.property_id
        )
        SELECT * EXCLUDE (stated_district_code),
               (stated_resident OR (registered_in_city AND NOT stated_outside)) AND NOT lives_in_non_dwelling
                   AS resident_in_city,
               CASE WHEN stated_resident THEN 'residence_statement'
                    WHEN registered_in_city AND NOT stated_outside THEN 'registration' END AS resident_basis,
               CASE WHEN stated_resident THEN stated_district_code
                    WHEN registered_in_city AND NOT stated_outside THEN registered_district_code END
                   AS residence_district_code
        FROM base""")


def enterprise_facts(engine: Engine) -> None:
    engine.create_table("recon_enterprise_facts", """
        SELECT g.enterprise_id, g.status, g.status = 'active' AS active, g.is_branch, g.is_individual_business,
               g.known_from, coalesce(p.district_code, a.district_code) AS district_code
        FROM enterprise_golden g
        LEFT JOIN enterprise_site s USING (enterprise_id) LEFT JOIN property_golden p USING (property_id)
        LEFT JOIN (SELECT entity_id AS enterprise_id, arg_max(district_code, coalesce(updated_at, DATE '1900-01-01'))
                       AS district_code
                   FROM address_resolution WHERE entity = 'enterprise' GROUP BY 1) a USING (enterprise_id)""")


def property_facts(engine: Engine) -> None:
    engine.create_table("recon_property_facts", f"""
        SELECT p.property_id, p.use, coalesce(p.is_dwelling, false) AS is_dwelling, p.district_code, p.area,
               coalesce(r.n, 0) AS residents, coalesce(e.n, 0) AS enterprises
        FROM property_golden p
        LEFT JOIN ({active_occupants_sql("person")}) r USING (property_id)
        LEFT JOIN ({active_occupants_sql("enterprise")}) e USING (property_id)""")


def _alternative_clusters(engine: Engine, config: Config) -> None:
    """``tmp_cluster_low_<entity>`` / ``tmp_cluster_high_<entity>``: the entities the model
    forms at the other two thresholds, with the same cannot-link rules. Only the components
    with a link scored between the two are clustered again; the rest are the registry's."""
    low, high = config.link.low_threshold, config.link.high_threshold
    band_scopes(engine, config, low, high, "tmp_cluster_band")
    for name, threshold in (("low", low), ("high", high)):
        cluster_registries(engine, config, threshold, prefix=f"tmp_cluster_{name}", scope="tmp_cluster_band")
    for entity in ENTITIES:
        engine.drop(f"tmp_cluster_band_{entity}")


def figures(engine: Engine, config: Config) -> None:
    defs = config.reconcile.figures
    engine.create_table_from_frame("recon_figure_definitions", pd.DataFrame({
        "figure": list(defs), "label": [f.label for f in defs.values()], "entity": [f.entity for f in defs.values()],
        "where_sql": [f.where for f in defs.values()], "district_column": [f.district for f in defs.values()]}))
    selects = []
    unknown = quote_literal(UNKNOWN_DISTRICT)
    for name, figure in config.reconcile.figures.items():
        key = f"{figure.entity}_id"
        counted = (f"SELECT {key}, {quote_ident(figure.district)}::VARCHAR AS district_code "
                   f"FROM recon_{figure.entity}_facts WHERE ({figure.where})")
        # the alternatives: how many distinct entities at each threshold hold the counted
        # entities' records, each placed in the smallest district code among them
        alt = []
        for side in ("low", "high"):
            alt.append(f"""{side} AS (
                SELECT a.{key} AS alt_id, min(c.district_code) AS district_code
                FROM cluster_{figure.entity} m JOIN counted c USING ({key})
                JOIN tmp_cluster_{side}_{figure.entity} a USING (rid) GROUP BY a.{key})""")
        selects.append(f"""
            WITH counted AS ({counted}), {", ".join(alt)},
            pieces AS (
                SELECT m.{key}, count(DISTINCT h.{key}) AS n_high
                FROM cluster_{figure.entity} m JOIN counted USING ({key})
                JOIN tmp_cluster_high_{figure.entity} h USING (rid) GROUP BY m.{key}
            ), shared AS (
                SELECT m.{key}, count(DISTINCT other.{key}) AS n_low
                FROM cluster_{figure.entity} m JOIN counted USING ({key})
                JOIN tmp_cluster_low_{figure.entity} l USING (rid)
                JOIN tmp_cluster_low_{figure.entity} l2 ON l2.{key} = l.{key}
                JOIN cluster_{figure.entity} other ON other.rid = l2.rid GROUP BY m.{key}
            ), uncertain AS (
                SELECT c.district_code FROM counted c LEFT JOIN pieces p USING ({key}) LEFT JOIN shared s USING ({key})
                WHERE coalesce(p.n_high, 1) > 1 OR coalesce(s.n_low, 1) > 1
            ), parts AS (
                SELECT 'value' AS part, district_code FROM counted
                UNION ALL SELECT 'low', district_code FROM low
                UNION ALL SELECT 'high', district_code FROM high
                UNION ALL SELECT 'uncertain', district_code FROM uncertain
            )
            -- the city-wide row (district_code NULL) counts every entity, the district rows
            -- add up to it: those no district is known for have a row of their own
            SELECT {quote_literal(name)} AS figure, district_code,
                   count(*) FILTER (WHERE part = 'value') AS value, count(*) FILTER (WHERE part = 'low') AS low,
                   count(*) FILTER (WHERE part = 'high') AS high,
                   count(*) FILTER (WHERE part = 'uncertain') AS uncertain, {quote_literal(figure.label)} AS label
            FROM (SELECT part, coalesce(district_code, {unknown}) AS district_code FROM parts
                  UNION ALL SELECT part, NULL FROM parts)
            GROUP BY district_code""")
    # the survey-calibrated estimate beside the list, low and high its 95 % interval
    selects.append(f"""
        SELECT {quote_literal(ESTIMATE_FIGURE)} AS figure, district_code, value,
               greatest(round(value - 1.96 * coalesce(standard_error, 0)), 0)::BIGINT AS low,
               round(value + 1.96 * coalesce(standard_error, 0))::BIGINT AS high, NULL::BIGINT AS uncertain,
               {quote_literal(ESTIMATE_LABEL)} AS label
        FROM (SELECT *, coalesce(estimate, counted, 0) AS value FROM recon_resident_estimate)""")
    engine.create_table("recon_figures", " UNION ALL ".join(f"SELECT * FROM ({s})" for s in selects)
                        + " ORDER BY figure, district_code NULLS FIRST")


STEPS = ("quarantined", "duplicate_in_source", "deceased", "moved_out", "not_a_dwelling", "lives_outside_city",
         "no_address_in_city", "out_of_scope", "counted")


def _person_evidence(engine: Engine) -> None:
    """``tmp_person_evidence(person_id, status_source, outside_sources)``: which department
    gave each person's golden status, and which state a residence outside the city."""
    engine.create_table("tmp_person_evidence", """
        SELECT g.person_id, l.source AS status_source, o.sources AS outside_sources
        FROM person_golden g
        LEFT JOIN person_lineage l ON l.person_id = g.person_id AND l.attribute = 'status'
        LEFT JOIN (SELECT entity_id AS person_id, string_agg(DISTINCT source, ',' ORDER BY source) AS sources
                   FROM address_resolution WHERE entity = 'person' AND role = 'residence'
                     AND resolution = 'outside_city' GROUP BY 1) o ON o.person_id = g.person_id""")


def waterfalls(engine: Engine, config: Config) -> None:
    """Every record of every source lands on exactly one step of each of its entity's figures.

    ``according_to`` names the departments behind a step: the one whose death or move-out
    registration gave the golden status, those that place the person outside the city.
    ``recon_explanations`` says it in one sentence per source and figure.
    """
    _person_evidence(engine)
    records = []
    for name, figure in config.reconcile.figures.items():
        key = f"{figure.entity}_id"
        person = figure.entity == "person"
        # the first reason that applies; living at a non-dwelling only explains a figure
        # that counts residents
        non_dwelling = ("WHEN f.lives_in_non_dwelling THEN 'not_a_dwelling'" if "resident_in_city" in figure.where
                        else "")
        reason = (f"""CASE WHEN f.deceased THEN 'deceased' WHEN f.moved_out THEN 'moved_out' {non_dwelling}
                          WHEN f.stated_outside AND NOT f.stated_resident THEN 'lives_outside_city'
                          WHEN NOT (f.registered_in_city OR f.stated_resident) THEN 'no_address_in_city'
                          ELSE 'out_of_scope' END""" if person else "'out_of_scope'")
        according = ("""CASE WHEN f.deceased OR f.moved_out THEN e.status_source
                             WHEN f.stated_outside AND NOT f.stated_resident THEN e.outside_sources END"""
                     if person else "NULL::VARCHAR")
        evidence = "LEFT JOIN tmp_person_evidence e USING (person_id)" if person else ""
        records.append(f"""
            SELECT q.source, {quote_literal(name)} AS figure, 'quarantined' AS step, q.record_key, q.row_number,
                   NULL::VARCHAR AS entity_id, q.reason AS according_to
            FROM quarantine q JOIN ingest_sources i USING (source) WHERE i.entity = {quote_literal(figure.entity)}
            UNION ALL
            SELECT source, figure, step, record_key, row_number, entity_id,
                   CASE WHEN step IN ('deceased', 'moved_out', 'lives_outside_city') THEN according END
            FROM (
            SELECT x.source, {quote_literal(name)} AS figure,
                   CASE WHEN row_number() OVER (PARTITION BY x.source, x.{key} ORDER BY x.row_number) > 1
                        THEN 'duplicate_in_source'
                        WHEN c.{key} IS NOT NULL THEN 'counted' ELSE {reason} END AS step,
                   x.record_key, x.row_number, x.{key} AS entity_id, {according} AS according
            FROM {figure.entity}_xref x JOIN recon_{figure.entity}_facts f USING ({key}) {evidence}
            LEFT JOIN (SELECT {key} FROM recon_{figure.entity}_facts WHERE ({figure.where})) c USING ({key}))""")
    engine.create_table("recon_waterfall_records", " UNION ALL ".join(records))
    order = ", ".join(f"({quote_literal(s)}, {i + 1})" for i, s in enumerate(STEPS))
    engine.create_table("recon_waterfall", f"""
        WITH pairs AS (
            SELECT DISTINCT i.source, f.figure FROM ingest_sources i
            JOIN (SELECT DISTINCT figure, source FROM recon_waterfall_records) f USING (source)
        )
        SELECT p.source, p.figure, 0 AS step_order, 'read' AS step, i.rows_read AS records,
               NULL::VARCHAR AS according_to
        FROM pairs p JOIN ingest_sources i USING (source)
        UNION ALL
        SELECT source, figure, step_order, step, sum(n)::BIGINT,
               string_agg(according_to || ' ' || n, ', ' ORDER BY n DESC, according_to)
                   FILTER (WHERE according_to IS NOT NULL)
        FROM (
            SELECT p.source, p.figure, o.step_order, o.step, r.according_to, count(r.step) AS n
            FROM pairs p CROSS JOIN (VALUES {order}) o(step, step_order)
            LEFT JOIN recon_waterfall_records r ON r.source = p.source AND r.figure = p.figure AND r.step = o.step
            GROUP BY ALL)
        GROUP BY ALL
        ORDER BY source, figure, step_order""")
    phrases = {"quarantined": "{n:,} 条被隔离（{by}）", "duplicate_in_source": "{n:,} 条是本部门内的重复记录",
               "deceased": "{n:,} 条所指的人已死亡（据{by}）", "moved_out": "{n:,} 条所指的人已迁出（据{by}）",
               "lives_outside_city": "{n:,} 条所指的人居住在市外（据{by}）",
               "not_a_dwelling": "{n:,} 条所指的人登记居住在非住宅房屋",
               "no_address_in_city": "{n:,} 条所指的人在市内没有有效地址",
               "out_of_scope": "{n:,} 条不在该口径之内"}
    labels = dict(engine.fetchall("SELECT figure, label FROM recon_figure_definitions"))
    departments = dict(engine.fetchall("SELECT source, department FROM ingest_sources"))
    who = {**departments, **QUARANTINE_REASONS}
    sentences = []
    flows: dict = {}
    for source, figure, step, n, by in engine.fetchall(
            "SELECT w.source, w.figure, w.step, w.records, string_agg(r.according_to || ' ' || r.n, ', ' "
            "ORDER BY r.n DESC, r.according_to) FROM recon_waterfall w LEFT JOIN (SELECT source, figure, step, "
            "according_to, count(*) AS n FROM recon_waterfall_records WHERE according_to IS NOT NULL GROUP BY ALL) r "
            "USING (source, figure, step) GROUP BY ALL ORDER BY w.source, w.figure, any_value(w.step_order)"):
        flows.setdefault((source, figure), []).append((step, n, by))
    for (source, figure), steps in flows.items():
        parts = []
        for step, n, by in steps:
            if step == "read":
                head = f"{departments.get(source, source)}共读取 {n:,} 条记录"
            elif step == "counted":
                parts.append(f"{n:,} 条计入{labels.get(figure, figure)}")
            elif n:
                named = "、".join(f"{who.get(code, code)} {count}" for code, _, count in
                                 (item.rpartition(" ") for item in (by or "").split(", ") if item)) or "黄金记录"
                parts.append(phrases[step].format(n=n, by=named))
        sentences.append((source, figure, head + "：" + "；".join(parts) + "。"))
    engine.create_table_from_frame("recon_explanations", pd.DataFrame(sentences, columns=["source", "figure", "sentence"]))
    engine.drop("tmp_person_evidence")


def overlaps(engine: Engine) -> None:
    engine.create_table("recon_overlap", """
        SELECT sources, n_sources, count(*) AS persons FROM person_golden GROUP BY ALL ORDER BY persons DESC""")


def _check_fact_columns(engine: Engine) -> None:
    """The facts tables hold the columns config.FACT_COLUMNS promises figures' conditions."""
    for entity, promised in FACT_COLUMNS.items():
        built = tuple(engine.column_names(f"recon_{entity}_facts"))
        if set(built) != set(promised):
            raise AssertionError(f"recon_{entity}_facts columns {built} differ from config.FACT_COLUMNS {promised}")


def reconcile(engine: Engine, config: Config) -> None:
    person_facts(engine, config)
    enterprise_facts(engine)
    property_facts(engine)
    _check_fact_columns(engine)
    estimate_residents(engine, config)
    _alternative_clusters(engine, config)
    figures(engine, config)
    waterfalls(engine, config)
    overlaps(engine)
    disputes(engine, config)
    for entity in ENTITIES:
        for side in ("low", "high"):
            engine.drop(f"tmp_cluster_{side}_{entity}")
            engine.drop(f"tmp_cluster_{side}_{entity}_refused")


def _values_by_source(column: str) -> str:
    """Each department's value: 公安局户籍：1990-01-01."""
    return (f"list(DISTINCT s.department || '：' || {column}::VARCHAR "
            f"ORDER BY s.department || '：' || {column}::VARCHAR)")


def disputes(engine: Engine, config: Config) -> None:
    """``recon_disputes(kind, reason, entity_id, detail, match_probability)``: one row per
    golden person whose sources conflict, per merge close to the threshold, and per record
    that nearly matched a second person; ``recon_dispute_explanations`` holds, for each merge
    and near match, how much every comparison added or took away (the ``mw_*`` weights).
    ``recon_separation`` counts 人户分离: people registered in one district and living in another.
    """
    link = config.link
    # this registry's columns only, never an attached previous registry's
    mw = [c for c in engine.column_names("pairs_person") if c.startswith("mw_")]
    weights = ", ".join(f"'{c[3:]}', round({c}, 2)" for c in mw) or "'none', 0"
    # the same weights in words: 身份证号 +14.0，姓名 +12.7
    said = "''" if not mw else "coalesce(concat_ws('，', " + ", ".join(
        f"CASE WHEN round({c}, 1) <> 0 THEN {quote_literal(COMPARISONS.get(c[3:], c[3:]) + ' ')} || "
        f"CASE WHEN {c} > 0 THEN '+' ELSE '' END || round({c}, 1)::VARCHAR END" for c in mw) + "), '')"
    engine.create_table("recon_dispute_explanations", f"""
        SELECT a.person_id AS entity_id, b.person_id AS other_entity_id, p.rid_l, p.rid_r,
               a.source || '|' || a.record_key AS record_l, b.source || '|' || b.record_key AS record_r,
               p.match_probability, p.match_weight, json_object({weights})::VARCHAR AS weights,
               da.department || ' ' || a.record_key || ' 与 ' || db.department || ' ' || b.record_key
                   || '：' || {said} AS explanation
        FROM pairs_person p JOIN person_xref a ON a.rid = p.rid_l JOIN person_xref b ON b.rid = p.rid_r
        JOIN ingest_sources da ON da.source = a.source JOIN ingest_sources db ON db.source = b.source
        WHERE p.match_probability >= {link.low_threshold} AND p.match_probability < {link.high_threshold}""")
    engine.create_table("recon_disputes", f"""
        WITH members AS (SELECT x.person_id, s.*, i.department FROM person_xref x JOIN std_person s USING (rid)
                         JOIN ingest_sources i ON i.source = s.source)
        SELECT 'conflict' AS kind, 'birth_date_conflict' AS reason, s.person_id AS entity_id,
               array_to_string({_values_by_source('s.birth_date')}, '；') AS detail, NULL::DOUBLE AS match_probability
        FROM members s GROUP BY s.person_id HAVING count(DISTINCT s.birth_date) > 1
        UNION ALL
        SELECT 'conflict', 'sex_conflict', s.person_id,
               array_to_string({_values_by_source(case_sql('s.sex', SEX))}, '；'), NULL
        FROM members s GROUP BY s.person_id HAVING count(DISTINCT s.sex) > 1
        UNION ALL
        SELECT 'conflict', 'status_conflict', s.person_id,
               array_to_string({_values_by_source(case_sql('s.status', STATUS))}, '；'), NULL
        FROM members s GROUP BY s.person_id
        HAVING count(DISTINCT s.status) > 1 AND bool_or(s.status = 'deceased')
        UNION ALL
        SELECT 'conflict', 'residence_conflict', r.person_id,
               n_evidence || ' 条居住登记指向 ' || n_properties || ' 处不同房屋', NULL
        FROM person_residence r WHERE n_properties > 1
        UNION ALL
        SELECT 'merge', 'merged_near_threshold', e.entity_id, e.explanation, e.match_probability
        FROM recon_dispute_explanations e WHERE e.entity_id = e.other_entity_id
        UNION ALL
        SELECT 'near_match', 'nearly_matched_another_person', e.entity_id,
               e.explanation || '（另一人 ' || e.other_entity_id || '）', e.match_probability
        FROM recon_dispute_explanations e WHERE e.entity_id <> e.other_entity_id
        ORDER BY kind, reason, entity_id""")
    engine.create_table("recon_separation", """
        SELECT registered_district_code, residence_district_code, count(*) AS persons
        FROM recon_person_facts
        WHERE alive AND registered_in_city AND resident_in_city AND resident_basis = 'residence_statement'
          AND registered_district_code <> residence_district_code
        GROUP BY ALL ORDER BY persons DESC""")
