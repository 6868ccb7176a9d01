"""Writing extracts (CSV in its encoding, XLSX, Parquet) with injected unreadable rows, the config and the truth.

Unreadable rows are extra rows, never a replacement of a good record: a row with the wrong
number of fields, a row with a byte that does not decode, a row with an empty record key, and a
row reusing an earlier row's key (the later occurrence is the bad one). Row numbers count data
records from 1, the header not counted.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .shapes import SourceSpec

FIXED_TIME = (2026, 10, 31, 0, 0, 0)


@dataclass
class BadRow:
    kind: str
    before: int
    values: list[str]
    variant: int = 0


@dataclass
class Table:
    """A source's final rows: good records plus bad rows in file order."""

    headers: list[str]
    cols: list[list[str]]
    keys: np.ndarray
    bad: list[BadRow]

    def row_numbers(self) -> list[int]:
        """1-based row number of each bad row in the written file."""
        return [b.before + i + 1 for i, b in enumerate(self.bad)]


def assign_keys(rng, spec: SourceSpec, given: np.ndarray | None, n: int, n_fresh: int) -> tuple[np.ndarray, np.ndarray]:
    """Ascending keys for n records (keeping any given non-empty ones) and n_fresh unused keys."""
    prefix, width = spec.key
    total = n + n_fresh
    start = int(rng.integers(10 ** (width - 1), 3 * 10 ** (width - 1)))
    numbers = start + np.cumsum(rng.integers(1, 4, total))
    keys = np.array([f"{prefix}{k:0{width}d}" for k in numbers.tolist()], dtype=object)
    fresh = np.zeros(total, dtype=bool)
    fresh[rng.choice(total, size=n_fresh, replace=False)] = True
    own = keys[~fresh]
    if given is not None:
        own = np.where(given != "", given, own)
    return own, keys[fresh]


def bad_counts(spec: SourceSpec, n: int) -> dict[str, int]:
    each = max(2, min(50, round(n * 0.0003)))
    return {kind: each for kind in spec.bad}


def plan_table(rng, spec: SourceSpec, cols: dict[str, np.ndarray], keys: np.ndarray, fresh: np.ndarray,
               counts: dict[str, int]) -> Table:
    headers = [c.header for c in spec.columns]
    columns = [(keys if c.logical == "key" else cols[c.logical]).tolist() for c in spec.columns]
    n = len(keys)
    bad: list[BadRow] = []
    fresh_iter = iter(fresh.tolist())
    for kind, k in counts.items():
        for _ in range(k):
            template = int(rng.integers(n))
            values = [col[template] for col in columns]
            before = int(rng.integers(0, n + 1))
            if kind == "empty_record_key":
                values[0] = ""
            elif kind == "duplicate_record_key":
                source = int(rng.integers(0, max(n - 1, 1)))
                values[0] = keys[source]
                before = int(rng.integers(source + 1, n + 1))
            else:
                values[0] = next(fresh_iter)
            bad.append(BadRow(kind, before, values, int(rng.integers(0, 3))))
    order = sorted(range(len(bad)), key=lambda i: (bad[i].before, float(rng.random())))
    return Table(headers, columns, keys, [bad[i] for i in order])


