"""Score a registry against ground truth (from `resolve generate` or a clerical review).

Truth folder (``<truth>/truth/`` or ``<truth>/`` itself): ``person_records.csv`` (source,
record_key, person_uid) is required; everything else is optional. Each section below is
reported only when both its truth files and its registry tables (with the columns used)
exist, so a person-only registry evaluates exactly as it always has. Ids are compared as
text; truth CSVs are read with ``all_varchar``, an empty field is a missing value and a
flag is true when it reads true / t / 1 / yes.

Clusters (``score_clusters``, one row per truth record found in the xref; records missing
from the truth or from the xref are left out, the latter counted in ``*_truth_records_not_linked``):

- ``person_*``: ``person_xref`` vs ``person_records.csv``; with ``twins.csv`` (person_uid_a,
  person_uid_b) also ``person_twin_pairs`` and ``person_twin_pairs_merged`` (pairs with a
  record of each in one predicted person).
- ``enterprise_*``: ``enterprise_xref`` vs ``enterprise_records.csv``; with
  ``enterprises.csv`` also ``enterprise_branches`` (truth branches, ``is_branch``, with at
  least one record in ``enterprise_xref``) and ``enterprise_branch_merged_with_parent``
  (truth (branch, parent_enterprise_uid) pairs with a record of each in one predicted
  enterprise).
- ``property_*``: ``property_xref`` vs ``property_records.csv``.

Each reports pairwise / B-cubed precision, recall and F1, ``records``,
``predicted_entities`` and ``true_entities``.

Mapping entities (``_entity_maps``, the same for persons, enterprises and properties): a
predicted id maps to the truth uid most of its records belong to, and a truth uid maps to the
predicted id most of its records went to (ties: the smallest uid / id). So a truth entity
split over several predicted ones is judged by its main piece, and a predicted entity that
merges several truth ones stands for its majority.

Relations. A relation is scored when the sections of its subject and its object ran (their
xrefs and record truth exist), its registry table has the columns named below and its truth
file has the column named below. The unit is a truth fact (subject_uid, object_uid):

- ``<rel>_known``: the denominator: truth facts whose subject has at least one record in the
  subject's xref. The registry can only know the residence of a person some linked record
  describes; a person (or enterprise) no record reached is not held against it (those records
  show up in ``*_truth_records_not_linked``). A fact is still counted when its object (the
  property) has no record in ``property_xref``: the registry cannot be credited with it (an
  object without records maps to no truth uid), so it lowers the accuracy, as it would for
  the people it concerns; ``<rel>_reachable`` counts the rest.
- ``<rel>_reachable``: of the known facts, those whose truth object (property, person or
  enterprise) has at least one record in its xref: the most ``<rel>_correct`` can be, so a
  registry that copied the truth scores correct == reachable (a ceiling, not a target);
- ``<rel>_resolved``: of those, how many have a row in the registry relation for the
  subject's predicted entity (truth uid -> predicted id, above);
- ``<rel>_correct``: how many have such a row whose object maps (predicted id -> truth uid)
  to the truth object;
- ``<rel>_accuracy`` = correct / known, the headline figure: the issue's target, "≥ 95% of
  the people whose residence is known", is ``residence_accuracy``. A fact the registry left
  unresolved counts against it, since the sources knew the person, and a missing residence is
  as useless to a caseworker as a wrong one;
- ``<rel>_accuracy_resolved`` = correct / resolved, the precision of the rows the registry did
  write (telling "wrong" from "missing").

An accuracy with a zero denominator is 1.0 (nothing to get wrong), as with pairwise
precision in ``score_clusters``; the ``_known`` / ``_resolved`` count beside it says so.

- ``residence``: persons.csv ``residence_property_uid`` vs ``person_residence(person_id,
  property_id)``, over truth persons with a residence whose residence is known: at least one
  of their linked records states a residence address (``address_resolution`` rows of role
  ``residence``; without that table, any linked record). Nobody can say where a person lives
  whom no department recorded as living anywhere; ``residence_stated_share`` says what share
  of the truth persons with records that is. ``residence_unambiguous_*`` counts the same
  facts leaving out people whose every statement is ``ambiguous`` in ``address_resolution``
  (it fits several flats: the unit left out of an address in a building with units).
  Over every living resident of the city instead, known to a department or not
  (``living_residents``): the truth persons with a ``residence_property_uid`` who are not
  dead or moved out (``status`` not ``deceased`` / ``moved_out`` and ``resident_in_city``
  true, each where persons.csv has the column); ``residence_living_residents`` counts them.
  ``residence_accuracy_living`` is the share whose predicted person (the person_id most of
  their records went to) has a ``person_residence`` row whose property maps to their truth
  property; someone with no record in any source counts as wrong, as does an unresolved or
  wrong residence. ``residence_stated_living_share``: the share of them with a residence
  statement (as above: an ``address_resolution`` row of role ``residence`` for one of their
  records; without that table, any linked record), and ``residence_accuracy_stated`` the
  accuracy over those. Unlike ``residence_accuracy`` these leave out a dead or moved-out person
  whose old flat the truth still names. ``residence_flat_stated_living_share`` and
  ``residence_accuracy_flat_stated``: the same over the living residents one of whose
  statements names a flat a property department holds (its ``dwelling_key`` is a property
  record's): a statement of a house, a floor or a building (甘坑村1巷2号, 5楼), or of a flat no
  property department records, can place nobody in a flat.
- ``registered_property``: persons.csv ``registered_property_uid`` vs
  ``person_registered_property(person_id, property_id)``, likewise (role ``registered``).
- ``legal_rep``: enterprises.csv ``legal_rep_person_uid`` vs
  ``enterprise_legal_rep(enterprise_id, person_id)``, over truth enterprises with a legal
  representative and a record in ``enterprise_xref`` (individual businesses: the operator).
- ``site``: enterprises.csv ``site_property_uid`` vs ``enterprise_site(enterprise_id,
  property_id)``, likewise.
- ``owner``: one fact per current (``current`` true) row of ``property_owners.csv`` whose
  title record (source, record_key) is in ``property_xref`` and which names an owner person or
  enterprise; the subject is the titled property, the object that owner. Titles held by an
  authority (neither uid) are left out: there is no entity to map. Resolved: the property's
  predicted property has a ``property_owner`` row; correct: one of its rows has a
  ``person_id`` mapping to ``owner_person_uid`` / an ``enterprise_id`` mapping to
  ``owner_enterprise_uid``. Person-owned titles count only when the person section ran and
  ``property_owner`` has ``person_id``; enterprise-owned ones likewise.

Address resolution (``resolution_shares``; the registry's own, needing only
``address_resolution`` with ``entity``, ``role`` and ``resolution``, no truth file):
``residence_resolution_rows`` counts the rows of entity ``person`` and role ``residence`` (one
per record's residence statement), and ``residence_resolution_share_<value>`` the share with
each ``resolution``: ``resolved`` (to one property), ``building`` (a building, no flat),
``ambiguous`` (several candidate flats), ``not_found``, ``outside_city`` and ``incomplete``
(no building or room to look for). ``site_resolution_rows`` / ``site_resolution_share_<value>``
are the same for entity ``enterprise``, role ``site`` (premises). A value that does not occur
has share 0 and the six sum to 1 (a value outside them would count in none); with no rows at
all every share is 0.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from resolve.engine import quote_ident, quote_literal
from resolve.errors import ResolveError
from resolve.pipeline import REGISTRY_FILE


# address_resolution.resolution values, in the order their shares are reported
RESOLUTIONS = ("resolved", "building", "ambiguous", "not_found", "outside_city", "incomplete")


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _truth_file(truth_dir: Path, name: str, required: bool = True) -> Path | None:
    for candidate in (truth_dir / "truth" / name, truth_dir / name):
        if candidate.exists():
            return candidate
    if required:
        raise ResolveError(f"{truth_dir}: no truth/{name}; pass the folder `resolve generate` wrote")
    return None


def _truthy(column: str) -> str:
    return f"coalesce(lower(trim({column})) IN ('true', 't', '1', 'yes'), false)"


def _ratio(num: int, den: int) -> float:
    return float(num / den) if den else 1.0


def score_clusters(con: duckdb.DuckDBPyConnection, pairs_sql: str) -> dict[str, float]:
    """Metrics for a relation (pred, true) with one row per record."""
    row = con.execute(f"""
        WITH j AS ({pairs_sql}),
        pc AS (SELECT pred, count(*) AS n FROM j GROUP BY pred),
        tc AS (SELECT true_id, count(*) AS n FROM j GROUP BY true_id),
        both_ AS (SELECT pred, true_id, count(*) AS n FROM j GROUP BY pred, true_id),
        b3 AS (
            SELECT avg(b.n / p.n) AS b3p, avg(b.n / t.n) AS b3r
            FROM j JOIN both_ b USING (pred, true_id) JOIN pc p USING (pred) JOIN tc t USING (true_id)
        )
        SELECT (SELECT sum(n * (n - 1) / 2) FROM pc), (SELECT sum(n * (n - 1) / 2) FROM tc),
               (SELECT sum(n * (n - 1) / 2) FROM both_), (SELECT count(*) FROM pc),
               (SELECT count(*) FROM tc), (SELECT b3p FROM b3), (SELECT b3r FROM b3),
               (SELECT count(*) FROM j)
    """).fetchall()[0]
    pred_pairs, true_pairs, tp, n_pred, n_true, b3p, b3r, n = (v or 0 for v in row)
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    return {
        "records": int(n),
        "pairwise_precision": float(precision), "pairwise_recall": float(recall),
        "pairwise_f1": float(_f1(precision, recall)),
        "bcubed_precision": float(b3p), "bcubed_recall": float(b3r),
        "bcubed_f1": float(_f1(float(b3p), float(b3r))),
        "predicted_entities": int(n_pred), "true_entities": int(n_true),
    }


def _entity_maps(con: duckdb.DuckDBPyConnection, kind: str, pairs_sql: str) -> None:
    """From a (pred, true_id) relation with one row per record, create the temp tables
    ``eval_<kind>_pred_to_true(pred, true_id)`` (each predicted id -> the truth uid most of
    its records belong to) and ``eval_<kind>_true_to_pred(true_id, pred)`` (each truth uid ->
    the predicted id most of its records went to); ties go to the smallest uid / id."""
    for name, key, value in (("pred_to_true", "pred", "true_id"), ("true_to_pred", "true_id", "pred")):
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE eval_{kind}_{name} AS
            WITH j AS ({pairs_sql}),
            c AS (SELECT pred::VARCHAR AS pred, true_id::VARCHAR AS true_id, count(*) AS n
                  FROM j WHERE pred IS NOT NULL AND true_id IS NOT NULL GROUP BY ALL)
            SELECT {key}, {value} FROM c
            QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY n DESC, {value}) = 1""")


