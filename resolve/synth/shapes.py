"""City shapes: population mix, twin rate and the departments' extracts (columns, formats, error rates).

`default` is the city the product is tuned on. `alt` is a differently shaped city for testing on
data nobody tuned on: another population mix, twice the typo rates, half the survey without
IDs, twice the twins, other column names and codes, the police extract in GB18030, social
insurance in Parquet, a residence-permit (居住证) source and no education source.

`wild` is a city whose addresses nobody tuned on: another property universe (wild.py: named
estates, urban villages with lanes) and a per-department address profile (WILD_*), a population
with more floating residents, a residence-permit source, other headers in several extracts and a
project-name (项目名称) column in the titles. Its universe and address draws come from streams of
their own, so `default` and `alt` stay byte-identical.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .wild import wild_style

SHAPES = ("default", "alt", "wild")
BAD_CSV = ("bad_field_count", "undecodable", "empty_record_key", "duplicate_record_key")
BAD_TEXT = ("bad_field_count", "empty_record_key", "duplicate_record_key")
BAD_TABLE = ("empty_record_key", "duplicate_record_key")

SEX_CN = {"M": "男", "F": "女"}
SEX_NUM = {"M": "1", "F": "2"}


@dataclass(frozen=True)
class Col:
    header: str
    logical: str
    field: str | None = None


@dataclass
class SourceSpec:
    """One department's extract. codes: canonical field -> {canonical value: raw value}."""

    name: str
    department: str
    builder: str
    fmt: str
    path: str
    columns: tuple[Col, ...]
    encoding: str = "utf-8"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    rates: dict[str, float] = field(default_factory=dict)
    address: dict[str, float] = field(default_factory=dict)
    phone: dict[str, float] = field(default_factory=dict)
    key: tuple[str, int] = ("", 10)
    bad: tuple[str, ...] = BAD_CSV
    line_end: str = "\n"
    entity: str = "person"

    @property
    def config_encoding(self) -> str:
        return "utf-8" if self.encoding == "utf-8-sig" else self.encoding

    @property
    def dots(self) -> str:
        return "·．" if self.encoding == "gbk" else "·•‧・．"


@dataclass
class Shape:
    name: str
    shares: dict[str, float]
    twin_rate: float
    sources: list[SourceSpec]
    registries: list[SourceSpec] = field(default_factory=list)
    universe: str = "compounds"


CLEAN_ADDRESS = {"province": 0.6, "city": 0.95, "district": 1.0, "street": 0.8, "community": 0.5,
                 "bword_alt": 0.02, "room_bare": 0.05, "drop_unit": 0.02}
FORM_ADDRESS = {"province": 0.3, "city": 0.8, "district": 1.0, "street": 0.4, "community": 0.2,
                "bword_alt": 0.08, "compact": 0.03, "room_bare": 0.2, "fullwidth": 0.01, "drop_unit": 0.08,
                "comma": 0.01}
SCHOOL_ADDRESS = {"province": 0.05, "city": 0.3, "district": 0.95, "street": 0.2, "community": 0.1,
                  "bword_alt": 0.1, "compact": 0.05, "room_bare": 0.3, "drop_unit": 0.1, "comma": 0.01}
SURVEY_ADDRESS = {"province": 0.15, "city": 0.4, "district": 0.85, "street": 0.2, "community": 0.15,
                  "bword_alt": 0.2, "compact": 0.1, "room_bare": 0.4, "cn": 0.1, "fullwidth": 0.08,
                  "nearby": 0.03, "drop_unit": 0.15, "comma": 0.03}
PHONE_CLEAN = {"missing": 0.02, "landline": 0.02}
PHONE_FORM = {"plus86": 0.08, "dash86": 0.03, "spaced": 0.05, "dashed": 0.05, "landline": 0.03, "missing": 0.03}
PHONE_SURVEY = {"plus86": 0.05, "dash86": 0.02, "spaced": 0.1, "dashed": 0.08, "landline": 0.06, "missing": 0.08}


