"""Match one record against an existing registry: the candidates, their scores and why.

Instant-approval services ask "who is this?" for one record at a time. ``PersonLookup`` is
opened once on a registry folder (``registry.duckdb`` and ``person_model.json`` as
``resolve run --out`` wrote them), keeps what it needs in memory and answers ``match(record)``
in milliseconds::

    with PersonLookup("out/demo") as registry:
        for c in registry.match({"id_number": "440306198608177350", "name": "张泽豪"}):
            print(c.person_id, c.match_probability, [(e.comparison, e.level, e.weight)
                                                     for e in c.explanation])

What a match does, and how it stays the pipeline's:

1. **Standardise** the record as ``resolve run`` standardises a department's record into
   ``std_person``. Names go through ``name_features``, addresses through
   ``build_address_table`` (an address the registry already holds is taken from its
   ``std_person_addresses``, which that same code wrote), and the ID, date, phone and sex
   fields through the SQL of ``resolve.standardise.person`` (``person_parsed_sql`` and
   ``person_std_sql``, with the macros of ``resolve.standardise.sql``) over a one-row table.
   DuckDB re-plans a statement on every execution: that SQL costs about 60 ms of planning. So
   a lookup takes a transcription of it, ``_plain_scalars``, for the ID, date, phone and sex
   (any text, save an ID with a letter beyond ASCII, whose upper() DuckDB and Python disagree
   on: that record goes through the SQL), checked at open against the SQL on a fixed set of
   awkward inputs and a sample of the registry's own raw IDs; should they ever disagree, a
   warning is given and every record goes through the SQL. An address the registry does not
   hold goes through ``build_address_table`` itself, with the registry's place aliases
   (``std_place_alias``), and is cached.
2. **Block**: the model's blocking rules (``blocking_rules_to_generate_predictions`` of
   person_model.json, over the columns of ``link.person.MODEL_COLUMNS`` and the derived
   keys of ``link.person.BLOCKING_KEYS``) with the query as ``l`` and the registry's records
   as ``r``. Every rule of the form ``l.a = r.a AND l.b = r.b`` is an in-memory index:
   DuckDB's ``hash(a, b)`` of every record, sorted, searched with ``numpy.searchsorted``. A
   rule of any other form is evaluated against every record (a full scan: slow, warned
   about at open). Candidates are then checked against the rules' own SQL, so a hash
   collision adds nothing.
3. **Score** each candidate pair in DuckDB with the comparisons' ``sql_condition`` strings
   (``_l`` is the query, ``_r`` the record; in order, the first that holds wins): the
   level's weight is log2(m/u), the pair's match weight the sum plus log2 of the prior
   odds, its probability 2^w / (1 + 2^w), exactly as Splink's ``predict``. Term-frequency
   adjustments are applied as Splink applies them, with the term frequencies of the
   registry's ``std_person`` (so a record looked up against its own registry gets the
   weight ``pairs_person`` gave it with each of its cluster mates). The query's own term
   frequency is taken as the record's it is compared with: the same value, wherever the
   level is an exact match, as every TF level of the person model is.
4. **Judge** each pair as clustering would (``resolve.cluster`` with the default link
   settings): a candidate whose person holds a check-valid citizen ID other than the
   query's valid one is ``refused = "different_valid_ids"`` (two valid IDs are two people:
   the other twin), a pair on which neither a document nor a name agrees (the pipeline's
   ``IDENTITY_EVIDENCE``) ``"no_identity_evidence"``. Their scores are kept as the model
   gave them; they rank after every candidate clustering would accept.
5. **Aggregate** per golden person (its best record stands for it), drop records whose
   golden person no longer exists, sort by match weight and keep ``limit``.

Nothing is masked: this is a privileged service for the departments that may see a full
citizen ID and phone number; whoever exposes it further must mask it there.

A ``PersonLookup`` answers one match at a time (a lock serialises concurrent calls); open one
per worker process to answer in parallel. At 1.9 million records (950,000 persons) it holds about
1.8 GB and opens in about 13 s.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Self

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from resolve.config import ENTITY_FIELDS
from resolve.engine import Engine, quote_ident, quote_literal
from resolve.errors import ResolveError
from resolve.link.person import BLOCKING_KEYS, IDENTITY_EVIDENCE, MODEL_COLUMNS
from resolve.standardise.addresses import (
    build_address_table,
    register_address_macros,
)
from resolve.standardise.names import name_features
from resolve.standardise.person import person_parsed_sql, person_std_sql
from resolve.standardise.places import LIBRARY_TABLES
from resolve.standardise.sql import FULL_WIDTH, HALF_WIDTH, ID_WEIGHTS, register_macros

REGISTRY_FILE = "registry.duckdb"  # as resolve.pipeline writes them (not imported: the pipeline
PERSON_MODEL_FILE = "person_model.json"  # pulls in every stage)

PERSON_FIELDS = ENTITY_FIELDS["person"]
# What a query may carry. ``other_doc`` (a passport or permit number) is read as the pipeline
# reads any document in the ID column; it is the document when ``id_number`` is not given.
ACCEPTED_FIELDS = ("id_number", "other_doc", "name", "birth_date", "sex", "phone",
                   "residence_address", "registered_address")
# Canonical person fields the model does not compare: accepted in a record and ignored.
IGNORED_FIELDS = tuple(f for f in PERSON_FIELDS if f not in ACCEPTED_FIELDS)
IDENTITY_COLUMNS = ("name_std", "id_number", "other_doc")

_REGISTRY_TABLES = ("std_person", "person_xref", "person_golden", "std_person_addresses", "run_info")
_ADDRESS_CACHE_SIZE = 10_000


@dataclass
class ComparisonScore:
    """One comparison of the query with a record: the level that held and its weight."""

    comparison: str
    level: str
    weight: float  # log2 Bayes factor, term-frequency adjustment included
    tf_adjustment: float = 0.0


@dataclass
class Candidate:
    person_id: str
    match_probability: float
    match_weight: float
    name: str | None  # the golden record's
    birth_date: str | None
    sex: str | None
    id_number: str | None
    source: str  # the best-matching source record
    record_key: str
    rid: int
    prior_weight: float
    # None, or why clustering would not join this record to the person whatever its score:
    # different_valid_ids (two check-valid citizen IDs are two people) or no_identity_evidence
    # (neither a document nor a name agrees: a household, not a person). Ranked after the rest.
    refused: str | None = None
    explanation: list[ComparisonScore] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------------------------
# Plain text: ID, dates, phone and sex as the macros of resolve.standardise.sql read them
# --------------------------------------------------------------------------------------------

class _NotPlain(Exception):
    """A value outside what _plain_scalars transcribes: the SQL reads it."""


_FOLD = str.maketrans(FULL_WIDTH, HALF_WIDTH)  # rs_fold
# DuckDB's trim(): the Unicode space separators (category Zs), not tabs or line breaks
_TRIM = " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_SEX_KEY_CHARS = frozenset("男女性")
_ID_SEPARATORS = re.compile(r"[\t\n\f\r \-_.]")  # RE2's \s is [\t\n\f\r ]
_ID_KINDS = [(kind, re.compile(pattern, re.ASCII)) for kind, pattern in (
    ("imprecise", r"\d+E\+?\d+|\d{16,17}"), ("citizen", r"\d{17}[\dX]"), ("citizen15", r"\d{15}"),
    ("foreign_permanent_residence", r"[A-Z]{3}\d{12}"), ("hk_macao_permit", r"[HM]\d{8}(\d{2})?"),
    ("taiwan_permit", r"\d{8}|T\d{8}"), ("passport", r"[A-Z]{1,2}\d{6,9}"))]
# RE2's $ is the end of the text (\Z; Python's $ also matches before a final newline); its .
# does not match a newline, as Python's does not
_DATE_TIME_TAIL = re.compile(r"([ T]\d{1,2}:\d{2}.*|[ T]0+)\Z", re.ASCII)
_DATE_PARTS = re.compile(r"^(\d{4})(?:[-/.年]?(\d{1,2})(?:[-/.月]?(\d{1,2})日?)?月?)?\Z", re.ASCII)
_DATE_YY = re.compile(r"(\d{2})-(\d{1,2})-(\d{1,2})", re.ASCII)
_DATE_DMY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})", re.ASCII)
_CN_DATE = re.compile("[〇零一二三四五六七八九十]")
_CN_DATE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_PHONE_SEPARATORS = re.compile("[,;/、，；]")
_NOT_DIGIT = re.compile("[^0-9]")
_CN_MOBILE_86 = re.compile(r"861[3-9]\d{9}", re.ASCII)
_SEXES = {"M": "M", "男": "M", "1": "M", "MALE": "M", "男性": "M",
          "F": "F", "女": "F", "2": "F", "FEMALE": "F", "女性": "F"}


def _upper(text: str) -> str:
    """DuckDB's upper() of ``text`` when no character beyond ASCII has a case (Python's and
    DuckDB's case tables differ there: ß, ligatures, Greek with iota); raises _NotPlain otherwise."""
    if not text.isascii() and any(c.upper() != c for c in text if not c.isascii()):
        raise _NotPlain
    return text.upper()


