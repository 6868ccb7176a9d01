"""Person names: normalisation, surname split, pinyin and fuzzy-pinyin keys.

Edit distance says nothing useful about Chinese names (张伟/张玮 and 张伟/李伟 score the same), so
names are compared by characters and by pinyin built here. Everything is computed per
distinct character (readings, t2s conversion) or per distinct syllable (fuzzy keys) and
cached, so :func:`name_features` costs a few dictionary look-ups per name.

Normalisation (:func:`normalise_name`), in order:

1. NFKC (full-width letters and dots to half-width, compatibility ideographs to unified).
2. Per character: whitespace of any kind (incl. U+3000) is removed; every middle-dot variant
   (``• ‧ ・ ⋅ ∙ ． . ･ ·`` and a few rarer ones, see ``_DOTS``) becomes ``·`` (U+00B7);
   Han characters go through OpenCC ``t2s`` one character at a time (with a few name
   overrides, see ``_T2S_OVERRIDES``; conversions into Extension B+ characters or into
   characters without a pinyin reading are refused; iterated to a fixed point so the map is
   idempotent);
   ASCII letters are upper-cased and accented Latin letters lose their accents (``É`` -> ``E``);
   Private Use Area characters are KEPT (registries encode rare name characters there;
   dropping them would turn 王<PUA>明 into 王明); everything else (digits, punctuation,
   ``〇``, kana, Hangul, placeholders such as ``□ ? *``) is dropped.
3. Runs of ``·`` collapse to one; leading and trailing ``·`` are stripped.
4. An empty result is ``None``.

Each step's output is a fixed point of every step, so ``normalise_name`` is idempotent.

Pinyin is toneless, lower case, ü written ``v`` (吕 -> ``lv``). Surnames read from
``SURNAME_READINGS`` (pypinyin has no surname mode: 单 -> dan, 曾 -> ceng...), falling back to
pypinyin; given names use pypinyin's default reading per character. A Latin name's "pinyin"
is its letters in lower case, with the passport spelling ``LYU`` read as ``lv``.

Fuzzy pinyin (:func:`fuzzy_syllable`), applied to each syllable separately:

* initials: ``zh`` -> ``z``, ``ch`` -> ``c``, ``sh`` -> ``s``; a syllable-initial ``l`` -> ``n``;
  a syllable-initial ``h`` -> ``f`` (after the zh/ch/sh rule, so ``zh`` never becomes ``zf``);
* finals: ``ang`` -> ``an``, ``eng`` -> ``en``, ``ing`` -> ``in`` at the end of the syllable
  (this also folds ``iang``/``ian`` and ``uang``/``uan``); ``ong`` is left alone.

So liu/niu, chen/cheng, hu/fu, lin/ning all share a key; zhang/zhao do not, nor do huang
(fuan) and fang (fan): only the initial h changes. The fuzzy key
of a name is the fuzzy syllables joined without separators. It is weaker evidence than an
exact pinyin match: use it for blocking and a lower comparison level only.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from functools import lru_cache

import pandas as pd

__all__ = [
    "COMPOUND_SURNAMES",
    "SURNAME_READINGS",
    "normalise_name",
    "split_name",
    "surname_pinyin",
    "surname_syllables",
    "given_pinyin",
    "given_syllables",
    "given_readings",
    "fuzzy_syllable",
    "fuzzy_pinyin",
    "name_features",
    "NAME_FEATURE_COLUMNS",
]

# --------------------------------------------------------------------------------------------
# Surnames
# --------------------------------------------------------------------------------------------

# Compound (two-character and a few Manchu longer) surnames with their readings. Left out on
# purpose, because a common single surname + common first given character reads the same and
# the compound is vanishingly rare today: 单于 (单 shan + 于X), 乐正, 贺兰, 纳兰, 梁丘, 归海,
# 段干, 宗政. Such names split as single surname + given name.
_COMPOUND_READINGS: dict[str, str] = {
    "欧阳": "ou yang", "司马": "si ma", "诸葛": "zhu ge", "上官": "shang guan",
    "东方": "dong fang", "皇甫": "huang fu", "尉迟": "yu chi", "公孙": "gong sun",
    "慕容": "mu rong", "长孙": "zhang sun", "宇文": "yu wen", "司徒": "si tu",
    "夏侯": "xia hou", "轩辕": "xuan yuan", "令狐": "ling hu", "钟离": "zhong li",
    "闾丘": "lv qiu", "端木": "duan mu", "南宫": "nan gong", "西门": "xi men",
    "独孤": "du gu", "呼延": "hu yan", "澹台": "tan tai", "公冶": "gong ye",
    "太史": "tai shi", "申屠": "shen tu", "赫连": "he lian", "万俟": "mo qi",
    "百里": "bai li", "东郭": "dong guo", "拓跋": "tuo ba", "司空": "si kong",
    "濮阳": "pu yang", "淳于": "chun yu", "第五": "di wu", "鲜于": "xian yu",
    "左丘": "zuo qiu", "公羊": "gong yang", "巫马": "wu ma", "谷梁": "gu liang",
    "漆雕": "qi diao", "壤驷": "rang si", "公良": "gong liang", "子车": "zi che",
    "颛孙": "zhuan sun", "亓官": "qi guan", "司寇": "si kou", "仉督": "zhang du",
    "羊舌": "yang she", "微生": "wei sheng", "公西": "gong xi", "夹谷": "jia gu",
    "东门": "dong men", "即墨": "ji mo", "达奚": "da xi", "褚师": "chu shi",
    "闻人": "wen ren", "完颜": "wan yan", "耶律": "ye lv", "宰父": "zai fu",
    "钮祜禄": "niu hu lu", "爱新觉罗": "ai xin jue luo", "叶赫那拉": "ye he na la",
}

# Single-character surnames whose surname reading differs from pypinyin's default reading
# (plus a few listed for documentation where they agree). Toneless. 黑 stays "hei": some
# popular lists give "he", but dictionaries and passports write HEI, and pypinyin knows only hei.
_SINGLE_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "区": "ou", "解": "xie", "仇": "qiu", "查": "zha",
    "朴": "piao", "翟": "zhai", "盖": "ge", "乐": "yue", "缪": "miao", "覃": "qin",
    "种": "chong", "员": "yun", "贠": "yun", "黑": "hei", "秘": "bi", "隗": "wei",
    "繁": "po", "任": "ren", "华": "hua", "折": "she", "那": "na", "召": "shao",
    "宓": "fu", "句": "gou", "长": "chang", "祭": "zhai", "都": "du", "能": "nai",
    "薄": "bo", "重": "chong", "卜": "bu", "粘": "nian", "阚": "kan", "蕃": "pi",
    "洗": "xian", "冼": "xian", "颉": "xie", "乜": "nie", "藏": "zang", "角": "jue",
    "蔚": "yu", "率": "shuai", "圈": "juan", "郇": "xun", "沓": "ta", "孛": "bo",
    "澹": "tan", "省": "xing", "炅": "gui", "尉": "wei", "万": "wan", "吕": "lv",
    "沈": "shen", "柏": "bai", "车": "che", "宿": "su", "燕": "yan", "殷": "yin",
    "石": "shi", "叶": "ye", "贾": "jia", "牟": "mou", "谌": "chen", "莘": "shen",
    "曲": "qu", "纪": "ji", "盛": "sheng", "相": "xiang", "朝": "chao", "隽": "juan",
    "於": "yu", "佘": "she", "厍": "she", "褚": "chu", "贲": "ben",
}

COMPOUND_SURNAMES: frozenset[str] = frozenset(_COMPOUND_READINGS)

_SURNAME_SYLLABLES: dict[str, tuple[str, ...]] = {
    **{k: (v,) for k, v in _SINGLE_READINGS.items()},
    **{k: tuple(v.split()) for k, v in _COMPOUND_READINGS.items()},
}

#: surname -> toneless pinyin, syllables joined (单 -> "shan", 尉迟 -> "yuchi").
SURNAME_READINGS: dict[str, str] = {k: "".join(v) for k, v in _SURNAME_SYLLABLES.items()}

_COMPOUND_LENGTHS = sorted({len(s) for s in COMPOUND_SURNAMES}, reverse=True)

# --------------------------------------------------------------------------------------------
# Character classes and normalisation
# --------------------------------------------------------------------------------------------

DOT = "\u00b7"
# Middle-dot look-alikes seen in transliterated minority and foreign names (some survive NFKC).
_DOTS = frozenset(
    "\u00b7"  # · middle dot
    "\u0387"  # · Greek ano teleia
    "\u2022"  # • bullet
    "\u2027"  # ‧ hyphenation point
    "\u30fb"  # ・ katakana middle dot
    "\uff65"  # ･ half-width katakana middle dot
    "\u22c5"  # ⋅ dot operator
    "\u2219"  # ∙ bullet operator
    "\uff0e"  # ． full-width full stop
    "."       # . full stop
    "\ufe52"  # ﹒ small full stop
    "\u2024"  # ․ one dot leader
    "\u2e31"  # ⸱ word separator middle dot
    "\u2e33"  # ⸳ raised dot
    "\u16eb"  # ᛫ runic single punctuation
    "\ua78f"  # ꞏ Latin letter sinological dot
    "\u2981"  # ⦁ Z notation spot
    "\u25cf"  # ● black circle (typed for the dot on some keyboards)
)

_CJK_RANGES = (
    (0x3400, 0x4DBF),    # Extension A
    (0x4E00, 0x9FFF),    # URO
    (0xF900, 0xFAFF),    # compatibility ideographs (NFKC leaves only the 12 unified ones)
    (0x20000, 0x2EBEF),  # Extensions B-F, I
    (0x30000, 0x323AF),  # Extensions G, H
)
_PUA_RANGES = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))


def _in(ranges, cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


_HAN_RE = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES + _PUA_RANGES) + "]")


def is_han(ch: str) -> bool:
    """A Han ideograph (any CJK block) or a Private Use character (registry rare characters)."""
    return "\u4e00" <= ch <= "\u9fff" or _HAN_RE.match(ch) is not None


# Name-specific exceptions to OpenCC's single-character t2s. 乾 in a name is qian (乾坤, 乾隆), not
# 干 "dry"; 於 is a distinct surname (Yu) kept by the 2013 通用规范汉字表; 昇 陞 are standard name
# characters since 2013. 锺 is the 2013 simplification of the surname 鍾, which OpenCC turns
# into 钟: fold 锺 to 钟 as well so both scripts meet.
_T2S_OVERRIDES: dict[str, str] = {"乾": "乾", "於": "於", "昇": "昇", "陞": "陞", "锺": "钟"}

_converter = None


def _t2s_converter():
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return _converter


def _has_reading(ch: str) -> bool:
    from pypinyin import Style, lazy_pinyin

    r = lazy_pinyin(ch, style=Style.NORMAL)
    return bool(r) and r[0] != ch


def _t2s_step(ch: str) -> str:
    """One t2s step. OpenCC's answer is refused when it leaves the BMP (795 BMP characters,
    e.g. 蕽 -> U+2B1FD, map to Extension B-H characters that GBK-era registries cannot type, so
    the simplified-side record keeps the traditional form) or when it has no pinyin reading
    while the input has one."""
    if ch in _T2S_OVERRIDES:
        return _T2S_OVERRIDES[ch]
    out = _t2s_converter().convert(ch)
    if (len(out) != 1 or out == ch or ord(out) > 0xFFFF or not is_han(out)
            or not unicodedata.is_normalized("NFKC", out)):
        return ch
    if not _has_reading(out) and _has_reading(ch):
        return ch
    return out


@lru_cache(maxsize=None)
def _t2s_char(ch: str) -> str:
    """OpenCC t2s of one character, iterated to a fixed point (薴 -> 苧 -> 苎)."""
    seen = {ch}
    cur = ch
    while True:
        nxt = _t2s_step(cur)
        if nxt == cur or nxt in seen:
            return nxt
        seen.add(nxt)
        cur = nxt


def _map_char(ch: str) -> str:
    """What one (already NFKC-normalised) character becomes in a normalised name."""
    if ch in _DOTS:
        return DOT
    if "A" <= ch <= "Z":
        return ch
    if "a" <= ch <= "z":
        return ch.upper()
    cp = ord(ch)
    if _in(_CJK_RANGES, cp):
        return _t2s_char(ch)
    if _in(_PUA_RANGES, cp):
        return ch
    if cp < 0x2000 and unicodedata.category(ch).startswith("L"):
        # accented Latin letter: keep its base letter
        base = unicodedata.normalize("NFD", ch)[0]
        if "A" <= base <= "Z" or "a" <= base <= "z":
            return base.upper()
    return ""  # whitespace, digits, punctuation, other scripts


class _CharTable(dict):
    """A str.translate table that fills itself: each distinct character is mapped once."""

    def __missing__(self, cp: int) -> str:
        out = _map_char(chr(cp))
        self[cp] = out
        return out


_CHAR_TABLE = _CharTable()
_DOT_RUN = re.compile(DOT + "{2,}")


# Common Chinese surnames in pinyin, most common first: a romanised name written given name
# first (BO ZHANG, Wei Zhang, as passports and foreign forms do) is put surname first when its
# last word is the more common surname of the two, so that it meets 张波 by pinyin.
_SURNAME_ORDER = {py: rank for rank, py in enumerate(dict.fromkeys("""
    wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng liang
    xie song tang han feng deng cao peng zeng xiao tian dong yuan pan cai jiang yu du ye cheng su
    wei lv ding ren shen yao lu cui zhong tan fan jin shi liao jia xia fu fang bai zou meng xiong
    qin qiu yin xue yan duan lei hou long tao gu mao hao gong shao wan qian dai mo kong xiang""".split()))}
_TWO_LATIN_WORDS = re.compile(r"\s*([A-Za-z]+)\s+([A-Za-z]+)\s*")


def _surname_first(text: str) -> str:
    """Two Latin words, the last the more common Chinese surname: swapped (BO ZHANG -> ZHANG BO)."""
    found = _TWO_LATIN_WORDS.fullmatch(text)
    if found:
        first, last = found.group(1).lower(), found.group(2).lower()
        if _SURNAME_ORDER.get(last, len(_SURNAME_ORDER)) < _SURNAME_ORDER.get(first, len(_SURNAME_ORDER)):
            return f"{found.group(2)} {found.group(1)}"
    return text


def normalise_name(raw: str | None) -> str | None:
    """Canonical form of a person's name, or None when nothing name-like is left.

    >>> normalise_name("張 偉"), normalise_name("买买提•艾力"), normalise_name("ｚｈａｎｇ")
    ('张伟', '买买提·艾力', 'ZHANG')
    """
    if raw is None:
        return None
    if not isinstance(raw, str):
        if isinstance(raw, float) and raw != raw:  # NaN
            return None
        raw = str(raw)
    s = _surname_first(unicodedata.normalize("NFKC", raw)).translate(_CHAR_TABLE)
    if DOT in s:
        s = _DOT_RUN.sub(DOT, s).strip(DOT)
    return s or None


# --------------------------------------------------------------------------------------------
# Splitting
# --------------------------------------------------------------------------------------------


def _has_han(name: str) -> bool:
    return _HAN_RE.search(name) is not None


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name) of a normalised name.

    Compound surnames are taken only when at least one character is left for the given name
    (欧阳娜娜 -> 欧阳 + 娜娜, but the two-character name 欧阳 -> 欧 + 阳). Names with a middle dot
    (transliterated minority or foreign names) and names that do not start with a Han character
    (romanised names) have no Han surname: ("", name). A one-character name is all surname.
    """
    if not name:
        return "", ""
    if DOT in name or not is_han(name[0]):
        return "", name
    for n in _COMPOUND_LENGTHS:
        if len(name) > n and name[:n] in COMPOUND_SURNAMES:
            return name[:n], name[n:]
    return name[0], name[1:]


