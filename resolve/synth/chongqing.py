"""An independent synthetic Chongqing (重庆市, region 500000): addresses written the way Chongqing
departments write them, by someone who did not read the product's address code.

重庆 is a municipality: province-level, no prefecture city between it and its districts, so the
config's region_code is the province code "500000" and the districts sit right under it
(渝中区 500103, 沙坪坝区 500106, 九龙坡区 500107, 南岸区 500108, ...). In the Ministry of Civil
Affairs table to 2025-12-31 江北区 (500105) and 渝北区 (500112) are gone and their 街道 belong to
两江新区 (500157); the truth places them there, while documents older than the change (titles,
IDs, what people say) still write 江北区 / 江北 / 渝北区 / 渝北, and older people's IDs carry the
Sichuan-era codes of before 1997 (510202 市中区, 510211 江北区, 510212 沙坪坝区 ...).

The universe (5 districts, real 街道 of each, plausible roads, estates and communities):
- commercial estates (小区 / 花园 / 城) at a road + door number (金山路18号), some in 期 /
  组团 / 街区 (龙湖花园南苑3组团, 融侨半岛二期, 鲁能星城七街区); buildings 5幢 / 5栋 / 5号楼 /
  A栋 / A座, or numbered as doors (金山路18号5号 = building 5); units 2单元; rooms written as
  floor-flat with a dash (12-3 = 12楼3号) or, in newer towers, 1203.
- mountain-city buildings: some have flats below the street entrance, numbered 负1 / 负2
  (负1-2 = floor -1 flat 2); in others the street entrance is on the 3rd-9th floor of the
  property office's numbering, and a few residents count floors from the street (the
  property's 12-3 with the entrance on floor 8 becomes their 5-3).
- old neighbourhoods that are not villages: numbered 村 on a road or standing alone
  (石油路1村, 杨家坪正街3村, 大坪正街2村, 嘉陵一村, 铁路三村, 大庆村, 民主村) with buildings as
  door numbers (石油路1村5号2单元3-1); factory dormitories (重庆发电厂宿舍3栋, 长江电工厂宿舍) and
  大院 at a road door.
- road-side buildings with 附 doors: 民族路188号附3号 is another house than 民族路188号, and
  188号附1号2-1 is its floor 2 flat 1; their ground floors and estate fronts are shops (门面 /
  底商) with 附 doors of their own.
- rural-fringe villages (回兴街道宝圣村, 两路街道长河村, 南山街道双龙村...): 组 (written 社 by
  the people) and house numbers, one household's house each (宝圣村3组15号), renters inside.
- non-dwellings: shops, 公厕 and 配电房 with their own door numbers, estate parking spaces
  (负2层车位125号, titled).

Departments, each writing a property its own way:
- real_estate 不动产登记中心 (utf-8): structured 行政区/街道/路名/门牌号/幢号/单元/房号 plus 坐落
  ("渝中区民族路188号附3号2-1", "两江新区金山路18号5幢2单元12-3", old titles "渝北区..."),
  幢 always, the property floor (负1-2; physical floors in tall slope buildings), 1203 in towers
  that number so; titles flats, shops, parking spaces and about half the village houses.
- rental_housing 住房租赁登记备案 (utf-8): its own 备案编号, one free-text 房屋坐落 from the
  landlord ("龙湖花园南苑3组团5栋2单元12-3", "宝圣村3社15号"), the flats, rooms and houses let to
  floating residents and the shops let.
- grid_house 网格员房屋采集 (utf-8): community first, building-unit-floor-flat dashes
  ("嘉州路社区金山路18号5-2-12-3"), estate name only, X村X社, 公厕 / 配电房 / 门面.
Persons:
- police_hukou 公安户籍 (gbk): locals; 户籍地址 formal ("重庆市渝中区民族路188号附3号2-1",
  "重庆市两江新区回兴街道宝圣村3组15号"), 两江新区 mostly (batch-updated), status 正常/死亡/迁出,
  与户主关系; birth YYYYMMDD.
- floating 流动人口居住登记 (utf-8): floating residents, many from Chongqing's own counties
  (云阳, 开州, 万州...) or Sichuan / Guizhou, some twice (an older registration at an earlier
  address); 居住地址 free text: 重庆 / 重庆市重庆市 / 重庆市市辖区 prefixes, old district names,
  the district without 区, 12楼3号 / 12层3号 / 1203 / 负一楼2号 / -1-2, X村X社, 附近, full-width
  digits, spaces, a typo now and then; birth YYYY-MM-DD.
- grid_survey 网格员人口采集 (utf-8): community first, estate name only, dash chains, Chinese
  numerals, 旁 / 对面 / 轻轨站旁, some with no ID; birth YYYY/M/D.
- social_insurance 社保 (gbk): working-age; 联系地址 often missing, sloppy ("渝北龙溪松石大道88号",
  estate name without building, "观音桥轻轨站旁"), outside-city addresses; birth YYYY年M月D日.
Persons: locals (households, 人户分离 registered at a relative's flat, some living outside the
city, deaths, moves out), floating residents, twins (same birth date and home, names sharing
the surname and the first given character).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from resolve.synth.apart import (
    CN,
    Gen,
    cn,
    config_text,
    fmt_date,
    make_id,
    rand_date,
    typo_id,
    with_check,
    write_city,
)

CITY, REGION, SNAPSHOT = "重庆市", "500000", "2026-10-31"
FW = str.maketrans("0123456789-", "０１２３４５６７８９－")
TYPO = {"桷": "角", "磁": "瓷", "坎": "砍", "碑": "牌", "坪": "平", "渝": "愉", "嘉": "家", "陵": "林", "溪": "西",
        "苑": "园", "杨": "扬", "桥": "侨", "铺": "浦", "碚": "倍", "滨": "宾", "堡": "宝", "馨": "欣", "圣": "胜",
        "融": "荣", "湾": "弯", "锦": "景", "棠": "堂", "岗": "刚", "牌": "排", "港": "岗", "龙": "隆"}

# district -> code, ID code before 1997 (四川省重庆市), streets. A street: its roads, communities,
# light-rail station, old neighbourhoods (kind, name, road or None), villages (rural fringe),
# and (for 两江新区) the district it belonged to before: (name, code).
JB, YB = ("江北区", "500105", "510211"), ("渝北区", "500112", "510227")
GEO = {
    "渝中区": ("500103", "510202", {
        "解放碑街道": dict(roads=["民族路", "民权路", "邹容路", "五一路", "八一路", "新华路"],
                      comms=["民生路社区", "较场口社区", "新华路社区"], station="小什字",
                      old=[("dayuan", "市一医院宿舍", "民族路")]),
        "七星岗街道": dict(roads=["中山一路", "和平路", "金汤街", "领事巷"], comms=["金汤街社区", "领事巷社区", "通远门社区"],
                      station="七星岗", old=[("dayuan", "市政大院", "中山一路")]),
        "大坪街道": dict(roads=["大坪正街", "长江一路", "长江二路", "大黄路"], comms=["大坪正街社区", "马家堡社区", "袁家岗社区"],
                     station="大坪", old=[("cun", "大坪正街2村", "大坪正街"), ("cun", "马家堡新村", None)]),
        "化龙桥街道": dict(roads=["李子坝正街", "嘉陵江滨江路", "红岩村"], comms=["李子坝社区", "大庆村社区", "红岩村社区"],
                      station="李子坝", old=[("cun", "大庆村", None)]),
        "石油路街道": dict(roads=["石油路", "经纬大道", "虎头岩"], comms=["石油路社区", "金银湾社区"], station="石油路",
                      old=[("cun", "石油路1村", "石油路"), ("cun", "石油路2村", "石油路")]),
    }),
    "两江新区": ("500157", None, {
        "观音桥街道": dict(roads=["建新北路", "建新东路", "建新南路", "洋河一路"], comms=["建新东路社区", "嘉陵一村社区", "洋河路社区"],
                      station="观音桥", old=[("cun", "嘉陵一村", None), ("cun", "嘉陵三村", None),
                                           ("sushe", "长安厂宿舍", "建新北路")], before=JB),
        "五里店街道": dict(roads=["五红路", "港城南路", "塔坪路"], comms=["五里店社区", "塔坪社区", "港城社区"], station="五里店",
                      old=[("sushe", "江北机械厂宿舍", "五红路")], before=JB),
        "石马河街道": dict(roads=["盘溪路", "南桥寺路", "红石路"], comms=["南桥寺社区", "盘溪社区", "红石路社区"],
                      station="红旗河沟", old=[("cun", "盘溪一村", None)], before=JB),
        "龙溪街道": dict(roads=["松石大道", "金山路", "嘉州路", "新牌坊一路", "红锦大道"],
                     comms=["嘉州路社区", "松石路社区", "新牌坊社区"], station="嘉州路", old=[], before=YB),
        "回兴街道": dict(roads=["服装城大道", "兰馨大道", "回兴路"], comms=["回兴社区", "兰馨社区"], station="回兴",
                     old=[], villages=["宝圣村", "双湖村"], before=YB),
        "两路街道": dict(roads=["双龙大道", "汉渝路", "空港大道"], comms=["双龙社区", "汉渝路社区"], station="双凤桥",
                     old=[("dayuan", "渝北区粮食局大院", "汉渝路")], villages=["长河村"], before=YB),
    }),
    "沙坪坝区": ("500106", "510212", {
        "小龙坎街道": dict(roads=["小龙坎正街", "小龙坎新街", "汉渝路", "土湾路"], comms=["小龙坎正街社区", "土湾社区", "汉渝路社区"],
                      station="小龙坎", old=[("sushe", "重棉三厂宿舍", "土湾路")]),
        "磁器口街道": dict(roads=["磁器口正街", "金碧正街", "童家桥路"], comms=["磁器口社区", "金碧社区", "童家桥社区"],
                      station="磁器口", old=[("sushe", "重庆特殊钢厂宿舍", "童家桥路")]),
        "天星桥街道": dict(roads=["天星桥正街", "沙南街", "石碾盘"], comms=["天星桥社区", "沙南街社区", "石碾盘社区"],
                      station="沙坪坝", old=[("cun", "沙南街1村", "沙南街")]),
    }),
    "九龙坡区": ("500107", "510213", {
        "杨家坪街道": dict(roads=["杨家坪正街", "西郊路", "前进路", "兴胜路", "直港大道"],
                      comms=["杨家坪正街社区", "西郊路社区", "前进路社区"], station="杨家坪",
                      old=[("cun", "杨家坪正街3村", "杨家坪正街"), ("cun", "民主村", None)]),
        "石桥铺街道": dict(roads=["石杨路", "科园一路", "科园二路", "渝州路"], comms=["石桥铺社区", "科园社区", "渝州路社区"],
                      station="石桥铺", old=[("sushe", "空压厂宿舍", "石杨路")]),
        "黄桷坪街道": dict(roads=["黄桷坪正街", "黄桷坪新街", "坦克库路"], comms=["黄桷坪正街社区", "电厂社区", "铁路三村社区"],
                      station="黄桷坪", old=[("cun", "铁路三村", None), ("sushe", "重庆发电厂宿舍", "黄桷坪正街")]),
    }),
    "南岸区": ("500108", "510214", {
        "南坪街道": dict(roads=["南坪正街", "江南大道", "响水路", "南坪西路"], comms=["南坪正街社区", "响水路社区", "江南社区"],
                     station="南坪", old=[("cun", "南坪西路2村", "南坪西路")]),
        "铜元局街道": dict(roads=["南滨路", "铜元局正街", "烟雨路"], comms=["铜元局社区", "南滨社区"], station="铜元局",
                      old=[("sushe", "长江电工厂宿舍", "铜元局正街")]),
        "花园路街道": dict(roads=["花园路", "南城大道", "学府大道"], comms=["花园路社区", "四公里社区", "五公里社区"],
                      station="四公里", old=[("dayuan", "南岸区委大院", "花园路")]),
        "南山街道": dict(roads=["黄桷垭正街", "南山路"], comms=["黄桷垭社区"], station=None, old=[],
                     villages=["双龙村", "放牛村"]),
    }),
}
# estates: (name, street, road, division: None | "期" | "组团" | "街区")
ESTATES = [("时代天街", "大坪街道", "长江二路", None), ("重庆天地", "化龙桥街道", "嘉陵江滨江路", "期"),
           ("融创白象街", "解放碑街道", "新华路", None), ("日月光中心", "七星岗街道", "中山一路", None),
           ("龙湖花园南苑", "龙溪街道", "金山路", "组团"), ("加州花园", "龙溪街道", "松石大道", None),
           ("鲁能星城", "龙溪街道", "红锦大道", "街区"), ("洋河花园", "观音桥街道", "洋河一路", None),
           ("香港城", "观音桥街道", "建新北路", "期"), ("保利江上明珠", "五里店街道", "港城南路", "期"),
           ("金科天籁城", "石马河街道", "盘溪路", "期"), ("兰馨家园", "回兴街道", "兰馨大道", None),
           ("空港乐园", "两路街道", "双龙大道", "期"), ("金沙港湾", "小龙坎街道", "小龙坎新街", None),
           ("金碧嘉园", "磁器口街道", "金碧正街", None), ("天星华庭", "天星桥街道", "沙南街", None),
           ("华润二十四城", "杨家坪街道", "兴胜路", "期"), ("华宇西城丽景", "石桥铺街道", "石杨路", None),
           ("朗晴广场", "石桥铺街道", "科园二路", None), ("融侨半岛", "铜元局街道", "南滨路", "期"),
           ("上海城", "南坪街道", "响水路", None), ("城南家园", "花园路街道", "南城大道", None),
           ("阳光100", "南坪街道", "江南大道", None), ("渝能国际", "大坪街道", "大坪正街", None)]
HOMETOWNS = [("500235", "重庆市云阳县双江街道"), ("500154", "重庆市开州区汉丰街道"), ("500101", "重庆市万州区高笋塘街道"),
             ("500236", "重庆市奉节县永安街道"), ("500233", "重庆市忠县忠州街道"), ("500242", "重庆市酉阳土家族苗族自治县钟多街道"),
             ("511602", "四川省广安市广安区浓洄街道"), ("511321", "四川省南部县南隆街道"), ("511722", "四川省宣汉县东乡街道"),
             ("520304", "贵州省遵义市播州区南白街道"), ("520524", "贵州省织金县双堰街道")]
OUTSIDE = ["四川省成都市武侯区桂溪街道天府大道北段{}号", "成都市高新区天府三街{}号", "四川省广安市广安区建设路{}号",
           "贵州省遵义市汇川区上海路{}号", "深圳市宝安区西乡街道宝民一路{}号"]
SURNAMES = list("陈李张刘王杨黄周吴何谭罗邓冉向蒋唐彭胡熊徐冯曾游余秦袁付程朱郑江田") + ["欧阳", "上官"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华文建国志俊欣怡宇轩浩涵琪晓锦荣辉颖婷佳鑫渝川蓉")
EMPLOYERS = ["重庆长安汽车股份有限公司", "重庆市渝中区某某商贸有限公司", "重庆轨道交通（集团）有限公司",
             "重庆小天鹅餐饮有限公司", "重庆建工集团股份有限公司", "重庆市沙坪坝区某某物流有限公司", "重庆百货大楼股份有限公司"]


# ---------------------------------------------------------------- the property universe
class Doors:
    """Door numbers in use on each road, so no two places share road + door + 附."""

    def __init__(self, g: Gen):
        self.g, self.used = g, {}

    def new(self, road: str, lo=1, hi=400) -> int:
        used = self.used.setdefault(road, {})
        while True:
            d = self.g.ri(lo, hi)
            if d not in used:
                used[d] = 0
                return d

    def fu(self, road: str, door: int) -> int:
        self.used[road][door] += 1
        return self.used[road][door]


def slope(g: Gen, neg_p: float, high_p: float, floors: int):
    """(floors below the street numbered 负k, entrance floor of a building numbered from its foot)."""
    r = g.rng.random()
    if r < neg_p:
        return g.pick([1, 1, 2, 3]), 1
    if r < neg_p + high_p and floors >= 8:
        return 0, g.ri(3, min(9, floors - 3))
    return 0, 1


def flats(base, floors: int, units: int, rpf: int, neg: int):
    out = []
    for u in range(1, units + 1):
        for f in [-k for k in range(neg, 0, -1)] + list(range(1, floors + 1)):
            for i in range(1, rpf + 1):
                out.append(dict(base, u=u, f=f, i=i))
    return out


def build_universe(g: Gen, n_persons: int):
    doors = Doors(g)
    props, houses = [], []
    scale = n_persons / 3000
    street_list = [(d, s) for d, (_, _, ss) in GEO.items() for s in ss]

    def where(d, s, comm=None):
        code, _, ss = GEO[d]
        st = ss[s]
        before = st.get("before")
        return dict(district=d, dcode=code, street=s, community=comm or g.pick(st["comms"]), station=st["station"],
                    old=before[0] if before else None, oldcode=before[1] if before else None)

    def district_of(s):
        return next(d for d, ss in street_list if ss == s)

    # estates
    n_est = max(8, int(round(len(ESTATES) * min(1.0, .4 * scale))))
    chosen = [ESTATES[int(k)] for k in sorted(g.rng.choice(len(ESTATES), n_est, replace=False))]
    for est_name, s, road, division in chosen:
        d = district_of(s)
        door = doors.new(road)
        base = dict(where(d, s), kind="estate", use="residential", est=est_name, road=road, door=door, fu=None,
                    bstyle=g.pick(["栋", "幢", "号楼", "号", "L栋", "L座"], [.35, .15, .1, .15, .1, .15]),
                    roomstyle=g.pick(["dash", "num"], [.65, .35]))
        parts = [None]
        if division == "期":
            parts = [g.pick(["一期", "二期", "三期"])] if g.p(.5) else ["一期", "二期"]
        elif division in ("组团", "街区"):
            parts = [int(k) for k in sorted(g.rng.choice(np.arange(1, 8), g.ri(1, 2), replace=False))]
        nb = 0
        for part in parts:
            if division != "期":
                nb = 0     # 组团 and 街区 number their buildings afresh; phases run on
            for b in range(nb + 1, nb + g.ri(2, 3) + 1):
                nb = b
                tower = g.p(.25)
                floors = g.ri(18, 26) if tower else g.ri(6, 14)
                units = 1 if tower else g.pick([1, 2, 2, 3])
                rpf = g.ri(3, 4) if tower else g.ri(2, 4)
                neg, entrance = slope(g, .15, .15, floors)
                x = dict(base, part=part, division=division, b=b, units=units, rpf=rpf, neg=neg, E=entrance,
                         floors=floors, bid=f"E{len(houses)}")
                houses.append(x)
                props += flats(x, floors, units, rpf, neg)
        for k in range(g.ri(2, 5)):   # 底商 with 附 doors of their own
            props.append(dict(base, kind="shop", use="commercial", fu=doors.fu(road, door), f=1, host=est_name,
                              shop="底商"))
        props.append(dict(base, kind="power", use="power_room", fu=doors.fu(road, door), f=1))
        for k in range(g.ri(4, 10)):  # parking spaces in the garage under the estate
            props.append(dict(base, kind="parking", use="parking", part=parts[0], division=division,
                              f=-g.ri(1, 2), i=g.ri(1, 300) * 10 + k, fu=None))
    # old neighbourhoods: numbered 村, dormitories and 大院
    for d, (_, _, ss) in GEO.items():
        for s, st in ss.items():
            for kind, name, road in st["old"]:
                if not g.p(min(1.0, .55 * scale)):
                    continue
                w = where(d, s)
                door = doors.new(road) if kind != "cun" else None
                for b in sorted(int(k) for k in g.rng.choice(np.arange(1, 30), g.ri(1, 3), replace=False)):
                    floors, units, rpf = g.ri(4, 7), g.pick([1, 1, 2, 3]), g.ri(2, 3)
                    neg, entrance = slope(g, .25, .15, floors)
                    x = dict(w, kind="oldnb", use="residential", okind=kind, oname=name, road=road, door=door, fu=None,
                             b=b, units=units, rpf=rpf, neg=neg, E=entrance, floors=floors, roomstyle="dash",
                             bid=f"O{len(houses)}")
                    houses.append(x)
                    props += flats(x, floors, units, rpf, neg)
    # road-side buildings with 附 doors, their shops, public toilets
    n_street = max(12, int(28 * scale))
    for k in range(n_street):
        d, s = street_list[k % len(street_list)] if k < len(street_list) else g.pick(street_list)
        st = GEO[d][2][s]
        road = g.pick(st["roads"])
        door = doors.new(road)
        w = where(d, s)
        siblings = [None] + ([doors.fu(road, door) for _ in range(g.ri(1, 3))] if g.p(.7) else [])
        if g.p(.3) and len(siblings) > 1:
            siblings = siblings[1:]   # the main number is a yard or gone: only its 附 houses stand
        for fu in siblings:
            floors = g.ri(3, 8)
            rpf = g.pick([1, 2, 3, 4], [.3, .35, .25, .1])
            neg, entrance = slope(g, .3 if d == "渝中区" else .15, .1, floors)
            x = dict(w, kind="street", use="residential", road=road, door=door, fu=fu, b=None, units=1, rpf=rpf,
                     neg=neg, E=entrance, floors=floors, roomstyle="dash", bid=f"S{len(houses)}")
            houses.append(x)
            props += flats(x, floors, 1, rpf, neg)
        for _ in range(g.ri(0, 2)):
            props.append(dict(w, kind="shop", use="commercial", road=road, door=door, fu=doors.fu(road, door),
                              f=-1 if g.p(.15) else 1, host=None, shop="门面"))
    for d, (_, _, ss) in GEO.items():
        for s, st in ss.items():
            road = g.pick(st["roads"])
            props.append(dict(where(d, s), kind="toilet", use="public_toilet", road=road, door=doors.new(road), fu=None,
                              f=1))
    # rural-fringe villages: 组 and house numbers, one house one dwelling
    villages = [(d, s, v) for d, (_, _, ss) in GEO.items() for s, st in ss.items() for v in st.get("villages", [])]
    n_rural = max(20, int(60 * scale))
    used = set()
    for k in range(n_rural):
        d, s, v = villages[k % len(villages)]
        grp, hno = g.ri(1, 8), g.ri(1, 60)
        if (v, grp, hno) in used:
            continue
        used.add((v, grp, hno))
        x = dict(where(d, s, comm=v), kind="rural", use="residential", village=v, grp=grp, hno=hno,
                 floors=g.ri(2, 4), road=None, door=None, fu=None, f=None, bid=f"R{len(houses)}")
        houses.append(x)
        props.append(x)
    for d, s, v in villages:
        for kind, use in (("toilet", "public_toilet"), ("power", "power_room")):
            grp, hno = g.ri(1, 8), g.ri(61, 90)
            props.append(dict(where(d, s, comm=v), kind=kind, use=use, village=v, grp=grp, hno=hno, road=None,
                              door=None, fu=None, f=1))
    for n, x in enumerate(props):
        x["uid"] = f"P{n:06d}"
    return props


# ---------------------------------------------------------------- writing an address
STYLES = {
    # prefix, district (full, short, none), old: share writing the pre-2025 district for 两江新区
    "title": dict(prefix={"": .6, "重庆市": .4}, dist=(1, 0, 0), old=0, street=.1, community=0,
                  est=dict(road=.65, road_est=.35, est=0), rooms={"prop": 1}, bconv=0, unit_drop=0),
    "hukou": dict(prefix={"重庆市": .92, "": .08}, dist=(1, 0, 0), old=.25, street=.4, street_short=0, community=0,
                  est=dict(road=.7, road_est=.3, est=0), rooms={"dash": .7, "dash_hao": .2, "lou_hao": .1},
                  bconv=.6, unit_drop=.02, she=0, typo=.005),
    "rental": dict(prefix={"": .55, "重庆市": .45}, dist=(.85, .05, .1), old=.45, street=.4, street_short=.3,
                   community=0, est=dict(road=.35, road_est=.35, est=.3),
                   rooms={"dash": .65, "dash_hao": .15, "lou_hao": .1, "num": .1}, bconv=.5, unit_drop=.05, she=.5,
                   typo=.01, space=.02),
    "grid_house": dict(prefix={"": 1}, dist=(.05, .05, .9), old=.3, street=0, community=.95,
                       est=dict(road=.4, road_est=.1, est=.5), chain=.4,
                       rooms={"dash": .6, "lou_hao": .2, "dash_hao": .1, "cn_lou": .1}, bconv=.6, unit_drop=.1,
                       she=.7, drop_cun=.2, cnum=.15, typo=.02, fw=.02, space=.03, street_floor=.1),
    "floating": dict(prefix={"重庆市": .45, "": .3, "重庆": .1, "重庆市重庆市": .08, "重庆市市辖区": .07},
                     dist=(.6, .25, .15), old=.6, street=.4, street_short=.5, community=.1,
                     est=dict(road=.3, road_est=.35, est=.35), chain=.05,
                     rooms={"dash": .4, "dash_hao": .15, "lou_hao": .15, "num": .1, "ceng_hao": .1, "cn_lou": .05,
                            "num_shi": .05},
                     bconv=.6, unit_drop=.12, she=.6, drop_cun=.1, drop_group=.05, cnum=.1, typo=.03, fw=.05,
                     space=.05, near=.03, street_floor=.12, fu_forms={"std": .8, "nohao": .15, "drop": .05}),
    "grid": dict(prefix={"": .85, "重庆市": .15}, dist=(.1, .1, .8), old=.5, street=.05, street_short=.8, community=.85,
                 est=dict(road=.2, road_est=.2, est=.6), chain=.3,
                 rooms={"dash": .45, "lou_hao": .2, "dash_hao": .1, "num": .1, "cn_lou": .1, "ceng_hao": .05},
                 bconv=.6, unit_drop=.2, she=.8, drop_cun=.25, drop_group=.05, cnum=.2, typo=.04, fw=.04, space=.1,
                 near=.04, street_floor=.15, fu_forms={"std": .75, "nohao": .2, "drop": .05}),
    "social": dict(prefix={"重庆": .3, "重庆市": .3, "": .4}, dist=(.4, .45, .15), old=.7, street=.15, street_short=.8,
                   community=0, est=dict(road=.3, road_est=.2, est=.5), chain=0,
                   rooms={"dash": .4, "num": .25, "lou_hao": .15, "cn_lou": .1, "dash_hao": .1},
                   bconv=.7, unit_drop=.35, she=.7, drop_cun=.3, drop_group=.1, cnum=.15, typo=.03, fw=.03,
                   space=.08, near=.06, station=.06, no_room=.12, street_floor=.15,
                   fu_forms={"std": .7, "nohao": .2, "drop": .1}),
}


def floor_word(f: int, minus: bool = False) -> str:
    return (f"-{-f}" if minus else f"负{-f}") if f < 0 else str(f)


def room_text(g: Gen, x, st, f: int) -> str:
    """Floor f (as the writer counts it) and flat i in the department's form."""
    i = x["i"]
    if st["rooms"] == {"prop": 1}:
        return f"{floor_word(f)}{i:02d}" if x["roomstyle"] == "num" and f > 0 else f"{floor_word(f)}-{i}"
    form = g.pickd(st["rooms"])
    if x["roomstyle"] == "num" and f > 0 and form == "dash" and g.p(.6):
        form = "num"   # the tower's own 1203 is what most people copy
    if x["kind"] != "estate" and x.get("rpf") == 1 and g.p(.5):   # one flat a floor: the floor is the flat
        return (cn(f) if g.p(.3) else floor_word(f)) + "楼"
    if f < 0:
        form = form if form in ("dash", "lou_hao", "ceng_hao", "cn_lou", "dash_hao") else "dash"
        minus = g.p(.15) and form in ("dash", "lou_hao")
        fw_ = floor_word(f, minus)
    else:
        fw_ = str(f)
    return {"dash": f"{fw_}-{i}", "dash_hao": f"{fw_}-{i}号", "lou_hao": f"{fw_}楼{i}号", "ceng_hao": f"{fw_}层{i}号",
            "num": f"{f}{i:02d}", "num_shi": f"{f}{i:02d}室", "cn_lou": f"{cn(f)}楼{i}号"}[form]


