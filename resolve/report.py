"""The reconciliation report: ``<out>/report/index.html`` and its drill-down files.

Reads the registry's ``recon_*`` tables (nothing else: ``resolve report`` rebuilds it from any
registry file) and writes one self-contained page, Chinese first, that opens offline: styles
inline, charts drawn as inline SVG, a few lines of inline script for the dispute filter, no
fonts or scripts fetched from anywhere. Every count on the page links to a CSV (and a
Parquet file beside it) under ``report/`` whose rows are exactly the records or entities
behind that count. Citizen IDs and phone numbers are masked (440304********123X,
138****5678) unless ``unmasked`` is asked for explicitly.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from resolve.config import ESTIMATE_FIGURE, UNKNOWN_DISTRICT
from resolve.engine import quote_ident, quote_literal
from resolve.errors import ResolveError
from resolve.labels import (
    BASIS,
    DISPUTE_REASONS,
    EVIDENCE_KINDS,
    OVERRIDE_STATUS,
    QUARANTINE_REASONS,
    RECENCY,
    STEPS,
    UNKNOWN_DISTRICT_LABEL,
    USES,
    label,
)

MASKED_COLUMNS = {"id_number": "id", "legal_rep_id_number": "id", "owner_id_number": "id", "phone": "phone"}
# the drill-down files' masks: 440304199001011234 -> 440304********1234 (division code and the
# last four kept), 13812345678 -> 138****5678; shorter values as they are
MASK_SQL = {
    "id": "CASE WHEN length({c}::VARCHAR) >= 10 THEN left({c}::VARCHAR, 6) || repeat('*', length({c}::VARCHAR) - 10) "
          "|| right({c}::VARCHAR, 4) ELSE {c}::VARCHAR END",
    "phone": "CASE WHEN length({c}::VARCHAR) >= 7 THEN left({c}::VARCHAR, 3) || repeat('*', length({c}::VARCHAR) - 7) "
             "|| right({c}::VARCHAR, 4) ELSE {c}::VARCHAR END",
}
# Masked by what a value is, in any text of the page and its files (a record key that is a
# pupil's ID, a phone in an address or a JSON detail): a citizen ID of 18 characters, one of
# 15 digits whose middle reads as a date, a mobile number; never the digits after a decimal
# point. Each pattern is one regular
# expression both DuckDB (RE2, no look-around: the digits either side are captured) and
# Python apply, twice, so a value right after another is masked too.
_EDGE = "(^|[^0-9.])", "([^0-9]|$)"  # the digits of a decimal fraction are no ID
VALUE_MASKS = [
    (_EDGE[0] + "([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])" + _EDGE[1], r"\1\2********\3\4"),
    (_EDGE[0] + "([0-9]{6})[0-9]{2}(?:0[1-9]|1[0-2])[0-3]([0-9]{4})" + _EDGE[1], r"\1\2*****\3\4"),
    (_EDGE[0] + "(1[3-9][0-9])[0-9]{4}([0-9]{4})" + _EDGE[1], r"\1\2****\3\4"),
]


# every value a mask rewrites holds a run of at least eleven digits (a mobile number; an ID has
# fifteen or seventeen): text without one is kept as it is, after one scan instead of six
_MASKABLE = "[0-9]{11}"


def mask_sql(expr: str) -> str:
    """``expr`` (a VARCHAR) with every ID and mobile number in it masked."""
    masked = expr
    for pattern, replacement in VALUE_MASKS * 2:
        masked = f"regexp_replace({masked}, {quote_literal(pattern)}, {quote_literal(replacement)}, 'g')"
    return f"CASE WHEN regexp_matches({expr}, {quote_literal(_MASKABLE)}) THEN {masked} ELSE {expr} END"


def mask_text(text: str) -> str:
    for pattern, replacement in VALUE_MASKS * 2:
        text = re.sub(pattern, replacement, text)
    return text


def _masked_column(name: str, column_type: str) -> str | None:
    """The select expression that masks a drill-down column, or None to keep it as it is."""
    c = quote_ident(name)
    if name in MASKED_COLUMNS:
        return mask_sql(MASK_SQL[MASKED_COLUMNS[name]].format(c=c))
    if column_type in ("VARCHAR", "JSON"):
        return mask_sql(f"{c}::VARCHAR") + ("::JSON" if column_type == "JSON" else "")
    if column_type == "VARCHAR[]":
        return f"list_transform({c}, lambda x: {mask_sql('x')})"
    kept = ("BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL", "DATE", "TIME", "TIMESTAMP", "INTERVAL", "UUID")
    if column_type.startswith(kept):
        return None
    return mask_sql(f"{c}::VARCHAR")  # anything else (a struct, a large number) as masked text

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
header{background:#12355b;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.85;font-size:13px}main{padding:8px 28px 40px;max-width:1200px}
section{background:#fff;border:1px solid #e1e5ea;border-radius:6px;margin:18px 0;padding:14px 18px}
h2{font-size:18px;margin:4px 0 10px}h2 small,h3 small{color:#6b7785;font-weight:normal;font-size:12px}
h3{font-size:15px;margin:14px 0 6px}table{border-collapse:collapse;font-size:13px;margin:6px 0}
td,th{border-bottom:1px solid #e8ebef;padding:4px 10px;text-align:right}th{background:#f1f3f6}
td:first-child,th:first-child{text-align:left}.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #d5dbe2;border-radius:6px;padding:10px 16px;min-width:200px}
.card .v{font-size:28px;font-weight:bold;color:#12355b}.card .r{font-size:12px;color:#6b7785}
a{color:#0b63c4;text-decoration:none}a:hover{text-decoration:underline}
svg text{font-size:11px;fill:#1f2933}.note{font-size:12px;color:#6b7785}
input{padding:4px 8px;border:1px solid #c9d1da;border-radius:4px;margin:4px 0}
code{background:#f1f3f6;padding:1px 4px;border-radius:3px}td.l,th.l{text-align:left}
td.w{text-align:left;white-space:normal;word-break:break-all;max-width:560px;line-height:1.5}
.scroll{overflow-x:auto;max-width:100%}.lead{border-color:#12355b;border-width:2px}
.caution{color:#b45309;font-size:12px}details.flow{border-top:1px solid #e8ebef;padding:6px 0}
summary{cursor:pointer;line-height:1.6}button{padding:3px 10px;margin:4px 4px 4px 0}
table.fixed{table-layout:fixed;width:100%}col.c-reason{width:18%}col.c-id{width:18%}col.c-p{width:10%}table.fixed td,table.fixed th{overflow-wrap:anywhere}
"""

