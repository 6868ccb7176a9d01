"""Link persons: one Splink model over every person source.

Reads ``std_person``; writes ``pairs_person`` (every scored pair above the floor probability,
with each comparison's level ``gamma_*`` and Bayes factor ``bf_*``) and saves the trained
model as JSON. The comparisons are written for Chinese registry data: DuckDB's string
distances count bytes, so names are compared by characters and pinyin we build ourselves,
never by edit distance on CJK text.
"""

from __future__ import annotations

from pathlib import Path

from resolve.config import Config
from resolve.engine import Engine
from resolve.link.common import (
    ModelInputs,
    empty_pairs,
    exact_comparison,
    keep_previous_pairs,
    load_model,
    model_settings,
    regularise,
    score_pairs,
    touching,
    train,
)
from resolve.link.common import else_level as _else
from resolve.link.common import level as _level
from resolve.link.common import null_level as _null

ID_COMPARISON = {
    "output_column_name": "id_number",
    "comparison_description": "citizen ID (GB 11643): exact, old 15-digit form, one digit off",
    "comparison_levels": [
        _null("id_number_l IS NULL OR id_number_r IS NULL"),
        _level("id_number_l = id_number_r AND (id_kind_l = 'citizen15' OR id_kind_r = 'citizen15')",
               "same ID, one in the old 15-digit form"),
        _level("id_number_l = id_number_r AND id_valid_l", "same valid ID"),
        _level("id_number_l = id_number_r", "same ID, check digit fails"),
        _level("substr(id_number_l, 1, 17) = substr(id_number_r, 1, 17)", "check character differs"),
        # on the 17-digit body: a typo in a 15-digit ID comes with a recomputed check character
        _level("NOT (id_valid_l AND id_valid_r) "
               "AND damerau_levenshtein(substr(id_number_l, 1, 17), substr(id_number_r, 1, 17)) <= 1",
               "one digit off or transposed"),
        _else(),
    ],
}

OTHER_DOC_COMPARISON = {**exact_comparison("other_doc", "same document"),
                        "comparison_description": "passport or permit number"}

# Given names of two or three characters, same surname, exactly one position differs.
_ONE_CHAR_APART = (
    "surname_l = surname_r AND length(given_name_l) = length(given_name_r) "
    "AND length(given_name_l) BETWEEN 2 AND 3 AND "
    + " + ".join(f"(substr(given_name_l, {i}, 1) <> substr(given_name_r, {i}, 1))::INT" for i in (1, 2, 3))
    + " = 1"
)

NAME_COMPARISON = {
    "output_column_name": "name",
    "comparison_description": "name: characters, pinyin, fuzzy pinyin, surname",
    "comparison_levels": [
        _null("name_std_l IS NULL OR name_std_r IS NULL"),
        _level("name_std_l = name_std_r", "same name", tf_adjustment_column="name_std",
               tf_adjustment_weight=1.0),
        _level("name_py_l = name_py_r", "same pinyin (homophone)"),
        _level("surname_py_l = surname_py_r AND name_py_fuzzy_l = name_py_fuzzy_r", "fuzzy pinyin"),
        _level(_ONE_CHAR_APART, "given name one character apart"),
        _level("surname_py_l = surname_py_r", "same surname"),
        _else(),
    ],
}

BIRTH_COMPARISON = {
    "output_column_name": "birth_date",
    "comparison_description": "birth date: full, partial (year-month), one digit off, same year",
    "comparison_levels": [
        _null("birth_ym_l IS NULL OR birth_ym_r IS NULL"),
        _level("birth_date_l = birth_date_r", "same date"),
        _level("(birth_date_l IS NULL OR birth_date_r IS NULL) AND birth_ym_l = birth_ym_r",
               "partial date agrees"),
        _level("damerau_levenshtein(strftime(birth_date_l, '%Y%m%d'), strftime(birth_date_r, '%Y%m%d')) <= 1 "
               "OR (year(birth_date_l) = year(birth_date_r) AND month(birth_date_l) = day(birth_date_r) "
               "AND day(birth_date_l) = month(birth_date_r))",
               "one digit off or day/month swapped"),
        _level("birth_year_l = birth_year_r", "same year"),
        _else(),
    ],
}

