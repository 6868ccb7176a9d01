"""Overrides: the corrections stewards and grid workers make, applied by every rebuild.

The log is a folder (``overrides:`` in the config) of JSON Lines files, read in file-name
order, one entry per line, never edited: a correction is withdrawn by a later ``revoke``
entry. ``resolve override add`` validates an entry and appends it. Every entry names its
``author``, ``date``, ``reason`` and ``evidence``, and one of these kinds:

- ``same``: these records (``records``: ``source:record_key``) are one entity, merged even
  below the match threshold;
- ``different``: these records are different entities (twins): each pair is kept apart
  whatever other links would chain them, the entity being split at its weakest links;
- ``detach``: these records leave their entity and stand alone;
- ``set_attribute``: the golden ``attribute`` of the entity (named by ``entity_id`` or by one
  of its ``records``) is ``value``: persons' ``name``, ``birth_date`` (YYYY-MM-DD), ``sex``
  (M/F), ``status`` (active / deceased / moved_out, with ``status_date``) and
  ``residence_property`` (a property_id); enterprises' ``name`` and ``status``;
- ``set_use``: a property's use (``residential``, ``public_toilet``, ...): a property that is
  not a dwelling houses nobody;
- ``revoke``: withdraws the entry named by ``override``.

An entry that cannot apply is never dropped: ``override_status`` says for every entry
``applied``, ``stale`` (its records are gone, its entity or property is not in the
registry), ``conflict`` (it contradicts another entry or a rule: two valid citizen IDs are two
people; both entries are reported), ``superseded`` (a later entry set the same value) or
``revoked``, with the detail. Golden values set by an override show ``source = 'override'``
and the entry's id as ``record_key`` in ``<entity>_lineage``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from resolve.config import Config
from resolve.engine import Engine
from resolve.errors import ResolveError

KINDS = ("same", "different", "detach", "set_attribute", "set_use", "revoke")
ATTRIBUTES = {"person": ("name", "birth_date", "sex", "status", "residence_property"),
              "enterprise": ("name", "status")}
STATUSES = {"person": ("active", "deceased", "moved_out"), "enterprise": ("active", "deregistered", "revoked")}
USES = ("residential", "commercial", "office", "industrial", "public_toilet", "power_room", "other")
PREFIXES = {"P": "person", "E": "enterprise", "H": "property"}
# residence_property = none: a visit found the person gone from the property the registry
# places them in (where they went is not known); the statements placing them there up to that
# day are refuted, later ones still count
NO_RESIDENCE = "none"
LOG_FILE = "overrides.jsonl"
REQUIRED = ("author", "date", "reason", "evidence")


@dataclass
class Override:
    id: str
    kind: str
    entity: str
    author: str
    date: dt.date
    reason: str
    evidence: str
    records: list[tuple[str, str]] = field(default_factory=list)
    entity_id: str | None = None
    attribute: str | None = None
    value: str | None = None
    status_date: dt.date | None = None
    override: str | None = None
    file: str = ""
    line: int = 0


def _date(value, name: str, problems: list[str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{name} '{value}' is not a date; write it YYYY-MM-DD")
        return None


def parse_entry(data: dict, config: Config) -> Override:
    """One entry, checked against the config; raise ResolveError listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ResolveError("an override entry is a JSON object")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ResolveError(f"kind '{kind}' is not one of {', '.join(KINDS)}")
    known = {"id", "kind", "entity", "records", "entity_id", "attribute", "value", "status_date", "override",
             *REQUIRED}
    for key in sorted(set(data) - known):
        problems.append(f"unknown field '{key}'; use {', '.join(sorted(known))}")
    for key in REQUIRED:
        if not str(data.get(key) or "").strip():
            problems.append(f"'{key}' is missing: every override names its author, date, reason and evidence")
    entity_of = {s.name: s.entity for s in config.sources}
    records: list[tuple[str, str]] = []
    for item in data.get("records") or []:
        source, sep, key = str(item).partition(":")
        if not sep or not key:
            problems.append(f"record '{item}' must be written source:record_key")
        elif source not in entity_of:
            problems.append(f"record '{item}': '{source}' is not a source in this config; use one of "
                            f"{sorted(entity_of)}")
        else:
            records.append((source, key))
    entities = {entity_of[s] for s, _ in records}
    entity_id = data.get("entity_id")
    if entity_id:
        entities.add(PREFIXES.get(str(entity_id)[:1], "unknown"))
    if data.get("entity"):
        entities.add(str(data["entity"]))
    if kind == "set_use":
        entities.add("property")
    entity = next(iter(entities)) if len(entities) == 1 else None
    if kind != "revoke":
        if len(entities) > 1:
            problems.append(f"the records and entity_id name different kinds of entity ({', '.join(sorted(entities))})")
        elif entity not in ("person", "enterprise", "property") and not problems:
            problems.append("name the entity: give records (source:record_key) or an entity_id (P..., E..., H...)")
    if kind in ("same", "different") and len(records) < 2:
        problems.append(f"a '{kind}' override names at least two records (source:record_key)")
    if kind == "detach" and not records:
        problems.append("a 'detach' override names the records to detach (source:record_key)")
    if kind in ("set_attribute", "set_use") and bool(entity_id) == bool(records):
        problems.append(f"a '{kind}' override names its entity by entity_id or by one record, not both")
    attribute, value = data.get("attribute"), data.get("value")
    status_date = None
    if kind == "set_attribute" and entity:
        allowed = ATTRIBUTES.get(entity, ())
        if attribute not in allowed:
            problems.append(f"attribute '{attribute}' cannot be set on a {entity}; use one of {', '.join(allowed)}"
                            + ("; a property's use is a set_use override" if entity == "property" else ""))
        elif value in (None, ""):
            problems.append("'value' is missing")
        elif attribute == "birth_date":
            _date(value, "birth_date", problems)
        elif attribute == "sex" and value not in ("M", "F"):
            problems.append(f"sex '{value}' must be M or F")
        elif attribute == "status":
            if value not in STATUSES[entity]:
                problems.append(f"status '{value}' must be one of {', '.join(STATUSES[entity])}")
            if entity == "person" and value != "active" and not data.get("status_date"):
                problems.append("a status other than active comes with its status_date (YYYY-MM-DD)")
        elif attribute == "residence_property" and value != NO_RESIDENCE \
                and PREFIXES.get(str(value)[:1]) != "property":
            problems.append(f"residence_property '{value}' must be a property_id (H...), or '{NO_RESIDENCE}' "
                            "for a person found no longer living where the registry places them")
    if data.get("status_date"):
        status_date = _date(data["status_date"], "status_date", problems)
    if kind == "set_use":
        attribute = "use"
        if value not in USES:
            problems.append(f"use '{value}' must be one of {', '.join(USES)}")
    if kind == "revoke" and not data.get("override"):
        problems.append("a 'revoke' override names the entry it withdraws in 'override'")
    day = _date(data.get("date"), "date", problems) if data.get("date") else None
    if problems:
        raise ResolveError("; ".join(problems))
    return Override(id=str(data.get("id") or ""), kind=kind, entity=entity or "", author=str(data["author"]),
                    date=day, reason=str(data["reason"]), evidence=str(data["evidence"]), records=records,
                    entity_id=entity_id, attribute=attribute, value=None if value is None else str(value),
                    status_date=status_date, override=data.get("override"))


