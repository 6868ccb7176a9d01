"""Inputs shared by every entity's standardiser: each source's raw table under canonical
field names, and the quarantine of records that cannot be matched to anything."""

from __future__ import annotations

from resolve.config import DATE_FIELDS, SourceConfig
from resolve.engine import Engine, quote_ident, quote_literal


def field_expression(source: SourceConfig, field: str) -> str:
    """SQL for one canonical field of a source: its column, value mapping, default and date format."""
    column = source.field_to_column().get(field)
    if column is None:
        default = source.defaults.get(field)
        return f"{quote_literal(default)}::VARCHAR" if default is not None else "NULL::VARCHAR"
    expr = f"CAST({quote_ident(column)} AS VARCHAR)"
    mapping = source.values.get(field)
    if mapping:
        cases = " ".join(f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in mapping.items())
        expr = f"CASE trim({expr}) {cases} ELSE {expr} END"
    fmt = source.date_formats.get(field)
    if fmt and field in DATE_FIELDS:
        expr = f"coalesce(strftime(try_strptime(trim({expr}), {quote_literal(fmt)}), '%Y-%m-%d'), {expr})"
    return expr


def input_union_sql(sources: list[SourceConfig], fields: tuple[str, ...],
                    offsets: dict[str, int] | None = None) -> str:
    """Every source's raw table under canonical field names, one UNION ALL.

    ``rid``, the record's number across all sources, is its row number plus its source's
    offset: unique without sorting a million wide rows.
    """
    if not sources:  # an entity no source delivers: its tables exist, empty
        cols = ", ".join(f"NULL::VARCHAR AS {f}" for f in fields)
        return f"SELECT NULL::BIGINT AS rid, NULL::VARCHAR AS source, NULL::BIGINT AS row_number, {cols} WHERE false"
    selects = []
    for source in sources:
        cols = ", ".join(f"{field_expression(source, f)} AS {f}" for f in fields)
        offset = (offsets or {}).get(source.name, 0)
        selects.append(f"SELECT {offset} + _row_number AS rid, {quote_literal(source.name)} AS source, "
                       f"_row_number AS row_number, {cols} FROM {quote_ident('raw_' + source.name)}")
    return " UNION ALL ".join(selects)


def rid_offsets(engine: Engine, sources: list[SourceConfig]) -> dict[str, int]:
    read = dict(engine.fetchall("SELECT source, rows_read FROM ingest_sources"))
    offsets, total = {}, 0
    for source in sources:
        offsets[source.name] = total
        total += int(read.get(source.name, 0))
    return offsets


def quarantine_where(engine: Engine, table: str, condition: str, reason: str, raw_struct: str) -> None:
    """Move the rows of a std_ table that meet ``condition`` to quarantine with ``reason``."""
    engine.execute(f"""
        INSERT INTO quarantine
        SELECT source, row_number, record_key, {quote_literal(reason)}, to_json({raw_struct})::VARCHAR
        FROM {quote_ident(table)} WHERE {condition}""")
    engine.execute(f"DELETE FROM {quote_ident(table)} WHERE {condition}")
