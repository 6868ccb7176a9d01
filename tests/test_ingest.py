"""Every readable row lands in its raw table; every other row lands in quarantine with a reason."""

import pandas as pd
import pytest

from resolve.config import load_config
from resolve.engine import Engine
from resolve.ingest import ingest
from tests.conftest import write_config

HEADER = "编号,身份证号,姓名,住址\n"


def source_yaml(name, path, encoding="utf-8", extra=""):
    return (f"  - name: {name}\n    department: 测试\n    entity: person\n    path: {path}\n"
            f"    encoding: {encoding}\n    columns: {{编号: record_key, 身份证号: id_number, 姓名: name}}\n{extra}")


def run_ingest(tmp_path, sources_yaml):
    config = load_config(write_config(tmp_path, sources_yaml))
    engine = Engine()
    ingest(engine, config)
    return engine


def test_gbk_csv_quarantines_each_kind_of_bad_row(tmp_path):
    good = "A1,440304199001011234,张伟,\"福田区红荔路1号,3栋\"\n"
    body = (HEADER + good + "A2,,王芳\n" + ",,李娜,x\n" + "A1,,重复,x\n").encode("gbk")
    undecodable = b"A5,,\x81\x20bad,x\n"
    (tmp_path / "p.csv").write_bytes(body + undecodable + "A6,,赵敏,y\n".encode("gbk"))
    engine = run_ingest(tmp_path, source_yaml("police", "p.csv", "gbk"))
    q = engine.fetchall("SELECT row_number, record_key, reason FROM quarantine ORDER BY row_number")
    assert q == [(2, None, "bad_field_count"), (3, None, "empty_record_key"),
                 (4, "A1", "duplicate_record_key"), (5, None, "undecodable")]
    raw = engine.df('SELECT _row_number, "编号", "姓名", "住址" FROM raw_police ORDER BY 1')
    assert raw.values.tolist() == [[1, "A1", "张伟", "福田区红荔路1号,3栋"], [6, "A6", "赵敏", "y"]]
    stats = engine.df("SELECT rows_read, rows_accepted, rows_quarantined FROM ingest_sources")
    assert stats.values.tolist() == [[6, 2, 4]]


def test_undecodable_row_keeps_its_bytes_visible(tmp_path):
    (tmp_path / "p.csv").write_bytes(HEADER.encode("gbk") + b"A1,,\x81\x20x,y\n")
    engine = run_ingest(tmp_path, source_yaml("police", "p.csv", "gbk"))
    assert "\\x81" in engine.scalar("SELECT raw FROM quarantine")


def test_utf8_with_bom_and_blank_lines(tmp_path):
    (tmp_path / "f.csv").write_bytes(("\ufeff" + HEADER + "B1,,张三,a\n\nB2,,李四,b\n").encode("utf-8"))
    engine = run_ingest(tmp_path, source_yaml("floating", "f.csv"))
    assert engine.df('SELECT "编号" FROM raw_floating ORDER BY 1')["编号"].tolist() == ["B1", "B2"]
    assert engine.scalar("SELECT count(*) FROM quarantine") == 0


def test_wrong_encoding_on_header_is_a_clear_error(tmp_path):
    (tmp_path / "p.csv").write_bytes(HEADER.encode("gbk") + "A1,,张三,a\n".encode("gbk"))
    from resolve.errors import ConfigError, ResolveError

    with pytest.raises((ConfigError, ResolveError)) as exc:
        run_ingest(tmp_path, source_yaml("police", "p.csv", "utf-8"))
    assert "p.csv" in str(exc.value)


def test_xlsx_and_parquet(tmp_path):
    frame = pd.DataFrame({"编号": ["C1", None, "C3", "C3"], "身份证号": ["x", "y", None, None],
                          "姓名": ["甲", "乙", "丙", "丁"], "住址": [None] * 4})
    frame.to_excel(tmp_path / "s.xlsx", index=False)
    frame.to_parquet(tmp_path / "e.parquet")
    engine = run_ingest(tmp_path, source_yaml("si", "s.xlsx") + source_yaml("edu", "e.parquet"))
    q = engine.df("SELECT source, row_number, reason FROM quarantine ORDER BY source, row_number")
    assert q.values.tolist() == [["edu", 2, "empty_record_key"], ["edu", 4, "duplicate_record_key"],
                                 ["si", 2, "empty_record_key"], ["si", 4, "duplicate_record_key"]]
    assert engine.scalar("SELECT count(*) FROM raw_si") == 2
    assert engine.scalar("SELECT count(*) FROM raw_edu") == 2