def _default_sources() -> list[SourceSpec]:
    return [
        SourceSpec(
            name="police_hukou", department="公安局户籍", builder="police", fmt="csv", encoding="gbk",
            path="sources/police_hukou.csv", line_end="\r\n", key=("4403", 10),
            columns=(Col("人员编号", "key", "record_key"), Col("公民身份号码", "id", "id_number"),
                     Col("姓名", "name", "name"), Col("曾用名", "former_name"), Col("性别", "sex", "sex"),
                     Col("出生日期", "birth", "birth_date"), Col("民族", "ethnicity", "ethnicity"),
                     Col("户号", "household"), Col("与户主关系", "relation"),
                     Col("户籍地址", "reg_addr", "registered_address"), Col("联系电话", "phone", "phone"),
                     Col("人员状态", "status", "status"), Col("变动日期", "status_date", "status_date"),
                     Col("迁往地址", "moved_to"), Col("更新时间", "updated", "updated_at")),
            codes={"sex": SEX_CN, "status": {"active": "正常", "deceased": "死亡", "moved_out": "迁出"}},
            formats={"birth": "ymd8", "status_date": "ymd8", "updated": "ymd8"},
            rates={"old15": 0.3, "id_typo": 0.002, "traditional": 0.002, "homophone": 0.002, "phone_present": 0.4,
                   "stale_death": 0.3, "duplicate": 0.002, "former": 0.03},
            address=CLEAN_ADDRESS, phone=PHONE_CLEAN,
        ),
        SourceSpec(
            name="floating_population", department="流动人口管理", builder="floating", fmt="csv",
            encoding="utf-8-sig", path="sources/floating_population.csv", key=("LD", 10), bad=BAD_TEXT,
            columns=(Col("登记编号", "key", "record_key"), Col("证件类型", "id_type"), Col("证件号码", "id", "id_number"),
                     Col("姓名", "name", "name"), Col("性别", "sex", "sex"), Col("出生日期", "birth", "birth_date"),
                     Col("民族", "ethnicity", "ethnicity"), Col("户籍地址", "reg_addr", "registered_address"),
                     Col("居住地址", "res_addr", "residence_address"), Col("联系电话", "phone", "phone"),
                     Col("登记日期", "updated", "updated_at"), Col("居住事由", "reason")),
            codes={"sex": SEX_NUM},
            formats={"birth": "iso", "updated": "iso"},
            rates={"coverage": 0.8, "child_coverage": 0.5, "left_coverage": 0.75, "dead_coverage": 0.5,
                   "hk_permit": 0.4, "lower_x": 0.4, "id_fullwidth": 0.01, "id_typo": 0.01, "traditional": 0.02,
                   "hk_traditional": 0.6, "spaced": 0.015, "homophone": 0.005, "dots": 0.5, "latin_fullwidth": 0.2,
                   "nondwelling": 0.003, "drop_province": 0.2},
            address=FORM_ADDRESS, phone=PHONE_FORM,
        ),
        SourceSpec(
            name="social_insurance", department="人力资源和社会保障局", builder="social", fmt="xlsx",
            path="sources/social_insurance.xlsx", bad=BAD_TABLE, key=("", 10),
            columns=(Col("个人编号", "key", "record_key"), Col("身份证号", "id", "id_number"), Col("姓名", "name", "name"),
                     Col("出生年月", "birth", "birth_date"), Col("性别", "sex", "sex"),
                     Col("单位名称", "employer", "employer_name"), Col("统一社会信用代码", "uscc", "employer_uscc"),
                     Col("手机号", "phone", "phone"), Col("参保状态", "si_status"), Col("参保日期", "si_start"),
                     Col("更新时间", "updated", "updated_at")),
            codes={"sex": SEX_CN},
            formats={"birth": "ym", "updated": "slash", "si_start": "ym"},
            rates={"id_typo": 0.003, "trailing_space": 0.01, "homophone": 0.003, "old_phone": 0.08,
                   "uscc_missing": 0.01, "employer_short": 0.02, "stale_death": 0.1},
            phone={"missing": 0.02},
        ),
        SourceSpec(
            name="civil_affairs", department="民政局", builder="deaths", fmt="csv", encoding="gbk",
            path="sources/civil_affairs_deaths.csv", line_end="\r\n", key=("MZ", 10),
            columns=(Col("登记编号", "key", "record_key"), Col("身份证号码", "id", "id_number"), Col("姓名", "name", "name"),
                     Col("性别", "sex", "sex"), Col("死亡日期", "status_date", "status_date"),
                     Col("业务类型", "status", "status"), Col("户籍地址", "reg_addr", "registered_address"),
                     Col("死亡地点", "death_place"), Col("登记日期", "updated", "updated_at")),
            codes={"sex": SEX_CN, "status": {"deceased": "死亡登记"}},
            formats={"status_date": "cn", "updated": "cn"},
            rates={"coverage": 0.9, "old15": 0.1, "id_typo": 0.005, "homophone": 0.003},
            address=CLEAN_ADDRESS,
        ),
        SourceSpec(
            name="education", department="教育局", builder="education", fmt="parquet",
            path="sources/education.parquet", bad=BAD_TABLE, key=("L", 12),
            columns=(Col("学籍号", "key", "record_key"), Col("学生身份证号", "id", "id_number"),
                     Col("学生姓名", "name", "name"), Col("出生日期", "birth", "birth_date"), Col("性别", "sex", "sex"),
                     Col("学校名称", "school"), Col("年级", "grade"), Col("家庭住址", "res_addr", "residence_address"),
                     Col("监护人姓名", "guardian", "guardian_name"), Col("监护人电话", "phone", "phone")),
            codes={"sex": SEX_CN},
            formats={"birth": "slash"},
            rates={"coverage": 0.97, "id_missing": 0.01, "id_typo": 0.005, "homophone": 0.005},
            address=SCHOOL_ADDRESS, phone={"missing": 0.02, "spaced": 0.02},
        ),
        SourceSpec(
            name="grid_survey", department="网格员采集", builder="grid", fmt="csv",
            path="sources/grid_survey.csv", key=("WG", 10), bad=BAD_TEXT,
            columns=(Col("采集编号", "key", "record_key"), Col("身份证号", "id", "id_number"), Col("姓名", "name", "name"),
                     Col("性别", "sex", "sex"), Col("出生日期", "birth", "birth_date"),
                     Col("现住址", "res_addr", "residence_address"), Col("户籍地", "reg_place"),
                     Col("联系电话", "phone", "phone"), Col("人员类别", "person_type"),
                     Col("采集日期", "updated", "updated_at"), Col("网格员", "worker"), Col("备注", "note")),
            codes={"sex": SEX_CN},
            formats={"birth": "mixed", "updated": "mixed_short"},
            rates={"coverage": 0.5, "household_coverage": 0.92, "id_missing": 0.3, "id_typo": 0.05, "lower_x": 0.3,
                   "id_fullwidth": 0.03, "homophone": 0.05, "spaced": 0.02, "traditional": 0.01, "dots": 0.5,
                   "latin_fullwidth": 0.3, "birth_missing": 0.1, "duplicate": 0.02},
            address=SURVEY_ADDRESS, phone=PHONE_SURVEY,
        ),
    ]