def write_table(path: Path, spec: SourceSpec, table: Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if spec.fmt == "csv":
        write_csv(path, spec, table)
    elif spec.fmt == "xlsx":
        write_xlsx(path, table)
    else:
        write_parquet(path, table)


def _segments(table: Table):
    """Yield ("good", start, stop) and ("bad", BadRow) in file order."""
    start = 0
    for b in table.bad:
        if b.before > start:
            yield "good", start, b.before
            start = b.before
        yield "bad", b
    n = len(table.keys)
    if start < n:
        yield "good", start, n


def _quote(value: str) -> str:
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_csv(path: Path, spec: SourceSpec, table: Table) -> None:
    encoding = "utf-8" if spec.encoding == "utf-8-sig" else spec.encoding
    name_at = _column_index(spec, ("name", "owner"))
    addr_at = _column_index(spec, ("res_addr", "reg_addr", "address"))
    with open(path, "wb") as f:
        if spec.encoding == "utf-8-sig":
            f.write(b"\xef\xbb\xbf")
        f.write((",".join(_quote(h) for h in table.headers) + spec.line_end).encode(encoding))
        for seg in _segments(table):
            if seg[0] == "good":
                buf = io.StringIO()
                writer = csv.writer(buf, lineterminator=spec.line_end)
                writer.writerows(zip(*(col[seg[1]:seg[2]] for col in table.cols)))
                f.write(buf.getvalue().encode(encoding))
            else:
                f.write(_bad_line(seg[1], spec, encoding, name_at, addr_at))


def _column_index(spec: SourceSpec, logicals: tuple[str, ...]) -> int | None:
    for logical in logicals:
        for i, c in enumerate(spec.columns):
            if c.logical == logical:
                return i
    return None


def _bad_line(b: BadRow, spec: SourceSpec, encoding: str, name_at: int | None, addr_at: int | None) -> bytes:
    fields = [_quote(v) for v in b.values]
    end = spec.line_end
    if b.kind == "bad_field_count":
        return _field_count_line(b, fields, addr_at).encode(encoding) + end.encode(encoding)
    if b.kind == "undecodable":
        return _undecodable_line(fields, name_at, encoding) + end.encode(encoding)
    return (",".join(fields) + end).encode(encoding)


def _field_count_line(b: BadRow, fields: list[str], addr_at: int | None) -> str:
    if b.variant == 0 or len(fields) < 4:
        return ",".join(fields + ["备注"])
    if b.variant == 1 or addr_at is None or '"' in b.values[addr_at] or "," in b.values[addr_at]:
        return ",".join(fields[:-2])
    text = b.values[addr_at] or "深圳市"
    cut = max(1, len(text) // 2)
    fields[addr_at] = text[:cut] + "," + text[cut:]
    return ",".join(fields)


def _undecodable_line(fields: list[str], name_at: int | None, encoding: str) -> bytes:
    at = name_at if name_at is not None else 1
    head = ",".join(fields[:at] + [fields[at][:1]])
    tail = fields[at][1:] + ("," if at + 1 < len(fields) else "") + ",".join(fields[at + 1:])
    if encoding.startswith("utf"):
        try:
            pasted = (head + tail).encode("gbk")
            pasted.decode(encoding)
        except UnicodeEncodeError:
            pass
        except UnicodeDecodeError:
            return pasted
    return head.encode(encoding) + b"\xff" + tail.encode(encoding)


def write_xlsx(path: Path, table: Table) -> None:
    """A minimal SpreadsheetML workbook (one sheet, shared strings, all cells text), fixed timestamps."""
    strings: dict[str, int] = {}
    letters = [_column_letter(i) for i in range(len(table.headers))]
    rows = [_xlsx_row(1, table.headers, letters, strings)]
    rows += [_xlsx_row(r, row, letters, strings) for r, row in enumerate(_rows(table), start=2)]
    sheet = (XLSX_SHEET_HEAD + "".join(rows) + "</sheetData></worksheet>")
    sst = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
    shared = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{XLSX_NS}" '
              f'count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>')
    parts = dict(XLSX_STATIC)
    parts["xl/worksheets/sheet1.xml"] = sheet
    parts["xl/sharedStrings.xml"] = shared
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, text.encode("utf-8"))


def _column_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _xlsx_row(r: int, values, letters: list[str], strings: dict[str, int]) -> str:
    cells = []
    for letter, v in zip(letters, values):
        if v:
            k = strings.setdefault(v, len(strings))
            cells.append(f'<c r="{letter}{r}" t="s"><v>{k}</v></c>')
    return f'<row r="{r}">{"".join(cells)}</row>'


XLSX_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XLSX_SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<worksheet xmlns="{XLSX_NS}" xmlns:r="{XLSX_REL}"><sheetData>')
XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '</Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{XLSX_NS}" xmlns:r="{XLSX_REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>'),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<styleSheet xmlns="{XLSX_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>'),
}


def _rows(table: Table):
    for seg in _segments(table):
        if seg[0] == "good":
            yield from zip(*(col[seg[1]:seg[2]] for col in table.cols))
        else:
            yield seg[1].values


def write_parquet(path: Path, table: Table) -> None:
    rows = list(_rows(table))
    arrays = {h: pa.array([r[i] if r[i] != "" else None for r in rows], type=pa.string())
              for i, h in enumerate(table.headers)}
    pq.write_table(pa.table(arrays), path, compression="snappy")


_PLAIN = re.compile(r"^[\w\u4e00-\u9fff][\w\u4e00-\u9fff./-]*$")


def _yaml_scalar(value: str) -> str:
    reserved = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}
    if _PLAIN.match(value) and not re.match(r"^[\d.+-]", value) and value.lower() not in reserved:
        return value
    return json.dumps(value, ensure_ascii=False)


def config_yaml(specs: list[SourceSpec], paths: dict[str, str], formats: dict[str, str]) -> str:
    lines = ["city: 深圳市", 'region_code: "440300"', "snapshot_date: 2026-10-31", "sources:"]
    for spec in specs:
        lines += [f"  - name: {spec.name}", f"    department: {spec.department}", f"    entity: {spec.entity}",
                  f"    path: {paths[spec.name]}"]
        if formats[spec.name] == "csv":
            lines.append(f"    encoding: {spec.config_encoding}")
        lines.append("    columns:")
        lines += [f"      {_yaml_scalar(c.header)}: {c.field}" for c in spec.columns if c.field]
        mapped = {c.field for c in spec.columns if c.field}
        values = {f: {raw: canon for canon, raw in codes.items()} for f, codes in spec.codes.items() if f in mapped}
        if values:
            lines.append("    values:")
            for f, mapping in values.items():
                inner = ", ".join(f"{_yaml_scalar(k)}: {_yaml_scalar(v)}" for k, v in mapping.items())
                lines.append(f"      {f}: {{{inner}}}")
    surveys = [spec.name for spec in specs if spec.builder == "grid"]
    if surveys:
        lines += ["reconcile:", f"  survey_sources: [{', '.join(surveys)}]"]
    return "\n".join(lines) + "\n"
