"""Estimate the resident population, calibrated by a door-to-door survey.

The counted figure (``recon_figures``) is a list: every golden person the evidence places in
the city. It cannot hold the people no department knows, and it must decide, person by
person, whether an old floating registration, a household registration with no other sign
of life, or a social-insurance account without an address means someone lives here. A
door-to-door survey (``reconcile.survey_sources``, e.g. the grid workers' 网格 survey)
answers that for a sample: it lists the people living in the dwellings it visits, and it
finds about the same share of every kind of resident whatever the other departments hold.
So the share of a class of people the survey finds, divided by the share it finds of people
who certainly live here, is the share of that class who live here. This is the coverage
survey of an administrative-data census (dual-system estimation), applied per evidence class.

Classes come from the evidence of the other departments only:
- ``kind``: ``statement`` (a residence in the city stated by a department), ``registration``
  (a household registration in the city, no residence statement), ``outside`` (only
  residences outside the city) or ``none`` (records, but no address in the city: a payroll,
  a school roll);
- ``recency``: the age of the person's newest record in those departments, by
  ``snapshot_date``: ``0-1``, ``1-2``, ``2-5``, ``5+`` years, or ``undated``.

The reference class is ``statement`` / ``0-1``: a department stated, within the last year,
that the person lives here. ``φ`` (``find_rate``) is the share of it the survey finds: the
city's share (needs ``MIN_REFERENCE`` reference persons), and per district of the stated
residence the district's own share shrunk towards the city's as far as the districts' shares
differ no more than sampling would make them (empirical Bayes).

Per class: the residency rate ``r = found / Σ φ(district)`` over its members, and for a
member the survey did not find, the chance of living in the city
``r(1 - φ) / (1 - rφ)``: at its own district with the share of found members the survey met
there, elsewhere as the found members who live elsewhere are spread. A class whose members
the survey would be expected to find fewer than ``MIN_EXPECTED_FOUND`` times takes its kind's
rate over all recencies, and if that too is thin, the counted answer (1 or 0). Members the
survey found count 1 in the district where it found them. People only the survey knows
stand for ``1 / φ`` residents of their district: themselves and those nobody recorded
(``unseen``).

Writes
- ``recon_resident_classes(kind, recency, persons, found, expected_if_all_resident,
  residency_rate, staying_share, basis)``;
- ``recon_resident_estimate(district_code, counted, estimate, found_by_survey, survey_only,
  unseen, find_rate)``: one row per district and the city (district_code NULL);
- ``recon_person_estimate(person_id, district_code, probability)``: each golden person's
  expected share of a resident, by district (a person may be spread over districts);
- ``recon_resident_members(person_id, kind, recency, found, has_other, home_district,
  survey_district)``: every alive person's evidence class and survey finding (the classes
  count those another department knows: ``has_other``).

Without survey sources, or without reference persons the survey found, the estimate is the
count and ``recon_resident_classes.basis`` says ``counted``.
"""

from __future__ import annotations

from resolve.config import UNKNOWN_DISTRICT, Config
from resolve.engine import Engine, date_literal, quote_literal

MIN_REFERENCE = 50
MIN_EXPECTED_FOUND = 20
RECENCY = (("0-1", 1), ("1-2", 2), ("2-5", 5))


def _in_list(values: list[str]) -> str:
    return "(" + ", ".join(quote_literal(v) for v in values or [""]) + ")"