def _doubled(rates: dict[str, float], keys: tuple[str, ...]) -> dict[str, float]:
    return {k: (min(1.0, v * 2) if k in keys else v) for k, v in rates.items()}


TYPO_KEYS = ("id_typo", "homophone", "traditional", "spaced", "lower_x", "id_fullwidth", "duplicate", "trailing_space")


def _alt_sources() -> list[SourceSpec]:
    base = {s.name: s for s in _default_sources()}
    police = replace(
        base["police_hukou"], encoding="gb18030", key=("RK", 12),
        columns=(Col("人口编号", "key", "record_key"), Col("证件号", "id", "id_number"), Col("姓名", "name", "name"),
                 Col("性别代码", "sex", "sex"), Col("出生年月日", "birth", "birth_date"), Col("民族", "ethnicity", "ethnicity"),
                 Col("户籍地详址", "reg_addr", "registered_address"), Col("人口状态", "status", "status"),
                 Col("状态变更日期", "status_date", "status_date"), Col("最后更新", "updated", "updated_at"),
                 Col("户号", "household")),
        codes={"sex": SEX_NUM, "status": {"active": "1", "deceased": "2", "moved_out": "3"}},
        formats={"birth": "iso", "status_date": "slash", "updated": "iso"},
        rates=_doubled(base["police_hukou"].rates, TYPO_KEYS) | {"stale_death": 0.45},
    )
    floating = replace(
        base["floating_population"], encoding="utf-8", key=("LR", 12), bad=BAD_CSV,
        columns=(Col("流动人口编号", "key", "record_key"), Col("证件号", "id", "id_number"), Col("姓名", "name", "name"),
                 Col("性别", "sex", "sex"), Col("出生日期", "birth", "birth_date"),
                 Col("户籍地", "reg_addr", "registered_address"), Col("现居住地址", "res_addr", "residence_address"),
                 Col("手机号码", "phone", "phone"), Col("登记时间", "updated", "updated_at"), Col("证件种类", "id_type")),
        codes={"sex": SEX_CN}, formats={"birth": "ymd8", "updated": "cn"},
        rates=_doubled(base["floating_population"].rates, TYPO_KEYS) | {"coverage": 0.65},
    )
    permit = SourceSpec(
        name="residence_permit", department="居住证管理", builder="permit", fmt="xlsx",
        path="sources/residence_permit.xlsx", bad=BAD_TABLE, key=("JZZ", 11),
        columns=(Col("居住证编号", "key", "record_key"), Col("公民身份号码", "id", "id_number"), Col("姓名", "name", "name"),
                 Col("性别", "sex", "sex"), Col("出生日期", "birth", "birth_date"),
                 Col("居住地址", "res_addr", "residence_address"), Col("联系方式", "phone", "phone"),
                 Col("签发日期", "updated", "updated_at"), Col("有效期至", "expiry")),
        codes={"sex": SEX_CN}, formats={"birth": "slash", "updated": "iso"},
        rates={"coverage": 0.55, "hk_permit": 0.0, "lower_x": 0.1, "id_typo": 0.004, "homophone": 0.004,
               "traditional": 0.01, "hk_traditional": 0.3, "dots": 0.2},
        address=CLEAN_ADDRESS, phone=PHONE_FORM,
    )
    social = replace(
        base["social_insurance"], fmt="parquet", path="sources/social_insurance.parquet", key=("SB", 10),
        columns=(Col("社保个人编号", "key", "record_key"), Col("证件号码", "id", "id_number"), Col("姓名", "name", "name"),
                 Col("出生年月", "birth", "birth_date"), Col("性别", "sex", "sex"),
                 Col("参保单位名称", "employer", "employer_name"), Col("单位社会信用代码", "uscc", "employer_uscc"),
                 Col("联系电话", "phone", "phone"), Col("缴费状态", "si_status"),
                 Col("最后缴费年月", "updated", "updated_at")),
        codes={"sex": SEX_NUM}, formats={"birth": "ym", "updated": "ym", "si_start": "ym"},
        rates=_doubled(base["social_insurance"].rates, TYPO_KEYS),
    )
    deaths = replace(
        base["civil_affairs"], encoding="utf-8", line_end="\n", key=("SW", 12), bad=BAD_CSV,
        columns=(Col("死亡证明编号", "key", "record_key"), Col("公民身份号码", "id", "id_number"),
                 Col("死者姓名", "name", "name"), Col("性别", "sex", "sex"), Col("死亡时间", "status_date", "status_date"),
                 Col("登记类型", "status", "status"), Col("户籍地址", "reg_addr", "registered_address"),
                 Col("死亡地点类别", "death_place"), Col("登记日期", "updated", "updated_at")),
        codes={"sex": SEX_CN, "status": {"deceased": "死亡"}}, formats={"status_date": "iso", "updated": "slash"},
        rates=_doubled(base["civil_affairs"].rates, TYPO_KEYS) | {"coverage": 0.8},
    )
    grid = replace(
        base["grid_survey"], encoding="utf-8-sig", key=("CJ", 12), bad=BAD_CSV,
        columns=(Col("编号", "key", "record_key"), Col("证件号码", "id", "id_number"), Col("姓名", "name", "name"),
                 Col("性别", "sex", "sex"), Col("出生日期", "birth", "birth_date"),
                 Col("居住地址", "res_addr", "residence_address"), Col("电话", "phone", "phone"),
                 Col("采集时间", "updated", "updated_at"), Col("人员类型", "person_type"), Col("网格员", "worker")),
        rates=_doubled(base["grid_survey"].rates, TYPO_KEYS) | {"id_missing": 0.5, "coverage": 0.6},
    )
    return [police, floating, permit, social, deaths, grid]


