"""The true population: families, persons, identities, where they are registered and live, jobs.

People are drawn family by family. A family has a category (local 户籍, floating 流动, commuter
living outside the city, Hong Kong / Macao resident, foreigner) and a template of roles (H head,
S spouse, C child, E elder parent, R roommate). Ages follow the roles; children carry the
father's surname; a family shares its registered and residence dwellings, its landline and,
for minors, the guardian's mobile. Twins are children of one family born the same day with
given names one non-homophone character apart and IDs differing only in the sequence digits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pypinyin import Style, pinyin

from . import ids, pools
from .geography import DISTRICT_CODES, DISTRICT_NAMES, DISTRICT_WEIGHTS, Properties, build_properties
from .text import choice_weighted, random_dates

SNAPSHOT = np.datetime64("2026-10-31")
CATEGORIES = ("local", "floating", "commuter", "hkmo", "foreign")
TEMPLATES: dict[str, list[tuple[str, float]]] = {
    "local": [("H", 0.16), ("HS", 0.18), ("HSC", 0.24), ("HSCC", 0.16), ("HSCE", 0.08), ("HC", 0.05),
              ("HSCCE", 0.06), ("HSCEE", 0.04), ("HE", 0.03)],
    "floating": [("H", 0.38), ("HS", 0.2), ("HSC", 0.18), ("HSCC", 0.09), ("HRR", 0.1), ("HC", 0.05)],
    "commuter": [("H", 0.65), ("HS", 0.35)],
    "hkmo": [("H", 0.6), ("HS", 0.3), ("HSC", 0.1)],
    "foreign": [("H", 0.75), ("HS", 0.25)],
}
LOCAL_DWELLING_MODES = ("same", "same_district", "other_district")


@dataclass
class Enterprises:
    name: np.ndarray
    uscc: np.ndarray
    district: np.ndarray


@dataclass
class Population:
    """Columnar person table (row i is person i) plus family-level facts and the properties."""

    uid: np.ndarray
    family: np.ndarray
    role: np.ndarray
    category: np.ndarray
    sex: np.ndarray
    birth: np.ndarray
    surname: np.ndarray
    given: np.ndarray
    name: np.ndarray
    ethnicity: np.ndarray
    id_body: np.ndarray
    id_number: np.ndarray
    document: np.ndarray
    nationality: np.ndarray
    status: np.ndarray
    status_date: np.ndarray
    registered_in_city: np.ndarray
    resident_in_city: np.ndarray
    reg_property: np.ndarray
    res_property: np.ndarray
    home_property: np.ndarray
    reg_text: np.ndarray
    outside_res_text: np.ndarray
    floating_left: np.ndarray
    mobile: np.ndarray
    old_mobile: np.ndarray
    landline: np.ndarray
    contact: np.ndarray
    guardian: np.ndarray
    employer: np.ndarray
    prev_employer: np.ndarray
    twin: np.ndarray
    origin_county: np.ndarray
    props: Properties
    firms: Enterprises

    def __len__(self) -> int:
        return len(self.uid)

    @property
    def age(self) -> np.ndarray:
        return ((SNAPSHOT - self.birth).astype(np.int64) / 365.25).astype(np.int64)


@dataclass
class Families:
    category: np.ndarray
    template: np.ndarray
    family: np.ndarray
    roles: np.ndarray

    @property
    def person_category(self) -> np.ndarray:
        return self.category[self.family]


@dataclass
class People:
    sex: np.ndarray
    birth: np.ndarray
    surname: np.ndarray
    given: np.ndarray
    ethnicity: np.ndarray
    county: np.ndarray
    twins: np.ndarray
    foreign: np.ndarray

    @property
    def year(self) -> np.ndarray:
        return self.birth.astype("datetime64[Y]").astype(np.int64) + 1970

    @property
    def age(self) -> np.ndarray:
        return (SNAPSHOT - self.birth).astype(np.int64) / 365.25

    @property
    def twin_of(self) -> np.ndarray:
        twin = np.full(len(self.sex), -1)
        twin[self.twins[:, 0]], twin[self.twins[:, 1]] = self.twins[:, 1], self.twins[:, 0]
        return twin

    @property
    def name(self) -> np.ndarray:
        return np.where(self.foreign, self.given + " " + self.surname, self.surname + self.given)


@dataclass
class Homes:
    props: Properties
    home: np.ndarray
    registered: np.ndarray
    left: np.ndarray
    behind: np.ndarray


def build_population(rng: np.random.Generator, n: int, shares: dict[str, float], twin_rate: float,
                     universe=None) -> Population:
    """universe: None for the compounds of geography.build_properties, else a callable
    (category, res_district, reg_district, in_city, shared, separate, scale) -> (props, home, registered)
    per family that builds and allocates a universe of its own (wild.wild_universe)."""
    fam = Families(*_families(rng, n, shares))
    people = _people(rng, fam, twin_rate, n)
    cat, age, is_twin = fam.person_category, people.age, people.twin_of >= 0
    status, status_date = _statuses(rng, cat, age, people.birth, is_twin)
    homes = _homes(rng, fam, n, universe)
    resident, outside = _residence(rng, fam, age, status, is_twin, homes)
    reg_text, outside_res, hk_place = _outside_texts(rng, fam, people.county, homes, outside)
    division = _divisions(rng, fam, people, hk_place, homes)
    division[people.twins[:, 1]] = division[people.twins[:, 0]]
    body = _unique_bodies(rng, division, people.birth, people.sex, people.twins)
    id_number = np.where(division > 0, ids.citizen_ids(np.where(division > 0, body, 10**16)), "").astype(object)
    document, nationality = _documents(rng, cat, hk_place)
    phones = _phones(rng, fam, age, is_twin)
    firms = _enterprises(rng, max(40, n // 15))
    employer, prev = _jobs(rng, firms, cat, age, people.sex, status, resident, homes.left[fam.family])
    home = homes.home[fam.family]
    return Population(
        uid=np.array([f"P{i:08d}" for i in range(n)], dtype=object), family=fam.family, role=fam.roles,
        category=cat, sex=people.sex, birth=people.birth, surname=people.surname, given=people.given,
        name=people.name, ethnicity=people.ethnicity, id_body=body, id_number=id_number, document=document,
        nationality=nationality, status=status, status_date=status_date,
        registered_in_city=(status == "active") & (cat == "local"), resident_in_city=resident,
        reg_property=np.where(cat == "local", homes.registered[fam.family], -1),
        res_property=np.where(resident, home, -1), home_property=home,
        reg_text=reg_text, outside_res_text=outside_res, floating_left=homes.left[fam.family] & (cat == "floating"),
        origin_county=people.county, firms=firms, employer=employer, prev_employer=prev, twin=people.twin_of, props=homes.props,
        **phones,
    )


def _families(rng, n: int, shares: dict[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Family category and template per family; person family index and role, exactly n persons."""
    mean = {c: sum(len(t) * w for t, w in TEMPLATES[c]) / sum(w for _, w in TEMPLATES[c]) for c in CATEGORIES}
    p = np.array([shares[c] / mean[c] for c in CATEGORIES])
    n_fam = int(n / (p / p.sum() * np.array([mean[c] for c in CATEGORIES])).sum() * 1.1) + 20
    cat = np.array(CATEGORIES, dtype=object)[rng.choice(len(CATEGORIES), size=n_fam, p=p / p.sum())]
    tmpl = np.empty(n_fam, dtype=object)
    for c in CATEGORIES:
        sel = np.flatnonzero(cat == c)
        names, weights = zip(*TEMPLATES[c])
        tmpl[sel] = choice_weighted(rng, names, weights, len(sel))
    sizes = np.array([len(t) for t in tmpl])
    keep = int(np.searchsorted(np.cumsum(sizes), n)) + 1
    cat, tmpl = cat[:keep], tmpl[:keep]
    roles = np.array(list("".join(tmpl)), dtype=object)[:n]
    family = np.repeat(np.arange(keep), [len(t) for t in tmpl])[:n]
    return cat, tmpl, family, roles