def _evidence(engine: Engine, config: Config, surveys: str) -> None:
    """``tmp_est_person``: each alive person's survey finding and evidence class."""
    snapshot = date_literal(config.snapshot_date)
    recency = " ".join(f"WHEN n.newest >= {date_literal(config.snapshot_date, years)} THEN '{label}'"
                       for label, years in RECENCY)
    engine.create_table("tmp_est_person", f"""
        WITH records AS (
            SELECT x.person_id, max(s.updated_at) FILTER (WHERE s.source NOT IN {surveys}) AS newest,
                   bool_or(s.source NOT IN {surveys}) AS has_other, bool_or(s.source IN {surveys}) AS found
            FROM person_xref x JOIN std_person s USING (rid) GROUP BY 1
        ), statements AS (
            SELECT entity_id AS person_id,
                   arg_max(district_code, coalesce(updated_at, {snapshot}))
                       FILTER (WHERE source NOT IN {surveys} AND role = 'residence' AND resolution <> 'outside_city')
                       AS stated_district,
                   bool_or(source NOT IN {surveys} AND role = 'residence' AND resolution <> 'outside_city')
                       AS stated_in_city,
                   bool_or(source NOT IN {surveys} AND role = 'residence' AND resolution = 'outside_city')
                       AS stated_outside,
                   arg_max(district_code, coalesce(updated_at, {snapshot}))
                       FILTER (WHERE source IN {surveys} AND role = 'residence' AND resolution <> 'outside_city')
                       AS survey_district
            FROM address_resolution WHERE entity = 'person' GROUP BY 1
        )
        SELECT f.person_id, f.resident_in_city AS counted, f.residence_district_code AS counted_district,
               coalesce(n.found, false) AS found, coalesce(n.has_other, false) AS has_other,
               coalesce(s.survey_district, f.residence_district_code) AS survey_district,
               CASE WHEN s.stated_in_city THEN 'statement' WHEN f.registered_in_city THEN 'registration'
                    WHEN s.stated_outside THEN 'outside' ELSE 'none' END AS kind,
               CASE WHEN n.newest IS NULL THEN 'undated' {recency} ELSE '5+' END AS recency,
               CASE WHEN s.stated_in_city THEN s.stated_district
                    WHEN f.registered_in_city THEN f.registered_district_code END AS home_district
        FROM recon_person_facts f LEFT JOIN records n USING (person_id) LEFT JOIN statements s USING (person_id)
        WHERE f.alive""")


def _rates(engine: Engine) -> None:
    """``tmp_est_find_rate`` (district_code, find_rate; NULL district the city) and
    ``recon_resident_classes``."""
    # a district's own rate is shrunk towards the city's by how much districts really differ
    # (the spread of their rates beyond what sampling alone would give: empirical Bayes)
    engine.create_table("tmp_est_find_rate", f"""
        WITH ref AS (
            SELECT home_district AS district_code, count(*) AS n, count(*) FILTER (WHERE found) AS found
            FROM tmp_est_person WHERE has_other AND kind = 'statement' AND recency = '0-1' GROUP BY 1
        ), city AS (
            SELECT sum(found) / sum(n) AS rate, sum(n) AS n FROM ref HAVING sum(n) >= {MIN_REFERENCE} AND sum(found) > 0
        ), spread AS (
            SELECT greatest(var_pop(r.found / r.n) - avg(c.rate * (1 - c.rate) / r.n), 0) AS between_var
            FROM ref r, city c WHERE r.district_code IS NOT NULL
        ), prior AS (
            SELECT c.rate, CASE WHEN s.between_var > 0 THEN c.rate * (1 - c.rate) / s.between_var END AS weight
            FROM city c, spread s
        )
        SELECT NULL::VARCHAR AS district_code, rate AS find_rate, n AS reference FROM city
        UNION ALL
        SELECT r.district_code, CASE WHEN p.weight IS NULL THEN p.rate ELSE (r.found + p.weight * p.rate) / (r.n + p.weight) END,
               r.n
        FROM ref r, prior p WHERE r.district_code IS NOT NULL""")
    phi = ("coalesce((SELECT find_rate FROM tmp_est_find_rate r WHERE r.district_code = {d}), "
           "(SELECT find_rate FROM tmp_est_find_rate WHERE district_code IS NULL))")
    engine.create_table("tmp_est_member", f"""
        SELECT p.*, {phi.format(d='p.home_district')} AS phi_home, {phi.format(d='p.survey_district')} AS phi_found
        FROM tmp_est_person p WHERE p.has_other""")
    engine.create_table("recon_resident_classes", f"""
        WITH classes AS (
            SELECT kind, recency, count(*) AS persons, count(*) FILTER (WHERE found) AS found,
                   sum(phi_home) AS expected_if_all_resident
            FROM tmp_est_member GROUP BY ALL
        ), kinds AS (
            SELECT kind, sum(found) / nullif(sum(expected_if_all_resident), 0) AS rate,
                   sum(expected_if_all_resident) AS expected
            FROM classes GROUP BY kind
        )
        SELECT c.kind, c.recency, c.persons, c.found, round(c.expected_if_all_resident, 1) AS expected_if_all_resident,
               least(1.0, CASE WHEN c.expected_if_all_resident >= {MIN_EXPECTED_FOUND}
                               THEN c.found / c.expected_if_all_resident
                               WHEN k.expected >= {MIN_EXPECTED_FOUND} THEN k.rate END) AS residency_rate,
               CASE WHEN c.expected_if_all_resident >= {MIN_EXPECTED_FOUND} THEN 'estimated'
                    WHEN k.expected >= {MIN_EXPECTED_FOUND} THEN 'pooled_over_recency' ELSE 'counted' END AS basis
        FROM classes c JOIN kinds k USING (kind)
        ORDER BY kind, recency""")