ENT_STATUS = {"active": "存续", "deregistered": "注销", "revoked": "吊销"}
TAX_STATUS = {"active": "正常", "deregistered": "注销", "revoked": "非正常户"}
USE_CN = {"residential": "住宅", "commercial": "商业", "office": "办公", "industrial": "工业",
          "public_toilet": "公厕", "power_room": "配电房", "other": "其他"}
USE_HB = {"residential": "住宅", "commercial": "商铺", "office": "写字楼", "industrial": "厂房",
          "public_toilet": "公共厕所", "power_room": "配电房", "other": "其他用房"}
REGISTRY_ADDRESS = {"province": 0.3, "city": 0.9, "district": 1.0, "street": 0.6, "community": 0.3,
                    "bword_alt": 0.02, "room_bare": 0.1, "drop_unit": 0.02}
HOUSING_ADDRESS = {"province": 0.05, "city": 0.5, "district": 0.9, "street": 0.3, "community": 0.3,
                   "bword_alt": 0.25, "compact": 0.05, "room_bare": 0.5, "cn": 0.05, "fullwidth": 0.02,
                   "drop_unit": 0.05, "comma": 0.02}


def _default_registries() -> list[SourceSpec]:
    """Enterprise (法人库) and property (房屋库) departments; generated after the person sources."""
    return [
        SourceSpec(
            name="market_regulation", department="市场监督管理局", builder="market", fmt="csv", encoding="gbk",
            path="sources/market_regulation.csv", line_end="\r\n", key=("SC", 12), entity="enterprise",
            columns=(Col("主体标识", "key", "record_key"), Col("统一社会信用代码", "uscc", "uscc"),
                     Col("注册号", "reg_number", "reg_number"), Col("企业名称", "name", "name"),
                     Col("法定代表人", "rep_name", "legal_rep_name"), Col("法定代表人证件号码", "rep_id", "legal_rep_id_number"),
                     Col("住所", "address", "address"), Col("登记状态", "status", "status"),
                     Col("成立日期", "established", "established_date"), Col("企业类型", "etype", "enterprise_type"),
                     Col("登记机关", "authority"), Col("核准日期", "updated", "updated_at")),
            codes={"status": ENT_STATUS},
            formats={"established": "iso", "updated": "iso"},
            rates={"rep_typo": 0.003, "rep_homophone": 0.003, "address_stale": 0.03},
            address=REGISTRY_ADDRESS,
        ),
        SourceSpec(
            name="tax", department="税务局", builder="tax", fmt="xlsx", path="sources/tax.xlsx", bad=BAD_TABLE,
            key=("SW", 12), entity="enterprise",
            columns=(Col("税务登记序号", "key", "record_key"), Col("纳税人识别号", "tax_id", "tax_id"),
                     Col("社会信用代码", "uscc", "uscc"), Col("纳税人名称", "name", "name"),
                     Col("法定代表人姓名", "rep_name", "legal_rep_name"), Col("生产经营地址", "address", "address"),
                     Col("纳税人状态", "status", "status"), Col("登记注册类型", "etype"),
                     Col("主管税务所", "office"), Col("更新日期", "updated", "updated_at")),
            codes={"status": TAX_STATUS},
            formats={"updated": "slash"},
            rates={"coverage": 0.92, "legacy_tax_id": 0.08, "uscc_typo": 0.01, "uscc_missing": 0.02,
                   "form_swap": 0.15, "drop_city": 0.25, "bracket_region": 0.05, "halfwidth_brackets": 0.3,
                   "rep_homophone": 0.01},
            address=FORM_ADDRESS,
        ),
        SourceSpec(
            name="real_estate", department="不动产登记中心", builder="titles", fmt="csv", encoding="gbk",
            path="sources/real_estate.csv", line_end="\r\n", key=("BDC", 12), entity="property",
            columns=(Col("登记业务号", "key", "record_key"), Col("不动产单元号", "code", "property_code"),
                     Col("坐落", "address", "address"), Col("所在区", "district", "district"),
                     Col("街道", "street", "street"), Col("社区", "community", "community"), Col("道路", "road", "road"),
                     Col("门牌号", "door", "door_number"), Col("楼栋", "building", "building"),
                     Col("单元", "unit", "unit"), Col("房号", "room", "room"), Col("用途", "use", "use"),
                     Col("建筑面积", "area", "area"), Col("权利人", "owner", "owner_name"),
                     Col("权利人证件号", "owner_id", "owner_id_number"), Col("权属状态", "title_status"),
                     Col("登簿日期", "updated", "updated_at")),
            codes={"use": USE_CN},
            formats={"updated": "ymd8"},
            rates={"coverage": 0.85, "nondwelling_coverage": 0.6, "history": 0.04, "enterprise_owner": 0.05,
                   "owner_id_typo": 0.003, "owner_homophone": 0.003},
            address=REGISTRY_ADDRESS,
        ),
        SourceSpec(
            name="housing_bureau", department="住房和建设局", builder="housing", fmt="parquet",
            path="sources/housing_bureau.parquet", bad=BAD_TABLE, key=("ZJ", 14), entity="property",
            columns=(Col("房屋编码", "key", "record_key"), Col("房屋地址", "address", "address"),
                     Col("房屋用途", "use", "use"), Col("建筑面积", "area", "area"), Col("建筑结构", "structure"),
                     Col("更新日期", "updated", "updated_at")),
            codes={"use": USE_HB},
            formats={"updated": "iso"},
            rates={"coverage": 0.9, "nondwelling_coverage": 0.8, "area_off": 0.05, "area_missing": 0.03},
            address=HOUSING_ADDRESS,
        ),
    ]