SCRIPT = """
var PAGE=25,page=0;
function matching(){var q=document.getElementById('dispute-filter').value.toLowerCase();
var all=document.querySelectorAll('#disputes tbody tr'),m=[];for(var i=0;i<all.length;i++){
all[i].style.display='none';if(all[i].textContent.toLowerCase().indexOf(q)>=0){m.push(all[i]);}}return m;}
function filterDisputes(){var m=matching(),pages=Math.max(1,Math.ceil(m.length/PAGE));if(page>=pages){page=pages-1;}
for(var i=page*PAGE;i<Math.min(m.length,(page+1)*PAGE);i++){m[i].style.display='';}
document.getElementById('dispute-page').textContent='第 '+(page+1)+' / '+pages+' 页，共 '+m.length+' 条';}
document.addEventListener('DOMContentLoaded',function(){var f=document.getElementById('dispute-filter');if(!f){return;}
f.addEventListener('input',function(){page=0;filterDisputes();});
document.getElementById('dispute-prev').addEventListener('click',function(){if(page>0){page--;filterDisputes();}});
document.getElementById('dispute-next').addEventListener('click',function(){page++;filterDisputes();});
filterDisputes();});
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


# Nothing runs or loads but the page's own style and script, by their hashes: no inline
# handler, no inline style attribute, no file fetched.
BOM = "\ufeff"  # UTF-8's byte order mark: spreadsheets read a CSV that starts with it as UTF-8

CSP = (f"default-src 'none'; style-src {_sha256(CSS)}; script-src {_sha256(SCRIPT)}; img-src data:; "
       "base-uri 'none'; form-action 'none'")


@dataclass
class _Writer:
    """Writes drill-down files and remembers each one's row count for the page's links."""

    con: duckdb.DuckDBPyConnection
    folder: Path
    unmasked: bool
    counts: dict[str, int] = field(default_factory=dict)
    written: dict[str, tuple[str, int]] = field(default_factory=dict)  # sql -> (href, rows)
    departments: dict[str, str] = field(default_factory=dict)  # source -> the department's name
    districts: dict[str, str] = field(default_factory=dict)    # code -> name

    def department(self, source: str) -> str:
        """A source as the page names it: its department (with the source's name small beside
        it only where one department delivers several sources)."""
        name = self.departments.get(source, source)
        shared = sum(1 for d in self.departments.values() if d == name) > 1
        return self.text(name) + (f" <small>{self.text(source)}</small>" if shared else "")

    def district(self, code: str | None) -> str:
        if code is None:
            return "全市"
        if code == UNKNOWN_DISTRICT:
            return f"{UNKNOWN_DISTRICT_LABEL} <small>{self.text(code)}</small>"
        return f"{self.text(self.districts.get(code, ''))} <small>{self.text(code)}</small>"

    def drill(self, name: str, sql: str) -> tuple[str, int]:
        """Write ``<folder>/<name>.csv`` (UTF-8 with a BOM, for spreadsheets) and ``.parquet``
        from ``sql``, IDs and phones masked unless asked otherwise; return (href, rows). The
        same rows asked for again (a figure's city-wide list in the figures table, the
        district table and the waterfall) are the file already written."""
        if sql in self.written:
            return self.written[sql]
        name = re.sub(r"[^0-9A-Za-z_\-]", "_", name)
        if f"data/{name}.csv" in self.counts:
            raise ResolveError(f"report: two different drill-down lists are both named {name}")
        path = self.folder / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        columns = self.con.execute(f"DESCRIBE ({sql})").fetchall()
        masked = [] if self.unmasked else [
            f"{expr} AS {quote_ident(name)}" for name, kind, *_ in columns
            if (expr := _masked_column(name, kind)) is not None]
        select = f"SELECT * REPLACE ({', '.join(masked)}) FROM ({sql})" if masked else sql
        parquet = quote_literal(str(path.with_suffix(".parquet")))
        rows = self.con.execute(f"COPY ({select}) TO {parquet} (FORMAT parquet)").fetchone()[0]
        # the byte order mark opens the header: the first column's name carries it
        header = ", ".join(quote_ident(c[0]) + (f" AS {quote_ident(BOM + c[0])}" if i == 0 else "")
                           for i, c in enumerate(columns))
        self.con.execute(f"COPY (SELECT {header} FROM read_parquet({parquet})) "
                         f"TO {quote_literal(str(path.with_suffix('.csv')))} (FORMAT csv, HEADER)")
        href = f"data/{name}.csv"
        self.counts[href] = rows
        self.written[sql] = href, rows
        return href, rows

    def text(self, value) -> str:
        """A config or data string as the page shows it: escaped, IDs and phones masked."""
        text = "" if value is None else str(value)
        return html.escape(text if self.unmasked else mask_text(text))

    def link(self, name: str, sql: str, shown: int | None = None) -> str:
        """A count linked to its drill-down file; the file's rows are the count shown."""
        href, rows = self.drill(name, sql)
        if shown is not None and shown != rows:
            raise ResolveError(f"report: {name} shows {shown} but its drill-down file has {rows} rows")
        return f'<a href="{href}" data-rows="{rows}">{rows:,}</a>'