# --------------------------------------------------------------------------------------------
# Pinyin
# --------------------------------------------------------------------------------------------

# Every toneless syllable pypinyin 0.55 produces (interjections m n ng hm hng ê left out),
# plus lue/nue (old spelling of lve/nve). Used to segment Latin names into syllables.
_SYLLABLES = frozenset("""
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu ca
cai can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou chu
chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de
dei den deng di dia dian diao die din ding diu dong dou du duan dui dun duo e ei en eng er fa
fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai
guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui
hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke
kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei len leng
li lia lian liang liao lie lin ling liu lo long lou lu luan lue lun luo lv lve ma mai man mang
mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen
neng ni nia nian niang niao nie nin ning niu nong nou nu nuan nue nun nuo nv nve o ou pa pai
pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin
qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa
sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua
shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te tei
teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wong
wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying
yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe
zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan
zui zun zuo
""".split())
_MAX_SYLLABLE = max(map(len, _SYLLABLES))


@lru_cache(maxsize=65536)
def segment_pinyin(text: str) -> tuple[str, ...]:
    """Split a run of toneless pinyin into syllables (fewest syllables, longest first).

    Spaces and apostrophes are honoured as boundaries. A part that cannot be segmented is
    returned whole, as one "syllable".
    """
    text = text.lower()
    parts = [p for p in re.split(r"[\s']+", text) if p]
    out: list[str] = []
    for part in parts:
        n = len(part)
        best: list[tuple[int, int] | None] = [None] * (n + 1)  # (count, next index)
        best[n] = (0, n)
        for i in range(n - 1, -1, -1):
            for j in range(min(n, i + _MAX_SYLLABLE), i, -1):
                if part[i:j] in _SYLLABLES and best[j] is not None:
                    cand = (best[j][0] + 1, j)
                    if best[i] is None or cand[0] < best[i][0]:
                        best[i] = cand
        if best[0] is None:
            out.append(part)
            continue
        i = 0
        while i < n:
            j = best[i][1]
            out.append(part[i:j])
            i = j
    return tuple(out)


