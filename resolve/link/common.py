"""What every entity's Splink model shares: comparison-level helpers, the input views, the
regularisation of trained m/u values, the model table and the scored pairs table.

This module and the entity modules beside it are the only code that talks to Splink; the
engine seam (``Engine.splink_api``) decides which backend runs it.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from resolve.engine import Engine, quote_ident, quote_literal


def level(sql: str, label: str, **extra) -> dict:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def null_level(sql: str) -> dict:
    return level(sql, "null", is_null_level=True)


def else_level(**extra) -> dict:
    return level("ELSE", "all other", **extra)


def starting(m: float, u: float | None, why: str) -> dict:
    """A level's starting m and u probabilities and the reason for them. ``u=None`` on the
    ELSE level means the rest (one minus the other levels' u)."""
    return {"m_probability": m, **({} if u is None else {"u_probability": u}), "why": why}


def _complete(comparison: dict) -> dict:
    """The comparison as Splink reads it: reasons dropped, an ELSE level's missing m or u set
    to the rest when every other level has one."""
    levels = [{k: v for k, v in lv.items() if k != "why"} for lv in comparison["comparison_levels"]]
    scored = [lv for lv in levels if not lv.get("is_null_level")]
    for key in ("m_probability", "u_probability"):
        rest = [lv for lv in scored if key not in lv]
        if len(rest) == 1 and rest[0]["sql_condition"] == "ELSE" and len(scored) > 1:
            rest[0][key] = max(1.0 - sum(lv[key] for lv in scored if key in lv), 0.0)
    return {**comparison, "comparison_levels": levels}


def exact_comparison(column: str, label: str, m_same: float | None = None, name: str | None = None) -> dict:
    """null / the same value / anything else: a code, a district, a use, a sex, a phone."""
    m = {} if m_same is None else {"m_probability": m_same}
    m_else = {} if m_same is None else {"m_probability": 1 - m_same}
    return {
        "output_column_name": name or column,
        "comparison_levels": [
            null_level(f"{column}_l IS NULL OR {column}_r IS NULL"),
            level(f"{column}_l = {column}_r", label, **m),
            else_level(**m_else),
        ],
    }


def model_settings(comparisons: list[dict], blocking_rules: list[str], prior: float,
                   link_type: str = "link_and_dedupe") -> dict:
    """A Splink settings dict as every entity's model writes it: records keyed by ``rid``, the
    per-comparison weights kept for the explanations, ``prior`` as the starting prior."""
    return {
        "link_type": link_type,
        "unique_id_column_name": "rid",
        "comparisons": [_complete(c) for c in comparisons],
        "blocking_rules_to_generate_predictions": blocking_rules,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "probability_two_random_records_match": prior,
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


@dataclass
class ModelInputs:
    """What a model reads: one view per source over ``std_<entity>``, with the model's
    columns and blocking keys derived in the view rather than stored."""

    entity: str
    columns: list[str]
    blocking_keys: dict[str, str] = field(default_factory=dict)
    where: str = "true"

    def source_names(self, engine: Engine) -> list[str]:
        return [r[0] for r in engine.fetchall(
            f"SELECT DISTINCT source FROM std_{self.entity} WHERE {self.where} ORDER BY source")]

    def view(self, source: str) -> str:
        return f"link_{self.entity}_input_{source}"

    def linker(self, engine: Engine, settings):
        from splink import Linker

        # levels the data never shows are reported by Splink one warning each; regularise() handles them
        logging.getLogger("splink").setLevel(logging.ERROR)
        api = engine.splink_api()
        cols = ", ".join(self.columns + [f"{expr} AS {key}" for key, expr in self.blocking_keys.items()])
        tables = []
        for name in self.source_names(engine):
            view = self.view(name)
            engine.execute(f"CREATE OR REPLACE VIEW {quote_ident(view)} AS SELECT {cols} FROM std_{self.entity} "
                           f"WHERE source = {quote_literal(name)} AND {self.where}")
            tables.append(api.register(view, dataset_display_name=name))
        settings = engine.splink_settings(dict(settings, link_type="link_and_dedupe" if len(tables) > 1
                                               else "dedupe_only"))
        return Linker(tables if len(tables) > 1 else tables[0], settings, log_level="ERROR")

    def drop_views(self, engine: Engine) -> None:
        for name in self.source_names(engine):
            engine.execute(f"DROP VIEW IF EXISTS {quote_ident(self.view(name))}")


M_FLOOR = 1e-4
U_FLOOR = 1e-7


def _floor_and_normalise(values: list[float | None], floor: float) -> list[float]:
    floored = [max(v or 0.0, floor) for v in values]
    total = sum(floored)
    return [v / total for v in floored]


def regularise(model: dict, prior_fallback: float | None = None, u_floor: float = U_FLOOR) -> dict:
    """Give every level an m and u probability, none below a floor.

    A level the training data never showed (a sex typo, a mistyped ID digit among random
    pairs) would otherwise keep Splink's default or an exact zero: a veto, or a weight of
    nothing, that no other city's data has earned. A prior estimated as zero (no pair met
    the prior's rule) falls back to ``prior_fallback``. ``u_floor`` is at most what a level
    never seen among the sampled pairs can claim: about one over the pairs sampled.
    """
    prior = model.get("probability_two_random_records_match") or 0.0
    if prior_fallback is not None and not 0 < prior < 1:
        model["probability_two_random_records_match"] = prior_fallback
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key, floor in (("m_probability", M_FLOOR), ("u_probability", u_floor)):
            for lv, value in zip(levels, _floor_and_normalise([lv.get(key) for lv in levels], floor)):
                lv[key] = value
    return model


def remove_matches_from_u(model: dict) -> dict:
    """Take the true matches out of u probabilities estimated by random sampling.

    A random sample of pairs holds matches at the rate of the prior, so a level that only
    matches reach (the same flat in the same unit and district) gets u ≈ prior × m, and its
    weight can never lift a pair over the prior it was meant to overcome. The expected
    share of matches is subtracted: u' = (u − prior·m) / (1 − prior); ``regularise``
    then floors and renormalises. Meant for entities whose identifiers are shared by few
    records (enterprises, properties); the person model keeps Splink's estimate.
    """
    prior = model["probability_two_random_records_match"]
    if not 0 < prior < 1:
        return model
    for comparison in model["comparisons"]:
        for lv in comparison["comparison_levels"]:
            m, u = lv.get("m_probability"), lv.get("u_probability")
            if lv.get("is_null_level") or m is None or u is None:
                continue
            lv["u_probability"] = max(u - prior * m, 0.0) / (1 - prior)
    return model


def model_parameters(model: dict, starting_from: list[dict] | None = None) -> pd.DataFrame:
    """One row per comparison level: its m and u probabilities and match weight (log2 m/u),
    beside the starting values it began from and why they were set so (``starting_from``:
    the comparisons as written, reasons included)."""
    start = {}
    for comparison in starting_from or []:
        for used, written in zip(_complete(comparison)["comparison_levels"], comparison["comparison_levels"]):
            start[(comparison["output_column_name"], used["label_for_charts"])] = {**used, "why": written.get("why")}
    rows = []
    for comparison in model["comparisons"]:
        for i, lv in enumerate(comparison["comparison_levels"]):
            if lv.get("is_null_level"):
                continue
            m, u = lv.get("m_probability"), lv.get("u_probability")
            first = start.get((comparison["output_column_name"], lv["label_for_charts"]), {})
            rows.append({"comparison": comparison["output_column_name"], "level": i,
                         "label": lv["label_for_charts"], "m_probability": m, "u_probability": u,
                         "match_weight": math.log2(m / u) if m and u else None,
                         "starting_m": first.get("m_probability"), "starting_u": first.get("u_probability"),
                         "why": first.get("why")})
    rows.append({"comparison": "prior", "level": 0, "label": "probability two random records match",
                 "m_probability": model["probability_two_random_records_match"], "u_probability": None,
                 "match_weight": None, "starting_m": None, "starting_u": None,
                 "why": "estimated on the delivery: pairs agreeing on a deterministic rule, recall 0.7"})
    return pd.DataFrame(rows)


def empty_pairs(engine: Engine, entity: str) -> None:
    engine.create_table(f"pairs_{entity}", "SELECT NULL::BIGINT AS rid_l, NULL::BIGINT AS rid_r, "
                        "NULL::DOUBLE AS match_weight, NULL::DOUBLE AS match_probability, "
                        "NULL::BOOLEAN AS identity_evidence WHERE false")


def score_pairs(engine: Engine, linker, inputs: ModelInputs, floor: float, evidence_sql: str,
                model_out: Path | None = None, starting_from: list[dict] | None = None) -> dict:
    """Save the model, write ``link_<entity>_model`` and ``pairs_<entity>`` (each pair once,
    rid_l < rid_r, with ``identity_evidence``: may clustering follow this link at all)."""
    entity = inputs.entity
    model = linker.misc.save_model_to_json(str(model_out) if model_out else None, overwrite=True)
    engine.create_table_from_frame(f"link_{entity}_model", model_parameters(model, starting_from))
    predictions = linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
    engine.create_table(f"pairs_{entity}", f"""
        SELECT least(p.rid_l, p.rid_r) AS rid_l, greatest(p.rid_l, p.rid_r) AS rid_r,
               p.* EXCLUDE (rid_l, rid_r), {evidence_sql} AS identity_evidence
        FROM {predictions.physical_name} p
        JOIN std_{entity} a ON a.rid = p.rid_l JOIN std_{entity} b ON b.rid = p.rid_r
    """)
    linker.table_management.delete_tables_created_by_splink_from_db()
    inputs.drop_views(engine)
    return model


def estimate_prior(linker, rule_sets: list[list[str]]) -> int | None:
    """Estimate the prior on the first of ``rule_sets`` some pair agrees on (recall 0.7) and
    return its index; None where none does (the settings' prior kept)."""
    settings = linker._settings_obj  # the prior is set here (Splink has no public setter)
    start = settings._probability_two_random_records_match
    for i, rules in enumerate(rule_sets):
        try:
            linker.training.estimate_probability_two_random_records_match(rules, recall=0.7)
            if 0 < settings._probability_two_random_records_match < 1:
                return i
        except Exception:  # noqa: BLE001 - no pair agrees on the rules: try the next
            pass
        settings._probability_two_random_records_match = start
    return None


def train(linker, prior_rules: list[str], em_rules: list[str], u_max_pairs: float, em_max_pairs: float,
          seed: int, fallback_prior_rules: list[str] | None = None) -> list[str]:
    """Estimate the prior, u by random sampling and m by EM on each rule's block.

    A step the data cannot support (no pair agrees on the prior's rule, an EM block with too
    few pairs) keeps the starting values given in the comparisons, except that the prior is
    tried on ``fallback_prior_rules`` first (a delivery without IDs: name and birth date); the
    steps that failed are returned so the run can say so.
    """
    skipped = []
    training = linker.training
    tried = [prior_rules] + ([fallback_prior_rules] if fallback_prior_rules else [])
    used = estimate_prior(linker, tried)
    if used is None:
        skipped.append(f"prior: the starting value (no pair agrees on {' OR '.join(prior_rules)})")
    elif used:
        skipped.append(f"prior estimated on {' OR '.join(tried[used])} (no pair agrees on "
                       f"{' OR '.join(prior_rules)})")
    training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    for rule in em_rules:
        try:
            training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_max_pairs)
        except Exception:  # noqa: BLE001 - too few pairs in the block to train on
            skipped.append(f"em: {rule} skipped (too few pairs), its levels' starting m kept")
    return skipped


def load_model(path: Path) -> dict:
    settings = json.loads(Path(path).read_text(encoding="utf-8"))
    settings.pop("linker_uid", None)
    return settings


def touching(model: dict, sources: list[str]) -> dict:
    """The model with every blocking rule limited to pairs with a record from ``sources``:
    a new delivery is scored against everything, the rest keeps its pairs."""
    names = ", ".join(quote_literal(s) for s in sources)
    rules = []
    for rule in model["blocking_rules_to_generate_predictions"]:
        sql = rule["blocking_rule"] if isinstance(rule, dict) else rule
        limited = f"({sql}) AND (l.source IN ({names}) OR r.source IN ({names}))"
        rules.append({**rule, "blocking_rule": limited} if isinstance(rule, dict) else limited)
    return {**model, "blocking_rules_to_generate_predictions": rules}


def keep_previous_pairs(engine: Engine, entity: str, previous: str, changed: list[str]) -> None:
    """Add the previous registry's pairs between records of unchanged sources to
    ``pairs_<entity>``, their rids mapped through (source, record_key)."""
    names = ", ".join(quote_literal(s) for s in changed or [""])
    if not engine.has_table(f"pairs_{entity}"):
        engine.create_table(f"pairs_{entity}", f"SELECT * FROM {previous}.pairs_{entity} WHERE false")
    engine.execute(f"""
        INSERT INTO pairs_{entity} BY NAME
        WITH old AS (SELECT rid, source, record_key FROM {previous}.std_{entity} WHERE source NOT IN ({names})),
             now AS (SELECT rid, source, record_key FROM std_{entity} WHERE source NOT IN ({names}))
        SELECT least(a.rid, b.rid) AS rid_l, greatest(a.rid, b.rid) AS rid_r,
               p.* EXCLUDE (rid_l, rid_r)
        FROM {previous}.pairs_{entity} p
        JOIN old ol ON ol.rid = p.rid_l JOIN old orr ON orr.rid = p.rid_r
        JOIN now a ON a.source = ol.source AND a.record_key = ol.record_key
        JOIN now b ON b.source = orr.source AND b.record_key = orr.record_key""")


def link_entity(engine: Engine, config, inputs: ModelInputs, settings: dict, prior_rules: list[str],
                training_blocks: list[str], evidence_sql: str, model_out: Path | None = None,
                u_floor: float | None = None, model_in: Path | None = None) -> str:
    """Train an entity's model on its own records and score ``pairs_<entity>``; return where
    the model came from (for run_info). Used by the enterprise and property models: their
    u probabilities have the matches taken out; ``u_floor`` (default: one over the pairs
    sampled for u) is the rarest a level may claim to be among non-matches."""
    entity = inputs.entity
    if not engine.has_table(f"std_{entity}"):
        return f"none: no {entity} records"
    records = engine.scalar(f"SELECT count(*) FROM std_{entity}")
    if records < 2:
        empty_pairs(engine, entity)
        return f"none: {records} {entity} record(s), nothing to compare"
    link = config.link
    if model_in is not None:
        score_pairs(engine, inputs.linker(engine, load_model(model_in)), inputs, min(0.5, link.low_threshold),
                    evidence_sql, model_out, settings["comparisons"])
        return f"loaded from {model_in}"
    linker = inputs.linker(engine, settings)
    skipped = train(linker, prior_rules, training_blocks, link.u_max_pairs, link.em_max_pairs, link.seed)
    trained = remove_matches_from_u(linker.misc.save_model_to_json())
    linker = inputs.linker(engine, regularise(trained, prior_fallback=settings["probability_two_random_records_match"],
                                              u_floor=u_floor or 1 / link.u_max_pairs))
    score_pairs(engine, linker, inputs, min(0.5, link.low_threshold), evidence_sql, model_out, settings["comparisons"])
    kept = "; adapted to the data: " + "; ".join(skipped) if skipped else ""
    return f"trained on {records} records{kept}"
