"""Departments' extracts: who each department knows, and how it writes them down.

A builder selects the persons a department holds records for (with its coverage, staleness and
within-source duplicates) and renders every logical column as that department writes it. The
spec decides which logical columns become which headers, the codes, the date formats and the
error rates.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from . import ids, pools
from .geography import DISTRICT_NAMES, render_addresses
from .population import SNAPSHOT, Population, county_draw, outside_addresses
from .shapes import SourceSpec
from .text import (DATE_FORMATS, apply, choice_weighted, dot_variants, format_dates,
                   fullwidth, homophone_typos, id_typos, lower_x, phone_variants, pick, random_dates,
                   spaced_names, traditional)


@dataclass
class Extract:
    """Records of one source: the true person behind each row and its logical columns."""

    persons: np.ndarray
    cols: dict[str, np.ndarray]


@dataclass
class Context:
    pop: Population
    seed: int

    def rng(self, *names: str) -> np.random.Generator:
        return np.random.default_rng([self.seed] + [zlib.crc32(n.encode()) for n in names])


def build_extract(ctx: Context, spec: SourceSpec) -> Extract:
    return BUILDERS[spec.builder](ctx, spec, ctx.rng(spec.name, "records"))


def _sex(pop: Population, p: np.ndarray, spec: SourceSpec) -> np.ndarray:
    codes = spec.codes["sex"]
    return np.where(pop.sex[p] == "M", codes["M"], codes["F"]).astype(object)


def _dates(dates: np.ndarray, fmt: str, rng) -> np.ndarray:
    if fmt == "mixed":
        fmt = choice_weighted(rng, DATE_FORMATS[:3] + ("cn",), [0.35, 0.3, 0.2, 0.15], len(dates))
    elif fmt == "mixed_short":
        fmt = choice_weighted(rng, ("iso", "slash"), [0.6, 0.4], len(dates))
    return format_dates(dates, fmt)


def _ids(pop: Population, p: np.ndarray, spec: SourceSpec, rng) -> tuple[np.ndarray, np.ndarray]:
    """ID text as the source writes it, and the document type."""
    r, n = spec.rates, len(p)
    cat = pop.category[p]
    out = pop.id_number[p].copy()
    old = (cat == "local") & (pop.birth[p] < np.datetime64("1980-01-01")) & pick(rng, n, r.get("old15", 0))
    out[old] = ids.old_ids(pop.id_body[p][old])
    permit = (cat == "hkmo") & pick(rng, n, r.get("hk_permit", 0))
    out[permit | (cat == "foreign")] = pop.document[p][permit | (cat == "foreign")]
    kind = np.select([cat == "foreign", permit, cat == "hkmo"], ["护照", "港澳居民来往内地通行证", "港澳居民居住证"],
                     "居民身份证").astype(object)
    citizen = ~permit & (cat != "foreign")
    out = id_typos(out, citizen & pick(rng, n, r.get("id_typo", 0)), rng)
    out = lower_x(out, np.char.endswith(out.astype(str), "X") & pick(rng, n, r.get("lower_x", 0)))
    out = fullwidth(out, citizen & pick(rng, n, r.get("id_fullwidth", 0)))
    out[pick(rng, n, r.get("id_missing", 0))] = ""
    return out, kind


def _names(pop: Population, p: np.ndarray, spec: SourceSpec, rng) -> np.ndarray:
    r, n = spec.rates, len(p)
    names, surname, given = pop.name[p], pop.surname[p], pop.given[p]
    latin = pop.category[p] == "foreign"
    han = (surname != "") & ~latin
    names = homophone_typos(names, surname, given, han & pick(rng, n, r.get("homophone", 0)), rng)
    trad_p = np.where(pop.category[p] == "hkmo", r.get("hk_traditional", 0), r.get("traditional", 0))
    names = traditional(names, han & (rng.random(n) < trad_p))
    names = spaced_names(surname, given, names, han & pick(rng, n, r.get("spaced", 0)), rng)
    names = dot_variants(names, (surname == "") & ~latin & pick(rng, n, r.get("dots", 0)), rng, spec.dots)
    names = fullwidth(names, latin & pick(rng, n, r.get("latin_fullwidth", 0)))
    return apply(names, pick(rng, n, r.get("trailing_space", 0)), lambda s: s + " ")


def _home_addresses(pop: Population, p: np.ndarray, spec: SourceSpec, rng) -> np.ndarray:
    """Where the person lives (or lived) in the city; the outside address for those with none."""
    prop = pop.home_property[p].copy()
    swap = (prop >= 0) & pick(rng, len(p), spec.rates.get("nondwelling", 0))
    if swap.any():
        non = np.flatnonzero(pop.props.use != "residential")
        prop[swap] = non[rng.integers(0, len(non), swap.sum())]
    out = pop.outside_res_text[p].copy()
    has = prop >= 0
    out[has] = render_addresses(pop.props, prop[has], rng, spec.address)
    return out


def _registered_addresses(pop: Population, p: np.ndarray, spec: SourceSpec, rng) -> np.ndarray:
    prop = pop.reg_property[p]
    out = pop.reg_text[p].copy()
    drop = (prop < 0) & pick(rng, len(p), spec.rates.get("drop_province", 0))
    out = apply(out, drop, _drop_province)
    has = prop >= 0
    out[has] = render_addresses(pop.props, prop[has], rng, spec.address)
    return out


def _drop_province(text: str) -> str:
    for mark in ("省", "自治区"):
        if mark in text[:8]:
            return text[text.index(mark) + len(mark):]
    return text


def _phones(pop: Population, p: np.ndarray, spec: SourceSpec, rng, numbers: np.ndarray | None = None) -> np.ndarray:
    numbers = pop.contact[p] if numbers is None else numbers
    old = (pop.old_mobile[p] != "") & pick(rng, len(p), spec.rates.get("old_phone", 0))
    numbers = np.where(old, pop.old_mobile[p], numbers)
    return phone_variants(numbers, pop.landline[p], rng, spec.phone)


def _common(pop: Population, p: np.ndarray, spec: SourceSpec, rng) -> dict[str, np.ndarray]:
    id_text, id_type = _ids(pop, p, spec, rng)
    return {
        "id": id_text, "id_type": id_type, "name": _names(pop, p, spec, rng), "sex": _sex(pop, p, spec),
        "birth": _dates(pop.birth[p], spec.formats.get("birth", "iso"), rng), "ethnicity": pop.ethnicity[p],
    }


def _with_duplicates(p: np.ndarray, rate: float, rng) -> np.ndarray:
    extra = p[pick(rng, len(p), rate)]
    return np.concatenate([p, extra])


def police(ctx: Context, spec: SourceSpec, rng) -> Extract:
    """Everyone whose hukou is or was in the city, grouped by household; a few registered twice."""
    pop = ctx.pop
    base = np.flatnonzero(pop.category == "local")
    p = np.sort(_with_duplicates(base, spec.rates.get("duplicate", 0), rng), kind="stable")
    n = len(p)
    cols = _common(pop, p, spec, rng)
    status = pop.status[p]
    stale = (status == "deceased") & pick(rng, n, spec.rates.get("stale_death", 0))
    shown = np.where(stale, "active", status)
    lag = rng.integers(0, 60, n).astype("timedelta64[D]")
    changed = np.where(shown == "active", np.datetime64("NaT"), np.minimum(pop.status_date[p] + lag, SNAPSHOT))
    updated = np.where(np.isnat(changed), random_dates(rng, "2012-01-01", "2026-10-30", n), changed)
    roles = pop.role[p]
    male = pop.sex[p] == "M"
    former = pick(rng, n, spec.rates.get("former", 0)) & (pop.surname[p] != "")
    moved = status == "moved_out"
    cols.update({
        "status": _coded(shown, spec.codes["status"]),
        "status_date": _dates(changed.astype("datetime64[D]"), spec.formats["status_date"], rng),
        "updated": _dates(updated.astype("datetime64[D]"), spec.formats["updated"], rng),
        "reg_addr": _registered_addresses(pop, p, spec, rng),
        "phone": np.where(pick(rng, n, spec.rates.get("phone_present", 1)), _phones(pop, p, spec, rng), ""),
        "household": np.array([f"4403{f:09d}" for f in pop.family[p]], dtype=object),
        "relation": np.select([roles == "H", roles == "S", roles == "C", roles == "E"],
                              ["户主", "配偶", np.where(male, "子", "女"), np.where(male, "父亲", "母亲")], "其他").astype(object),
        "former_name": np.where(former, pop.surname[p] + pop.given[rng.integers(0, len(pop), n)], ""),
        "moved_to": np.where(moved, outside_addresses(rng, county_draw(rng, n)), ""),
    })
    return Extract(p, cols)


def _coded(values: np.ndarray, codes: dict[str, str]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for canonical, raw in codes.items():
        out[values == canonical] = raw
    return out


def floating(ctx: Context, spec: SourceSpec, rng) -> Extract:
    """Floating residents registered with the police station; those who left or died stay on file."""
    pop = ctx.pop
    r = spec.rates
    n_all = len(pop)
    eligible = np.isin(pop.category, ("floating", "hkmo", "foreign"))
    child = pop.age < 16
    current = eligible & pop.resident_in_city & pick(rng, n_all, r["coverage"])
    current &= ~child | pick(rng, n_all, r["child_coverage"])
    left = eligible & (pop.status == "active") & ~pop.resident_in_city & (pop.home_property >= 0)
    stale = (left & pick(rng, n_all, r["left_coverage"])) | (
        eligible & (pop.status == "deceased") & pick(rng, n_all, r["dead_coverage"]))
    p = rng.permutation(np.flatnonzero(current | stale))
    n = len(p)
    cols = _common(pop, p, spec, rng)
    was = stale[p]
    registered = np.where(was, random_dates(rng, "2015-01-01", "2022-12-31", n), random_dates(rng, "2018-01-01", "2026-10-25", n))
    cols.update({
        "reg_addr": _registered_addresses(pop, p, spec, rng),
        "res_addr": _home_addresses(pop, p, spec, rng),
        "phone": _phones(pop, p, spec, rng),
        "updated": _dates(registered, spec.formats["updated"], rng),
        "reason": choice_weighted(rng, ["务工", "经商", "投靠亲友", "就学", "其他"], [0.6, 0.15, 0.15, 0.05, 0.05], n),
    })
    return Extract(p, cols)


def social(ctx: Context, spec: SourceSpec, rng) -> Extract:
    """Current contributors, terminated records of earlier jobs, and those who died or left."""
    pop = ctx.pop
    r = spec.rates
    current = np.flatnonzero(pop.employer >= 0)
    earlier = np.flatnonzero(pop.prev_employer >= 0)
    p = np.concatenate([current, earlier])
    firm = np.concatenate([pop.employer[current], pop.prev_employer[earlier]])
    is_old = np.r_[np.zeros(len(current), bool), np.ones(len(earlier), bool)]
    order = rng.permutation(len(p))
    p, firm, is_old = p[order], firm[order], is_old[order]
    n = len(p)
    gone = pop.status[p] != "active"
    stale = gone & pick(rng, n, r.get("stale_death", 0))
    ended = is_old | (gone & ~stale)
    paused = ~ended & pick(rng, n, 0.05)
    si_status = np.select([ended, paused], ["终止参保", "暂停缴费"], "正常参保").astype(object)
    started = random_dates(rng, "2005-01-01", "2026-06-30", n)
    started = np.maximum(started, pop.birth[p] + np.timedelta64(18 * 366, "D"))
    end_date = np.where(gone & ~stale, pop.status_date[p], random_dates(rng, "2019-01-01", "2025-12-31", n))
    updated = np.where(ended, end_date, random_dates(rng, "2026-06-01", "2026-10-30", n)).astype("datetime64[D]")
    before_death = pop.status_date[p] - rng.integers(1, 365, n).astype("timedelta64[D]")
    updated = np.where(stale, before_death, updated)
    started = np.minimum(started, updated)
    employer = pop.firms.name[firm]
    short = pick(rng, n, r.get("employer_short", 0))
    cols = _common(pop, p, spec, rng)
    cols.update({
        "employer": np.where(short, [s.removeprefix("深圳市") for s in employer], employer),
        "uscc": np.where(pick(rng, n, r.get("uscc_missing", 0)), "", pop.firms.uscc[firm]),
        "phone": _phones(pop, p, spec, rng, pop.mobile[p]),
        "si_status": si_status,
        "si_start": _dates(started, spec.formats.get("si_start", "ym"), rng),
        "updated": _dates(updated, spec.formats["updated"], rng),
    })
    return Extract(p, cols)


def deaths(ctx: Context, spec: SourceSpec, rng) -> Extract:
    """Death registrations of most who died, local or not."""
    pop = ctx.pop
    dead = np.flatnonzero(pop.status == "deceased")
    p = dead[np.argsort(pop.status_date[dead], kind="stable")]
    p = p[pick(rng, len(p), spec.rates["coverage"])]
    n = len(p)
    died = pop.status_date[p]
    registered = np.minimum(died + rng.integers(1, 30, n).astype("timedelta64[D]"), SNAPSHOT)
    cols = _common(pop, p, spec, rng)
    cols.update({
        "status": _coded(pop.status[p], spec.codes["status"]),
        "status_date": _dates(died, spec.formats["status_date"], rng),
        "reg_addr": _registered_addresses(pop, p, spec, rng),
        "death_place": choice_weighted(rng, ["医院", "家中", "养老机构", "其他"], [0.7, 0.2, 0.07, 0.03], n),
        "updated": _dates(registered, spec.formats["updated"], rng),
    })
    return Extract(p, cols)


def education(ctx: Context, spec: SourceSpec, rng) -> Extract:
    """Resident children aged 3 to 18 on the school rolls; the guardian's name and phone."""
    pop = ctx.pop
    age = pop.age
    kids = np.flatnonzero((age >= 3) & (age <= 18) & pop.resident_in_city)
    p = rng.permutation(kids[pick(rng, len(kids), spec.rates["coverage"])])
    cols = _common(pop, p, spec, rng)
    g = pop.guardian[p]
    key = np.where(pop.id_number[p] != "", "G" + pop.id_number[p], "")
    cols.update({
        "key": key,
        "school": _schools(pop, p, rng),
        "grade": _grades(age[p]),
        "res_addr": _home_addresses(pop, p, spec, rng),
        "guardian": pop.name[g],
        "phone": phone_variants(pop.mobile[g], pop.landline[p], rng, spec.phone),
    })
    return Extract(p, cols)


