"""Match one record against an existing registry: the candidates, their scores and why.

Instant-approval services ask "who is this?" for one record at a time. ``PersonLookup`` is
opened once on a registry folder (``registry.duckdb`` and ``person_model.json`` as
``resolve run --out`` wrote them), keeps what it needs in memory and answers ``match(record)``
in about 50 ms (see step 1 below)::

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
   ``person_std_sql``, with the macros of ``resolve.standardise.sql``) over a table of the
   queries, one statement for all the queries answered together. That statement is the cost
   of a lookup that does not grow with the registry (about 25 ms, the same for one query or
   thirty). A birth date or sex given and not read by it is refused, not dropped. An address
   the registry does not hold goes through ``build_address_table`` itself, with the registry's place aliases
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
from resolve.standardise.sql import register_macros

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

def _unreadable(row: dict) -> ResolveError | None:
    """Takes the reading columns out of a standardised query ``row``; a ResolveError when a
    birth date or sex was given and the pipeline's SQL could not read it: the caller has to fix
    it, since a match without it is not the match asked for."""
    birth, form, sex_unread = row.pop("birth_raw"), row.pop("birth_form"), row.pop("sex_unread")
    precision = row.pop("birth_precision")
    if birth is not None and precision in (None, "id"):
        return ResolveError(f"birth_date {birth!r} is not a date; write it as 1990-01-02, "
                            "19900102, 1990年1月2日, 1990-01 or 1990")
    if form == "dmy" and precision == "year":
        return ResolveError(f"birth_date {birth!r} could be day/month or month/day; write the year first, "
                            "as 1987-06-05")
    if sex_unread:
        return ResolveError(f"sex {row['sex_raw']!r} is not a sex; write M or F (男, 女)")
    row.pop("sex_raw")
    return None


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

        for table in LIBRARY_TABLES:  # the place names and roads build_address_table reads addresses by
            if table in have:
                engine.create_table(table, f"SELECT * FROM reg.{table}")
        engine.execute("DETACH reg")
        engine.execute("SET threads = 1")  # from here on statements of a few rows: threads only cost
        self._prepare_sql()
        # the first match loads the pinyin tables and warms DuckDB: not on a caller's clock
        self._score(self._standardise_inputs(self._inputs(_WARM_UP)))

    def _prepare_sql(self) -> None:
        """The statements every match runs: the pipeline's standardisation of the query, its
        blocking keys, and the scoring."""
        parsed = person_parsed_sql("lk_in", dates=("birth_date",))
        std = person_std_sql(self.snapshot_date, f"({parsed})", "lk_names", "lk_addr")
        self._std_sql = (f"SELECT rid, {', '.join(quote_ident(c) for c in MODEL_COLUMNS if c != 'rid')}, "
                         "birth_raw, birth_form, birth_precision, sex_raw, "
                         f"sex_raw IS NOT NULL AND rs_sex(sex_raw) IS NULL AS sex_unread FROM ({std}) ORDER BY rid")
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
        cursor = self._con.execute(self._std_sql)
        names_out = [d[0] for d in cursor.description]
        result = []
        for values in cursor.fetchall():
            row = dict(zip(names_out, values))
            row["rid"], row["source"] = None, "query"
            result.append(row)
        return result

    def _standardise_many(self, inputs_list: list[dict]) -> list[dict | ResolveError]:
        """Each query as std_person would hold it (the model's columns), all read by one statement;
        a query whose birth date or sex cannot be read gets the ResolveError saying so."""
        batch, places = [], []  # places: (the query's row, the row of its other document or None)
        for inputs in inputs_list:
            main = {f: inputs.get(f) for f in PERSON_FIELDS}
            if main["id_number"] is None:
                main["id_number"] = inputs.get("other_doc")
            at, other = len(batch), None
            batch.append(main)
            if inputs.get("id_number") is not None and inputs.get("other_doc") is not None:
                other = len(batch)
                batch.append({"id_number": inputs["other_doc"]})  # the other document, read as an ID column
            places.append((at, other))
        rows = self._standardise_sql(batch)
        answers: list[dict | ResolveError] = []
        for at, other in places:
            row = rows[at]
            error = _unreadable(row)
            if error is None and other is not None and row["other_doc"] is None:
                row["other_doc"] = rows[other]["other_doc"]
            answers.append(error or row)
        return answers

    def _standardise_inputs(self, inputs: dict) -> dict:
        answer = self._standardise_many([inputs])[0]
        if isinstance(answer, ResolveError):
            raise answer
        return answer

    def standardise(self, record: dict) -> dict:
        """The query record as std_person would hold it (the model's columns)."""
        with self._lock:
            return self._standardise_inputs(self._inputs(record))

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
            given, given_at = [], []
            for i, record in enumerate(records):
                try:
                    given.append(self._inputs(record))
                    given_at.append(i)
                except ResolveError as exc:
                    answers[i] = exc
            queries, places = [], []
            for i, query in zip(given_at, self._standardise_many(given) if given else []):
                try:
                    if isinstance(query, ResolveError):
                        raise query
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

