"""The override log, stable IDs and new deliveries, on a generated city none of this was tuned on.

One registry is built, corrected through the log (the CLI and the Python API), rebuilt twice,
and then given a new delivery of the grid survey in which about 1 % of the records
changed (phones rewritten, rows dropped, rows added).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from resolve.cli import main
from resolve.config import load_config
from resolve.errors import ResolveError
from resolve.evaluate import partition_agreement
from resolve.overrides import append_override, load_overrides
from resolve.pipeline import run
from resolve.synth.city import generate_city

SEED, PERSONS = 31, 3000


def q(out: Path, sql: str, params=None):
    con = duckdb.connect(str(out / "registry.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _config(city: Path):
    path = city / "config.yaml"
    text = path.read_text(encoding="utf-8")
    if "overrides:" not in text:
        path.write_text(text + "overrides: overrides\n", encoding="utf-8")
    return load_config(path)


def _entry(**kw) -> dict:
    return {"author": "网格员 李四", "reason": "door-to-door visit", "evidence": "visit 2026-11-20",
            "date": "2026-11-20", **kw}


def new_delivery(city: Path, share: float = 0.01) -> dict[str, int]:
    """Rewrite the grid survey as its next delivery: of its data lines, one in 1/share gets a new
    phone number, one in 2/share is dropped, and one in 2/share comes back as a new record."""
    path = city / "sources" / "grid_survey.csv"
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    header, data = lines[0], [line for line in lines[1:] if line]
    step = int(1 / share)
    out, changed = [], {"phone": 0, "dropped": 0, "added": 0}
    for i, line in enumerate(data):
        if i % (2 * step) == 1:
            changed["dropped"] += 1
            continue
        if i % step == 3 and re.search(r",1\d{10},", line):
            line = re.sub(r",1(\d{10}),", lambda m: ",19" + m.group(1)[::-1][:9] + ",", line, count=1)
            changed["phone"] += 1
        out.append(line)
        if i % (2 * step) == 5:
            key = line.split(",", 1)[0]
            out.append(f"N{key}" + line[len(key):])
            changed["added"] += 1
    path.write_text("\n".join([header, *out]) + "\n", encoding="utf-8")
    return changed


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("overrides")
    generate_city(folder / "city", seed=SEED, n_persons=PERSONS)
    return folder


@pytest.fixture(scope="module")
def first(city) -> Path:
    out = city / "v1"
    run(_config(city / "city"), out)
    return out


@pytest.fixture(scope="module")
def picked(first) -> dict:
    """Records to correct, chosen from the first build."""
    multi = q(first, """
        SELECT person_id, list(source || ':' || record_key ORDER BY source, record_key)
        FROM person_xref GROUP BY person_id HAVING count(DISTINCT source) >= 3 ORDER BY person_id LIMIT 3""")
    singles = q(first, """
        SELECT x.source || ':' || x.record_key, x.person_id FROM person_xref x JOIN person_golden g USING (person_id)
        WHERE g.n_records = 1 AND NOT g.id_valid ORDER BY x.person_id LIMIT 2""")
    home = q(first, """SELECT property_id FROM recon_property_facts WHERE is_dwelling AND residents >= 2
                       ORDER BY property_id LIMIT 1""")[0][0]
    other_home = q(first, "SELECT property_id FROM recon_property_facts WHERE is_dwelling AND residents = 0 "
                          "ORDER BY property_id LIMIT 1")[0][0]
    return {"split": multi[0], "named": multi[1], "detach": multi[2], "singles": singles, "home": home,
            "other_home": other_home}


@pytest.fixture(scope="module")
def corrected(city, first, picked) -> Path:
    """The log written, the registry rebuilt with it in the same folder."""
    config = _config(city / "city")
    _split_id, split_records = picked["split"]
    named_id, named_records = picked["named"]
    runner = CliRunner()
    result = runner.invoke(main, ["override", "add", str(config.config_path), "--kind", "different",
                                  "--record", split_records[0], "--record", split_records[-1],
                                  "--author", "网格员 李四", "--reason", "twins: two people",
                                  "--evidence", "visit 2026-11-20, both present", "--registry", str(first)])
    assert result.exit_code == 0, result.output
    append_override(config, _entry(kind="same", records=[s for s, _ in picked["singles"]]))
    append_override(config, _entry(kind="set_attribute", entity_id=named_id, attribute="name", value="王更正"))
    append_override(config, _entry(kind="set_attribute", records=[named_records[0]], attribute="status",
                                   value="deceased", status_date="2026-09-30"))
    append_override(config, _entry(kind="set_attribute", entity_id=named_id, attribute="residence_property",
                                   value=picked["other_home"]))
    append_override(config, _entry(kind="set_use", entity_id=picked["home"], value="public_toilet"))
    append_override(config, _entry(kind="detach", records=[picked["detach"][1][0]]))
    revoked = append_override(config, _entry(kind="set_attribute", entity_id=named_id, attribute="sex", value="F"))
    append_override(config, _entry(kind="revoke", override=revoked.id))
    # written by hand: a record no department delivers, and a merge the log also forbids
    log = config.overrides_dir / "field_team.jsonl"
    log.write_text("\n".join(json.dumps({"id": f"OV-HAND-{i}", **entry}, ensure_ascii=False) for i, entry in enumerate([
        _entry(kind="same", records=[split_records[0], "police_hukou:NO-SUCH-KEY"]),
        _entry(kind="same", records=[split_records[0], split_records[-1]]),
    ])) + "\n", encoding="utf-8")
    shutil.copy(first / "registry.duckdb", city / "v1.duckdb")
    run(config, first)
    return first


def status(out: Path) -> dict[str, tuple[str, str]]:
    return {kind_id: (s, d) for kind_id, s, d in q(out, "SELECT override_id, status, detail FROM override_status")}


def test_different_splits_the_entity_and_reports_the_refused_links(corrected, picked):
    _pid, records = picked["split"]
    a, b = records[0].split(":", 1), records[-1].split(":", 1)
    ids = {r[0] for r in q(corrected, "SELECT person_id FROM person_xref WHERE (source, record_key) IN ((?, ?), (?, ?))",
                            [*a, *b])}
    assert len(ids) == 2
    refused = q(corrected, "SELECT count(*) FROM cluster_person_refused WHERE reason LIKE 'override_different:%'")[0][0]
    assert refused >= 1
    different = [r for r in q(corrected, "SELECT status, detail FROM override_status WHERE kind = 'different'")]
    assert different and different[0][0] in ("applied", "conflict") and "refused" in different[0][1]


def test_same_merges_below_the_threshold(corrected, picked):
    keys = [s.split(":", 1) for s, _ in picked["singles"]]
    ids = {r[0] for r in q(corrected, "SELECT person_id FROM person_xref WHERE (source, record_key) IN ((?, ?), (?, ?))",
                            [*keys[0], *keys[1]])}
    assert len(ids) == 1


def test_golden_values_come_from_the_log_and_say_so(corrected, picked):
    named_id, _ = picked["named"]
    name, status_, status_date, sex = q(corrected, "SELECT name, status, status_date, sex FROM person_golden "
                                                   "WHERE person_id = ?", [named_id])[0]
    assert (name, status_, str(status_date)) == ("王更正", "deceased", "2026-09-30")
    lineage = {a for (a,) in q(corrected, "SELECT attribute FROM person_lineage WHERE person_id = ? AND source = 'override'",
                               [named_id])}
    assert lineage == {"name", "status"}  # the sex override was revoked
    assert sex != "F" or "sex" not in lineage
    assert q(corrected, "SELECT property_id, basis FROM person_residence WHERE person_id = ?",
             [named_id]) == [(picked["other_home"], "override")]


def test_a_property_set_to_a_public_toilet_houses_nobody(corrected, picked):
    use, dwelling = q(corrected, "SELECT use, is_dwelling FROM property_golden WHERE property_id = ?", [picked["home"]])[0]
    assert (use, dwelling) == ("public_toilet", False)
    flagged = q(corrected, "SELECT count(*) FROM property_occupancy WHERE anomaly = 'resident_in_non_dwelling' "
                           "AND property_id = ?", [picked["home"]])[0][0]
    assert flagged == 1


def test_detached_record_stands_alone(corrected, picked):
    source, key = picked["detach"][1][0].split(":", 1)
    n = q(corrected, "SELECT g.n_records FROM person_xref x JOIN person_golden g USING (person_id) "
                     "WHERE x.source = ? AND x.record_key = ?", [source, key])[0][0]
    assert n == 1


def test_stale_conflicting_and_revoked_entries_are_reported_not_dropped(corrected):
    states = status(corrected)
    assert states["OV-HAND-0"][0] == "stale" and "NO-SUCH-KEY" in states["OV-HAND-0"][1]
    assert states["OV-HAND-1"][0] == "conflict" and "override_different" in states["OV-HAND-1"][1]
    kinds = dict(q(corrected, "SELECT override_id, kind FROM override_log"))
    assert sorted(s for o, (s, _) in states.items() if kinds[o] == "set_attribute") == \
        ["applied", "applied", "applied", "revoked"]
    assert len(states) == len(kinds) == 11
    html = (corrected / "report" / "index.html").read_text(encoding="utf-8")
    assert "OV-HAND-0" in html and "NO-SUCH-KEY" in html and "OV-HAND-1" in html


def test_ids_survive_rebuilds_and_the_different_holds(city, corrected, picked):
    config = _config(city / "city")
    before = city / "v1.duckdb"
    _pid, records = picked["split"]
    a, b = records[0].split(":", 1), records[-1].split(":", 1)
    for _ in range(2):
        previous = q(corrected, "SELECT source, record_key, person_id FROM person_xref ORDER BY 1, 2")
        run(config, corrected)
        assert q(corrected, "SELECT source, record_key, person_id FROM person_xref ORDER BY 1, 2") == previous
        ids = {r[0] for r in q(corrected, "SELECT person_id FROM person_xref WHERE (source, record_key) IN "
                                          "((?, ?), (?, ?))", [*a, *b])}
        assert len(ids) == 2
    # against the registry before the log: only the corrected entities changed their IDs
    agreement = partition_agreement(before, corrected / "registry.duckdb")
    assert agreement["same_id"] >= 0.99
    events = {e for (e,) in q(corrected, "SELECT DISTINCT event FROM id_history WHERE run > 1")}
    assert events & {"split", "merged", "created"}


def test_unchanged_data_rebuilt_elsewhere_gives_identical_ids(city, first):
    other = city / "elsewhere"
    shutil.copytree(first, other, ignore=shutil.ignore_patterns("report"))
    config = _config(city / "city")
    run(config, other)
    agreement = partition_agreement(first, other)
    assert agreement["records"] > 0 and agreement["agreement"] == 1.0 and agreement["same_id"] == 1.0


@pytest.fixture(scope="module")
def delivered(city, corrected) -> dict:
    """The grid survey's next delivery: linked by `resolve update`, and by a full rebuild."""
    config = _config(city / "city")
    shutil.copytree(corrected, city / "before_update", ignore=shutil.ignore_patterns("report"))
    changed = new_delivery(city / "city")
    result = CliRunner().invoke(main, ["update", str(config.config_path), "--source", "grid_survey",
                                       "--out", str(corrected)])
    assert result.exit_code == 0, result.output
    run(config, city / "full")
    return {"changed": changed, "updated": corrected, "full": city / "full", "before": city / "before_update"}


