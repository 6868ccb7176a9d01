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
    estimate_prior,
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
from resolve.link.common import starting as _start

# Starting values. Each level's m (the share of pairs of one person's records, both written,
# that fall at this level) and u (the share of pairs of two different people in a city of a
# few hundred thousand to a few million that do) are set from what is known about Chinese
# registry data, never fitted to a generated city, and each says why. A delivery too small to
# train on is scored with them as they are (only the prior is estimated on the data); a larger
# one starts EM from the m values and replaces u by random sampling. ``link_person_model``
# keeps them beside the trained values.
ID_COMPARISON = {
    "output_column_name": "id_number",
    "comparison_description": "citizen ID (GB 11643): exact, old 15-digit form, one digit off",
    "comparison_levels": [
        _null("id_number_l IS NULL OR id_number_r IS NULL"),
        _level("id_number_l = id_number_r AND (id_kind_l = 'citizen15' OR id_kind_r = 'citizen15')",
               "same ID, one in the old 15-digit form", **_start(
                   0.02, 1e-6, "m: 15-digit IDs were replaced from 1999; a few records from old systems keep one. "
                   "u: the 15-digit form drops the century, and the old system had duplicate numbers (重号), "
                   "so two people share one rarely but more often than an 18-digit ID")),
        _level("id_number_l = id_number_r AND id_valid_l", "same valid ID", **_start(
            0.94, 1e-7, "m: an ID is copied from the card or the police system; one written by hand is "
            "mistyped in roughly 1 to 3 records in 100, which fall to the levels below. u: a valid ID "
            "belongs to one person; two people share it only when a clerk files one under another's "
            "number (a child under a parent's), well under one pair in ten million")),
        _level("id_number_l = id_number_r", "same ID, check digit fails", **_start(
            0.01, 1e-5, "m: a typo copied from one system to another. u: placeholders and made-up numbers "
            "(all zeros, a birth date padded) recur across different people far more than real IDs")),
        _level("substr(id_number_l, 1, 17) = substr(id_number_r, 1, 17)", "check character differs", **_start(
            0.005, 5e-7, "m: the check character mistyped or an X read as another character. u: the 17-digit "
            "body (region, birth date, sequence) is one person's; another person shares it only by error")),
        # on the 17-digit body: a typo in a 15-digit ID comes with a recomputed check character
        _level("NOT (id_valid_l AND id_valid_r) "
               "AND damerau_levenshtein(substr(id_number_l, 1, 17), substr(id_number_r, 1, 17)) <= 1",
               "one digit off or transposed", **_start(
                   0.02, 1e-6, "m: the commonest keying error in a long number is one digit replaced or two "
                   "swapped (about 2 records in 100 keyed by hand). u: people born the same day in the same "
                   "county differ in the sequence digits; a neighbour one digit away exists for a few people "
                   "in a million, and one of the two must fail its check to reach this level")),
        _else(**_start(0.005, None, "m: one person under two numbers (an ID reissued after a corrected "
                       "birth date, a record filed under a relative's ID) is rare. u: almost every pair of "
                       "different people")),
    ],
}

OTHER_DOC_COMPARISON = {
    "output_column_name": "other_doc",
    "comparison_description": "passport or permit number",
    "comparison_levels": [
        _null("other_doc_l IS NULL OR other_doc_r IS NULL"),
        _level("other_doc_l = other_doc_r", "same document", **_start(
            0.95, 1e-6, "m: a passport or permit number is copied from the document. u: a document "
            "number belongs to one holder; shared only by a clerk's error")),
        _else(**_start(0.05, None, "m: passports and residence permits are renewed under new numbers, "
                       "so a foreign resident's records can carry two")),
    ],
}

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
               tf_adjustment_weight=1.0, **_start(
                   0.92, 1e-4, "m: names are compared after traditional-to-simplified and variant folding; "
                   "what is left differs in a few records in 100 (a homophone picked in a pinyin input "
                   "method, a rare character replaced). u: the chance two Chinese residents share a full "
                   "name is about 1 in 10,000 (the commonest names are held by a few in 10,000 people); "
                   "the name's own frequency adjusts it")),
        _level("name_py_l = name_py_r", "same pinyin (homophone)", **_start(
            0.04, 2e-4, "m: names are keyed by pinyin input, so a wrong character is nearly always a "
            "homophone. u: many more names share a pinyin than share characters (伟/玮/炜)")),
        _level("surname_py_l = surname_py_r AND name_py_fuzzy_l = name_py_fuzzy_r", "fuzzy pinyin", **_start(
            0.01, 3e-4, "m: a name written from speech in a dialect that merges zh/z, n/l, in/ing. "
            "u: the merged sounds widen the homophone classes further")),
        _level(_ONE_CHAR_APART, "given name one character apart", **_start(
            0.015, 6e-4, "m: one character of the given name miskeyed or changed. u: same surname "
            "(3 in 100 pairs) times a shared given-name character in the same place (about 2 in 100: "
            "伟, 芳, 敏, 静 are common)")),
        _level("surname_py_l = surname_py_r", "same surname", **_start(
            0.01, 0.035, "m: the given name changed (a used name, 曾用名) or wholly miswritten. u: the "
            "surname shares squared: 王, 李, 张 each hold about 7 in 100 people, so about 3 to 4 pairs in "
            "100 share a surname")),
        _else(**_start(0.005, None, "m: the surname too differs: a record under another name. u: the rest")),
    ],
}

