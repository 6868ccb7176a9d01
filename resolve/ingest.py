"""Ingest: each source file becomes one raw table; rows that cannot be read go to quarantine.

Writes ``raw_<source>`` (``_row_number`` plus every column of the file as text, mapped or
not), ``quarantine(source, row_number, record_key, reason, raw)`` and
``ingest_sources`` (rows read, accepted and quarantined per source).
``row_number`` is the 1-based position of the data record in the file, header not counted.

Quarantine reasons: ``bad_field_count``, ``undecodable``, ``empty_record_key``,
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
from resolve.engine import Engine, quote_ident
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
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text


def _read_csv_text(source: SourceConfig) -> str:
    data = Path(source.resolved_path).read_bytes()
    return data.decode(_codec(source.encoding), errors="surrogateescape")


def read_header(source: SourceConfig) -> list[str]:
    fmt = source.file_format
    path = Path(source.resolved_path)
    if fmt == "csv":
        with open(path, "rb") as fh:
            first = fh.readline()
        line = first.decode(_codec(source.encoding), errors="replace")
        return [c.strip() for c in next(csv.reader([line], delimiter=source.delimiter), [])]
    if fmt == "xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            ws = wb[source.sheet] if source.sheet else wb.worksheets[0]
            for row in ws.iter_rows(max_row=1, values_only=True):
                return [str(c).strip() for c in row if c is not None]
            return []
        finally:
            wb.close()
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def _iter_records(source: SourceConfig):
    """Yield (header, rows) where rows yields (row_number, fields | None, error, raw_text)."""
    fmt = source.file_format
    if fmt == "csv":
        return _csv_records(source)
    if fmt == "xlsx":
        return _xlsx_records(source)
    return _parquet_records(source)


def _csv_records(source: SourceConfig):
    text = _read_csv_text(source)
    has_bad_bytes = bool(_SURROGATE.search(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=source.delimiter)
    header = [c.strip() for c in next(reader, [])]
    if header and _SURROGATE.search("".join(header)):
        raise ResolveError(f"{source.resolved_path}: the header does not decode as {source.encoding}; "
                           f"set `encoding:` for source '{source.name}' (gbk, gb18030 or utf-8)")
    codec = _codec(source.encoding)

    def rows():
        n = 0
        for fields in reader:
            if not fields or fields == [""]:
                continue
            n += 1
            if has_bad_bytes and _SURROGATE.search("".join(fields)):
                raw = source.delimiter.join(fields).encode(codec, "surrogateescape").decode(
                    codec, "backslashreplace")
                yield n, None, "undecodable", raw
            elif len(fields) != len(header):
                yield n, None, "bad_field_count", source.delimiter.join(fields)
            else:
                yield n, fields, None, None

    return header, rows()


def _xlsx_records(source: SourceConfig):
    import openpyxl

    wb = openpyxl.load_workbook(source.resolved_path, read_only=True, data_only=True)
    ws = wb[source.sheet] if source.sheet else wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    first = next(it, ())
    width = len(first)
    while width and first[width - 1] is None:
        width -= 1
    header = [str(c).strip() for c in first[:width]]

    def rows():
        n = 0
        for values in it:
            if all(v is None for v in values):
                continue
            n += 1
            cells = [_cell_text(v) for v in values]
            extra = [c for c in cells[width:] if c not in (None, "")]
            if extra:
                yield n, None, "bad_field_count", json.dumps(cells, ensure_ascii=False)
                continue
            cells = (cells + [None] * width)[:width]
            yield n, cells, None, None
        wb.close()

    return header, rows()


def _parquet_records(source: SourceConfig):
    import pyarrow.parquet as pq

    table = pq.read_table(source.resolved_path)
    header = list(table.column_names)
    columns = [[_cell_text(v) for v in col.to_pylist()] for col in table.columns]

    def rows():
        for i, fields in enumerate(zip(*columns), start=1):
            yield i, list(fields), None, None

    return header, rows()


def ingest_source(engine: Engine, source: SourceConfig) -> dict:
    """Load one source into ``raw_<name>``; append its unreadable rows to ``quarantine``."""
    header, rows = _iter_records(source)
    key_column = source.field_to_column()["record_key"]
    if key_column not in header:
        raise ResolveError(f"{source.resolved_path}: record_key column '{key_column}' is missing; "
                           f"the file's columns are {header}")
    key_index = header.index(key_column)
    numbers: list[int] = []
    columns: list[list] = [[] for _ in header]
    bad: list[tuple] = []
    seen_keys: set[str] = set()
    read = 0
    for n, fields, error, raw in rows:
        read += 1
        if error:
            bad.append((source.name, n, None, error, raw))
            continue
        fields = [None if f is None else f.strip() for f in fields]
        fields = [f if f != "" else None for f in fields]
        key = fields[key_index]
        if key is None:
            bad.append((source.name, n, None, "empty_record_key", _raw_json(header, fields)))
            continue
        if key in seen_keys:
            bad.append((source.name, n, key, "duplicate_record_key", _raw_json(header, fields)))
            continue
        seen_keys.add(key)
        numbers.append(n)
        for col, value in zip(columns, fields):
            col.append(value)
    arrays = {"_row_number": pa.array(numbers, pa.int64())}
    for name, col in zip(header, columns):
        arrays[name] = pa.array(col, pa.string())
    table_name = f"raw_{source.name}"
    engine.create_table_from_frame(table_name, pa.table(arrays))
    if bad:
        engine.con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)", bad)
    return {"source": source.name, "entity": source.entity, "department": source.department,
            "path": str(source.resolved_path), "format": source.file_format,
            "encoding": source.encoding, "rows_read": read, "rows_accepted": len(numbers),
            "rows_quarantined": len(bad)}


def _raw_json(header: list[str], fields: list) -> str:
    return json.dumps(dict(zip(header, fields)), ensure_ascii=False)


def ingest(engine: Engine, config: Config, progress=None) -> None:
    engine.execute(f"CREATE OR REPLACE TABLE quarantine ({QUARANTINE_COLUMNS})")
    stats = []
    for source in config.sources:
        if progress:
            progress(f"ingest {source.name}")
        stats.append(ingest_source(engine, source))
    import pandas as pd

    engine.create_table_from_frame("ingest_sources", pd.DataFrame(stats))


def raw_table(source_name: str) -> str:
    return quote_ident(f"raw_{source_name}")