def _ages(rng, cat, tmpl, family, roles) -> np.ndarray:
    f = len(cat)
    kids = np.array(["C" in t for t in tmpl])
    elders = np.array(["E" in t for t in tmpl])
    young = rng.random(f) < 0.6
    head = np.select(
        [cat == "local", cat == "floating", cat == "commuter", cat == "hkmo"],
        [np.where(kids, rng.uniform(28, 56, f), np.where(elders, rng.uniform(30, 56, f),
                                                         np.where(young, rng.uniform(22, 45, f), rng.uniform(45, 88, f)))),
         np.where(kids, rng.uniform(25, 48, f), np.where(rng.random(f) < 0.7, rng.uniform(18, 35, f), rng.uniform(35, 56, f))),
         rng.uniform(22, 55, f), rng.uniform(20, 75, f)],
        rng.uniform(22, 60, f))
    n = len(roles)
    h = head[family]
    child = h - rng.uniform(22, 38, n)
    child = np.where(child < 0, rng.uniform(0, 1, n) * np.maximum(h - 20, 1), child)
    return np.select(
        [roles == "H", roles == "S", roles == "C", roles == "E"],
        [h, np.clip(h + rng.normal(0, 3, n), 18, 95), child, np.clip(h + rng.uniform(24, 34, n), 0, 98)],
        rng.uniform(18, 40, n))