BIRTH_COMPARISON = {
    "output_column_name": "birth_date",
    "comparison_description": "birth date: full, partial (year-month), one digit off, same year",
    "comparison_levels": [
        _null("birth_ym_l IS NULL OR birth_ym_r IS NULL"),
        _level("birth_date_l = birth_date_r", "same date", **_start(
            0.95, 5e-5, "m: usually taken from the ID; a few records in 100 are keyed by hand or hold the "
            "lunar-calendar birthday. u: one day in about 80 years of births (1 in 29,000), more for "
            "the working ages most records hold")),
        _level("(birth_date_l IS NULL OR birth_date_r IS NULL) AND birth_ym_l = birth_ym_r",
               "partial date agrees", **_start(
                   0.01, 1e-5, "m: only where a department writes the year and month alone. u: the same "
                   "month in about 80 years (1 in 1,000) among the few pairs with a partial date")),
        _level("damerau_levenshtein(strftime(birth_date_l, '%Y%m%d'), strftime(birth_date_r, '%Y%m%d')) <= 1 "
               "OR (year(birth_date_l) = year(birth_date_r) AND month(birth_date_l) = day(birth_date_r) "
               "AND day(birth_date_l) = month(birth_date_r))",
               "one digit off or day/month swapped", **_start(
                   0.025, 1.2e-3, "m: a digit miskeyed, or a day and month read the other way round. u: a "
                   "date has about 35 valid neighbours one edit away among 29,000")),
        _level("birth_year_l = birth_year_r", "same year", **_start(
            0.01, 0.015, "m: the lunar and the solar birthday can be weeks apart. u: one year in about 65")),
        _else(**_start(0.005, None, "m: registered ages were changed for school, work or retirement "
                       "(a known 户籍 practice), so a person's year can differ. u: the rest")),
    ],
}

SEX_COMPARISON = {
    "output_column_name": "sex",
    "comparison_levels": [
        _null("sex_l IS NULL OR sex_r IS NULL"),
        _level("sex_l = sex_r", "same sex", **_start(
            0.99, 0.5, "m: read from the ID or keyed; about one record in 100 keyed wrong. u: half")),
        _else(**_start(0.01, None, "m: the keying errors. u: half")),
    ],
}

PHONE_COMPARISON = {
    "output_column_name": "phone",
    "comparison_levels": [
        _null("phone_l IS NULL OR phone_r IS NULL"),
        _level("phone_l = phone_r", "same phone", **_start(
            0.6, 1e-5, "m: people change numbers, and departments record them years apart. u: a number "
            "is shared within a household (a parent's phone on a pupil's record), so about the "
            "household size over the city's population")),
        _else(**_start(0.4, None, "m: a changed number, or a family member's given instead. u: the rest")),
    ],
}

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
        _level(_any_equal(), "same address", **_start(
            0.35, 3e-5, "m: a third or more of residents live away from their registered address "
            "(人户分离) and departments record either, so the same text is far from certain. u: a "
            "household or a dormitory shares an address: tens of people in a city of a million")),
        _level(_any_equal(kind="dwelling"), "same dwelling (road, door, building, room)", **_start(
            0.25, 3e-5, "m: the same flat written another way. u: as the same address")),
        _level(_any_equal(kind="building"), "same building (road, door, building)", **_start(
            0.1, 1e-3, "m: a room left out or miswritten. u: a building holds tens to hundreds of "
            "residents, an urban-village house or a factory dormitory more")),
        _else(**_start(0.3, None, "m: people move and departments update years apart. u: the rest")),
    ],
}