def building_text(g: Gen, x, st, prop: bool) -> str:
    b, style = x["b"], x["bstyle"]
    letter = "ABCDEFG"[b - 1]
    if prop:
        return f"{letter}幢" if style.startswith("L") else f"{b}幢"
    if style.startswith("L"):
        return letter + (style[1] if not g.p(st.get("bconv", 0) * .3) else "栋")
    num = cn(b) if g.p(st.get("cnum", 0)) else str(b)
    if style == "幢" and g.p(st.get("bconv", 0)):
        return f"{num}栋"
    if style == "号楼" and g.p(st.get("bconv", 0) * .5):
        return f"{num}栋"
    if style == "号" and g.p(st.get("bconv", 0) * .3):
        return f"{num}栋"
    return f"{num}{style}"


def part_text(g: Gen, x, st) -> str:
    part, division = x.get("part"), x.get("division")
    if part is None or g.p(st.get("phase_drop", .15) if st["rooms"] != {"prop": 1} else 0):
        return ""
    if division == "期":
        return part if not g.p(st.get("cnum", 0) + .1) else {"一期": "1期", "二期": "2期", "三期": "3期"}[part]
    if division == "组团":
        return (cn(part) if g.p(.2) else str(part)) + "组团"
    return (cn(part) if g.p(.7) else str(part)) + "街区"