def _pinyin_module():
    from pypinyin import Style, lazy_pinyin, pinyin

    return Style, lazy_pinyin, pinyin


_CHAR_PY: dict[str, str] = {}
_CHAR_PY_ALL: dict[str, str] = {}


def _char_py(ch: str) -> str:
    """Default toneless reading of one character ('' for a dot; the character itself if unknown)."""
    py = _CHAR_PY.get(ch)
    if py is None:
        if ch == DOT:
            py = ""
        elif ch.isascii():
            py = ch.lower()
        else:
            Style, lazy_pinyin, _ = _pinyin_module()
            r = lazy_pinyin(ch, style=Style.NORMAL, v_to_u=False)
            py = r[0] if r and r[0] and r[0] != ch and r[0].isascii() else ch
        _CHAR_PY[ch] = py
    return py


def _char_py_all(ch: str) -> str:
    """Every toneless reading of one character, sorted, joined with '|'."""
    out = _CHAR_PY_ALL.get(ch)
    if out is None:
        if ch == DOT:
            out = ""
        elif ch.isascii():
            out = ch.lower()
        else:
            Style, _, pinyin = _pinyin_module()
            r = pinyin(ch, heteronym=True, style=Style.NORMAL, v_to_u=False)
            readings = {x for x in (r[0] if r else []) if x and x != ch and x.isascii()}
            readings.add(_char_py(ch))
            out = "|".join(sorted(readings))
        _CHAR_PY_ALL[ch] = out
    return out


