"""The `wild` city: a property universe and ways of writing addresses the product was not built on.

Universe (drawn from a stream of its own, [seed, crc32("wild"), 1]). Each district keeps its real
街道, generated 社区 and roads, but its dwellings are of two kinds:

- Named estates (碧海花园, 翠湖苑, 鸿荣大厦, 桂芳新村, 御景华庭 ...), each at one road + door
  number. Buildings are numbered 1..n with the estate's own word (栋 座 幢 号楼) or lettered A, B,
  C (A座); a single tower (大厦, 公寓) often has no building at all. Buildings have 1-4 units
  (单元); in most multi-unit estates the flat numbers repeat in every unit (1单元502, 2单元502),
  in the others they run on across the units. About one estate in six is known under two names
  (an old and a new one); departments differ in which they use.
- Urban villages (城中村), home to most floating families: X村 or X新村 with lanes, rows, blocks
  or groups (一巷.., 一排.., 一坊.., 一组..) and house numbers per lane; houses of 3-8 floors with
  2-4 rooms a floor (room = floor * 100 + n). A district with villages has at least two, so lane
  and house numbers repeat; a second village is sometimes named one character from the first
  (上沙村 / 下沙村, 固戍村 / 固戍新村). Most villages have their own 社区 (X社区). Houses of some
  villages also carry a road + door number (the 门牌 the housing bureau records).
- Non-dwellings: public toilets and power rooms in villages (at a lane and a number after the
  lane's last house), power rooms in estates, shops at a door number of their own.

Original villagers (locals) are registered in village houses; floating families mostly rent
there; Hong Kong / Macao residents and foreigners live in estates.

Addresses (WildProperties.render). Every department has a profile (shapes.WILD_*, keys below);
every choice is drawn per record from a stream of its own: the admin head (province, city as
深圳市 / 深圳 / 深圳市深圳市, district or its short name, the street or another street of the
district, the community, or the community alone), the place (estate name alone, road + door +
estate, road + door alone, the estate's other name; village + lane + house, road + door,
village + road + door), the building (3栋, 3幢, 三栋, 第3栋, A座, B502, 3-2-502), the unit (2单元,
二单元, 2梯, none), the floor and room (502, 502室, 502房, 5楼02, 5楼2号, 5-02, 5层02, 五楼502,
五零二, 5楼, nothing) and noise (附近 / 对面 / 旁 / 门口 instead of a flat, full-width digits, spaces,
commas, a one-character typo in a road or place name).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import pools
from .geography import DISTRICT_CODES, DISTRICT_NAMES, Properties, _district_layout
from .text import FULLWIDTH, choice_weighted, cn_digits, cn_number

WILD_TAG = zlib.crc32(b"wild")
NEARBY_MARKS = ("附近", "对面", "旁", "门口", "旁边")
ALT_WORDS = ("栋", "幢", "座", "号楼")
LETTER_WORDS = ("栋", "座", "幢")
FULLWIDTH_DIGITS = str.maketrans({c: c.translate(FULLWIDTH) for c in "0123456789-"})
COLUMNS = ("kind", "use", "street", "community", "road", "door", "estate", "alias", "village", "lane_kind",
           "lane", "house", "bno", "blabel", "bword", "unit", "floor", "room")


@dataclass
class WildProperties(Properties):
    """Properties plus the wild components; road/door are the 门牌 (empty for village houses without one)."""

    kind: np.ndarray       # estate | village | shop | toilet | power
    estate: np.ndarray     # the estate's current name
    alias: np.ndarray      # its other (old) name, or ""
    village: np.ndarray
    lane_kind: np.ndarray  # 巷 排 坊 组
    lane: np.ndarray
    house: np.ndarray
    blabel: np.ndarray     # "3", "A" or "" (a tower without buildings)
    floor: np.ndarray

    def frame(self) -> pd.DataFrame:
        out = super().frame()
        out["building"] = np.where(self.blabel != "", self.blabel + self.bword, "")
        out["kind"] = self.kind
        out["estate"] = self.estate
        out["estate_alias"] = self.alias
        out["village"] = self.village
        out["lane"] = self._lane_text(slice(None))
        out["house_number"] = np.where(self.house > 0, self.house.astype(str).astype(object) + "号", "")
        out["floor"] = self.floor
        return out

    def _lane_text(self, p) -> np.ndarray:
        lane, kind = self.lane[p], self.lane_kind[p]
        return np.array([cn_number(int(n)) + k if n else "" for n, k in zip(lane, kind)], dtype=object)

    def title_columns(self, p: np.ndarray) -> dict[str, np.ndarray]:
        """Road and door as on the 门牌, the estate (or village) in 项目名称, a village house as lane + number."""
        cols = super().title_columns(p)
        in_village = self.village[p] != ""
        lane_house = self._lane_text(p) + self.house[p].astype(str).astype(object) + "号"
        cols["building"] = np.where(in_village, lane_house,
                                    np.where(self.blabel[p] != "", self.blabel[p] + self.bword[p], "")).astype(object)
        cols["estate"] = np.where(in_village, self.village[p], self.estate[p]).astype(object)
        return cols

    def render(self, idx: np.ndarray, rng: np.random.Generator, style: dict) -> np.ndarray:
        """Addresses of properties idx as a department with profile `style` writes them."""
        own = np.random.default_rng([*rng.integers(0, 2**32, 2).tolist(), WILD_TAG])
        return render(self, idx, own, style)


# ---------------------------------------------------------------- universe

def wild_universe(seed: int):
    """The universe builder population._homes calls for the wild shape."""

    def build(cat_f, res_d, reg_d, in_city, shared, separate, scale):
        rng = np.random.default_rng([seed, WILD_TAG, 1])
        n_fam, n_d = len(cat_f), len(DISTRICT_CODES)
        to_village = rng.random(n_fam) < np.select([cat_f == "floating", cat_f == "local"], [0.72, 0.08], 0.0)
        reg_village = rng.random(n_fam) < 0.15
        own = in_city & ~shared
        v_need = np.bincount(res_d[own & to_village], minlength=n_d) + np.bincount(reg_d[separate & reg_village], minlength=n_d)
        e_need = np.bincount(res_d[own & ~to_village], minlength=n_d) + np.bincount(reg_d[separate & ~reg_village], minlength=n_d)
        props = build_wild_properties(rng, np.ceil(v_need * 1.2).astype(int) + 4, np.ceil(e_need * 1.25).astype(int) + 5,
                                      scale)
        home, reg = _allocate(rng, props, res_d, reg_d, own, shared, separate, to_village, reg_village, n_d)
        return props, home, reg

    return build


def _allocate(rng, props: WildProperties, res_d, reg_d, own, shared, separate, to_village, reg_village, n_d):
    n_fam = len(res_d)
    home = np.full(n_fam, -1)
    reg = np.full(n_fam, -1)
    for d in range(n_d):
        here = (props.district == d) & (props.use == "residential")
        for village, pool in ((True, rng.permutation(np.flatnonzero(here & (props.kind == "village")))),
                              (False, rng.permutation(np.flatnonzero(here & (props.kind == "estate"))))):
            mine = np.flatnonzero(own & (res_d == d) & (to_village == village))
            sep = np.flatnonzero(separate & (reg_d == d) & (reg_village == village))
            home[mine] = pool[: len(mine)]
            reg[sep] = pool[len(mine): len(mine) + len(sep)]
        joiners = np.flatnonzero(shared & (res_d == d))
        owners = np.flatnonzero(own & (res_d == d))
        if len(owners):
            home[joiners] = home[owners[rng.integers(0, len(owners), len(joiners))]]
        else:
            dwell = np.flatnonzero(here)
            home[joiners] = dwell[rng.integers(0, len(dwell), len(joiners))]
    return home, reg


def build_wild_properties(rng, village_target: np.ndarray, estate_target: np.ndarray, scale: float) -> WildProperties:
    """Universe with at least village_target[d] village and estate_target[d] estate dwellings in district d."""
    rows: list[tuple] = []
    district: list[int] = []
    for d in range(len(DISTRICT_CODES)):
        start = len(rows)
        streets, comms, roads = _district_layout(rng, d)
        door_next: dict[str, int] = {}
        estates = _estates(rng, streets, comms, roads, door_next, int(estate_target[d]), scale, rows)
        _villages(rng, d, streets, comms, roads, door_next, int(village_target[d]), scale, rows)
        _estate_power_rooms(rng, estates, rows)
        _shops(rng, streets, comms, roads, door_next, max(3, int((estate_target[d] + village_target[d]) * 0.006)), rows)
        district += [d] * (len(rows) - start)
    cols = {name: np.array(values, dtype=object) for name, values in zip(COLUMNS, zip(*rows))}
    ints = {k: cols[k].astype(np.int64) for k in ("door", "lane", "house", "bno", "unit", "floor", "room")}
    dist = np.array(district, dtype=np.int64)
    n = len(rows)
    kind, use = cols["kind"], cols["use"]
    area = np.select([kind == "estate", kind == "village", use == "commercial"],
                     [rng.lognormal(4.3, 0.35, n), rng.lognormal(3.5, 0.35, n), rng.lognormal(3.6, 0.5, n)],
                     rng.uniform(8, 40, n))
    return WildProperties(
        uid=np.array([f"H{i:07d}" for i in range(n)], dtype=object),
        code=np.array([f"{DISTRICT_CODES[d]}{i:010d}" for i, d in enumerate(dist)], dtype=object),
        district=dist, street=cols["street"], community=cols["community"], road=cols["road"], door=ints["door"],
        bno=ints["bno"], bword=cols["bword"], unit=ints["unit"], room=ints["room"], use=use, area=np.round(area, 1),
        kind=kind, estate=cols["estate"], alias=cols["alias"], village=cols["village"], lane_kind=cols["lane_kind"],
        lane=ints["lane"], house=ints["house"], blabel=cols["blabel"], floor=ints["floor"],
    )


def _pick(rng, items):
    return items[int(rng.integers(len(items)))]


def _weighted(rng, table):
    return choice_weighted(rng, *zip(*table), 1)[0]


def _estate_name(rng, used: set[str], suffix: str | None = None, stem: str | None = None) -> str:
    for _ in range(200):
        name = (stem or _pick(rng, pools.ESTATE_STEMS)) + (suffix or _weighted(rng, pools.ESTATE_SUFFIXES))
        if name not in used:
            used.add(name)
            return name
        stem = None
    raise RuntimeError("estate names exhausted")


def _estates(rng, streets, comms, roads, door_next, target: int, scale: float, rows: list) -> list[tuple]:
    """Estates until they hold target dwellings; returns (street, community, road, door, name, alias, labels, word)."""
    used: set[str] = set()
    out, total = [], 0
    while total < target:
        s = int(rng.integers(len(streets)))
        comm, road = _pick(rng, comms[s]), _pick(rng, roads[s])
        door = door_next.get(road, int(rng.integers(1, 60)))
        door_next[road] = door + int(rng.integers(2, 12))
        name = _estate_name(rng, used)
        suffix = next(x for x, _ in sorted(pools.ESTATE_SUFFIXES, key=lambda t: -len(t[0])) if name.endswith(x))
        alias = ""
        if rng.random() < 0.16:
            same_stem = rng.random() < 0.5
            other = [x for x, _ in pools.ESTATE_SUFFIXES if x != suffix]
            alias = _estate_name(rng, used, _pick(rng, other), name[: -len(suffix)] if same_stem else None)
        tower = suffix in ("大厦", "公寓")
        nb = 1 if tower and rng.random() < 0.7 else int(rng.integers(1, 4 + int(10 * scale)))
        lettered = nb <= 8 and rng.random() < 0.22
        unlabeled = tower and nb == 1 and rng.random() < 0.6
        word = _pick(rng, LETTER_WORDS) if lettered else _weighted(rng, pools.BUILDING_WORDS)
        units = int(rng.choice([1, 2])) if tower else int(rng.choice([1, 1, 1, 2, 2, 3, 4]))
        floors = int(rng.integers(12, 20 + int(30 * scale))) if tower else int(rng.integers(6, 11 + int(24 * scale)))
        rpf = int(rng.integers(2, 7))
        running = units > 1 and rng.random() < 0.35
        labels = [""] if unlabeled else [chr(65 + b) if lettered else str(b + 1) for b in range(nb)]
        for b, label in enumerate(labels):
            for u in range(units):
                for f in range(1, floors + 1):
                    for k in range(1, rpf + 1):
                        no = u * rpf + k if running else k
                        rows.append(("estate", "residential", streets[s], comm, road, door, name, alias, "", "", 0, 0,
                                     b + 1, label, word if label else "", u + 1 if units > 1 else 0, f, f * 100 + no))
        total += len(labels) * units * floors * rpf
        out.append((streets[s], comm, road, door, name, alias, labels, word))
    return out


def _village_stems(rng, comms, k: int) -> list[str]:
    """k village stems, none a stem of the district's generated communities (numbered when they run out)."""
    taken = {c.removesuffix("社区") for group in comms for c in group}
    free = [s for s in pools.URBAN_VILLAGE_STEMS if s not in taken]
    order = [free[i] for i in rng.permutation(len(free))]
    stems: list[str] = []
    for s in order:
        if len(stems) == k:
            break
        if s not in stems:
            stems.append(s)
    while len(stems) < k:  # more villages than stems: number them
        stems.append(f"{stems[len(stems) % len(order)]}{cn_number(len(stems) // len(order) + 1)}")
    return stems