class _Evaluation:
    def __init__(self, con: duckdb.DuckDBPyConnection, truth_dir: Path):
        self.con = con
        self.truth_dir = truth_dir
        self.metrics: dict[str, float | int] = {}
        self.mapped: set[str] = set()  # kinds whose clusters were scored and entity maps built
        self.truth: dict[str, set[str]] = {}  # loaded truth temp table -> its columns
        self.registry: dict[str, set[str]] = {}
        for table, column in con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name = 'main'").fetchall():
            self.registry.setdefault(table, set()).add(column)

    def has(self, table: str, *columns: str) -> bool:
        """The registry has ``table`` with all of ``columns``."""
        found = self.registry.get(table)
        return found is not None and set(columns) <= found

    def has_truth(self, table: str, *columns: str) -> bool:
        found = self.truth.get(table)
        return found is not None and set(columns) <= found

    def load_truth(self, table: str, name: str, *columns: str, required: bool = False) -> bool:
        """Load ``truth/<name>`` as temp table ``<table>``, all text, empty fields NULL; False
        when the file or one of ``columns`` is missing."""
        path = _truth_file(self.truth_dir, name, required=required)
        if path is None:
            return False
        source = f"read_csv({quote_literal(str(path))}, all_varchar = true)"
        have = [row[0] for row in self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        if not set(columns) <= set(have):
            return False
        cols = ", ".join(f"nullif({quote_ident(c)}, '') AS {quote_ident(c)}" for c in have)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {cols} FROM {source}")
        self.truth[table] = set(have)
        return True

    def count(self, sql: str) -> int:
        return int(self.con.execute(sql).fetchall()[0][0] or 0)

    def clusters(self, kind: str, uid: str) -> bool:
        """``<kind>_*`` cluster metrics, the entity maps and ``eval_<kind>_linked`` (truth uids
        with a record in the xref); False when skipped."""
        xref, truth = f"{kind}_xref", f"eval_{kind}_records"
        if not (self.has(xref, "source", "record_key", f"{kind}_id")
                and self.load_truth(truth, f"{kind}_records.csv", "source", "record_key", uid,
                                    required=kind == "person")):
            return False
        pairs = (f"SELECT x.{kind}_id AS pred, t.{uid} AS true_id FROM {xref} x "
                 f"JOIN {truth} t USING (source, record_key)")
        self.metrics.update({f"{kind}_{k}": v for k, v in score_clusters(self.con, pairs).items()})
        self.metrics[f"{kind}_truth_records_not_linked"] = self.count(
            f"SELECT count(*) FROM {truth} t ANTI JOIN {xref} x USING (source, record_key)")
        _entity_maps(self.con, kind, pairs)
        self.con.execute(f"""CREATE OR REPLACE TEMP TABLE eval_{kind}_linked AS
            SELECT DISTINCT t.{uid} AS true_id FROM {truth} t SEMI JOIN {xref} x USING (source, record_key)
            WHERE t.{uid} IS NOT NULL""")
        self.mapped.add(kind)
        return True

    def twins(self) -> None:
        if not self.load_truth("eval_twins", "twins.csv", "person_uid_a", "person_uid_b"):
            return
        self.metrics["person_twin_pairs"] = self.count("SELECT count(*) FROM eval_twins")
        self.metrics["person_twin_pairs_merged"] = self.count("""
            WITH ids AS (SELECT DISTINCT t.person_uid AS true_id, x.person_id
                         FROM eval_person_records t JOIN person_xref x USING (source, record_key))
            SELECT count(DISTINCT (tw.person_uid_a, tw.person_uid_b)) FROM eval_twins tw
            JOIN ids ia ON ia.true_id = tw.person_uid_a
            JOIN ids ib ON ib.true_id = tw.person_uid_b AND ia.person_id = ib.person_id""")

    def branches(self) -> None:
        if not self.has_truth("eval_enterprises", "is_branch", "parent_enterprise_uid"):
            return
        branch = _truthy("is_branch")
        self.metrics["enterprise_branches"] = self.count(f"""
            SELECT count(DISTINCT enterprise_uid) FROM eval_enterprises
            WHERE {branch} AND enterprise_uid IN (SELECT true_id FROM eval_enterprise_linked)""")
        self.metrics["enterprise_branch_merged_with_parent"] = self.count(f"""
            WITH ids AS (SELECT DISTINCT t.enterprise_uid AS true_id, x.enterprise_id::VARCHAR AS pred
                         FROM eval_enterprise_records t JOIN enterprise_xref x USING (source, record_key)),
            pairs AS (SELECT enterprise_uid AS branch, parent_enterprise_uid AS parent FROM eval_enterprises
                      WHERE {branch} AND parent_enterprise_uid IS NOT NULL)
            SELECT count(DISTINCT (p.branch, p.parent)) FROM pairs p
            JOIN ids ib ON ib.true_id = p.branch
            JOIN ids ip ON ip.true_id = p.parent AND ip.pred = ib.pred""")

    def relation(self, prefix: str, known_sql: str, subject: str, relation_sql: str,
                 related_sql: str, linked_objects_sql: str) -> None:
        """``<prefix>_known / _reachable / _resolved / _correct / _accuracy / _accuracy_resolved``.

        known_sql: the truth facts (subject_uid, object_uid), one row each; subject: the kind
        whose ``eval_<subject>_true_to_pred`` maps subject_uid to its predicted entity;
        relation_sql: the registry's facts as (pred, object_true), the object already mapped
        to a truth uid; related_sql: (pred) of predicted entities with any registry fact;
        linked_objects_sql: (true_id) of truth objects with a record in their xref."""
        known, reachable, resolved, correct = self.relation_counts(
            known_sql, subject, relation_sql, related_sql, linked_objects_sql)
        self.metrics.update({
            f"{prefix}_known": known, f"{prefix}_reachable": reachable,
            f"{prefix}_resolved": resolved,
            f"{prefix}_correct": correct, f"{prefix}_accuracy": _ratio(correct, known),
            f"{prefix}_accuracy_resolved": _ratio(correct, resolved),
        })

    def relation_counts(self, known_sql: str, subject: str, relation_sql: str, related_sql: str,
                        linked_objects_sql: str) -> tuple[int, int, int, int]:
        """(known, reachable, resolved, correct) of ``relation``, without writing metrics."""
        known, reachable, resolved, correct = self.con.execute(f"""
            WITH k AS ({known_sql}),
            s AS (SELECT k.subject_uid, k.object_uid, m.pred FROM k
                  LEFT JOIN eval_{subject}_true_to_pred m ON m.true_id = k.subject_uid),
            facts AS (SELECT DISTINCT pred::VARCHAR AS pred, object_true::VARCHAR AS object_true
                      FROM ({relation_sql}) WHERE pred IS NOT NULL AND object_true IS NOT NULL),
            related AS (SELECT DISTINCT pred::VARCHAR AS pred FROM ({related_sql}) WHERE pred IS NOT NULL)
            SELECT count(*),
                   count(*) FILTER (WHERE s.object_uid IN (SELECT true_id FROM ({linked_objects_sql}))),
                   count(r.pred), count(f.pred)
            FROM s LEFT JOIN related r ON r.pred = s.pred
            LEFT JOIN facts f ON f.pred = s.pred AND f.object_true = s.object_uid""").fetchall()[0]
        return int(known), int(reachable), int(resolved), int(correct)

    def person_properties(self) -> None:
        """residence_* and registered_property_*."""
        if not {"person", "property"} <= self.mapped or "eval_persons" not in self.truth:
            return
        for prefix, truth_column, table, role in (
                ("residence", "residence_property_uid", "person_residence", "residence"),
                ("registered_property", "registered_property_uid", "person_registered_property", "registered")):
            if not (self.has(table, "person_id", "property_id") and self.has_truth("eval_persons", truth_column)):
                continue
            # the registry's facts (pred, object_true), who has any, and which truth properties have records
            facts = (f"""SELECT r.person_id AS pred, m.true_id AS object_true FROM {table} r
                         JOIN eval_property_pred_to_true m ON m.pred = r.property_id::VARCHAR""",
                     f"SELECT person_id AS pred FROM {table} WHERE property_id IS NOT NULL",
                     "SELECT true_id FROM eval_property_linked")
            stated = "SELECT true_id FROM eval_person_linked"
            if self.has("address_resolution", "entity", "role", "source", "record_key"):
                stated = f"""SELECT t.person_uid FROM eval_person_records t
                             SEMI JOIN address_resolution a ON a.source = t.source AND a.record_key = t.record_key
                              AND a.entity = 'person' AND a.role = '{role}'"""
            if prefix == "residence":
                self.metrics["residence_stated_share"] = _ratio(
                    self.count(f"SELECT count(DISTINCT p) FROM ({stated}) s(p)"),
                    self.count("SELECT count(*) FROM eval_person_linked"))
                if self.has("address_resolution", "resolution"):
                    # the same, leaving out people whose every statement fits several flats
                    # (a flat number without its unit): no register can place them
                    self.relation(
                        "residence_unambiguous",
                        f"""SELECT person_uid AS subject_uid, {truth_column} AS object_uid FROM eval_persons
                            WHERE {truth_column} IS NOT NULL AND person_uid IN (
                                SELECT t.person_uid FROM eval_person_records t
                                SEMI JOIN address_resolution a ON a.source = t.source AND a.record_key = t.record_key
                                 AND a.entity = 'person' AND a.role = 'residence' AND a.resolution <> 'ambiguous')""",
                        "person", *facts)
            self.relation(
                prefix,
                f"""SELECT person_uid AS subject_uid, {truth_column} AS object_uid FROM eval_persons
                    WHERE {truth_column} IS NOT NULL AND person_uid IN ({stated})""",
                "person", *facts)
            if prefix == "residence":
                self.living_residents(truth_column, stated, facts)

    def living_residents(self, truth_column: str, stated: str, facts: tuple[str, str, str]) -> None:
        """residence_living_residents, residence_accuracy_living, residence_stated_living_share
        and residence_accuracy_stated: the residence scored over every living resident of the
        truth, whether or not a department knows them (``stated``, ``facts``: as in
        ``person_properties``); residence_flat_stated_living_share and
        residence_accuracy_flat_stated: over those whose statement names a flat some property
        department holds."""
        living = [f"{truth_column} IS NOT NULL"]
        if self.has_truth("eval_persons", "status"):
            living.append("coalesce(status, '') NOT IN ('deceased', 'moved_out')")
        if self.has_truth("eval_persons", "resident_in_city"):
            living.append(_truthy("resident_in_city"))
        living_sql = (f"SELECT person_uid AS subject_uid, {truth_column} AS object_uid FROM eval_persons "
                      f"WHERE {' AND '.join(living)}")
        known, _, _, correct = self.relation_counts(living_sql, "person", *facts)
        known_stated, _, _, correct_stated = self.relation_counts(
            f"SELECT * FROM ({living_sql}) WHERE subject_uid IN ({stated})", "person", *facts)
        self.metrics.update({
            "residence_living_residents": known,
            "residence_accuracy_living": _ratio(correct, known),
            "residence_stated_living_share": _ratio(known_stated, known),
            "residence_accuracy_stated": _ratio(correct_stated, known_stated),
        })
        if self.has("address_resolution", "entity", "role", "source", "record_key", "dwelling_key") and \
                self.has("std_property", "dwelling_key"):
            # those of them whose statement names a flat the property departments hold (its
            # dwelling key is a property record's): the statement says which flat, and there
            # is a property to place them at
            flat = f"""SELECT t.person_uid FROM eval_person_records t
                       SEMI JOIN address_resolution a ON a.source = t.source AND a.record_key = t.record_key
                        AND a.entity = 'person' AND a.role = 'residence'
                        AND a.dwelling_key IN (SELECT dwelling_key FROM std_property)"""
            known_flat, _, _, correct_flat = self.relation_counts(
                f"SELECT * FROM ({living_sql}) WHERE subject_uid IN ({flat})", "person", *facts)
            self.metrics.update({
                "residence_flat_stated_living_share": _ratio(known_flat, known),
                "residence_accuracy_flat_stated": _ratio(correct_flat, known_flat),
            })

    def resolution_shares(self) -> None:
        """``<role>_resolution_rows`` and ``<role>_resolution_share_<value>`` for persons'
        residence and enterprises' site statements in ``address_resolution``."""
        if not self.has("address_resolution", "entity", "role", "resolution"):
            return
        for entity, role in (("person", "residence"), ("enterprise", "site")):
            row = self.con.execute(f"""
                SELECT count(*), {", ".join(f"count(*) FILTER (WHERE resolution = '{v}')" for v in RESOLUTIONS)}
                FROM address_resolution WHERE entity = '{entity}' AND role = '{role}'""").fetchall()[0]
            rows = int(row[0])
            self.metrics[f"{role}_resolution_rows"] = rows
            for value, n in zip(RESOLUTIONS, row[1:]):
                self.metrics[f"{role}_resolution_share_{value}"] = float(n / rows) if rows else 0.0

    def enterprise_relations(self) -> None:
        """legal_rep_* and site_*."""
        if "enterprise" not in self.mapped or "eval_enterprises" not in self.truth:
            return
        for prefix, truth_column, table, column, obj in (
                ("legal_rep", "legal_rep_person_uid", "enterprise_legal_rep", "person_id", "person"),
                ("site", "site_property_uid", "enterprise_site", "property_id", "property")):
            if not (obj in self.mapped and self.has(table, "enterprise_id", column)
                    and self.has_truth("eval_enterprises", truth_column)):
                continue
            self.relation(
                prefix,
                f"""SELECT enterprise_uid AS subject_uid, {truth_column} AS object_uid FROM eval_enterprises
                    WHERE {truth_column} IS NOT NULL
                      AND enterprise_uid IN (SELECT true_id FROM eval_enterprise_linked)""",
                "enterprise",
                f"""SELECT r.enterprise_id AS pred, m.true_id AS object_true FROM {table} r
                    JOIN eval_{obj}_pred_to_true m ON m.pred = r.{column}::VARCHAR""",
                f"SELECT enterprise_id AS pred FROM {table} WHERE {column} IS NOT NULL",
                f"SELECT true_id FROM eval_{obj}_linked")

    def population_figures(self) -> None:
        """``<figure>_error``: the agreed figure's relative error city-wide against the truth
        (persons.csv: alive, registered / resident in the city, by the district columns), and
        ``<figure>_district_max_error`` the largest relative error of a district. The same
        with ``_known`` compares with the truth counted over the people at least one
        department holds a record of: nobody can count a person no register knows.
        ``resident_population_estimate_*`` scores the survey-calibrated estimate
        (recon_resident_estimate) the same way."""
        if not (self.has("recon_figures", "figure", "district_code", "value") and "eval_persons" in self.truth):
            return
        figures = [("registered_population", "registered_in_city", "registered_district_code",
                    "SELECT district_code, value FROM recon_figures WHERE figure = 'registered_population'"),
                   ("resident_population", "resident_in_city", "residence_district_code",
                    "SELECT district_code, value FROM recon_figures WHERE figure = 'resident_population'")]
        if self.has("recon_resident_estimate", "district_code", "estimate"):
            figures.append(("resident_population_estimate", "resident_in_city", "residence_district_code",
                            "SELECT district_code, estimate AS value FROM recon_resident_estimate"))
        for figure, flag, district, ours_sql in figures:
            if not (self.has_truth("eval_persons", flag) and self.has_truth("eval_persons", district)):
                continue
            for suffix, scope in (("", "true"), ("_known", "person_uid IN (SELECT person_uid FROM eval_person_records)")):
                rows = self.con.execute(f"""
                    WITH truth AS (
                        SELECT {district} AS district_code, count(*) AS n FROM eval_persons
                        WHERE status = 'active' AND {_truthy(flag)} AND {scope} GROUP BY ROLLUP ({district})
                    ), ours AS ({ours_sql})
                    SELECT t.district_code IS NULL AS city, t.n, coalesce(o.value, 0)
                    FROM truth t LEFT JOIN ours o ON o.district_code IS NOT DISTINCT FROM t.district_code
                    WHERE t.n > 0""").fetchall()
                errors = {city: [] for city in (True, False)}
                for city, truth_n, ours in rows:
                    errors[city].append((ours - truth_n) / truth_n)
                if errors[True]:
                    self.metrics[f"{figure}_error{suffix}"] = float(errors[True][0])
                if errors[False]:
                    self.metrics[f"{figure}_district_max_error{suffix}"] = float(max(errors[False], key=abs))

    def owners(self) -> None:
        """owner_*: current titles naming a person (when persons were mapped) or an enterprise
        (when enterprises were mapped)."""
        if not ("property" in self.mapped and self.has("property_owner", "property_id")
                and self.load_truth("eval_property_owners", "property_owners.csv", "source", "record_key",
                                    "property_uid", "owner_person_uid", "owner_enterprise_uid", "current")):
            return
        owner_kinds = [kind for kind in ("person", "enterprise")
                       if kind in self.mapped and self.has("property_owner", f"{kind}_id")]
        if not owner_kinds:
            return
        # A title names a person or an enterprise (the person first, should it name both).
        owner_of = ("CASE WHEN owner_person_uid IS NOT NULL THEN 'person:' || owner_person_uid "
                    "ELSE 'enterprise:' || owner_enterprise_uid END")
        self.relation(
            "owner",
            f"""SELECT subject_uid, object_uid FROM (
                    SELECT o.property_uid AS subject_uid, {owner_of} AS object_uid
                    FROM eval_property_owners o SEMI JOIN property_xref x USING (source, record_key)
                    WHERE {_truthy('current')})
                WHERE split_part(object_uid, ':', 1) IN ({", ".join(quote_literal(k) for k in owner_kinds)})""",
            "property",
            " UNION ALL ".join(
                f"""SELECT o.property_id AS pred, '{kind}:' || m.true_id AS object_true FROM property_owner o
                    JOIN eval_{kind}_pred_to_true m ON m.pred = o.{kind}_id::VARCHAR"""
                for kind in owner_kinds),
            "SELECT property_id AS pred FROM property_owner",
            " UNION ALL ".join(f"SELECT '{kind}:' || true_id AS true_id FROM eval_{kind}_linked"
                               for kind in owner_kinds))


def evaluate_registry(registry_dir: Path, truth_dir: Path) -> dict[str, float | int]:
    """Score the registry in ``registry_dir`` against ``truth_dir``; see the module docstring
    for every metric. Sections whose registry tables or truth files are missing are skipped."""
    registry = registry_dir / REGISTRY_FILE if registry_dir.is_dir() else registry_dir
    if not registry.exists():
        raise ResolveError(f"{registry}: no registry here; run `resolve run CONFIG --out {registry_dir}` first")
    _truth_file(truth_dir, "person_records.csv")
    con = duckdb.connect(str(registry), read_only=True)
    try:
        ev = _Evaluation(con, truth_dir)
        if ev.clusters("person", "person_uid"):
            ev.twins()
            ev.load_truth("eval_persons", "persons.csv", "person_uid")
        if ev.clusters("enterprise", "enterprise_uid"):
            ev.load_truth("eval_enterprises", "enterprises.csv", "enterprise_uid")
            ev.branches()
        ev.clusters("property", "property_uid")
        if not ev.mapped:
            raise ResolveError(f"{registry}: no person_xref, enterprise_xref or property_xref to evaluate")
        ev.person_properties()
        ev.enterprise_relations()
        ev.resolution_shares()
        ev.owners()
        ev.population_figures()
    finally:
        con.close()
    return ev.metrics


def partition_agreement(registry_a: str | Path, registry_b: str | Path, entity: str = "person") -> dict[str, float]:
    """How far two registries agree on ``entity``: of the records both hold, the share whose
    entity has exactly the same records in both (``agreement``), and the share that carry the
    same ID in both (``same_id``). For an update against a full rebuild on the same data, and
    for ID stability across rebuilds."""
    con = duckdb.connect()
    try:
        for alias, path in (("a", registry_a), ("b", registry_b)):
            path = Path(path)
            con.execute(f"ATTACH '{path / 'registry.duckdb' if path.is_dir() else path}' AS {alias} (READ_ONLY)")
        key = f"{entity}_id"
        row = con.execute(f"""
            WITH a AS (SELECT source || '|' || record_key AS member, {key} AS id FROM a.{entity}_xref),
                 b AS (SELECT source || '|' || record_key AS member, {key} AS id FROM b.{entity}_xref),
                 sa AS (SELECT id, list_sort(list(member)) AS members FROM a GROUP BY id),
                 sb AS (SELECT id, list_sort(list(member)) AS members FROM b GROUP BY id),
                 both_ AS (SELECT a.member, a.id AS id_a, b.id AS id_b FROM a JOIN b USING (member))
            SELECT count(*), count(*) FILTER (WHERE sa.members = sb.members), count(*) FILTER (WHERE id_a = id_b)
            FROM both_ JOIN sa ON sa.id = both_.id_a JOIN sb ON sb.id = both_.id_b""").fetchone()
    finally:
        con.close()
    n, same, same_id = row
    return {"records": n, "agreement": same / n if n else 1.0, "same_id": same_id / n if n else 1.0}