def _sex(raw: str) -> str | None:
    """rs_sex: upper(trim(rs_fold(s))) among the written forms. No character beyond ASCII other
    than 男, 女 and 性 is, or turns by upper(), into one of theirs: a text holding one is no sex."""
    text = raw.translate(_FOLD).strip(_TRIM)
    if not text.isascii() and any(not c.isascii() and c not in _SEX_KEY_CHARS for c in text):
        return None
    return _SEXES.get(text.upper())


def _id_check(body: str) -> str:
    return "10X98765432"[sum((ord(ch) - 48) * w for ch, w in zip(body, ID_WEIGHTS)) % 11]


def _id_birth(id18: str) -> dt.date | None:
    try:
        return dt.date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


def _id_dated(id18: str, snapshot: dt.date) -> bool:
    birth = _id_birth(id18)
    return "1" <= id18[0] <= "8" and birth is not None and dt.date(1880, 1, 1) <= birth <= snapshot


def _date_numerals(text: str) -> str:
    """rs_date_numerals."""
    if not _CN_DATE.search(text):
        return text
    text = text.translate(_CN_DATE_DIGITS)
    text = re.sub(r"(\d)十(\d)", r"\1\2", text)
    text = re.sub(r"(\d)十", r"\g<1>0", text)
    text = re.sub(r"十(\d)", r"1\1", text)
    return text.replace("十", "10")


def _century(y: str) -> str:
    """rs_date_century."""
    return y if len(y) == 4 else ("20" + y if int(y) <= dt.date.today().year % 100 else "19" + y)


def _date_ymd(text: str) -> tuple[str, str, str] | None:
    """rs_date_parts: (y, m, d) as text, m and d possibly empty."""
    if re.fullmatch(r"\d{5}", text, re.ASCII):
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(text))
        return f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    if re.fullmatch(r"\d{7}", text, re.ASCII):
        return None
    if found := _DATE_YY.fullmatch(text):
        return _century(found.group(1)), found.group(2), found.group(3)
    if found := _DATE_DMY.fullmatch(text):
        a_, b_, y = found.groups()
        if int(a_) > 12:
            return _century(y), b_, a_
        if int(b_) > 12:
            return _century(y), a_, b_
        return _century(y), "", ""
    found = _DATE_PARTS.search(text)
    return tuple(g or "" for g in found.groups()) if found else ("", "", "")


def _date_parts(raw: str | None) -> tuple[dt.date | None, str | None, int | None]:
    """(date, 'YYYY-MM', year) as rs_parts_date / rs_parts_ym / rs_parts_year of rs_date_parts."""
    if raw is None:
        return None, None, None
    text = _date_numerals(_DATE_TIME_TAIL.sub("", raw.translate(_FOLD).strip(_TRIM), count=1))
    parts = _date_ymd(text)
    if parts is None:
        return None, None, None
    y, m, d = parts
    if not y or not 1800 <= int(y) <= 2200:
        return None, None, None
    date = None
    if m:
        if not 1 <= int(m) <= 12:
            return None, None, None
        if d:
            try:
                date = dt.date(int(y), int(m), int(d))
            except ValueError:
                return None, None, None
    return date, (f"{int(y):04d}-{int(m):02d}" if m else None), int(y)


def _phone(raw: str | None) -> str | None:
    if raw is None:
        return None
    first = _PHONE_SEPARATORS.sub(",", raw).split(",", 1)[0]
    digits = _NOT_DIGIT.sub("", first.translate(_FOLD))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and _CN_MOBILE_86.fullmatch(digits):
        digits = digits[2:]
    return digits if len(digits) >= 7 else None