class Svg(str):
    """An inline SVG chart: text for the page, drawn as a chart where a notebook shows it."""

    def _repr_svg_(self) -> str:
        return str(self)


def _person_columns(alias: str = "g") -> str:
    return (f"{alias}.person_id, {alias}.name, {alias}.id_number, {alias}.sex, {alias}.birth_date, {alias}.phone, "
            f"{alias}.status, {alias}.sources")


def bar_chart(rows: list[tuple[str, int]], width: int = 640) -> Svg:
    """A horizontal bar chart as inline SVG (no library, nothing fetched); the label column
    as wide as the longest label needs (a CJK character about 12 px)."""
    top = max([n for _, n in rows] + [1])
    bar_h, gap = 18, 6
    def px(text: str) -> int:  # at the chart's 11 px: a CJK character about 11.5, a Latin one 6
        return int(sum(11.5 if ord(c) > 0x2E80 else 6 for c in text))

    label_w = min(max([px(name) + 14 for name, _ in rows] + [60]), 480)
    width = max(width, label_w + 320)
    height = len(rows) * (bar_h + gap) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (name, n) in enumerate(rows):
        y = i * (bar_h + gap)
        w = int((width - label_w - 70) * n / top)
        shown = name  # what fits the label column, the rest after an ellipsis in the tooltip
        while px(shown) + 14 > label_w:
            shown = shown[:-2] + "…"
        parts.append(f'<text x="0" y="{y + 13}"><title>{html.escape(name)}</title>{html.escape(shown)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="#2f6fae"></rect>'
                     f'<text x="{label_w + w + 6}" y="{y + 13}">{n:,}</text>')
    parts.append("</svg>")
    return Svg("".join(parts))


def waterfall_chart(steps: list[tuple[str, int]], width: int = 640) -> Svg:
    """Read at the top, each step taken away, the contribution at the bottom."""
    rows, remaining = [], None
    for step, n in steps:
        if step == "read":
            remaining = n
            rows.append((label(STEPS, step), 0, n, "#12355b"))
        elif step == "counted":
            rows.append((label(STEPS, step), 0, n, "#2e8b57"))
        elif n:
            remaining -= n
            rows.append((label(STEPS, step), remaining, n, "#c0504d"))
    top = max([r[1] + r[2] for r in rows] + [1])
    bar_h, gap, label_w = 18, 6, 170
    height = len(rows) * (bar_h + gap) + 4
    scale = (width - label_w - 80) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (name, start, n, colour) in enumerate(rows):
        y = i * (bar_h + gap)
        x, w = label_w + start * scale, max(n * scale, 1)
        parts.append(f'<text x="0" y="{y + 13}">{html.escape(name)}</text>'
                     f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"></rect>'
                     f'<text x="{x + w + 6:.1f}" y="{y + 13}">{n:,}</text>')
    parts.append("</svg>")
    return Svg("".join(parts))