SIBLINGS = {"上": "下", "下": "上", "东": "西", "西": "东", "南": "北", "北": "南"}


def _villages(rng, d: int, streets, comms, roads, door_next, target: int, scale: float, rows: list) -> None:
    if target <= 0:
        return
    typical = 80 + 900 * scale
    k = max(2, int(round(target / typical)))
    per = target / k
    stems = _village_stems(rng, comms, 2 * k + 4)
    names: list[str] = []
    used: set[str] = set()
    s, community, first_kind = 0, "", ""
    for v in range(k):
        sibling = v > 0 and rng.random() < 0.35
        if sibling:  # named after the previous village (上沙村 / 下沙村, 固戍村 / 固戍新村), in its street and 社区
            prev = names[-1]
            prev_stem = prev.removesuffix("新村") if prev.endswith("新村") else prev.removesuffix("村")
            if prev_stem[0] in SIBLINGS:
                stem, suffix = SIBLINGS[prev_stem[0]] + prev_stem[1:], "村"
            else:
                stem, suffix = prev_stem, ("村" if prev.endswith("新村") else "新村")
            sibling = stem + suffix not in names and (stem == prev_stem or stem not in used)
        if not sibling:
            stem = next(x for x in stems if x not in used)
            suffix = "新村" if rng.random() < 0.25 else "村"
            s = int(rng.integers(len(streets)))
            community = stem + "社区" if rng.random() < 0.7 else _pick(rng, comms[s])
        used.add(stem)
        name = stem + suffix
        names.append(name)
        # villages of a district mostly number their lanes alike: 甲村三巷12号 and 乙村三巷12号 both exist
        lane_kind = first_kind if v > 0 and rng.random() < 0.75 else _weighted(rng, pools.LANE_KINDS)
        first_kind = first_kind or lane_kind
        plated = rng.random() < 0.6
        road = _pick(rng, roads[s])
        n_lanes = int(rng.integers(2, 4 + int(9 * scale)))
        per_lane = max(2.0, per / (n_lanes * 16.5))
        last_house = [0] * n_lanes
        held = 0

        def house(lane: int) -> int:
            """One more house at the end of the lane; its dwellings."""
            last_house[lane - 1] += 1
            floors, rpf = int(rng.integers(3, 9)), int(rng.integers(2, 5))
            if plated and rng.random() < 0.75:
                door = door_next.get(road, int(rng.integers(1, 80)))
                door_next[road] = door + int(rng.integers(1, 3))
                h_road = road
            else:
                door, h_road = 0, ""
            for f in range(1, floors + 1):
                for r in range(1, rpf + 1):
                    rows.append(("village", "residential", streets[s], community, h_road, door, "", "", name,
                                 lane_kind, lane, last_house[lane - 1], 0, "", "", 0, f, f * 100 + r))
            return floors * rpf

        for lane in range(1, n_lanes + 1):
            for _ in range(max(2, int(round(per_lane * rng.uniform(0.6, 1.4))))):
                held += house(lane)
        lane = 0
        while held < per:  # short of this village's share: more houses, lane after lane
            held += house(lane % n_lanes + 1)
            lane += 1
        # public toilets and perhaps a power room, at a lane and the numbers after its last house
        uses = ["public_toilet"] * (1 + int(n_lanes > 4)) + (["power_room"] if rng.random() < 0.5 else [])
        for use in uses:
            lane_i = int(rng.integers(n_lanes))
            last_house[lane_i] += 1
            rows.append(("toilet" if use == "public_toilet" else "power", use, streets[s], community, "", 0, "", "",
                         name, lane_kind, lane_i + 1, last_house[lane_i], 0, "", "", 0, 0, 0))


