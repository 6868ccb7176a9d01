"""Outputs safe to share: IDs and phones masked wherever they sit, the report rebuilt whole,
files owner-only, registry and report replaced together, one run per folder at a time, and a
config that cannot run SQL or script of its own."""

import json
import os
import re
import stat
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from resolve.cli import main
from resolve.config import load_config
from resolve.errors import ConfigError
from resolve.outputs import output_folder

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini"
# as a reader would find them: 18 characters (17 digits and a check digit or X), a mobile
# number; not the digits of a decimal fraction (0.028392640328756484)
ID18 = re.compile(r"(?<![0-9.])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE = re.compile(r"(?<![0-9.])1[3-9][0-9]{9}(?![0-9])")

PUPILS = ("学籍号,身份证号,姓名,性别,出生日期,家庭住址,监护人电话,备注\n"
          "G440304201003050113,440304201003050113,李思雨,女,2010-03-05,福田区园岭街道红荔路12号3栋501,13800001111,"
          "\"{\"\"guardian\"\": \"\"13912345678\"\", \"\"id\"\": \"\"440304198001010012\"\"}\"\n"
          "G44030420100305013X,44030420100305013X,李思雪,女,2010-03-05,红荔路12号3栋501 电话13800001111,13800001111,"
          "同住:440304198001010012;13912345678\n"
          "G440303651212031,440303651212031,王建国,男,1965-12-12,罗湖区东门街道解放路8号,13711112222,旧证\n")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def city(folder: Path, **changes) -> Path:
    """The mini fixture plus an education roll keyed by the pupil's ID, its config changed by
    ``changes`` (top-level keys), written under ``folder``."""
    config = yaml.safe_load((MINI / "config.yaml").read_text(encoding="utf-8"))
    for source in config["sources"]:
        source["path"] = str(MINI / source["path"])
    (folder / "pupils.csv").write_text(PUPILS, encoding="utf-8")
    config["sources"].append({
        "name": "education", "department": "教育局", "entity": "person", "path": str(folder / "pupils.csv"),
        "columns": {"学籍号": "record_key", "身份证号": "id_number", "姓名": "name", "性别": "sex",
                    "出生日期": "birth_date", "家庭住址": "residence_address", "监护人电话": "phone"}})
    config.update(changes)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def every_text(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text: pages and CSVs as written, Parquet read back."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".parquet":
            rows = duckdb.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
            texts[str(path)] = "\n".join(" ".join(map(str, r)) for r in rows)
        elif path.is_file() and path.suffix in (".html", ".csv", ".json"):
            texts[str(path)] = path.read_text(encoding="utf-8-sig")
    return texts


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("safe")
    out = folder / "out"
    result = invoke("run", city(folder), "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_no_file_of_the_report_shows_an_id_or_a_mobile_number(built):
    texts = every_text(built / "report")
    assert any(".parquet" in name for name in texts) and any(name.endswith("index.html") for name in texts)
    leaks = {name: ID18.findall(text) + MOBILE.findall(text) for name, text in texts.items()}
    assert {name: found for name, found in leaks.items() if found} == {}
    # the record keys that embed an ID are in the files, masked, not left out
    waterfalls = "".join(t for n, t in texts.items() if "waterfall_education" in n)
    assert "G440304********0113" in waterfalls


def test_an_unmasked_report_goes_to_a_folder_that_says_so(built):
    result = invoke("report", "--registry", built, "--unmasked")
    assert result.exit_code == 0, result.output
    unmasked = every_text(built / "report-unmasked")
    assert any(ID18.search(t) for t in unmasked.values()) and any(MOBILE.search(t) for t in unmasked.values())
    assert "未脱敏" in (built / "report-unmasked" / "index.html").read_text(encoding="utf-8")
    masked = every_text(built / "report")
    assert not any(ID18.search(t) or MOBILE.search(t) for t in masked.values())


def test_a_rebuilt_report_keeps_no_file_of_the_old_one(built):
    stale = built / "report" / "data" / "stale_unmasked.csv"
    stale.write_text("440304201003050113\n", encoding="utf-8")
    assert invoke("report", "--registry", built).exit_code == 0
    assert not stale.exists() and (built / "report" / "index.html").exists()
    assert not list(built.glob(".*building*")) and not list(built.glob(".*.old-*"))


def test_everything_written_is_owner_only_unless_widened(built, tmp_path):
    for path in [built, built / "registry.duckdb", built / "person_model.json", *built.joinpath("report").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    assert invoke("report", "--registry", built, "--permissions", "all").exit_code == 0
    assert stat.S_IMODE((built / "report" / "index.html").stat().st_mode) == 0o644
    assert stat.S_IMODE(built.stat().st_mode) == 0o755
    assert invoke("report", "--registry", built).exit_code == 0  # back to owner only
    assert stat.S_IMODE((built / "report" / "index.html").stat().st_mode) == 0o600


def test_a_failing_report_leaves_registry_and_report_as_they_were(built, monkeypatch):
    before = {p: p.read_bytes() for p in [built / "registry.duckdb", built / "report" / "index.html"]}

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device", "index.html")

    monkeypatch.setattr("resolve.pipeline.build_report", broken)
    result = invoke("run", built.parent / "config.yaml", "--out", built)
    assert result.exit_code == 1 and "Traceback" not in result.output and "no space left" in result.output
    assert {p: p.read_bytes() for p in before} == before
    assert not list(built.glob(".*building*"))


def test_a_run_killed_between_its_moves_is_completed_by_the_next_command(tmp_path, monkeypatch):
    out = tmp_path / "out"
    config = city(tmp_path)
    assert invoke("run", config, "--out", out).exit_code == 0
    old_page = (out / "report" / "index.html").read_text(encoding="utf-8")
    real_replace = os.replace

    def killed(src, dst):
        if Path(src).name.startswith(".report.building"):
            raise KeyboardInterrupt  # the registry has moved, the report has not
        real_replace(src, dst)

    monkeypatch.setattr("resolve.outputs.os.replace", killed)
    invoke("run", config, "--out", out)
    monkeypatch.setattr("resolve.outputs.os.replace", real_replace)
    run_info = dict(duckdb.connect(str(out / "registry.duckdb"), read_only=True).execute(
        "SELECT key, value FROM run_info").fetchall())
    index = out / "report" / "index.html"
    assert not index.exists() or index.read_text(encoding="utf-8") == old_page  # not yet consistent
    assert list(out.glob(".swap-*.json"))
    with output_folder(out):  # what every command does first
        pass
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert run_info["finished_at"] in page and page != old_page
    assert not list(out.glob(".swap-*.json")) and not list(out.glob(".*building*"))


def test_a_second_run_into_the_same_folder_is_refused(built):
    before = (built / "registry.duckdb").read_bytes()
    with output_folder(built):
        result = invoke("run", built.parent / "config.yaml", "--out", built)
    assert result.exit_code == 1 and "Traceback" not in result.output
    said = " ".join(result.output.split())
    assert f"{built} is in use by" in said and "pid" in said and "wait for it to finish" in said
    assert (built / "registry.duckdb").read_bytes() == before


HOSTILE_WHERE = {
    "file_read": "read_text('/etc/hostname') IS NOT NULL",
    "file_read_csv": "alive AND (SELECT count(*) FROM read_csv('/etc/passwd')) > 0",
    "ddl": "true; DROP TABLE person_golden",
    "ddl_in_parens": "alive)); DROP TABLE person_golden; SELECT ((1",
    "other_table": "person_id IN (SELECT person_id FROM person_golden)",
    "qualified": "person_golden.alive",
    "function": "length(sex) > 0",
    "pragma": "alive OR current_setting('home_directory') IS NOT NULL",
}


def test_a_figure_condition_that_is_more_than_a_condition_is_refused(tmp_path):
    figures = {name: {"label": name, "entity": "person", "where": where, "district": "residence_district_code"}
               for name, where in HOSTILE_WHERE.items()}
    config = city(tmp_path, reconcile={"figures": figures})
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    message = str(raised.value)
    for name in HOSTILE_WHERE:
        assert f"reconcile.figures.{name}:" in message, name
    assert "is not allowed" in message and "only one condition" in message and "not a column" in message
    result = invoke("validate", config)
    assert result.exit_code == 1 and "Traceback" not in result.output


SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def test_config_and_data_strings_cannot_put_script_in_the_page(tmp_path):
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    entry = {"id": "o1", "kind": "different", "records": ["grid_survey:G001", "grid_survey:NOPE"],
             "author": SCRIPT, "date": "2026-10-01", "reason": IMG, "evidence": f"visit {SCRIPT}"}
    (overrides / "log.jsonl").write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    config = city(tmp_path, city=f"深圳市{SCRIPT}", overrides=str(overrides), reconcile={"figures": {
        "adults": {"label": f"成年人{IMG}", "entity": "person", "where": "alive AND age >= 18 AND sex = '<b>'",
                   "district": "residence_district_code"}}})
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    education = settings["sources"][-1]
    education["department"] = f"教育局{IMG}"
    # strings that reach SQL as literals: quoted, never run
    education["values"] = {"sex": {"男'); DROP TABLE std_person; --": "M", "男": "M", "女": "F"}}
    education["date_formats"] = {"birth_date": "%Y-%m-%d'); DROP TABLE std_person; --"}
    education["defaults"] = {"status": "active"}
    config.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", config, "--out", out)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(out / "registry.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM std_person WHERE source = 'education'").fetchall() == [(3,)]
    finally:
        con.close()
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert page.count("<script") == 1  # the page's own, in the head
    assert "<img" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "成年人&lt;img" in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "'unsafe-inline'" not in csp and "script-src 'sha256-" in csp and "default-src 'none'" in csp
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page)  # no inline handler, which the policy would block
    assert not re.search(r"<[^>]+\sstyle\s*=", page)
