"""Stable golden IDs: an entity keeps its ID across rebuilds while its records survive.

Clustering names each entity provisionally after its smallest member (a hash: the same
records give the same ID). When the output folder already holds a registry, that registry's
entities are carried over instead: every previous ID goes to the new entity holding most of
its records (ties: the smaller IDs), so a rebuild on the same data gives the same IDs and a
new delivery keeps the IDs of every entity it does not touch. What is left over is written
to ``id_history(entity, old_id, new_id, event, run, recorded_at)``:

- ``created``: a new entity none of whose records belonged to a previous one;
- ``split``: a new entity took records from ``old_id``, which lives on elsewhere or retires;
- ``merged``: ``old_id`` retired, its records now in ``new_id``;
- ``retired``: ``old_id``'s records are all gone (``new_id`` NULL).

A retired ID is never given out again. ``id_history`` carries the previous registry's rows
forward, so a downstream system can follow any ID it once held to the entity that holds its
records now.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd

from resolve.engine import Engine

PREVIOUS = "previous"  # the schema the previous registry is attached as
HISTORY_COLUMNS = {"entity": "VARCHAR", "old_id": "VARCHAR", "new_id": "VARCHAR", "event": "VARCHAR",
                   "run": "BIGINT", "recorded_at": "TIMESTAMP"}


def previous_table(engine: Engine, table: str, *columns: str) -> bool:
    """Is ``previous.<table>`` there, with these columns?"""
    have = set(engine.attached_columns(PREVIOUS, table))
    return bool(have) and set(columns) <= have


def run_number(engine: Engine) -> int:
    if previous_table(engine, "id_history", "run"):
        return int(engine.scalar(f"SELECT coalesce(max(run), 0) FROM {PREVIOUS}.id_history")) + 1
    return 1


def _mint(base: str, used: set[str]) -> str:
    """The provisional ID, unless it was ever given out: then a fresh hash of it."""
    candidate, n = base, 0
    while candidate in used:
        n += 1
        candidate = base[0] + hashlib.md5(f"{base}#{n}".encode()).hexdigest()[:16].upper()
    used.add(candidate)
    return candidate


def assign_stable_ids(engine: Engine, entity: str, run: int, at: dt.datetime) -> None:
    """Rewrite ``cluster_<entity>.<entity>_id`` to carry the previous registry's IDs over and
    append this run's events to ``tmp_id_history_<entity>``."""
    key = f"{entity}_id"
    has_previous = previous_table(engine, f"cluster_{entity}", "member", key)
    old = f"SELECT member, {key} AS old_id FROM {PREVIOUS}.cluster_{entity}" if has_previous else \
        "SELECT NULL::VARCHAR AS member, NULL::VARCHAR AS old_id WHERE false"
    engine.create_table("tmp_id_overlap", f"""
        SELECT c.{key} AS provisional, o.old_id, count(*) AS shared
        FROM cluster_{entity} c JOIN ({old}) o USING (member) GROUP BY ALL""")
    overlap = engine.columns("SELECT provisional, old_id, shared FROM tmp_id_overlap "
                             "ORDER BY shared DESC, old_id, provisional")
    given: dict[str, str] = {}
    taken: set[str] = set()
    for provisional, old_id in zip(overlap["provisional"].tolist(), overlap["old_id"].tolist()):
        if provisional not in given and old_id not in taken:
            given[provisional] = old_id
            taken.add(old_id)
    used: set[str] = set()
    if has_previous:
        used.update(r[0] for r in engine.fetchall(f"SELECT DISTINCT {key} FROM {PREVIOUS}.cluster_{entity}"))
    if previous_table(engine, "id_history", "old_id", "new_id"):
        used.update(r[0] for r in engine.fetchall(
            f"SELECT old_id FROM {PREVIOUS}.id_history WHERE old_id IS NOT NULL UNION "
            f"SELECT new_id FROM {PREVIOUS}.id_history WHERE new_id IS NOT NULL"))
    provisional_ids = [r[0] for r in engine.fetchall(f"SELECT DISTINCT {key} FROM cluster_{entity} ORDER BY 1")]
    final = {p: given.get(p) for p in provisional_ids}
    for p in provisional_ids:
        if final[p] is None:
            final[p] = _mint(p, used)
    engine.create_table_from_frame("tmp_id_map", pd.DataFrame(
        {"provisional": np.array(list(final), dtype=object), "final_id": np.array(list(final.values()), dtype=object)}))
    engine.create_table(f"cluster_{entity}", f"""
        SELECT c.* REPLACE (m.final_id AS {key}) FROM cluster_{entity} c JOIN tmp_id_map m ON m.provisional = c.{key}""")
    at_sql = f"TIMESTAMP '{at.isoformat(sep=' ', timespec='seconds')}'"
    previous_ids = (f"SELECT DISTINCT {key} AS old_id FROM {PREVIOUS}.cluster_{entity}" if has_previous
                    else "SELECT NULL::VARCHAR AS old_id WHERE false")
    engine.create_table(f"tmp_id_history_{entity}", f"""
        WITH moved AS (
            SELECT m.final_id AS new_id, o.old_id, o.shared
            FROM tmp_id_overlap o JOIN tmp_id_map m ON m.provisional = o.provisional
        ), kept AS (
            SELECT DISTINCT final_id AS id FROM tmp_id_map WHERE final_id IN (SELECT old_id FROM ({previous_ids}))
        ), events AS (
            -- new IDs: made of nothing earlier, or split off an earlier entity
            SELECT NULL AS old_id, final_id AS new_id, 'created' AS event FROM tmp_id_map
            WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.id = final_id)
              AND NOT EXISTS (SELECT 1 FROM moved v WHERE v.new_id = final_id)
            UNION ALL
            SELECT old_id, new_id, 'split' FROM moved WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.id = new_id)
            UNION ALL
            -- earlier IDs no entity carries on: merged into where their records went, or retired
            SELECT old_id, new_id, 'merged' FROM moved
            WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.id = old_id) AND new_id IN (SELECT id FROM kept)
            UNION ALL
            SELECT p.old_id, NULL, 'retired' FROM ({previous_ids}) p
            WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.id = p.old_id)
              AND NOT EXISTS (SELECT 1 FROM moved v WHERE v.old_id = p.old_id)
        )
        SELECT '{entity}' AS entity, old_id::VARCHAR AS old_id, new_id::VARCHAR AS new_id, event,
               {int(run)}::BIGINT AS run, {at_sql} AS recorded_at
        FROM events""")
    for name in ("tmp_id_overlap", "tmp_id_map"):
        engine.drop(name)


def write_id_history(engine: Engine, entities: tuple[str, ...]) -> None:
    """``id_history``: the previous registry's rows, then this run's."""
    columns = ", ".join(HISTORY_COLUMNS)
    parts = [f"SELECT {columns} FROM {PREVIOUS}.id_history"] if previous_table(engine, "id_history", *HISTORY_COLUMNS) \
        else []
    parts += [f"SELECT {columns} FROM tmp_id_history_{e}" for e in entities if engine.has_table(f"tmp_id_history_{e}")]
    empty = "SELECT " + ", ".join(f"NULL::{t} AS {c}" for c, t in HISTORY_COLUMNS.items()) + " WHERE false"
    engine.create_table("id_history", " UNION ALL ".join(parts or [empty]) + " ORDER BY run, entity, event, old_id, new_id")
    for e in entities:
        engine.drop(f"tmp_id_history_{e}")