def _estate_power_rooms(rng, estates: list[tuple], rows: list) -> None:
    for street, comm, road, door, name, alias, labels, word in estates:
        if rng.random() < 0.15:
            b = int(rng.integers(len(labels)))
            label = labels[b]
            rows.append(("power", "power_room", street, comm, road, door, name, alias, "", "", 0, 0,
                         b + 1 if label else 0, label, word if label else "", 0, 0, 0))


def _shops(rng, streets, comms, roads, door_next, n: int, rows: list) -> None:
    for _ in range(n):
        s = int(rng.integers(len(streets)))
        road = _pick(rng, roads[s])
        door = door_next.get(road, int(rng.integers(1, 60)))
        door_next[road] = door + int(rng.integers(1, 4))
        for room in range(101, 102 + int(rng.integers(0, 3))):
            rows.append(("shop", "commercial", streets[s], _pick(rng, comms[s]), road, door, "", "", "", "", 0, 0,
                         0, "", "", 0, 1, room))


# ---------------------------------------------------------------- writing

# Every key a profile may set; a department's profile overrides some. Weights need not sum to 1.
BASE_STYLE: dict = {
    "province": 0.2, "city": 0.6, "district": 0.8, "street": 0.5, "community": 0.3, "village_community": 0.5,
    "city_short": 0.03, "city_repeat": 0.01, "district_short": 0.03, "street_short": 0.02, "wrong_street": 0.02,
    "community_only": 0.02,
    "estate_place": {"road_estate": 0.4, "estate": 0.35, "road": 0.25},
    "alias": 0.2,
    "village_place": {"lane": 0.8, "road": 0.15, "village_road": 0.05},
    "lane_num": {"cn": 0.7, "arabic": 0.25, "di": 0.05},
    "house_num": {"arabic": 0.88, "cn": 0.06, "dong": 0.06},
    "building": {"canon": 0.65, "alt": 0.12, "cn": 0.07, "di": 0.05, "dash": 0.06, "bare": 0.05},
    "unit": {"arabic": 0.75, "cn": 0.08, "ti": 0.07, "drop": 0.1},
    "room": {"bare": 0.3, "shi": 0.3, "fang": 0.1, "lou": 0.07, "louhao": 0.04, "dash": 0.05, "ceng": 0.04,
             "cnlou": 0.03, "cndigits": 0.02, "floor_only": 0.02, "none": 0.03},
    "village_room": {"bare": 0.3, "shi": 0.15, "fang": 0.12, "lou": 0.1, "louhao": 0.05, "dash": 0.05, "ceng": 0.04,
                     "cnlou": 0.03, "cndigits": 0.02, "floor_only": 0.05, "none": 0.09},
    "shop_room": {"bare": 0.3, "shi": 0.3, "hao": 0.1, "pu": 0.2, "none": 0.1},
    "nearby": 0.01, "fullwidth": 0.01, "spaces": 0.02, "comma": 0.02, "typo": 0.01,
}
DRAWS = 32