SEX_COMPARISON = exact_comparison("sex", "same sex")
PHONE_COMPARISON = exact_comparison("phone", "same phone")

_ADDR_PAIRS = [("residence_address", "residence_address"), ("registered_address", "registered_address"),
               ("residence_address", "registered_address"), ("registered_address", "residence_address")]


def _any_equal(kind: str = "address") -> str:
    return " OR ".join(
        f"{a.replace('address', kind)}_l = {b.replace('address', kind)}_r" for a, b in _ADDR_PAIRS)


ADDRESS_COMPARISON = {
    "output_column_name": "address",
    "comparison_description": "residence or registered address, either way round",
    "comparison_levels": [
        _null("coalesce(residence_address_l, registered_address_l) IS NULL "
              "OR coalesce(residence_address_r, registered_address_r) IS NULL"),
        _level(_any_equal(), "same address"),
        _level(_any_equal(kind="dwelling"), "same dwelling (road, door, building, room)"),
        _level(_any_equal(kind="building"), "same building (road, door, building)"),
        _else(),
    ],
}

# Who a record is comes from a document or a name. Birth date, phone and address are shared
# by a household (twins share all three), so they confirm an identity but never make one:
# a pair without agreeing documents and without agreeing names is not followed by clustering.
IDENTITY_EVIDENCE = """(
    (NOT (a.id_valid AND b.id_valid) AND
        damerau_levenshtein(substr(a.id_number, 1, 17), substr(b.id_number, 1, 17)) <= 1)
    OR a.id_number = b.id_number
    OR a.other_doc = b.other_doc
    OR a.name_std = b.name_std OR a.name_py = b.name_py
    OR (a.surname_py = b.surname_py AND a.name_py_fuzzy = b.name_py_fuzzy)
) IS TRUE"""

BLOCKING_RULES = [
    "l.id_number = r.id_number",
    "l.other_doc = r.other_doc",
    # a mistyped digit falls in the region, the birth date or the sequence: the other two still block
    "l.id_region_birth = r.id_region_birth AND l.surname_key = r.surname_key",
    "l.id_birth_seq = r.id_birth_seq AND l.surname_key = r.surname_key",
    "l.id_region_seq = r.id_region_seq AND l.name_py_fuzzy = r.name_py_fuzzy",
    # no ID, or an ID mistyped twice
    "l.name_py_fuzzy = r.name_py_fuzzy AND l.birth_ym = r.birth_ym",
    "l.phone = r.phone AND l.surname_key = r.surname_key",
    "l.birth_date = r.birth_date AND l.given_py = r.given_py",
    "l.name_std = r.name_std AND l.home_building = r.home_building",
]

TRAINING_BLOCKS = [
    "l.id_number = r.id_number",
    "l.name_py = r.name_py AND l.birth_date = r.birth_date",
]

MODEL_COLUMNS = [
    "rid", "source", "id_number", "id_kind", "id_valid", "other_doc",
    "name_std", "surname", "given_name", "surname_py", "surname_key", "given_py", "name_py", "name_py_fuzzy",
    "sex", "birth_date", "birth_ym", "birth_year", "phone",
    "residence_address", "registered_address", "residence_building", "registered_building",
    "residence_dwelling", "registered_dwelling",
]

# Blocking keys, derived in the model's input view rather than stored in std_person.
BLOCKING_KEYS = {
    "id_region_birth": "substr(id_number, 1, 14)",
    "id_birth_seq": "substr(id_number, 7, 11)",
    "id_region_seq": "substr(id_number, 1, 6) || substr(id_number, 15, 3)",
    "home_building": "coalesce(residence_building, registered_building)",
}