def load_overrides(config: Config) -> list[Override]:
    """Every entry of the log, in order; raise ResolveError naming each bad line."""
    folder = config.overrides_dir
    if folder is None:
        return []
    if not folder.is_dir():  # no correction made yet: `resolve override add` creates it
        return []
    entries, problems, seen = [], [], {}
    for path in sorted(folder.glob("*.jsonl")):
        for number, text in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if not text.strip():
                continue
            where = f"{path}:{number}"
            try:
                entry = parse_entry(json.loads(text), config)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not valid JSON ({exc.msg}); one entry per line")
                continue
            except ResolveError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if not entry.id:
                problems.append(f"{where}: the entry has no id; entries written by `resolve override add` have one")
                continue
            if entry.id in seen:
                problems.append(f"{where}: id '{entry.id}' is also used at {seen[entry.id]}; ids are unique")
                continue
            seen[entry.id] = where
            entry.file, entry.line = path.name, number
            entries.append(entry)
    if problems:
        raise ResolveError("the override log has problems:\n  " + "\n  ".join(problems))
    return entries


def new_id(entry: dict) -> str:
    digest = hashlib.sha1(json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()
                          + dt.datetime.now().isoformat().encode() + os.urandom(8)).hexdigest()[:8]
    return f"OV{dt.date.today():%Y%m%d}-{digest}"