def _alt_registries() -> list[SourceSpec]:
    base = {s.name: s for s in _default_registries()}
    keys = ("rep_typo", "rep_homophone", "uscc_typo", "uscc_missing", "owner_id_typo", "owner_homophone",
            "area_off", "area_missing", "legacy_tax_id", "address_stale")
    market = replace(
        base["market_regulation"], key=("QY", 14),
        columns=(Col("市场主体编号", "key", "record_key"), Col("名称", "name", "name"),
                 Col("信用代码", "uscc", "uscc"), Col("原注册号", "reg_number", "reg_number"),
                 Col("负责人", "rep_name", "legal_rep_name"), Col("负责人身份证", "rep_id", "legal_rep_id_number"),
                 Col("经营场所", "address", "address"), Col("经营状态", "status", "status"),
                 Col("成立时间", "established", "established_date"), Col("主体类型", "etype", "enterprise_type"),
                 Col("最后变更日期", "updated", "updated_at"), Col("管辖机关", "authority")),
        codes={"status": {"active": "在业", "deregistered": "已注销", "revoked": "已吊销"}},
        formats={"established": "ymd8", "updated": "cn"},
        rates=_doubled(base["market_regulation"].rates, keys),
    )
    tax = replace(
        base["tax"], fmt="csv", encoding="utf-8", path="sources/tax.csv", bad=BAD_CSV, key=("NS", 14),
        columns=(Col("登记序号", "key", "record_key"), Col("识别号", "tax_id", "tax_id"), Col("名称", "name", "name"),
                 Col("统一代码", "uscc", "uscc"), Col("法人代表", "rep_name", "legal_rep_name"),
                 Col("注册地址", "address", "address"), Col("状态", "status", "status"),
                 Col("录入日期", "updated", "updated_at"), Col("税务机关", "office")),
        codes={"status": {"active": "01", "deregistered": "03", "revoked": "05"}},
        formats={"updated": "ymd8"},
        rates=_doubled(base["tax"].rates, keys) | {"coverage": 0.85},
    )
    titles = replace(
        base["real_estate"], key=("YD", 14), line_end="\n",
        columns=(Col("业务编号", "key", "record_key"), Col("单元号", "code", "property_code"),
                 Col("区县", "district", "district"), Col("街道办", "street", "street"), Col("道路名称", "road", "road"),
                 Col("门牌", "door", "door_number"), Col("幢号", "building", "building"), Col("单元号码", "unit", "unit"),
                 Col("室号", "room", "room"), Col("规划用途", "use", "use"), Col("面积", "area", "area"),
                 Col("产权人", "owner", "owner_name"), Col("产权人证件号码", "owner_id", "owner_id_number"),
                 Col("登记日期", "updated", "updated_at"), Col("状态", "title_status")),
        codes={"use": {"residential": "10", "commercial": "20", "office": "30", "industrial": "40",
                       "public_toilet": "91", "power_room": "92", "other": "99"}},
        formats={"updated": "slash"},
        rates=_doubled(base["real_estate"].rates, keys) | {"coverage": 0.75},
    )
    housing = replace(
        base["housing_bureau"], key=("FW", 16),
        columns=(Col("房屋编号", "key", "record_key"), Col("地址", "address", "address"), Col("用途", "use", "use"),
                 Col("面积(平方米)", "area", "area"), Col("结构", "structure"), Col("采集日期", "updated", "updated_at")),
        formats={"updated": "slash"},
        rates=_doubled(base["housing_bureau"].rates, keys),
        address=SURVEY_ADDRESS,
    )
    return [market, tax, titles, housing]