def _latin_syllables(text: str) -> list[str]:
    # passports since 2012 write ü as YU after l/n; only LYU is unambiguous (…N + YU… is common)
    return list(segment_pinyin(text.lower().replace("lyu", "lv")))


def surname_syllables(surname: str) -> list[str]:
    """Toneless syllables of a surname, from the surname table or pypinyin."""
    if not surname:
        return []
    known = _SURNAME_SYLLABLES.get(surname)
    if known is not None:
        return list(known)
    if not _has_han(surname):
        return _latin_syllables(surname)
    return [py for py in map(_char_py, surname) if py]


def surname_pinyin(surname: str) -> str:
    """Toneless surname pinyin: 单 -> shan, 曾 -> zeng, 尉迟 -> yuchi, 吕 -> lv."""
    return "".join(surname_syllables(surname))


def given_syllables(given: str) -> list[str]:
    """Toneless syllables of a given name (or any name without a Han surname), one per character.

    Dots are skipped. A name without Han characters (romanised) is segmented into pinyin
    syllables: ZHANGWEI -> [zhang, wei], LYU -> [lv].
    """
    if not given:
        return []
    if not _has_han(given):
        return _latin_syllables(given.replace(DOT, ""))
    return [py for py in map(_char_py, given) if py]


def given_pinyin(given: str) -> str:
    """Toneless given-name pinyin, pypinyin's default reading per character, joined."""
    return "".join(given_syllables(given))