def append_override(config: Config, data: dict) -> Override:
    """Validate ``data`` against the config and the log, give it an id, append it."""
    folder = config.overrides_dir
    if folder is None:
        raise ResolveError(f"{config.config_path}: the config names no overrides folder; add "
                           "`overrides: overrides` to it")
    data = {k: v for k, v in data.items() if v not in (None, "", [], ())}
    data.setdefault("date", dt.date.today().isoformat())
    entry = parse_entry(data, config)
    existing = load_overrides(config) if folder.is_dir() else []
    if entry.kind == "revoke" and entry.override not in {e.id for e in existing}:
        raise ResolveError(f"override '{entry.override}' is not in the log at {folder}; name an entry's id")
    data = {"id": new_id(data), **data}
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOG_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(data, ensure_ascii=False) + "\n")
    entry.id = data["id"]
    return entry


def check_against_registry(entry: Override, registry: Path | str) -> None:
    """Refuse an entry whose records or entity the registry does not hold."""
    import duckdb

    registry = Path(registry)
    if not registry.exists():
        raise ResolveError(f"{registry}: no registry here to check the override against")
    con = duckdb.connect(str(registry), read_only=True)
    try:
        for source, key in entry.records:
            hit = con.execute(f"SELECT count(*) FROM {entry.entity}_xref WHERE source = ? AND record_key = ?",
                              [source, key]).fetchone()[0]
            if not hit:
                raise ResolveError(f"record {source}:{key} is not in the registry at {registry}; check the "
                                   "source name and record key (person_xref lists them)")
        if entry.entity_id:
            hit = con.execute(f"SELECT count(*) FROM {entry.entity}_golden WHERE {entry.entity}_id = ?",
                              [entry.entity_id]).fetchone()[0]
            if not hit:
                raise ResolveError(f"{entry.entity_id} is not a {entry.entity} in the registry at {registry}; "
                                   "id_history says where a retired ID went")
        if entry.attribute == "residence_property" and entry.value != NO_RESIDENCE:
            if not con.execute("SELECT count(*) FROM property_golden WHERE property_id = ?", [entry.value]).fetchone()[0]:
                raise ResolveError(f"{entry.value} is not a property in the registry at {registry}; find the "
                                   "property_id in property_golden (or resolve serve's /grid page)")
    finally:
        con.close()


# ---- applying the log during a rebuild -----------------------------------------------------

def write_log(engine: Engine, entries: list[Override]) -> None:
    """``override_log``: every entry as read; ``tmp_override_outcomes`` collects what became of it."""
    import pyarrow as pa

    text, day = pa.string(), pa.date32()
    columns = {  # column: (type, value of an entry)
        "override_id": (text, lambda e: e.id), "file": (text, lambda e: e.file), "line": (pa.int64(), lambda e: e.line),
        "kind": (text, lambda e: e.kind), "entity": (text, lambda e: e.entity),
        "records": (pa.list_(text), lambda e: [f"{s}:{k}" for s, k in e.records]),
        "entity_id": (text, lambda e: e.entity_id), "attribute": (text, lambda e: e.attribute),
        "value": (text, lambda e: e.value), "status_date": (day, lambda e: e.status_date),
        "revokes": (text, lambda e: e.override), "author": (text, lambda e: e.author), "date": (day, lambda e: e.date),
        "reason": (text, lambda e: e.reason), "evidence": (text, lambda e: e.evidence)}
    engine.create_table_from_frame("override_log", pa.table(
        {name: pa.array([value(e) for e in entries], type=kind) for name, (kind, value) in columns.items()}))
    engine.execute("CREATE OR REPLACE TABLE tmp_override_outcomes (override_id VARCHAR, status VARCHAR, "
                   "detail VARCHAR, entity_ids VARCHAR[])")
    revoked = {e.override: e.id for e in entries if e.kind == "revoke"}
    for e in entries:
        if e.kind == "revoke":
            known = e.override in {x.id for x in entries}
            record(engine, e.id, "applied" if known else "stale",
                   f"withdraws {e.override}" if known else f"{e.override} is not in the log")
        elif e.id in revoked:
            record(engine, e.id, "revoked", f"withdrawn by {revoked[e.id]}")


def active(entries: list[Override], entity: str, kinds: tuple[str, ...]) -> list[Override]:
    withdrawn = {e.override for e in entries if e.kind == "revoke"}
    return [e for e in entries if e.entity == entity and e.kind in kinds and e.id not in withdrawn]


