"""The YAML config: typed, validated once, every problem reported at once with file and line.

The keys of DESIGN.md (city, region_code, snapshot_date, sources[] with name, department,
entity, path, encoding, columns, values) are a stable contract. Further keys:

- ``sources[].format``: csv | xlsx | parquet (default: from the file suffix)
- ``sources[].delimiter``: CSV field separator (default ``,``)
- ``sources[].sheet``: XLSX sheet name (default: the first sheet)
- ``sources[].date_formats``: canonical field -> strptime format, for unusual date text
- ``sources[].defaults``: canonical field -> a value for every record, where the file has no
  column for it (a death register: ``status: deceased``)
- ``link``: thresholds and training sizes of the linkage model
- ``survivorship``: source priority and per-attribute rules for golden values
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from resolve.errors import ConfigError

ENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "person": (
        "record_key", "id_number", "name", "sex", "birth_date", "phone",
        "registered_address", "residence_address", "status", "status_date", "updated_at",
        "employer_name", "employer_uscc", "ethnicity", "guardian_name",
    ),
    "enterprise": (
        "record_key", "uscc", "reg_number", "org_code", "tax_id", "name", "legal_rep_name",
        "legal_rep_id_number", "address", "status", "established_date", "enterprise_type",
        "updated_at",
    ),
    "property": (
        "record_key", "property_code", "address", "district", "street", "community", "road",
        "door_number", "building", "unit", "room", "use", "area", "owner_name",
        "owner_id_number", "updated_at",
    ),
}

CANONICAL_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "person": {"status": ("active", "deceased", "moved_out"), "sex": ("M", "F")},
    "enterprise": {"status": ("active", "deregistered", "revoked")},
    "property": {},
}

DATE_FIELDS = {"birth_date", "status_date", "updated_at", "established_date"}

SURVIVORSHIP_RULES = ("valid_first", "complete_first", "source_priority", "most_recent", "latest_evidence",
                      "most_frequent")

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceConfig(_Strict):
    name: str
    department: str
    entity: Literal["person", "enterprise", "property"]
    path: str
    encoding: str = "utf-8"
    format: Literal["csv", "xlsx", "parquet"] | None = None
    delimiter: str = ","
    sheet: str | None = None
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    date_formats: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, str] = Field(default_factory=dict)

    # Set after validation: the resolved path and format.
    resolved_path: Path | None = Field(default=None, exclude=True)

    def field_to_column(self) -> dict[str, str]:
        return {field: column for column, field in self.columns.items()}

    @property
    def file_format(self) -> str:
        return self.format or FORMATS.get(Path(self.path).suffix.lower(), "csv")


class LinkConfig(_Strict):
    threshold: float = Field(0.95, gt=0, lt=1,
                             description="match probability at which two records are one entity")
    low_threshold: float = Field(0.80, gt=0, lt=1,
                                 description="lower threshold for the uncertainty band")
    high_threshold: float = Field(0.99, gt=0, lt=1,
                                  description="higher threshold for the uncertainty band")
    u_max_pairs: float = Field(1e6, gt=0, description="random pairs sampled to estimate u")
    em_max_pairs: float = Field(5e5, gt=0, description="blocked pairs used per EM session")
    min_training_records: int = Field(
        2000, ge=0, description="fewer person records than this are scored with the documented starting values (prior estimated) instead of training")
    seed: int = 42
    valid_ids_never_merge: bool = Field(
        True, description="two different check-valid citizen IDs are two people, whatever else agrees")
    require_identity_evidence: bool = Field(
        True, description="merge only pairs whose documents or names agree; birth date, phone and "
                          "address alone describe a household")


class SurvivorshipConfig(_Strict):
    source_priority: list[str] = Field(default_factory=list)
    person: dict[str, list[str]] = Field(default_factory=dict)
    enterprise: dict[str, list[str]] = Field(default_factory=dict)
    property: dict[str, list[str]] = Field(default_factory=dict)


# The district of every figure's row for the entities no district is known for: the
# districts' rows add up to the city's (district_code NULL).
UNKNOWN_DISTRICT = "unknown"
# recon_figures' row for the survey-calibrated estimate of the resident population (its low
# and high the 95 % interval), beside resident_population, the counted list
ESTIMATE_FIGURE, ESTIMATE_LABEL = "resident_population_estimate", "实有人口（调查校准估计）"

# The columns of recon_<entity>_facts a figure's `where` and `district` may name (reconcile
# checks that the tables it builds have exactly these).
FACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("person_id", "status", "sex", "n_sources", "sources", "alive", "deceased", "moved_out", "age",
               "registered_in_city", "registered_district_code", "stated_resident", "stated_outside",
               "lives_in_non_dwelling", "resident_in_city", "resident_basis", "residence_district_code"),
    "enterprise": ("enterprise_id", "status", "active", "is_branch", "is_individual_business", "known_from",
                   "district_code"),
    "property": ("property_id", "use", "is_dwelling", "district_code", "area", "residents", "enterprises"),
}


def figure_condition(where: str, columns: tuple[str, ...]) -> str:
    """A figure's ``where`` parsed and written back as SQL, or ValueError with the reason.

    Only the facts table's columns, literals, comparisons (=, <>, <, >, IS, IN, BETWEEN, LIKE)
    and boolean and arithmetic operators are allowed: no function, no subquery, no second
    statement, so a config cannot read files or change the registry."""
    import sqlglot
    from sqlglot import exp

    allowed = (exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.And, exp.Or, exp.Not,
               exp.Paren, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is, exp.In, exp.Between,
               exp.Like, exp.ILike, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg, exp.Tuple)
    try:
        statements = sqlglot.parse(where, read="duckdb")
    except sqlglot.errors.SqlglotError as exc:
        raise ValueError(f"not a valid SQL condition: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1 or statements[0] is None:
        raise ValueError("only one condition is allowed (no ';' and no second statement)")
    for node in statements[0].walk():
        if not isinstance(node, allowed):
            raise ValueError(f"'{node.sql(dialect='duckdb')[:60]}' is not allowed: use the facts table's columns, "
                             "literals, comparisons and AND / OR / NOT / + - * / only")
        if isinstance(node, exp.Column):
            if node.table or node.name not in columns:
                raise ValueError(f"'{node.sql(dialect='duckdb')}' is not a column of the facts table; use one of "
                                 f"{', '.join(columns)}")
    return statements[0].sql(dialect="duckdb")


class FigureConfig(_Strict):
    label: str = Field(description="the figure's name in reports, e.g. 户籍人口")
    entity: Literal["person", "enterprise", "property"]
    where: str = Field(description="condition over recon_<entity>_facts: who is counted (its columns, literals, "
                                   "comparisons, AND / OR / NOT and arithmetic; nothing else)")
    district: str = Field(description="the recon_<entity>_facts column that places a counted entity in a district")

    @model_validator(mode="after")
    def _safe(self) -> FigureConfig:
        columns = FACT_COLUMNS[self.entity]
        if self.district not in columns:
            raise ValueError(f"district '{self.district}' is not a column of recon_{self.entity}_facts; use one of "
                             f"{', '.join(c for c in columns if 'district' in c)}")
        try:
            self.where = figure_condition(self.where, columns)
        except ValueError as exc:
            raise ValueError(f"where: {exc}") from None
        return self


DEFAULT_FIGURES: dict[str, dict] = {
    "registered_population": {"label": "户籍人口", "entity": "person", "where": "alive AND registered_in_city",
                              "district": "registered_district_code"},
    "resident_population": {"label": "实有人口", "entity": "person", "where": "alive AND resident_in_city",
                            "district": "residence_district_code"},
    "active_enterprises": {"label": "在营企业", "entity": "enterprise", "where": "active",
                           "district": "district_code"},
    "occupied_dwellings": {"label": "有人居住的住宅", "entity": "property", "where": "is_dwelling AND residents > 0",
                           "district": "district_code"},
}


class ReconcileConfig(_Strict):
    residence_evidence_years: float = Field(
        5, gt=0, description="a residence statement older than this (by its updated_at) no longer shows where "
                             "someone lives")
    survey_sources: list[str] = Field(
        default_factory=list, description="person sources that survey dwellings door to door (the grid survey); "
                                         "they calibrate the resident estimate (recon_resident_estimate)")
    figures: dict[str, FigureConfig] = Field(
        default_factory=lambda: {k: FigureConfig(**v) for k, v in DEFAULT_FIGURES.items()},
        description="agreed figures by name; a config's own are added to (or replace) the defaults")

    @field_validator("figures", mode="after")
    @classmethod
    def _with_defaults(cls, figures: dict[str, FigureConfig]) -> dict[str, FigureConfig]:
        return {**{k: FigureConfig(**v) for k, v in DEFAULT_FIGURES.items()}, **figures}


class RelationsConfig(_Strict):
    max_residents_per_dwelling: int = Field(
        10, ge=1, description="more residents than this at one dwelling is an occupancy anomaly")
    max_enterprises_per_property: int = Field(
        10, ge=1, description="more enterprises registered at one property than this is a cluster registration")


class OutputConfig(_Strict):
    permissions: Literal["owner", "group", "all"] = Field(
        "owner", description="who may read the registry and report: owner only (files 600, folders 700), "
                             "the owner's group too (640 / 750), or every user of the machine (644 / 755)")


class ServiceConfig(_Strict):
    tokens: str | None = Field(
        None, description="YAML file of the service's callers, relative to the config: a list of "
                          "{name, role, token}; role is steward, grid_worker or approval (resolve serve)")
    log: str = Field(
        "service-log.jsonl", description="where resolve serve appends one line per request (who asked what, "
                                        "the answer's size), relative to the config")


class Config(_Strict):
    city: str
    region_code: str
    snapshot_date: dt.date
    sources: list[SourceConfig]
    link: LinkConfig = Field(default_factory=LinkConfig)
    survivorship: SurvivorshipConfig = Field(default_factory=SurvivorshipConfig)
    relations: RelationsConfig = Field(default_factory=RelationsConfig)
    reconcile: ReconcileConfig = Field(default_factory=ReconcileConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    overrides: str | None = Field(
        None, description="folder of the override log (*.jsonl), relative to the config; every rebuild applies it")
    service: ServiceConfig = Field(default_factory=ServiceConfig)

    config_path: Path | None = Field(default=None, exclude=True)

    @property
    def overrides_dir(self) -> Path | None:
        return None if self.overrides is None else self.relative(self.overrides)

    def relative(self, path: str) -> Path:
        """``path`` as the config names it: relative to the config file's folder."""
        base = self.config_path.parent if self.config_path else Path.cwd()
        return (base / path).resolve()

    def sources_for(self, entity: str) -> list[SourceConfig]:
        return [s for s in self.sources if s.entity == entity]

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)


