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


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _config(root: Path, name: str = "config.yaml") -> dict:
    return yaml.safe_load((root / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("which", ["city", "alt_city"])
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


@pytest.mark.parametrize("which", ["city", "alt_city"])
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


@pytest.mark.parametrize("which", ["city", "alt_city"])
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


@pytest.mark.parametrize("which", ["city", "alt_city"])
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