def record(engine: Engine, override_id: str, status: str, detail: str, entity_ids: list[str] | None = None) -> None:
    engine.execute("INSERT INTO tmp_override_outcomes VALUES (?, ?, ?, ?)",
                   [override_id, status, detail, entity_ids or []])


def record_rids(engine: Engine, entity: str, entries: list[Override]) -> dict[tuple[str, str], int]:
    """The rid of every record the entries name that this run holds."""
    wanted = {r for e in entries for r in e.records}
    if not wanted:
        return {}
    engine.create_table_from_frame("tmp_override_records", pd.DataFrame(
        {"source": [s for s, _ in wanted], "record_key": [k for _, k in wanted]}))
    mention = " AND s.mention IS NULL" if entity == "enterprise" else ""
    rows = engine.fetchall(f"SELECT s.source, s.record_key, s.rid FROM std_{entity} s "
                           f"JOIN tmp_override_records USING (source, record_key) WHERE true{mention}")
    engine.drop("tmp_override_records")
    return {(s, k): rid for s, k, rid in rows}


@dataclass
class ClusterRules:
    """What the log asks of one entity's clustering, by rid."""

    same: list[tuple[str, int, int]] = field(default_factory=list)     # (override, rid, rid)
    apart: dict[int, dict[str, int]] = field(default_factory=dict)     # rid -> {override: position}
    detached: dict[int, str] = field(default_factory=dict)             # rid -> override
    entries: list[Override] = field(default_factory=list)
    found: dict[str, list[int]] = field(default_factory=dict)          # override -> its records' rids
    missing: dict[str, list[str]] = field(default_factory=dict)        # override -> records not found
    same_refused: dict[str, str] = field(default_factory=dict)         # override -> why a merge was refused


def cluster_rules(engine: Engine, entries: list[Override], entity: str) -> ClusterRules:
    chosen = active(entries, entity, ("same", "different", "detach"))
    rids = record_rids(engine, entity, chosen)
    rules = ClusterRules(entries=chosen)
    for e in chosen:
        found = rules.found[e.id] = [rids[r] for r in e.records if r in rids]
        missing = [f"{s}:{k}" for s, k in e.records if (s, k) not in rids]
        if missing:
            rules.missing[e.id] = missing
        if e.kind == "same":
            rules.same += [(e.id, found[0], other) for other in found[1:]]
        elif e.kind == "different":
            for position, rid in enumerate(found):
                rules.apart.setdefault(rid, {})[e.id] = position
        else:
            for rid in found:
                rules.detached[rid] = e.id
    return rules


def record_cluster_outcomes(engine: Engine, entity: str, rules: ClusterRules, refused: list[tuple]) -> None:
    """After clustering: did each same / different / detach entry hold, and why not."""
    ids = _entity_of_rids(engine, entity, [r for found in rules.found.values() for r in found])
    by_override: dict[str, list[str]] = {}
    for _l, _r, reason in refused:
        if reason.startswith("override_different:"):
            by_override.setdefault(reason.split(":", 1)[1], []).append(reason)
    for same_id, reason in rules.same_refused.items():
        if reason.startswith("override_different:"):
            record(engine, reason.split(":", 1)[1], "conflict", f"contradicted by {same_id}; the records stay apart")
    for e in rules.entries:
        mine = rules.found[e.id]
        entity_ids = sorted({ids[r] for r in mine if r in ids})
        if e.id in rules.missing and len(mine) < (2 if e.kind in ("same", "different") else 1):
            record(engine, e.id, "stale", "records no longer delivered: " + ", ".join(rules.missing[e.id]), entity_ids)
            continue
        gone = f"; not delivered any more: {', '.join(rules.missing[e.id])}" if e.id in rules.missing else ""
        if e.kind == "same":
            if len(entity_ids) == 1:
                record(engine, e.id, "applied", f"{len(mine)} records in one entity{gone}", entity_ids)
            else:
                record(engine, e.id, "conflict", f"kept in {len(entity_ids)} entities: "
                       f"{rules.same_refused.get(e.id, 'a rule refused the merge')}{gone}", entity_ids)
        elif e.kind == "different":
            n = len(by_override.get(e.id, []))
            record(engine, e.id, "applied", f"{len(mine)} records in {len(entity_ids)} entities; "
                   f"{n} link(s) that would have joined them refused{gone}", entity_ids)
        else:
            record(engine, e.id, "applied", f"{len(mine)} record(s) stand alone{gone}", entity_ids)