def door_text(g: Gen, x, st) -> str:
    d, fu = x["door"], x.get("fu")
    if not fu:
        return f"{x['road']}{d}号"
    form = g.pickd(st.get("fu_forms", {"std": 1}))
    if form == "drop" and x["kind"] not in ("shop", "power"):
        return f"{x['road']}{d}号"   # a sloppy writer leaves the 附 out
    if form == "nohao":
        return f"{x['road']}{d}附{fu}号"
    return f"{x['road']}{d}号附{fu}号"


def written_floor(g: Gen, x, st) -> int:
    """The floor as this writer counts it: a few count from the street entrance."""
    f, e = x["f"], x.get("E", 1)
    if e > 1 and g.p(st.get("street_floor", 0)):
        return f - e + 1 if f >= e else f - e
    return f


def body(g: Gen, x, st) -> list[str]:
    prop = st["rooms"] == {"prop": 1}
    k = x["kind"]
    if k == "rural" or (k in ("toilet", "power") and x.get("village")):
        v = x["village"]
        if g.p(st.get("drop_cun", 0)):
            v = v[:-1]
        grp = cn(x["grp"]) if g.p(st.get("cnum", 0)) else str(x["grp"])
        grp += "社" if g.p(st.get("she", 0)) else "组"
        if g.p(st.get("drop_group", 0)):
            grp = ""
        parts = [v + grp, f"{x['hno']}号"]
        if k != "rural":
            return parts + [{"toilet": "公厕", "power": "配电房"}[k]]
        if not prop and g.p(.1):
            parts.append(g.pick(["1楼", "2楼", "二楼"]))
        return parts
    if k in ("shop", "toilet", "power"):
        parts = [door_text(g, x, dict(st, fu_forms={"std": .8, "nohao": .2}))]
        if k == "shop" and x.get("host") and g.p(.3) and not prop:
            parts = [x["host"]] + parts if g.p(.5) else parts + [x["host"]]
        if k == "shop":
            if x["f"] < 0 and not prop:
                parts.append(g.pick(["负1楼", "-1F", "负一楼"]))
            return parts + ([g.pick([x["shop"], "门面", "商铺"])] if not prop else [])
        return parts + [{"toilet": "公厕", "power": "配电房"}[k]]
    if k == "parking":
        part = part_text(g, x, st)
        return [f"{x['road']}{x['door']}号", x["est"] + part, f"负{-x['f']}层车位{x['i']}号"]
    # a flat: estate, old neighbourhood or road-side building
    f = written_floor(g, x, st)
    chain = g.p(st.get("chain", 0))
    unit = x["units"] > 1 and not (g.p(st.get("unit_drop", 0)))
    if k == "estate":
        form = g.pickd(st["est"])
        if prop and x.get("division") in ("组团", "街区"):
            form = "road_est"    # building numbers restart in every 组团: the title names it
        est = x["est"] + part_text(g, x, st)
        head = []
        if form in ("road", "road_est"):
            head.append(f"{x['road']}{x['door']}号")
        if form in ("road_est", "est") or (form == "road" and x.get("part") is not None and not prop and g.p(.5)):
            head.append(est)
        if chain and f > 0:
            b = "ABCDEFG"[x["b"] - 1] if x["bstyle"].startswith("L") else str(x["b"])
            return head + ["-".join([b] + ([str(x["u"])] if unit else []) + [str(f), str(x["i"])])]
        parts = head + [building_text(g, x, st, prop)]
    elif k == "oldnb":
        name = x["oname"]
        if not prop and g.p(st.get("cnum", 0) + .1) and name[-2].isdigit():
            name = name[:-2] + cn(int(name[-2])) + "村"         # 石油路1村 -> 石油路一村
        elif not prop and g.p(st.get("cnum", 0)) and name[-2] in CN[1:10]:
            name = name[:-2] + str(CN.index(name[-2])) + "村"   # 嘉陵一村 -> 嘉陵1村
        if x["okind"] == "cun":
            head = [name]
            b = f"{x['b']}号"
        else:
            door = f"{x['road']}{x['door']}号"
            head = [door] if prop and not g.p(.3) else ([door, name] if g.p(.5) else [name])
            b = f"{x['b']}幢" if prop else (f"{x['b']}栋" if g.p(.8) else f"{x['b']}幢")
        if chain and f > 0:
            tail = "-".join(([str(x["u"])] if unit else []) + [str(f), str(x["i"])])
            return head + [f"{b}{tail}" if x["okind"] == "cun" else f"{b[:-1]}-{tail}"]
        parts = head + [b]
    else:   # road-side building: the door (with its 附) is the building
        parts = [door_text(g, x, st)]
        unit = False
    if unit:
        u = x["u"]
        if prop:
            parts.append(f"{u}单元")
        elif g.p(.15) and f > 0 and not chain:
            return parts + [f"{u}-{f}-{x['i']}"]     # unit-floor-flat
        else:
            parts.append(f"{cn(u) if g.p(st.get('cnum', 0)) else u}单元")
    return parts + [room_text(g, x, st, f)]


