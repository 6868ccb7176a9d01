"""Link enterprises: one Splink model over every enterprise source and every enterprise
mentioned by another department (a social-insurance employer, a real-estate owner).

Reads ``std_enterprise``; writes ``pairs_enterprise`` and ``link_enterprise_model`` and
saves the model as JSON. Identifiers carry most of the weight: the USCC, or, for records
from before it, the organisation code (inside a USCC and a legacy tax ID) and the legacy
registration number. Names are compared by their parts (core name, legal form, branch),
never by edit distance on CJK text. A branch and its parent share the parent's name and
often its legal representative and address, so a pair whose branch markers differ is not
followed by clustering whatever its score (``identity_evidence``).
"""

from __future__ import annotations

from pathlib import Path

from resolve.config import Config
from resolve.engine import Engine
from resolve.link.common import ModelInputs, link_entity, model_settings
from resolve.link.common import else_level as _else
from resolve.link.common import level as _level
from resolve.link.common import null_level as _null

# Starting m probabilities, used as they are when the data cannot train them (a few hundred
# enterprises) and as EM's starting point otherwise: the share of true matches at each level.
IDENTIFIER_COMPARISON = {
    "output_column_name": "identifier",
    "comparison_description": "USCC, organisation code (in a USCC or a legacy tax ID), registration number",
    "comparison_levels": [
        _null("(uscc_l IS NULL OR uscc_r IS NULL) AND (org_code_l IS NULL OR org_code_r IS NULL) "
              "AND (reg_number_l IS NULL OR reg_number_r IS NULL)"),
        _level("uscc_l = uscc_r AND uscc_valid_l", "same valid USCC", m_probability=0.85),
        _level("uscc_l = uscc_r", "same USCC, check fails", m_probability=0.02),
        _level("org_code_l = org_code_r", "same organisation code", m_probability=0.08),
        _level("reg_number_l = reg_number_r", "same registration number", m_probability=0.02),
        _level("NOT (coalesce(uscc_valid_l, false) AND coalesce(uscc_valid_r, false)) AND "
               "(damerau_levenshtein(uscc_l, uscc_r) <= 1 OR damerau_levenshtein(org_code_l, org_code_r) <= 1)",
               "one character off", m_probability=0.02),
        _else(m_probability=0.01),
    ],
}

NAME_COMPARISON = {
    "output_column_name": "name",
    "comparison_description": "name: as written, comparison key (region and spacing aside), core name",
    "comparison_levels": [
        _null("name_std_l IS NULL OR name_std_r IS NULL"),
        _level("name_std_l = name_std_r", "same name", m_probability=0.75),
        _level("name_key_l = name_key_r", "same core, legal form and branch", m_probability=0.15),
        _level("core_l = core_r", "same core name, other legal form", m_probability=0.04),
        _else(m_probability=0.03),
    ],
}

LEGAL_REP_COMPARISON = {
    "output_column_name": "legal_rep",
    "comparison_levels": [
        _null("coalesce(legal_rep_id_number_l, legal_rep_name_l) IS NULL "
              "OR coalesce(legal_rep_id_number_r, legal_rep_name_r) IS NULL"),
        _level("legal_rep_id_number_l = legal_rep_id_number_r", "same representative ID", m_probability=0.6),
        _level("legal_rep_name_l = legal_rep_name_r", "same representative name", m_probability=0.3),
        _else(m_probability=0.1),
    ],
}

ADDRESS_COMPARISON = {
    "output_column_name": "address",
    "comparison_levels": [
        _null("address_l IS NULL OR address_r IS NULL"),
        _level("address_l = address_r", "same address", m_probability=0.5),
        _level("dwelling_key_l = dwelling_key_r", "same premises (road, door, building, room)", m_probability=0.2),
        _level("building_key_l = building_key_r", "same building", m_probability=0.1),
        _else(m_probability=0.2),
    ],
}

ESTABLISHED_COMPARISON = {
    "output_column_name": "established_date",
    "comparison_levels": [
        _null("established_date_l IS NULL OR established_date_r IS NULL"),
        _level("established_date_l = established_date_r", "same date", m_probability=0.9),
        _level("year(established_date_l) = year(established_date_r)", "same year", m_probability=0.05),
        _else(m_probability=0.05),
    ],
}

BLOCKING_RULES = [
    "l.uscc = r.uscc",
    "l.org_code = r.org_code",
    "l.reg_number = r.reg_number",
    "l.name_key = r.name_key",
    "l.core = r.core AND l.legal_rep_name = r.legal_rep_name",
    # a mistyped code: the rest of the code and the representative still agree
    "l.uscc_head = r.uscc_head AND l.legal_rep_name = r.legal_rep_name",
]

TRAINING_BLOCKS = ["l.uscc = r.uscc", "l.name_key = r.name_key"]
PRIOR_RULES = ["l.uscc = r.uscc AND l.uscc_valid"]

MODEL_COLUMNS = [
    "rid", "source", "uscc", "uscc_valid", "org_code", "reg_number", "name_std", "name_key", "core",
    "legal_rep_name", "legal_rep_id_number", "address", "dwelling_key", "building_key", "established_date",
]
BLOCKING_KEYS = {"uscc_head": "substr(uscc, 1, 9)"}
INPUTS = ModelInputs("enterprise", MODEL_COLUMNS, BLOCKING_KEYS)

# Clustering follows a link only when an identifier or the name agrees, and never across a
# branch marker: 深圳市甲有限公司 and 深圳市甲有限公司龙华分公司 are two entities, as are two
# branches of one parent.
IDENTITY_EVIDENCE = """(
    (a.uscc = b.uscc OR a.org_code = b.org_code OR a.reg_number = b.reg_number
     OR (NOT (coalesce(a.uscc_valid, false) AND coalesce(b.uscc_valid, false))
         AND damerau_levenshtein(a.uscc, b.uscc) <= 1)
     OR a.name_key = b.name_key OR a.core = b.core) IS TRUE
    AND (a.name_std IS NULL OR b.name_std IS NULL
         OR (a.is_branch IS NOT DISTINCT FROM b.is_branch AND a.branch_label IS NOT DISTINCT FROM b.branch_label))
)"""


def enterprise_settings() -> dict:
    return model_settings([IDENTIFIER_COMPARISON, NAME_COMPARISON, LEGAL_REP_COMPARISON, ADDRESS_COMPARISON,
                           ESTABLISHED_COMPARISON], BLOCKING_RULES, 1e-4)


def link_enterprises(engine: Engine, config: Config, model_out: Path | None = None,
                     model_in: Path | None = None) -> str:
    """Train (or load) the enterprise model and score blocked pairs into ``pairs_enterprise``."""
    return link_entity(engine, config, INPUTS, enterprise_settings(), PRIOR_RULES, TRAINING_BLOCKS,
                       IDENTITY_EVIDENCE, model_out, model_in=model_in)
