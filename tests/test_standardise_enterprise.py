"""The enterprise standardiser on real-shaped records from two departments."""

import pytest

from resolve.config import load_config
from resolve.engine import Engine
from resolve.ingest import ingest
from resolve.standardise.enterprise import standardise_enterprises
from tests.conftest import write_config

MARKET = """注册号,统一社会信用代码,名称,法定代表人,法人证件号,住所,登记状态,成立日期
M1,91440300600037341X,深圳市某某科技有限责任公司,張偉,11010519491231002x,深圳市福田区红荔路12号3栋501,存续,2010-05-01
M2,,某某科技有限公司深圳福田分公司,李娜,,福田区红荔路12号三栋五零一,在业,20150301
M3,92440300MA5DC1JK2C,福田区老王粮油店,王五,440304198001011234,福田区华强北路1号,吊销，未注销,2018年3月1日
M4,,,,,,注销,
M5,,,,,,注销,2001-01-01
"""
TAX = """登记序号,纳税人识别号,纳税人名称,注册地址,状态
T1,440300600037341,某某科技有限公司（深圳）,广东省深圳市福田区红荔路12号3号楼501室,正常
"""


@pytest.fixture(scope="module")
def std(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ent")
    (folder / "market.csv").write_text(MARKET, encoding="gbk")
    (folder / "tax.csv").write_text(TAX, encoding="utf-8")
    sources = """  - name: market_regulation
    department: 市场监管局
    entity: enterprise
    path: market.csv
    encoding: gbk
    columns: {注册号: record_key, 统一社会信用代码: uscc, 名称: name, 法定代表人: legal_rep_name,
              法人证件号: legal_rep_id_number, 住所: address, 登记状态: status, 成立日期: established_date}
  - name: tax
    department: 税务局
    entity: enterprise
    path: tax.csv
    columns: {登记序号: record_key, 纳税人识别号: tax_id, 纳税人名称: name, 注册地址: address, 状态: status}
"""
    config = load_config(write_config(folder, sources))
    engine = Engine()
    ingest(engine, config)
    standardise_enterprises(engine, config)
    rows = engine.df("SELECT * FROM std_enterprise ORDER BY source, record_key")
    quarantine = engine.fetchall("SELECT source, record_key, reason FROM quarantine")
    engine.close()
    return {r["record_key"]: r for r in rows.to_dict("records")}, quarantine


def test_identifiers(std):
    rows, _ = std
    m1 = rows["M1"]
    assert m1["uscc"] == "91440300600037341X" and m1["org_code"] == "600037341" and m1["org_valid"]
    assert m1["legal_rep_id_number"] == "11010519491231002X" and m1["legal_rep_id_valid"]
    assert m1["legal_rep_name"] == "张伟"
    # the tax department's legacy tax ID meets the USCC on its organisation code
    assert rows["T1"]["org_code"] == m1["org_code"]
    assert rows["M3"]["is_individual_business"] and not m1["is_individual_business"]


def test_names_and_branches(std):
    rows, _ = std
    assert rows["M1"]["name_key"] == rows["T1"]["name_key"] == "某某科技有限公司"
    branch = rows["M2"]
    assert branch["is_branch"] and branch["parent_name"] == "某某科技有限公司"
    assert branch["name_key"] != rows["M1"]["name_key"]


def test_statuses_dates_addresses(std):
    rows, _ = std
    assert [rows[k]["status"] for k in ("M1", "M2", "M3", "T1")] == \
        ["active", "active", "revoked", "active"]
    assert str(rows["M3"]["established_date"])[:10] == "2018-03-01"
    assert rows["M1"]["dwelling_key"] == rows["M2"]["dwelling_key"] == rows["T1"]["dwelling_key"] \
        == "红荔路12号#3#501"


def test_record_without_name_or_identifier_is_quarantined(std):
    rows, quarantine = std
    assert ("market_regulation", "M4", "no_identity") in quarantine
    assert ("market_regulation", "M5", "no_identity") in quarantine
    assert "M4" not in rows