def person_settings(link_type: str) -> dict:
    return model_settings([ID_COMPARISON, OTHER_DOC_COMPARISON, NAME_COMPARISON, BIRTH_COMPARISON,
                           SEX_COMPARISON, PHONE_COMPARISON, ADDRESS_COMPARISON], BLOCKING_RULES, 1e-5, link_type)


INPUTS = ModelInputs("person", MODEL_COLUMNS, BLOCKING_KEYS)
PACKAGED_MODEL = Path(__file__).resolve().parents[1] / "data" / "person_model.json"
PRIOR_RULE = "l.id_number = r.id_number AND l.id_valid"
FALLBACK_PRIOR_RULE = "l.name_py = r.name_py AND l.birth_date = r.birth_date"  # a delivery without IDs


def train_person_model(linker, config: Config) -> list[str]:
    """Prior, u and m (EM on each training block) on the data itself; the steps the data cannot
    support (no ID in the delivery, every record alike) keep the comparisons' starting values
    and are returned so the run says so (common.train)."""
    link = config.link
    return train(linker, [PRIOR_RULE], TRAINING_BLOCKS, link.u_max_pairs, link.em_max_pairs, link.seed,
                 fallback_prior_rules=[FALLBACK_PRIOR_RULE])


def link_persons(engine: Engine, config: Config, model_out: Path | None = None,
                 model_in: Path | None = None, changed: list[str] | None = None, previous: str | None = None) -> str:
    """Train (or load) the person model, score blocked pairs, write ``pairs_person``.

    Returns where the model came from. Too few records to train on (a small delivery, a
    test) take the packaged model, trained on the synthetic demo city, with only the prior
    re-estimated on the data at hand.

    With ``previous`` (an attached registry) and ``model_in``, only the pairs with a record of
    a ``changed`` source are scored; the previous registry's pairs between the others are
    kept (a new delivery: ``resolve update``).
    """
    if previous is not None and model_in is not None:
        person_sources = {s.name for s in config.sources_for("person")}
        mine = [c for c in changed or [] if c in person_sources]
        if mine:
            score_pairs(engine, INPUTS.linker(engine, touching(load_model(model_in), mine)), INPUTS,
                        min(0.5, config.link.low_threshold), IDENTITY_EVIDENCE)
        else:
            engine.drop("pairs_person")
        keep_previous_pairs(engine, "person", previous, mine)
        return f"loaded from {model_in}; scored the pairs of {', '.join(mine) or 'no new records'}"
    if not engine.has_table("std_person"):
        return "none: no person sources"
    records = engine.scalar("SELECT count(*) FROM std_person")
    if not records:
        empty_pairs(engine, "person")
        return "none: no person records"
    if model_in is None and records < config.link.min_training_records:
        linker = INPUTS.linker(engine, load_model(PACKAGED_MODEL))
        try:
            linker.training.estimate_probability_two_random_records_match([PRIOR_RULE], recall=0.7)
            estimated = linker.misc.save_model_to_json()["probability_two_random_records_match"]
        except Exception:  # noqa: BLE001
            estimated = 0
        if not 0 < estimated < 1:  # no pair agrees on a valid ID: keep the packaged prior
            linker = INPUTS.linker(engine, load_model(PACKAGED_MODEL))
        origin = f"packaged model ({records} records, fewer than link.min_training_records)"
    elif model_in is not None:
        linker = INPUTS.linker(engine, load_model(model_in))
        origin = f"loaded from {model_in}"
    else:
        linker = INPUTS.linker(engine, person_settings("link_and_dedupe"))
        skipped = train_person_model(linker, config)
        linker = INPUTS.linker(engine, regularise(linker.misc.save_model_to_json()))
        origin = f"trained on {records} records"
        if skipped:
            origin += "; adapted to the data: " + "; ".join(skipped)
    score_pairs(engine, linker, INPUTS, min(0.5, config.link.low_threshold), IDENTITY_EVIDENCE, model_out)
    return origin