def _figure_rows_sql(con, figure: str, district: str | None) -> str:
    entity, where, column = con.execute(
        "SELECT entity, where_sql, district_column FROM recon_figure_definitions WHERE figure = ?", [figure]).fetchall()[0]
    if district == UNKNOWN_DISTRICT:
        district_filter = f" AND {quote_ident(column)} IS NULL"
    else:
        district_filter = f" AND {quote_ident(column)}::VARCHAR = {quote_literal(district)}" if district else ""
    facts = f"SELECT * FROM recon_{entity}_facts WHERE ({where}){district_filter}"
    if entity == "person":
        return (f"SELECT f.*, g.name, g.id_number, g.phone, g.birth_date FROM ({facts}) f "
                "JOIN person_golden g USING (person_id) ORDER BY person_id")
    return f"{facts} ORDER BY 1"


REPORT_FOLDER = "report"
UNMASKED_FOLDER = "report-unmasked"  # never the folder a masked report is shared from


def publish_report(out: Path, unmasked: bool = False, permissions: str = "owner") -> Path:
    """Rebuild ``out``'s report from its registry in a fresh folder and swap it in whole:
    ``report/`` (masked) or ``report-unmasked/``, so no file of an earlier report survives."""
    from resolve.outputs import building, commit, committing, output_folder, remove

    registry = out / "registry.duckdb"
    if not registry.exists():
        raise ResolveError(f"{registry}: no registry here; run `resolve run CONFIG --out DIR` first")
    name = UNMASKED_FOLDER if unmasked else REPORT_FOLDER
    with output_folder(out, permissions):
        folder = building(out, name)
        try:
            build_report(registry, folder, unmasked=unmasked)
            commit(out, [(folder, out / name)], permissions)
        except BaseException:
            if not committing(out):
                remove(folder)
            raise
    return out / name / "index.html"


def build_report(registry: Path, folder: Path, unmasked: bool = False) -> Path:
    """Write ``folder/index.html`` and its drill-down files from ``registry``."""
    if not registry.exists():
        raise ResolveError(f"{registry}: no registry here; run `resolve run CONFIG --out DIR` first")
    con = duckdb.connect(str(registry), read_only=True)
    con.execute("SET enable_progress_bar = false")
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "recon_figures" not in tables:
            raise ResolveError(f"{registry}: no recon_figures table; rebuild it with this version's `resolve run`")
        folder.mkdir(parents=True, exist_ok=True)
        w = _Writer(con, folder, unmasked,
                    departments=dict(con.execute("SELECT source, department FROM ingest_sources").fetchall()),
                    districts=dict(con.execute("SELECT district_code, district FROM ref_district").fetchall())
                    if "ref_district" in tables else {})
        info = dict(con.execute("SELECT key, value FROM run_info").fetchall())
        page = [_figures_section(con, w), _district_section(con, w), _estimate_section(con, w, tables),
                _waterfall_section(con, w), _overlap_section(con, w), _dispute_section(con, w),
                _non_dwelling_section(con, w, tables), _override_section(con, w, tables),
                _reproduce_section(w, info)]
    finally:
        con.close()
    title = f"{info.get('city', '')} 人口与法人、房屋基础库 对账报告"
    document = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{w.text(title)}</title><style>{CSS}</style><script>{SCRIPT}</script></head><body>"
        f"<header><h1>{w.text(title)}</h1><p>数据截止 {w.text(info.get('snapshot_date', ''))} · "
        f"生成于 {w.text(info.get('finished_at', ''))} · 身份证号与电话{'未' if unmasked else '已'}脱敏 · "
        "对账报告：一致口径、各部门数据流、来源重叠、争议清单</p></header>"
        f"<main>{''.join(page)}</main></body></html>")
    index = folder / "index.html"
    index.write_text(document, encoding="utf-8")
    return index


# How far an estimate's sampling error lets it be published (the coefficient of variation,
# standard error / estimate, as Statistics Canada grades survey estimates): up to 16.5 %
# acceptable, up to 33.3 % to be used with caution, beyond that too unreliable to publish alone.
CAUTION_CV, UNRELIABLE_CV = 0.165, 0.333


def _caution(estimate, standard_error) -> str:
    """What the page says of an estimate whose interval is too wide for the figure."""
    if not estimate or standard_error is None:
        return ""
    cv = standard_error / estimate
    if cv > UNRELIABLE_CV:
        return f'<span class="caution">区间过宽（变异系数 {cv:.0%}），不宜单独发布</span>'
    if cv > CAUTION_CV:
        return f'<span class="caution">区间较宽（变异系数 {cv:.0%}），使用时需谨慎</span>'
    return ""


def _estimate_rows_sql(district: str | None) -> str:
    where = "" if district is None else f"WHERE district_code IS NOT DISTINCT FROM {quote_literal(district)}" \
        if district != UNKNOWN_DISTRICT else "WHERE district_code IS NULL"
    return f"SELECT * FROM recon_person_estimate {where} ORDER BY person_id, district_code"