def render(g: Gen, x, style: str) -> str:
    st = STYLES[style]
    parts = [g.pickd(st["prefix"])]
    dmode = g.pick(["full", "short", "none"], st["dist"])
    dist = x["old"] if x["old"] and g.p(st.get("old", 0)) else x["district"]
    if dmode == "full":
        parts.append(dist)
    elif dmode == "short":
        parts.append(dist[:-2] if dist.endswith("新区") else dist[:-1])
    if g.p(st.get("street", 0)):
        parts.append(x["street"][:-2] if g.p(st.get("street_short", 0)) else x["street"])
    comm = g.p(st.get("community", 0)) and x["community"] != x.get("village")
    if comm:
        parts.append(x["community"])
    b = body(g, x, st)
    if g.p(st.get("station", 0)) and x.get("station"):
        b = [f"{x['station']}轻轨站旁"] + ([x["est"]] if x.get("est") else b[:1])
    elif g.p(st.get("near", 0)) and x["kind"] != "rural":
        b = b[:-1] + [g.pick(["附近", "旁", "对面"])]
    elif g.p(st.get("no_room", 0)) and x["kind"] in ("estate", "oldnb") and len(b) > 1:
        b = b[:-1] if g.p(.6) else b[:1]
    parts += b
    sep = " " if g.p(st.get("space", 0)) else ""
    s = sep.join(p.strip() for p in parts if p)
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
    s = surname or g.pick(SURNAMES, [6 if len(x) == 1 else .3 for x in SURNAMES])
    given = "".join(g.pick(GIVEN) for _ in range(g.pick([1, 2], [.25, .75])))
    return s, s + given