def test_update_agrees_with_a_full_rebuild(delivered):
    assert sum(delivered["changed"].values()) > 0
    for entity in ("person", "enterprise", "property"):
        agreement = partition_agreement(delivered["updated"], delivered["full"], entity)
        assert agreement["agreement"] >= 0.999, (entity, agreement)
    info = dict(q(delivered["updated"], "SELECT key, value FROM run_info"))
    assert info["update"] == "grid_survey" and "loaded from" in info["person_model"]
    # the report says how to rebuild it: the update, as it was run
    assert info["command"].startswith("resolve update ") and "--source grid_survey" in info["command"]
    assert info["command"] in (delivered["updated"] / "report" / "index.html").read_text(encoding="utf-8")
    # every source's rows are accounted for after the update, the new delivery's included
    rows = q(delivered["updated"], "SELECT source, rows_read FROM ingest_sources WHERE source = 'grid_survey'")
    linked = q(delivered["updated"], "SELECT count(*) FROM person_xref WHERE source = 'grid_survey'")[0][0]
    quarantined = q(delivered["updated"], "SELECT count(*) FROM quarantine WHERE source = 'grid_survey'")[0][0]
    assert rows[0][1] == linked + quarantined


def test_update_keeps_the_ids_of_untouched_entities_and_the_overrides(delivered, picked):
    before, after = delivered["before"], delivered["updated"]
    con = duckdb.connect()
    con.execute(f"ATTACH '{before / 'registry.duckdb'}' AS b (READ_ONLY)")
    con.execute(f"ATTACH '{after / 'registry.duckdb'}' AS a (READ_ONLY)")
    kept, untouched = con.execute("""
        WITH touched AS (
            SELECT DISTINCT b.person_id FROM b.person_xref b
            LEFT JOIN a.person_xref a USING (source, record_key)
            LEFT JOIN b.std_person sb ON sb.source = b.source AND sb.record_key = b.record_key
            LEFT JOIN a.std_person sa ON sa.source = b.source AND sa.record_key = b.record_key
            WHERE a.person_id IS NULL OR sa.phone IS DISTINCT FROM sb.phone
        ), untouched AS (SELECT DISTINCT person_id FROM b.person_xref WHERE person_id NOT IN (SELECT * FROM touched))
        SELECT count(*) FILTER (WHERE person_id IN (SELECT person_id FROM a.person_golden)), count(*) FROM untouched
    """).fetchone()
    con.close()
    assert kept / untouched >= 0.99
    _pid, records = picked["split"]
    a, b = records[0].split(":", 1), records[-1].split(":", 1)
    assert len({r[0] for r in q(after, "SELECT person_id FROM person_xref WHERE (source, record_key) IN "
                                       "((?, ?), (?, ?))", [*a, *b])}) == 2


