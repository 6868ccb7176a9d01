"""Formatting and the everyday errors of typed records: dates, phones, numerals, typos, variants.

Every function takes and returns numpy object arrays of str and draws from the rng it is given,
so a source's noise depends only on the seed.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import pools

FULLWIDTH = str.maketrans(
    {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"}
)
CN_DIGIT_TABLE = str.maketrans("0123456789", pools.CN_DIGITS)
DATE_FORMATS = ("ymd8", "iso", "slash", "ym", "cn")


def pick(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Boolean mask, each entry True with probability p."""
    return rng.random(n) < p


def choice_weighted(rng: np.random.Generator, items, weights, size: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return np.asarray(items, dtype=object)[rng.choice(len(w), size=size, p=w / w.sum())]


def apply(values: np.ndarray, mask: np.ndarray, fn) -> np.ndarray:
    """values with fn applied to the masked entries."""
    out = values.copy()
    idx = np.flatnonzero(mask)
    out[idx] = [fn(v) for v in values[idx]]
    return out


def fullwidth(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return apply(values, mask, lambda s: s.translate(FULLWIDTH))


def format_dates(dates: np.ndarray, fmt: str | np.ndarray) -> np.ndarray:
    """datetime64[D] -> text in one of DATE_FORMATS (or one format per entry); NaT -> ''."""
    missing = np.isnat(dates)
    safe = np.where(missing, np.datetime64("2000-01-01"), dates)
    y = safe.astype("datetime64[Y]").astype(np.int64) + 1970
    m = safe.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (safe - safe.astype("datetime64[M]")).astype(np.int64) + 1
    fmts = np.broadcast_to(np.asarray(fmt, dtype=object), dates.shape)
    out = np.empty(len(dates), dtype=object)
    for key in DATE_FORMATS:
        sel = np.flatnonzero((fmts == key) & ~missing)
        if len(sel):
            out[sel] = _render_dates(y[sel].tolist(), m[sel].tolist(), d[sel].tolist(), key)
    out[missing] = ""
    return out


def _render_dates(y: list, m: list, d: list, key: str) -> list:
    if key == "ymd8":
        return [f"{a:04d}{b:02d}{c:02d}" for a, b, c in zip(y, m, d)]
    if key == "iso":
        return [f"{a:04d}-{b:02d}-{c:02d}" for a, b, c in zip(y, m, d)]
    if key == "slash":
        return [f"{a}/{b}/{c}" for a, b, c in zip(y, m, d)]
    if key == "ym":
        return [f"{a:04d}-{b:02d}" for a, b in zip(y, m)]
    return [f"{a}年{b}月{c}日" for a, b, c in zip(y, m, d)]


def random_dates(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    lo, hi = np.datetime64(start), np.datetime64(end)
    return lo + rng.integers(0, int((hi - lo).astype(int)) + 1, size=n).astype("timedelta64[D]")


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals as read aloud (12 -> 十二)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else pools.CN_DIGITS[tens] + "十")
    return head + (pools.CN_DIGITS[ones] if ones else "") if n else "零"


def cn_digits(s: str) -> str:
    """Digits read one by one (501 -> 五零一)."""
    return s.translate(CN_DIGIT_TABLE)


@lru_cache(maxsize=1)
def _homophone_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for group in pools.HOMOPHONES:
        for ch in group:
            lookup.setdefault(ch, group)
    return lookup


def homophone_typo(given: str, rng: np.random.Generator) -> str:
    """Replace one character of a given name by a homophone, when it has one."""
    lookup = _homophone_lookup()
    spots = [i for i, ch in enumerate(given) if ch in lookup]
    if not spots:
        return given
    i = spots[int(rng.integers(len(spots)))]
    others = [c for c in lookup[given[i]] if c != given[i]]
    return given[:i] + others[int(rng.integers(len(others)))] + given[i + 1:]


def homophone_typos(names: np.ndarray, surname: np.ndarray, given: np.ndarray, mask: np.ndarray, rng) -> np.ndarray:
    """Names with a homophone typo in the given name where mask is set."""
    out = names.copy()
    for i in np.flatnonzero(mask):
        out[i] = surname[i] + homophone_typo(given[i], rng)
    return out


@lru_cache(maxsize=1)
def _s2t() -> dict[int, str]:
    import opencc

    conv = opencc.OpenCC("s2t")
    chars = set("".join(s for s, _ in pools.SURNAMES))
    for table in (pools.GIVEN_CLASSIC_M, pools.GIVEN_CLASSIC_F, pools.GIVEN_MODERN_M, pools.GIVEN_MODERN_F):
        chars.update("".join(s for s, _ in table))
    chars.update(pools.GIVEN_FIRST_M + pools.GIVEN_SECOND_M + pools.GIVEN_FIRST_F + pools.GIVEN_SECOND_F)
    chars.update("".join(pools.HOMOPHONES))
    mapping = {}
    for ch in sorted(chars):
        t = conv.convert(ch)
        if len(t) == 1 and t != ch:
            mapping[ord(ch)] = t
    return mapping


def traditional(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    table = _s2t()
    return apply(values, mask, lambda s: s.translate(table))


def spaced_names(surname: np.ndarray, given: np.ndarray, names: np.ndarray, mask, rng) -> np.ndarray:
    """Names typed with a space (ASCII or ideographic) between surname and given name, or trailing."""
    out = names.copy()
    idx = np.flatnonzero(mask)
    kind = rng.integers(0, 3, size=len(idx))
    for i, k in zip(idx, kind):
        if "·" in names[i] or not surname[i]:
            out[i] = names[i] + " "
        elif k == 0:
            out[i] = surname[i] + " " + names[i][len(surname[i]):]
        elif k == 1:
            out[i] = surname[i] + "\u3000" + names[i][len(surname[i]):]
        else:
            out[i] = " " + names[i] + " "
    return out


def dot_variants(names: np.ndarray, mask: np.ndarray, rng, dots: str) -> np.ndarray:
    """Middle dots of minority names written with another code point."""
    choices = list(dots)
    return apply(names, mask, lambda s: s.replace("·", choices[int(rng.integers(len(choices)))]))


def id_typos(ids: np.ndarray, mask: np.ndarray, rng) -> np.ndarray:
    """One digit mistyped, or two adjacent digits swapped (half each)."""
    out = ids.copy()
    for i in np.flatnonzero(mask):
        s = ids[i]
        if len(s) < 15:
            continue
        if rng.random() < 0.5:
            p = int(rng.integers(0, len(s) - 1))
            d = str((int(s[p]) + int(rng.integers(1, 10))) % 10) if s[p].isdigit() else s[p]
            out[i] = s[:p] + d + s[p + 1:]
        else:
            p = int(rng.integers(0, len(s) - 2))
            if s[p] == s[p + 1]:
                p = next((q for q in range(len(s) - 2) if s[q] != s[q + 1]), p)
            out[i] = s[:p] + s[p + 1] + s[p] + s[p + 2:]
    return out


def lower_x(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return apply(ids, mask, lambda s: s.lower())


def phone_variants(mobiles: np.ndarray, landlines: np.ndarray, rng, p: dict) -> np.ndarray:
    """Mobiles as typed: plain, +86, 86-, spaced or dashed; some landlines instead; some missing."""
    n = len(mobiles)
    out = mobiles.copy()
    has = mobiles != ""
    u = np.where(has, rng.random(n), 1.0)
    edges = np.cumsum([p.get("plus86", 0), p.get("dash86", 0), p.get("spaced", 0), p.get("dashed", 0)])
    plus86, dash86 = u < edges[0], (u >= edges[0]) & (u < edges[1])
    spaced, dashed = (u >= edges[1]) & (u < edges[2]), (u >= edges[2]) & (u < edges[3])
    out = apply(out, plus86 & (rng.random(n) < 0.5), lambda s: f"+86 {s[:3]} {s[3:7]} {s[7:]}")
    out = apply(out, plus86 & (out == mobiles), lambda s: "+86" + s)
    out = apply(out, dash86, lambda s: "86-" + s)
    out = apply(out, spaced, lambda s: f"{s[:3]} {s[3:7]} {s[7:]}")
    out = apply(out, dashed, lambda s: f"{s[:3]}-{s[3:7]}-{s[7:]}")
    use_land = pick(rng, n, p.get("landline", 0)) & (landlines != "")
    out[use_land] = landlines[use_land]
    out[pick(rng, n, p.get("missing", 0)) | (out == "")] = ""
    return out