def id_region(g: Gen, x, birth_year: int) -> str:
    """The division code a local was first registered under: Sichuan-era before 1997, the old
    district's code for 两江新区 before 2025."""
    code, sichuan, _ = GEO[x["district"]]
    if x["old"]:
        old = JB if x["old"] == "江北区" else YB
        return old[2] if birth_year < 1997 else (old[1] if birth_year < 2025 else code)
    return sichuan if birth_year < 1997 else code


def make_person(g: Gen, uid, surname, birth_year, kind, region, birth=None, name=None):
    sur, nm = name_of(g, surname)
    male = g.p(.5)
    birth = birth or f"{birth_year}{g.ri(1, 12):02d}{g.ri(1, 28):02d}"
    return dict(uid=uid, surname=sur, name=name or nm, male=male, birth=birth,
                idn=make_id(region(int(birth[:4])) if callable(region) else region, birth, g.ri(0, 999), male),
                phone=f"1{g.pick('3578')}{g.ri(0, 999999999):09d}", kind=kind, status="active", in_city=True, res=None,
                reg=None, reg_text=None, prev_res=None, rel="户主")


def twin_name(g: Gen, p) -> str:
    given = p["name"][len(p["surname"]):]
    first = given[0] if len(given) == 2 else g.pick(GIVEN)
    other = g.pick([c for c in GIVEN if c not in given])
    return p["surname"] + first + other