def test_override_log_errors_name_the_line_and_the_fix(city, tmp_path):
    config = _config(city / "city")
    with pytest.raises(ResolveError, match="every override names its author"):
        append_override(config, {"kind": "detach", "records": ["grid_survey:X"]})
    with pytest.raises(ResolveError, match="'nowhere' is not a source in this config"):
        append_override(config, _entry(kind="different", records=["nowhere:1", "grid_survey:2"]))
    with pytest.raises(ResolveError, match="attribute 'height' cannot be set on a person"):
        append_override(config, _entry(kind="set_attribute", entity_id="P0001", attribute="height", value="1"))
    with pytest.raises(ResolveError, match="comes with its status_date"):
        append_override(config, _entry(kind="set_attribute", entity_id="P0001", attribute="status", value="deceased"))
    bad = config.overrides_dir / "zz_broken.jsonl"
    bad.write_text('{"kind": "detach"\n', encoding="utf-8")
    try:
        with pytest.raises(ResolveError, match=r"zz_broken.jsonl:1: not valid JSON"):
            load_overrides(config)
    finally:
        bad.unlink()
    result = CliRunner().invoke(main, ["override", "add", str(config.config_path), "--kind", "detach",
                                       "--record", "grid_survey:NOT-THERE", "--author", "a", "--reason", "r",
                                       "--evidence", "e", "--registry", str(city / "v1")])
    assert result.exit_code == 1 and "record grid_survey:NOT-THERE is not in the registry" in result.output
    assert "Traceback" not in result.output