DEFAULT_PERSON_RULES: dict[str, list[str]] = {
    "id_number": ["valid_first", "most_frequent", "source_priority", "most_recent"],
    "name": ["most_frequent", "source_priority", "most_recent"],
    "sex": ["most_frequent", "source_priority"],
    "birth_date": ["complete_first", "most_frequent", "source_priority"],
    "phone": ["most_recent", "source_priority"],
    "registered_address": ["source_priority", "most_recent"],
    "residence_address": ["most_recent", "source_priority"],
    "ethnicity": ["source_priority", "most_frequent"],
    "employer_name": ["most_recent", "source_priority"],
}


class _Locator:
    """Maps a path inside the YAML document (keys and list indexes) to its line number."""

    def __init__(self, text: str):
        try:
            self.root = yaml.compose(text)
        except yaml.YAMLError:
            self.root = None

    def line(self, path: tuple[Any, ...]) -> int:
        node, best = self.root, 1
        if node is not None:
            best = node.start_mark.line + 1
        for part in path:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key, value in node.value:
                    if str(key.value) == str(part):
                        found = (key, value)
                        break
                if found is None:
                    return best
                best = found[0].start_mark.line + 1
                node = found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                best = node.start_mark.line + 1
            else:
                return best
        return best


def _fmt_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _yaml_problem(path: Path, text: str, exc: yaml.YAMLError) -> str:
    """Where a YAML error starts: a quote left open (the line it opens on, not where the
    parser gave up, often the end of the file), else the construct being scanned, else the
    line the parser stopped at."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark else 1
    for number, content in enumerate(text.splitlines()[:line], start=1):
        body = content.split(" #", 1)[0]
        for quote in ('"', "'"):
            if body.replace("\\" + quote, "").count(quote) % 2:
                return (f"{path}:{number}: not valid YAML: the {quote} quote opened on this line is not closed "
                        f"(the parser stopped at line {line}); close it")
    context = getattr(exc, "context_mark", None)
    if context is not None and any(w in (getattr(exc, "context", "") or "") for w in ("scanning", "flow")):
        line = context.line + 1
    return f"{path}:{line}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax at that line"


def load_config(path: str | Path, check_files: bool = True) -> Config:
    """Load and validate a config; raise ConfigError listing every problem found."""
    path = Path(path)
    if not path.exists():
        raise ConfigError([f"{path}: config file not found; pass the path of a YAML config"])
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_problem(path, text, exc)]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{path}:1: the config must be a mapping with keys city, region_code, "
                           "snapshot_date, sources"])
    where = _Locator(text)
    problems: list[str] = []

    def problem(loc: tuple[Any, ...], message: str) -> None:
        problems.append(f"{path}:{where.line(loc)}: {_fmt_loc(loc) or 'config'}: {message}")

    def pydantic_problems(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> None:
        for err in exc.errors():
            loc = prefix + tuple(err["loc"])
            if err["type"] == "missing":
                problem(loc[:-1], f"missing required key '{loc[-1]}'; add it")
            elif err["type"] == "extra_forbidden":
                problem(loc, f"unknown key '{loc[-1]}'; remove it or check its spelling")
            elif err["type"] == "value_error":
                problem(loc, str(err.get("ctx", {}).get("error", err["msg"])))
            elif err["type"] == "literal_error":
                problem(loc, f"{err['msg'].lower()}, got {err['input']!r}")
            else:
                problem(loc, f"{err['msg']} (got {err.get('input')!r})")

    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        pydantic_problems(exc)
        # Still check the sources that are well formed, so every problem shows at once.
        sources = data.get("sources") if isinstance(data.get("sources"), list) else []
        for i, item in enumerate(sources):
            try:
                source = SourceConfig.model_validate(item)
            except ValidationError:
                continue
            _check_source(source, ("sources", i), path, problem, check_files)
        _check_names([s.get("name") if isinstance(s, dict) else None for s in sources], problem)
        raise ConfigError(problems) from None

    config.config_path = path.resolve()
    _check_config(config, path, problem, check_files)
    if problems:
        raise ConfigError(problems)
    return config


def _check_names(names: list[str | None], problem) -> None:
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name is None:
            continue
        if not re.fullmatch(r"[a-z0-9_]+", str(name)):
            problem(("sources", i, "name"), f"'{name}' must match [a-z0-9_]+ "
                    "(lower-case letters, digits, underscore)")
        if name in seen:
            problem(("sources", i, "name"), f"duplicate source name '{name}' (also sources[{seen[name]}]); "
                    "give each source a unique name")
        seen.setdefault(name, i)


def _check_config(config: Config, path: Path, problem, check_files: bool) -> None:
    if not re.fullmatch(r"\d{6}", config.region_code):
        problem(("region_code",), f"'{config.region_code}' is not a 6-digit GB/T 2260 code, "
                "e.g. \"440300\" (quote it)")
    _check_names([s.name for s in config.sources], problem)
    for i, source in enumerate(config.sources):
        _check_source(source, ("sources", i), path, problem, check_files)
    known = {s.name for s in config.sources}
    for j, name in enumerate(config.survivorship.source_priority):
        if name not in known:
            problem(("survivorship", "source_priority", j),
                    f"'{name}' is not a source in this config; use one of {sorted(known)}")
    persons = sorted(s.name for s in config.sources if s.entity == "person")
    for j, name in enumerate(config.reconcile.survey_sources):
        if name not in persons:
            problem(("reconcile", "survey_sources", j),
                    f"'{name}' is not a person source in this config; use one of {persons}")
    for entity in ENTITY_FIELDS:
        for attribute, rules in getattr(config.survivorship, entity).items():
            if attribute not in ENTITY_FIELDS[entity]:
                problem(("survivorship", entity, attribute),
                        f"'{attribute}' is not a canonical {entity} field; use one of "
                        f"{', '.join(f for f in ENTITY_FIELDS[entity] if f != 'record_key')}")
            for rule in rules:
                if rule not in SURVIVORSHIP_RULES:
                    problem(("survivorship", entity, attribute),
                            f"unknown rule '{rule}'; use any of {', '.join(SURVIVORSHIP_RULES)}")
    if ESTIMATE_FIGURE in config.reconcile.figures:
        problem(("reconcile", "figures", ESTIMATE_FIGURE), f"'{ESTIMATE_FIGURE}' is the survey-calibrated "
                "estimate every run adds; give your figure another name")
    link = config.link
    if not link.low_threshold <= link.threshold <= link.high_threshold:
        problem(("link",), "thresholds must satisfy low_threshold <= threshold <= high_threshold")


def _check_source(source: SourceConfig, loc, path: Path, problem, check_files) -> None:
    fields = ENTITY_FIELDS[source.entity]
    mapped: dict[str, str] = {}
    for column, field in source.columns.items():
        if field not in fields:
            problem(loc + ("columns", column),
                    f"'{field}' is not a canonical {source.entity} field; use one of: {', '.join(fields)}")
        elif field in mapped:
            problem(loc + ("columns", column),
                    f"columns '{mapped[field]}' and '{column}' both map to '{field}'; map only one")
        else:
            mapped[field] = column
    if "record_key" not in mapped:
        problem(loc + ("columns",), "no column is mapped to record_key; map the column that "
                "identifies a record in this source, e.g. `人员编号: record_key`")
    allowed_values = CANONICAL_VALUES[source.entity]
    for field, mapping in source.values.items():
        if field not in fields:
            problem(loc + ("values", field), f"'{field}' is not a canonical {source.entity} field")
            continue
        allowed = allowed_values.get(field)
        for raw, value in mapping.items():
            if allowed and value not in allowed:
                problem(loc + ("values", field, raw),
                        f"'{value}' is not a valid {field}; use one of: {', '.join(allowed)}")
    for field, value in source.defaults.items():
        if field not in fields or field == "record_key":
            problem(loc + ("defaults", field), f"'{field}' cannot take a default; defaults fill a "
                    f"canonical {source.entity} field the file has no column for, e.g. `status: deceased`")
        elif field in mapped:
            problem(loc + ("defaults", field), f"'{field}' is mapped from column '{mapped[field]}'; "
                    "drop the default or the mapping")
        elif CANONICAL_VALUES[source.entity].get(field) and value not in CANONICAL_VALUES[source.entity][field]:
            problem(loc + ("defaults", field), f"'{value}' is not a valid {field}; use one of: "
                    f"{', '.join(CANONICAL_VALUES[source.entity][field])}")
    for field, fmt in source.date_formats.items():
        if field not in DATE_FIELDS:
            problem(loc + ("date_formats", field), f"'{field}' is not a date field; date fields are "
                    f"{', '.join(sorted(DATE_FIELDS))}")
        elif "%" not in fmt:
            problem(loc + ("date_formats", field), f"'{fmt}' is not a strptime format such as %d/%m/%Y")
    try:
        codecs.lookup(source.encoding)
    except LookupError:
        problem(loc + ("encoding",), f"unknown encoding '{source.encoding}'; use utf-8, gbk or gb18030")
        return
    resolved = (path.parent / source.path).resolve()
    source.resolved_path = resolved
    if not check_files:
        return
    if not resolved.exists():
        problem(loc + ("path",), f"file not found: {resolved} (paths are relative to the config file's folder)")
        return
    from resolve.ingest import read_header  # the reader knows each format's header

    try:
        header = read_header(source)
    except Exception as exc:  # noqa: BLE001 - any unreadable header is a user-facing problem
        problem(loc + ("path",), f"cannot read the header of {resolved}: {exc}")
        return
    if not header:
        problem(loc + ("path",), f"{resolved.name} is empty: no header row; a source file starts with "
                "a row of column names")
        return
    missing = [c for c in source.columns if c not in header]
    for column in missing:
        problem(loc + ("columns", column),
                f"column '{column}' is not in {resolved.name}; its columns are: {', '.join(header)}")