def _entity_of_rids(engine: Engine, entity: str, rids: list[int]) -> dict[int, str]:
    if not rids:
        return {}
    return dict(engine.fetchall(f"SELECT rid, {entity}_id FROM cluster_{entity} WHERE rid IN "
                                f"({', '.join(str(int(r)) for r in rids)})"))


def _follower(engine: Engine, entity: str, current: set[str]):
    """A function taking an ID to the one that holds its records now, through id_history
    (None when it leads nowhere in ``current``)."""
    forward = dict(engine.fetchall("SELECT old_id, new_id FROM id_history WHERE entity = ? AND new_id IS NOT NULL "
                                   "ORDER BY run", [entity])) if engine.has_table("id_history") else {}

    def follow(target: str | None) -> str | None:
        hops = 0
        while target not in current and target in forward and hops < 50:
            target, hops = forward[target], hops + 1
        return target if target in current else None
    return follow


def resolve_targets(engine: Engine, entity: str, entries: list[Override]) -> dict[str, str | None]:
    """The current entity each set_attribute / set_use entry names: by record, or by ID
    followed through id_history when it was retired."""
    rids = record_rids(engine, entity, entries)
    ids = _entity_of_rids(engine, entity, list(rids.values()))
    follow = _follower(engine, entity, {r[0] for r in engine.fetchall(f"SELECT DISTINCT {entity}_id FROM cluster_{entity}")})
    return {e.id: ids.get(rids.get(e.records[0])) if e.records else follow(e.entity_id) for e in entries}


def apply_value_overrides(engine: Engine, entries: list[Override], entity: str) -> None:
    """Golden values set by the log: replace ``tmp_<entity>_winners`` rows; the latest entry
    for an attribute wins, earlier ones are superseded. Writes ``tmp_override_values``
    (entity id, attribute, value, status_date, override) for the golden stage."""
    key = f"{entity}_id"
    chosen = [e for e in active(entries, entity, ("set_attribute", "set_use")) if e.attribute != "residence_property"]
    targets = resolve_targets(engine, entity, chosen)
    latest: dict[tuple[str, str], Override] = {}
    for e in sorted(chosen, key=lambda x: (x.date, x.file, x.line)):
        target = targets.get(e.id)
        if target is None:
            record(engine, e.id, "stale", f"{e.entity_id or ':'.join(e.records[0])} is not in the registry")
            continue
        earlier = latest.get((target, e.attribute))
        if earlier is not None:
            record(engine, earlier.id, "superseded", f"{e.id} sets {e.attribute} later", [target])
        latest[(target, e.attribute)] = e
    rows = [(t, a, e.value, e.status_date, e.id) for (t, a), e in latest.items()]
    engine.create_table_from_frame("tmp_override_values", pd.DataFrame(
        rows, columns=[key, "attribute", "value", "status_date", "override_id"]).astype(
        {key: "string", "attribute": "string", "value": "string", "override_id": "string"}))
    engine.execute("CREATE OR REPLACE TABLE tmp_override_values AS SELECT * REPLACE (status_date::DATE AS status_date) "
                   "FROM tmp_override_values")
    for (target, attribute), e in latest.items():
        record(engine, e.id, "applied", f"{attribute} = {e.value}", [target])
    if rows:
        engine.execute(f"""DELETE FROM tmp_{entity}_winners w USING tmp_override_values o
                           WHERE w.{key} = o.{key} AND w.attribute = o.attribute""")
        engine.execute(f"""INSERT INTO tmp_{entity}_winners ({key}, attribute, value, source, record_key)
                           SELECT {key}, attribute, value, 'override', override_id FROM tmp_override_values""")


