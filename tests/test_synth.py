"""The synthetic city: determinism, valid identities, twins, truth that matches the files, real bad rows."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from pypinyin import Style, pinyin

from resolve.synth import generate_city
from resolve.synth.ids import id_check_ok
from resolve.synth.population import build_population
from resolve.synth.shapes import get_shape

N = 3000
CANONICAL = {"record_key", "id_number", "name", "sex", "birth_date", "phone", "registered_address",
             "residence_address", "status", "status_date", "updated_at", "employer_name", "employer_uscc",
             "ethnicity", "guardian_name"}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("default")
    return out, generate_city(out, seed=7, n_persons=N)


@pytest.fixture(scope="module")
def alt_city(tmp_path_factory):
    out = tmp_path_factory.mktemp("alt")
    return out, generate_city(out, seed=7, n_persons=N, shape="alt")


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _config(root: Path) -> dict:
    return yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))


def _raw_lines(path: Path) -> list[bytes]:
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    return [line.removesuffix(b"\r") for line in data.split(b"\n") if line]


def _read(root: Path, source: dict) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a source file, undecodable bytes replaced."""
    path = root / source["path"]
    if path.suffix == ".csv":
        encoding = source.get("encoding", "utf-8")
        lines = [line.decode(encoding, errors="replace") for line in _raw_lines(path)]
        rows = [next(csv.reader([line])) for line in lines]
        return rows[0], rows[1:]
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=str).fillna("")
    else:
        frame = pq.read_table(path).to_pandas().fillna("")
    return list(frame.columns), frame.astype(str).values.tolist()


def _key_column(source: dict) -> str:
    return next(col for col, field in source["columns"].items() if field == "record_key")


def _each_source(root: Path):
    for source in _config(root)["sources"]:
        header, rows = _read(root, source)
        yield source, header, rows


def test_same_seed_same_bytes_and_other_seed_differs(city, tmp_path):
    root, _ = city
    again = tmp_path / "again"
    generate_city(again, seed=7, n_persons=N)
    assert _digests(again) == _digests(root)
    other = tmp_path / "other"
    generate_city(other, seed=8, n_persons=N)
    assert _digests(other)["sources/police_hukou.csv"] != _digests(root)["sources/police_hukou.csv"]


def test_summary_counts_match_files(city):
    root, summary = city
    records = pd.read_csv(root / "truth/person_records.csv", dtype=str)
    bad = pd.read_csv(root / "truth/bad_rows.csv", dtype=str)
    for source, _, rows in _each_source(root):
        stats = summary["sources"][source["name"]]
        assert len(rows) == stats["rows"] == stats["records"] + stats["bad_rows"]
        assert (records["source"] == source["name"]).sum() == stats["records"]
        assert (bad["source"] == source["name"]).sum() == stats["bad_rows"]


def test_ids_in_truth_pass_check_digit_and_carry_birth_and_sex(city):
    persons = pd.read_csv(city[0] / "truth/persons.csv", dtype=str, keep_default_na=False)
    with_id = persons[persons["id_number"] != ""]
    assert len(with_id) > 0.98 * len(persons)
    assert all(id_check_ok(i) for i in with_id["id_number"])
    assert (with_id["id_number"].str[6:14] == with_id["birth_date"].str.replace("-", "")).all()
    odd = with_id["id_number"].str[16].astype(int) % 2 == 1
    assert (odd == (with_id["sex"] == "M")).all()
    assert with_id["id_number"].is_unique
    hk = persons[persons["category"] == "hkmo"]["id_number"]
    assert len(hk) and hk.str[:6].isin(["810000", "820000"]).all()
    foreign = persons[persons["category"] == "foreign"]
    assert (foreign["id_number"] == "").all() and (foreign["document_number"] != "").all()


def _readings(ch: str) -> set[str]:
    return set(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])


