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
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from resolve.engine import quote_ident, quote_literal
from resolve.errors import ResolveError

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


def mask_sql(expr: str) -> str:
    """``expr`` (a VARCHAR) with every ID and mobile number in it masked."""
    for pattern, replacement in VALUE_MASKS * 2:
        expr = f"regexp_replace({expr}, {quote_literal(pattern)}, {quote_literal(replacement)}, 'g')"
    return expr


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

STEP_LABELS = {
    "read": "读取记录", "quarantined": "隔离（无法读取）", "duplicate_in_source": "本部门内重复",
    "deceased": "已死亡（据其他部门）", "moved_out": "已迁出", "not_a_dwelling": "居住地非住宅", "lives_outside_city": "居住在市外",
    "no_address_in_city": "市内无有效地址", "out_of_scope": "不在口径内", "counted": "计入口径",
}
REASON_LABELS = {
    "birth_date_conflict": "出生日期冲突", "sex_conflict": "性别冲突", "status_conflict": "状态冲突（死亡与在册并存）",
    "residence_conflict": "居住地冲突", "merged_near_threshold": "阈值附近的合并",
    "nearly_matched_another_person": "险些匹配到另一人",
}

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
code{background:#f1f3f6;padding:1px 4px;border-radius:3px}td.l{text-align:left}
"""

SCRIPT = """
function filterDisputes(){var q=document.getElementById('dispute-filter').value.toLowerCase();
var rows=document.querySelectorAll('#disputes tbody tr');for(var i=0;i<rows.length;i++){
rows[i].style.display=rows[i].textContent.toLowerCase().indexOf(q)>=0?'':'none';}}
document.addEventListener('DOMContentLoaded',function(){var f=document.getElementById('dispute-filter');
if(f){f.addEventListener('input',filterDisputes);}});
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


# Nothing runs or loads but the page's own style and script, by their hashes: no inline
# handler, no inline style attribute, no file fetched.
CSP = (f"default-src 'none'; style-src {_sha256(CSS)}; script-src {_sha256(SCRIPT)}; img-src data:; "
       "base-uri 'none'; form-action 'none'")


@dataclass
class _Writer:
    """Writes drill-down files and remembers each one's row count for the page's links."""

    con: duckdb.DuckDBPyConnection
    folder: Path
    unmasked: bool
    counts: dict[str, int] = field(default_factory=dict)

    def drill(self, name: str, sql: str) -> tuple[str, int]:
        """Write ``<folder>/<name>.csv`` (UTF-8 with a BOM, for spreadsheets) and ``.parquet``
        from ``sql``, IDs and phones masked unless asked otherwise; return (href, rows)."""
        name = re.sub(r"[^0-9A-Za-z_\-]", "_", name)
        path = self.folder / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        columns = self.con.execute(f"DESCRIBE ({sql})").fetchall()
        masked = [] if self.unmasked else [
            f"{expr} AS {quote_ident(name)}" for name, kind, *_ in columns
            if (expr := _masked_column(name, kind)) is not None]
        select = f"SELECT * REPLACE ({', '.join(masked)}) FROM ({sql})" if masked else sql
        body, parquet = path.with_suffix(".csv.part"), quote_literal(str(path.with_suffix(".parquet")))
        rows = self.con.execute(f"COPY ({select}) TO {parquet} (FORMAT parquet)").fetchone()[0]
        self.con.execute(f"COPY (SELECT * FROM read_parquet({parquet})) TO {quote_literal(str(body))} (FORMAT csv, HEADER)")
        with open(path.with_suffix(".csv"), "wb") as out, open(body, "rb") as part:
            out.write(b"\xef\xbb\xbf")
            shutil.copyfileobj(part, out, 1 << 20)
        body.unlink()
        href = f"data/{name}.csv"
        self.counts[href] = rows
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


OVERRIDE_LABELS = {"applied": "已生效", "stale": "已失效", "conflict": "相互冲突", "superseded": "已被取代",
                   "revoked": "已撤销"}


def _person_columns(alias: str = "g") -> str:
    return (f"{alias}.person_id, {alias}.name, {alias}.id_number, {alias}.sex, {alias}.birth_date, {alias}.phone, "
            f"{alias}.status, {alias}.sources")


def _bar_chart(rows: list[tuple[str, int]], width: int = 640) -> str:
    """A horizontal bar chart as inline SVG (no library, nothing fetched)."""
    top = max([n for _, n in rows] + [1])
    bar_h, gap, label_w = 18, 6, 190
    height = len(rows) * (bar_h + gap) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (label, n) in enumerate(rows):
        y = i * (bar_h + gap)
        w = int((width - label_w - 70) * n / top)
        parts.append(f'<text x="0" y="{y + 13}">{html.escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="#2f6fae"></rect>'
                     f'<text x="{label_w + w + 6}" y="{y + 13}">{n:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _waterfall_chart(steps: list[tuple[str, int]], width: int = 640) -> str:
    """Read at the top, each step taken away, the contribution at the bottom."""
    rows, remaining = [], None
    for step, n in steps:
        if step == "read":
            remaining = n
            rows.append((STEP_LABELS[step], 0, n, "#12355b"))
        elif step == "counted":
            rows.append((STEP_LABELS[step], 0, n, "#2e8b57"))
        elif n:
            remaining -= n
            rows.append((STEP_LABELS.get(step, step), remaining, n, "#c0504d"))
    top = max([r[1] + r[2] for r in rows] + [1])
    bar_h, gap, label_w = 18, 6, 170
    height = len(rows) * (bar_h + gap) + 4
    scale = (width - label_w - 80) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (label, start, n, colour) in enumerate(rows):
        y = i * (bar_h + gap)
        x, w = label_w + start * scale, max(n * scale, 1)
        parts.append(f'<text x="0" y="{y + 13}">{html.escape(label)}</text>'
                     f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"></rect>'
                     f'<text x="{x + w + 6:.1f}" y="{y + 13}">{n:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _figure_rows_sql(con, figure: str, district: str | None) -> str:
    entity, where, column = con.execute(
        "SELECT entity, where_sql, district_column FROM recon_figure_definitions WHERE figure = ?", [figure]).fetchall()[0]
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
        w = _Writer(con, folder, unmasked)
        info = dict(con.execute("SELECT key, value FROM run_info").fetchall())
        page = [_figures_section(con, w), _waterfall_section(con, w), _overlap_section(con, w),
                _dispute_section(con, w), _district_section(con, w), _estimate_section(con, w, tables),
                _override_section(con, w, tables),
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
        "Reconciliation report: agreed figures, source waterfalls, overlaps, disputes</p></header>"
        f"<main>{''.join(page)}</main></body></html>")
    index = folder / "index.html"
    index.write_text(document, encoding="utf-8")
    return index


def _figures_section(con, w: _Writer) -> str:
    rows = con.execute("""SELECT f.figure, f.label, f.value, f.low, f.high, f.uncertain FROM recon_figures f
                          WHERE f.district_code IS NULL
                          ORDER BY f.figure NOT IN ('registered_population', 'resident_population'), f.figure""").fetchall()
    cards = []
    for figure, label, value, low, high, uncertain in rows:
        link = w.link(f"figure_{figure}", _figure_rows_sql(con, figure, None), value)
        cards.append(f'<div class="card" data-figure="{w.text(figure)}"><div>{w.text(label)} <small>{w.text(figure)}</small></div>'
                     f'<div class="v">{link}</div><div class="r">区间 {low:,} – {high:,}（阈值上下限）· '
                     f'成员不确定的实体 {uncertain:,}</div></div>')
    return ('<section id="figures"><h2>一致口径数据 <small>Agreed figures, whole city</small></h2>'
            f'<div class="cards">{"".join(cards)}</div><p class="note">每个数字都链接到其明细文件（CSV，同名 '
            'Parquet 在旁），文件行数等于所示数字。区间为在较低与较高匹配阈值下的同一口径。</p></section>')


def _waterfall_section(con, w: _Writer) -> str:
    flows = con.execute("SELECT DISTINCT source, figure FROM recon_waterfall ORDER BY source, figure").fetchall()
    labels = dict(con.execute("SELECT figure, label FROM recon_figure_definitions").fetchall())
    sentences = {(s, f): t for s, f, t in con.execute("SELECT source, figure, sentence FROM recon_explanations").fetchall()}
    parts = []
    for source, figure in flows:
        steps = con.execute("SELECT step, records FROM recon_waterfall WHERE source = ? AND figure = ? "
                            "ORDER BY step_order", [source, figure]).fetchall()
        cells = []
        for step, n in steps:
            if step == "read":
                cells.append(f"<tr><td>{w.text(STEP_LABELS[step])}</td><td>{n:,}</td></tr>")
                continue
            link = w.link(f"waterfall_{source}_{figure}_{step}", f"""
                SELECT source, record_key, row_number, entity_id, according_to FROM recon_waterfall_records
                WHERE source = {quote_literal(source)} AND figure = {quote_literal(figure)}
                  AND step = {quote_literal(step)} ORDER BY row_number""", n)
            cells.append(f"<tr><td>{w.text(STEP_LABELS.get(step, step))}</td><td>{link}</td></tr>")
        parts.append(f'<h3>{w.text(source)} → {w.text(labels.get(figure, figure))} <small>{w.text(figure)}</small></h3>'
                     f'<p class="note">{w.text(sentences.get((source, figure), ""))}</p>'
                     f'<div class="waterfall" data-source="{w.text(source)}" data-figure="{w.text(figure)}">'
                     f'{_waterfall_chart(steps)}</div><table><tr><th>步骤 step</th><th>记录数</th></tr>'
                     f'{"".join(cells)}</table>')
    return ('<section id="waterfalls"><h2>各部门数据流 <small>From each department\'s rows to the agreed '
            f'figure</small></h2>{"".join(parts)}</section>')


def _overlap_section(con, w: _Writer) -> str:
    rows = con.execute("SELECT sources, persons FROM recon_overlap ORDER BY persons DESC LIMIT 15").fetchall()
    table = []
    for sources, n in rows:
        link = w.link(f"overlap_{sources.replace(',', '+')}", f"""
            SELECT {_person_columns()} FROM person_golden g WHERE g.sources = {quote_literal(sources)}
            ORDER BY g.person_id""", n)
        table.append(f"<tr><td>{w.text(sources.replace(',', ' + '))}</td><td>{link}</td></tr>")
    chart = _bar_chart([(s.replace(",", "+")[:28], n) for s, n in rows], width=760)
    return ('<section id="overlaps"><h2>来源重叠 <small>How many persons each combination of sources '
            f'confirms</small></h2><div class="overlap-chart">{chart}</div><table><tr><th>来源组合</th>'
            f'<th>人数</th></tr>{"".join(table)}</table></section>')


def _dispute_section(con, w: _Writer) -> str:
    counts = con.execute("SELECT reason, count(*) FROM recon_disputes GROUP BY 1 ORDER BY 2 DESC").fetchall()
    summary = "".join(
        f"<tr><td>{w.text(REASON_LABELS.get(r, r))} <small>{w.text(r)}</small></td><td>"
        f"{w.link(f'disputes_{r}', f'SELECT * FROM recon_disputes WHERE reason = {quote_literal(r)} ORDER BY entity_id', n)}"
        "</td></tr>" for r, n in counts)
    rows = con.execute("SELECT kind, reason, entity_id, detail, match_probability FROM recon_disputes "
                       "ORDER BY reason, entity_id LIMIT 300").fetchall()
    body = "".join(
        f"<tr><td>{w.text(REASON_LABELS.get(reason, reason))}</td><td>{w.text(entity)}</td>"
        f"<td class='l'>{w.text(detail)}</td>"
        f"<td>{'' if p is None else f'{p:.3f}'}</td></tr>" for _kind, reason, entity, detail, p in rows)
    return ('<section id="disputes-section"><h2>争议清单 <small>Disputes, with reason codes and match '
            f'explanations</small></h2><table>{summary}</table>'
            '<input id="dispute-filter" placeholder="筛选 filter…">'
            '<table id="disputes"><thead><tr><th>原因</th><th>实体</th><th>详情</th><th>匹配概率</th></tr></thead>'
            f'<tbody>{body}</tbody></table><p class="note">页面显示前 300 条；完整清单见上方链接。</p></section>')


def _district_section(con, w: _Writer) -> str:
    labels = dict(con.execute("SELECT figure, label FROM recon_figure_definitions").fetchall())
    figures = [r[0] for r in con.execute("SELECT DISTINCT figure FROM recon_figures ORDER BY 1").fetchall()]
    districts = [r[0] for r in con.execute("SELECT DISTINCT district_code FROM recon_figures "
                                           "WHERE district_code IS NOT NULL ORDER BY 1").fetchall()]
    values = {(f, d): v for f, d, v in con.execute(
        "SELECT figure, district_code, value FROM recon_figures WHERE district_code IS NOT NULL").fetchall()}
    head = "".join(f"<th>{w.text(labels.get(f, f))}</th>" for f in figures)
    body = []
    for d in districts:
        cells = []
        for f in figures:
            v = values.get((f, d))
            cells.append(f"<td>{w.link(f'figure_{f}_{d}', _figure_rows_sql(con, f, d), v)}</td>" if v else "<td>0</td>")
        body.append(f"<tr><td>{w.text(d)}</td>{''.join(cells)}</tr>")
    separation = con.execute("SELECT registered_district_code, residence_district_code, persons FROM "
                             "recon_separation ORDER BY persons DESC LIMIT 20").fetchall()
    sep = "".join(f"<tr><td>{w.text(a)}</td><td>{w.text(b)}</td><td>{n:,}</td></tr>" for a, b, n in separation)
    return ('<section id="districts"><h2>分区统计 <small>Per district (GB/T 2260 codes)</small></h2>'
            f'<table><tr><th>区划代码</th>{head}</tr>{"".join(body)}</table>'
            '<h3>人户分离 <small>registered in one district, living in another</small></h3>'
            f'<table><tr><th>户籍区</th><th>居住区</th><th>人数</th></tr>{sep}</table></section>')


def _estimate_section(con, w: _Writer, tables: set[str]) -> str:
    if "recon_resident_estimate" not in tables:
        return ""
    rows = con.execute("SELECT district_code, counted, estimate, standard_error, found_by_survey, survey_only, unseen "
                       "FROM recon_resident_estimate ORDER BY district_code NULLS FIRST").fetchall()
    def n(v) -> str:  # a figure the survey cannot give (no source beside it to compare with)
        return "—" if v is None else f"{v:,}"

    body = "".join(
        f"<tr><td>{w.text(d or '全市 city')}</td><td>{n(c)}</td><td>{n(e)}</td>"
        f"<td>{'—' if se is None else f'± {1.96 * se:,.0f}'}</td>"
        f"<td>{n(f)}</td><td>{n(o)}</td><td>{n(u)}</td></tr>" for d, c, e, se, f, o, u in rows)
    classes = con.execute("SELECT kind, recency, persons, found, residency_rate, basis FROM recon_resident_classes "
                          "ORDER BY kind, recency").fetchall()
    cls = "".join(f"<tr><td>{w.text(k)}</td><td>{w.text(r)}</td><td>{n:,}</td><td>{f:,}</td>"
                  f"<td>{'' if rate is None else f'{rate:.3f}'}</td><td>{w.text(b)}</td></tr>"
                  for k, r, n, f, rate, b in classes)
    n_rows = con.execute("SELECT count(*) FROM recon_person_estimate").fetchone()[0]
    link = w.link("resident_estimate_persons", "SELECT * FROM recon_person_estimate ORDER BY person_id, district_code",
                  n_rows)
    return ('<section id="estimate"><h2>实有人口估计 <small>Resident population estimate, calibrated by the '
            'door-to-door survey</small></h2>'
            '<p class="note">登记数（counted）是名单：每个被证据认定居住在本市的人。估计数（estimate）另计入入户调查'
            '查得的比例所推算的：旧登记中仍在住的人、仅有社保等无地址记录的人，以及没有任何部门登记的人（unseen）。'
            '± 为 95% 抽样误差。The estimate adds, from the share of each evidence class the survey finds, the '
            'people old or address-less records stand for and those no department holds; ± is the 95% sampling '
            'margin.</p>'
            '<table><tr><th>区划代码</th><th>登记 counted</th><th>估计 estimate</th><th>误差 ±</th>'
            '<th>调查查得 found</th><th>仅调查 survey only</th><th>未登记 unseen</th></tr>'
            f'{body}</table><h3>证据类别 <small>Evidence classes and their residency rates</small></h3>'
            '<table><tr><th>类别 kind</th><th>最新记录 recency</th><th>人数</th><th>调查查得</th><th>居住率</th>'
            f'<th>依据 basis</th></tr>{cls}</table><p class="note">每人的估计份额：{link} 行'
            '（recon_person_estimate）。</p></section>')


def _override_section(con, w: _Writer, tables: set[str]) -> str:
    if "override_status" not in tables:
        return ""
    counts = con.execute("SELECT status, count(*) FROM override_status GROUP BY 1 ORDER BY 1").fetchall()
    if not counts:
        return ('<section id="overrides"><h2>人工更正 <small>Overrides</small></h2>'
                '<p class="note">更正日志为空。The override log is empty.</p></section>')
    summary = "".join(
        f"<tr><td>{w.text(OVERRIDE_LABELS.get(s, s))} <small>{w.text(s)}</small></td><td>"
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
    body = "".join("<tr>" + "".join(f"<td class='l'>{w.text(v or '')}</td>" for v in r)
                   + "</tr>" for r in rows)
    return ('<section id="overrides"><h2>人工更正 <small>Overrides: how every entry of the log fared</small></h2>'
            f'<table>{summary}</table><p>来自更正的黄金记录取值 golden values set by an override: {values}</p>'
            '<h3>未生效的更正 <small>Entries that did not apply, with the reason</small></h3>'
            '<table><tr><th>编号 id</th><th>类型 kind</th><th>状态</th><th>说明 detail</th><th>记录 records</th>'
            '<th>实体 entity</th><th>提交人</th><th>日期</th><th>理由</th><th>依据</th></tr>'
            f'{body}</table></section>')


def _reproduce_section(w: _Writer, info: dict) -> str:
    config = w.text(info.get("config", "CONFIG"))
    rows = "".join(f"<tr><td>{w.text(k)}</td><td class='l'>{w.text(v)}</td></tr>" for k, v in info.items())
    return ('<section id="reproduce"><h2>如何复现 <small>How to reproduce</small></h2>'
            f'<p><code>resolve run {config} --out DIR</code> 重新构建登记库与本报告；'
            f'<code>resolve report --registry DIR{" --unmasked" if w.unmasked else ""}</code> 仅重建报告。</p>'
            f'<table>{rows}</table></section>')