def wild_style(**overrides) -> dict:
    """A department profile: BASE_STYLE with some keys replaced (a form table is replaced whole)."""
    unknown = set(overrides) - set(BASE_STYLE)
    if unknown:
        raise KeyError(f"unknown wild address keys: {sorted(unknown)}")
    return {**BASE_STYLE, **overrides, "wild": True}


def _table(weights: dict[str, float]) -> tuple[list[str], np.ndarray]:
    names = list(weights)
    w = np.array([weights[k] for k in names], dtype=float)
    return names, np.cumsum(w / w.sum())


def _choose(table, x: float) -> str:
    names, cum = table
    return names[min(int(np.searchsorted(cum, x, side="right")), len(names) - 1)]


def _compile(style: dict) -> dict:
    full = {**BASE_STYLE, **style}
    return {k: (_table(v) if isinstance(v, dict) else v) for k, v in full.items()}


def _room(form: str, floor: int, room: int) -> str:
    within = room - floor * 100
    return {
        "bare": f"{room}", "shi": f"{room}室", "fang": f"{room}房", "lou": f"{floor}楼{within:02d}",
        "louhao": f"{floor}楼{within}号", "dash": f"{floor}-{within:02d}", "ceng": f"{floor}层{within:02d}",
        "cnlou": f"{cn_number(floor)}楼{room}", "cndigits": cn_digits(str(room)), "floor_only": f"{floor}楼",
        "none": "",
    }[form]


