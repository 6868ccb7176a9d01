"""resolve serve on a generated city none of it was tuned on: the three callers' daily work
through the API (and, where Chromium is there, the pages), the log of who asked, and the
corrections a rebuild then applies."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import duckdb
import pytest

from resolve.config import load_config
from resolve.errors import ResolveError
from resolve.pipeline import run
from resolve.serve import Service, create_app, load_tokens
from resolve.synth.city import generate_city

SEED, PERSONS = 8123, 1500
TOKENS = {"steward": "steward-token-0123456789abcdef", "grid_worker": "grid-token-0123456789abcdefgh",
          "approval": "approval-token-0123456789abcdef"}
NAMES = {"steward": "管理员 王五", "grid_worker": "网格员 李四", "approval": "秒批系统"}


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("serve")
    generate_city(folder / "city", seed=SEED, n_persons=PERSONS)
    config = folder / "city" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "overrides: overrides\nservice:\n  tokens: tokens.yaml\n",
                      encoding="utf-8")
    (folder / "city" / "tokens.yaml").write_text("".join(
        f"- name: {NAMES[r]}\n  role: {r}\n  token: {t}\n" for r, t in TOKENS.items()), encoding="utf-8")
    run(load_config(config), folder / "out")
    return folder


@pytest.fixture(scope="module")
def client(city):
    from starlette.testclient import TestClient

    service = Service(city / "out")
    with TestClient(create_app(service)) as c:
        c.service = service
        yield c
    service.close()


def auth(role: str) -> dict:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def q(city: Path, sql: str, params=None):
    con = duckdb.connect(str(city / "out" / "registry.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def log_lines(city: Path) -> list[dict]:
    return [json.loads(line) for line in (city / "city" / "service-log.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def known(city) -> dict:
    """A living person with a valid ID and a residence, as the registry holds them."""
    pid, name, id_number, birth, prop = q(city, """
        SELECT g.person_id, g.name, g.id_number, g.birth_date::VARCHAR, r.property_id
        FROM person_golden g JOIN person_residence r USING (person_id)
        WHERE g.id_valid AND g.status = 'active' AND g.n_records >= 2 ORDER BY g.person_id LIMIT 1""")[0]
    return {"person_id": pid, "name": name, "id_number": id_number, "birth_date": birth, "property_id": prop}


# ------------------------------------------------------------------------------------ tokens

def test_token_file_errors_name_the_entry_and_the_fix(tmp_path):
    path = tmp_path / "tokens.yaml"
    with pytest.raises(ResolveError, match="token file not found"):
        load_tokens(path)
    path.write_text("- name: a\n  role: boss\n  token: short\n- name: b\n  role: steward\n  token: "
                    "same-token-0123456789abcdef\n- name: c\n  role: steward\n  token: same-token-0123456789abcdef\n",
                    encoding="utf-8")
    with pytest.raises(ResolveError) as err:
        load_tokens(path)
    text = str(err.value)
    assert "entry 1: role 'boss' is not one of steward, grid_worker, approval" in text
    assert "entry 1: the token is shorter than 24 characters" in text and "secrets.token_urlsafe" in text
    assert "entry 3: the same token as b" in text
    path.write_text("- name: a\n  role: steward\n  token: [unclosed\n", encoding="utf-8")
    with pytest.raises(ResolveError, match=r"tokens.yaml:\d+: not valid YAML"):
        load_tokens(path)


def test_a_registry_whose_config_names_no_tokens_is_refused_with_the_fix(city, tmp_path):
    bare = tmp_path / "config.yaml"
    text = (city / "city" / "config.yaml").read_text(encoding="utf-8").replace("service:\n  tokens: tokens.yaml\n", "")
    bare.write_text(text.replace("sources/", str(city / "city" / "sources") + "/"), encoding="utf-8")
    with pytest.raises(ResolveError, match="no service.tokens"):
        Service(city / "out", bare)


# ------------------------------------------------------------------------------------ lookup

def test_approval_system_finds_the_person_by_id_and_name(client, known):
    r = client.post("/lookup", json={"id_number": known["id_number"], "name": known["name"]}, headers=auth("approval"))
    assert r.status_code == 200, r.text
    body = r.json()
    top = body["candidates"][0]
    assert top["person_id"] == known["person_id"] and top["match_probability"] > 0.99
    assert top["id_number"] == known["id_number"]  # the approval system sees the full ID
    assert any(e["comparison"] == "id_number" and e["weight"] > 0 for e in top["explanation"])


def test_a_grid_worker_sees_ids_masked(client, known):
    r = client.post("/lookup", json={"id_number": known["id_number"], "name": known["name"]},
                    headers=auth("grid_worker"))
    assert r.status_code == 200
    body = r.json()
    assert known["id_number"] not in r.text
    assert body["candidates"][0]["id_number"] == known["id_number"][:6] + "********" + known["id_number"][-4:]


def test_bad_requests_get_json_errors_with_reasons(client):
    assert client.post("/lookup", json={"name": "张三"}).status_code == 401
    r = client.post("/lookup", json={"name": "张三"}, headers={"Authorization": "Bearer not-a-token-of-this-service"})
    assert r.status_code == 401 and "not one of this service's" in r.json()["error"]
    r = client.post("/lookup", content=b"{name: 1", headers={**auth("approval"), "Content-Type": "application/json"})
    assert r.status_code == 400 and "not JSON" in r.json()["error"]
    r = client.post("/lookup", json={"nmae": "张三"}, headers=auth("approval"))
    assert r.status_code == 400 and "unknown field(s) nmae" in r.json()["error"] and "id_number" in r.json()["error"]
    r = client.post("/lookup", json={"name": "张三", "birth_date": "5/6/1987"}, headers=auth("approval"))
    assert r.status_code == 400 and "day/month or month/day" in r.json()["error"]
    r = client.post("/lookup?limit=0", json={"name": "张三"}, headers=auth("approval"))
    assert r.status_code == 400 and "limit must be a whole number from 1 to 50" in r.json()["error"]
    r = client.post("/lookup", json=["张三"], headers=auth("approval"))
    assert r.status_code == 400 and "one JSON object" in r.json()["error"]
    # the approval system reads, it does not correct
    r = client.post("/overrides", json={"kind": "set_use", "entity_id": "H1", "value": "other"},
                    headers=auth("approval"))
    assert r.status_code == 403


# --------------------------------------------------------------------------------- overrides

def test_a_grid_worker_correction_goes_to_the_log_as_override_add_writes_it(client, city, known):
    from resolve.overrides import load_overrides

    entry = {"kind": "set_attribute", "entity_id": known["person_id"], "attribute": "residence_property",
             "value": "none", "reason": "走访：已搬离", "evidence": "2026-12-04 入户，房东证实"}
    r = client.post("/overrides", json=entry, headers=auth("grid_worker"))
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    config = load_config(city / "city" / "config.yaml")
    logged = {e.id: e for e in load_overrides(config)}
    assert logged[oid].author == NAMES["grid_worker"] and logged[oid].value == "none"
    listed = {e["id"]: e for e in client.get("/overrides", headers=auth("grid_worker")).json()["entries"]}
    assert listed[oid]["status"] == "pending" and "next rebuild" in listed[oid]["detail"]
    # merging persons is the steward's decision; a record the registry does not hold is named
    r = client.post("/overrides", json={"kind": "same", "records": ["a:1", "b:2"], "reason": "x", "evidence": "y"},
                    headers=auth("grid_worker"))
    assert r.status_code == 403 and "steward" in r.json()["error"]
    source = q(city, "SELECT source FROM person_xref LIMIT 1")[0][0]
    r = client.post("/overrides", json={"kind": "detach", "records": [f"{source}:NO-SUCH-KEY"], "reason": "x",
                                        "evidence": "y"}, headers=auth("grid_worker"))
    assert r.status_code == 400 and f"record {source}:NO-SUCH-KEY is not in the registry" in r.json()["error"]
    r = client.post("/overrides", json={"kind": "set_attribute", "entity_id": known["person_id"],
                                        "attribute": "residence_property", "value": "H0000000000000000",
                                        "reason": "x", "evidence": "y"}, headers=auth("grid_worker"))
    assert r.status_code == 400 and "H0000000000000000 is not a property" in r.json()["error"]
    r = client.post("/overrides", json={"kind": "set_use", "entity_id": known["property_id"], "value": "toilet",
                                        "reason": "x", "evidence": "y"}, headers=auth("grid_worker"))
    assert r.status_code == 400 and "use 'toilet' must be one of" in r.json()["error"]


def test_concurrent_corrections_are_all_kept(client, city):
    from resolve.overrides import load_overrides

    props = [r[0] for r in q(city, "SELECT property_id FROM property_golden ORDER BY property_id LIMIT 20")]
    results: list[int] = []

    def post(pid: str) -> None:
        r = client.post("/overrides", json={"kind": "set_use", "entity_id": pid, "value": "residential",
                                            "reason": "核实", "evidence": f"visit {pid}"}, headers=auth("steward"))
        results.append(r.status_code)

    threads = [threading.Thread(target=post, args=(p,)) for p in props]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [201] * len(props)
    entries = load_overrides(load_config(city / "city" / "config.yaml"))
    mine = [e for e in entries if e.kind == "set_use" and e.evidence.startswith("visit ")]
    assert sorted(e.entity_id for e in mine) == sorted(props) and len({e.id for e in entries}) == len(entries)


# ------------------------------------------------------------------------------------ review

def test_the_steward_works_through_the_review_queue(client, city):
    first = client.get("/api/review?limit=5", headers=auth("steward"))
    assert first.status_code == 200
    body = first.json()
    n = q(city, "SELECT count(*) FROM recon_dispute_explanations")[0][0]
    assert body["total"] == n > 0 and len(body["items"]) == min(5, n)
    item = next(i for i in body["items"] if i["decision"] is None)
    # side by side: the two records as the departments delivered them, and why they are uncertain
    assert item["left"]["record_key"] == item["records"][0].split(":", 1)[1]
    assert item["right"]["record_key"] == item["records"][1].split(":", 1)[1]
    assert item["explanation"] and item["weights"]
    r = client.post("/overrides", json={"kind": "different", "records": item["records"], "reason": "两人",
                                        "evidence": "户籍底册"}, headers=auth("steward"))
    assert r.status_code == 201, r.text
    after = client.get("/api/review?limit=5", headers=auth("steward")).json()
    assert after["decided"] == body["decided"] + 1
    decided = next(i for i in after["items"] if i["records"] == item["records"])
    assert decided["decision"] == {"id": r.json()["id"], "kind": "different", "author": NAMES["steward"]}
    assert client.get("/api/review", headers=auth("grid_worker")).status_code == 403


# -------------------------------------------------------------------------------- properties

def test_a_grid_worker_finds_a_property_and_its_residents(client, city, known):
    address = q(city, "SELECT address FROM property_golden WHERE property_id = ?", [known["property_id"]])[0][0]
    words = f"{address[:len(address) // 2]} {address[len(address) // 2:]}"  # two halves: every word must hold
    found = client.get("/api/properties", params={"q": words}, headers=auth("grid_worker")).json()["properties"]
    assert known["property_id"] in [p["property_id"] for p in found]
    detail = client.get(f"/api/properties/{known['property_id']}", headers=auth("grid_worker")).json()
    residents = {r["person_id"]: r for r in detail["residents"]}
    assert known["person_id"] in residents and known["id_number"] not in json.dumps(detail, ensure_ascii=False)
    assert client.get("/api/properties/H-NONE", headers=auth("grid_worker")).status_code == 404
    r = client.get("/api/properties", params={"q": "  "}, headers=auth("grid_worker"))
    assert r.status_code == 400 and "part of the address" in r.json()["error"]


def test_every_request_is_logged_with_who_asked_and_ids_masked(client, city, known):
    client.post("/lookup", json={"id_number": known["id_number"], "name": known["name"]}, headers=auth("approval"))
    lines = log_lines(city)
    mine = [line for line in lines if line["caller"] == NAMES["approval"] and line["request"] == "POST /lookup"]
    assert mine and mine[-1]["status"] == 200 and mine[-1]["n_candidates"] >= 1 and mine[-1]["top"] == known["person_id"]
    assert any(line["status"] == 401 and line["caller"] is None for line in lines)
    assert known["id_number"] not in (city / "city" / "service-log.jsonl").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ the rebuild

def test_the_next_rebuild_applies_what_the_service_took(client, city, known):
    """Run last in this file: the corrections posted above, applied by a rebuild; and a new
    resident, found by lookup, recorded at a property where nobody was registered living."""
    before = q(city, "SELECT count(*) FROM person_residence WHERE property_id = ?", [known["property_id"]])[0][0]
    empty = q(city, """SELECT property_id FROM property_golden g WHERE is_dwelling AND NOT EXISTS
                       (SELECT 1 FROM person_residence r WHERE r.property_id = g.property_id) ORDER BY 1 LIMIT 1""")[0][0]
    newcomer_name, newcomer_id = q(city, "SELECT name, id_number FROM person_golden WHERE id_valid AND person_id <> ? "
                                         "ORDER BY person_id DESC LIMIT 1", [known["person_id"]])[0]
    found = client.post("/lookup", json={"name": newcomer_name, "id_number": newcomer_id},
                        headers=auth("grid_worker")).json()["candidates"][0]["person_id"]
    r = client.post("/overrides", json={"kind": "set_attribute", "entity_id": found, "attribute": "residence_property",
                                        "value": empty, "reason": "新住户", "evidence": "走访"},
                    headers=auth("grid_worker"))
    assert r.status_code == 201, r.text
    built = client.get("/health").json()["registry_built"]
    run(load_config(city / "city" / "config.yaml"), city / "out")
    assert q(city, "SELECT count(*) FROM person_residence WHERE person_id = ?", [known["person_id"]]) == [(0,)]
    assert q(city, "SELECT count(*) FROM person_residence WHERE property_id = ?",
             [known["property_id"]])[0][0] == before - 1
    assert q(city, "SELECT count(*) FROM address_resolution WHERE entity = 'person' AND entity_id = ? "
                   "AND role = 'residence' AND property_id = ?", [known["person_id"], known["property_id"]]) == [(0,)]
    status = dict(q(city, "SELECT kind || ':' || coalesce(value, ''), status FROM override_status "
                          "WHERE kind = 'set_attribute'"))
    assert status["set_attribute:none"] == "applied"
    assert q(city, "SELECT property_id, basis FROM person_residence WHERE person_id = ?", [found]) == \
        [(empty, "override")]
    # the service, running all along, now answers from the rebuilt registry
    entries = {e["id"]: e for e in client.get("/overrides", headers=auth("steward")).json()["entries"]}
    assert entries[r.json()["id"]]["status"] == "applied"
    assert client.get("/health").json()["registry_built"] != built
    assert any(line["request"].startswith("RELOAD") and line["status"] == 200 for line in log_lines(city))
