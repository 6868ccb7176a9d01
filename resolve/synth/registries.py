"""The legal-person (法人库) and property (房屋库) departments: the enterprise universe and its extracts.

Everything here is drawn after the persons and their sources, from random streams of its own, so
the person files of a (seed, n_persons, shape) never change when this module does.

Enterprises. The population's employers (pop.firms, the firms social insurance names) come first,
in their order, so enterprise i is firm i; then other companies, individual businesses (个体工商户:
USCC 92..., name = district + 字号 + trade + 店/馆/部/行, run by a person of the population) and
branches (分公司: parent's full name + place + 分公司, a USCC of their own). Companies set up before
the USCC (2015-10) carry a 15-digit registration number (ISO 7064 MOD 11,10); a few that closed
before 2015 never got a USCC at all. Legal representatives are persons of the population (their
true name and citizen ID). Every enterprise sits at a property of the universe: commercial
premises or dwellings (the universe has no offices), a few commercial addresses host clusters of
registrations (集群注册).

Properties. Titles (不动产登记) of most properties with structured address columns, use, area,
owner (a person with their ID, or an enterprise / authority without one) and, for a few, an
earlier superseded title; the housing bureau (住建) lists the same properties under its own codes
with one free-text address.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ids, pools
from .geography import DISTRICT_CODES, DISTRICT_NAMES, render_addresses
from .population import SNAPSHOT, Population
from .shapes import SourceSpec
from .text import choice_weighted, format_dates, homophone_typos, id_typos, pick, random_dates

IB_TRADES = ("餐饮", "便利", "五金", "理发", "水果", "服装", "烟酒", "电器", "建材", "通讯", "副食", "汽修")
IB_SUFFIXES = ("店", "馆", "部", "行")
USCC_START = np.datetime64("2015-10-01")


@dataclass
class Enterprises:
    """Columnar enterprise table; row i is enterprise i (firm i of the population for i < len(pop.firms))."""

    uid: np.ndarray
    name: np.ndarray
    uscc: np.ndarray
    org: np.ndarray
    reg_number: np.ndarray
    is_branch: np.ndarray
    parent: np.ndarray
    is_ib: np.ndarray
    rep: np.ndarray
    site: np.ndarray
    status: np.ndarray
    status_date: np.ndarray
    established: np.ndarray
    etype: np.ndarray
    district: np.ndarray

    def __len__(self) -> int:
        return len(self.uid)


def reg_check(body: str) -> str:
    """ISO 7064 MOD 11,10 check digit of a 14-digit registration-number body."""
    p = 10
    for ch in body:
        s = (p + int(ch)) % 10 or 10
        p = (2 * s) % 11
    return str((11 - p) % 10)


def _unique(rng, n: int, make, seen: set) -> list[str]:
    out = []
    for _ in range(n):
        for _attempt in range(50):
            name = make()
            if name not in seen:
                break
        seen.add(name)
        out.append(name)
    return out


def build_enterprises(rng: np.random.Generator, pop: Population) -> Enterprises:
    firms = pop.firms
    nf = len(firms.name)
    stems, trades = pools.ENTERPRISE_STEMS, pools.ENTERPRISE_TRADES
    forms, form_w = zip(*pools.ENTERPRISE_FORMS)
    seen = set(firms.name.tolist())
    stem = lambda: stems[rng.integers(len(stems))] + (stems[rng.integers(len(stems))][0] if rng.random() < 0.6 else "")
    n_x, n_i = max(20, nf // 2), max(10, len(pop) // 100)
    companies = _unique(rng, n_x, lambda: f"深圳市{stem()}{trades[rng.integers(len(trades))]}"
                        f"{forms[rng.choice(len(forms), p=np.array(form_w) / sum(form_w))]}", seen)
    d_i = rng.integers(0, len(DISTRICT_CODES), n_i)
    shops = [""] * n_i
    for k in range(n_i):
        shops[k] = _unique(rng, 1, lambda: f"{DISTRICT_NAMES[d_i[k]]}{stem()}{IB_TRADES[rng.integers(len(IB_TRADES))]}"
                           f"{IB_SUFFIXES[rng.integers(len(IB_SUFFIXES))]}", seen)[0]
    names = np.concatenate([firms.name, np.array(companies + shops, dtype=object)])
    district = np.concatenate([firms.district, rng.integers(0, len(DISTRICT_CODES), n_x), d_i])
    is_ib = np.concatenate([np.char.startswith(firms.uscc.astype(str), "92"), np.zeros(n_x, bool), np.ones(n_i, bool)])
    n0 = len(names)
    # branches of some companies
    parents = np.flatnonzero(~is_ib & pick(rng, n0, 0.08))
    parents = np.concatenate([parents, parents[pick(rng, len(parents), 0.3)]])
    b_district = rng.integers(0, len(DISTRICT_CODES), len(parents))
    b_names = []
    for par, d in zip(parents.tolist(), b_district.tolist()):
        streets = pools.DISTRICTS[d][3]
        places = [DISTRICT_NAMES[d].removesuffix("区"), streets[rng.integers(len(streets))]]
        b_names += _unique(rng, 1, lambda: names[par] + places[rng.integers(2)] + "分公司", seen)
    n = n0 + len(parents)
    names = np.concatenate([names, np.array(b_names, dtype=object)])
    district = np.concatenate([district, b_district])
    is_ib = np.concatenate([is_ib, np.zeros(len(parents), bool)])
    is_branch = np.r_[np.zeros(n0, bool), np.ones(len(parents), bool)]
    parent = np.r_[np.full(n0, -1), parents]
    base = np.r_[np.ones(nf, bool), np.zeros(n - nf, bool)]
    # dates and statuses
    established = random_dates(rng, "1995-01-01", "2026-09-30", n)
    established[is_branch] = np.minimum(established[parents] + rng.integers(30, 3000, len(parents)).astype("timedelta64[D]"),
                                        SNAPSHOT - np.timedelta64(20, "D"))
    status = choice_weighted(rng, ["active", "deregistered", "revoked"], [0.78, 0.15, 0.07], n)
    status[base] = "active"
    status[is_branch] = np.where(status[parents] != "active", status[parents], status[is_branch])
    closed = status != "active"
    span = ((SNAPSHOT - established).astype(np.int64) * rng.random(n)).astype(np.int64)
    status_date = np.where(closed, established + np.maximum(span, 1).astype("timedelta64[D]"), np.datetime64("NaT"))
    legacy_only = ~base & ~is_branch & ~is_ib & closed & (established < np.datetime64("2008-01-01")) & pick(rng, n, 0.6)
    status_date[legacy_only] = random_dates(rng, "2008-01-01", "2015-06-30", int(legacy_only.sum()))
    # identifiers
    org = np.concatenate([np.array([u[8:17] for u in firms.uscc], dtype=object), _org_codes(rng, established[nf:])])
    prefix = np.where(is_ib, "92", "91").astype(object)
    division = np.where(is_ib | is_branch, DISTRICT_CODES[district], "440300").astype(object)
    uscc = np.concatenate([firms.uscc, ids.usccs(prefix[nf:], division[nf:], org[nf:])])
    uscc[legacy_only] = ""
    seq = rng.choice(10**8, size=n, replace=False)
    reg_number = np.array([(lambda b: b + reg_check(b))(f"{DISTRICT_CODES[d]}{s:08d}") for d, s in zip(district, seq)],
                          dtype=object)
    reg_number[established >= USCC_START] = ""
    # people and places
    eligible = np.flatnonzero((pop.id_number != "") & (pop.status == "active") & (pop.age >= 22) & (pop.age <= 75))
    rep = eligible[rng.integers(0, len(eligible), n)]
    site = _sites(rng, pop.props, district, is_ib, n)
    etype = np.select([is_ib, np.char.endswith(names.astype(str), "股份有限公司")],
                      ["个体工商户", "股份有限公司"], "有限责任公司").astype(object)
    etype[is_branch] = etype[parents] + "分公司"
    return Enterprises(
        uid=np.array([f"E{i:07d}" for i in range(n)], dtype=object), name=names, uscc=uscc, org=org,
        reg_number=reg_number, is_branch=is_branch, parent=parent, is_ib=is_ib, rep=rep, site=site,
        status=status.astype(object), status_date=status_date, established=established, etype=etype, district=district)


def _org_codes(rng, established: np.ndarray) -> np.ndarray:
    """Organisation codes: all-digit legacy ones before the USCC (2015-10), MA-prefixed ones after."""
    pool = ids.organisation_codes(rng, 4 * len(established) + 20)
    newer = np.char.startswith(pool.astype(str), "MA")
    old, new = pool[~newer], pool[newer]
    before = established < USCC_START
    out = np.empty(len(established), dtype=object)
    out[before] = old[:int(before.sum())]
    out[~before] = new[:int((~before).sum())]
    return out


def _sites(rng, props, district: np.ndarray, is_ib: np.ndarray, n: int) -> np.ndarray:
    """A property in the enterprise's district: commercial premises or a dwelling; a few cluster addresses."""
    site = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    commercial_share = np.where(is_ib, 0.5, 0.35)
    for d in range(len(DISTRICT_CODES)):
        here = np.flatnonzero(district == d)
        dwellings = np.flatnonzero((props.district == d) & (props.use == "residential"))
        commercial = np.flatnonzero((props.district == d) & (props.use == "commercial"))
        if len(commercial) == 0:
            commercial = dwellings
        pick_c = u[here] < commercial_share[here]
        site[here] = np.where(pick_c, commercial[rng.integers(0, len(commercial), len(here))],
                              dwellings[rng.integers(0, len(dwellings), len(here))])
    everywhere = np.flatnonzero(props.use == "commercial")
    if len(everywhere) == 0:
        everywhere = np.flatnonzero(props.use == "residential")
    clusters = everywhere[rng.choice(len(everywhere), size=min(len(everywhere), max(2, n // 400)), replace=False)]
    cluster = ~is_ib & (u < 0.05)
    site[cluster] = clusters[rng.integers(0, len(clusters), int(cluster.sum()))]
    return site


def _coded(values: np.ndarray, codes: dict[str, str]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for canonical, raw in codes.items():
        out[values == canonical] = raw
    return out


def _dates(dates: np.ndarray, fmt: str) -> np.ndarray:
    return format_dates(dates.astype("datetime64[D]"), fmt)


def _person_names(pop: Population, p: np.ndarray, rate: float, rng) -> np.ndarray:
    han = pop.surname[p] != ""
    return homophone_typos(pop.name[p], pop.surname[p], pop.given[p], han & pick(rng, len(p), rate), rng)


def _updated(ent: Enterprises, e: np.ndarray, rng) -> np.ndarray:
    n = len(e)
    later = ent.established[e] + (((SNAPSHOT - ent.established[e]).astype(np.int64) * rng.random(n))
                                  .astype(np.int64)).astype("timedelta64[D]")
    return np.where(np.isnat(ent.status_date[e]), later, ent.status_date[e])


def market(pop: Population, ent: Enterprises, spec: SourceSpec, rng):
    """Every registration, in order of establishment."""
    r = spec.rates
    e = np.argsort(ent.established, kind="stable")
    n = len(e)
    site = ent.site[e].copy()
    stale = pick(rng, n, r.get("address_stale", 0))
    site[stale] = np.flatnonzero(pop.props.use == "residential")[rng.integers(0, int((pop.props.use == "residential").sum()),
                                                                                int(stale.sum()))]
    rep = ent.rep[e]
    cols = {
        "uscc": ent.uscc[e], "reg_number": ent.reg_number[e], "name": ent.name[e],
        "rep_name": _person_names(pop, rep, r.get("rep_homophone", 0), rng),
        "rep_id": id_typos(pop.id_number[rep], pick(rng, n, r.get("rep_typo", 0)), rng),
        "address": render_addresses(pop.props, site, rng, spec.address),
        "status": _coded(ent.status[e], spec.codes["status"]),
        "established": _dates(ent.established[e], spec.formats["established"]),
        "etype": ent.etype[e],
        "authority": np.array([f"深圳市市场监督管理局{DISTRICT_NAMES[d].removesuffix('区')}监管局"
                               for d in ent.district[e]], dtype=object),
        "updated": _dates(_updated(ent, e, rng), spec.formats["updated"]),
    }
    return e, cols, {}


def _uscc_typo(code: str, rng) -> str:
    at = int(rng.integers(0, 17))
    alphabet = ids.USCC_ALPHABET.replace(code[at], "")
    return code[:at] + alphabet[int(rng.integers(len(alphabet)))] + code[at + 1:]


def _name_variant(name: str, flags: tuple[bool, bool, bool, bool], branch: bool) -> str:
    swap, drop, bracket, half = flags
    if swap and "股份有限公司" not in name:
        name = (name.replace("有限责任公司", "有限公司", 1) if "有限责任公司" in name
                else name.replace("有限公司", "有限责任公司", 1))
    if bracket and not branch and name.startswith("深圳市") and "有限" in name:
        at = name.index("有限")
        name = name[3:at] + ("(深圳)" if half else "（深圳）") + name[at:]
    elif drop:
        name = name.removeprefix("深圳市")
    return name


def tax(pop: Population, ent: Enterprises, spec: SourceSpec, rng):
    """Most enterprises, under name variants; legacy 15-char tax IDs and mistyped USCCs."""
    r = spec.rates
    keep = pick(rng, len(ent), r["coverage"]) & ((ent.uscc != "") | pick(rng, len(ent), 0.3))
    e = rng.permutation(np.flatnonzero(keep))
    n = len(e)
    digit_org = np.array([o[:8].isdigit() for o in ent.org[e]], dtype=bool)
    legacy = (ent.uscc[e] == "") | ((ent.established[e] < USCC_START) & digit_org
                                    & pick(rng, n, r.get("legacy_tax_id", 0) * 3))
    uscc = ent.uscc[e].copy()
    typo = ~legacy & pick(rng, n, r.get("uscc_typo", 0))
    uscc[typo] = [_uscc_typo(u, rng) for u in uscc[typo]]
    tax_id = np.where(legacy, DISTRICT_CODES[ent.district[e]] + ent.org[e], uscc).astype(object)
    uscc[legacy | pick(rng, n, r.get("uscc_missing", 0))] = ""
    flags = np.stack([pick(rng, n, r.get(k, 0)) for k in ("form_swap", "drop_city", "bracket_region", "halfwidth_brackets")], 1)
    names = np.array([_name_variant(nm, tuple(f), b) for nm, f, b in zip(ent.name[e], flags.tolist(), ent.is_branch[e])],
                     dtype=object)
    cols = {
        "tax_id": tax_id, "uscc": uscc, "name": names,
        "rep_name": _person_names(pop, ent.rep[e], r.get("rep_homophone", 0), rng),
        "address": render_addresses(pop.props, ent.site[e], rng, spec.address),
        "status": _coded(ent.status[e], spec.codes["status"]),
        "etype": np.select([ent.is_ib[e], ent.is_branch[e]], ["个体经营", "分支机构"], "私营企业").astype(object),
        "office": np.array([f"国家税务总局深圳市{DISTRICT_NAMES[d]}税务局" for d in ent.district[e]], dtype=object),
        "updated": _dates(_updated(ent, e, rng), spec.formats["updated"]),
    }
    return e, cols, {}


def _owners(pop: Population, rng) -> np.ndarray:
    """A plausible owner (person index) for every property: a resident local adult, else a landlord."""
    props = pop.props
    adult = (pop.id_number != "") & (pop.status == "active") & (pop.age >= 22)
    live = np.flatnonzero(adult & np.isin(pop.category, ("local", "hkmo")) & (pop.res_property >= 0))
    owner = np.full(len(props), -1)
    owner[pop.res_property[live][::-1]] = live[::-1]
    landlords = np.flatnonzero(adult & (pop.category == "local"))
    none = owner < 0
    owner[none] = landlords[rng.integers(0, len(landlords), int(none.sum()))]
    return owner


def titles(pop: Population, ent: Enterprises, spec: SourceSpec, rng):
    """Current titles of most properties and superseded titles of a few; owners are persons or enterprises."""
    props, r = pop.props, spec.rates
    dwelling = props.use == "residential"
    chance = np.where(dwelling, r["coverage"], r["nondwelling_coverage"])
    if "village_coverage" in r:  # few urban-village houses hold a title (小产权房)
        chance = np.where(dwelling & (props.bno == 0), r["village_coverage"], chance)
    covered = np.flatnonzero(rng.random(len(props)) < chance)
    hist = covered[pick(rng, len(covered), r.get("history", 0))]
    h = np.r_[np.zeros(len(covered), bool), np.ones(len(hist), bool)]
    p = np.r_[covered, hist]
    order = np.argsort(p, kind="stable")
    p, h = p[order], h[order]
    n = len(p)
    person = _owners(pop, rng)[p]
    person[h] = np.flatnonzero((pop.id_number != "") & (pop.age >= 30))[rng.integers(0, int(((pop.id_number != "") & (pop.age >= 30)).sum()), int(h.sum()))]
    active = np.flatnonzero(ent.status == "active")
    use = props.use[p]
    by_firm = np.where(use == "residential", pick(rng, n, r.get("enterprise_owner", 0)), (use == "commercial") & pick(rng, n, 0.6))
    firm = np.where(by_firm, active[rng.integers(0, len(active), n)], -1)
    public = np.isin(use, ("public_toilet", "power_room"))
    person[by_firm | public] = -1
    d_names = DISTRICT_NAMES[props.district[p]]
    authority = np.where(use == "power_room", "深圳供电局有限公司",
                         np.char.add(np.char.add("深圳市", d_names.astype(str)), "城市管理和综合执法局")).astype(object)
    owner_name = np.where(firm >= 0, ent.name[np.maximum(firm, 0)], authority).astype(object)
    has_p = person >= 0
    owner_name[has_p] = _person_names(pop, person[has_p], r.get("owner_homophone", 0), rng)
    owner_id = np.full(n, "", dtype=object)
    owner_id[has_p] = id_typos(pop.id_number[person[has_p]], pick(rng, int(has_p.sum()), r.get("owner_id_typo", 0)), rng)
    recent = random_dates(rng, "2003-01-01", "2026-10-30", n)
    older = recent - rng.integers(400, 4000, n).astype("timedelta64[D]")
    cols = {
        "code": props.code[p], "address": render_addresses(props, p, rng, spec.address), **props.title_columns(p),
        "use": _coded(use, spec.codes["use"]), "area": np.array([f"{a:.2f}" for a in props.area[p]], dtype=object),
        "owner": owner_name, "owner_id": owner_id,
        "title_status": np.where(h, "历史", "现势").astype(object),
        "updated": _dates(np.where(h, older, recent), spec.formats["updated"]),
    }
    extra = {"owner_person_uid": np.where(has_p, pop.uid[np.maximum(person, 0)], ""),
             "owner_enterprise_uid": np.where(firm >= 0, ent.uid[np.maximum(firm, 0)], ""), "current": ~h}
    return p, cols, extra


def housing(pop: Population, ent: Enterprises, spec: SourceSpec, rng):
    """The housing bureau's property census: one free-text address, its own codes, areas that sometimes differ."""
    props, r = pop.props, spec.rates
    dwelling = props.use == "residential"
    p = np.flatnonzero(rng.random(len(props)) < np.where(dwelling, r["coverage"], r["nondwelling_coverage"]))
    n = len(p)
    area = props.area[p] + np.where(pick(rng, n, r.get("area_off", 0)), np.round(rng.uniform(-5, 5, n), 1), 0)
    area_text = np.array([f"{a:.1f}" for a in area], dtype=object)
    area_text[pick(rng, n, r.get("area_missing", 0))] = ""
    village = dwelling[p] & (props.bno[p] == 0)
    cols = {
        "address": render_addresses(props, p, rng, spec.address),
        "use": _coded(props.use[p], spec.codes["use"]), "area": area_text,
        "structure": np.where(village, "砖混", choice_weighted(rng, ["钢混", "框架", "框剪"], [0.5, 0.3, 0.2], n)).astype(object),
        "updated": _dates(random_dates(rng, "2018-01-01", "2026-10-30", n), spec.formats["updated"]),
    }
    return p, cols, {}


REGISTRY_BUILDERS = {"market": market, "tax": tax, "titles": titles, "housing": housing}