def _schools(pop: Population, p: np.ndarray, rng) -> np.ndarray:
    age = pop.age[p]
    district = DISTRICT_NAMES[pop.props.district[np.maximum(pop.home_property[p], 0)]]
    stem = np.array(pools.SCHOOL_STEMS, dtype=object)[rng.integers(0, len(pools.SCHOOL_STEMS), len(p))]
    kind = np.select([age < 6, age < 12, age < 15], ["幼儿园", "小学", "中学"], "高级中学").astype(object)
    return "深圳市" + district + stem + kind


def _grades(age: np.ndarray) -> np.ndarray:
    labels = np.array(["小班", "中班", "大班", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级",
                       "初一", "初二", "初三", "高一", "高二", "高三", "高三"], dtype=object)
    return labels[np.clip(age - 3, 0, len(labels) - 1)]


def grid(ctx: Context, spec: SourceSpec, rng) -> Extract:
    """Door-to-door: residents of about half the dwellings; some surveyed twice under another key."""
    pop = ctx.pop
    r = spec.rates
    homes = np.unique(pop.res_property[pop.resident_in_city])
    visited = np.zeros(len(pop.props), dtype=bool)
    visited[homes[pick(rng, len(homes), r["coverage"])]] = True
    found = np.flatnonzero(pop.resident_in_city & visited[np.maximum(pop.res_property, 0)]
                           & pick(rng, len(pop), r["household_coverage"]))
    p = rng.permutation(_with_duplicates(found, r.get("duplicate", 0), rng))
    n = len(p)
    cols = _common(pop, p, spec, rng)
    birth_missing = pick(rng, n, r.get("birth_missing", 0))
    cols["birth"][birth_missing] = ""
    cat = pop.category[p]
    cols.update({
        "res_addr": _home_addresses(pop, p, spec, rng),
        "reg_place": _registered_places(pop, p),
        "phone": _phones(pop, p, spec, rng),
        "person_type": np.select([cat == "local", np.isin(cat, ("hkmo", "foreign"))], ["户籍人口", "境外人员"], "流动人口").astype(object),
        "updated": _dates(random_dates(rng, "2025-01-01", "2026-10-30", n), spec.formats["updated"], rng),
        "worker": pop.name[rng.integers(0, len(pop), n)],
        "note": choice_weighted(rng, ["", "租住", "自住", '住户称"已登记"', "房东代报,未见本人"], [0.85, 0.07, 0.05, 0.015, 0.015], n),
    })
    return Extract(p, cols)


