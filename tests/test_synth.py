"""The synthetic city: determinism, valid identities, twins, truth that matches the files, real bad rows."""
from __future__ import annotations

import csv
import hashlib
import json
import re
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
from resolve.synth.wild import wild_style

N = 3000
CANONICAL = {"record_key", "id_number", "name", "sex", "birth_date", "phone", "registered_address",
             "residence_address", "status", "status_date", "updated_at", "employer_name", "employer_uscc",
             "ethnicity", "guardian_name"}
CANONICAL_BY_ENTITY = {
    "person": CANONICAL,
    "enterprise": {"record_key", "uscc", "reg_number", "org_code", "tax_id", "name", "legal_rep_name",
                   "legal_rep_id_number", "address", "status", "established_date", "enterprise_type", "updated_at"},
    "property": {"record_key", "property_code", "address", "district", "street", "community", "road", "door_number",
                 "building", "unit", "room", "use", "area", "owner_name", "owner_id_number", "updated_at"},
}
CANONICAL_VALUES = {"status": {"active", "deceased", "moved_out", "deregistered", "revoked"}, "sex": {"M", "F"},
                    "use": {"residential", "commercial", "office", "industrial", "public_toilet", "power_room", "other"}}
RECORD_FILES = {"person": ("person_records.csv", "person_uid"), "enterprise": ("enterprise_records.csv", "enterprise_uid"),
                "property": ("property_records.csv", "property_uid")}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("default")
    return out, generate_city(out, seed=7, n_persons=N)


@pytest.fixture(scope="module")
def alt_city(tmp_path_factory):
    out = tmp_path_factory.mktemp("alt")
    return out, generate_city(out, seed=7, n_persons=N, shape="alt")


