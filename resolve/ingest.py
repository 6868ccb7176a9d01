"""Ingest: each source file becomes one raw table; rows that cannot be read go to quarantine.

Writes ``raw_<source>`` (``_row_number`` plus every column of the file as text, mapped or
not), ``quarantine(source, row_number, record_key, reason, raw)`` and
``ingest_sources`` (rows read, accepted and quarantined per source).
``row_number`` is the 1-based position of the data record in the file, header not counted.

Quarantine reasons: ``bad_field_count``, ``undecodable``, ``formula_without_value`` (an XLSX
cell of a mapped column holds a formula and no computed value), ``empty_record_key``,
``duplicate_record_key`` (the first occurrence of a key is kept).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pyarrow as pa

from resolve.config import Config, SourceConfig
from resolve.engine import Engine, quote_ident, quote_literal
from resolve.errors import ResolveError

QUARANTINE_COLUMNS = "source VARCHAR, row_number BIGINT, record_key VARCHAR, reason VARCHAR, raw VARCHAR"
_SURROGATE = re.compile("[\udc80-\udcff]")


def _codec(encoding: str) -> str:
    enc = encoding.lower().replace("_", "-")
    if enc in ("gbk", "gb2312", "cp936", "gb18030"):
        return "gb18030"  # a superset: decodes every GBK file, and rare name characters beside
    if enc in ("utf-8", "utf8", "utf-8-sig"):
        return "utf-8-sig"  # tolerates a BOM
    return encoding


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        # beyond 2^53 a float has lost the number's last digits (an 18-digit ID typed as a number):
        # written in exponent form so that no one takes the rounded digits for the number
        return str(int(value)) if abs(value) < 2**53 else f"{value:.15E}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text


def _read_csv_text(source: SourceConfig) -> str:
    data = Path(source.resolved_path).read_bytes()
    return data.decode(_codec(source.encoding), errors="surrogateescape")


def check_header(source: SourceConfig, header: list[str]) -> list[str]:
    """``header`` as read; a ResolveError naming the column and the fix where a name repeats, is
    one the raw table keeps for itself (``_row_number``) or holds a line break."""
    where = f"{source.resolved_path}"
    for name in header:
        if name == "_row_number":
            raise ResolveError(f"{where}: the column '_row_number' has the name resolve gives each row's "
                               "number; rename the column in the file")
        if "\n" in name or "\r" in name:
            raise ResolveError(f"{where}: the header cell {name!r} holds a line break; write the name on one "
                               "line in the file")
    repeated = sorted({n for n in header if header.count(n) > 1 and n != ""})
    if repeated:
        raise ResolveError(f"{where}: the column name(s) {', '.join(repeated)} appear more than once in the "
                           "header; give each column its own name in the file")
    return header


def _worksheet(wb, source: SourceConfig):
    """The configured sheet; else the first whose header holds the record key column (a workbook
    may open on a sheet of notes); else the first."""
    names = wb.sheetnames
    if source.sheet:
        if source.sheet not in names:
            raise ResolveError(f"{source.resolved_path}: there is no sheet '{source.sheet}'; its sheets are "
                               f"{', '.join(names)}; set `sheet:` for source '{source.name}' to one of them")
        return wb[source.sheet]
    key = source.field_to_column().get("record_key")
    for ws in wb.worksheets:
        for row in ws.iter_rows(max_row=1, values_only=True):
            if key in [str(c).strip() for c in row if c is not None]:
                return ws
    return wb.worksheets[0]


def _xlsx_header(first) -> list[str]:
    width = len(first)
    while width and first[width - 1] is None:
        width -= 1
    # a blank header cell between named ones: a column nobody named (never mapped)
    return [f"column_{i + 1}" if c is None else str(c).strip() for i, c in enumerate(first[:width])]


def read_header(source: SourceConfig) -> list[str]:
    fmt = source.file_format
    path = Path(source.resolved_path)
    if fmt == "csv":
        with open(path, "rb") as fh:
            first = fh.readline()
        line = first.decode(_codec(source.encoding), errors="replace")
        return check_header(source, [c.strip() for c in next(csv.reader([line], delimiter=source.delimiter), [])])
    if fmt == "xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            ws = _worksheet(wb, source)
            for row in ws.iter_rows(max_row=1, values_only=True):
                return check_header(source, _xlsx_header(row))
            return []
        finally:
            wb.close()
    import pyarrow.parquet as pq

    return check_header(source, list(pq.read_schema(path).names))


def _read(source: SourceConfig) -> tuple[list[str], pa.Table, list[tuple]]:
    """The file as (header, table of readable rows with _row_number, unreadable rows)."""
    fmt = source.file_format
    if fmt == "csv":
        return _read_csv(source)
    if fmt == "xlsx":
        return _read_xlsx(source)
    return _read_parquet(source)


def _table(header: list[str], numbers: list[int], rows: list[list]) -> pa.Table:
    columns = list(zip(*rows)) if rows else [() for _ in header]
    arrays = {"_row_number": pa.array(numbers, pa.int64())}
    for name, col in zip(header, columns):
        arrays[name] = pa.array(col, pa.string())
    return pa.table(arrays)


def _read_csv(source: SourceConfig):
    text = _read_csv_text(source)
    has_bad_bytes = bool(_SURROGATE.search(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=source.delimiter)
    header = check_header(source, [c.strip() for c in next(reader, [])])
    if header and _SURROGATE.search("".join(header)):
        raise ResolveError(f"{source.resolved_path}: the header does not decode as {source.encoding}; "
                           f"set `encoding:` for source '{source.name}' (gbk, gb18030 or utf-8)")
    codec = _codec(source.encoding)
    width = len(header)
    numbers, good, bad = [], [], []
    n = 0
    for fields in reader:
        if not fields or fields == [""]:
            continue
        n += 1
        if has_bad_bytes and _SURROGATE.search("".join(fields)):
            raw = source.delimiter.join(fields).encode(codec, "surrogateescape").decode(codec, "backslashreplace")
            bad.append((source.name, n, None, "undecodable", raw))
        elif len(fields) != width:
            bad.append((source.name, n, None, "bad_field_count", source.delimiter.join(fields)))
        else:
            numbers.append(n)
            good.append(fields)
    undecodable = sum(1 for b in bad if b[3] == "undecodable")
    if undecodable > max(10, n // 10):  # not a few damaged rows: the wrong encoding
        other = "utf-8" if codec == "gb18030" else "gbk (or gb18030)"
        raise ResolveError(f"{source.resolved_path}: {undecodable:,} of {n:,} rows do not decode as {source.encoding}; "
                           f"the file is probably {other.split(' ')[0].upper()}: set `encoding: {other}` for "
                           f"source '{source.name}'")
    return header, _table(header, numbers, good), bad


_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</c>)', re.DOTALL)
_VALUE = re.compile(rb"<v>[^<]")


def _sheet_layout(wb, ws) -> tuple[list[tuple[int, int, int, int]], set[tuple[int, int]]]:
    """The merged ranges (first row, first column, last row, last column; 1-based) and the
    cells holding a formula without a cached value, read from the sheet's XML (a read-only
    worksheet shows neither: a merge's other cells and such a formula read as empty)."""
    from openpyxl.utils import column_index_from_string as col

    try:
        xml = wb._archive.read(ws._worksheet_path)
    except (AttributeError, KeyError):  # not a file openpyxl read from a zip: nothing to add
        return [], set()
    merges = [(int(r1), col(c1.decode()), int(r2), col(c2.decode())) for c1, r1, c2, r2 in _MERGE.findall(xml)]
    formulas = set()
    if b"<f" in xml:
        for c, r, body in _CELL.findall(xml):
            if body and b"<f" in body and not _VALUE.search(body):  # no <v>, or an empty <v />
                formulas.add((int(r), col(c.decode())))
    return merges, formulas