# Who a record is comes from a document or a name. Birth date, phone and address are shared
# by a household (twins share all three), so they confirm an identity but never make one:
# a pair without agreeing documents and without agreeing names is not followed by clustering.
# Names that only sound alike (雪林 / 雪铃) are how a brother and sister are often named, so
# they count only where the records do not say the two differ in sex.
IDENTITY_EVIDENCE = """(
    (NOT (a.id_valid AND b.id_valid) AND
        damerau_levenshtein(substr(a.id_number, 1, 17), substr(b.id_number, 1, 17)) <= 1)
    OR a.id_number = b.id_number
    OR a.other_doc = b.other_doc
    OR a.name_std = b.name_std
    OR ((a.name_py = b.name_py OR (a.surname_py = b.surname_py AND a.name_py_fuzzy = b.name_py_fuzzy))
        AND NOT coalesce(a.sex <> b.sex, false))
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


COMPARISONS = [ID_COMPARISON, OTHER_DOC_COMPARISON, NAME_COMPARISON, BIRTH_COMPARISON,
               SEX_COMPARISON, PHONE_COMPARISON, ADDRESS_COMPARISON]


def person_settings(link_type: str) -> dict:
    return model_settings(COMPARISONS, BLOCKING_RULES, 1e-5, link_type)


INPUTS = ModelInputs("person", MODEL_COLUMNS, BLOCKING_KEYS)
PRIOR_RULE = "l.id_number = r.id_number AND l.id_valid"
FALLBACK_PRIOR_RULE = "l.name_py = r.name_py AND l.birth_date = r.birth_date"  # a delivery without IDs


def train_person_model(linker, config: Config) -> list[str]:
    """Prior, u and m (EM on each training block) on the data itself; the steps the data cannot
    support (no ID in the delivery, every record alike) keep the comparisons' starting values
    and are returned so the run says so (common.train)."""
    link = config.link
    return train(linker, [PRIOR_RULE], TRAINING_BLOCKS, link.u_max_pairs, link.em_max_pairs, link.seed,
                 fallback_prior_rules=[FALLBACK_PRIOR_RULE])


def starting_model(engine: Engine) -> tuple[object, str]:
    """The starting values as they are, with the prior estimated on the delivery (on valid IDs,
    else on pinyin name and birth date); the settings' prior where no pair agrees on either."""
    linker = INPUTS.linker(engine, person_settings("link_and_dedupe"))
    rules = [PRIOR_RULE, FALLBACK_PRIOR_RULE]
    used = estimate_prior(linker, [[rule] for rule in rules])
    if used is None:
        return linker, "the starting prior (no pair agrees on a valid ID or on name and birth date)"
    return linker, f"prior estimated on {rules[used]}"


def link_persons(engine: Engine, config: Config, model_out: Path | None = None,
                 model_in: Path | None = None, changed: list[str] | None = None, previous: str | None = None) -> str:
    """Train (or load) the person model, score blocked pairs, write ``pairs_person``.

    Returns where the model came from. Too few records to train on (a small delivery, a
    test) are scored with the documented starting values, only the prior estimated on the
    data at hand.

    With ``previous`` (an attached registry) and ``model_in``, only the pairs with a record of
    a ``changed`` source are scored; the previous registry's pairs between the others are
    kept (a new delivery: ``resolve update``).
    """
    evidence, floor = IDENTITY_EVIDENCE, min(0.5, config.link.low_threshold)
    if previous is not None and model_in is not None:
        person_sources = {s.name for s in config.sources_for("person")}
        mine = [c for c in changed or [] if c in person_sources]
        if mine:
            score_pairs(engine, INPUTS.linker(engine, touching(load_model(model_in), mine)), INPUTS,
                        floor, evidence, starting_from=COMPARISONS)
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
        linker, prior = starting_model(engine)
        origin = (f"starting values ({records} records, fewer than link.min_training_records); {prior}")
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
    score_pairs(engine, linker, INPUTS, floor, evidence, model_out, COMPARISONS)
    return origin
