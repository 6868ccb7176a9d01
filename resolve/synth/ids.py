"""Identifier arithmetic, vectorised: citizen IDs (GB 11643), organisation codes (GB 11714), USCC (GB 32100)."""
from __future__ import annotations

import numpy as np

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.array(list("10X98765432"))
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_POW10 = 10 ** np.arange(16, -1, -1, dtype=np.int64)


def yyyymmdd(dates: np.ndarray) -> np.ndarray:
    """datetime64[D] -> int YYYYMMDD."""
    y = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    m = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return y * 10000 + m * 100 + d


def id_body(division: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """The first 17 digits of a citizen ID as one int64."""
    return division.astype(np.int64) * 10**11 + yyyymmdd(birth) * 1000 + seq.astype(np.int64)


def id_check_chars(body: np.ndarray) -> np.ndarray:
    digits = (body[:, None] // _POW10) % 10
    return ID_CHECK[(digits * ID_WEIGHTS).sum(axis=1) % 11]


def citizen_ids(body: np.ndarray) -> np.ndarray:
    """17-digit bodies -> 18-char IDs (object array)."""
    return np.char.add(body.astype("U17"), id_check_chars(body)).astype(object)


def old_ids(body: np.ndarray) -> np.ndarray:
    """The 15-digit form: division, two-digit year, month, day, sequence, no check."""
    return np.array([f"{b // 10**11}{b % 10**9:09d}" for b in body.tolist()], dtype=object)


def id_check_ok(id_number: str) -> bool:
    """True when an 18-character ID's check character is right."""
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return False
    total = sum(int(c) * int(w) for c, w in zip(id_number[:17], ID_WEIGHTS))
    return "10X98765432"[total % 11] == id_number[17].upper()


def _org_check(values: np.ndarray) -> np.ndarray:
    c = 11 - (values * ORG_WEIGHTS).sum(axis=1) % 11
    return np.where(c == 10, "X", np.where(c == 11, "0", c.astype("U2")))


def organisation_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """GB 11714 codes (8 chars + check): legacy all-digit ones and newer MA-prefixed ones."""
    alphabet = np.array(list(USCC_ALPHABET))
    body = alphabet[rng.integers(0, 10, size=(n, 8))]
    newer = rng.random(n) < 0.7
    body[newer, 0] = "M"
    body[newer, 1] = "A"
    body[newer, 2] = "5"
    body[newer, 3:] = alphabet[rng.integers(0, len(USCC_ALPHABET), size=(int(newer.sum()), 5))]
    values = np.vectorize(lambda ch: int(ch, 36))(body).astype(np.int64)
    check = _org_check(values)
    return np.array(["".join(row) + c for row, c in zip(body, check)], dtype=object)


def usccs(prefix: np.ndarray, division: np.ndarray, org_codes: np.ndarray) -> np.ndarray:
    """GB 32100 codes from a 2-char registration prefix, a 6-digit division and an org code."""
    bodies = [p + d + o for p, d, o in zip(prefix, division, org_codes)]
    index = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
    values = np.array([[index[ch] for ch in b] for b in bodies], dtype=np.int64)
    check = (31 - (values * USCC_WEIGHTS).sum(axis=1) % 31) % 31
    return np.array([b + USCC_ALPHABET[c] for b, c in zip(bodies, check)], dtype=object)