def given_readings(given: str) -> str:
    """All readings per character: readings joined by '|', characters by ' ' (乐晓 -> 'le|yue xiao')."""
    if not given:
        return ""
    if not _has_han(given):
        return " ".join(given_syllables(given))
    return " ".join(r for r in map(_char_py_all, given) if r)


# --------------------------------------------------------------------------------------------
# Fuzzy pinyin
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def fuzzy_syllable(syl: str) -> str:
    """IME-style fuzzy key of ONE toneless syllable (rules in the module docstring)."""
    s = syl.lower()
    if s[:2] in ("zh", "ch", "sh"):
        s = s[0] + s[2:]
    elif s[:1] == "l":
        s = "n" + s[1:]
    elif s[:1] == "h":
        s = "f" + s[1:]
    if len(s) >= 3 and s.endswith("ng") and s[-3] in "aei":
        s = s[:-1]
    return s


def fuzzy_pinyin(py: str) -> str:
    """Fuzzy key of a pinyin string: each syllable fuzzed, joined without separators.

    A multi-syllable string is split on spaces/apostrophes, else segmented into syllables
    (``zhangwei`` -> zhang|wei -> ``zanwei``). Prefer ``fuzzy_syllable`` per syllable when the
    syllables are known (they are, for Han names: see :func:`given_syllables`).
    """
    if not py:
        return ""
    return "".join(fuzzy_syllable(s) for s in segment_pinyin(py))