def _sexes(rng, tmpl, family, roles, cat) -> np.ndarray:
    f = len(tmpl)
    couple = np.array(["S" in t for t in tmpl])
    head_male = rng.random(f) < np.where(couple, 0.85, np.where(cat == "floating", 0.6, 0.5))
    n = len(roles)
    hm = head_male[family]
    male = np.select(
        [roles == "H", roles == "S", roles == "C", roles == "E", roles == "R"],
        [hm, ~hm, rng.random(n) < 0.52, rng.random(n) < 0.45, np.where(rng.random(n) < 0.8, hm, rng.random(n) < 0.5)])
    return np.where(male, "M", "F").astype(object)


def _given_names(rng, sex: np.ndarray, year: np.ndarray) -> np.ndarray:
    n = len(sex)
    male = sex == "M"
    modern = rng.random(n) < np.clip((year - 1988) / 16, 0, 1)
    out = np.empty(n, dtype=object)
    for is_male, is_modern, table in ((True, False, pools.GIVEN_CLASSIC_M), (True, True, pools.GIVEN_MODERN_M),
                                      (False, False, pools.GIVEN_CLASSIC_F), (False, True, pools.GIVEN_MODERN_F)):
        sel = np.flatnonzero((male == is_male) & (modern == is_modern))
        out[sel] = choice_weighted(rng, *zip(*table), size=len(sel))
    composed = rng.random(n) < 0.45
    for is_male, first, second in ((True, pools.GIVEN_FIRST_M, pools.GIVEN_SECOND_M),
                                   (False, pools.GIVEN_FIRST_F, pools.GIVEN_SECOND_F)):
        sel = np.flatnonzero(composed & (male == is_male))
        a = np.array(list(first), dtype=object)[rng.integers(0, len(first), len(sel))]
        b = np.array(list(second), dtype=object)[rng.integers(0, len(second), len(sel))]
        single = rng.random(len(sel)) < 0.12
        out[sel] = np.where(single, b, a + b)
    return out


def _surnames(rng, tmpl, family, roles, sex, ethnicity_fam) -> np.ndarray:
    n, f = len(roles), len(tmpl)
    fam = choice_weighted(rng, *zip(*pools.SURNAMES), size=f)
    korean = np.flatnonzero(ethnicity_fam == "朝鲜族")
    fam[korean] = np.array(pools.KOREAN_SURNAMES, dtype=object)[rng.integers(0, 5, len(korean))]
    own = choice_weighted(rng, *zip(*pools.SURNAMES), size=n)
    couple = np.array(["S" in t for t in tmpl])[family]
    male = sex == "M"
    takes_family = np.select(
        [roles == "H", roles == "S", roles == "C", roles == "E"],
        [male | ~couple, male, True, male], False)
    return np.where(takes_family, fam[family], own)


def _minority_names(rng, sex: np.ndarray) -> np.ndarray:
    n = len(sex)
    first_m = np.array(pools.UYGHUR_FIRST_M, dtype=object)[rng.integers(0, len(pools.UYGHUR_FIRST_M), n)]
    first_f = np.array(pools.UYGHUR_FIRST_F, dtype=object)[rng.integers(0, len(pools.UYGHUR_FIRST_F), n)]
    second = np.array(pools.UYGHUR_SECOND, dtype=object)[rng.integers(0, len(pools.UYGHUR_SECOND), n)]
    return np.where(sex == "M", first_m, first_f) + "·" + second