def twin_id(g: Gen, sibling: str, male: bool) -> str:
    """The next sequence number after the sibling's, with the twin's sex parity."""
    digits = [d for d in range(10) if d % 2 == (1 if male else 0) and d != int(sibling[16])]
    return with_check(sibling[:16] + str(g.pick(digits)))


def build_people(g: Gen, props, n_persons: int):
    pools = {k: [x for x in props if x["kind"] == k] for k in ("estate", "oldnb", "street", "rural")}
    for v in pools.values():
        g.rng.shuffle(v)
    taken: set[str] = set()
    people, twins = [], []
    nid = iter(range(10 ** 7))

    def free(kind):
        pool = pools[kind]
        while pool:
            x = pool.pop()
            if x["uid"] not in taken:
                taken.add(x["uid"])
                return x
        return None

    def household(d, kind, size):
        hometown = g.pick(HOMETOWNS) if kind == "float" else None
        region = hometown[0] if hometown else (lambda y: id_region(g, d, y))
        sur = g.pick(SURNAMES, [6 if len(x) == 1 else .3 for x in SURNAMES])
        head_year = g.ri(1945, 1998) if kind == "local" else g.ri(1970, 2004)
        out = []
        for k in range(size):
            if k == 0:
                p = make_person(g, f"U{next(nid):06d}", sur, head_year, kind, region)
            elif k == 1 and g.p(.7):
                p = make_person(g, f"U{next(nid):06d}", None, head_year + g.ri(-4, 4), kind, region)
                p["rel"] = "配偶"
            else:
                p = make_person(g, f"U{next(nid):06d}", sur, min(2025, head_year + g.ri(22, 35)), kind, region)
                p["rel"] = "子" if p["male"] else "女"
                if g.p(.05) and len(out):   # twins: same surname, birth date and home, similar names
                    t = make_person(g, f"U{next(nid):06d}", sur, 0, kind, region, birth=p["birth"])
                    t["name"], t["rel"] = twin_name(g, p), ("子" if t["male"] else "女")
                    t["idn"] = twin_id(g, p["idn"], t["male"])
                    out.append(t)
                    twins.append((p["uid"], t["uid"]))
            out.append(p)
        for p in out:
            p["res"], p["hometown"] = d["uid"], hometown
        return out

    n_local = int(n_persons * g.rng.uniform(.55, .65))
    while len(people) < n_local:
        kind = g.pick(["estate", "oldnb", "street", "rural"], [.55, .25, .1, .1])
        d = free(kind) or free("estate") or free("oldnb")
        if d is None:
            break
        people += household(d, "local", g.pick([1, 2, 3, 4, 5], [.2, .3, .28, .17, .05]))
    homes = list(dict.fromkeys(p["res"] for p in people))
    for p in people:
        p["reg"] = p["res"]
    for p in people:
        r = g.rng.random()
        if r < .17:   # 人户分离: registered at a relative's home in the city
            p["reg"] = g.pick(homes)
        elif r < .22:  # lives outside the city, the hukou stays
            p["res"], p["in_city"] = None, False
            p["outside"] = g.pick(OUTSIDE).format(g.ri(1, 300))
        elif r < .26 and int(p["birth"][:4]) < 1965:
            p["status"], p["in_city"] = "deceased", False
        elif r < .275:
            p["status"], p["in_city"] = "moved_out", False
    rural_homes = [x for x in props if x["kind"] == "rural"]
    rentable = [x for x in props if x["kind"] in ("oldnb", "street")]
    while len(people) < n_persons:
        kind = g.pick(["rural", "oldnb", "street", "estate"], [.25, .3, .15, .3])
        if kind == "rural":
            d = g.pick(rural_homes)     # rooms let in a village house: the house is the home
        else:
            d = free(kind) or free("estate") or free("oldnb")
            if d is None:
                break
        hh = household(d, "float", g.pick([1, 2, 3], [.45, .35, .2]))
        for p in hh:
            p["reg_text"] = p["hometown"][1] + g.pick(["", f"{g.pick(['新华', '人民', '建设'])}路{g.ri(1, 200)}号",
                                                       f"{g.pick(['石桥', '龙泉', '桂花', '青杠'])}村{g.ri(1, 9)}组"])
            if g.p(.12):   # an older registration at an earlier address
                prev = g.pick(rentable + rural_homes)
                if prev["uid"] != d["uid"]:
                    p["prev_res"] = prev["uid"]
            if g.p(.05):
                p["status"], p["in_city"] = "moved_out", False
        people += hh
    return people, twins


