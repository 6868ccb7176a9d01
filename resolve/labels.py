"""The Chinese words for the registry's codes: steps, reasons, statuses, comparisons, evidence
classes. One table each, read by the report (Python) and by the sentences and details the
reconcile stage writes (SQL, through ``case_sql``)."""

from __future__ import annotations

from resolve.engine import quote_literal

STEPS = {
    "read": "读取记录", "quarantined": "隔离", "duplicate_in_source": "本部门内重复",
    "deceased": "已死亡", "moved_out": "已迁出", "not_a_dwelling": "居住地非住宅",
    "lives_outside_city": "居住在市外", "no_address_in_city": "市内无有效地址", "out_of_scope": "不在口径内",
    "counted": "计入口径",
}
# why a row went to quarantine; only the first three are rows that could not be read
QUARANTINE_REASONS = {
    "bad_field_count": "无法读取：字段数与表头不符", "undecodable": "无法读取：文字编码无法识别",
    "formula_without_value": "无法读取：公式没有计算结果", "empty_record_key": "缺少记录编号",
    "duplicate_record_key": "记录编号重复", "no_identity": "无姓名、证件等可识别信息",
}
DISPUTE_REASONS = {
    "birth_date_conflict": "出生日期冲突", "sex_conflict": "性别冲突", "status_conflict": "状态冲突（死亡与在册并存）",
    "residence_conflict": "居住地冲突", "merged_near_threshold": "阈值附近的合并",
    "nearly_matched_another_person": "险些匹配到另一人",
}
STATUS = {"active": "正常", "deceased": "死亡", "moved_out": "迁出", "deregistered": "注销", "revoked": "吊销"}
SEX = {"M": "男", "F": "女"}
USES = {"residential": "住宅", "commercial": "商业", "office": "办公", "industrial": "工业", "public_toilet": "公厕",
        "power_room": "配电房", "other": "其他"}
COMPARISONS = {"id_number": "身份证号", "other_doc": "其他证件", "name": "姓名", "birth_date": "出生日期",
               "sex": "性别", "phone": "电话", "address": "地址", "tf_adj_name": "姓名常见度"}
EVIDENCE_KINDS = {"statement": "有市内居住登记", "registration": "仅有市内户籍", "outside": "仅有市外居住地",
                  "none": "无市内地址（如社保、学籍）", "survey_only": "仅入户调查登记"}
RECENCY = {"0-1": "一年内", "1-2": "一至两年", "2-5": "两至五年", "5+": "五年以上", "undated": "无日期"}
BASIS = {"estimated": "按本类调查比例估计", "pooled_over_recency": "同类各时段合并估计", "counted": "按登记计（调查样本不足）"}
OVERRIDE_STATUS = {"applied": "已生效", "stale": "已失效", "conflict": "相互冲突", "superseded": "已被取代",
                   "revoked": "已撤销"}
UNKNOWN_DISTRICT_LABEL = "区划不明"


def label(table: dict[str, str], code) -> str:
    """The Chinese for ``code``, or the code itself where the table has none."""
    return table.get(code, "" if code is None else str(code))


def case_sql(expr: str, table: dict[str, str]) -> str:
    """SQL giving the Chinese for the code ``expr`` holds (the code itself where none)."""
    whens = " ".join(f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in table.items())
    return f"(CASE {expr} {whens} ELSE {expr}::VARCHAR END)"