def _foreign_names(rng, sex: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(sex)
    family = np.array(pools.FOREIGN_FAMILY, dtype=object)[rng.integers(0, len(pools.FOREIGN_FAMILY), n)]
    gm = np.array(pools.FOREIGN_GIVEN_M, dtype=object)[rng.integers(0, len(pools.FOREIGN_GIVEN_M), n)]
    gf = np.array(pools.FOREIGN_GIVEN_F, dtype=object)[rng.integers(0, len(pools.FOREIGN_GIVEN_F), n)]
    return family, np.where(sex == "M", gm, gf)


def _readings(ch: str) -> set[str]:
    return set(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])


def _twin_given_names(rng, sex_a: str, sex_b: str) -> tuple[str, str]:
    """Two given names sharing the first character, second characters neither equal nor homophones."""
    first = pools.GIVEN_FIRST_M if sex_a == "M" else pools.GIVEN_FIRST_F
    f = first[int(rng.integers(len(first)))]
    pool_a = pools.GIVEN_SECOND_M if sex_a == "M" else pools.GIVEN_SECOND_F
    pool_b = pools.GIVEN_SECOND_M if sex_b == "M" else pools.GIVEN_SECOND_F
    while True:
        a, b = pool_a[int(rng.integers(len(pool_a)))], pool_b[int(rng.integers(len(pool_b)))]
        same_group = any(a in g and b in g for g in pools.HOMOPHONES)
        if a != b and f not in (a, b) and not same_group and not (_readings(a) & _readings(b)):
            return f + a, f + b


def _choose_twins(rng, family, roles, cat, eth_fam, rate: float, n: int) -> np.ndarray:
    """Pairs (a, b) of person indices: the first two children of chosen families."""
    child = np.flatnonzero(roles == "C")
    fam_of_child = family[child]
    first = np.r_[True, fam_of_child[1:] != fam_of_child[:-1]]
    second_idx = np.flatnonzero(~first[1:] & first[:-1]) + 1
    a, b = child[second_idx - 1], child[second_idx]
    ok = np.isin(cat[a], ("local", "floating")) & (eth_fam[family[a]] != "维吾尔族")
    a, b = a[ok], b[ok]
    k = min(len(a), int(round(rate * n / 2)))
    pick = np.sort(rng.choice(len(a), size=k, replace=False))
    return np.stack([a[pick], b[pick]], axis=1)


def _division_for_native(district: np.ndarray, year: np.ndarray) -> np.ndarray:
    code = DISTRICT_CODES[district].astype(np.int64)
    code = np.where((code == 440309) & (year < 2017), 440306, code)
    code = np.where((code == 440310) & (year < 2017), 440307, code)
    code = np.where((code == 440311) & (year < 2018), 440306, code)
    code = np.where((code == 440308) & (year < 1998), 440303, code)
    return np.where(year < 1984, 440301, code)


def _unique_bodies(rng, division, birth, sex, twins: np.ndarray) -> np.ndarray:
    """Sequence numbers (odd for men) making every ID unique; a twin's is next to its sibling's."""
    n = len(division)
    seq = 2 * rng.integers(0, 500, n) + (sex == "M")
    fixed = np.zeros(n, dtype=bool)
    fixed[twins.ravel()] = True
    has_id = division > 0
    while True:
        _twin_sequences(seq, sex, twins)
        body = np.where(has_id, ids.id_body(division, birth, seq), -np.arange(1, n + 1))
        order = np.lexsort((~fixed, body))
        later = np.r_[False, body[order][1:] == body[order][:-1]]
        redo = order[later]
        if len(redo) == 0:
            return body
        seq[redo] = 2 * rng.integers(0, 500, len(redo)) + (sex[redo] == "M")


def _twin_sequences(seq, sex, twins) -> None:
    a, b = twins[:, 0], twins[:, 1]
    same = sex[a] == sex[b]
    seq[b] = np.where(same, np.where(seq[a] >= 998, seq[a] - 2, seq[a] + 2),
                      np.where(seq[a] == 999, 998, seq[a] + 1))