def _registered_places(pop: Population, p: np.ndarray) -> np.ndarray:
    counties = [pools.ORIGIN_COUNTIES[c] for c in pop.origin_county[p]]
    outside = np.array([c[1] + c[2] + c[3] for c in counties], dtype=object)
    reg_d = DISTRICT_NAMES[pop.props.district[np.maximum(pop.reg_property[p], 0)]]
    cat = pop.category[p]
    return np.select([cat == "local", np.isin(cat, ("hkmo", "foreign"))],
                     ["深圳市" + reg_d, pop.nationality[p]], outside).astype(object)


def permit(ctx: Context, spec: SourceSpec, rng) -> Extract:
    """Residence permits (居住证) held by floating and Hong Kong / Macao residents."""
    pop = ctx.pop
    eligible = np.isin(pop.category, ("floating", "hkmo")) & pop.resident_in_city & (pop.age >= 16)
    p = rng.permutation(np.flatnonzero(eligible & pick(rng, len(pop), spec.rates["coverage"])))
    n = len(p)
    issued = random_dates(rng, "2020-01-01", "2026-10-25", n)
    cols = _common(pop, p, spec, rng)
    cols.update({
        "res_addr": _home_addresses(pop, p, spec, rng),
        "phone": _phones(pop, p, spec, rng),
        "updated": _dates(issued, spec.formats["updated"], rng),
        "expiry": format_dates(issued + np.timedelta64(365, "D"), "iso"),
    })
    return Extract(p, cols)


BUILDERS = {"police": police, "floating": floating, "social": social, "deaths": deaths,
            "education": education, "grid": grid, "permit": permit}