def _moves(engine: Engine) -> None:
    """``recon_resident_moves(kind, home_district, district_code, share, basis)``: where the
    people whose evidence places them in ``home_district`` live, as the survey found them
    (each found person weighted by 1/φ of where it found them). An origin whose members the
    survey found fewer than ``MIN_EXPECTED_FOUND`` times takes the kind's city-wide shares of
    staying and of each destination away; people with no district of their own are spread as
    the survey found their kind."""
    engine.create_table("tmp_est_found", """
        SELECT kind, home_district, survey_district AS district_code, count(*) AS found, sum(1 / phi_found) AS weight
        FROM tmp_est_member WHERE found AND survey_district IS NOT NULL GROUP BY ALL""")
    engine.create_table("recon_resident_moves", f"""
        WITH origins AS (
            SELECT kind, home_district, sum(found) AS found, sum(weight) AS weight FROM tmp_est_found GROUP BY ALL
        ), kind_stay AS (
            SELECT kind, sum(weight) FILTER (WHERE district_code = home_district) / sum(weight) AS stay
            FROM tmp_est_found WHERE home_district IS NOT NULL GROUP BY kind
        ), kind_away AS (
            SELECT kind, district_code, weight / sum(weight) OVER (PARTITION BY kind) AS share
            FROM (SELECT kind, district_code, sum(weight) AS weight FROM tmp_est_found
                  WHERE home_district IS NOT NULL AND district_code <> home_district GROUP BY kind, district_code)
        ), homes AS (
            SELECT DISTINCT kind, home_district FROM tmp_est_member WHERE home_district IS NOT NULL
        )
        SELECT f.kind, f.home_district, f.district_code, f.weight / o.weight AS share,
               CASE WHEN f.home_district IS NULL THEN 'kind' ELSE 'origin' END AS basis
        FROM tmp_est_found f JOIN origins o ON o.kind = f.kind AND o.home_district IS NOT DISTINCT FROM f.home_district
        WHERE o.found >= {MIN_EXPECTED_FOUND} OR f.home_district IS NULL
        UNION ALL
        SELECT h.kind, h.home_district, h.home_district, coalesce(s.stay, 1.0), 'kind'
        FROM homes h LEFT JOIN origins o USING (kind, home_district) LEFT JOIN kind_stay s USING (kind)
        WHERE coalesce(o.found, 0) < {MIN_EXPECTED_FOUND}
        UNION ALL
        SELECT h.kind, h.home_district, a.district_code,
               (1 - s.stay) * a.share / (1 - coalesce(own.share, 0)), 'kind'
        FROM homes h LEFT JOIN origins o USING (kind, home_district) JOIN kind_stay s USING (kind)
        JOIN kind_away a ON a.kind = h.kind AND a.district_code <> h.home_district
        LEFT JOIN kind_away own ON own.kind = h.kind AND own.district_code = h.home_district
        WHERE coalesce(o.found, 0) < {MIN_EXPECTED_FOUND}
        ORDER BY kind, home_district, share DESC""")
    engine.drop("tmp_est_found")