def outside_addresses(rng, county: np.ndarray) -> np.ndarray:
    """A home address in a county outside the city, one per entry."""
    n = len(county)
    c = [pools.ORIGIN_COUNTIES[i] for i in county]
    town = np.array(pools.TOWN_STEMS, dtype=object)[rng.integers(0, len(pools.TOWN_STEMS), n)]
    village = np.array(pools.VILLAGE_STEMS, dtype=object)[rng.integers(0, len(pools.VILLAGE_STEMS), n)]
    road = np.array(pools.OUTSIDE_ROADS, dtype=object)[rng.integers(0, len(pools.OUTSIDE_ROADS), n)]
    group = rng.integers(1, 13, n)
    num = rng.integers(1, 200, n)
    rural = rng.random(n) < 0.7
    return np.array([
        f"{p}{ci}{co}{t}镇{v}村{g}组{k}号" if r else f"{p}{ci}{co}{rd}{k}号"
        for (_, p, ci, co, _w), t, v, rd, g, k, r in zip(c, town, village, road, group, num, rural)
    ], dtype=object)


def _commuter_addresses(rng, n: int) -> np.ndarray:
    places = [pools.COMMUTER_PLACES[i] for i in rng.integers(0, len(pools.COMMUTER_PLACES), n)]
    out = []
    for (city, district, towns), road, num in zip(places, rng.integers(0, len(pools.OUTSIDE_ROADS), n),
                                                   rng.integers(1, 400, n)):
        town = towns[int(num) % len(towns)]
        out.append(f"广东省{city}{district}{town}{pools.OUTSIDE_ROADS[road]}{num}号")
    return np.array(out, dtype=object)


def _mobiles(rng, n: int) -> np.ndarray:
    prefixes = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 158, 159,
                         166, 176, 177, 180, 181, 183, 185, 186, 187, 188, 189, 199])
    draw = prefixes[rng.integers(0, len(prefixes), int(n * 1.05) + 10)] * 10**8 + rng.integers(0, 10**8, int(n * 1.05) + 10)
    _, first = np.unique(draw, return_index=True)
    uniq = draw[np.sort(first)][:n]
    return uniq.astype(str).astype(object)


def _enterprises(rng, n: int) -> Enterprises:
    stems = np.array(pools.ENTERPRISE_STEMS, dtype=object)
    trades = np.array(pools.ENTERPRISE_TRADES, dtype=object)
    district = rng.choice(len(DISTRICT_CODES), size=n, p=DISTRICT_WEIGHTS / DISTRICT_WEIGHTS.sum())
    shop = rng.random(n) < 0.1
    names, seen = [], set()
    forms = choice_weighted(rng, *zip(*pools.ENTERPRISE_FORMS), size=n)
    for i in range(n):
        while True:
            stem = stems[rng.integers(len(stems))] + (stems[rng.integers(len(stems))][0] if rng.random() < 0.6 else "")
            if shop[i]:
                name = f"{DISTRICT_NAMES[district[i]]}{stem}{pools.SHOP_TRADES[rng.integers(len(pools.SHOP_TRADES))]}"
            else:
                name = f"深圳市{stem}{trades[rng.integers(len(trades))]}{forms[i]}"
            if name not in seen:
                seen.add(name)
                names.append(name)
                break
    prefix = np.where(shop, "92", "91").astype(object)
    division = np.where(shop, DISTRICT_CODES[district], "440300").astype(object)
    uscc = ids.usccs(prefix, division, ids.organisation_codes(rng, n))
    return Enterprises(np.array(names, dtype=object), uscc, district)


