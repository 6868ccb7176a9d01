"""The property universe and the ways an address is written.

Each district holds its real 街道; each 街道 a few generated 社区 and roads. Dwellings sit in
compounds: estates (buildings with a 栋/座/幢/号楼 word, optional 单元, rooms floor*100+n)
and urban-village houses (a door number and a room, no building). A few non-dwellings
(public toilets, power rooms, shops) complete the universe. An address is rendered from the
components of one property with per-record choices of prefix, numerals, unit words and noise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import pools
from .text import FULLWIDTH, cn_digits, cn_number, choice_weighted

DISTRICT_CODES = np.array([d[0] for d in pools.DISTRICTS], dtype=object)
DISTRICT_NAMES = np.array([d[1] for d in pools.DISTRICTS], dtype=object)
DISTRICT_WEIGHTS = np.array([d[2] for d in pools.DISTRICTS])
VILLAGE_SHARE = np.array([0.1, 0.15, 0.15, 0.35, 0.35, 0.15, 0.35, 0.35, 0.4])
NONDWELLING_SUFFIX = {"public_toilet": "公厕", "power_room": "配电房"}


@dataclass
class Properties:
    """Columnar property table; row i is property i."""

    uid: np.ndarray
    code: np.ndarray
    district: np.ndarray
    street: np.ndarray
    community: np.ndarray
    road: np.ndarray
    door: np.ndarray
    bno: np.ndarray
    bword: np.ndarray
    unit: np.ndarray
    room: np.ndarray
    use: np.ndarray
    area: np.ndarray

    def __len__(self) -> int:
        return len(self.uid)

    def dwellings_in(self, district: int) -> np.ndarray:
        return np.flatnonzero((self.district == district) & (self.use == "residential"))

    def frame(self) -> pd.DataFrame:
        num = lambda a, word: np.where(a > 0, a.astype(str).astype(object) + word, "")
        return pd.DataFrame({
            "property_uid": self.uid,
            "property_code": self.code,
            "district_code": DISTRICT_CODES[self.district],
            "district": DISTRICT_NAMES[self.district],
            "street": self.street,
            "community": self.community,
            "road": self.road,
            "door_number": num(self.door, "号"),
            "building": np.where(self.bno > 0, self.bno.astype(str).astype(object) + self.bword, ""),
            "unit": num(self.unit, "单元"),
            "room": num(self.room, "室"),
            "use": self.use,
            "area": self.area,
        })

    def title_columns(self, p: np.ndarray) -> dict[str, np.ndarray]:
        """The structured address columns of a title (不动产登记) of properties p."""
        num = lambda a, word: np.where(a > 0, a.astype(str).astype(object) + word, "").astype(object)
        return {
            "district": DISTRICT_NAMES[self.district[p]], "street": self.street[p], "community": self.community[p],
            "road": self.road[p], "door": num(self.door[p], "号"),
            "building": np.where(self.bno[p] > 0, self.bno[p].astype(str).astype(object) + self.bword[p], "").astype(object),
            "unit": num(self.unit[p], "单元"), "room": num(self.room[p], ""),
        }


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent index and 0-based rank for children counts[i] of each parent i."""
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return parent, np.arange(int(counts.sum())) - starts[parent]


def _unique_names(rng, stems, decor, suffix: str, k: int) -> list[str]:
    combos = [s + d + suffix for s in stems for d in decor]
    combos = list(dict.fromkeys(combos))
    return [combos[i] for i in rng.choice(len(combos), size=min(k, len(combos)), replace=False)]


def _road_names(rng, k: int) -> list[str]:
    suffixes, weights = zip(*pools.ROAD_SUFFIXES)
    stems = rng.permutation(len(pools.ROAD_STEMS))
    names, i = [], 0
    while len(names) < k:
        stem = pools.ROAD_STEMS[stems[i % len(stems)]]
        suffix = choice_weighted(rng, suffixes, weights, 1)[0]
        if stem + suffix not in names:
            names.append(stem + suffix)
        i += 1
    return names


def _district_layout(rng, d: int):
    """Per 街道: its community and road names (unique within the district)."""
    streets = pools.DISTRICTS[d][3]
    n_comm = rng.integers(3, 7, size=len(streets))
    n_road = rng.integers(4, 9, size=len(streets))
    comms = _unique_names(rng, pools.COMMUNITY_STEMS, pools.COMMUNITY_DECOR, "社区", int(n_comm.sum()))
    roads = _road_names(rng, int(n_road.sum()))
    c_split = np.split(np.array(comms, dtype=object), np.cumsum(n_comm)[:-1])
    r_split = np.split(np.array(roads, dtype=object), np.cumsum(n_road)[:-1])
    return [s + "街道" for s in streets], c_split, r_split


