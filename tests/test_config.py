"""Every config problem is reported at once, naming the file, the line and the fix."""

import pytest

from resolve.config import load_config
from resolve.errors import ConfigError
from tests.conftest import write_config

CSV = "人员编号,公民身份号码,姓名\nA1,11010519491231002X,张伟\n"


def problems(path):
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    return exc.value.problems


def test_valid_config_loads_and_resolves_paths_against_its_folder(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "p.csv").write_text(CSV, encoding="utf-8")
    path = write_config(tmp_path, """  - name: police_hukou
    department: 公安局户籍
    entity: person
    path: src/p.csv
    columns: {人员编号: record_key, 公民身份号码: id_number, 姓名: name}
    values:
      status: {正常: active}
""")
    config = load_config(path)
    assert config.sources[0].resolved_path == (tmp_path / "src" / "p.csv").resolve()
    assert config.snapshot_date.isoformat() == "2026-10-31"


def test_every_problem_reported_with_line_and_fix(tmp_path):
    (tmp_path / "p.csv").write_text(CSV, encoding="utf-8")
    path = write_config(tmp_path, """  - name: police_hukou
    department: 公安局户籍
    entity: person
    path: p.csv
    columns:
      人员编号: record_key
      公民身份号码: id_numbr
      电话: phone
  - name: police_hukou
    department: 民政局
    entity: person
    path: missing.csv
    columns:
      姓名: name
  - name: Bad-Name
    department: x
    entity: vehicle
    path: p.csv
    columns: {人员编号: record_key}
""")
    found = problems(path)
    text = "\n".join(found)
    assert f"{path}:11: sources[0].columns.公民身份号码: 'id_numbr' is not a canonical person field" in text
    assert "use one of: record_key, id_number" in text
    assert f"{path}:12: sources[0].columns.电话: column '电话' is not in p.csv" in text
    assert "duplicate source name 'police_hukou'" in text and f"{path}:13:" in text
    assert "file not found" in text and "missing.csv" in text
    assert "no column is mapped to record_key" in text
    assert "sources[2].entity: input should be 'person', 'enterprise' or 'property', got 'vehicle'" in text


def test_name_pattern_and_values(tmp_path):
    (tmp_path / "p.csv").write_text(CSV, encoding="utf-8")
    path = write_config(tmp_path, """  - name: Police
    department: 公安局户籍
    entity: person
    path: p.csv
    columns: {人员编号: record_key}
    values:
      status: {正常: alive}
""")
    text = "\n".join(problems(path))
    assert "'Police' must match [a-z0-9_]+" in text
    assert "'alive' is not a valid status; use one of: active, deceased, moved_out" in text


def test_unknown_and_missing_keys(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("city: 深圳市\nregion_code: 440300\nsourcez: []\n", encoding="utf-8")
    text = "\n".join(problems(path))
    assert "missing required key 'snapshot_date'" in text
    assert "missing required key 'sources'" in text
    assert f"{path}:3: sourcez: unknown key 'sourcez'" in text


def test_region_code_must_be_six_digits(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("city: 深圳市\nregion_code: '4403'\nsnapshot_date: 2026-10-31\nsources: []\n")
    assert any(":2: region_code: '4403' is not a 6-digit" in p for p in problems(path))


def test_broken_yaml_names_the_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("city: 深圳市\nsources: [\n  - a: b\n", encoding="utf-8")
    (message,) = problems(path)
    assert message.startswith(f"{path}:") and "not valid YAML" in message


def test_broken_yaml_names_the_line_where_the_problem_starts(tmp_path):
    path = tmp_path / "c.yaml"
    # an unclosed quote on line 2: the parser only gives up at the end of the file
    path.write_text("city: 深圳市\nregion_code: \"440300\nsnapshot_date: 2026-10-31\nsources:\n  - name: a\n"
                    "    path: a.csv\n", encoding="utf-8")
    (message,) = problems(path)
    assert message.startswith(f"{path}:2: ") and "quote opened on this line is not closed" in message
    # a flow list left open on line 4, noticed on line 5
    path.write_text("city: 深圳市\nregion_code: '440300'\nsnapshot_date: 2026-10-31\nsources: [1, 2\nfoo: 1\n",
                    encoding="utf-8")
    (message,) = problems(path)
    assert message.startswith(f"{path}:4: ")


def test_missing_config_file(tmp_path):
    (message,) = problems(tmp_path / "nope.yaml")
    assert "config file not found" in message


DEATHS = """  - name: deaths
    department: 民政局
    entity: person
    path: p.csv
    columns: {人员编号: record_key}
"""


def test_defaults_and_survivorship_checked(tmp_path):
    (tmp_path / "p.csv").write_text(CSV, encoding="utf-8")
    path = write_config(tmp_path, DEATHS + "    defaults: {status: dead}\n", extra="survivorship:\n  source_priority: [nobody]\n  person:\n    name: [loudest]\n")
    text = "\n".join(problems(path))
    assert "'dead' is not a valid status" in text
    assert "'nobody' is not a source in this config" in text
    assert "unknown rule 'loudest'" in text


def test_survey_sources_must_be_person_sources(tmp_path):
    (tmp_path / "p.csv").write_text(CSV, encoding="utf-8")
    path = write_config(tmp_path, DEATHS, extra="reconcile:\n  survey_sources: [grid]\n")
    (message,) = problems(path)
    assert message.endswith("config.yaml:5: reconcile.survey_sources[0]: 'grid' is not a person source in "
                            "this config; use one of ['deaths']")