def _people(rng, fam: Families, twin_rate: float, n: int) -> People:
    cat_f, tmpl, family, roles = fam.category, fam.template, fam.family, fam.roles
    age = _ages(rng, cat_f, tmpl, family, roles)
    birth = SNAPSHOT - np.round(age * 365.25).astype("timedelta64[D]") - rng.integers(0, 365, n).astype("timedelta64[D]")
    birth = np.minimum(birth, SNAPSHOT - np.timedelta64(1, "D"))
    sex = _sexes(rng, tmpl, family, roles, cat_f)
    eth_f = _family_ethnicity(rng, cat_f)
    surname = _surnames(rng, tmpl, family, roles, sex, eth_f)
    given = _given_names(rng, sex, birth.astype("datetime64[Y]").astype(np.int64) + 1970)
    ethnicity = eth_f[family]
    uyghur = ethnicity == "维吾尔族"
    surname[uyghur] = ""
    given[uyghur] = _minority_names(rng, sex[uyghur])
    foreign = fam.person_category == "foreign"
    surname[foreign], given[foreign] = _foreign_names(rng, sex[foreign])
    twins = _choose_twins(rng, family, roles, fam.person_category, eth_f, twin_rate, n)
    birth[twins[:, 1]] = birth[twins[:, 0]]
    for a, b in twins:
        given[a], given[b] = _twin_given_names(rng, sex[a], sex[b])
    fam_county, own_county = county_draw(rng, len(tmpl)), county_draw(rng, n)
    county = np.where(np.isin(roles, ("H", "C", "E")) | (rng.random(n) < 0.6), fam_county[family], own_county)
    county = np.where(roles == "R", own_county, county)
    codes = [c[0] for c in pools.ORIGIN_COUNTIES]
    for group, origins in pools.MINORITY_ORIGINS.items():
        sel = np.flatnonzero(ethnicity == group)
        county[sel] = np.array([codes.index(c) for c in origins])[rng.integers(0, len(origins), len(sel))]
    return People(sex, birth, surname, given, ethnicity, county, twins, foreign)


def county_draw(rng, n: int) -> np.ndarray:
    w = np.array([c[4] for c in pools.ORIGIN_COUNTIES])
    return rng.choice(len(w), size=n, p=w / w.sum())


def _family_ethnicity(rng, cat_f: np.ndarray) -> np.ndarray:
    eth = choice_weighted(rng, *zip(*pools.ETHNICITIES), size=len(cat_f))
    u = rng.random(len(cat_f))
    eth[u < 0.004] = "维吾尔族"
    eth[(u >= 0.004) & (u < 0.006)] = "朝鲜族"
    eth[cat_f == "hkmo"] = "汉族"
    eth[cat_f == "foreign"] = ""
    return eth


def _statuses(rng, cat, age, birth, is_twin) -> tuple[np.ndarray, np.ndarray]:
    """About 1% deceased (older more likely), 2.5% of working-age locals moved out."""
    n = len(cat)
    status = np.full(n, "active", dtype=object)
    status_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    w = np.exp((age - 40) / 9) * (~is_twin)
    dead = rng.choice(n, size=int(round(0.01 * n)), replace=False, p=w / w.sum())
    status[dead] = "deceased"
    status_date[dead] = np.maximum(random_dates(rng, "2019-01-01", "2026-10-20", len(dead)), birth[dead] + 1)
    moved = (cat == "local") & (status == "active") & (age >= 18) & (age < 60) & ~is_twin & (rng.random(n) < 0.025)
    status[moved] = "moved_out"
    status_date[moved] = random_dates(rng, "2019-01-01", "2026-10-20", int(moved.sum()))
    return status, status_date


def _homes(rng, fam: Families, n: int, universe=None) -> Homes:
    """Districts, then the property universe sized to them, then a dwelling per family."""
    cat_f = fam.category
    n_fam, dw = len(cat_f), DISTRICT_WEIGHTS / DISTRICT_WEIGHTS.sum()
    reg_d = rng.choice(len(dw), size=n_fam, p=dw)
    mode = choice_weighted(rng, LOCAL_DWELLING_MODES, [0.72, 0.08, 0.20], n_fam)
    res_d = np.where(mode == "other_district", rng.choice(len(dw), size=n_fam, p=dw), reg_d)
    res_d = np.where(cat_f == "local", res_d, rng.choice(len(dw), size=n_fam, p=dw))
    separate = (cat_f == "local") & (mode != "same")
    in_city = np.isin(cat_f, ("local", "floating", "hkmo", "foreign"))
    shared = in_city & (rng.random(n_fam) < 0.04)
    scale = float(np.clip(n / 400_000, 0.05, 1.0))
    if universe is None:
        demand = np.bincount(res_d[in_city & ~shared], minlength=len(dw)) + np.bincount(reg_d[separate], minlength=len(dw))
        props = build_properties(rng, np.ceil(demand * 1.25).astype(int) + 5, scale)
        home, reg = _allocate_dwellings(rng, props, res_d, reg_d, in_city, shared, separate, len(dw))
    else:
        props, home, reg = universe(cat_f, res_d, reg_d, in_city, shared, separate, scale)
    reg = np.where((cat_f == "local") & ~separate, home, reg)
    left = (cat_f == "floating") & (rng.random(n_fam) < 0.10)
    behind = (cat_f == "floating") & (rng.random(n_fam) < 0.30)
    return Homes(props, home, reg, left, behind)


