"""City shapes: population mix, twin rate and the departments' extracts (columns, formats, error rates).

`default` is the city the product is tuned on. `alt` is a differently shaped city for testing on
data nobody tuned on: another population mix, twice the typo rates, half the survey without
IDs, twice the twins, other column names and codes, the police extract in GB18030, social
insurance in Parquet, a residence-permit (居住证) source and no education source.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

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


def get_shape(name: str) -> Shape:
    if name == "default":
        return Shape("default", {"local": 0.60, "floating": 0.35, "commuter": 0.03, "hkmo": 0.012, "foreign": 0.008},
                     0.005, _default_sources(), _default_registries())
    if name == "alt":
        return Shape("alt", {"local": 0.50, "floating": 0.44, "commuter": 0.04, "hkmo": 0.012, "foreign": 0.008},
                     0.01, _alt_sources(), _alt_registries())
    raise ValueError(f"unknown shape {name!r}: use 'default' or 'alt'")
