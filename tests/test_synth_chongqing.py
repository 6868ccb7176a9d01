"""The independent 重庆 generator (resolve/synth/chongqing.py): deterministic per seed, its truth
consistent with itself, its config accepted by the product's loader. No pipeline run here."""

from pathlib import Path

import pandas as pd
import pytest

from resolve.config import load_config
from resolve.synth.chongqing import generate

PERSONS = 1500


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("chongqing") / "a"
    generate(folder, seed=7, n_persons=PERSONS)
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_files_other_seed_other_files(city, tmp_path):
    generate(tmp_path / "b", seed=7, n_persons=PERSONS)
    assert _files(city) == _files(tmp_path / "b")
    generate(tmp_path / "c", seed=8, n_persons=PERSONS)
    assert _files(city)["sources/police_hukou.csv"] != _files(tmp_path / "c")["sources/police_hukou.csv"]


def test_every_truth_property_referenced_exists(city):
    truth = city / "truth"
    props = set(pd.read_csv(truth / "properties.csv", dtype=str)["property_uid"])
    persons = pd.read_csv(truth / "persons.csv", dtype=str, keep_default_na=False)
    for column in ("residence_property_uid", "registered_property_uid"):
        used = set(persons[column]) - {""}
        assert used and used <= props, column
    for name in ("address_statements.csv", "property_records.csv"):
        assert set(pd.read_csv(truth / name, dtype=str)["property_uid"]) <= props, name
    person_uids = set(persons["person_uid"])
    assert set(pd.read_csv(truth / "person_records.csv", dtype=str)["person_uid"]) <= person_uids
    twins = pd.read_csv(truth / "twins.csv", dtype=str)
    assert len(twins) and set(twins["person_uid_a"]) | set(twins["person_uid_b"]) <= person_uids
    owners = pd.read_csv(truth / "property_owners.csv", dtype=str)
    assert set(owners["owner_person_uid"].dropna()) <= person_uids


def test_config_loads_and_every_record_has_truth(city):
    config = load_config(city / "config.yaml")
    assert config.city == "重庆市" and config.region_code == "500000"
    truth = city / "truth"
    records = {"person": pd.read_csv(truth / "person_records.csv", dtype=str),
               "property": pd.read_csv(truth / "property_records.csv", dtype=str)}
    for source in config.sources:
        rows = pd.read_csv(source.resolved_path, encoding=source.encoding, dtype=str)
        key = next(c for c, f in source.columns.items() if f == "record_key")
        truth_keys = records[source.entity].query("source == @source.name")["record_key"]
        assert rows[key].is_unique and set(rows[key]) == set(truth_keys), source.name


def test_departments_write_chongqing_forms(city):
    src = city / "sources"
    title = pd.read_csv(src / "real_estate.csv", dtype=str)["坐落"]
    hukou = pd.read_csv(src / "police_hukou.csv", encoding="gbk", dtype=str)["户籍地址"]
    people = pd.concat([pd.read_csv(src / "floating.csv", dtype=str)["居住地址"],
                        pd.read_csv(src / "grid_survey.csv", dtype=str)["现住址"]]).dropna()
    assert title.str.contains(r"\d+-\d+$").mean() > 0.5            # 12-3: floor-flat
    assert title.str.contains("负").any() and title.str.contains("附").any() and title.str.contains("幢").any()
    assert hukou.str.startswith("重庆市").mean() > 0.8
    for form in ("社", "单元", "负", "附", "村"):
        assert people.str.contains(form).any(), form