def _plain_scalars(inputs: dict[str, str | None], snapshot: dt.date) -> dict[str, Any]:
    """std_person's ID, sex, birth and phone columns of one record, as person_parsed_sql and
    person_std_sql compute them; raises _NotPlain for an ID it does not transcribe (a letter
    beyond ASCII: Cyrillic, accented Latin)."""
    id_clean = id_kind = id18 = None
    if inputs.get("id_number") is not None:
        id_clean = _upper(_ID_SEPARATORS.sub("", inputs["id_number"].translate(_FOLD).removeprefix("'"))) or None
    if id_clean is not None:
        id_kind = next((kind for kind, pattern in _ID_KINDS if pattern.fullmatch(id_clean)), "other")
        if id_kind == "citizen":
            id18 = id_clean
        elif id_kind == "citizen15":
            body = id_clean[:6] + "19" + id_clean[6:15]
            id18 = body + _id_check(body)
    id_valid = id_kind == "citizen" and _id_dated(id18, snapshot) and _id_check(id18[:17]) == id18[17]
    id_trusted = id_valid or (id_kind == "citizen15" and _id_dated(id18, snapshot))
    id_birth = _id_birth(id18) if id_trusted else None
    sex = None
    if inputs.get("sex") is not None:
        sex = _sex(inputs["sex"])
    if sex is None and id_trusted:
        sex = "M" if (ord(id18[16]) - 48) % 2 == 1 else "F"
    b_date, b_ym, b_year = _date_parts(inputs.get("birth_date"))
    return {
        "id_number": id18, "id_kind": id_kind, "id_valid": id_valid,
        "other_doc": id_clean if id18 is None and id_kind not in (None, "imprecise") else None,
        "sex": sex,
        "birth_date": b_date if b_date is not None else id_birth,
        "birth_ym": b_ym if b_ym is not None else (f"{id_birth.year:04d}-{id_birth.month:02d}" if id_birth else None),
        "birth_year": b_year if b_year is not None else (id_birth.year if id_birth else None),
        "phone": _phone(inputs.get("phone")),
    }


# --------------------------------------------------------------------------------------------
# The model: levels with their weights, blocking rules as indexes
# --------------------------------------------------------------------------------------------

@dataclass
class _Level:
    sql: str
    label: str
    weight: float
    tf_column: str | None = None
    tf_weight: float = 0.0
    tf_log2_u: float = 0.0
    tf_minimum: float = 0.0


@dataclass
class _Comparison:
    name: str
    levels: list[_Level]


@dataclass
class _Rule:
    sql: str
    left: list[str] | None = None  # equi-join columns; None: scanned
    right: list[str] | None = None
    hashes: np.ndarray | None = None
    positions: np.ndarray | None = None


_EQUI = re.compile(r"^\s*l\.(\w+)\s*=\s*r\.(\w+)\s*$", re.IGNORECASE)


def _equi_columns(rule: str) -> tuple[list[str], list[str]] | None:
    pairs = [_EQUI.match(part) for part in re.split(r"\s+AND\s+", rule.strip(), flags=re.IGNORECASE)]
    if not all(pairs):
        return None
    return [p.group(1) for p in pairs], [p.group(2) for p in pairs]


def _log2_bf(level: dict) -> float:
    if level.get("is_null_level"):
        return 0.0
    m, u = level.get("m_probability"), level.get("u_probability")
    if m is None or u is None:
        raise ResolveError(f"person_model.json: level '{level.get('label_for_charts')}' has no trained "
                           "m and u probabilities; pass the model a `resolve run` saved")
    return math.log2(max(m, 1e-300) / max(u, 1e-300))


def _exact_match_u(levels: list[dict], column: str, own: dict) -> float:
    """Splink's u for a TF adjustment: that of the comparison's ``col_l = col_r`` level."""
    if not own.get("disable_tf_exact_match_detection"):
        exact = f"{column}_l = {column}_r".lower()
        for lv in levels:
            if " ".join(lv["sql_condition"].lower().split()) == exact and lv.get("u_probability"):
                return lv["u_probability"]
    return own["u_probability"]


def _parse_model(model: dict) -> tuple[list[_Comparison], float, list[str]]:
    comparisons = []
    for comp in model["comparisons"]:
        levels = []
        for lv in comp["comparison_levels"]:
            level = _Level(lv["sql_condition"], lv.get("label_for_charts") or lv["sql_condition"], _log2_bf(lv))
            if lv.get("tf_adjustment_column") and lv.get("tf_adjustment_weight", 0) and not lv.get("is_null_level") \
                    and lv["sql_condition"].strip().upper() != "ELSE":
                level.tf_column = lv["tf_adjustment_column"]
                level.tf_weight = float(lv["tf_adjustment_weight"])
                level.tf_log2_u = math.log2(_exact_match_u(comp["comparison_levels"], level.tf_column, lv))
                level.tf_minimum = float(lv.get("tf_minimum_u_value") or 0.0)
            levels.append(level)
        comparisons.append(_Comparison(comp["output_column_name"], levels))
    prior = model["probability_two_random_records_match"]
    rules = [r["blocking_rule"] if isinstance(r, dict) else r for r in model["blocking_rules_to_generate_predictions"]]
    return comparisons, prior, rules


# --------------------------------------------------------------------------------------------
# The lookup
# --------------------------------------------------------------------------------------------

