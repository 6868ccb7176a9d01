"""Enterprise names to comparable parts: region, core name (字号 + trade), legal form, branch.

``深圳市腾讯计算机系统有限责任公司`` and ``腾讯计算机系统有限公司（深圳）`` share a core and a legal
form; ``中国平安财产保险股份有限公司深圳分公司`` is a branch whose parent's full name is
``中国平安财产保险股份有限公司``: a key to find the parent, never a reason to merge with it.
有限责任公司 and 有限公司 are one legal form; 股份有限公司 is another. A region prefix is moved to
its own field, not deleted, so 中国平安 keeps its 中国. Computed once per distinct name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd

# longest first: 股份有限公司 before 有限公司
LEGAL_FORMS = {
    "股份有限公司": "股份有限公司",
    "有限责任公司": "有限公司",
    "有限公司": "有限公司",
    "普通合伙": "合伙企业",
    "有限合伙": "合伙企业",
    "合伙企业": "合伙企业",
    "个人独资企业": "个人独资企业",
    "农民专业合作社": "农民专业合作社",
    "专业合作社": "农民专业合作社",
}
BRANCH_MARKERS = ("分公司", "分店", "分厂", "分行", "支行", "营业部", "办事处", "分所", "代表处", "经营部")
_PROVINCE = r"(?:[^省市]{2,7}?省|[^区]{2,10}?自治区|北京市|天津市|上海市|重庆市)"
_REGION_PREFIX = re.compile(rf"^({_PROVINCE}?(?:[^市省]{{2,6}}?市)?(?:[^区县]{{1,6}}?[区县])?)")
_BRACKETED = re.compile(r"\(([^()]{2,12}?)\)")
_FORMS = sorted(LEGAL_FORMS, key=len, reverse=True)
# bracketed place names written without 省/市 (（深圳）, （中国）); (集团) is not a place
_PLACES = frozenset({"中国", "北京", "上海", "天津", "重庆", "广州", "深圳", "香港", "澳门", "广东", "江苏",
                     "浙江", "福建", "山东", "四川", "湖北", "湖南", "河南", "河北"})


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def normalise_enterprise_name(raw: str | None) -> str | None:
    """NFKC (full-width brackets and letters), traditional to simplified, no white space."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return None
    text = unicodedata.normalize("NFKC", str(raw))
    text = re.sub(r"\s+", "", text).replace("〔", "(").replace("〕", ")").replace("【", "(").replace("】", ")")
    text = _converter().convert(text).upper()
    return text or None


def _strip_known_region(text: str, regions: tuple[str, ...]) -> tuple[str, str | None]:
    for region in regions:
        if text.startswith(region) and len(text) > len(region) + 2:
            return text[len(region):], region
    return text, None


@lru_cache(maxsize=None)
def enterprise_name_parts(name: str, regions: tuple[str, ...] = ()) -> dict:
    """The parts of a normalised name. ``regions`` are prefixes to move out first (the
    config's province and city, e.g. ("广东省深圳市", "深圳市", "深圳"))."""
    parts = {"region": None, "core": None, "legal_form": None, "is_branch": False,
             "branch_label": None, "parent_name": None}
    text = name
    bracket = _BRACKETED.search(text)
    if bracket and (re.search(r"(省|市|区|县)$", bracket.group(1)) or bracket.group(1) in regions
                    or bracket.group(1) in _PLACES):
        parts["region"] = bracket.group(1)
        text = text[: bracket.start()] + text[bracket.end():]
    branch_at = -1
    for marker in BRANCH_MARKERS:
        if text.endswith(marker):
            parts["is_branch"] = True
            form_end = max((text.rfind(f) + len(f) for f in _FORMS if f in text[: -len(marker)]), default=-1)
            branch_at = form_end
            break
    if parts["is_branch"] and branch_at > 0:
        parts["parent_name"] = text[:branch_at]
        parts["branch_label"] = text[branch_at:]
        head = text[:branch_at]
    elif parts["is_branch"]:
        head, parts["branch_label"] = text, None
    else:
        head = text
    for form in _FORMS:
        if head.endswith(form):
            parts["legal_form"] = LEGAL_FORMS[form]
            head = head[: -len(form)]
            break
    head, region = _strip_known_region(head, regions)
    if region and not parts["region"]:
        parts["region"] = region
    parts["core"] = head or None
    return parts


def region_prefixes(city: str, province: str | None) -> tuple[str, ...]:
    short_city = city[:-1] if city.endswith("市") else city
    out = []
    if province:
        short_province = re.sub(r"(省|自治区|壮族自治区|回族自治区|维吾尔自治区)$", "", province)
        out += [province + city, short_province + city, province]
    out += [city, short_city]
    return tuple(sorted(set(out), key=len, reverse=True))


def enterprise_name_features(names, regions: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per distinct raw name: name_std, region, core, legal_form, is_branch,
    branch_label, parent_name and name_key (core + legal form + branch: the comparison key)."""
    distinct = pd.unique(pd.Series(names, dtype="object").dropna())
    rows = []
    for raw in distinct:
        std = normalise_enterprise_name(raw)
        parts = enterprise_name_parts(std, regions) if std else dict.fromkeys(
            ("region", "core", "legal_form", "branch_label", "parent_name"), None) | {"is_branch": False}
        key = None
        if parts["core"]:
            key = parts["core"] + (parts["legal_form"] or "") + (parts["branch_label"] or "")
        rows.append({"name_raw": raw, "name_std": std, **parts, "name_key": key})
    columns = ["name_raw", "name_std", "region", "core", "legal_form", "is_branch", "branch_label",
               "parent_name", "name_key"]
    return pd.DataFrame(rows, columns=columns).astype(
        {c: "bool" if c == "is_branch" else "string" for c in columns})