# The wild shape: its departments' address profiles (wild.BASE_STYLE lists every key; a form
# table's weights are relative). Property offices write road + door (+ estate); person sources
# and the grid write estate names, village lanes, floor forms and 梯 units much more often.
WILD_HUKOU = wild_style(
    province=0.45, city=0.9, district=0.95, street=0.8, community=0.35, village_community=0.6,
    city_short=0.01, city_repeat=0.015, district_short=0.02, street_short=0.01, wrong_street=0.04, community_only=0.0,
    estate_place={"road": 0.45, "road_estate": 0.35, "estate": 0.2}, alias=0.45,
    village_place={"lane": 0.6, "road": 0.35, "village_road": 0.05},
    lane_num={"cn": 0.85, "arabic": 0.1, "di": 0.05}, house_num={"arabic": 0.93, "cn": 0.05, "dong": 0.02},
    building={"canon": 0.8, "alt": 0.05, "cn": 0.05, "di": 0.04, "dash": 0.03, "bare": 0.03},
    unit={"arabic": 0.82, "cn": 0.1, "ti": 0.03, "drop": 0.05},
    room={"shi": 0.55, "bare": 0.3, "fang": 0.05, "lou": 0.02, "louhao": 0.02, "dash": 0.02, "ceng": 0.01,
          "cnlou": 0.02, "cndigits": 0.01},
    village_room={"shi": 0.35, "bare": 0.3, "fang": 0.08, "lou": 0.06, "louhao": 0.03, "dash": 0.02, "ceng": 0.02,
                  "cnlou": 0.02, "floor_only": 0.02, "none": 0.1},
    nearby=0.0, fullwidth=0.003, spaces=0.005, comma=0.005, typo=0.005,
)
WILD_FLOATING = wild_style(
    province=0.1, city=0.45, district=0.75, street=0.45, community=0.3, village_community=0.55,
    city_short=0.06, city_repeat=0.02, district_short=0.08, street_short=0.04, wrong_street=0.03, community_only=0.04,
    estate_place={"estate": 0.45, "road_estate": 0.2, "road": 0.35}, alias=0.2,
    village_place={"lane": 0.82, "road": 0.1, "village_road": 0.08},
    lane_num={"cn": 0.55, "arabic": 0.4, "di": 0.05}, house_num={"arabic": 0.8, "cn": 0.1, "dong": 0.1},
    building={"canon": 0.5, "alt": 0.15, "cn": 0.1, "di": 0.05, "dash": 0.12, "bare": 0.08},
    unit={"arabic": 0.5, "cn": 0.12, "ti": 0.2, "drop": 0.18},
    room={"bare": 0.3, "shi": 0.12, "fang": 0.15, "lou": 0.12, "louhao": 0.06, "dash": 0.08, "ceng": 0.05,
          "cnlou": 0.04, "cndigits": 0.02, "floor_only": 0.02, "none": 0.04},
    village_room={"bare": 0.25, "shi": 0.08, "fang": 0.15, "lou": 0.15, "louhao": 0.08, "dash": 0.06, "ceng": 0.05,
                  "cnlou": 0.04, "cndigits": 0.02, "floor_only": 0.06, "none": 0.06},
    nearby=0.02, fullwidth=0.02, spaces=0.03, comma=0.02, typo=0.01,
)
WILD_PERMIT = wild_style(
    province=0.3, city=0.8, district=0.9, street=0.6, community=0.3, village_community=0.5,
    estate_place={"road_estate": 0.4, "road": 0.3, "estate": 0.3}, alias=0.15,
    village_place={"lane": 0.75, "road": 0.2, "village_road": 0.05},
    unit={"arabic": 0.7, "cn": 0.08, "ti": 0.1, "drop": 0.12},
    nearby=0.0, fullwidth=0.005, spaces=0.01, comma=0.01, typo=0.006,
)
WILD_SCHOOL = wild_style(
    province=0.03, city=0.3, district=0.7, street=0.15, community=0.1, village_community=0.3,
    city_short=0.05, district_short=0.1, community_only=0.03,
    estate_place={"estate": 0.6, "road_estate": 0.2, "road": 0.2}, alias=0.1,
    village_place={"lane": 0.85, "road": 0.1, "village_road": 0.05},
    lane_num={"cn": 0.6, "arabic": 0.35, "di": 0.05},
    building={"canon": 0.55, "alt": 0.12, "cn": 0.1, "di": 0.06, "dash": 0.1, "bare": 0.07},
    unit={"arabic": 0.6, "cn": 0.1, "ti": 0.15, "drop": 0.15},
    room={"bare": 0.35, "shi": 0.25, "fang": 0.12, "lou": 0.08, "louhao": 0.04, "dash": 0.06, "ceng": 0.03,
          "cnlou": 0.03, "cndigits": 0.01, "none": 0.03},
    nearby=0.01, fullwidth=0.01, spaces=0.02, comma=0.02, typo=0.01,
)
WILD_SURVEY = wild_style(
    province=0.05, city=0.25, district=0.55, street=0.35, community=0.45, village_community=0.7,
    city_short=0.08, city_repeat=0.02, district_short=0.12, street_short=0.08, wrong_street=0.03, community_only=0.15,
    estate_place={"estate": 0.55, "road_estate": 0.1, "road": 0.35}, alias=0.25,
    village_place={"lane": 0.9, "road": 0.05, "village_road": 0.05},
    lane_num={"cn": 0.5, "arabic": 0.45, "di": 0.05}, house_num={"arabic": 0.75, "cn": 0.12, "dong": 0.13},
    building={"canon": 0.45, "alt": 0.15, "cn": 0.12, "di": 0.06, "dash": 0.14, "bare": 0.08},
    unit={"arabic": 0.45, "cn": 0.12, "ti": 0.25, "drop": 0.18},
    room={"bare": 0.3, "shi": 0.08, "fang": 0.12, "lou": 0.15, "louhao": 0.08, "dash": 0.1, "ceng": 0.06,
          "cnlou": 0.05, "cndigits": 0.02, "floor_only": 0.02, "none": 0.02},
    village_room={"bare": 0.22, "shi": 0.05, "fang": 0.12, "lou": 0.18, "louhao": 0.1, "dash": 0.08, "ceng": 0.06,
                  "cnlou": 0.05, "cndigits": 0.02, "floor_only": 0.07, "none": 0.05},
    nearby=0.04, fullwidth=0.04, spaces=0.05, comma=0.03, typo=0.015,
)
WILD_PREMISES = wild_style(
    province=0.25, city=0.9, district=0.95, street=0.5, community=0.25, village_community=0.4,
    estate_place={"road_estate": 0.6, "road": 0.3, "estate": 0.1}, alias=0.12,
    village_place={"lane": 0.5, "road": 0.45, "village_road": 0.05},
    building={"canon": 0.75, "alt": 0.08, "cn": 0.03, "di": 0.04, "dash": 0.05, "bare": 0.05},
    unit={"arabic": 0.8, "cn": 0.05, "ti": 0.05, "drop": 0.1},
    room={"shi": 0.5, "bare": 0.25, "fang": 0.1, "lou": 0.03, "louhao": 0.03, "dash": 0.03, "ceng": 0.03,
          "cnlou": 0.01, "none": 0.02},
    nearby=0.0, fullwidth=0.005, spaces=0.01, comma=0.01, typo=0.005,
)
WILD_TAX = wild_style(
    province=0.2, city=0.75, district=0.9, street=0.35, community=0.15, village_community=0.3,
    city_short=0.08, district_short=0.05,
    estate_place={"road_estate": 0.4, "road": 0.35, "estate": 0.25}, alias=0.2,
    village_place={"lane": 0.6, "road": 0.35, "village_road": 0.05},
    nearby=0.0, fullwidth=0.01, spaces=0.02, comma=0.03, typo=0.01,
)
WILD_TITLES = wild_style(
    province=0.3, city=0.9, district=1.0, street=0.6, community=0.3, village_community=0.5,
    city_short=0.0, city_repeat=0.005, district_short=0.0, street_short=0.0, wrong_street=0.01, community_only=0.0,
    estate_place={"road_estate": 0.9, "road": 0.06, "estate": 0.04}, alias=0.03,
    village_place={"lane": 0.65, "road": 0.3, "village_road": 0.05},
    lane_num={"cn": 0.95, "arabic": 0.05, "di": 0.0}, house_num={"arabic": 1.0},
    building={"canon": 0.95, "alt": 0.02, "di": 0.03},
    unit={"arabic": 0.97, "drop": 0.03},
    room={"bare": 0.45, "shi": 0.5, "fang": 0.05},
    village_room={"bare": 0.45, "shi": 0.45, "fang": 0.05, "none": 0.05},
    nearby=0.0, fullwidth=0.0, spaces=0.002, comma=0.0, typo=0.002,
)
WILD_HOUSING = wild_style(
    province=0.03, city=0.45, district=0.85, street=0.4, community=0.35, village_community=0.6,
    city_short=0.05, city_repeat=0.02, district_short=0.06, street_short=0.05, wrong_street=0.02, community_only=0.05,
    estate_place={"road": 0.4, "estate": 0.35, "road_estate": 0.25}, alias=0.35,
    village_place={"road": 0.65, "lane": 0.3, "village_road": 0.05},
    lane_num={"cn": 0.6, "arabic": 0.35, "di": 0.05}, house_num={"arabic": 0.85, "cn": 0.05, "dong": 0.1},
    building={"canon": 0.5, "alt": 0.2, "cn": 0.05, "di": 0.05, "dash": 0.15, "bare": 0.05},
    unit={"arabic": 0.6, "cn": 0.1, "ti": 0.15, "drop": 0.15},
    room={"fang": 0.3, "bare": 0.3, "shi": 0.2, "lou": 0.05, "dash": 0.08, "ceng": 0.04, "louhao": 0.03},
    village_room={"fang": 0.3, "bare": 0.3, "shi": 0.1, "lou": 0.1, "dash": 0.06, "ceng": 0.04, "louhao": 0.05,
                  "floor_only": 0.03, "none": 0.02},
    shop_room={"pu": 0.4, "bare": 0.3, "shi": 0.2, "none": 0.1},
    nearby=0.0, fullwidth=0.02, spaces=0.03, comma=0.03, typo=0.01,
)