def _figures_section(con, w: _Writer) -> str:
    definitions = con.execute("SELECT figure, label FROM recon_figure_definitions").fetchall()
    rows = {f: (label_, v, lo, hi, u) for f, label_, v, lo, hi, u in con.execute(
        "SELECT figure, label, value, low, high, uncertain FROM recon_figures WHERE district_code IS NULL").fetchall()}
    lead = ""
    if ESTIMATE_FIGURE in rows:
        label_, value, low, high, _ = rows[ESTIMATE_FIGURE]
        se = con.execute("SELECT standard_error FROM recon_resident_estimate WHERE district_code IS NULL").fetchone()
        href, n = w.drill("estimate_persons_city", _estimate_rows_sql(None))
        listed = ""
        if "resident_population" in rows:
            listed_value = rows["resident_population"][1]
            listed = (f'<div class="r">名单（逐人认定居住在本市）：'
                      f'{w.link("figure_resident_population", _figure_rows_sql(con, "resident_population", None), listed_value)} 人'
                      f'（<a href="#waterfalls">各部门如何得出</a>）</div>')
        lead = (f'<div class="card lead" data-figure="{ESTIMATE_FIGURE}"><div>{w.text(label_)} '
                f'<small>{ESTIMATE_FIGURE}</small></div><div class="v">{value:,}</div>'
                f'<div class="r">95% 区间 {low:,} – {high:,} · <a href="{href}" data-rows="{n}">每人份额明细</a>'
                f'（{n:,} 行）</div>{listed}{_caution(value, se[0] if se else None)}</div>')
    cards = []
    for figure, label_ in definitions:
        if figure not in rows:
            continue
        _, value, low, high, uncertain = rows[figure]
        link = w.link(f"figure_{figure}", _figure_rows_sql(con, figure, None), value)
        cards.append(f'<div class="card" data-figure="{w.text(figure)}"><div>{w.text(label_)} '
                     f'<small>{w.text(figure)}</small></div><div class="v">{link}</div><div class="r">'
                     f'匹配阈值上下限区间 {low:,} – {high:,} · 成员不确定的实体 {uncertain:,}</div></div>')
    return ('<section id="figures"><h2>一致口径数据 <small>全市</small></h2>'
            f'<div class="cards">{lead}{"".join(cards)}</div><p class="note">实有人口以入户调查校准的估计数为准，'
            '其 95% 区间为抽样误差；名单是逐人认定的登记数，列在旁边。其余每个数字都链接到其明细文件（CSV，同名 '
            'Parquet 在旁），文件行数等于所示数字；其区间为在较低与较高匹配阈值下的同一口径。</p></section>')


def _district_section(con, w: _Writer) -> str:
    labels = dict(con.execute("SELECT figure, label FROM recon_figure_definitions").fetchall())
    figures = [f for f in labels if con.execute("SELECT count(*) FROM recon_figures WHERE figure = ?", [f]).fetchone()[0]]
    districts = [r[0] for r in con.execute(
        "SELECT DISTINCT district_code FROM recon_figures WHERE district_code IS NOT NULL "
        f"ORDER BY district_code = {quote_literal(UNKNOWN_DISTRICT)}, district_code").fetchall()]
    values = {(f, d): v for f, d, v in con.execute("SELECT figure, district_code, value FROM recon_figures").fetchall()}
    estimates = {d: (e, lo, hi) for d, e, lo, hi in con.execute(
        "SELECT district_code, value, low, high FROM recon_figures WHERE figure = ?", [ESTIMATE_FIGURE]).fetchall()}
    errors = dict(con.execute("SELECT coalesce(district_code, '__city'), standard_error "
                              "FROM recon_resident_estimate").fetchall())
    head = "".join(f"<th>{w.text(labels[f])}</th>" for f in figures)
    body = []
    for d in districts + [None]:
        cells = []
        for f in figures:
            v = values.get((f, d))
            name = f"figure_{f}_{d or 'city'}"
            cells.append(f"<td>{w.link(name, _figure_rows_sql(con, f, d), v)}</td>" if v else "<td>0</td>")
        est = estimates.get(d)
        estimate = (f"<td>{est[0]:,}<br><small>{est[1]:,} – {est[2]:,}</small></td>"
                    f"<td class='l'>{_caution(est[0], errors.get(d or '__city'))}</td>" if est else "<td></td><td></td>")
        body.append(f"<tr><td>{w.district(d)}</td>{''.join(cells)}{estimate}</tr>")
    separation = con.execute("SELECT registered_district_code, residence_district_code, persons FROM "
                             "recon_separation ORDER BY persons DESC LIMIT 20").fetchall()
    sep = "".join(
        f"<tr><td>{w.district(a)}</td><td>{w.district(b)}</td><td>"
        + w.link(f"separation_{a}_{b}", f"""
            SELECT f.person_id, g.name, g.id_number, f.registered_district_code, f.residence_district_code
            FROM recon_person_facts f JOIN person_golden g USING (person_id)
            WHERE f.alive AND f.registered_in_city AND f.resident_in_city AND f.resident_basis = 'residence_statement'
              AND f.registered_district_code = {quote_literal(a)} AND f.residence_district_code = {quote_literal(b)}
            ORDER BY f.person_id""", n) + "</td></tr>" for a, b, n in separation)
    return ('<section id="districts"><h2>分区统计 <small>各区（GB/T 2260 区划代码）之和等于全市</small></h2>'
            f'<div class="scroll"><table><tr><th>区</th>{head}<th>实有人口估计（95% 区间）</th><th>说明</th></tr>'
            f'{"".join(body)}</table></div><p class="note">“{UNKNOWN_DISTRICT_LABEL}”是计入口径但无法确定所在区的实体，'
            '使各区之和等于全市。估计数按区分别四舍五入，合计可能与全市差一两人。</p>'
            '<h3>人户分离 <small>户籍在一区、居住在另一区</small></h3>'
            f'<table><tr><th>户籍区</th><th>居住区</th><th>人数</th></tr>{sep}</table></section>')