def estimate_residents(engine: Engine, config: Config) -> None:
    surveys = _in_list(config.reconcile.survey_sources)
    _evidence(engine, config, surveys)
    _rates(engine)
    calibrated = engine.scalar("SELECT count(*) FROM tmp_est_find_rate") > 0
    if not calibrated:
        engine.execute("UPDATE recon_resident_classes SET residency_rate = NULL, basis = 'counted'")
    _moves(engine)
    engine.create_table("recon_person_estimate", """
        WITH unfound AS (
            SELECT m.person_id, m.home_district, m.kind, m.recency, m.counted, m.counted_district,
                   c.residency_rate AS r, coalesce(m.phi_home, 0) AS phi
            FROM tmp_est_member m JOIN recon_resident_classes c USING (kind, recency) WHERE NOT m.found
        ), chance AS (
            SELECT *, CASE WHEN r IS NULL THEN counted::INT::DOUBLE WHEN r >= 1 THEN 1.0
                           ELSE r * (1 - phi) / (1 - r * phi) END AS p,
                   CASE WHEN r IS NULL OR r >= 1 THEN 0.0 ELSE (1 - phi) / ((1 - r * phi) * (1 - r * phi)) END AS dp_dr
            FROM unfound
        )
        SELECT person_id, kind, recency, district_code, sum(probability) AS probability, sum(dp_dr) AS dp_dr FROM (
            SELECT person_id, CASE WHEN has_other THEN kind ELSE 'survey_only' END AS kind,
                   CASE WHEN has_other THEN recency END AS recency, survey_district AS district_code,
                   1.0 AS probability, 0.0 AS dp_dr
            FROM tmp_est_person WHERE found
            UNION ALL
            SELECT person_id, kind, recency, counted_district, p, 0.0 FROM chance WHERE r IS NULL AND p > 0
            UNION ALL
            -- a class none of whose members the survey found anywhere stays where its evidence is
            SELECT c.person_id, c.kind, c.recency, coalesce(v.district_code, c.home_district),
                   c.p * coalesce(v.share, 1.0), c.dp_dr * coalesce(v.share, 1.0)
            FROM chance c LEFT JOIN recon_resident_moves v
                ON v.kind = c.kind AND v.home_district IS NOT DISTINCT FROM c.home_district
            WHERE c.r IS NOT NULL AND c.p > 0
        ) GROUP BY ALL""")
    # the standard error: each unfound person's own chance (Bernoulli), the class rates'
    # sampling error carried through dp/dr, the binomial error of 1/φ for people only the
    # survey knows, and the find rate's own sampling error: every class whose rate is below 1,
    # and the survey-only people, scale with 1/φ
    engine.create_table("recon_resident_estimate", """
        WITH classes AS (
            SELECT kind, recency,
                   CASE WHEN residency_rate IS NULL OR residency_rate >= 1 OR expected_if_all_resident = 0 THEN 0
                        ELSE residency_rate * (1 - found / persons) / expected_if_all_resident END AS rate_var,
                   coalesce(residency_rate < 1, false) AS scales
            FROM recon_resident_classes
            UNION ALL SELECT 'survey_only', NULL, 0, true
        ), city_phi AS (
            SELECT find_rate, find_rate * (1 - find_rate) / reference AS var FROM tmp_est_find_rate
            WHERE district_code IS NULL
        ), phi AS (
            SELECT d.district_code, coalesce(r.find_rate, c.find_rate) AS find_rate
            FROM (SELECT DISTINCT district_code FROM recon_person_estimate) d
            LEFT JOIN tmp_est_find_rate r ON r.district_code = d.district_code
            LEFT JOIN (SELECT find_rate FROM tmp_est_find_rate WHERE district_code IS NULL) c ON true
        ), grouped AS (
            SELECT e.district_code, grouping(e.district_code) AS is_city, e.kind, e.recency,
                   sum(e.probability) AS expected, sum(e.probability * (1 - least(e.probability, 1))) AS own_var,
                   sum(e.dp_dr) AS dp_dr, count(*) FILTER (WHERE e.kind = 'survey_only') AS survey_only,
                   sum(CASE WHEN e.kind = 'survey_only' THEN (1 - p.find_rate) / p.find_rate ELSE 0 END) AS unseen,
                   sum(CASE WHEN e.kind = 'survey_only' THEN (1 - p.find_rate) / (p.find_rate * p.find_rate) ELSE 0 END)
                       AS unseen_var
            FROM recon_person_estimate e LEFT JOIN phi p USING (district_code)
            GROUP BY GROUPING SETS ((e.district_code, e.kind, e.recency), (e.kind, e.recency))
        ), totals AS (
            SELECT CASE WHEN g.is_city = 0 THEN coalesce(g.district_code, {unknown}) END AS district_code, g.is_city,
                   sum(g.expected + g.unseen) AS estimate, sum(g.survey_only) AS survey_only, sum(g.unseen) AS unseen,
                   sqrt(sum(g.own_var + g.unseen_var + g.dp_dr * g.dp_dr * coalesce(c.rate_var, 0))
                        + pow(sum(CASE WHEN c.scales THEN g.expected + g.unseen ELSE 0 END) / any_value(f.find_rate), 2)
                          * coalesce(any_value(f.var), 0)) AS standard_error
            FROM grouped g LEFT JOIN classes c ON c.kind = g.kind AND c.recency IS NOT DISTINCT FROM g.recency
            LEFT JOIN city_phi f ON true
            GROUP BY g.district_code, g.is_city
        ), found AS (
            SELECT CASE WHEN grouping(survey_district) = 0 THEN coalesce(survey_district, {unknown}) END
                       AS district_code, grouping(survey_district) AS is_city, count(*) AS n
            FROM tmp_est_person WHERE found GROUP BY ROLLUP (survey_district)
        ), counted AS (
            SELECT CASE WHEN grouping(residence_district_code) = 0 THEN coalesce(residence_district_code, {unknown})
                        END AS district_code, grouping(residence_district_code) AS is_city, count(*) AS n
            FROM recon_person_facts WHERE alive AND resident_in_city GROUP BY ROLLUP (residence_district_code)
        )
        SELECT t.district_code, coalesce(c.n, 0) AS counted, round(t.estimate)::BIGINT AS estimate,
               round(t.standard_error, 1) AS standard_error, coalesce(f.n, 0) AS found_by_survey,
               t.survey_only, round(t.unseen)::BIGINT AS unseen, p.find_rate
        FROM totals t
        LEFT JOIN counted c ON c.district_code IS NOT DISTINCT FROM t.district_code AND c.is_city = t.is_city
        LEFT JOIN found f ON f.district_code IS NOT DISTINCT FROM t.district_code AND f.is_city = t.is_city
        LEFT JOIN tmp_est_find_rate p ON p.district_code IS NOT DISTINCT FROM t.district_code
        ORDER BY t.district_code NULLS FIRST""".replace("{unknown}", quote_literal(UNKNOWN_DISTRICT)))
    engine.create_table("recon_resident_members", """
        SELECT person_id, kind, recency, found, has_other, home_district, survey_district
        FROM tmp_est_person ORDER BY person_id""")
    for name in ("tmp_est_person", "tmp_est_member", "tmp_est_find_rate"):
        engine.drop(name)
