"""Training adapts to what a delivery holds and says what it did: a delivery in which no record
has an ID, and one of many identical rows, train and link instead of failing inside Splink."""

import random

import duckdb
import pytest

from resolve.config import load_config
from resolve.pipeline import run
from tests.conftest import write_config

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"


def people(n, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        birth = f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        phone = f"13{rng.randint(100000000, 999999999)}"
        rows.append((name, birth, rng.choice("MF"), phone))
    return rows


def sources(tmp_path, files):
    text = ""
    for name, lines in files.items():
        (tmp_path / f"{name}.csv").write_text("编号,姓名,出生日期,性别,电话\n" + "".join(lines), encoding="utf-8")
        text += (f"  - name: {name}\n    department: {name}\n    entity: person\n    path: {name}.csv\n"
                 "    columns: {编号: record_key, 姓名: name, 出生日期: birth_date, 性别: sex, 电话: phone}\n")
    return write_config(tmp_path, text, extra="link:\n  min_training_records: 100\n")


def person_model_note(out):
    con = duckdb.connect(str(out / "registry.duckdb"), read_only=True)
    try:
        return dict(con.execute("SELECT * FROM run_info").fetchall())["person_model"], con.execute(
            "SELECT source, record_key, person_id FROM person_xref").fetchall()
    finally:
        con.close()


def test_a_delivery_without_ids_trains_on_names_and_birth_dates(tmp_path):
    everyone = people(400, seed=3)
    a = [f"A{i},{n},{b},{s},{p}\n" for i, (n, b, s, p) in enumerate(everyone)]
    b = [f"B{i},{n},{bd},{s},{p}\n" for i, (n, bd, s, p) in enumerate(everyone) if i % 2 == 0]
    config = load_config(sources(tmp_path, {"police": a, "survey": b}))
    run(config, tmp_path / "out")
    note, xref = person_model_note(tmp_path / "out")
    assert "trained on 600 records" in note and "prior estimated on l.name_py = r.name_py" in note
    person = {(s, k): p for s, k, p in xref}
    linked = sum(person[("police", f"A{i}")] == person[("survey", f"B{i}")] for i in range(0, 400, 2))
    assert linked >= 0.9 * 200  # the survey's records meet their household records
    assert len(set(person.values())) <= 400 + 10


def test_a_delivery_of_identical_rows_runs_and_says_so(tmp_path):
    row = "张伟,1990-01-01,M,13800138000\n"
    config = load_config(sources(tmp_path, {"police": [f"A{i},{row}" for i in range(300)],
                                            "survey": [f"B{i},{row}" for i in range(300)]}))
    run(config, tmp_path / "out")
    note, xref = person_model_note(tmp_path / "out")
    assert "trained on 600 records" in note and "adapted to the data" in note
    assert len(xref) == 600