def _residence(rng, fam: Families, age, status, is_twin, homes: Homes) -> tuple[np.ndarray, np.ndarray]:
    """Who lives in the city now. About 5% of local families live elsewhere (elders stay), and
    some grown-up local children have left on their own."""
    cat, roles, family = fam.person_category, fam.roles, fam.family
    n = len(cat)
    family_away = (rng.random(len(fam.category)) < 0.05)[family] & (roles != "E")
    child_away = (roles == "C") & (age >= 18) & (age < 35) & ~is_twin & (rng.random(n) < 0.08)
    outside = (cat == "local") & (family_away | child_away)
    left_behind = homes.behind[family] & (roles == "C") & (age < 16)
    stays = np.select([cat == "local", cat == "commuter"], [~outside, False], ~homes.left[family] & ~left_behind)
    return (status == "active") & stays, outside


def _outside_texts(rng, fam: Families, county, homes: Homes, outside) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Registered addresses outside the city, residence addresses of those living outside, HK/Macao place."""
    cat, roles, family = fam.person_category, fam.roles, fam.family
    n = len(cat)
    reg_text = np.where(cat == "local", "", outside_addresses(rng, county)).astype(object)
    hk = cat == "hkmo"
    hk_place = np.where(rng.random(n) < 0.75, "810000", "820000")
    places = np.where(hk_place[hk] == "810000",
                      np.array(pools.HK_PLACES, dtype=object)[rng.integers(0, 3, hk.sum())],
                      np.array(pools.MO_PLACES, dtype=object)[rng.integers(0, 2, hk.sum())])
    reg_text[hk] = places + np.array([f"{k}号" for k in rng.integers(1, 300, hk.sum())], dtype=object)
    reg_text[cat == "foreign"] = ""
    outside_res = np.full(n, "", dtype=object)
    away = (cat == "commuter") | outside
    outside_res[away] = _commuter_addresses(rng, int(away.sum()))
    back_home = (cat == "floating") & (homes.left[family] | (homes.behind[family] & (roles == "C")))
    outside_res[back_home] = reg_text[back_home]
    return reg_text, outside_res, hk_place


def _phones(rng, fam: Families, age, is_twin) -> dict[str, np.ndarray]:
    """Own mobiles from 14, an old number for some, family landlines; minors and twins give the head's mobile."""
    family, roles = fam.family, fam.roles
    n, n_fam = len(family), len(fam.category)
    mobile = _mobiles(rng, n)
    mobile[age < 14] = ""
    old = np.where(rng.random(n) < 0.10, _mobiles(rng, n), "").astype(object)
    old[mobile == ""] = ""
    head = _heads(family)
    land_p = np.where(fam.category == "local", 0.3, 0.05)
    landline = np.where(rng.random(n_fam) < land_p,
                        np.array([f"0755-{d}" for d in rng.integers(2 * 10**7, 9 * 10**7, n_fam)], dtype=object), "")
    contact = np.where((mobile == "") | is_twin, mobile[head], mobile)
    spouse = _spouses(family, roles)
    mother_or_father = rng.random(n_fam)[family] < 0.35
    guardian = np.where(mother_or_father & (spouse[head] >= 0), spouse[head], head)
    return {"mobile": mobile, "old_mobile": old, "landline": landline[family], "contact": contact, "guardian": guardian}