def apply_residence_overrides(engine: Engine, entries: list[Override], snapshot: dt.date) -> None:
    """A person's residence set by the log: its ``person_residence`` row, and a current
    residence statement in ``address_resolution`` (so the figures count it)."""
    chosen = [e for e in active(entries, "person", ("set_attribute",)) if e.attribute == "residence_property"]
    if not chosen:
        return
    targets = resolve_targets(engine, "person", chosen)
    properties = {r[0]: (r[1], r[2]) for r in engine.fetchall(
        "SELECT property_id, district_code, dwelling_key FROM property_golden")}
    follow = _follower(engine, "property", set(properties))
    latest: dict[str, tuple[Override, str]] = {}
    for e in sorted(chosen, key=lambda x: (x.date, x.file, x.line)):
        person = targets.get(e.id)
        prop = NO_RESIDENCE if e.value == NO_RESIDENCE and person is not None else follow(e.value)
        if person is None or prop is None:
            missing = e.entity_id or ":".join(e.records[0]) if person is None else f"property {e.value}"
            record(engine, e.id, "stale", f"{missing} is not in the registry")
            continue
        if person in latest:
            record(engine, latest[person][0].id, "superseded", f"{e.id} sets the residence later", [person])
        latest[person] = (e, prop)
    for person, (e, prop) in latest.items():
        if prop == NO_RESIDENCE:
            # the statements placing the person where the visit found them gone, up to its day,
            # are refuted: the figures count them no more; a later statement still does
            gone_from = engine.scalar("SELECT property_id FROM person_residence WHERE person_id = ?", [person])
            refuted = "entity = 'person' AND entity_id = ? AND role = 'residence' AND property_id = ? " \
                      "AND coalesce(updated_at <= ?, true)"
            params = [person, gone_from, e.date or snapshot]
            n = engine.scalar(f"SELECT count(*) FROM address_resolution WHERE {refuted}", params) if gone_from else 0
            engine.execute("DELETE FROM person_residence WHERE person_id = ?", [person])
            if n:
                engine.execute(f"DELETE FROM address_resolution WHERE {refuted}", params)
            record(engine, e.id, "applied", f"residence_property = none: no longer at {gone_from or 'any property'}"
                   f" ({n} residence statement(s) up to {e.date or snapshot} refuted)", [person])
            continue
        record(engine, e.id, "applied", f"residence_property = {prop}", [person])
        engine.execute("DELETE FROM person_residence WHERE person_id = ?", [person])
        engine.execute("INSERT INTO person_residence (person_id, property_id, basis, record_key, as_of, n_evidence, "
                       "n_properties) VALUES (?, ?, 'override', ?, ?, 1, 1)", [person, prop, e.id, e.date])
        district, dwelling = properties[prop]
        engine.execute("""INSERT INTO address_resolution (entity, entity_id, role, source, record_key, updated_at,
                                  district_code, dwelling_key, property_id, n_candidates, resolved_by, resolution,
                                  confidence)
                          VALUES ('person', ?, 'residence', 'override', ?, ?, ?, ?, ?, 1, 'override', 'resolved', 1.0)""",
                       [person, e.id, max(e.date, snapshot) if e.date else snapshot, district, dwelling, prop])


def write_status(engine: Engine) -> None:
    """``override_status``: one row per entry of the log with what became of it."""
    engine.create_table("override_status", """
        WITH outcomes AS (
            SELECT override_id, arg_max(status, CASE status WHEN 'revoked' THEN 5 WHEN 'conflict' THEN 4
                                                 WHEN 'stale' THEN 3 WHEN 'superseded' THEN 2 ELSE 1 END) AS status,
                   string_agg(detail, '; ') AS detail, flatten(list(entity_ids)) AS entity_ids
            FROM tmp_override_outcomes GROUP BY override_id
        )
        SELECT l.override_id, l.file, l.line, l.kind, l.entity, coalesce(o.status, 'stale') AS status,
               coalesce(o.detail, 'no ' || l.entity || ' records in this run') AS detail,
               list_distinct(coalesce(o.entity_ids, [])) AS entity_ids,
               l.records, l.entity_id, l.attribute, l.value, l.author, l.date, l.reason, l.evidence
        FROM override_log l LEFT JOIN outcomes o USING (override_id)
        ORDER BY l.file, l.line""")
    engine.drop("tmp_override_outcomes")


def entries_from_log(engine: Engine) -> list[Override]:
    """The entries ``write_log`` stored, for the stages that apply them."""
    if not engine.has_table("override_log"):
        return []
    rows = engine.fetchall("SELECT override_id, kind, entity, author, date, reason, evidence, records, entity_id, "
                           "attribute, value, status_date, revokes, file, line FROM override_log ORDER BY file, line")
    return [Override(id=r[0], kind=r[1], entity=r[2], author=r[3], date=r[4], reason=r[5], evidence=r[6],
                     records=[tuple(x.split(":", 1)) for x in r[7] or []], entity_id=r[8], attribute=r[9],
                     value=r[10], status_date=r[11], override=r[12], file=r[13], line=r[14]) for r in rows]