# ---------------------------------------------------------------- writing the extracts
def title_row(g: Gen, x, key: str, own, n: int) -> dict:
    """One 不动产登记 record: the structured columns and the 坐落."""
    k = x["kind"]
    date = rand_date(g, 1998 if k != "rural" else 1995, 2026)
    old = x["old"] is not None and int(date[:4]) < 2025
    dcode = x["oldcode"] if old else x["dcode"]
    road, dn, bld, unit, room = x.get("road") or "", "", "", "", ""
    if k in ("estate", "oldnb", "street"):
        room = f"{floor_word(x['f'])}{x['i']:02d}" if x["roomstyle"] == "num" and x["f"] > 0 else \
            f"{floor_word(x['f'])}-{x['i']}"
        unit = f"{x['u']}单元" if x["units"] > 1 else ""
    if k == "estate":
        dn, bld = f"{x['door']}号", building_text(g, x, STYLES["title"], True)
    elif k == "oldnb":
        if x["okind"] == "cun":
            name = x["oname"]
            road, dn = (x["road"], name[len(x["road"]):] + f"{x['b']}号") if x["road"] else (name, f"{x['b']}号")
        else:
            dn, bld = f"{x['door']}号", f"{x['b']}幢"
    elif k in ("street", "shop"):
        dn = f"{x['door']}号" + (f"附{x['fu']}号" if x["fu"] else "")
        if k == "shop" and x["f"] < 0:
            room = "负1层"
    elif k == "parking":
        dn, bld, room = f"{x['door']}号", "地下车库", f"负{-x['f']}层{x['i']}号车位"
    elif k == "rural":
        road, dn = x["village"], f"{x['grp']}组{x['hno']}号"
    use = {"estate": "成套住宅", "oldnb": "成套住宅", "street": "住宅", "shop": "商业服务", "parking": "车库",
           "rural": "农村宅基地住宅"}[k]
    sx = dict(x, old=x["old"] if old and g.p(.8) else None)
    zl = render(g, sx, "title")
    area = {"parking": (10, 15), "shop": (15, 120), "rural": (80, 300)}.get(k, (25, 160))
    code = f"{dcode}{g.ri(1, 30):03d}{g.ri(1, 40):03d}{'JC' if k == 'rural' else 'GB'}{g.ri(1, 99999):05d}F{n:08d}"
    return {"业务号": key, "不动产单元号": code, "坐落": zl, "行政区": x["old"] if old and g.p(.5) else x["district"],
            "街道": x["street"] if g.p(.7) else "", "路名": road, "门牌号": dn, "幢号": bld, "单元": unit, "房号": room,
            "规划用途": use, "建筑面积": round(float(g.rng.uniform(*area)), 2),
            "权利人": own["name"] if own else ("" if k != "rural" else name_of(g)[1]),
            "权利人证件号": own["idn"] if own else "", "登簿日期": date}