class PersonLookup:
    """A registry opened for matching single records; see the module docstring.

    ``registry_dir`` is the folder ``resolve run --out`` wrote (or its registry.duckdb); the
    model is the person_model.json beside it unless ``model_path`` says otherwise.
    """

    def __init__(self, registry_dir: str | Path, model_path: str | Path | None = None):
        started = time.perf_counter()
        path = Path(registry_dir)
        registry = path / REGISTRY_FILE if path.is_dir() or path.suffix != ".duckdb" else path
        if not registry.exists():
            raise ResolveError(f"registry not found: {registry}; pass the folder `resolve run --out` wrote")
        model_file = Path(model_path) if model_path else registry.parent / PERSON_MODEL_FILE
        if not model_file.exists():
            raise ResolveError(f"person model not found: {model_file}; `resolve run` saves it beside "
                               "registry.duckdb (or pass model_path)")
        try:
            self._model = json.loads(model_file.read_text(encoding="utf-8"))
            self._comparisons, self._prior, rules = _parse_model(self._model)
        except (ValueError, KeyError, TypeError) as exc:
            raise ResolveError(f"{model_file} is not a person model saved by `resolve run` ({exc})") from exc
        self.registry = registry
        self._lock = threading.Lock()
        self._engine = Engine()
        self._con = self._engine.con
        try:
            self._open(registry, rules)
        except duckdb.Error as exc:
            self._engine.close()
            raise ResolveError(f"{registry} cannot be read for lookups ({exc}); rebuild it with `resolve run`") \
                from exc
        except BaseException:
            self._engine.close()
            raise
        self.open_seconds = time.perf_counter() - started

    # ---------------------------------------------------------------------------------- open

    def _open(self, registry: Path, rules: list[str]) -> None:
        engine = self._engine
        engine.execute(f"ATTACH {quote_literal(str(registry))} AS reg (READ_ONLY)")
        have = {r[0] for r in engine.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'reg'")}
        missing = [t for t in _REGISTRY_TABLES if t not in have]
        if missing:
            raise ResolveError(f"{registry} has no {', '.join(missing)}: rebuild it with `resolve run`")
        info = dict(engine.fetchall("SELECT key, value FROM reg.run_info"))
        try:
            self.city, self.region_code = info["city"], info["region_code"]
            self.snapshot_date = dt.date.fromisoformat(info["snapshot_date"])
        except (KeyError, ValueError) as exc:
            raise ResolveError(f"{registry}: run_info lacks the city, region_code or snapshot_date") from exc
        register_macros(engine)
        register_address_macros(engine, self.city, self.region_code)

        tf_columns = sorted({lv.tf_column for c in self._comparisons for lv in c.levels if lv.tf_column})
        keys = ", ".join(f"{expr} AS {quote_ident(key)}" for key, expr in BLOCKING_KEYS.items())
        model_cols = ", ".join(f"s.{quote_ident(c)}" for c in MODEL_COLUMNS)
        key_cols = ", ".join(f"s.{quote_ident(k)}" for k in BLOCKING_KEYS)
        # Term frequencies over every std_person record, as Splink counts them (value count over
        # non-null count); then only the records whose golden person exists.
        tf_joins = "".join(
            f" LEFT JOIN (SELECT {quote_ident(c)} AS v, count(*) / "
            f"(SELECT count({quote_ident(c)}) FROM reg.std_person) AS tf FROM reg.std_person "
            f"WHERE {quote_ident(c)} IS NOT NULL GROUP BY 1) {quote_ident('t_' + c)} "
            f"ON {quote_ident('t_' + c)}.v = s.{quote_ident(c)}" for c in tf_columns)
        tf_cols = "".join(f", {quote_ident('t_' + c)}.tf AS {quote_ident('tf_' + c)}" for c in tf_columns)
        engine.create_table("lk_records", f"""
            SELECT {model_cols}, {key_cols}, s.record_key, x.person_id, g.name AS golden_name,
                   g.birth_date::VARCHAR AS golden_birth_date, g.sex AS golden_sex,
                   g.id_number AS golden_id_number, a.valid_id AS person_valid_id{tf_cols}
            FROM (SELECT *, {keys} FROM reg.std_person) s
            JOIN reg.person_xref x ON x.rid = s.rid
            JOIN reg.person_golden g ON g.person_id = x.person_id
            -- the valid citizen ID that anchors the person (cluster.py never joins two)
            LEFT JOIN (SELECT x.person_id, min(s.id_number) AS valid_id FROM reg.std_person s
                       JOIN reg.person_xref x ON x.rid = s.rid WHERE s.id_valid GROUP BY 1) a
                   ON a.person_id = x.person_id{tf_joins}""")
        # a record's position in self._records is its place in rid order; one chunk per column:
        # take() of a few rows from many chunks costs tens of milliseconds
        self._records = self._con.sql("SELECT * FROM lk_records ORDER BY rid").to_arrow_table().combine_chunks()
        self._rids = self._records.column("rid").to_numpy()
        self.n_records = self._records.num_rows
        top = int(self._rids.max()) if self.n_records else 0
        # rid -> position: a dense array where rids are (row numbers are, less the quarantined)
        self._rid_positions = None
        if top <= 4 * self.n_records + 1000:
            self._rid_positions = np.full(top + 1, -1, dtype=np.int32)
            self._rid_positions[self._rids] = np.arange(self.n_records, dtype=np.int32)
        self.n_persons = engine.scalar("SELECT count(*) FROM reg.person_golden")
        self._query_schema = pa.schema([self._records.schema.field(c) for c in MODEL_COLUMNS])
        self._tf_columns = tf_columns

        self._rules: list[_Rule] = []
        for sql in rules:
            cols = _equi_columns(sql)
            rule = _Rule(sql)
            if cols is not None:
                rule.left, rule.right = cols
                present = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in rule.right)
                arrays = self._con.sql(f"SELECT hash({', '.join(map(quote_ident, rule.right))}) AS h, rid "
                                       f"FROM lk_records WHERE {present} ORDER BY h").fetchnumpy()
                rule.hashes = np.asarray(arrays["h"])
                rule.positions = self._positions(np.asarray(arrays["rid"]))
            self._rules.append(rule)
        self._scanned = [r for r in self._rules if r.left is None]
        if self._scanned:
            warnings.warn("blocking rules that are not column equalities are evaluated against every record "
                          f"(slow): {[r.sql for r in self._scanned]}", stacklevel=3)
        else:
            engine.drop("lk_records")

        # Addresses the registry holds: the normalised form and keys build_address_table gave them.
        addresses = self._con.sql("SELECT raw, address, building_key, dwelling_key FROM reg.std_person_addresses "
                                  "WHERE raw IS NOT NULL").to_arrow_table()
        hashes = np.fromiter((hash(s) for s in addresses.column("raw").to_pylist()), dtype=np.int64,
                             count=addresses.num_rows)
        order = np.argsort(hashes, kind="stable")
        self._address_hashes = hashes[order]
        self._addresses = addresses.take(pa.array(order)).combine_chunks()
        self._address_extra: OrderedDict[str, tuple] = OrderedDict()

        sample_ids = [r[0] for r in engine.fetchall(
            "SELECT id_raw FROM reg.std_person WHERE id_raw IS NOT NULL ORDER BY hash(rid) LIMIT 300")]
        for table in LIBRARY_TABLES:  # the place names and roads build_address_table reads addresses by
            if table in have:
                engine.create_table(table, f"SELECT * FROM reg.{table}")
        engine.execute("DETACH reg")
        engine.execute("SET threads = 1")  # from here on statements of a few rows: threads only cost
        self._prepare_sql()
        self.plain_path = self._check_plain_path(sample_ids)
        # the first match loads the pinyin tables and warms DuckDB: not on a caller's clock
        self._score(self._standardise_inputs(self._inputs(_WARM_UP)))

    def _prepare_sql(self) -> None:
        """The statements every match runs: blocking keys of the query, and the scoring."""
        keys = ", ".join(f"{expr} AS {quote_ident(key)}" for key, expr in BLOCKING_KEYS.items())
        self._key_sql = "SELECT " + ", ".join(
            [f"l.{quote_ident(key)}" for key in BLOCKING_KEYS]
            + [f"hash({', '.join(f'l.{quote_ident(c)}' for c in rule.left)})"
               for rule in self._rules if rule.left is not None]) \
            + f" FROM (SELECT *, {keys} FROM lk_q0) AS l ORDER BY l.q"
        columns = MODEL_COLUMNS + list(BLOCKING_KEYS)
        pairs = ", ".join(f"l.{quote_ident(c)} AS {quote_ident(c + '_l')}, "
                          f"r.{quote_ident(c)} AS {quote_ident(c + '_r')}" for c in columns)
        tfs = "".join(f", NULL::DOUBLE AS {quote_ident('tf_' + c + '_l')}, r.{quote_ident('tf_' + c)} AS "
                      f"{quote_ident('tf_' + c + '_r')}" for c in self._tf_columns)
        cases = []
        for i, comp in enumerate(self._comparisons):
            whens = [f"ELSE {j}" if lv.sql.strip().upper() == "ELSE" else f"WHEN {lv.sql} THEN {j}"
                     for j, lv in enumerate(comp.levels)]
            cases.append(f"CASE {' '.join(whens)} END AS {quote_ident(f'c{i}')}")
        rules = " OR ".join(f"({rule.sql})" for rule in self._rules)
        tf_out = "".join(f", {quote_ident('tf_' + c + '_l')}, {quote_ident('tf_' + c + '_r')}"
                         for c in self._tf_columns)
        evidence = re.sub(r"\bb\.", "r.", re.sub(r"\ba\.", "l.", IDENTITY_EVIDENCE))
        self._score_sql = (f"SELECT r_index, {', '.join(cases)}{tf_out}, evidence FROM ("
                           f"SELECT r.r_index, {pairs}{tfs}, {evidence} AS evidence "
                           f"FROM lk_q AS l, lk_cand AS r WHERE l.q = r.q AND ({rules}))")

    # ----------------------------------------------------------------------- standardisation

    def _inputs(self, record: dict) -> dict[str, str | None]:
        if not isinstance(record, dict):
            raise ResolveError("a lookup record is a mapping of field names to values")
        unknown = sorted(set(record) - set(ACCEPTED_FIELDS) - set(IGNORED_FIELDS))
        if unknown:
            raise ResolveError(f"unknown field(s) {', '.join(map(str, unknown))}; a lookup record accepts "
                               f"{', '.join(ACCEPTED_FIELDS)}")
        inputs: dict[str, str | None] = {}
        for name in ACCEPTED_FIELDS:
            value = record.get(name)
            if isinstance(value, float) and math.isnan(value):  # a missing value in a pandas row
                value = None
            if isinstance(value, (dt.date, dt.datetime)):
                value = value.isoformat()
            inputs[name] = None if value is None or not str(value).strip() else str(value)
        if all(v is None for v in inputs.values()):
            raise ResolveError(f"the record has no usable field; a lookup record accepts {', '.join(ACCEPTED_FIELDS)} "
                               "(a name or a document number at least)")
        return inputs

    @staticmethod
    def _readable(inputs: dict[str, str | None]) -> dict[str, str | None]:
        """``inputs``, or a ResolveError for a birth date or sex given but unreadable: the caller
        has to fix it, since a match without it is not the match asked for."""
        birth = inputs.get("birth_date")
        if birth is not None and _date_parts(birth)[2] is None:
            raise ResolveError(f"birth_date {birth!r} is not a date; write it as 1990-01-02, "
                               "19900102, 1990年1月2日, 1990-01 or 1990")
        if birth is not None and (found := _DATE_DMY.fullmatch(birth.strip())) and \
                max(int(found.group(1)), int(found.group(2))) <= 12 and found.group(1) != found.group(2):
            raise ResolveError(f"birth_date {birth!r} could be day/month or month/day; write the year first, "
                               "as 1987-06-05")
        if inputs.get("sex") is not None and _sex(inputs["sex"]) is None:
            raise ResolveError(f"sex {inputs['sex']!r} is not a sex; write M or F (男, 女)")
        return inputs

    def _address_keys(self, raws: list[str]) -> dict[str, tuple]:
        """raw -> (address, building_key, dwelling_key): from the registry, else from
        build_address_table (cached)."""
        found, missing = {}, []
        for raw in dict.fromkeys(r for r in raws if r is not None):
            h = hash(raw)
            lo = np.searchsorted(self._address_hashes, h, side="left")
            hi = np.searchsorted(self._address_hashes, h, side="right")
            for i in range(lo, hi):
                row = self._addresses.slice(int(i), 1).to_pylist()[0]
                if row["raw"] == raw:
                    found[raw] = (row["address"], row["building_key"], row["dwelling_key"])
                    break
            else:
                if raw in self._address_extra:
                    self._address_extra.move_to_end(raw)
                    found[raw] = self._address_extra[raw]
                else:
                    missing.append(raw)
        if missing:
            self._engine.create_table_from_frame("lk_addr_in", pd.DataFrame({"raw": pd.Series(missing, dtype=object)}))
            build_address_table(self._engine, "SELECT raw FROM lk_addr_in", "lk_addr_out")
            for raw, *keys in self._engine.fetchall(
                    "SELECT raw, address, building_key, dwelling_key FROM lk_addr_out"):
                found[raw] = self._address_extra[raw] = tuple(keys)
            while len(self._address_extra) > _ADDRESS_CACHE_SIZE:
                self._address_extra.popitem(last=False)
        return found

    def _names(self, raws: list[str | None]) -> dict[str, dict]:
        frame = name_features(pd.Series([r for r in raws if r is not None], dtype=object))
        columns = [[None if v is pd.NA else v for v in frame[c].tolist()] for c in frame.columns]
        return {row[0]: dict(zip(frame.columns, row)) for row in zip(*columns)}

    def _standardise_sql(self, inputs_list: list[dict]) -> list[dict]:
        """std_person's model columns of each record, by the pipeline's own SQL."""
        rows = {"rid": pa.array(range(len(inputs_list)), pa.int64()), "source": pa.array(["query"] * len(inputs_list)),
                "row_number": pa.array(range(len(inputs_list)), pa.int64())}
        for f in PERSON_FIELDS:
            rows[f] = pa.array([i.get(f) for i in inputs_list], pa.string())
        engine = self._engine
        engine.create_table_from_frame("lk_in", pa.table(rows))
        names = self._names([i.get("name") for i in inputs_list])
        engine.create_table_from_frame("lk_names", pd.DataFrame(
            list(names.values()) or None, columns=list(name_features([]).columns)).astype("string"))
        raws = [i.get(f) for i in inputs_list for f in ("registered_address", "residence_address")]
        keys = self._address_keys(raws)
        engine.create_table_from_frame("lk_addr", pa.table({
            "raw": pa.array(list(keys), pa.string()),
            "address": pa.array([k[0] for k in keys.values()], pa.string()),
            "building_key": pa.array([k[1] for k in keys.values()], pa.string()),
            "dwelling_key": pa.array([k[2] for k in keys.values()], pa.string())}))
        engine.create_table("lk_parsed", person_parsed_sql("lk_in"))
        cols = ", ".join(quote_ident(c) for c in MODEL_COLUMNS if c != "rid")
        cursor = self._con.execute(
            f"SELECT rid, {cols} FROM ({person_std_sql(self.snapshot_date, 'lk_parsed', 'lk_names', 'lk_addr')}) "
            "ORDER BY rid")
        names_out = [d[0] for d in cursor.description]
        result = []
        for values in cursor.fetchall():
            row = dict(zip(names_out, values))
            row["rid"], row["source"] = None, "query"
            result.append(row)
        return result

    def _standardise_plain(self, inputs: dict) -> dict:
        """The same as _standardise_sql for one record (raises _NotPlain for an ID _plain_scalars
        does not read)."""
        row = dict.fromkeys(MODEL_COLUMNS)
        row["source"] = "query"
        row.update(_plain_scalars(inputs, self.snapshot_date))
        if inputs.get("name") is not None:
            n = self._names([inputs["name"]])[inputs["name"]]
            surname_py = n["surname_py"] or None
            row.update(name_std=n["name_std"], surname=n["surname"] or None, given_name=n["given_name"],
                       surname_py=surname_py, surname_key=surname_py if surname_py is not None else n["name_py"],
                       given_py=n["given_py"], name_py=n["name_py"], name_py_fuzzy=n["name_py_fuzzy"])
        keys = self._address_keys([inputs.get("registered_address"), inputs.get("residence_address")])
        for kind in ("registered", "residence"):
            address, building, dwelling = keys.get(inputs.get(f"{kind}_address"), (None, None, None))
            row.update({f"{kind}_address": address, f"{kind}_building": building, f"{kind}_dwelling": dwelling})
        return row

    def _standardise_inputs(self, inputs: dict) -> dict:
        main = {f: inputs.get(f) for f in PERSON_FIELDS}
        if main["id_number"] is None:
            main["id_number"] = inputs.get("other_doc")
        batch = [main]
        if inputs.get("id_number") is not None and inputs.get("other_doc") is not None:
            batch.append({"id_number": inputs["other_doc"]})
        rows = None
        if self.plain_path:
            try:
                rows = [self._standardise_plain(i) for i in batch]
            except _NotPlain:
                rows = None
        if rows is None:
            rows = self._standardise_sql(batch)
        row = rows[0]
        if len(rows) > 1 and row["other_doc"] is None:
            row["other_doc"] = rows[1]["other_doc"]
        return row

    def standardise(self, record: dict) -> dict:
        """The query record as std_person would hold it (the model's columns)."""
        with self._lock:
            return self._standardise_inputs(self._inputs(record))

    def _check_plain_path(self, sample_ids: list[str]) -> bool:
        records = [dict(zip(("id_number", "birth_date", "phone", "sex"), values)) for values in _CHECK_VALUES]
        records += [{"id_number": i} for i in sample_ids]
        records = [{f: r.get(f) for f in PERSON_FIELDS} for r in records]
        expected = self._standardise_sql(records)
        columns = ("id_number", "id_kind", "id_valid", "other_doc", "sex", "birth_date", "birth_ym", "birth_year",
                   "phone")
        for record, want in zip(records, expected):
            try:
                got = _plain_scalars(record, self.snapshot_date)
            except _NotPlain:
                continue
            diff = {c: (got[c], want[c]) for c in columns if got[c] != want[c]}
            if diff:
                warnings.warn(f"resolve.lookup: the plain-text reading of {record} differs from the pipeline's SQL "
                              f"{diff}; every record is standardised by the SQL (slower)", stacklevel=4)
                return False
        return True

    def match(self, record: dict, limit: int | None = 5) -> list[Candidate]:
        """Candidate golden persons for ``record`` (canonical field names, see ACCEPTED_FIELDS),
        best first, at most ``limit`` (None: all)."""
        return self.match_query(record, limit)[1]

    def match_query(self, record: dict, limit: int | None = 5) -> tuple[dict, list[Candidate]]:
        """(the record as std_person would hold it, its candidates): ``standardise`` and ``match``
        from one reading of the record."""
        answer = self.match_many([record], limit)[0]
        if isinstance(answer, ResolveError):
            raise answer
        return answer

    def match_many(self, records: list[dict], limit: int | None = 5) \
            -> list[tuple[dict, list[Candidate]] | ResolveError]:
        """``match_query`` of each record, the records scored together (a service answering
        several callers at once binds the two statements once); a record that cannot be
        matched gets the ResolveError that says why, in its place."""
        with self._lock:
            answers: list[Any] = [None] * len(records)
            queries, places = [], []
            for i, record in enumerate(records):
                try:
                    query = self._standardise_inputs(self._readable(self._inputs(record)))
                    _identifiable(query)
                except ResolveError as exc:
                    answers[i] = exc
                    continue
                queries.append(query)
                places.append(i)
            for i, query, (rows, cand) in zip(places, queries, self._score_many(queries) if queries else []):
                answers[i] = (query, self._rank(query, rows, cand, limit))
            return answers

    def pairs(self, record: dict) -> list[Candidate]:
        """Every blocked record scored against ``record``, one Candidate per source record (not
        per person), best first: the pairs ``pairs_person`` would hold for it."""
        with self._lock:
            query = self._standardise_inputs(self._inputs(record))
            return self._rank(query, *self._score(query), limit=None, per_person=False)

    def _score(self, query: dict) -> tuple[list[tuple], pa.Table | None]:
        return self._score_many([query])[0]

    def _score_many(self, queries: list[dict]) -> list[tuple[list[tuple], pa.Table | None]]:
        """Each query's scored candidate rows and the candidates they index; the queries are
        keyed and scored together, two statements for all of them."""
        for query in queries:
            _identifiable(query)
        con = self._con
        # The statements read the Arrow tables lk_q0, lk_q and lk_cand by their variable names
        # (DuckDB's replacement scan): about a millisecond cheaper per table than register().
        given = pa.Table.from_pylist(queries, schema=self._query_schema)
        numbers = pa.array(range(len(queries)), pa.int64())
        lk_q0 = given.append_column("q", numbers)  # noqa: F841 - read by the statement
        keyed_rows = con.execute(self._key_sql).fetchall()
        n_keys = len(BLOCKING_KEYS)
        q = given
        for i, key in enumerate(BLOCKING_KEYS):
            q = q.append_column(key, pa.array([row[i] for row in keyed_rows], self._records.schema.field(key).type))
        q = q.append_column("q", numbers)
        pieces, owners = [], []
        for qi, (query, keyed) in enumerate(zip(queries, keyed_rows)):
            values = {**query, **dict(zip(BLOCKING_KEYS, keyed[:n_keys]))}
            hashes = iter(keyed[n_keys:])
            found = []
            for rule in self._rules:
                if rule.left is None:
                    continue
                h = next(hashes)
                if any(values.get(c) is None for c in rule.left):  # NULL = anything is not true
                    continue
                h = np.uint64(h)
                lo, hi = np.searchsorted(rule.hashes, h, side="left"), np.searchsorted(rule.hashes, h, side="right")
                if hi > lo:
                    found.append(rule.positions[lo:hi])
            if self._scanned:
                found.append(self._scan(q.slice(qi, 1)))
            positions = np.unique(np.concatenate(found)) if found else np.empty(0, np.int64)
            pieces.append(positions)
            owners.append(np.full(positions.size, qi, dtype=np.int64))
        every = np.concatenate(pieces) if pieces else np.empty(0, np.int64)
        if every.size == 0:
            return [([], None) for _ in queries]
        cand = self._records.take(pa.array(every))
        owner = np.concatenate(owners)
        lk_cand = cand.append_column("r_index", pa.array(np.arange(cand.num_rows, dtype=np.int64)))  # noqa: F841
        lk_cand = lk_cand.append_column("q", pa.array(owner))  # noqa: F841 - read by the statement
        lk_q = q  # noqa: F841 - read by the statement
        scored: list[list[tuple]] = [[] for _ in queries]
        for row in con.execute(self._score_sql).fetchall():
            scored[owner[row[0]]].append(row)
        # each query's rows index the candidates of all: its own are the ones it scored
        return [(rows, cand if rows else None) for rows in scored]

    def _scan(self, lk_q: pa.Table) -> np.ndarray:
        rules = " OR ".join(f"({r.sql})" for r in self._scanned)
        rows = self._con.execute(f"SELECT r.rid FROM lk_q AS l, lk_records AS r WHERE {rules}").fetchall()
        return self._positions(np.array([r[0] for r in rows], dtype=np.int64))

    def _positions(self, rids: np.ndarray) -> np.ndarray:
        if self._rid_positions is not None:
            return self._rid_positions[rids]
        return np.searchsorted(self._rids, rids).astype(np.int32)

    def _rank(self, query: dict, scored: list[tuple], cand: pa.Table | None, limit: int | None,
              per_person: bool = True) -> list[Candidate]:
        if not scored:
            return []
        prior_weight = math.log2(self._prior / (1 - self._prior))
        n = len(self._comparisons)
        tf_index = {c: n + 1 + 2 * i for i, c in enumerate(self._tf_columns)}
        query_valid_id = query["id_number"] if query["id_valid"] else None
        person_ids = cand.column("person_id").to_pylist()
        valid_ids = cand.column("person_valid_id").to_pylist()
        best: dict[Any, tuple] = {}
        for row in scored:
            index, weight, explanation = row[0], prior_weight, []
            for comp, level_index in zip(self._comparisons, row[1:n + 1]):
                if level_index is None:  # no level held and no ELSE: no evidence either way
                    explanation.append(ComparisonScore(comp.name, "no level", 0.0))
                    continue
                level = comp.levels[level_index]
                tf_adj = 0.0
                if level.tf_column:
                    tf_l, tf_r = row[tf_index[level.tf_column]], row[tf_index[level.tf_column] + 1]
                    tf_l, tf_r = (tf_l if tf_l is not None else tf_r), (tf_r if tf_r is not None else tf_l)
                    if tf_l is not None:
                        tf_adj = level.tf_weight * (level.tf_log2_u - math.log2(max(tf_l, tf_r, level.tf_minimum)))
                explanation.append(ComparisonScore(comp.name, level.label, level.weight + tf_adj, tf_adj))
                weight += level.weight + tf_adj
            # what clustering would make of this link (resolve.cluster, default link settings)
            refused = None
            if query_valid_id is not None and valid_ids[index] is not None and valid_ids[index] != query_valid_id:
                refused = "different_valid_ids"
            elif not row[-1]:
                refused = "no_identity_evidence"
            key = (refused is None, weight, -index)
            person = person_ids[index] if per_person else index
            if person not in best or key > best[person][0]:
                best[person] = (key, weight, index, refused, explanation)
        ranked = sorted(best.values(), key=lambda kept: (not kept[0][0], -kept[1], person_ids[kept[2]], kept[2]))
        if limit is not None:
            ranked = ranked[:max(int(limit), 0)]
        out = []
        for _, weight, index, refused, explanation in ranked:
            rec = cand.slice(index, 1).to_pylist()[0]
            out.append(Candidate(
                person_id=rec["person_id"], match_probability=_probability(weight), match_weight=weight,
                name=rec["golden_name"], birth_date=rec["golden_birth_date"], sex=rec["golden_sex"],
                id_number=rec["golden_id_number"], source=rec["source"], record_key=rec["record_key"],
                rid=rec["rid"], prior_weight=prior_weight, refused=refused, explanation=explanation))
        return out

    # ------------------------------------------------------------------------------ lifetime

    def close(self) -> None:
        self._engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _identifiable(query: dict) -> None:
    if all(query[c] is None for c in IDENTITY_COLUMNS):
        raise ResolveError("the record has no name and no usable document number, and birth date, sex, "
                           "phone and addresses alone identify nobody; a lookup record accepts "
                           f"{', '.join(ACCEPTED_FIELDS)}")


