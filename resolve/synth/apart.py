"""What the cities written apart from the product (independent.py, chongqing.py) share: the
random draws, Chinese numerals, citizen IDs, dates as departments write them, and the writing of
a city's extracts, truth and config. Each city keeps its own places, people and forms."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from resolve.synth.ids import ID_CHECK, ID_WEIGHTS

CN = "零一二三四五六七八九十"


class Gen:
    """A seeded random source with the draws the writers use."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def p(self, x: float) -> bool:
        return bool(self.rng.random() < x)

    def pick(self, seq, w=None):
        seq = list(seq)
        if w is not None:
            w = np.asarray(list(w), float)
            w = w / w.sum()
        return seq[int(self.rng.choice(len(seq), p=w))]

    def pickd(self, d: dict):
        return self.pick(list(d), list(d.values()))

    def ri(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))


def cn(n: int) -> str:
    """A number in Chinese numerals (12 -> 十二, -1 -> 负一)."""
    if n < 0:
        return "负" + cn(-n)
    if n <= 10:
        return CN[n]
    t, o = divmod(n, 10)
    return ("" if t == 1 else CN[t]) + "十" + (CN[o] if o else "")


def with_check(body: str) -> str:
    """A 17-digit ID body with its GB 11643 mod-11 check character."""
    return body + str(ID_CHECK[sum(int(c) * int(w) for c, w in zip(body, ID_WEIGHTS)) % 11])


def make_id(region: str, birth: str, seq: int, male: bool) -> str:
    """GB 11643-1999: 6 region + 8 birth + 3 sequence (odd = male) + mod-11 check."""
    return with_check(region + birth + f"{seq // 10 % 100:02d}" + str((seq % 5) * 2 + (1 if male else 0)))


def fmt_date(b: str, how: str) -> str:
    y, m, d = b[:4], b[4:6], b[6:]
    return {"ymd": b, "iso": f"{y}-{m}-{d}", "slash": f"{y}/{int(m)}/{int(d)}",
            "cn": f"{y}年{int(m)}月{int(d)}日"}[how]


def typo_id(g: Gen, idn: str) -> str:
    k = g.ri(6, 16)
    return idn[:k] + str((int(idn[k]) + g.ri(1, 9)) % 10) + idn[k + 1:]


def rand_date(g: Gen, lo=2018, hi=2026) -> str:
    return f"{g.ri(lo, hi)}-{g.ri(1, 12 if hi < 2026 else 10):02d}-{g.ri(1, 28):02d}"


# the truth tables every such city writes, with their columns (None: the rows' own keys)
TRUTH_COLUMNS = {
    "person_records": ["source", "record_key", "person_uid"], "persons": None,
    "address_statements": ["source", "record_key", "role", "property_uid"],
    "twins": ["person_uid_a", "person_uid_b"],
    "property_records": ["source", "record_key", "property_uid"],
    "property_owners": ["source", "record_key", "owner_person_uid", "owner_enterprise_uid", "current"],
    "properties": None,
}


def write_city(out: Path, files: dict[str, tuple[list, str]], truth: dict[str, list]) -> None:
    """sources/<name>.csv in each extract's encoding, and truth/<name>.csv (TRUTH_COLUMNS)."""
    for name, (rows, enc) in files.items():
        pd.DataFrame(rows).to_csv(out / "sources" / f"{name}.csv", index=False, encoding=enc)
    for name, columns in TRUTH_COLUMNS.items():
        pd.DataFrame(truth[name], columns=columns).to_csv(out / "truth" / f"{name}.csv", index=False)


def config_text(header: list[str], city: str, region: str, snapshot: str, sources: list[tuple]) -> str:
    """The city's config.yaml: ``sources`` as (name, department, entity, encoding, columns, values)."""
    j = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731  (a JSON string is a YAML scalar)
    lines = [*header, f"city: {city}", f'region_code: "{region}"', f"snapshot_date: {snapshot}", "sources:"]
    for name, dept, entity, enc, cols, vals in sources:
        lines += [f"  - name: {name}", f"    department: {dept}", f"    entity: {entity}",
                  f"    path: sources/{name}.csv", f"    encoding: {enc}", "    columns:"]
        lines += [f"      {j(k)}: {v}" for k, v in cols.items()]
        lines += ["    values:"] + [f"      {f}: {{{', '.join(f'{j(a)}: {b}' for a, b in m.items())}}}"
                                    for f, m in vals.items()]
    lines += ["reconcile:", "  survey_sources: [grid_survey]", ""]
    return "\n".join(lines)