def test_hostile_names_never_reach_sql_unquoted(tmp_path):
    column = '姓名"; DROP TABLE quarantine; --'
    header = f'编号,"{column.replace(chr(34), chr(34) * 2)}",x\n'
    (tmp_path / "p.csv").write_text(header + "A1,张三,1\nA2,李四,2\n", encoding="utf-8")
    sources = ("  - name: select\n    department: 测试\n    entity: person\n    path: p.csv\n"
               f"    columns: {{编号: record_key, '{column}': name}}\n"
               "    values: {name: {\"张三'); DROP TABLE raw_select; --\": 王五}}\n")
    config = load_config(write_config(tmp_path, sources))
    engine = Engine()
    ingest(engine, config)
    from resolve.standardise.inputs import input_union_sql
    from resolve.standardise.person import PERSON_FIELDS

    engine.create_table("t", input_union_sql(config.sources, PERSON_FIELDS))
    assert engine.fetchall("SELECT record_key, name FROM t ORDER BY 1") == [("A1", "张三"), ("A2", "李四")]
    assert engine.has_table("quarantine") and engine.has_table("raw_select")


def test_record_without_name_or_document_is_quarantined(tmp_path):
    from resolve.standardise.person import standardise_persons

    (tmp_path / "p.csv").write_text(HEADER + "A1,,,福田区\nA2,,张三,\nA3,E1234567,,\n", encoding="utf-8")
    config = load_config(write_config(tmp_path, source_yaml("grid", "p.csv")))
    engine = Engine()
    ingest(engine, config)
    standardise_persons(engine, config)
    assert engine.fetchall("SELECT row_number, record_key, reason FROM quarantine") == [(1, "A1", "no_identity")]
    assert [r[0] for r in engine.fetchall("SELECT record_key FROM std_person ORDER BY 1")] == ["A2", "A3"]


def _error(tmp_path, sources_yaml):
    from resolve.errors import ConfigError, ResolveError

    with pytest.raises((ConfigError, ResolveError)) as exc:
        run_ingest(tmp_path, sources_yaml)
    return str(exc.value)


def test_a_gbk_body_read_as_utf8_suggests_the_encoding(tmp_path):
    # an ASCII header decodes either way; the rows do not
    rows = "".join(f"A{i},,张{i},福田区\n" for i in range(30))
    (tmp_path / "p.csv").write_bytes(("id,sfz,xm,dz\n" + rows).encode("gbk"))
    sources = ("  - name: police\n    department: 测试\n    entity: person\n    path: p.csv\n"
               "    columns: {id: record_key, xm: name}\n")
    message = _error(tmp_path, sources)
    assert "p.csv" in message and "30 of 30 rows do not decode as utf-8" in message and "encoding: gbk" in message


@pytest.mark.parametrize("header, says", [
    ("编号,姓名,姓名\n", "姓名 appear more than once"),
    ("编号,姓名,_row_number\n", "'_row_number' has the name resolve gives"),
])
def test_header_problems_are_named_with_the_fix(tmp_path, header, says):
    (tmp_path / "p.csv").write_text(header + "A1,张三,x\n", encoding="utf-8")
    sources = ("  - name: police\n    department: 测试\n    entity: person\n    path: p.csv\n"
               "    columns: {编号: record_key}\n")
    message = _error(tmp_path, sources)
    assert "p.csv" in message and says in message


def test_a_line_break_in_an_xlsx_header_cell_is_named(tmp_path):
    pd.DataFrame({"编号": ["A1"], "姓\n名": ["张三"]}).to_excel(tmp_path / "s.xlsx", index=False)
    sources = ("  - name: si\n    department: 测试\n    entity: person\n    path: s.xlsx\n"
               "    columns: {编号: record_key}\n")
    message = _error(tmp_path, sources)
    assert "s.xlsx" in message and "line break" in message


def test_a_workbook_opening_on_notes_is_read_from_its_data_sheet(tmp_path):
    with pd.ExcelWriter(tmp_path / "s.xlsx") as writer:
        pd.DataFrame({"说明": ["本表为社保参保人员", "导出日期 2026-10-01"]}).to_excel(writer, sheet_name="说明", index=False)
        pd.DataFrame({"编号": ["C1", "C2"], "姓名": ["甲", "乙"]}).to_excel(writer, sheet_name="数据", index=False)
    sources = ("  - name: si\n    department: 测试\n    entity: person\n    path: s.xlsx\n"
               "    columns: {编号: record_key, 姓名: name}\n")
    engine = run_ingest(tmp_path, sources)
    assert engine.fetchall('SELECT "编号", "姓名" FROM raw_si ORDER BY 1') == [("C1", "甲"), ("C2", "乙")]
    # a sheet the workbook does not have: the error lists the ones it has
    message = _error(tmp_path, sources + "    sheet: 人员\n")
    assert "no sheet '人员'" in message and "说明, 数据" in message