@pytest.fixture(scope="module")
def wild_city(tmp_path_factory):
    out = tmp_path_factory.mktemp("wild")
    return out, generate_city(out, seed=7, n_persons=N, shape="wild")


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _config(root: Path, name: str = "config.yaml") -> dict:
    return yaml.safe_load((root / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("which", ["city", "alt_city", "wild_city"])
def test_config_lists_every_source_and_the_truth_every_bad_row_kind(which, request):
    root, _ = request.getfixturevalue(which)
    everything = _config(root)
    assert {s["entity"] for s in everything["sources"]} == {"person", "enterprise", "property"}
    bad = pd.read_csv(root / "truth/bad_rows.csv", dtype=str)
    assert set(bad["source"]) == {s["name"] for s in everything["sources"]}


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


def _records(root: Path, entity: str) -> pd.DataFrame:
    return pd.read_csv(root / "truth" / RECORD_FILES[entity][0], dtype=str)


def test_summary_counts_match_files(city):
    root, summary = city
    bad = pd.read_csv(root / "truth/bad_rows.csv", dtype=str)
    for source, _, rows in _each_source(root):
        records = _records(root, source["entity"])
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


@pytest.mark.parametrize("which", ["city", "alt_city", "wild_city"])
def test_every_accepted_record_is_in_its_source(which, request):
    root, _ = request.getfixturevalue(which)
    records = pd.read_csv(root / "truth/person_records.csv", dtype=str)
    persons = set(pd.read_csv(root / "truth/persons.csv", dtype=str)["person_uid"])
    assert set(records["person_uid"]) <= persons
    enterprises = set(pd.read_csv(root / "truth/enterprises.csv", dtype=str)["enterprise_uid"])
    properties = set(pd.read_csv(root / "truth/properties.csv", dtype=str)["property_uid"])
    assert set(_records(root, "enterprise")["enterprise_uid"]) <= enterprises
    assert set(_records(root, "property")["property_uid"]) <= properties
    entities = set()
    for source, header, rows in _each_source(root):
        entities.add(source["entity"])
        records = _records(root, source["entity"])
        at = header.index(_key_column(source))
        keys = {r[at] for r in rows if len(r) > at}
        expected = records.loc[records["source"] == source["name"], "record_key"]
        assert expected.is_unique and len(expected) > 0
        assert set(expected) <= keys
    assert entities == {"person", "enterprise", "property"}


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


@pytest.mark.parametrize("which", ["city", "alt_city", "wild_city"])
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


@pytest.mark.parametrize("which", ["city", "alt_city", "wild_city"])
def test_config_maps_existing_columns_and_all_coded_values(which, request):
    root, _ = request.getfixturevalue(which)
    config = _config(root)
    assert config["city"] == "深圳市" and config["region_code"] == "440300"
    bad = pd.read_csv(root / "truth/bad_rows.csv", dtype={"row_number": int})
    for source, header, rows in _each_source(root):
        assert not Path(source["path"]).is_absolute() and (root / source["path"]).exists()
        assert source["entity"] in CANONICAL_BY_ENTITY
        assert set(source["columns"]) <= set(header)
        assert set(source["columns"].values()) <= CANONICAL_BY_ENTITY[source["entity"]]
        assert len(header) > len(source["columns"]), "some columns stay unmapped"
        skip = set(bad.loc[bad["source"] == source["name"], "row_number"])
        by_field = {field: header.index(col) for col, field in source["columns"].items()}
        for field, mapping in source.get("values", {}).items():
            seen = {r[by_field[field]] for i, r in enumerate(rows, start=1) if i not in skip}
            assert seen - {""} <= set(mapping), (source["name"], field)
            assert set(mapping.values()) <= CANONICAL_VALUES[field]


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


def _uscc_ok(code: str) -> bool:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    if len(code) != 18 or any(ch not in alphabet for ch in code):
        return False
    total = sum(alphabet.index(ch) * pow(3, i, 31) for i, ch in enumerate(code[:17]))
    return alphabet[(31 - total % 31) % 31] == code[17]


def _org_ok(code: str) -> bool:
    if len(code) != 9:
        return False
    total = sum(int(ch, 36) * w for ch, w in zip(code[:8], (3, 7, 9, 10, 5, 8, 4, 2)))
    c = 11 - total % 11
    return code[8] == {10: "X", 11: "0"}.get(c, str(c))


def _mod_11_10_ok(number: str) -> bool:
    """ISO 7064 MOD 11,10 over all digits, the check included."""
    p = 10
    for ch in number:
        s = (p + int(ch)) % 10 or 10
        p = (2 * s) % 11
    return s == 1


def _enterprises(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "truth/enterprises.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("which", ["city", "alt_city", "wild_city"])
def test_enterprise_identifiers_pass_their_checks(which, request):
    root, summary = request.getfixturevalue(which)
    ent = _enterprises(root)
    assert len(ent) == summary["enterprises"] and ent["enterprise_uid"].is_unique
    with_uscc = ent[ent["uscc"] != ""]
    assert len(with_uscc) > 0.95 * len(ent)
    assert all(_uscc_ok(u) for u in with_uscc["uscc"]) and with_uscc["uscc"].is_unique
    assert (with_uscc["uscc"].str[8:17] == with_uscc["org_code"]).all()
    assert all(_org_ok(o) for o in ent["org_code"]) and ent["org_code"].is_unique
    legacy = ent[ent["reg_number"] != ""]
    assert len(legacy) > 0 and all(len(r) == 15 and _mod_11_10_ok(r) for r in legacy["reg_number"])
    assert (legacy["reg_number"].str[:6] == legacy["district_code"]).all()
    assert set(ent["status"]) == {"active", "deregistered", "revoked"}
    assert (ent.loc[ent["uscc"] == "", "reg_number"] != "").all()


@pytest.mark.parametrize("which", ["city", "alt_city", "wild_city"])
def test_branches_and_individual_businesses(which, request):
    root, _ = request.getfixturevalue(which)
    ent = _enterprises(root).set_index("enterprise_uid")
    persons = pd.read_csv(root / "truth/persons.csv", dtype=str, keep_default_na=False).set_index("person_uid")
    props = pd.read_csv(root / "truth/properties.csv", dtype=str).set_index("property_uid")
    branches = ent[ent["is_branch"] == "True"]
    assert len(branches) > 0
    for name, parent in zip(branches["name"], branches["parent_enterprise_uid"]):
        full = ent.loc[parent, "name"]
        assert name.startswith(full) and name.endswith("分公司") and name != full
        assert ent.loc[parent, "is_branch"] == "False" and ent.loc[parent, "is_individual_business"] == "False"
    assert (ent.loc[ent["is_branch"] == "False", "parent_enterprise_uid"] == "").all()
    ib = ent[ent["is_individual_business"] == "True"]
    assert len(ib) > 0 and ib["uscc"].str.startswith("92").all()
    assert not ib["name"].str.contains("公司").any()
    assert ib["operator_person_uid"].isin(persons.index).all()
    assert (ib["operator_person_uid"] == ib["legal_rep_person_uid"]).all()
    assert (ent.loc[ent["is_individual_business"] == "False", "uscc"].str[:2].isin(["91", ""])).all()
    assert ent["legal_rep_person_uid"].isin(persons.index).all()
    assert (persons.loc[ent["legal_rep_person_uid"], "id_number"] != "").all()
    assert ent["site_property_uid"].isin(props.index).all()
    uses = props.loc[ent["site_property_uid"], "use"]
    assert set(uses) <= {"residential", "commercial"} and (uses == "commercial").mean() > 0.2
    assert ent["site_property_uid"].value_counts().iloc[0] >= 5, "some addresses host a cluster of registrations"


def test_enterprise_sources_carry_the_truth_and_its_variants(city):
    root, _ = city
    ent = _enterprises(root).set_index("enterprise_uid")
    persons = pd.read_csv(root / "truth/persons.csv", dtype=str, keep_default_na=False).set_index("person_uid")
    records = _records(root, "enterprise").set_index(["source", "record_key"])["enterprise_uid"]
    sources = {s["name"]: s for s in _config(root)["sources"]}

    def frame(name: str) -> pd.DataFrame:
        header, rows = _read(root, sources[name])
        df = pd.DataFrame([r for r in rows if len(r) == len(header)], columns=header)
        df = df.rename(columns=sources[name]["columns"]).drop_duplicates("record_key")
        df = df[[(name, k) in records.index for k in df["record_key"]]]
        df["uid"] = [records[(name, k)] for k in df["record_key"]]
        return df

    market = frame("market_regulation")
    assert market["uid"].is_unique and set(market["uid"]) == set(ent.index)
    assert (market["name"].to_numpy() == ent.loc[market["uid"], "name"].to_numpy()).all()
    same_id = market["legal_rep_id_number"].to_numpy() == persons.loc[ent.loc[market["uid"], "legal_rep_person_uid"], "id_number"].to_numpy()
    assert same_id.mean() > 0.98
    assert ((market["uscc"] == "") == (ent.loc[market["uid"], "uscc"].to_numpy() == "")).all()
    tax = frame("tax")
    true_uscc = ent.loc[tax["uid"], "uscc"].to_numpy()
    legacy = tax["tax_id"].str.len() == 15
    assert legacy.any() and (tax.loc[legacy, "tax_id"].str[6:].to_numpy() == ent.loc[tax.loc[legacy, "uid"], "org_code"].to_numpy()).all()
    typos = (tax["uscc"] != "") & (tax["uscc"].to_numpy() != true_uscc)
    assert 0 < typos.sum() < 0.05 * len(tax)
    assert all(sum(a != b for a, b in zip(x, y)) == 1 for x, y in zip(tax.loc[typos, "uscc"], true_uscc[typos]))
    names = tax["name"].to_numpy() != ent.loc[tax["uid"], "name"].to_numpy()
    assert 0.2 < names.mean() < 0.6
    assert tax["name"].str.contains("（深圳）").any() and tax["name"].str.contains("有限责任公司").any()


def test_property_sources_carry_the_truth(city):
    root, _ = city
    props = pd.read_csv(root / "truth/properties.csv", dtype=str, keep_default_na=False).set_index("property_uid")
    records = _records(root, "property")
    sources = {s["name"]: s for s in _config(root)["sources"]}
    header, rows = _read(root, sources["real_estate"])
    titles = pd.DataFrame([r for r in rows if len(r) == len(header)], columns=header).rename(
        columns=sources["real_estate"]["columns"]).drop_duplicates("record_key").set_index("record_key")
    truth = records[records["source"] == "real_estate"]
    got = titles.loc[truth["record_key"]]
    assert (got["property_code"].to_numpy() == props.loc[truth["property_uid"], "property_code"].to_numpy()).all()
    assert (got["road"].to_numpy() == props.loc[truth["property_uid"], "road"].to_numpy()).all()
    assert truth["property_uid"].duplicated().any(), "a few properties carry a superseded title"
    owners = pd.read_csv(root / "truth/property_owners.csv", dtype=str, keep_default_na=False)
    persons = set(pd.read_csv(root / "truth/persons.csv", dtype=str)["person_uid"])
    assert set(owners["owner_person_uid"]) - {""} <= persons
    assert (owners["owner_enterprise_uid"] != "").any()
    housing = records[records["source"] == "housing_bureau"]
    assert housing["property_uid"].is_unique and len(housing) > 0.8 * len(props)
    assert not housing["record_key"].isin(props["property_code"]).any()


# ------------------------------------------------------------------ the wild shape and the other shapes' stability

# Digests of small default and alt cities, recorded before the wild shape was added: the wild
# shape must not move a single byte of the others (Parquet files compared by content, since their
# metadata names the pyarrow version).
FROZEN = {("default", 11, 600): "b886eabc422ee4c2116dc59e1f86970be34cb24f5e81dffaeae97bd2b7e08259",
          ("alt", 11, 600): "bf09124637ff3992fb681f17f28cc3652f32d7b3e12cd1e3f2433168b96c938b"}


def _content_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".parquet":
                data = json.dumps(pq.read_table(path).to_pydict(), ensure_ascii=False).encode()
            h.update(str(path.relative_to(root)).encode())
            h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


@pytest.mark.parametrize("shape, seed, n", list(FROZEN))
def test_default_and_alt_are_unchanged(shape, seed, n, tmp_path):
    generate_city(tmp_path, seed=seed, n_persons=n, shape=shape)
    assert _content_digest(tmp_path) == FROZEN[(shape, seed, n)]


def test_wild_same_seed_same_bytes_and_other_seed_differs(wild_city, tmp_path):
    root, summary = wild_city
    assert summary["shape"] == "wild"
    generate_city(tmp_path / "again", seed=7, n_persons=N, shape="wild")
    assert _digests(tmp_path / "again") == _digests(root)
    generate_city(tmp_path / "other", seed=8, n_persons=N, shape="wild")
    other = _digests(tmp_path / "other")
    assert other["truth/properties.csv"] != _digests(root)["truth/properties.csv"]


def _props(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "truth/properties.csv", dtype=str, keep_default_na=False).set_index("property_uid")


def test_wild_truth_is_consistent(wild_city):
    root, summary = wild_city
    props = _props(root)
    persons = pd.read_csv(root / "truth/persons.csv", dtype=str, keep_default_na=False)
    assert len(props) == summary["properties"] and props["property_code"].is_unique
    assert set(_records(root, "property")["property_uid"]) <= set(props.index)
    assert set(_enterprises(root)["site_property_uid"]) <= set(props.index)
    for flag, uid, district in (("resident_in_city", "residence_property_uid", "residence_district_code"),
                                ("registered_in_city", "registered_property_uid", "registered_district_code")):
        on = persons[flag] == "True"
        assert ((persons[uid] != "") == on).all() and ((persons[district] != "") == on).all()
        assert (props.loc[persons.loc[on, uid], "use"] == "residential").all()
        assert (props.loc[persons.loc[on, uid], "district_code"].to_numpy() == persons.loc[on, district]).all()
    assert set(props["kind"]) == {"estate", "village", "shop", "toilet", "power"}
    assert (props.loc[props["kind"].isin(["estate", "village"]), "use"] == "residential").all()
    assert (props.loc[~props["kind"].isin(["estate", "village"]), "use"] != "residential").all()
    key = ["district_code", "estate", "village", "lane", "house_number", "road", "door_number", "building", "unit",
           "room", "use"]
    assert not props.duplicated(key).any()
    # most floating residents live in urban villages, few locals do
    resident = persons[persons["resident_in_city"] == "True"]
    in_village = props.loc[resident["residence_property_uid"], "kind"].to_numpy() == "village"
    assert in_village[resident["category"].to_numpy() == "floating"].mean() > 0.55
    assert in_village[resident["category"].to_numpy() == "local"].mean() < 0.2


def test_wild_universe_has_the_awkward_cases(wild_city):
    props = _props(wild_city[0])
    estates = props[props["kind"] == "estate"]
    villages = props[props["kind"] == "village"]
    assert estates["estate"].str.contains("花园|苑|小区|家园|大厦|公寓|新村|华庭").all()
    assert (estates.groupby("estate")["estate_alias"].first() != "").any(), "some estates have two names"
    assert estates["building"].str.match(r"^[A-H]").any() and estates["building"].str.match(r"^\d").any()
    # flat numbers repeating in every unit of one building
    per_flat = estates[estates["unit"] != ""].groupby(["district_code", "estate", "building", "room"])["unit"].nunique()
    assert (per_flat > 1).any()
    # every district has two villages or more, and lane + house numbers repeat across them
    assert (villages.groupby("district_code")["village"].nunique() >= 2).all()
    shared = villages.groupby(["district_code", "lane", "house_number"])["village"].nunique() >= 2
    assert shared.groupby(level="district_code").any().mean() > 0.5
    assert villages["village"].str.endswith("村").all() and villages["lane"].str.match(r"^[一二三四五六七八九十]+[巷排坊组]$").all()
    floors = villages.groupby(["village", "lane", "house_number"])["floor"].apply(lambda f: f.astype(int).max())
    assert floors.between(3, 8).all()
    assert 0.3 < (villages["road"] != "").mean() < 0.8, "some village houses also carry a road + door number"
    toilets = props[props["kind"] == "toilet"]
    assert len(toilets) and (toilets["village"] != "").all() and (toilets["lane"] != "").all()


def _address_frame(root: Path, source_name: str, field: str) -> pd.DataFrame:
    """record_key, text and the true property (with its truth columns) of every good record with one:
    the residence or registered dwelling of a person, the site of an enterprise, the property itself."""
    source = next(s for s in _config(root)["sources"] if s["name"] == source_name)
    header, rows = _read(root, source)
    frame = pd.DataFrame([r for r in rows if len(r) == len(header)], columns=header)
    frame = frame.rename(columns={c: f for c, f in source["columns"].items()})[["record_key", field]]
    frame = frame.rename(columns={field: "text"}).drop_duplicates("record_key")
    records = _records(root, source["entity"])
    records = records[records["source"] == source_name]
    if source["entity"] == "person":
        persons = pd.read_csv(root / "truth/persons.csv", dtype=str, keep_default_na=False)
        col = "residence_property_uid" if field == "residence_address" else "registered_property_uid"
        records = records.merge(persons[["person_uid", col]], on="person_uid").rename(columns={col: "property_uid"})
        records = records[records["property_uid"] != ""]
    elif source["entity"] == "enterprise":  # the site (market regulation moved a few to a stale address)
        sites = _enterprises(root)[["enterprise_uid", "site_property_uid"]]
        records = records.merge(sites, on="enterprise_uid").rename(columns={"site_property_uid": "property_uid"})
    frame = frame.merge(records[["record_key", "property_uid"]], on="record_key")
    return frame.join(_props(root), on="property_uid")


VILLAGE_LANE = re.compile(r"(?:第?[一二三四五六七八九十]+|\d+)[巷排坊组]")
FLOOR_ROOM = re.compile(r"\d楼\d\d$")
TI_UNIT = re.compile(r"(?:\d|[一二三四])梯")
NEARBY = re.compile(r"(?:附近|对面|旁边|旁|门口)$")


def _weight(table: dict, key: str) -> float:
    return table.get(key, 0.0) / sum(table.values())


def _expected_forms(style: dict, f: pd.DataFrame) -> dict[str, tuple[pd.Series, pd.Series]]:
    """For each form: (observed hit, expected probability) per record of the subset it applies to."""
    village = f[f["kind"] == "village"]
    estate = f[f["kind"] == "estate"]
    keep = 1 - style["nearby"]
    vp = style["village_place"]
    lane_p = _weight(vp, "lane") + (1 - _weight(vp, "lane")) * (village["road"] == "")
    estate_only = pd.Series(_weight(style["estate_place"], "estate"), index=estate.index)
    b = style["building"]
    letter = estate["building"].str.match(r"^[A-H]")
    labelled = estate["building"] != ""
    room_written = keep * (1 - labelled * (_weight(b, "dash") + letter * _weight(b, "bare")))
    units = estate[estate["unit"] != ""]
    return {
        "village_lane": (village["text"].str.contains(VILLAGE_LANE), lane_p),
        "estate_only": (estate.apply(lambda r: (r["estate"] in r["text"] or (r["estate_alias"] != "" and r["estate_alias"] in r["text"]))
                                     and r["road"] not in r["text"], axis=1), estate_only),
        "floor_room_estate": (estate["text"].str.contains(FLOOR_ROOM), room_written * _weight(style["room"], "lou")),
        "floor_room_village": (village["text"].str.contains(FLOOR_ROOM),
                               pd.Series(keep * _weight(style["village_room"], "lou"), index=village.index)),
        "ti_unit": (units["text"].str.contains(TI_UNIT), room_written[units.index] * _weight(style["unit"], "ti")),
        "nearby": (f.loc[f["use"] == "residential", "text"].str.contains(NEARBY),
                   pd.Series(style["nearby"], index=f.index[f["use"] == "residential"])),
    }


WILD_CHECKS = [("floating_population", "residence_address", "WILD_FLOATING"), ("grid_survey", "residence_address", "WILD_SURVEY"),
               ("education", "residence_address", "WILD_SCHOOL"), ("police_hukou", "registered_address", "WILD_HUKOU"),
               ("residence_permit", "residence_address", "WILD_PERMIT"), ("housing_bureau", "address", "WILD_HOUSING"),
               ("real_estate", "address", "WILD_TITLES")]


@pytest.mark.parametrize("source, field, profile", WILD_CHECKS)
def test_wild_addresses_carry_their_forms_at_their_rates(wild_city, source, field, profile):
    from resolve.synth import shapes

    style = {**wild_style(), **getattr(shapes, profile)}
    frame = _address_frame(wild_city[0], source, field)
    assert len(frame) > 300
    for form, (hit, p) in _expected_forms(style, frame).items():
        if len(p) < 40:
            continue
        observed, expected = hit.mean(), p.mean()
        slack = 4 * np.sqrt(max(expected * (1 - expected), 0.01) / len(p)) + 0.02
        assert abs(observed - expected) < slack, (source, form, round(observed, 3), round(expected, 3), len(p))


def test_wild_departments_write_differently(wild_city):
    root = wild_city[0]
    grid = _address_frame(root, "grid_survey", "residence_address")
    titles = _address_frame(root, "real_estate", "address")
    estate_only = lambda f: f[f["kind"] == "estate"].apply(lambda r: r["road"] not in r["text"], axis=1).mean()
    assert estate_only(grid) > 0.4 and estate_only(titles) < 0.15
    lanes = lambda f: f.loc[f["kind"] == "village", "text"].str.contains(VILLAGE_LANE).mean()
    housing = _address_frame(root, "housing_bureau", "address")
    assert lanes(grid) > 0.8 and lanes(housing) < lanes(grid) - 0.2
    assert titles["text"].str.contains(r"^(?:广东省)?深圳市").mean() > 0.85
    assert grid["text"].str.contains(r"^(?:广东省)?深圳市").mean() < 0.4
    # the title's structured columns are the truth's 门牌 and project name
    assert (titles["text"].str.contains(r"\d+梯")).mean() < 0.01
    vil = titles[titles["kind"] == "village"]
    assert 0 < len(vil) < 0.4 * len(titles), "few village houses hold a title"


def test_wild_title_columns_follow_the_truth(wild_city):
    root = wild_city[0]
    source = next(s for s in _config(root)["sources"] if s["name"] == "real_estate")
    header, rows = _read(root, source)
    titles = pd.DataFrame([r for r in rows if len(r) == len(header)], columns=header).drop_duplicates(header[0])
    truth = _records(root, "property").query("source == 'real_estate'").join(_props(root), on="property_uid")
    got = titles.set_index(header[0]).loc[truth["record_key"]]
    assert (got["路名"].to_numpy() == truth["road"].to_numpy()).all()
    assert (got["门牌号"].to_numpy() == truth["door_number"].to_numpy()).all()
    project = np.where(truth["village"] != "", truth["village"], truth["estate"])
    assert (got["项目名称"].to_numpy() == project).all()
    assert (got["房号"].to_numpy() == truth["room"].str.removesuffix("室").to_numpy()).all()


def _rooms(form: str) -> dict:
    return {"room": {form: 1}, "village_room": {form: 1}}


NAMED = {"estate_place": {"road_estate": 1}, "alias": 0.0}
LANES = {"village_place": {"lane": 1}}
FORM_CASES = [
    # (kinds rendered, profile override, regex every address must match)
    ("both", _rooms("bare"), r"\D\d{3,4}$"), ("both", _rooms("shi"), r"\D\d{3,4}室$"),
    ("both", _rooms("fang"), r"\D\d{3,4}房$"), ("both", _rooms("lou"), r"\D\d{1,2}楼\d\d$"),
    ("both", _rooms("louhao"), r"\D\d{1,2}楼\d{1,2}号$"), ("both", _rooms("dash"), r"[^\d-]\d{1,2}-\d\d$"),
    ("both", _rooms("ceng"), r"\D\d{1,2}层\d\d$"), ("both", _rooms("cnlou"), r"[一二三四五六七八九十]+楼\d{3,4}$"),
    ("both", _rooms("cndigits"), r"(?<![零一二三四五六七八九])[零一二三四五六七八九]{3,4}$"),
    ("village", _rooms("floor_only"), r"[号栋]\d楼$"), ("village", _rooms("none"), r"[号栋]$"),
    ("estate", {"unit": {"ti": 1}, **_rooms("bare")}, r"\d梯\d{3,4}$|^[^梯]*$"),
    ("estate", {"unit": {"cn": 1}, **_rooms("bare")}, r"[一二三四]单元\d{3,4}$|^[^单]*$"),
    ("estate", {"building": {"cn": 1}, **NAMED}, r"[园苑区庭村厦寓][一二三四五六七八九十]+(栋|座|幢|号楼)|[A-H](栋|座|幢)|大厦|公寓"),
    ("estate", {"building": {"di": 1}, **NAMED}, r"[园苑区庭村厦寓]第\d+(栋|座|幢|号楼)|[A-H](栋|座|幢)|大厦|公寓"),
    ("estate", {"building": {"alt": 1}, **NAMED}, r"\d+(栋|座|幢|号楼)|[A-H](栋|座|幢)|大厦|公寓"),
    ("estate", {"building": {"dash": 1}, **NAMED, **_rooms("bare")},
     r"[园苑区庭村厦寓][\dA-H]+-(\d-)?\d{3,4}$|(大厦|公寓)[^-]*$"),
    ("estate", {"building": {"bare": 1}, **NAMED, **_rooms("bare")},
     r"[园苑区庭村厦寓]([A-H]\d{3,4}|\d+(栋|座|幢|号楼))|(大厦|公寓)[^-]*$"),
    ("village", {**LANES, "lane_num": {"cn": 1}, "house_num": {"cn": 1}, **_rooms("none")},
     r"村[一二三四五六七八九十]+[巷排坊组][一二三四五六七八九十]+号$"),
    ("village", {**LANES, "lane_num": {"arabic": 1}, "house_num": {"arabic": 1}}, r"村\d+[巷排坊组]\d+号"),
    ("village", {**LANES, "lane_num": {"di": 1}, "house_num": {"dong": 1}}, r"村第[一二三四五六七八九十]+[巷排坊组]\d+栋"),
    ("both", {"community_only": 1.0}, r"^[^市]+社区"),
    ("village", {"village_community": 1.0, **LANES}, r"社区[^社]+村"),
    ("both", {"province": 0, "city": 1, "city_repeat": 1, "city_short": 0}, r"^深圳市深圳市"),
    ("both", {"district": 1, "city": 0, "province": 0, "district_short": 1}, r"^(福田|罗湖|南山|宝安|龙岗|盐田|龙华|坪山|光明)[^区]"),
    ("both", {"nearby": 1}, r"(附近|对面|旁边|旁|门口)$"),
    ("both", {"fullwidth": 1}, r"^[^0-9]*$"),
]


def test_wild_writer_place_forms(wild_universe):
    props = wild_universe
    base = {"typo": 0.0, "nearby": 0.0, "community_only": 0.0, "alias": 0.0, "fullwidth": 0.0, "spaces": 0.0,
            "comma": 0.0}
    idx = np.flatnonzero(props.kind == "estate")
    road, estate = props.road[idx], props.estate[idx]
    for form, has_road, has_estate in (("estate", False, True), ("road", True, False), ("road_estate", True, True)):
        text = props.render(idx, np.random.default_rng(1), wild_style(**base, estate_place={form: 1}))
        assert all((r in t) == has_road and (e in t) == has_estate for r, e, t in zip(road, estate, text)), form
    named = idx[props.alias[idx] != ""]
    text = props.render(named, np.random.default_rng(1), wild_style(**(base | {"alias": 1.0}), estate_place={"estate": 1}))
    assert all(a in t and e not in t for a, e, t in zip(props.alias[named], props.estate[named], text))
    plated = np.flatnonzero((props.kind == "village") & (props.road != ""))
    text = props.render(plated, np.random.default_rng(1), wild_style(**base, village_place={"road": 1}))
    assert all(f"{r}{d}号" in t and v not in t
               for r, d, v, t in zip(props.road[plated], props.door[plated], props.village[plated], text))


@pytest.fixture(scope="module")
def wild_universe():
    from resolve.synth.wild import build_wild_properties

    rng = np.random.default_rng(5)
    return build_wild_properties(rng, np.full(9, 120), np.full(9, 200), 0.05)


@pytest.mark.parametrize("kinds, override, pattern", FORM_CASES)
def test_wild_writer_forms(wild_universe, kinds, override, pattern):
    props = wild_universe
    base = {"typo": 0.0, "nearby": 0.0, "spaces": 0.0, "comma": 0.0, "fullwidth": 0.0, "community_only": 0.0,
            "building": {"canon": 1}, "unit": {"arabic": 1}}
    wanted = ("estate", "village") if kinds == "both" else (kinds,)
    idx = np.flatnonzero(np.isin(props.kind, wanted))
    text = props.render(idx, np.random.default_rng(1), wild_style(**(base | override)))
    bad = [t for t in text if not re.search(pattern, t)]
    assert not bad, bad[:5]


def test_wild_writer_rates_and_typos(wild_universe):
    props = wild_universe
    dwellings = np.flatnonzero(props.use == "residential")
    idx = np.random.default_rng(2).choice(dwellings, 20000)
    style = wild_style(typo=0.05, spaces=0.1, comma=0.1, unit={"ti": 0.5, "arabic": 0.5})
    text = pd.Series(props.render(idx, np.random.default_rng(3), style))
    kind = props.kind[idx]
    names = np.where(kind == "village", props.village[idx], props.estate[idx])
    place_known = [n in t or (a != "" and a in t) or (r != "" and r in t)
                   for n, a, r, t in zip(names, props.alias[idx], props.road[idx], text)]
    assert 0.025 < 1 - np.mean(place_known) < 0.06, "about typo of the records lose their exact place name"
    assert 0.08 < text.str.contains(" |\u3000").mean() < 0.12
    assert 0.06 < text.str.contains(",|，").mean() < 0.11
    units = (kind == "estate") & (props.unit[idx] > 0)
    assert 0.3 < text[units].str.contains(TI_UNIT).mean() < 0.5
    # the same department writes the same flat more than one way
    again = pd.Series(props.render(idx, np.random.default_rng(4), style))
    assert (again != text).mean() > 0.5