def _allocate_dwellings(rng, props, res_d, reg_d, in_city_f, shared, separate, n_d):
    """A home dwelling per in-city family (a few share one) and a separate registered one for 人户分离."""
    n_fam = len(res_d)
    home = np.full(n_fam, -1)
    reg = np.full(n_fam, -1)
    for d in range(n_d):
        pool = rng.permutation(props.dwellings_in(d))
        own = np.flatnonzero(in_city_f & ~shared & (res_d == d))
        sep = np.flatnonzero(separate & (reg_d == d))
        home[own] = pool[: len(own)]
        reg[sep] = pool[len(own): len(own) + len(sep)]
        joiners = np.flatnonzero(shared & (res_d == d))
        if len(own):
            home[joiners] = home[own[rng.integers(0, len(own), len(joiners))]]
        else:
            home[joiners] = pool[rng.integers(0, len(pool), len(joiners))]
    return home, reg


def _divisions(rng, fam: Families, people: People, hk_place, homes: Homes) -> np.ndarray:
    """Division of first registration: a Shenzhen code (as it was in the birth year) for natives,
    the origin county for others, 810000/820000 for Hong Kong and Macao, none for foreigners."""
    cat, family, roles, year = fam.person_category, fam.family, fam.roles, people.year
    n = len(cat)
    county_code = np.array([int(c[0]) for c in pools.ORIGIN_COUNTIES], dtype=np.int64)[people.county]
    native = rng.random(n) < np.select([year < 1975, year < 1990, year < 2000], [0.15, 0.35, 0.6], 0.92)
    native = np.where(roles == "C", native[_heads(family)] | (rng.random(n) < 0.8), native)
    reg = homes.registered[family]
    reg_dist = np.where(reg >= 0, homes.props.district[np.maximum(reg, 0)], 0)
    local_code = np.where(native, _division_for_native(reg_dist, year), county_code)
    return np.select([cat == "local", cat == "hkmo", cat == "foreign"],
                     [local_code, hk_place.astype(np.int64), 0], county_code)


def _documents(rng, cat, hk_place) -> tuple[np.ndarray, np.ndarray]:
    n = len(cat)
    digits = np.char.zfill(rng.integers(0, 10**8, n).astype("U8"), 8).astype(object)
    doc = np.full(n, "", dtype=object)
    hk = cat == "hkmo"
    doc[hk] = np.where(hk_place[hk] == "810000", "H", "M") + digits[hk]
    fo = cat == "foreign"
    letters = np.array(list("EGKMPS"), dtype=object)[rng.integers(0, 6, n)]
    doc[fo] = letters[fo] + digits[fo]
    nationality = np.full(n, "", dtype=object)
    nationality[fo] = np.array(pools.NATIONALITIES, dtype=object)[rng.integers(0, len(pools.NATIONALITIES), fo.sum())]
    nationality[hk] = np.where(hk_place[hk] == "810000", "中国香港", "中国澳门")
    return doc, nationality


def _heads(family: np.ndarray) -> np.ndarray:
    """Index of each person's family head (the family's first member)."""
    first = np.r_[0, np.flatnonzero(family[1:] != family[:-1]) + 1]
    return first[np.searchsorted(first, np.arange(len(family)), side="right") - 1]


def _spouses(family: np.ndarray, roles: np.ndarray) -> np.ndarray:
    """Index of the family's spouse (S) for every person of the family, -1 if none."""
    by_family = np.full(family.max() + 1, -1)
    s = np.flatnonzero(roles == "S")
    by_family[family[s]] = s
    return by_family[family]


def _jobs(rng, firms: Enterprises, cat, age, sex, status, resident, left) -> tuple[np.ndarray, np.ndarray]:
    n = len(cat)
    m = len(firms.name)
    rank_w = 1.0 / (np.arange(m) + 5) ** 1.1
    working = (age >= 18) & (age < np.where(sex == "M", 60, 55))
    p = np.select([cat == "local", cat == "floating", cat == "commuter", cat == "hkmo"], [0.72, 0.68, 1.0, 0.5], 0.7)
    had_job = working & (rng.random(n) < p)
    in_scope = (cat == "commuter") | resident | (status != "active")
    in_scope &= ~((cat == "floating") & left & (status == "active"))
    employer = np.where(had_job & in_scope, rng.choice(m, size=n, p=rank_w / rank_w.sum()), -1)
    prev = np.where((employer >= 0) & (rng.random(n) < 0.08), rng.choice(m, size=n, p=rank_w / rank_w.sum()), -1)
    prev = np.where((prev >= 0) & (prev == employer), (prev + 1) % m, prev)
    return employer, prev