def _probability(weight: float) -> float:
    if weight >= 0:
        return 1.0 / (1.0 + 2.0 ** -weight)
    return 2.0 ** weight / (1.0 + 2.0 ** weight)


def lookup(registry_dir: str | Path, record: dict, limit: int | None = 5) -> list[Candidate]:
    """Open ``registry_dir``, match ``record``, close: for one-off use (opening costs seconds
    at a million records; a service keeps a PersonLookup open)."""
    with PersonLookup(registry_dir) as registry:
        return registry.match(record, limit=limit)


def raw_person_records(registry: str | Path, config) -> pd.DataFrame:
    """Every person record of ``registry`` as its department delivered it, under canonical
    field names (the config's columns, value mappings and date formats applied, as ingest
    left them): rid, source, record_key and the fields of ENTITY_FIELDS['person']. For
    replaying records as lookups (tests, benchmarks)."""
    from resolve.standardise.inputs import input_union_sql, rid_offsets

    path = Path(registry)
    path = path / REGISTRY_FILE if path.is_dir() else path
    con = duckdb.connect(str(path), read_only=True)

    class _Reader:
        def fetchall(self, sql, params=None):
            return con.execute(sql, params or []).fetchall()

    try:
        sources = config.sources_for("person")
        sql = input_union_sql(sources, PERSON_FIELDS, rid_offsets(_Reader(), sources))
        return con.execute(f"SELECT * EXCLUDE (row_number) FROM ({sql}) ORDER BY rid").df()
    finally:
        con.close()