def test_update_errors_name_the_fix(city, tmp_path):
    config = _config(city / "city")
    result = CliRunner().invoke(main, ["update", str(config.config_path), "--source", "nowhere", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "'nowhere' is not a source" in result.output
    result = CliRunner().invoke(main, ["update", str(config.config_path), "--source", "grid_survey",
                                       "--out", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "no registry to update; build one with `resolve run" in result.output
    assert "Traceback" not in result.output


def test_enterprise_and_property_values_by_record(city, first, tmp_path):
    """Overrides name an enterprise or a property by one of its records as well as by its ID."""
    text = (city / "city" / "config.yaml").read_text(encoding="utf-8").replace("overrides: overrides",
                                                                                 "overrides: overrides_other")
    path = city / "city" / "config_other.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    (ent_source, ent_key, ent_id), = q(first, "SELECT source, record_key, enterprise_id FROM enterprise_xref "
                                              "WHERE source = 'market_regulation' ORDER BY 1, 2 LIMIT 1")
    (prop_source, prop_key, prop_id), = q(first, "SELECT x.source, x.record_key, x.property_id FROM property_xref x "
                                                 "JOIN property_golden g USING (property_id) WHERE g.is_dwelling "
                                                 "ORDER BY 1, 2 LIMIT 1")
    append_override(config, _entry(kind="set_attribute", records=[f"{ent_source}:{ent_key}"], attribute="status",
                                   value="revoked"))
    append_override(config, _entry(kind="set_attribute", entity_id=ent_id, attribute="name", value="深圳市更正科技有限公司"))
    append_override(config, _entry(kind="set_use", records=[f"{prop_source}:{prop_key}"], value="power_room"))
    out = tmp_path / "other"
    shutil.copytree(first, out, ignore=shutil.ignore_patterns("report"))
    run(config, out)
    assert q(out, "SELECT name, status FROM enterprise_golden WHERE enterprise_id = ?", [ent_id]) == \
        [("深圳市更正科技有限公司", "revoked")]
    assert q(out, "SELECT active FROM recon_enterprise_facts WHERE enterprise_id = ?", [ent_id]) == [(False,)]
    assert q(out, "SELECT use, is_dwelling FROM property_golden WHERE property_id = ?", [prop_id]) == \
        [("power_room", False)]
    assert {s for (s,) in q(out, "SELECT status FROM override_status")} == {"applied"}