# --------------------------------------------------------------------------------------------
# Vectorised features
# --------------------------------------------------------------------------------------------

NAME_FEATURE_COLUMNS = (
    "name_raw", "name_std", "surname", "given_name", "surname_py", "given_py", "name_py",
    "name_py_fuzzy", "given_py_all",
)

_EMPTY_FEATURES = (None,) * (len(NAME_FEATURE_COLUMNS) - 1)


# Per-character and per-surname caches for the vectorised path: (pinyin, fuzzy, all readings).
_CHAR_INFO: dict[str, tuple[str, str, str]] = {}
_SURNAME_INFO: dict[str, tuple[str, str]] = {}


def _char_info(ch: str) -> tuple[str, str, str]:
    info = _CHAR_INFO.get(ch)
    if info is None:
        py = _char_py(ch)
        info = _CHAR_INFO[ch] = (py, fuzzy_syllable(py) if py else "", _char_py_all(ch))
    return info


def _surname_info(surname: str) -> tuple[str, str]:
    info = _SURNAME_INFO.get(surname)
    if info is None:
        syl = surname_syllables(surname)
        info = _SURNAME_INFO[surname] = ("".join(syl), "".join(map(fuzzy_syllable, syl)))
    return info


def _std_features(std: str) -> tuple:
    surname, given = split_name(std)
    surname_py, surname_fuzzy = _surname_info(surname)
    if given and (is_han(given[0]) or _has_han(given)):
        infos = [_CHAR_INFO.get(c) or _char_info(c) for c in given]
        given_py = "".join([i[0] for i in infos])
        given_fuzzy = "".join([i[1] for i in infos])
        given_all = " ".join([i[2] for i in infos if i[2]])
    else:
        syl = given_syllables(given)
        given_py = "".join(syl)
        given_fuzzy = "".join(map(fuzzy_syllable, syl))
        given_all = " ".join(syl)
    return (std, surname, given, surname_py, given_py, surname_py + given_py,
            surname_fuzzy + given_fuzzy, given_all)


def name_features(names) -> pd.DataFrame:
    """One row per distinct non-null raw name, with its normalised form, split and pinyin keys.

    Columns: name_raw, name_std, surname, given_name, surname_py, given_py, name_py
    (surname_py + given_py), name_py_fuzzy (fuzzy key of every syllable), given_py_all (every
    reading of every given-name character: 'le|yue xiao'). A raw name that normalises to
    nothing keeps its row with the other columns null. Names without a Han surname (dotted or
    romanised) have surname = surname_py = '' (not null). All columns are pandas 'string'.
    Work is per distinct raw value, per distinct normalised name and per distinct character.
    """
    series = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
    distinct = list(dict.fromkeys(series.dropna().tolist()))
    by_std: dict[str, tuple] = {}
    rows = []
    # millions of small tuples: the cyclic GC would rescan them over and over (~30% of the time)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for raw in distinct:
            std = normalise_name(raw)
            if std is None:
                feats = _EMPTY_FEATURES
            else:
                feats = by_std.get(std)
                if feats is None:
                    feats = by_std[std] = _std_features(std)
            rows.append((raw if isinstance(raw, str) else str(raw), *feats))
    finally:
        if gc_was_enabled:
            gc.enable()
    columns = list(zip(*rows)) if rows else [()] * len(NAME_FEATURE_COLUMNS)
    return pd.DataFrame({
        col: pd.array(list(values), dtype="string")
        for col, values in zip(NAME_FEATURE_COLUMNS, columns)
    })