def test_xlsx_merged_cells_and_formulas_without_a_value(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "姓名", "住址", "备注"])
    ws.append(["H1", "张三", "福田区红荔路1号3栋501", "户主"])
    ws.append(["H2", "李四", None, None])
    ws.append(["H3", "王五", None, None])
    ws.merge_cells("C2:C4")  # one household's address, merged over its three members
    ws.append(["H4", "=B2&\"之子\"", "罗湖区", None])  # a formula nobody calculated: no value saved
    ws.append(["H5", "赵六", "南山区", "=1+1"])  # in a column the config does not map: harmless
    wb.save(tmp_path / "s.xlsx")
    sources = ("  - name: si\n    department: 测试\n    entity: person\n    path: s.xlsx\n"
               "    columns: {编号: record_key, 姓名: name, 住址: residence_address}\n")
    engine = run_ingest(tmp_path, sources)
    rows = engine.fetchall('SELECT "编号", "住址" FROM raw_si ORDER BY 1')
    assert rows == [("H1", "福田区红荔路1号3栋501"), ("H2", "福田区红荔路1号3栋501"), ("H3", "福田区红荔路1号3栋501"),
                    ("H5", "南山区")]
    (reason, raw), = engine.fetchall("SELECT reason, raw FROM quarantine")
    assert reason == "formula_without_value" and '"B5"' in raw
    assert engine.fetchall("SELECT rows_read, rows_accepted, rows_quarantined FROM ingest_sources") == [(5, 4, 1)]


def test_ids_a_spreadsheet_kept_as_numbers_are_marked_not_trusted(tmp_path):
    from resolve.standardise.person import standardise_persons

    valid = "440306199001011236"  # 18 digits passing the check character
    # XLSX and Parquet holding the ID as a floating-point number: the last digits are gone
    pd.DataFrame({"编号": ["X1", "X2"], "身份证号": [float(valid), float("440306199001011255")],
                  "姓名": ["张三", "李四"]}).to_parquet(tmp_path / "e.parquet")
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["编号", "身份证号", "姓名"])
    wb.active.append(["S1", float(valid), "张三"])
    wb.save(tmp_path / "s.xlsx")
    # CSV: Excel's exponent form, and the leading apostrophe that keeps the digits as text
    (tmp_path / "p.csv").write_text("编号,身份证号,姓名\nC1,4.40306E+17,张三\nC2,'" + valid + ",张三\n"
                                    "C3," + valid[1:] + ",张三\n", encoding="utf-8")
    sources = (source_yaml("edu", "e.parquet") + source_yaml("si", "s.xlsx") + source_yaml("police", "p.csv"))
    config = load_config(write_config(tmp_path, sources))
    engine = Engine()
    ingest(engine, config)
    standardise_persons(engine, config)
    rows = {k: (kind, number, valid_, other, raw) for k, kind, number, valid_, other, raw in engine.fetchall(
        "SELECT record_key, id_kind, id_number, id_valid, other_doc, id_raw FROM std_person")}
    for key in ("X1", "X2", "S1", "C1"):
        kind, number, valid_, other, raw = rows[key]
        assert (kind, number, valid_, other) == ("imprecise", None, False, None), key
        assert "E+17" in raw.upper()  # what the file held, as it held it
    assert rows["C2"][:3] == ("citizen", valid, True)
    # an ID that lost its leading digit: marked, kept as written, not a document to link by
    assert rows["C3"] == ("imprecise", None, False, None, valid[1:])


def test_dates_in_the_forms_departments_write(tmp_path):
    from resolve.standardise.person import standardise_persons

    valid = "440306199001011236"
    rows = [("D1", "", "90-07-30"), ("D2", "", "30/07/90"), ("D3", "", "07/30/1990"), ("D4", "", "一九九〇年七月三十日"),
            ("D5", "", "33084"), ("D6", "", "二〇二五年十月"), ("D7", "", "5/6/1987"),
            # an impossible date beside a valid ID: the ID's birth date, and a year that agrees with it
            ("D8", valid, "20231345")]
    (tmp_path / "p.csv").write_text("编号,身份证号,姓名,出生日期\n" + "".join(f"{k},{i},张三,{b}\n" for k, i, b in rows),
                                    encoding="utf-8")
    sources = ("  - name: grid\n    department: 测试\n    entity: person\n    path: p.csv\n"
               "    columns: {编号: record_key, 身份证号: id_number, 姓名: name, 出生日期: birth_date}\n")
    config = load_config(write_config(tmp_path, sources))
    engine = Engine()
    ingest(engine, config)
    standardise_persons(engine, config)
    got = {k: (str(d) if d else None, ym, y) for k, d, ym, y in engine.fetchall(
        "SELECT record_key, birth_date, birth_ym, birth_year FROM std_person")}
    for key in ("D1", "D2", "D3", "D4", "D5"):
        assert got[key] == ("1990-07-30", "1990-07", 1990), key
    assert got["D6"] == (None, "2025-10", 2025)
    assert got["D7"] == (None, None, 1987)  # day and month could be either way round: the year only
    assert got["D8"] == ("1990-01-01", "1990-01", 1990)