def _read_xlsx(source: SourceConfig):
    """Rows of the sheet as text. Every cell of a merged range holds the range's value; a row
    whose mapped column holds a formula the workbook has no computed value for (saved by a
    program that does not calculate) is quarantined as ``formula_without_value``."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    from python_calamine import CalamineWorkbook

    wb = openpyxl.load_workbook(source.resolved_path, read_only=True, data_only=True)
    try:
        ws = _worksheet(wb, source)
        merges, formulas = _sheet_layout(wb, ws)
        # the cells' values read by calamine (Rust), several times faster than openpyxl's rows;
        # openpyxl still chooses the sheet and reads its layout. An empty cell is None.
        with CalamineWorkbook.from_path(str(source.resolved_path)) as book:
            rows = book.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)
        it = ([None if v == "" else v for v in row] for row in rows)
        header = check_header(source, _xlsx_header(next(it, ())))
        width = len(header)
        mapped = {i + 1 for i, name in enumerate(header) if name in source.columns}
        numbers, good, bad = [], [], []
        n = 0
        covering: dict[int, list[tuple[int, int, int, int]]] = {}  # sheet row -> the merges over it
        for m in merges:
            for r in range(m[0], m[2] + 1):
                covering.setdefault(r, []).append(m)
        last_column = max((m[3] for m in merges), default=0)
        merged: dict[tuple[int, int], object] = {}  # a merge's first cell -> its value
        for sheet_row, values in enumerate(it, start=2):
            if sheet_row in covering:
                values = list(values) + [None] * max(0, last_column - len(values))
                for r1, c1, r2, c2 in covering[sheet_row]:
                    if r1 == sheet_row:
                        merged[(r1, c1)] = values[c1 - 1]
                    for c in range(c1, c2 + 1):
                        if (sheet_row, c) != (r1, c1):
                            values[c - 1] = merged.get((r1, c1))
            if all(v is None for v in values):
                continue
            n += 1
            cells = [_cell_text(v) for v in values]
            if any(c not in (None, "") for c in cells[width:]):
                bad.append((source.name, n, None, "bad_field_count", json.dumps(cells, ensure_ascii=False)))
                continue
            unknown = [f"{get_column_letter(c)}{sheet_row}" for c in sorted(mapped) if (sheet_row, c) in formulas]
            if unknown:
                bad.append((source.name, n, None, "formula_without_value",
                            json.dumps({"cells": unknown, "row": cells[:width]}, ensure_ascii=False)))
                continue
            numbers.append(n)
            good.append((cells + [None] * width)[:width])
    finally:
        wb.close()
    return header, _table(header, numbers, good), bad


def _read_parquet(source: SourceConfig):
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(source.resolved_path)
    check_header(source, list(table.column_names))
    arrays = {"_row_number": pa.array(range(1, table.num_rows + 1), pa.int64())}
    for name, col in zip(table.column_names, table.columns):
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            arrays[name] = col
        elif pa.types.is_floating(col.type):
            arrays[name] = pa.array([_cell_text(v) for v in col.to_pylist()], pa.string())
        else:
            arrays[name] = pc.cast(col, pa.string())
    return list(table.column_names), pa.table(arrays), []


def ingest_source(engine: Engine, source: SourceConfig) -> dict:
    """Load one source into ``raw_<name>``; append its unreadable rows to ``quarantine``."""
    header, table, bad = _read(source)
    key_column = source.field_to_column()["record_key"]
    if key_column not in header:
        raise ResolveError(f"{source.resolved_path}: record_key column '{key_column}' is missing; "
                           f"the file's columns are {header}")
    if bad:
        engine.insert_rows("quarantine", bad)
    cells = ", ".join(f"nullif(trim({quote_ident(c)}), '') AS {quote_ident(c)}" for c in header)
    key = quote_ident(key_column)
    engine.create_table_from_frame("tmp_ingest", table)
    # Blank cells are NULL; a row whose key is empty, or repeats an earlier row's key, is quarantined.
    engine.create_table("tmp_ingest_rows", f"""
        SELECT _row_number, {cells},
               row_number() OVER (PARTITION BY nullif(trim({key}), '') ORDER BY _row_number) AS _key_seen
        FROM tmp_ingest""")
    columns = ", ".join(quote_ident(c) for c in header)
    engine.execute(f"""
        INSERT INTO quarantine
        SELECT {quote_literal(source.name)}, _row_number, {key},
               CASE WHEN {key} IS NULL THEN 'empty_record_key' ELSE 'duplicate_record_key' END,
               to_json(struct_pack({", ".join(f"{quote_ident(c)} := {quote_ident(c)}" for c in header)}))::VARCHAR
        FROM tmp_ingest_rows WHERE {key} IS NULL OR _key_seen > 1""")
    raw = f"raw_{source.name}"
    engine.create_table(raw, f"SELECT _row_number, {columns} FROM tmp_ingest_rows "
                             f"WHERE {key} IS NOT NULL AND _key_seen = 1 ORDER BY _row_number")
    engine.drop("tmp_ingest")
    engine.drop("tmp_ingest_rows")
    read = table.num_rows + len(bad)
    accepted = engine.scalar(f"SELECT count(*) FROM {quote_ident(raw)}")
    return {"source": source.name, "entity": source.entity, "department": source.department,
            "path": str(source.resolved_path), "format": source.file_format,
            "encoding": source.encoding, "rows_read": read, "rows_accepted": accepted,
            "rows_quarantined": read - accepted}


INGEST_REASONS = ("bad_field_count", "undecodable", "formula_without_value", "empty_record_key",
                  "duplicate_record_key")


def ingest(engine: Engine, config: Config, progress=None, only: str | None = None,
           previous: str | None = None) -> None:
    """Every source's file into its raw table. With ``only`` (a new delivery of one source),
    the other sources' raw tables, ingest quarantine and counts come from the ``previous``
    registry as they were."""
    import pandas as pd

    engine.execute(f"CREATE OR REPLACE TABLE quarantine ({QUARANTINE_COLUMNS})")
    stats = []
    for source in config.sources:
        if only is not None and source.name != only:
            if not engine.attached_columns(previous, f"raw_{source.name}"):
                raise ResolveError(f"source '{source.name}' is not in the registry yet; run `resolve run` to "
                                   "build a registry with it, then deliver updates")
            engine.create_table(f"raw_{source.name}", f"SELECT * FROM {previous}.{quote_ident('raw_' + source.name)}")
            reasons = ", ".join(quote_literal(r) for r in INGEST_REASONS)
            engine.execute(f"INSERT INTO quarantine SELECT * FROM {previous}.quarantine "
                           f"WHERE source = {quote_literal(source.name)} AND reason IN ({reasons})")
            stats.append(engine.df(f"SELECT * FROM {previous}.ingest_sources WHERE source = ?",
                                   [source.name]).iloc[0].to_dict())
            continue
        if progress:
            progress(f"ingest {source.name}")
        stats.append(ingest_source(engine, source))
    engine.create_table_from_frame("ingest_sources", pd.DataFrame(stats))