def _typo(name: str, x: float, y: float) -> str:
    if len(name) < 2:
        return name
    at = int(x * max(1, len(name) - 2))
    chars = [c for c in pools.TYPO_CHARS if c != name[at]]
    return name[:at] + chars[int(y * len(chars))] + name[at + 1:]


def render(props: WildProperties, idx: np.ndarray, rng: np.random.Generator, style: dict) -> np.ndarray:
    s = _compile(style)
    u = rng.random((len(idx), DRAWS))
    streets = {d: [x + "街道" for x in pools.DISTRICTS[d][3]] for d in range(len(pools.DISTRICTS))}
    cols = [a[idx].tolist() for a in (props.district, props.street, props.community, props.road, props.door,
                                      props.estate, props.alias, props.village, props.lane_kind, props.lane,
                                      props.house, props.blabel, props.bword, props.unit, props.floor, props.room,
                                      props.kind)]
    out = np.empty(len(idx), dtype=object)
    for i, row in enumerate(zip(*cols)):
        out[i] = _address(row, u[i], s, streets)
    return out


def _address(row, u, s, streets) -> str:
    (d, street, comm, road, door, estate, alias, village, lane_kind, lane, house, blabel, bword, unit, floor, room,
     kind) = row
    in_village = village != ""
    # admin head
    if u[0] < s["community_only"]:
        head = [comm]
    else:
        head = []
        province = u[1] < s["province"]
        if province:
            head.append("广东省")
        if province or u[2] < s["city"]:
            x = u[3]
            head.append("深圳市深圳市" if x < s["city_repeat"] else
                        "深圳" if x < s["city_repeat"] + s["city_short"] else "深圳市")
        if u[4] < s["district"]:
            name = DISTRICT_NAMES[d]
            head.append(name.removesuffix("区") if u[5] < s["district_short"] else name)
        if u[6] < s["street"]:
            own = street
            if u[7] < s["wrong_street"]:
                others = [x for x in streets[d] if x != street] or [street]
                own = others[int(u[8] * len(others))]
            head.append(own.removesuffix("街道") if u[9] < s["street_short"] else own)
        if u[10] < (s["village_community"] if in_village else s["community"]):
            head.append(comm)
    # the place and what follows it
    name = alias if alias and u[11] < s["alias"] else estate
    typo = u[12] < s["typo"]
    nearby = kind in ("estate", "village") and u[13] < s["nearby"]
    if kind in ("village", "toilet") or (kind == "power" and in_village):
        form = _choose(s["village_place"], u[14])
        if kind != "village" or not road:
            form = "lane"
        lane_text = {"cn": cn_number(lane) + lane_kind, "arabic": f"{lane}{lane_kind}",
                     "di": "第" + cn_number(lane) + lane_kind}[_choose(s["lane_num"], u[15])]
        house_text = {"arabic": f"{house}号", "cn": cn_number(house) + "号",
                      "dong": f"{house}栋"}[_choose(s["house_num"], u[16])]
        if typo:
            if form == "lane":
                village = _typo(village, u[17], u[18])
            else:
                road = _typo(road, u[17], u[18])
        place = {"lane": [village, lane_text + house_text], "road": [road, f"{door}号"],
                 "village_road": [village, road, f"{door}号"]}[form]
        if kind == "toilet":
            tail = ["公厕" if u[19] < 0.7 else "公共厕所"]
        elif kind == "power":
            tail = ["配电房"]
        elif nearby:
            tail = [NEARBY_MARKS[int(u[20] * len(NEARBY_MARKS))]]
        else:
            tail = [_room(_choose(s["village_room"], u[21]), floor, room)]
    elif kind == "shop":
        if typo:
            road = _typo(road, u[17], u[18])
        place = [road, f"{door}号"]
        form = _choose(s["shop_room"], u[21])
        tail = [{"bare": f"{room}", "shi": f"{room}室", "hao": f"{room}号", "pu": f"{room}号铺",
                 "none": "商铺"}[form]]
    else:  # estate flats and estate power rooms
        form = _choose(s["estate_place"], u[14])
        if typo:
            if form == "estate":
                name = _typo(name, u[17], u[18])
            else:
                road = _typo(road, u[17], u[18])
        place = {"road_estate": [road, f"{door}号", name], "estate": [name], "road": [road, f"{door}号"]}[form]
        if kind == "power":
            tail = ([blabel + bword] if blabel and u[19] < 0.5 else []) + ["配电房"]
        elif nearby:
            building = [blabel + bword] if blabel and u[19] < 0.3 else []
            tail = building + [NEARBY_MARKS[int(u[20] * len(NEARBY_MARKS))]]
        else:
            tail = _estate_tail(s, u, blabel, bword, unit, floor, room)
    parts = [p for p in head + place + tail if p]
    return _join(parts, len(head), len(head) + len(place), s, u)