def _estimate_section(con, w: _Writer, tables: set[str]) -> str:
    if "recon_resident_estimate" not in tables:
        return ""
    rows = con.execute("SELECT district_code, counted, estimate, standard_error, found_by_survey, survey_only, unseen "
                       "FROM recon_resident_estimate ORDER BY district_code NULLS FIRST").fetchall()

    def n(v) -> str:  # a figure the survey cannot give (no source beside it to compare with)
        return "—" if v is None else f"{v:,}"

    listed = "resident_population" in _figures(con)
    members = "recon_resident_members" in tables
    body = []
    for d, c, e, se, found, only, unseen in rows:
        key = d or "city"
        counted = (w.link(f"figure_resident_population_{key}", _figure_rows_sql(con, "resident_population", d), c)
                   if c and listed else n(c))
        only_link = w.link(f"estimate_survey_only_{key}", f"SELECT * FROM ({_estimate_rows_sql(d)}) "
                           "WHERE kind = 'survey_only'", only) if only else n(only)
        shares = w.drill(f"estimate_persons_{key}", _estimate_rows_sql(d))[0]
        in_district = "" if d is None else f"AND coalesce(survey_district, {quote_literal(UNKNOWN_DISTRICT)}) = {quote_literal(d)}"
        found_link = w.link(f"estimate_found_{key}", "SELECT * FROM recon_resident_members WHERE found "
                            f"{in_district} ORDER BY person_id", found) if found and members else n(found)
        body.append(
            f"<tr><td>{w.district(d)}</td><td>{counted}</td><td>{n(e)}</td>"
            f"<td>{'—' if se is None else f'± {1.96 * se:,.0f}'}</td><td>{found_link}</td>"
            f"<td>{only_link}</td><td>{n(unseen)}</td><td><a href=\"{shares}\">明细</a></td>"
            f"<td class='l'>{_caution(e, se)}</td></tr>")
    classes = con.execute("SELECT kind, recency, persons, found, residency_rate, basis FROM recon_resident_classes "
                          "ORDER BY kind, recency").fetchall()
    cls = []
    for k, r, persons, found, rate, basis in classes:
        who = (f"SELECT * FROM recon_resident_members WHERE has_other AND kind = {quote_literal(k)} "
               f"AND recency = {quote_literal(r)}")
        cls.append(f"<tr><td>{w.text(label(EVIDENCE_KINDS, k))}</td><td>{w.text(label(RECENCY, r))}</td>"
                   f"<td>{w.link(f'class_{k}_{r}', who + ' ORDER BY person_id', persons) if members else n(persons)}</td>"
                   f"<td>{w.link(f'class_{k}_{r}_found', who + ' AND found ORDER BY person_id', found) if members else n(found)}</td>"
                   f"<td>{'' if rate is None else f'{rate:.3f}'}</td><td>{w.text(label(BASIS, basis))}</td></tr>")
    return ('<section id="estimate"><h2>实有人口估计 <small>以入户调查校准</small></h2>'
            '<p class="note">登记数是名单：每个被证据认定居住在本市的人。估计数另计入入户调查查得的比例所推算的：'
            '旧登记中仍在住的人、仅有社保等无地址记录的人，以及没有任何部门登记的人（未登记）。± 为 95% 抽样误差。</p>'
            '<div class="scroll"><table><tr><th>区</th><th>登记</th><th>估计</th><th>误差 ±</th><th>调查查得</th>'
            f'<th>仅调查登记</th><th>未登记（推算）</th><th>每人份额</th><th>说明</th></tr>{"".join(body)}</table></div>'
            '<h3>证据类别及其居住率</h3><table><tr><th>类别</th><th>最新记录</th><th>人数</th><th>调查查得</th>'
            f'<th>居住率</th><th>依据</th></tr>{"".join(cls)}</table></section>')