_WARM_UP = {"id_number": "440306198608177350", "name": "张泽豪", "birth_date": "1986-08-17", "sex": "男",
            "phone": "13800138000"}

# Awkward text the plain-text reading must read as the SQL does: (id_number, birth_date, phone, sex).
_CHECK_VALUES = [
    ("440306198608177350", "19860817", "13800138000", "男"),
    ("44030619860817735x", "1986-8-17", "+86 138 0013 8000", "M"),
    (" 4403 0619-8608.1773_50 ", "1986/08/17", "008613800138000", " m "),
    ("４４０３０６１９８６０８１７７３５０", "1986.8.17", "8613800138000", "女性"),
    ("440306860817735", "1986年8月17日", "0755-12345678", "FEMALE"),
    ("440306860817736", "1986年8月", "138-0013-8000；13900139000", "1"),
    ("440306198602307350", "1986-08", "，13800138000", "2"),
    ("440306203002307350", "198608", "12345", "male"),
    ("940306198608177350", "1986", "１３８００１３８０００", "x"),
    ("440306187001017350", "19860", "abc", "Ｍ"),
    ("E12345678", "1986081", "13800138000/0755-1234567", "男 "),
    ("H1234567890", "1986-02-30", "+8613800138000", "F"),
    ("ABC123456789012", "1986-13-01", "86 138 0013 8000 9", None),
    ("T12345678", "1986-08-17 00:00:00", None, "女"),
    ("12345678", "1986-08-17T12:30", "1380013800", "男性"),
    ("abc-123", "1986-08-17 0", "0086", "0"),
    ("X", " 1986-08-17 ", "13800138000,13900139000", "MALE"),
    ("440306198608177", "１９８６-０８-１７", "13800138000", None),
    ("44030619860817735", "17/08/1986", None, None),
    ("4403061986081773500", "1700-01-01", None, None),
    (None, "2300-01-01", None, "男"),
    ("440306198608177350", "1986年08月17日", None, None),
    ("440306198608177350", "1986-8", None, None),
    ("440306198608177350", "1986-08-17 12:30:00", None, None),
    ("440306198608177350", "19860817T000000", None, None),
    ("110101190002297350", None, None, None),
    ("110101188001017350", None, None, None),
    ("44030619860817735X", None, None, None),
    ("P1234567", None, None, None),
    ("AB123456789", None, None, None),
    ("M12345678", None, None, None),
    ("12345678901234567890", None, None, None),
    # tabs, line breaks, no-break and other Unicode spaces, text beyond ASCII
    ("440306198608177350\u00a0", "1986-08-17\u00a0", "138\u00a00013\u00a08000", "\u00a0男\u2003"),
    ("\t440306198608177350\n", "\t1986-08-17", "\t13800138000", "\t男"),
    ("4403061986\x0b08177350", "1986-08-17\n", "13800138000\n", "男\n"),
    ("440306198608177350\u3000", "\u30001986年8月17日\u2009", "13800138000\u3000", "\u3000女\u3000"),
    ("粤440306198608177350", "1986-08-17 12:30\nx", "电话13800138000", "女士"),
    ("护照E12345678", "1986年8月17号", "１３８ ００１３ ８０００", "ſ"),
    ("E1234567８\u202f", "1986\u00a0-08-17", "+86\u2003138 0013 8000", "ı"),
    ("İ12345678", "一九八六年", None, "男 女"),
    ("Ж12345678", "1986-08-17\u200b", None, "Ｍａｌｅ"),
    ("ß1234567", None, None, "FEMALE\u00a0"),
]