def test_twins_share_everything_but_given_name_and_sequence(city):
    root, _ = city
    persons = pd.read_csv(root / "truth/persons.csv", dtype=str, keep_default_na=False).set_index("person_uid")
    twins = pd.read_csv(root / "truth/twins.csv", dtype=str)
    assert len(twins) >= 0.004 * N / 2
    for a, b in zip(twins["person_uid_a"], twins["person_uid_b"]):
        pa_, pb_ = persons.loc[a], persons.loc[b]
        for col in ("birth_date", "registered_property_uid", "residence_property_uid", "household_id"):
            assert pa_[col] == pb_[col]
        assert pa_["id_number"][:14] == pb_["id_number"][:14] and pa_["id_number"] != pb_["id_number"]
        na, nb = pa_["name"], pb_["name"]
        assert len(na) == len(nb) and na[0] == nb[0]
        diff = [(x, y) for x, y in zip(na, nb) if x != y]
        assert len(diff) == 1
        assert not (_readings(diff[0][0]) & _readings(diff[0][1]))


def test_twins_share_the_guardian_phone():
    pop = build_population(np.random.default_rng(3), N, get_shape("default").shares, 0.01)
    a = np.flatnonzero(pop.twin >= 0)
    assert len(a) > 0
    assert (pop.contact[a] == pop.contact[pop.twin[a]]).all()
    assert (pop.guardian[a] == pop.guardian[pop.twin[a]]).all()


def test_every_accepted_record_is_in_its_source(city):
    root, _ = city
    records = pd.read_csv(root / "truth/person_records.csv", dtype=str)
    persons = set(pd.read_csv(root / "truth/persons.csv", dtype=str)["person_uid"])
    assert set(records["person_uid"]) <= persons
    for source, header, rows in _each_source(root):
        at = header.index(_key_column(source))
        keys = {r[at] for r in rows if len(r) > at}
        expected = records.loc[records["source"] == source["name"], "record_key"]
        assert expected.is_unique
        assert set(expected) <= keys


def _check_bad_csv_row(raw: bytes, encoding: str, reason: str, width: int, key_at: int, seen: set[str]) -> None:
    text = raw.decode(encoding, errors="replace")
    fields = next(csv.reader([text]))
    if reason == "undecodable":
        with pytest.raises(UnicodeDecodeError):
            raw.decode(encoding)
    elif reason == "bad_field_count":
        assert len(fields) != width
    elif reason == "empty_record_key":
        assert fields[key_at] == ""
    elif reason == "duplicate_record_key":
        assert fields[key_at] in seen


@pytest.mark.parametrize("which", ["city", "alt_city"])
def test_bad_rows_are_really_bad_and_good_rows_are_good(which, request):
    root, _ = request.getfixturevalue(which)
    bad = pd.read_csv(root / "truth/bad_rows.csv", dtype={"row_number": int})
    assert set(bad["reason"]) == {"bad_field_count", "undecodable", "empty_record_key", "duplicate_record_key"}
    for source in _config(root)["sources"]:
        marked = dict(zip(*[bad.loc[bad["source"] == source["name"], c] for c in ("row_number", "reason")]))
        assert marked, source["name"]
        header, rows = _read(root, source)
        key_at = header.index(_key_column(source))
        seen: set[str] = set()
        if source["path"].endswith(".csv"):
            encoding = source.get("encoding", "utf-8")
            for number, raw in enumerate(_raw_lines(root / source["path"])[1:], start=1):
                if number in marked:
                    _check_bad_csv_row(raw, encoding, marked[number], len(header), key_at, seen)
                    continue
                fields = next(csv.reader([raw.decode(encoding)]))
                assert len(fields) == len(header) and fields[key_at] and fields[key_at] not in seen
                seen.add(fields[key_at])
        else:
            assert set(marked.values()) <= {"empty_record_key", "duplicate_record_key"}
            for number, row in enumerate(rows, start=1):
                key = row[key_at]
                if number in marked:
                    assert key == "" if marked[number] == "empty_record_key" else key in seen
                    continue
                assert key and key not in seen
                seen.add(key)


