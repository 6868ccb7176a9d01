"""An independent synthetic Guangzhou (广州市, 440100): address forms written from how Guangzhou
departments really write them, by someone who did not read the product's address code.

The universe (4 districts: 天河区 白云区 海珠区 越秀区, real 街道 of each):
- commercial estates (小区/花园/苑/广场/大厦) at a road + door number (中山大道西89号); buildings
  written 栋 / 座 (A座) / 幢 / 号楼; some estates have 期; some give every building its own door
  number on the road (华景路1号, 3号, 5号 ...: the building is the door, no 栋); units are 梯
  (2梯); rooms floor*100+n (1502). In some estates room numbers repeat in every 梯 (then the 梯
  is needed), in others they run on across the 梯.
- 城中村 urban villages (石牌村 棠下村 冼村 猎德村 车陂村 程界村 龙洞村 三元里村 同和村 望岗村
  瑞宝村 康乐村 鹭江村 小洲村 瑶台村 ...): houses of 4-8 floors with 1-4 rooms a floor, at
  X村X巷X号, X村X社X号, X村东二巷X号, X村东大街三巷X号, X村X坊X号, X村三横街X号; a village on
  a road carries the road's lanes as official 门牌 (石牌东路12巷3号) while people say 石牌村12巷3号;
  door numbers 之一 / 之二 are other houses (12号之一 is not 12号); 首层 is often a shop; a floor
  with one room is a flat of its own (三楼), otherwise rooms 301, 302.
- 越秀 old-town lanes (X路X巷X号, X里X号, X坊X号): 2-5 floors, one flat a floor (201房 = 2楼).
- non-dwellings: village 公厕 and 配电房 with their own door numbers, village 首层 shops and
  estate 首层商铺.

Departments, each writing a property its own way:
- real_estate 不动产登记中心 (utf-8): structured 区/街道/路名/门牌号/幢号/单元/房号 plus 坐落
  "广州市天河区中山大道西89号自编3栋2梯1502房"; titles estate flats (most), old-town flats and
  whole village houses (about half; the house, not its rooms, is the titled property);
- rental_housing 来穗人员服务管理局出租屋 (utf-8): one free-text official 门牌 address,
  "天河区石牌街石牌东路12巷3号之一302房", its own code, the rooms and shops let in villages and
  the estate flats let to floating residents;
- grid_house 网格员房屋采集 (xlsx-free csv, utf-8): community first, "石牌村社区12巷3号之一3楼02",
  "华景社区华景新城12栋1502", 之1 for 之一, shops, 公厕 and 配电房.
Persons:
- police_hukou 公安户籍 (gbk): locals; 户籍地址 formal ("广东省广州市天河区华景路3号1502房");
  status 正常/死亡/迁出; birth YYYYMMDD;
- floating 来穗人员居住登记 (utf-8): floating residents (some twice: an older registration at an
  earlier room), 居住地址 mostly official, sometimes village form, district without 区,
  "广东省广州市广州市", full-width digits, 三巷 / 五楼; 居住证状态 有效/注销; birth YYYY-MM-DD;
- grid_survey 网格员人口采集 (utf-8): community first, estate name only, 5楼02 / 5楼2号, 附近,
  Chinese numerals, spaces, a typo now and then, some with no ID; birth YYYY/M/D;
- social_insurance 社保 (gbk): working-age; 联系地址 often missing, sloppy ("广州天河石牌村3巷12号"),
  estate name without building, 附近, outside-city addresses; birth YYYY年M月D日.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from resolve.synth.apart import Gen, cn, config_text, fmt_date, make_id, rand_date, typo_id, write_city

CITY, REGION, SNAPSHOT = "广州市", "440100", "2026-10-31"
FW = str.maketrans("0123456789", "０１２３４５６７８９")
TYPO = {"棠": "堂", "冼": "洗", "猎": "腊", "牌": "排", "岗": "冈", "景": "京", "苑": "园", "溪": "西",
        "珠": "株", "陂": "坡", "德": "得", "瑶": "摇", "鹭": "路", "巷": "港", "横": "恒", "坊": "方",
        "社": "舍", "洲": "州", "华": "化", "骏": "俊", "翠": "萃"}

# district -> (code, {street: (roads, [(village, road or None)], [communities])}, estate names)
GEO = {
    "天河区": ("440106", {
        "石牌街道": (["天河路", "石牌东路", "石牌西路", "龙口西路"], [("石牌村", "石牌东路")], ["华师", "龙口西"]),
        "棠下街道": (["中山大道中", "棠东东路", "荷光路"], [("棠下村", None)], ["棠德", "荷光"]),
        "猎德街道": (["猎德大道", "黄埔大道西"], [("猎德村", None)], ["利雅湾", "猎德"]),
        "冼村街道": (["冼村路", "金穗路", "黄埔大道西"], [("冼村", "冼村路")], ["冼村", "誉城苑"]),
        "车陂街道": (["车陂路", "中山大道东"], [("车陂村", "车陂路")], ["车陂", "东圃"]),
        "员村街道": (["员村二横路", "黄埔大道中"], [("程界村", None)], ["员村", "程界"]),
        "龙洞街道": (["龙洞北路", "迎龙路"], [("龙洞村", None)], ["龙洞", "华农"])},
        ["华景新城", "骏景花园", "汇景新城", "东雅苑", "嘉和苑", "丽景苑", "天河北苑", "金碧花园",
         "锦城广场", "天河大厦", "誉峰苑", "翠湖山庄"]),
    "白云区": ("440111", {
        "三元里街道": (["三元里大道", "机场路", "广园西路"], [("三元里村", "三元里大道")], ["松柏", "三元里"]),
        "同和街道": (["同和路", "广州大道北"], [("同和村", None)], ["同和", "蟾蜍石"]),
        "京溪街道": (["京溪路", "广州大道北", "沙太路"], [], ["京溪", "梅花园"]),
        "嘉禾街道": (["白云大道北", "望岗路"], [("望岗村", None)], ["望岗", "嘉禾"]),
        "永平街道": (["永泰路", "东平路"], [("东平村", None)], ["永泰", "东平"])},
        ["云景花园", "同和苑", "京溪小区", "白云堡花园", "金沙洲花园", "嘉禾新都", "集贤苑", "永泰广场"]),
    "海珠区": ("440105", {
        "江海街道": (["江海大道", "新港东路"], [], ["江海", "红卫"]),
        "赤岗街道": (["赤岗路", "新港中路", "艺苑路"], [], ["赤岗", "客村"]),
        "瑞宝街道": (["石溪路", "工业大道南"], [("瑞宝村", None)], ["瑞宝", "泰宁"]),
        "凤阳街道": (["南洲路", "逸景路"], [("康乐村", None), ("鹭江村", None)], ["康乐", "鹭江"]),
        "华洲街道": (["华洲路"], [("小洲村", None)], ["小洲", "土华"])},
        ["海珠半岛花园", "珠江花园", "逸景翠园", "赤岗大厦", "金海湾花园", "南洲名苑", "晓港湾"]),
    "越秀区": ("440104", {
        "北京街道": (["北京路", "惠福东路", "文德路"], [], ["大南", "盐运西"]),
        "大塘街道": (["文明路", "越华路", "豪贤路"], [], ["仓边", "大塘"]),
        "农林街道": (["农林下路", "东风东路", "寺右新马路"], [], ["农林", "竹丝岗"]),
        "矿泉街道": (["解放北路", "瑶台路"], [("瑶台村", None)], ["瑶台", "矿泉"])},
        ["东山广场", "农林小区", "越秀大厦", "东风花园", "竹丝岗小区", "文德苑"]),
}
OLDTOWN = ["积善里", "仁安里", "大新坊", "莲花井", "长庚坊", "聚龙坊"]
HOMETOWNS = [("430421", "湖南省衡阳县西渡镇"), ("450881", "广西壮族自治区桂平市木乐镇"), ("441521", "广东省海丰县梅陇镇"),
             ("360732", "江西省兴国县长冈乡"), ("511324", "四川省仪陇县新政镇"), ("421126", "湖北省蕲春县漕河镇"),
             ("440823", "广东省遂溪县遂城镇"), ("441881", "广东省英德市英城街道"), ("412726", "河南省郸城县城关镇"),
             ("445281", "广东省普宁市流沙东街道")]
OUTSIDE = ["深圳市南山区粤海街道科技园{}号", "佛山市南海区桂城街道南海大道{}号", "东莞市南城区鸿福路{}号",
           "上海市浦东新区张江路{}号"]
SURNAMES = list("陈李黄张梁林刘吴罗何郑谢冯邓曾彭麦叶苏蔡杨王周朱钟卢潘赖") + ["欧阳", "区", "司徒"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华文建国志俊嘉欣怡子轩浩宇梓涵诗琪晓锦荣辉颖婷佩")
EMPLOYERS = ["广州市天河区某某贸易有限公司", "广州白云机场物流有限公司", "广州市海珠区康乐制衣厂", "广州地铁集团有限公司",
             "广州市越秀区餐饮管理有限公司", "广东省建筑工程集团有限公司", "广州市某某电子商务有限公司"]


# ---------------------------------------------------------------- the property universe
def build_universe(g: Gen, n_persons: int):
    dw, houses = [], []          # dwellings / non-dwellings (one truth property each); village houses
    n_estates, n_houses = max(6, n_persons // 280), max(24, n_persons // 38)
    streets = [(d, s) for d, (_, ss, _) in GEO.items() for s in ss]
    used_names = set()
    for e in range(n_estates):
        d, s = streets[e % len(streets)] if e < len(streets) else g.pick(streets)
        roads, _, comms = GEO[d][1][s]
        names = [x for x in GEO[d][2] if x not in used_names] or [g.pick(GEO[d][2]) + "二区"]
        name = g.pick(names)
        used_names.add(name)
        est = dict(district=d, street=s, community=g.pick(comms) + "社区", road=g.pick(roads), door=g.ri(1, 400),
                   name=name, phase=g.pick([None, None, "一期", "二期", "三期"]),
                   bstyle=g.pick(["栋", "座", "幢", "号楼"], [.5, .2, .15, .15]), door_per_b=g.p(.3),
                   unit_scoped=g.p(.4))
        for b in range(1, g.ri(2, 5) + 1):
            floors, units, rpf = g.ri(6, 18 if est["bstyle"] != "座" else 30), g.pick([1, 1, 2, 3]), g.ri(2, 4)
            if floors > 18:
                floors = g.ri(15, 24)
            for u in range(1, units + 1):
                for f in range(2, floors + 1):
                    for i in range(1, rpf + 1):
                        idx = i if est["unit_scoped"] else (u - 1) * rpf + i
                        dw.append(dict(est, kind="estate", use="residential", b=b, units=units, u=u, f=f,
                                       i=idx, rpf=rpf * (1 if est["unit_scoped"] else units)))
            if g.p(.5):  # ground-floor shops
                for k in range(1, g.ri(1, 3) + 1):
                    dw.append(dict(est, kind="shop_e", use="commercial", b=b, units=units, u=None, f=1, i=k, rpf=3))
    villages = []
    for d, (_, ss, _) in GEO.items():
        for s, (roads, vills, comms) in ss.items():
            for v, road in vills:
                villages.append(dict(district=d, street=s, village=v, vroad=road, community=v + "社区"))
            if d == "越秀区" and not vills:
                villages.append(dict(district=d, street=s, village=None, vroad=g.pick(roads), community=g.pick(comms) + "社区"))
    for v in villages:  # lanes of each village
        if v["village"] is None:
            v["lanes"] = [("xiang", int(k), None) for k in g.rng.choice(np.arange(1, 20), 3, replace=False)] + \
                         [("li", 0, str(n)) for n in g.rng.choice(OLDTOWN, 2, replace=False)]
        elif v["vroad"]:
            v["lanes"] = [("xiang", int(k), None) for k in g.rng.choice(np.arange(1, 40), 5, replace=False)]
        else:
            kinds = g.rng.choice(["xiang", "she", "dir", "dajie", "fang", "heng"], 5)
            v["lanes"] = [(k, g.ri(1, 9), g.pick(["东", "西", "南", "北", "中"]) if k in ("dir", "dajie") else
                           g.pick(["长庚", "聚龙", "福寿", "兴隆", "安乐", "上塘"]) if k == "fang" else None) for k in kinds]
    for h in range(n_houses):
        v = villages[h % len(villages)]
        old = v["village"] is None
        lane = g.pick(v["lanes"])
        door = g.ri(1, 60)
        suffix = g.pick([None, "之一", "之二"], [.75, .18, .07])
        key = (id(v), lane, door, suffix)
        if any(x["key"] == key for x in houses):
            continue
        floors = g.ri(2, 5) if old else g.ri(4, 8)
        rpf = 1 if old else g.pick([1, 2, 3, 4], [.2, .3, .3, .2])
        house = dict(v, key=key, lane=lane, hdoor=door, suffix=suffix, floors=floors, hrpf=rpf, uid=f"PH{h:05d}")
        houses.append(house)
        shop = (not old) and g.p(.4)
        for f in range(1, floors + 1):
            if f == 1 and shop:
                dw.append(dict(house, kind="shop_v", use="commercial", f=1, i=1, rpf=1))
                continue
            for i in range(1, rpf + 1):
                dw.append(dict(house, kind="oldtown" if old else "village", use="residential", f=f, i=i, rpf=rpf,
                               owner_floor=(f == floors)))
    for v in villages:
        if v["village"]:
            for kind, use in (("公厕", "public_toilet"), ("配电房", "power_room")):
                lane = g.pick(v["lanes"])
                dw.append(dict(v, kind="facility", fac=kind, use=use, lane=lane, hdoor=g.ri(61, 90), suffix=None,
                               f=1, i=1, rpf=1, hrpf=1))
    for n, x in enumerate(dw):
        x["uid"], x["house_uid"] = f"P{n:06d}", x.get("uid")
    return dw, houses


# ---------------------------------------------------------------- writing an address
def lane_text(lane, cnum: bool) -> str:
    kind, k, name = lane
    num = cn(k) if cnum else str(k)
    return {"xiang": f"{num}巷", "she": f"{num}社", "dir": f"{name}{num}巷", "dajie": f"{name}大街{num}巷",
            "fang": f"{name}坊", "heng": f"{num}横街", "li": f"{name}"}[kind]


def room_text(g: Gen, x, forms) -> str:
    f, i, rpf = x["f"], x["i"], x["rpf"]
    r = f * 100 + i
    form = g.pick(list(forms), list(forms.values()))
    if x["kind"] in ("village", "oldtown") and rpf == 1:   # a whole floor is one flat
        if form in ("fl", "cfl") or g.p(.5):
            return "首层" if f == 1 else (cn(f) + "楼" if form == "cfl" or g.p(.2) else f"{f}楼")
        return f"{f}01房"
    return {"r房": f"{r}房", "r": str(r), "r室": f"{r}室", "fl_i": f"{f}楼{i:02d}", "fl_ih": f"{f}楼{i}号",
            "fl": f"{f}楼", "cfl": cn(f) + "楼"}[form]


def body(g: Gen, x, st) -> list[str]:
    """The part of the address after the district/street/community, as the style writes it."""
    cnum = g.p(st.get("cnum", 0))
    if x["kind"] in ("estate", "shop_e"):
        b = x["b"]
        blab = {"栋": f"{cn(b) if cnum else b}栋", "座": f"{'ABCDE'[b - 1]}座", "幢": f"{b}幢",
                "号楼": f"{b}号楼"}[x["bstyle"]]
        if st.get("bswap") and g.p(st["bswap"]) and x["bstyle"] in ("幢", "号楼"):
            blab = f"{b}栋"
        door = x["door"] + 2 * (b - 1) if x["door_per_b"] else x["door"]
        est = x["name"] + (x["phase"] or "")
        form = g.pick(["road", "road_est", "est"], st["est_form"])
        parts = [f"{x['road']}{door}号"] if form != "est" else []
        if form != "road":
            parts.append(est)
        if not (x["door_per_b"] and form == "road") or g.p(.15):
            parts.append(("自编" if g.p(st.get("zibian", 0)) else "") + blab)
        if x["kind"] == "shop_e":
            return parts + [f"首层{x['i']}号商铺"]
        # a property department keeps the 梯 where room numbers repeat in every 梯
        if x["units"] > 1 and not (g.p(st.get("unit_drop", .1)) and not (x["unit_scoped"] and st.get("prop"))):
            u = x["u"]
            parts.append(g.pick([f"{u}梯", f"{cn(u)}梯", f"{u}单元"], st.get("unit_forms", [.7, .1, .2])))
        return parts + [room_text(g, x, st["rooms"])]
    # village / old town / facility
    lane = lane_text(x["lane"], cnum)
    suf = x["suffix"] or ""
    if suf and st.get("zhi"):
        n = "1" if suf == "之一" else "2"
        suf = {"之一": suf, "之#": "之" + n, "-#": "-" + n}[g.pick(list(st["zhi"]), list(st["zhi"].values()))]
    vform = x["village"] is not None and g.p(st.get("village_form", .3))
    if x["village"] is None:
        head = [x["vroad"] + lane] if x["lane"][0] == "xiang" else [lane]
    elif x["vroad"] and not vform:
        head = [x["vroad"] + lane]
    else:
        head = [x["village"] + lane]
        if st.get("drop_village") and g.p(st["drop_village"]):
            head = [lane] if x["lane"][0] in ("dajie", "fang", "heng", "dir") else \
                [(x["village"][:-1] if len(x["village"]) > 2 else x["village"]) + lane]
    door = f"{x['hdoor']}号{suf}" if not suf.startswith("-") else f"{x['hdoor']}{suf}号"
    parts = head + [door]
    if x["kind"] == "facility":
        return parts + [x["fac"]]
    if x["kind"] == "shop_v":
        return parts + [g.pick(["首层", "首层商铺", "1楼铺面"])]
    room = room_text(g, x, st["rooms"])
    if door[-1].isdigit() and room[0].isdigit():   # 3号之1 701房, not 3号之1701房
        parts[-1] += " "
    return parts + [room]


STYLES = {
    "hukou": dict(unit_forms=[1, 0, 0], prefix={"广东省广州市": .5, "广州市": .5}, district=(1, 0, 0), street=.3, community=0,
                  est_form=[.8, .2, 0], zibian=.2, village_form=.05, rooms={"r房": .9, "r室": .1}, unit_drop=.03,
                  typo=.005),
    "title": dict(unit_forms=[1, 0, 0], prop=True, prefix={"广州市": 1}, district=(1, 0, 0), street=0, community=0, est_form=[.75, .25, 0],
                  zibian=.5, village_form=0, rooms={"r房": 1}, unit_drop=0),
    "rental": dict(prop=True, prefix={"": .6, "广州市": .4}, district=(1, 0, 0), street=.8, street_short=.7, community=0,
                   est_form=[.4, .6, 0], village_form=0, rooms={"r房": .8, "r": .1, "fl_i": .1}, unit_drop=.1,
                   typo=.01),
    "grid_house": dict(prefix={"": 1}, district=(0, 0, 1), street=0, community=1, est_form=[0, .2, .8],
                       village_form=.5, drop_village=.5, rooms={"fl_i": .45, "r": .35, "fl_ih": .2}, prop=True,
                       zhi={"之#": .5, "-#": .5}, cnum=.2, bswap=.5, unit_drop=.25, typo=.02, fw=.02),
    "floating": dict(prefix={"广州市": .45, "": .3, "广东省广州市": .17, "广东省广州市广州市": .08},
                     district=(.8, .15, .05), street=.5, street_short=.5, community=.1, est_form=[.4, .4, .2],
                     village_form=.35, drop_village=.1, rooms={"r房": .5, "r": .25, "r室": .1, "fl_i": .1, "cfl": .05},
                     zhi={"之一": .7, "之#": .2, "-#": .1}, cnum=.12, unit_drop=.15, typo=.03, fw=.06, space=.05,
                     near=.02),
    "grid": dict(prefix={"": .8, "广州市": .2}, district=(.2, 0, .8), street=.1, street_short=.8, community=.85,
                 est_form=[.1, .3, .6], village_form=.5, drop_village=.4,
                 rooms={"fl_i": .3, "fl_ih": .2, "r": .3, "fl": .1, "cfl": .1}, zhi={"之#": .6, "-#": .3, "之一": .1},
                 cnum=.25, bswap=.5, unit_drop=.3, typo=.04, fw=.04, space=.12, near=.04),
    "social": dict(prefix={"广州": .3, "广州市": .3, "": .4}, district=(.5, .4, .1), street=.05, community=0,
                   est_form=[.3, .3, .4], village_form=.6, drop_village=.2,
                   rooms={"r": .5, "r房": .25, "fl": .15, "cfl": .1}, zhi={"之一": .5, "-#": .5}, cnum=.15,
                   unit_drop=.4, typo=.03, fw=.03, space=.08, near=.08, no_room=.12),
}


def render(g: Gen, x, style: str) -> str:
    st = STYLES[style]
    parts = [g.pick(list(st["prefix"]), list(st["prefix"].values()))]
    dmode = g.pick(["full", "nosuffix", "none"], st["district"])
    if dmode == "full":
        parts.append(x["district"])
    elif dmode == "nosuffix":
        parts.append(x["district"][:-1])
    if g.p(st["street"]):
        parts.append(x["street"][:-1] if g.p(st.get("street_short", 0)) else x["street"])
    if g.p(st["community"]):
        parts.append(x["community"])
    b = body(g, x, st)
    if g.p(st.get("near", 0)):
        b = b[:-1] + [g.pick(["附近", "旁", "对面"])]
    elif g.p(st.get("no_room", 0)) and x["kind"] != "facility":
        b = b[:-1]
    parts += b
    sep = " " if g.p(st.get("space", 0)) else ""
    s = sep.join(p for p in parts if p)
    if g.p(st.get("typo", 0)):
        keys = [c for c in s if c in TYPO]
        if keys:
            c = g.pick(keys)
            s = s.replace(c, TYPO[c], 1)
    if g.p(st.get("fw", 0)):
        s = s.translate(FW)
    return s


# ---------------------------------------------------------------- people
def name_of(g: Gen, surname=None) -> tuple[str, str]:
    s = surname or g.pick(SURNAMES)
    given = "".join(g.pick(GIVEN) for _ in range(g.pick([1, 2], [.25, .75])))
    return s, s + given


def make_person(g: Gen, uid, surname, birth_year, kind, region, birth=None):
    sur, name = name_of(g, surname)
    male = g.p(.5)
    birth = birth or f"{birth_year}{g.ri(1, 12):02d}{g.ri(1, 28):02d}"
    return dict(uid=uid, surname=sur, name=name, male=male, birth=birth,
                idn=make_id(region, birth, g.ri(0, 999), male), phone=f"1{g.pick('3578')}{g.ri(0, 999999999):09d}",
                kind=kind, status="active", in_city=True, res=None, reg=None, reg_text=None, prev_res=None)


def build_people(g: Gen, dw, n_persons: int):
    estate = [x for x in dw if x["kind"] == "estate"]
    village = [x for x in dw if x["kind"] == "village" and not x["owner_floor"]]
    local_d = [x for x in dw if x["kind"] == "oldtown" or (x["kind"] == "village" and x["owner_floor"])]
    g.rng.shuffle(estate), g.rng.shuffle(village), g.rng.shuffle(local_d)
    n_local = int(n_persons * g.rng.uniform(.52, .62))
    people, twins = [], []
    nid = iter(range(10 ** 7))
    est_it = iter(estate)

    def household(d, kind, size):
        hometown = g.pick(HOMETOWNS) if kind == "float" else None
        region = hometown[0] if hometown else GEO[d["district"]][0]
        sur = g.pick(SURNAMES)
        head_year = g.ri(1950, 1998) if kind == "local" else g.ri(1975, 2004)
        out = []
        for k in range(size):
            if k == 0:
                p = make_person(g, f"U{next(nid):06d}", sur, head_year, kind, region)
            elif k == 1 and size > 1 and g.p(.7):
                p = make_person(g, f"U{next(nid):06d}", None, head_year + g.ri(-4, 4), kind, region)
            else:
                p = make_person(g, f"U{next(nid):06d}", sur, min(2024, head_year + g.ri(22, 35)), kind, region)
                if g.p(.04) and len(out):   # twins: same surname, birth date and home
                    t = make_person(g, f"U{next(nid):06d}", sur, 0, kind, region, birth=p["birth"])
                    out.append(t)
                    twins.append((p["uid"], t["uid"]))
            out.append(p)
        for p in out:
            p["res"], p["hometown"] = d["uid"], hometown
        return out

    while len(people) < n_local:
        d = local_d.pop() if local_d and g.p(.25) else next(est_it)
        people += household(d, "local", g.pick([1, 2, 3, 4, 5], [.2, .3, .28, .17, .05]))
    for p in people:
        p["reg"] = p["res"]
    homes = [x["uid"] for x in estate[:200]] + [x["uid"] for x in dw if x["kind"] == "oldtown"]
    for p in people:
        r = g.rng.random()
        if r < .16:   # 人户分离 inside the city
            p["reg"] = g.pick(homes)
        elif r < .21:  # lives outside the city, hukou stays
            p["res"], p["in_city"] = None, False
            p["outside"] = g.pick(OUTSIDE).format(g.ri(1, 300))
        elif r < .235 and int(p["birth"][:4]) < 1965:
            p["status"], p["in_city"] = "deceased", False
        elif r < .25:
            p["status"], p["in_city"] = "moved_out", False
    spare_estate = list(est_it)
    vi = iter(village)
    while len(people) < n_persons:
        try:
            d = next(vi) if g.p(.85) or not spare_estate else spare_estate.pop()
        except StopIteration:
            d = spare_estate.pop()
        hh = household(d, "float", g.pick([1, 2, 3], [.45, .35, .2]))
        for p in hh:
            p["reg_text"] = p["hometown"][1] + g.pick(["", f"{g.ri(1, 30)}号", f"{g.pick('东西南北')}村{g.ri(1, 9)}组"])
            if g.p(.12):
                p["prev_res"] = g.pick(village)["uid"]
            if g.p(.05):
                p["status"], p["in_city"] = "moved_out", False
        people += hh
    return people, twins


# ---------------------------------------------------------------- writing the extracts
def generate(out_dir, seed: int = 1, n_persons: int = 3000) -> dict:
    out = Path(out_dir)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    g = Gen(seed)
    dw, houses = build_universe(g, n_persons)
    by_uid = {x["uid"]: x for x in dw}
    people, twins = build_people(g, dw, n_persons)
    pt, prt, owners, stm = [], [], [], []   # person, property, owner truth; what each address describes
    occupied = {p["res"] for p in people if p["res"]}
    floater_home = {p["res"] for p in people if p["res"] and p["kind"] == "float"} | \
                   {p["prev_res"] for p in people if p["prev_res"]}
    locals_ = [p for p in people if p["kind"] == "local"]

    # ---- property departments
    title, rental, ghouse = [], [], []
    for x in dw:
        u, k = x["uid"], x["kind"]
        if (k == "estate" and g.p(.93)) or (k == "oldtown" and g.p(.8)) or (k == "shop_e" and g.p(.9)):
            key = f"44010{len(title):07d}"
            own = g.pick(locals_) if g.p(.8) else None
            room = "" if k == "shop_e" else f"{x['f'] * 100 + x['i']}"
            if k == "estate":
                blab = {"栋": f"{x['b']}栋", "座": f"{'ABCDE'[x['b'] - 1]}座", "幢": f"{x['b']}幢",
                        "号楼": f"{x['b']}号楼"}[x["bstyle"]]
                door = x["door"] + 2 * (x["b"] - 1) if x["door_per_b"] else x["door"]
                road, dn = x["road"], f"{door}号"
                unit = f"{x['u']}梯" if x["units"] > 1 else ""
            elif k == "shop_e":
                road, dn, blab, unit, room = x["road"], f"{x['door']}号", f"{x['b']}栋", "", f"首层{x['i']}号"
            else:
                road, dn, blab, unit = x["vroad"], lane_text(x["lane"], False) + f"{x['hdoor']}号" + (x["suffix"] or ""), "", ""
            title.append({"业务号": key, "不动产单元号": f"{GEO[x['district']][0]}{g.ri(0, 10**9):09d}GB{len(title):05d}F{g.ri(0, 9999):04d}",
                          "坐落": render(g, x, "title"), "行政区": x["district"], "街道": x["street"], "路名": road,
                          "门牌号": dn, "幢号": blab, "单元": unit, "房号": room,
                          "规划用途": {"estate": "住宅", "oldtown": "住宅", "shop_e": "商业"}[k],
                          "建筑面积": round(float(g.rng.uniform(18, 160)), 2), "权利人": own["name"] if own else "",
                          "权利人证件号": own["idn"] if own else "", "登簿日期": rand_date(g, 2000)})
            prt.append(("real_estate", key, u))
            if own:
                owners.append(("real_estate", key, own["uid"], "", "true"))
        if k in ("village", "shop_v") and (u in floater_home and g.p(.9) or g.p(.35)) or \
                (k == "estate" and u in floater_home and g.p(.75)):
            key = f"CZW{GEO[x['district']][0]}{len(rental):06d}"
            rental.append({"出租屋编码": key, "出租屋地址": render(g, x, "rental"), "所属街道": x["street"],
                           "房屋类型": "商铺" if k == "shop_v" else "住宅", "房东姓名": name_of(g)[1],
                           "登记日期": rand_date(g)})
            prt.append(("rental_housing", key, u))
        if (k in ("village", "oldtown", "shop_v") and g.p(.55)) or k == "facility" and g.p(.9) or \
                (k == "estate" and u in occupied and g.p(.1)):
            key = f"WG{len(ghouse):06d}"
            use = {"village": "出租屋", "oldtown": "自住房", "shop_v": "商铺", "estate": "住宅"}.get(k, x.get("fac"))
            ghouse.append({"采集编号": key, "社区": x["community"], "房屋地址": render(g, x, "grid_house"),
                           "房屋用途": use, "采集时间": rand_date(g, 2024)})
            prt.append(("grid_house", key, u))
    for h in houses:
        if h["village"] and g.p(.55):
            key = f"44010{len(title):07d}"
            road, dn = h["vroad"] or h["village"], lane_text(h["lane"], False) + f"{h['hdoor']}号{h['suffix'] or ''}"
            title.append({"业务号": key, "不动产单元号": f"{GEO[h['district']][0]}{g.ri(0, 10**9):09d}JC{len(title):05d}F0000",
                          "坐落": f"广州市{h['district']}{road}{dn}", "行政区": h["district"], "街道": h["street"],
                          "路名": road, "门牌号": dn, "幢号": "",
                          "单元": "", "房号": "", "规划用途": "住宅", "建筑面积": round(float(g.rng.uniform(80, 500)), 2),
                          "权利人": name_of(g)[1], "权利人证件号": "", "登簿日期": rand_date(g, 1995, 2015)})
            prt.append(("real_estate", key, h["uid"]))

    # ---- person departments
    hukou, floating, grid, social = [], [], [], []
    for p in people:
        living = p["status"] == "active" and p["in_city"]
        tr = dict(person_uid=p["uid"], residence_property_uid=p["res"] or "",
                  registered_property_uid=p["reg"] or "", status=p["status"], resident_in_city=str(p["in_city"]).lower())
        pt.append(tr)
        age = 2026 - int(p["birth"][:4])
        res = by_uid.get(p["res"])
        if p["kind"] == "local":
            key = f"HJ{len(hukou):07d}"
            hukou.append({"人员编号": key, "公民身份号码": typo_id(g, p["idn"]) if g.p(.005) else p["idn"],
                          "姓名": p["name"], "性别": "男" if p["male"] else "女", "出生日期": fmt_date(p["birth"], "ymd"),
                          "民族": "汉族", "户籍地址": render(g, by_uid[p["reg"]], "hukou"),
                          "联系电话": p["phone"] if g.p(.8) else "",
                          "人员状态": {"active": "正常", "deceased": "死亡", "moved_out": "迁出"}[p["status"]],
                          "变动日期": rand_date(g, 2020) if p["status"] != "active" else "", "更新时间": rand_date(g)})
            p.setdefault("recs", []).append(("police_hukou", key))
            stm.append(("police_hukou", key, "registered", p["reg"]))
        else:
            regs = ([(p["prev_res"], "2019")] if p["prev_res"] else []) + ([(p["res"], "2022")] if g.p(.9) else [])
            for rd, y0 in regs:
                key = f"LS{len(floating):07d}"
                moved = p["status"] == "moved_out" and rd == p["res"]
                idn = p["idn"] if g.p(.96) else typo_id(g, p["idn"])
                floating.append({"登记编号": key, "证件号码": idn, "姓名": p["name"], "性别": "1" if p["male"] else "2",
                                 "出生日期": fmt_date(p["birth"], "iso"), "民族": g.pick(["汉族", "汉族", "壮族", "土家族"]),
                                 "户籍地址": p["reg_text"], "居住地址": render(g, by_uid[rd], "floating"),
                                 "联系电话": p["phone"] if g.p(.85) else f"1{g.pick('3578')}{g.ri(0, 999999999):09d}",
                                 "居住证状态": "注销" if moved else "有效",
                                 "登记日期": rand_date(g, int(y0), int(y0) + 3)})
                p.setdefault("recs", []).append(("floating", key))
                stm.append(("floating", key, "residence", rd))
        if living and res and g.p(.45 if p["kind"] == "local" else .6):
            key = f"CJ{len(grid):07d}"
            no_id = g.p(.2 if p["kind"] == "float" else .08)
            nm = p["name"]
            if g.p(.03) and len(nm) > 1:
                nm = nm[:-1] + g.pick(GIVEN)
            grid.append({"采集编号": key, "身份证号": "" if no_id else (typo_id(g, p["idn"]) if g.p(.04) else p["idn"]),
                         "姓名": nm, "性别": "男" if p["male"] else "女", "出生日期": fmt_date(p["birth"], "slash"),
                         "现住址": render(g, res, "grid"), "联系电话": p["phone"] if g.p(.7) else "",
                         "采集日期": rand_date(g, 2025)})
            p.setdefault("recs", []).append(("grid_survey", key))
            stm.append(("grid_survey", key, "residence", p["res"]))
        if p["status"] != "deceased" and 18 <= age <= 62 and g.p(.65 if p["kind"] == "local" else .5):
            key = f"SB{len(social):07d}"
            if res and p["in_city"] and g.p(.7):
                addr = render(g, res, "social")
                stm.append(("social_insurance", f"SB{len(social):07d}", "residence", p["res"]))
            elif p.get("outside") and g.p(.7):
                addr = p["outside"]
            else:
                addr = ""
            social.append({"个人编号": key, "身份证号": p["idn"], "姓名": p["name"], "性别": "男" if p["male"] else "女",
                           "出生年月": fmt_date(p["birth"], "cn"), "单位名称": g.pick(EMPLOYERS), "联系地址": addr,
                           "手机号码": p["phone"], "更新时间": rand_date(g, 2023)})
            p.setdefault("recs", []).append(("social_insurance", key))

    files = {"police_hukou": (hukou, "gbk"), "floating": (floating, "utf-8"), "grid_survey": (grid, "utf-8"),
             "social_insurance": (social, "gbk"), "real_estate": (title, "utf-8"),
             "rental_housing": (rental, "utf-8"), "grid_house": (ghouse, "utf-8")}
    pr = [(s, k, p["uid"]) for p in people for s, k in p.get("recs", [])]
    properties = ([{"property_uid": x["uid"], "kind": x["kind"], "use": x["use"], "district": x["district"],
                    "canonical": render(g, x, "title")} for x in dw] +
                  [{"property_uid": h["uid"], "kind": "village_house", "use": "residential", "district": h["district"],
                    "canonical": ""} for h in houses])
    write_city(out, files, {"person_records": pr, "persons": pt, "address_statements": stm, "twins": twins,
                            "property_records": prt, "property_owners": owners, "properties": properties})
    (out / "config.yaml").write_text(config_text(
        ["# Independent synthetic Guangzhou (resolve/synth/independent.py). Paths relative to this file."],
        CITY, REGION, SNAPSHOT, SOURCES), encoding="utf-8")
    return {"persons": len(people), "floating_share": round(sum(p["kind"] == "float" for p in people) / len(people), 3),
            "properties": len(dw), "village_houses": len(houses), "twins": len(twins),
            **{f"rows_{k}": len(v[0]) for k, v in files.items()}}


SOURCES = [
    ("police_hukou", "公安局户籍", "person", "gbk",
     {"人员编号": "record_key", "公民身份号码": "id_number", "姓名": "name", "性别": "sex", "出生日期": "birth_date",
      "民族": "ethnicity", "户籍地址": "registered_address", "联系电话": "phone", "人员状态": "status",
      "变动日期": "status_date", "更新时间": "updated_at"},
     {"sex": {"男": "M", "女": "F"}, "status": {"正常": "active", "死亡": "deceased", "迁出": "moved_out"}}),
    ("floating", "来穗人员服务管理局", "person", "utf-8",
     {"登记编号": "record_key", "证件号码": "id_number", "姓名": "name", "性别": "sex", "出生日期": "birth_date",
      "民族": "ethnicity", "户籍地址": "registered_address", "居住地址": "residence_address", "联系电话": "phone",
      "居住证状态": "status", "登记日期": "updated_at"},
     {"sex": {"1": "M", "2": "F"}, "status": {"有效": "active", "注销": "moved_out"}}),
    ("grid_survey", "网格员人口采集", "person", "utf-8",
     {"采集编号": "record_key", "身份证号": "id_number", "姓名": "name", "性别": "sex", "出生日期": "birth_date",
      "现住址": "residence_address", "联系电话": "phone", "采集日期": "updated_at"},
     {"sex": {"男": "M", "女": "F"}}),
    ("social_insurance", "人力资源和社会保障局", "person", "gbk",
     {"个人编号": "record_key", "身份证号": "id_number", "姓名": "name", "性别": "sex", "出生年月": "birth_date",
      "单位名称": "employer_name", "联系地址": "residence_address", "手机号码": "phone", "更新时间": "updated_at"},
     {"sex": {"男": "M", "女": "F"}}),
    ("real_estate", "不动产登记中心", "property", "utf-8",
     {"业务号": "record_key", "不动产单元号": "property_code", "坐落": "address", "行政区": "district", "街道": "street",
      "路名": "road", "门牌号": "door_number", "幢号": "building", "单元": "unit", "房号": "room", "规划用途": "use",
      "建筑面积": "area", "权利人": "owner_name", "权利人证件号": "owner_id_number", "登簿日期": "updated_at"},
     {"use": {"住宅": "residential", "商业": "commercial", "其他": "other"}}),
    ("rental_housing", "来穗人员服务管理局出租屋管理", "property", "utf-8",
     {"出租屋编码": "record_key", "出租屋地址": "address", "所属街道": "street", "房屋类型": "use", "登记日期": "updated_at"},
     {"use": {"住宅": "residential", "商铺": "commercial"}}),
    ("grid_house", "网格员房屋采集", "property", "utf-8",
     {"采集编号": "record_key", "社区": "community", "房屋地址": "address", "房屋用途": "use", "采集时间": "updated_at"},
     {"use": {"出租屋": "residential", "自住房": "residential", "住宅": "residential", "商铺": "commercial",
              "公厕": "public_toilet", "配电房": "power_room"}}),
]