def _compounds(rng, d: int, target: int, scale: float):
    """Compounds of one district until they hold at least target dwellings."""
    streets, comms, roads = _district_layout(rng, d)
    rows = []
    total = 0
    door_next: dict[str, int] = {}
    while total < target:
        m = max(8, (target - total) // 20)
        s = rng.integers(0, len(streets), size=m)
        village = rng.random(m) < VILLAGE_SHARE[d]
        nb = np.where(village, rng.integers(2, 4 + int(8 * scale), size=m), rng.integers(1, 3 + int(7 * scale), size=m))
        units = np.where(village, 1, rng.choice([1, 1, 2, 2, 3, 4], size=m))
        floors = np.where(village, rng.integers(3, 9, size=m), rng.integers(4, 8 + int(25 * scale), size=m))
        rpf = np.where(village, rng.integers(2, 5, size=m), rng.integers(2, 7, size=m))
        words = choice_weighted(rng, *zip(*pools.BUILDING_WORDS), size=m)
        for j in range(m):
            road = roads[s[j]][rng.integers(len(roads[s[j]]))]
            door = door_next.get(road, int(rng.integers(1, 40)))
            door_next[road] = door + (2 * int(nb[j]) if village[j] else 1) + int(rng.integers(0, 6))
            rows.append((streets[s[j]], comms[s[j]][rng.integers(len(comms[s[j]]))], road, door,
                         bool(village[j]), int(nb[j]), int(units[j]), int(floors[j]), int(rpf[j]), words[j]))
            total += int(nb[j] * units[j] * floors[j] * rpf[j])
            if total >= target:
                break
    return pd.DataFrame(rows, columns=["street", "community", "road", "door", "village", "nb", "units", "floors", "rpf", "word"]), door_next


def _dwellings(comp: pd.DataFrame) -> dict[str, np.ndarray]:
    """Expand compounds to buildings, units, floors and rooms."""
    b_parent, b_rank = _expand(comp["nb"].to_numpy())
    village = comp["village"].to_numpy()[b_parent]
    units = comp["units"].to_numpy()[b_parent]
    u_parent, u_rank = _expand(units)
    floors = comp["floors"].to_numpy()[b_parent][u_parent]
    f_parent, f_rank = _expand(floors)
    rpf = comp["rpf"].to_numpy()[b_parent][u_parent][f_parent]
    r_parent, r_rank = _expand(rpf)
    b_of_room = u_parent[f_parent[r_parent]]
    c_of_room = b_parent[b_of_room]
    vil = village[b_of_room]
    step = np.where(vil, b_rank[b_of_room] * 2, 0)
    return {
        "compound": c_of_room,
        "door": comp["door"].to_numpy()[c_of_room] + step,
        "bno": np.where(vil, 0, b_rank[b_of_room] + 1),
        "bword": np.where(vil, "", comp["word"].to_numpy()[c_of_room]).astype(object),
        "unit": np.where(units[b_of_room] > 1, u_rank[f_parent[r_parent]] + 1, 0),
        "room": (f_rank[r_parent] + 1) * 100 + r_rank + 1,
    }


def _nondwellings(rng, comp: pd.DataFrame, door_next: dict[str, int], n: int) -> dict[str, np.ndarray]:
    """Public toilets, power rooms and shops, each at a door number of its own on a compound's road."""
    kinds = choice_weighted(rng, ["public_toilet", "power_room", "commercial"], [0.4, 0.3, 0.3], n)
    c = rng.integers(0, len(comp), size=n)
    door = np.empty(n, dtype=np.int64)
    for i in range(n):
        road = comp["road"].iat[c[i]]
        door[i] = door_next[road]
        door_next[road] += 1 + int(rng.integers(0, 3))
    return {
        "compound": c,
        "door": door,
        "bno": np.zeros(n, dtype=np.int64),
        "bword": np.full(n, "", dtype=object),
        "unit": np.zeros(n, dtype=np.int64),
        "room": np.where(kinds == "commercial", 100 + rng.integers(1, 4, size=n), 0),
        "use": kinds,
    }


def build_properties(rng: np.random.Generator, dwellings: np.ndarray, scale: float) -> Properties:
    """Universe with at least dwellings[d] dwellings in district d."""
    parts = []
    for d, target in enumerate(dwellings):
        comp, door_next = _compounds(rng, d, int(target), scale)
        dw = _dwellings(comp)
        dw["use"] = np.full(len(dw["door"]), "residential", dtype=object)
        nd = _nondwellings(rng, comp, door_next, max(3, int(target * 0.01)))
        block = {k: np.concatenate([dw[k], nd[k]]) for k in dw}
        for col in ("street", "community", "road"):
            block[col] = comp[col].to_numpy()[block["compound"]]
        block["district"] = np.full(len(block["door"]), d)
        parts.append(block)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = len(cols["door"])
    use = cols["use"].astype(object)
    area = np.where(use == "residential", rng.lognormal(4.3, 0.35, n),
                    np.where(use == "commercial", rng.lognormal(4.0, 0.6, n), rng.uniform(10, 50, n)))
    return Properties(
        uid=np.array([f"H{i:07d}" for i in range(n)], dtype=object),
        code=np.array([f"{DISTRICT_CODES[d]}{i:010d}" for i, d in enumerate(cols["district"])], dtype=object),
        district=cols["district"], street=cols["street"], community=cols["community"], road=cols["road"],
        door=cols["door"].astype(np.int64), bno=cols["bno"].astype(np.int64), bword=cols["bword"],
        unit=cols["unit"].astype(np.int64), room=cols["room"].astype(np.int64), use=use,
        area=np.round(area, 1),
    )


ADDRESS_STYLE_KEYS = ("province", "city", "district", "street", "community", "bword_alt", "compact",
                      "room_bare", "cn", "fullwidth", "nearby", "drop_unit", "comma")


def render_addresses(props: Properties, idx: np.ndarray, rng: np.random.Generator, style: dict) -> np.ndarray:
    """Addresses of properties idx, each written with choices drawn at the style's rates.

    A universe with a writer of its own (the wild shape's) writes its addresses itself.
    """
    own = getattr(props, "render", None)
    if own is not None:
        return own(idx, rng, style)
    n = len(idx)
    draw = {k: rng.random(n) < style.get(k, 0.0) for k in ADDRESS_STYLE_KEYS}
    draw["city"] |= draw["province"]
    alt_words = np.array(["栋", "号楼", "座", "幢"], dtype=object)[rng.integers(0, 4, size=n)]
    room_word = np.where(rng.random(n) < 0.3, "房", "")
    cols = (DISTRICT_NAMES[props.district[idx]], props.street[idx], props.community[idx], props.road[idx],
            props.door[idx], props.bno[idx], props.bword[idx], props.unit[idx], props.room[idx], props.use[idx])
    out = np.empty(n, dtype=object)
    for i, (dist, street, comm, road, door, bno, bword, unit, room, use) in enumerate(zip(*cols)):
        head = ("广东省" if draw["province"][i] else "") + ("深圳市" if draw["city"][i] else "")
        if draw["district"][i] or not draw["city"][i]:
            head += dist + (street if draw["street"][i] else "") + (comm if draw["community"][i] else "")
        tail = _tail(bno, alt_words[i] if draw["bword_alt"][i] else bword, 0 if draw["drop_unit"][i] else unit,
                     room, use, draw["compact"][i], draw["cn"][i], room_word[i] if draw["room_bare"][i] else "室")
        sep = "," if draw["comma"][i] and tail else ""
        text = f"{head}{road}{door}号{sep}{tail}"
        if draw["nearby"][i] and use == "residential":
            text = f"{head}{road}{door}号附近"
        out[i] = text.translate(FULLWIDTH_DIGITS) if draw["fullwidth"][i] else text
    return out


FULLWIDTH_DIGITS = str.maketrans({c: c.translate(FULLWIDTH) for c in "0123456789-"})


def _tail(bno, bword, unit, room, use, compact, cn, room_word) -> str:
    if use in NONDWELLING_SUFFIX:
        return (f"{bno}{bword}" if bno else "") + NONDWELLING_SUFFIX[use]
    if compact and bno and room:
        return f"{bno}-{unit}-{room}" if unit else f"{bno}栋{room}"
    if cn:
        b = f"{cn_number(bno)}{bword}" if bno else ""
        u = f"{cn_number(unit)}单元" if unit else ""
        return b + u + (cn_digits(str(room)) if room else "")
    b = f"{bno}{bword}" if bno else ""
    u = f"{unit}单元" if unit else ""
    return b + u + (f"{room}{room_word}" if room else "")