def _wild_sources() -> list[SourceSpec]:
    """Person departments of the wild city: the default ones plus residence permits, other headers and addresses."""
    base = {s.name: s for s in _default_sources()}
    alt = {s.name: s for s in _alt_sources()}
    police = replace(
        base["police_hukou"], key=("RY", 12), address=WILD_HUKOU,
        columns=(Col("人员ID", "key", "record_key"), Col("身份号码", "id", "id_number"), Col("姓名", "name", "name"),
                 Col("曾用名", "former_name"), Col("性别", "sex", "sex"), Col("出生日期", "birth", "birth_date"),
                 Col("民族", "ethnicity", "ethnicity"), Col("户号", "household"), Col("与户主关系", "relation"),
                 Col("户籍地详细地址", "reg_addr", "registered_address"), Col("联系电话", "phone", "phone"),
                 Col("人口状态", "status", "status"), Col("状态日期", "status_date", "status_date"),
                 Col("迁往地", "moved_to"), Col("数据更新时间", "updated", "updated_at")),
        formats={"birth": "ymd8", "status_date": "iso", "updated": "ymd8"},
    )
    floating = replace(
        base["floating_population"], address=WILD_FLOATING, key=("LZ", 11),
        columns=(Col("登记编号", "key", "record_key"), Col("证件类型", "id_type"), Col("证件号码", "id", "id_number"),
                 Col("姓名", "name", "name"), Col("性别", "sex", "sex"), Col("出生日期", "birth", "birth_date"),
                 Col("民族", "ethnicity", "ethnicity"), Col("户籍地址", "reg_addr", "registered_address"),
                 Col("现住址", "res_addr", "residence_address"), Col("手机", "phone", "phone"),
                 Col("登记日期", "updated", "updated_at"), Col("居住事由", "reason")),
        rates=base["floating_population"].rates | {"coverage": 0.75},
    )
    permit = replace(alt["residence_permit"], address=WILD_PERMIT)
    school = replace(
        base["education"], address=WILD_SCHOOL,
        columns=(Col("学籍号", "key", "record_key"), Col("身份证件号", "id", "id_number"),
                 Col("学生姓名", "name", "name"), Col("出生日期", "birth", "birth_date"), Col("性别", "sex", "sex"),
                 Col("就读学校", "school"), Col("年级", "grade"), Col("现居住地址", "res_addr", "residence_address"),
                 Col("监护人", "guardian", "guardian_name"), Col("监护人联系电话", "phone", "phone")),
    )
    grid = replace(
        base["grid_survey"], address=WILD_SURVEY,
        columns=(Col("采集编号", "key", "record_key"), Col("身份证号", "id", "id_number"), Col("姓名", "name", "name"),
                 Col("性别", "sex", "sex"), Col("出生日期", "birth", "birth_date"),
                 Col("实际居住地址", "res_addr", "residence_address"), Col("户籍地", "reg_place"),
                 Col("联系电话", "phone", "phone"), Col("人员类别", "person_type"),
                 Col("采集日期", "updated", "updated_at"), Col("网格员", "worker"), Col("备注", "note")),
    )
    deaths = replace(base["civil_affairs"], address=WILD_HUKOU)
    return [police, floating, permit, base["social_insurance"], deaths, school, grid]