def _figures(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT figure FROM recon_figure_definitions").fetchall()}


def _waterfall_section(con, w: _Writer) -> str:
    flows = con.execute("SELECT DISTINCT source, figure FROM recon_waterfall ORDER BY source, figure").fetchall()
    labels = dict(con.execute("SELECT figure, label FROM recon_figure_definitions").fetchall())
    sentences = {(s, f): t for s, f, t in con.execute("SELECT source, figure, sentence FROM recon_explanations").fetchall()}
    behind = {}
    for source, figure, step, according, n in con.execute(
            "SELECT source, figure, step, according_to, count(*) FROM recon_waterfall_records "
            "WHERE according_to IS NOT NULL GROUP BY ALL ORDER BY 5 DESC").fetchall():
        named = label(QUARANTINE_REASONS, according) if step == "quarantined" else "、".join(
            w.departments.get(s, s) for s in according.split(","))
        behind.setdefault((source, figure, step), []).append(f"{named} {n:,}")
    parts = []
    for source, figure in flows:
        steps = con.execute("SELECT step, records FROM recon_waterfall WHERE source = ? AND figure = ? "
                            "ORDER BY step_order", [source, figure]).fetchall()
        cells = []
        for step, n in steps:
            where = "" if step == "read" else f"AND step = {quote_literal(step)}"
            link = w.link(f"waterfall_{source}_{figure}_{step}", f"""
                SELECT source, record_key, row_number, entity_id, step, according_to FROM recon_waterfall_records
                WHERE source = {quote_literal(source)} AND figure = {quote_literal(figure)} {where}
                ORDER BY row_number""", n)
            cells.append(f"<tr><td>{w.text(label(STEPS, step))}</td><td>{link}</td>"
                         f"<td class='w'>{w.text('；'.join(behind.get((source, figure, step), [])))}</td></tr>")
        parts.append(f'<details class="flow"{"" if parts else " open"}><summary><b>{w.department(source)} → '
                     f'{w.text(labels.get(figure, figure))}</b><br><span class="note">'
                     f'{w.text(sentences.get((source, figure), ""))}</span></summary>'
                     f'<div class="waterfall" data-source="{w.text(source)}" data-figure="{w.text(figure)}">'
                     f'{waterfall_chart(steps)}</div><table><tr><th>步骤</th><th>记录数</th><th class="l">依据</th></tr>'
                     f'{"".join(cells)}</table></details>')
    return ('<section id="waterfalls"><h2>各部门数据流 <small>从每个部门的原始记录到一致口径；点击展开</small></h2>'
            f'{"".join(parts)}</section>')


def _overlap_section(con, w: _Writer) -> str:
    rows = con.execute("SELECT sources, persons FROM recon_overlap ORDER BY persons DESC LIMIT 15").fetchall()
    table, chart = [], []
    for sources, n in rows:
        names = " + ".join(w.departments.get(s, s) for s in sources.split(","))
        link = w.link(f"overlap_{sources.replace(',', '+')}", f"""
            SELECT {_person_columns()} FROM person_golden g WHERE g.sources = {quote_literal(sources)}
            ORDER BY g.person_id""", n)
        table.append(f"<tr><td>{w.text(names)}</td><td>{link}</td></tr>")
        chart.append((names, n))
    return ('<section id="overlaps"><h2>来源重叠 <small>每种部门组合共同确认的人数</small></h2>'
            f'<div class="overlap-chart scroll">{bar_chart(chart, width=760)}</div><table><tr><th>部门组合</th>'
            f'<th>人数</th></tr>{"".join(table)}</table></section>')


def _dispute_section(con, w: _Writer) -> str:
    counts = con.execute("SELECT reason, count(*) FROM recon_disputes GROUP BY 1 ORDER BY 2 DESC").fetchall()
    summary = "".join(
        f"<tr><td>{w.text(label(DISPUTE_REASONS, r))}</td><td>"
        f"{w.link(f'disputes_{r}', f'SELECT * FROM recon_disputes WHERE reason = {quote_literal(r)} ORDER BY entity_id', n)}"
        "</td></tr>" for r, n in counts)
    rows = con.execute("SELECT reason, entity_id, detail, match_probability FROM recon_disputes "
                       "ORDER BY reason, entity_id LIMIT 300").fetchall()
    body = "".join(
        f"<tr><td class='l'>{w.text(label(DISPUTE_REASONS, reason))}</td><td class='l'>{w.text(entity)}</td>"
        f"<td class='w'>{w.text(detail)}</td><td>{'' if p is None else f'{p:.3f}'}</td></tr>"
        for reason, entity, detail, p in rows)
    return ('<section id="disputes-section"><h2>争议清单 <small>原因与匹配解释</small></h2>'
            f'<table>{summary}</table>'
            '<input id="dispute-filter" placeholder="筛选：原因、编号、部门…">'
            '<button id="dispute-prev" type="button">上一页</button><button id="dispute-next" type="button">下一页</button>'
            '<span id="dispute-page" class="note"></span>'
            '<table id="disputes" class="fixed"><colgroup><col class="c-reason"><col class="c-id"><col class="c-detail"><col class="c-p"></colgroup>'
            '<thead><tr><th>原因</th><th class="l">实体</th><th class="l">详情</th><th>匹配概率</th></tr></thead>'
            f'<tbody>{body}</tbody></table><p class="note">页面列出前 300 条，每页 25 条；完整清单见上方各原因的链接。'
            '详情中的数字是每项比较为匹配加减的权重（以 2 为底的对数似然比）。</p></section>')


def _non_dwelling_section(con, w: _Writer, tables: set[str]) -> str:
    if "recon_property_facts" not in tables or "person_residence" not in tables:
        return ""
    where = "NOT f.is_dwelling AND f.residents > 0"
    n = con.execute(f"SELECT count(*) FROM recon_property_facts f WHERE {where}").fetchone()[0]
    listing = w.link("non_dwellings_with_residents", f"""
        SELECT f.property_id, p.address, f.use, f.district_code, f.residents FROM recon_property_facts f
        JOIN property_golden p USING (property_id) WHERE {where} ORDER BY f.residents DESC, f.property_id""", n)
    rows = con.execute(f"""SELECT f.property_id, p.address, f.use, f.district_code, f.residents
                           FROM recon_property_facts f JOIN property_golden p USING (property_id)
                           WHERE {where} ORDER BY f.residents DESC, f.property_id LIMIT 30""").fetchall()
    body = []
    for pid, address, use, district, residents in rows:
        who = w.link(f"non_dwelling_{pid}", f"""
            SELECT r.property_id, g.person_id, g.name, g.id_number, g.status,
                   (SELECT list(x.source || ':' || x.record_key ORDER BY x.source, x.record_key)
                    FROM person_xref x WHERE x.person_id = g.person_id) AS records
            FROM person_residence r JOIN person_golden g USING (person_id)
            WHERE r.property_id = {quote_literal(pid)} AND g.status = 'active' ORDER BY g.person_id""", residents)
        body.append(f"<tr><td class='l'>{w.text(address)}</td><td>{w.text(label(USES, use))}</td><td>{w.district(district)}</td>"
                    f"<td>{who}</td></tr>")
    return ('<section id="non-dwellings"><h2>登记有居民的非住宅 <small>公厕、配电房等不应有人居住</small></h2>'
            f'<p>共 {listing} 处。这些人不计入实有人口名单（居住地非住宅），其记录需核实。</p>'
            '<div class="scroll"><table><tr><th>地址</th><th>用途</th><th>区</th><th>登记居住人数</th></tr>'
            f'{"".join(body)}</table></div></section>')


def _override_section(con, w: _Writer, tables: set[str]) -> str:
    if "override_status" not in tables:
        return ""
    counts = con.execute("SELECT status, count(*) FROM override_status GROUP BY 1 ORDER BY 1").fetchall()
    if not counts:
        return ('<section id="overrides"><h2>人工更正</h2>'
                '<p class="note">更正日志为空。</p></section>')
    summary = "".join(
        f"<tr><td>{w.text(label(OVERRIDE_STATUS, s))}</td><td>"
        f"{w.link(f'overrides_{s}', f'SELECT * FROM override_status WHERE status = {quote_literal(s)} ORDER BY file, line', n)}"
        "</td></tr>" for s, n in counts)
    lineage = " UNION ALL ".join(
        f"SELECT '{e}' AS entity, {e}_id AS entity_id, attribute, record_key AS override_id FROM {e}_lineage "
        f"WHERE source = 'override'" for e in ("person", "enterprise", "property") if f"{e}_lineage" in tables)
    n_values = con.execute(f"SELECT count(*) FROM ({lineage})").fetchone()[0] if lineage else 0
    values = w.link("override_values", f"SELECT * FROM ({lineage}) ORDER BY entity, entity_id, attribute",
                    n_values) if lineage else "0"
    rows = con.execute("""SELECT override_id, kind, status, detail, array_to_string(records, ' '), entity_id,
                                 author, date, reason, evidence FROM override_status WHERE status <> 'applied'
                          ORDER BY file, line LIMIT 300""").fetchall()
    body = "".join("<tr>" + "".join(
        f"<td class='l'>{w.text(label(OVERRIDE_STATUS, v) if i == 2 else (v or ''))}</td>" for i, v in enumerate(r))
        + "</tr>" for r in rows)
    return ('<section id="overrides"><h2>人工更正 <small>更正日志中每一条的结果</small></h2>'
            f'<table>{summary}</table><p>由更正设定的黄金记录取值：{values}</p>'
            '<h3>未生效的更正及原因</h3><div class="scroll">'
            '<table><tr><th>编号</th><th>类型</th><th>状态</th><th>说明</th><th>记录</th>'
            '<th>实体</th><th>提交人</th><th>日期</th><th>理由</th><th>依据</th></tr>'
            f'{"".join(body)}</table></div></section>')


def _reproduce_section(w: _Writer, info: dict) -> str:
    command = w.text(info.get("command") or f"resolve run {info.get('config', 'CONFIG')} --out DIR")
    rows = "".join(f"<tr><td>{w.text(k)}</td><td class='l'>{w.text(v)}</td></tr>" for k, v in info.items())
    return ('<section id="reproduce"><h2>如何复现</h2>'
            f'<p>构建本登记库的命令：<code>{command}</code>；'
            f'<code>resolve report --registry DIR{" --unmasked" if w.unmasked else ""}</code> 仅重建报告。</p>'
            f'<div class="scroll"><table class="fixed"><tr><th>项目</th><th>取值</th></tr>{rows}</table></div></section>')