def test_gbk_sources_carry_undecodable_rows(city):
    root, _ = city
    bad = pd.read_csv(root / "truth/bad_rows.csv", dtype=str)
    for source in _config(root)["sources"]:
        has = ((bad["source"] == source["name"]) & (bad["reason"] == "undecodable")).any()
        assert has == (source.get("encoding") == "gbk")


@pytest.mark.parametrize("which", ["city", "alt_city"])
def test_config_maps_existing_columns_and_all_coded_values(which, request):
    root, _ = request.getfixturevalue(which)
    config = _config(root)
    assert config["city"] == "深圳市" and config["region_code"] == "440300"
    bad = pd.read_csv(root / "truth/bad_rows.csv", dtype={"row_number": int})
    for source, header, rows in _each_source(root):
        assert not Path(source["path"]).is_absolute() and (root / source["path"]).exists()
        assert source["entity"] == "person"
        assert set(source["columns"]) <= set(header)
        assert set(source["columns"].values()) <= CANONICAL
        assert len(header) > len(source["columns"]), "some columns stay unmapped"
        skip = set(bad.loc[bad["source"] == source["name"], "row_number"])
        by_field = {field: header.index(col) for col, field in source["columns"].items()}
        for field, mapping in source.get("values", {}).items():
            seen = {r[by_field[field]] for i, r in enumerate(rows, start=1) if i not in skip}
            assert seen - {""} <= set(mapping), (source["name"], field)


def test_alt_shape_differs(city, alt_city):
    default, alt = _config(city[0]), _config(alt_city[0])
    d = {s["name"]: s for s in default["sources"]}
    a = {s["name"]: s for s in alt["sources"]}
    assert "education" in d and "education" not in a and "residence_permit" in a
    assert d["police_hukou"]["encoding"] != a["police_hukou"]["encoding"]
    assert set(d["police_hukou"]["columns"]) != set(a["police_hukou"]["columns"])
    assert Path(d["social_insurance"]["path"]).suffix != Path(a["social_insurance"]["path"]).suffix
    assert alt_city[1]["twin_pairs"] > city[1]["twin_pairs"]


def test_truth_places_people_in_dwellings(city):
    root, _ = city
    persons = pd.read_csv(root / "truth/persons.csv", dtype=str, keep_default_na=False)
    props = pd.read_csv(root / "truth/properties.csv", dtype=str).set_index("property_uid")
    resident = persons["resident_in_city"] == "True"
    registered = persons["registered_in_city"] == "True"
    assert ((persons["residence_district_code"] != "") == resident).all()
    assert ((persons["registered_district_code"] != "") == registered).all()
    lives = persons.loc[resident, "residence_property_uid"]
    assert (props.loc[lives, "use"] == "residential").all()
    assert (props.loc[lives, "district_code"].to_numpy() == persons.loc[resident, "residence_district_code"]).all()
    assert 0.5 < registered.mean() < 0.7
    assert (persons.loc[persons["status"] != "active", ["registered_in_city", "resident_in_city"]] == "False").all().all()
    assert props["use"].nunique() >= 3 and props["property_code"].is_unique
    key = ["district_code", "road", "door_number", "building", "unit", "room"]
    assert not props.fillna("").duplicated(key).any()


def test_common_names_repeat_and_sources_are_noisy(city):
    root, _ = city
    persons = pd.read_csv(root / "truth/persons.csv", dtype=str, keep_default_na=False)
    assert persons["name"].value_counts().iloc[0] >= 5
    grid = next(s for s in _config(root)["sources"] if s["name"] == "grid_survey")
    header, rows = _read(root, grid)
    id_at = header.index(next(c for c, f in grid["columns"].items() if f == "id_number"))
    missing = np.mean([r[id_at] == "" for r in rows])
    assert 0.2 < missing < 0.4