def _wild_registries() -> list[SourceSpec]:
    base = {s.name: s for s in _default_registries()}
    market = replace(base["market_regulation"], address=WILD_PREMISES)
    tax = replace(base["tax"], address=WILD_TAX)
    titles = replace(
        base["real_estate"], address=WILD_TITLES,
        columns=(Col("登记业务号", "key", "record_key"), Col("不动产单元号", "code", "property_code"),
                 Col("坐落", "address", "address"), Col("行政区", "district", "district"),
                 Col("街道", "street", "street"), Col("社区", "community", "community"), Col("路名", "road", "road"),
                 Col("门牌号", "door", "door_number"), Col("项目名称", "estate"), Col("幢号", "building", "building"),
                 Col("单元", "unit", "unit"), Col("房号", "room", "room"), Col("用途", "use", "use"),
                 Col("建筑面积", "area", "area"), Col("权利人", "owner", "owner_name"),
                 Col("权利人证件号", "owner_id", "owner_id_number"), Col("权属状态", "title_status"),
                 Col("登簿日期", "updated", "updated_at")),
        rates=base["real_estate"].rates | {"village_coverage": 0.15},
    )
    housing = replace(
        base["housing_bureau"], address=WILD_HOUSING,
        columns=(Col("房屋编码", "key", "record_key"), Col("房屋坐落", "address", "address"),
                 Col("房屋用途", "use", "use"), Col("建筑面积", "area", "area"), Col("建筑结构", "structure"),
                 Col("采集时间", "updated", "updated_at")),
    )
    return [market, tax, titles, housing]


def get_shape(name: str) -> Shape:
    if name == "default":
        return Shape("default", {"local": 0.60, "floating": 0.35, "commuter": 0.03, "hkmo": 0.012, "foreign": 0.008},
                     0.005, _default_sources(), _default_registries())
    if name == "alt":
        return Shape("alt", {"local": 0.50, "floating": 0.44, "commuter": 0.04, "hkmo": 0.012, "foreign": 0.008},
                     0.01, _alt_sources(), _alt_registries())
    if name == "wild":
        return Shape("wild", {"local": 0.40, "floating": 0.54, "commuter": 0.03, "hkmo": 0.018, "foreign": 0.012},
                     0.006, _wild_sources(), _wild_registries(), universe="wild")
    raise ValueError(f"unknown shape {name!r}: use one of {', '.join(SHAPES)}")