def generate(out_dir, seed: int = 1, n_persons: int = 3000) -> dict:
    out = Path(out_dir)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    g = Gen(seed)
    props = build_universe(g, n_persons)
    by_uid = {x["uid"]: x for x in props}
    people, twins = build_people(g, props, n_persons)
    pt, prt, owners, stm = [], [], [], []
    occupied = {p["res"] for p in people if p["res"]}
    floater_home = {p["res"] for p in people if p["res"] and p["kind"] == "float"} | \
                   {p["prev_res"] for p in people if p["prev_res"]}
    locals_ = [p for p in people if p["kind"] == "local"]
    head_of = {}
    for p in locals_:
        if p["rel"] == "户主" and p["res"]:
            head_of.setdefault(p["res"], p)

    # ---- property departments
    title, rental, ghouse = [], [], []
    for x in props:
        u, k = x["uid"], x["kind"]
        cover = {"estate": .92, "oldnb": .85, "street": .8, "shop": .85, "parking": 1, "rural": .45}.get(k, 0)
        if g.p(cover):
            key = f"500{len(title):09d}"
            own = head_of.get(u) if g.p(.7) else None
            if own is None and k != "rural" and g.p(.6):
                own = g.pick(locals_)
            title.append(title_row(g, x, key, own, len(title)))
            prt.append(("real_estate", key, u))
            if own:
                owners.append(("real_estate", key, own["uid"], "", "true"))
        if (k in ("oldnb", "street", "rural") and (u in floater_home and g.p(.82) or g.p(.06))) or \
                (k == "estate" and (u in floater_home and g.p(.75) or g.p(.03))) or (k == "shop" and g.p(.35)):
            key = f"ZLBA{x['dcode']}{len(rental):06d}"
            rental.append({"备案编号": key, "房屋坐落": render(g, x, "rental"), "所属区县": x["district"],
                           "所属街道": x["street"], "房屋性质": "门面" if k == "shop" else "住宅",
                           "出租人": name_of(g)[1], "租赁面积": round(float(g.rng.uniform(12, 120)), 1),
                           "备案日期": rand_date(g)})
            prt.append(("rental_housing", key, u))
        if (k in ("oldnb", "street", "rural") and g.p(.5)) or (k in ("toilet", "power") and g.p(.9)) or \
                (k == "shop" and g.p(.5)) or (k == "estate" and u in occupied and g.p(.1)):
            key = f"WGFW{len(ghouse):06d}"
            use = {"shop": "门面", "toilet": "公厕", "power": "配电房"}.get(
                k, "出租" if u in floater_home else ("自住" if u in occupied else "空置"))
            ghouse.append({"采集编号": key, "社区": x["community"], "网格": f"{x['community']}第{g.ri(1, 9)}网格",
                           "房屋地址": render(g, x, "grid_house"), "房屋用途": use, "采集时间": rand_date(g, 2024)})
            prt.append(("grid_house", key, u))

    # ---- person departments
    hukou, floating, grid, social = [], [], [], []
    for p in people:
        living = p["status"] == "active" and p["in_city"]
        pt.append(dict(person_uid=p["uid"], residence_property_uid=p["res"] or "",
                       registered_property_uid=p["reg"] or "", status=p["status"],
                       resident_in_city=str(p["in_city"]).lower()))
        age = 2026 - int(p["birth"][:4])
        res = by_uid.get(p["res"])
        if p["kind"] == "local":
            key = f"HJ{len(hukou):08d}"
            hukou.append({"人员编号": key, "公民身份号码": typo_id(g, p["idn"]) if g.p(.005) else p["idn"],
                          "姓名": p["name"], "性别": "男" if p["male"] else "女", "出生日期": fmt_date(p["birth"], "ymd"),
                          "民族": "土家族" if g.p(.03) else "汉族", "与户主关系": p["rel"],
                          "户籍地址": render(g, by_uid[p["reg"]], "hukou"), "联系电话": p["phone"] if g.p(.8) else "",
                          "人员状态": {"active": "正常", "deceased": "死亡", "moved_out": "迁出"}[p["status"]],
                          "变动日期": rand_date(g, 2020) if p["status"] != "active" else "", "更新时间": rand_date(g)})
            p.setdefault("recs", []).append(("police_hukou", key))
            stm.append(("police_hukou", key, "registered", p["reg"]))
        else:
            regs = ([(p["prev_res"], 2018)] if p["prev_res"] else []) + ([(p["res"], 2022)] if g.p(.9) else [])
            for rd, y0 in regs:
                key = f"LD{len(floating):08d}"
                moved = p["status"] == "moved_out" and rd == p["res"]
                floating.append({"登记编号": key, "证件号码": p["idn"] if g.p(.96) else typo_id(g, p["idn"]),
                                 "姓名": p["name"], "性别": "1" if p["male"] else "2",
                                 "出生日期": fmt_date(p["birth"], "iso"),
                                 "民族": "土家族" if p["hometown"][0] in ("500242",) or g.p(.04) else "汉族",
                                 "户籍地址": p["reg_text"], "居住地址": render(g, by_uid[rd], "floating"),
                                 "联系电话": p["phone"] if g.p(.85) else f"1{g.pick('3578')}{g.ri(0, 999999999):09d}",
                                 "居住证状态": "注销" if moved or (rd != p["res"] and g.p(.5)) else "有效",
                                 "登记日期": rand_date(g, y0, y0 + 3)})
                p.setdefault("recs", []).append(("floating", key))
                stm.append(("floating", key, "residence", rd))
        if living and res and g.p(.45 if p["kind"] == "local" else .6):
            key = f"WG{len(grid):08d}"
            no_id = g.p(.2 if p["kind"] == "float" else .08)
            nm = p["name"]
            if g.p(.03) and len(nm) > 1:
                nm = nm[:-1] + g.pick(GIVEN)
            grid.append({"采集编号": key, "身份证号": "" if no_id else (typo_id(g, p["idn"]) if g.p(.04) else p["idn"]),
                         "姓名": nm, "性别": "男" if p["male"] else "女", "出生日期": fmt_date(p["birth"], "slash"),
                         "人员类别": "户籍人口" if p["kind"] == "local" else "流动人口",
                         "现住址": render(g, res, "grid"), "联系电话": p["phone"] if g.p(.7) else "",
                         "采集日期": rand_date(g, 2025)})
            p.setdefault("recs", []).append(("grid_survey", key))
            stm.append(("grid_survey", key, "residence", p["res"]))
        if p["status"] != "deceased" and 18 <= age <= 60 and g.p(.65 if p["kind"] == "local" else .5):
            key = f"SB{len(social):08d}"
            if res and p["in_city"] and g.p(.7):
                addr = render(g, res, "social")
                stm.append(("social_insurance", key, "residence", p["res"]))
            elif p.get("outside") and g.p(.7):
                addr = p["outside"]
            else:
                addr = ""
            social.append({"个人编号": key, "身份证号": p["idn"], "姓名": p["name"], "性别": "男" if p["male"] else "女",
                           "出生年月": fmt_date(p["birth"], "cn"), "单位名称": g.pick(EMPLOYERS), "联系地址": addr,
                           "手机号码": p["phone"], "参保状态": "参保缴费" if g.p(.85) else "暂停缴费",
                           "更新时间": rand_date(g, 2023)})
            p.setdefault("recs", []).append(("social_insurance", key))

    files = {"police_hukou": (hukou, "gbk"), "floating": (floating, "utf-8"), "grid_survey": (grid, "utf-8"),
             "social_insurance": (social, "gbk"), "real_estate": (title, "utf-8"),
             "rental_housing": (rental, "utf-8"), "grid_house": (ghouse, "utf-8")}
    pr = [(s, k, p["uid"]) for p in people for s, k in p.get("recs", [])]
    properties = [{"property_uid": x["uid"], "kind": x["kind"], "use": x["use"], "district": x["district"],
                   "canonical": render(g, dict(x, old=None), "title")} for x in props]
    write_city(out, files, {"person_records": pr, "persons": pt, "address_statements": stm, "twins": twins,
                            "property_records": prt, "property_owners": owners, "properties": properties})
    (out / "config.yaml").write_text(config_text(
        ["# Independent synthetic Chongqing (resolve/synth/chongqing.py). Paths relative to this file.",
         "# 重庆 is a municipality: the region is the province code, its districts sit right under it."],
        CITY, REGION, SNAPSHOT, SOURCES), encoding="utf-8")
    return {"persons": len(people), "floating_share": round(sum(p["kind"] == "float" for p in people) / len(people), 3),
            "properties": len(props), "twins": len(twins), **{f"rows_{k}": len(v[0]) for k, v in files.items()}}


SOURCES = [
    ("police_hukou", "公安局户籍", "person", "gbk",
     {"人员编号": "record_key", "公民身份号码": "id_number", "姓名": "name", "性别": "sex", "出生日期": "birth_date",
      "民族": "ethnicity", "户籍地址": "registered_address", "联系电话": "phone", "人员状态": "status",
      "变动日期": "status_date", "更新时间": "updated_at"},
     {"sex": {"男": "M", "女": "F"}, "status": {"正常": "active", "死亡": "deceased", "迁出": "moved_out"}}),
    ("floating", "公安局流动人口管理", "person", "utf-8",
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
     {"use": {"成套住宅": "residential", "住宅": "residential", "农村宅基地住宅": "residential", "商业服务": "commercial",
              "车库": "parking"}}),
    ("rental_housing", "住房和城乡建设委员会住房租赁登记备案", "property", "utf-8",
     {"备案编号": "record_key", "房屋坐落": "address", "所属区县": "district", "所属街道": "street", "房屋性质": "use",
      "备案日期": "updated_at"},
     {"use": {"住宅": "residential", "门面": "commercial"}}),
    ("grid_house", "网格员房屋采集", "property", "utf-8",
     {"采集编号": "record_key", "社区": "community", "房屋地址": "address", "房屋用途": "use", "采集时间": "updated_at"},
     {"use": {"自住": "residential", "出租": "residential", "空置": "residential", "门面": "commercial",
              "公厕": "public_toilet", "配电房": "power_room"}}),
]