def _estate_tail(s, u, blabel: str, bword: str, unit: int, floor: int, room: int) -> list[str]:
    bform = _choose(s["building"], u[22])
    uform = _choose(s["unit"], u[23]) if unit else "drop"
    rform = _choose(s["room"], u[21])
    letter = blabel.isalpha()
    if not blabel:
        bform = "canon"
    if bform == "dash":
        if rform in ("floor_only", "none"):
            return [f"{blabel}-{unit}" if unit and uform != "drop" else blabel + bword]
        return [f"{blabel}-{unit}-{room}" if unit and uform != "drop" else f"{blabel}-{room}"]
    if bform == "bare" and letter:  # B502: the letter glued to the room
        return [f"{blabel}{room}"]
    if bform == "cn" and not letter:
        building = cn_number(int(blabel)) + bword
    elif bform == "di" and not letter:
        building = "第" + blabel + bword
    elif bform == "alt":
        words = [w for w in (LETTER_WORDS if letter else ALT_WORDS) if w != bword]
        building = blabel + words[int(u[31] * len(words))]
    else:
        building = blabel + bword if blabel else ""
    unit_text = {"arabic": f"{unit}单元", "cn": f"{cn_number(unit)}单元", "ti": f"{unit}梯", "drop": ""}[uform]
    return [building, unit_text, _room(rform, floor, room)]


def _join(parts: list[str], head_end: int, place_end: int, s, u) -> str:
    if u[25] < s["spaces"]:
        text = ("\u3000" if u[26] < 0.2 else " ").join(parts)
    else:
        text = "".join(parts)
        if u[27] < s["comma"] and len(parts) > 1:
            cut = place_end if u[28] < 0.5 and place_end < len(parts) else head_end
            cut = min(max(cut, 1), len(parts) - 1)
            text = "".join(parts[:cut]) + ("，" if u[29] < 0.5 else ",") + "".join(parts[cut:])
    return text.translate(FULLWIDTH_DIGITS) if u[30] < s["fullwidth"] else text
