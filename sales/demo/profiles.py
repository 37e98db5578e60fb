"""Customer master data that reads like a Chinese distributor's book: shop names, contacts, mobiles, addresses.

Mobiles are valid CN mobile prefixes with 8 random digits, stored E.164 (+86...); a few customers have none.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np

SEED_STAGE = 6
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉鹏飞斌宇浩凯健俊帆琳晨雪梅")
SHOP_CORES = ["惠民", "万家", "好又多", "佳佳", "旺旺", "福来", "顺发", "兴隆", "乐购", "便民", "金源", "永辉",
              "鸿运", "家家乐", "美宜", "新一佳", "百合", "天天", "红旗", "友谊", "四季", "阳光", "大众", "诚信"]
# Name suffixes per shop type (sales.demo.taste.TYPE_LABELS order: 便利店, 餐饮, 超市, 批发, 烟酒店).
SHOP_SUFFIXES = [
    ["便利店", "小卖部", "食杂店", "士多", "副食店"],
    ["饭店", "餐厅", "酒家", "面馆", "大排档"],
    ["超市", "生活超市", "购物中心", "百货"],
    ["批发部", "商行", "粮油批发"],
    ["烟酒店", "烟酒行", "名烟名酒"],
]
STREETS = ["中山路", "解放路", "人民路", "建设路", "新华路", "和平路", "东风路", "环城路", "花园路", "文化路",
           "青年路", "工业大道", "学府路", "滨江路", "龙腾街", "幸福里"]
TAGS = ["社区店", "学校周边", "夜宵档", "连锁", "烟酒", "工地食堂", "景区", "菜市场旁"]
MOBILE_PREFIXES = [130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 157, 158, 159,
                   166, 177, 180, 181, 182, 183, 185, 186, 187, 188, 189, 198, 199]
NO_MOBILE_SHARE, BIRTHDAY_SHARE, OPT_OUT_SHARE = 0.03, 0.35, 0.02


@dataclass
class Profiles:
    code: list[str]
    name: list[str]
    contact: list[str]
    mobile: list[str]
    address: list[str]
    tags: list[str]
    birthday: list[dt.date | None]
    opt_out_day: np.ndarray  # day index of the SMS opt-out, -1 for none


def profiles_generate(*, n: int, districts: list[str], region_index: np.ndarray, shop_type: np.ndarray, days: int,
                      seed: int) -> Profiles:
    """Codes keep leading zeros (000123): the ERP's codes are text, never numbers; names end as the shop type
    reads (a restaurant is a 饭店 or 酒家, never a 超市)."""
    rng = np.random.default_rng([seed, SEED_STAGE])
    width = max(6, len(str(n)))
    pick = lambda seq: rng.integers(0, len(seq), n).tolist()  # noqa: E731 - a local shorthand
    surname, given1, given2, two = pick(SURNAMES), pick(GIVEN), pick(GIVEN), (rng.random(n) < 0.6).tolist()
    core, suffix, style = pick(SHOP_CORES), rng.integers(0, 1 << 30, n).tolist(), rng.integers(0, 3, n).tolist()
    kinds = shop_type.tolist()
    street, number = pick(STREETS), rng.integers(1, 400, n).tolist()
    district_names = [d.rsplit("/", 1)[-1] for d in districts]
    region = region_index.tolist()
    names, contacts, addresses = [], [], []
    for i in range(n):
        family = SURNAMES[surname[i]]
        contacts.append(family + GIVEN[given1[i]] + (GIVEN[given2[i]] if two[i] else ""))
        district = district_names[region[i]]
        # Three naming habits: district + brand, family name + 记, or a plain brand.
        head = (district + SHOP_CORES[core[i]], family + "记", SHOP_CORES[core[i]])[style[i]]
        suffixes = SHOP_SUFFIXES[kinds[i]]
        names.append(head + suffixes[suffix[i] % len(suffixes)])
        addresses.append(f"{district}区{STREETS[street[i]]}{number[i]}号")
    prefix = np.array(MOBILE_PREFIXES)[rng.integers(0, len(MOBILE_PREFIXES), n)].tolist()
    digits = rng.integers(0, 10**8, n).tolist()
    no_mobile = (rng.random(n) < NO_MOBILE_SHARE).tolist()
    mobiles = ["" if no_mobile[i] else f"+86{prefix[i]}{digits[i]:08d}" for i in range(n)]
    tag_u, tag_i = rng.random(n).tolist(), pick(TAGS)
    tags = [TAGS[tag_i[i]] if tag_u[i] < 0.3 else "" for i in range(n)]
    has_birthday = (rng.random(n) < BIRTHDAY_SHARE).tolist()
    born = (rng.integers(0, 365 * 35, n) + dt.date(1960, 1, 1).toordinal()).tolist()
    birthdays = [dt.date.fromordinal(born[i]) if has_birthday[i] else None for i in range(n)]
    opt_out = np.where(rng.random(n) < OPT_OUT_SHARE, rng.integers(0, days, n), -1)
    return Profiles(
        code=[f"{i + 1:0{width}d}" for i in range(n)], name=names, contact=contacts, mobile=mobiles,
        address=addresses, tags=tags, birthday=birthdays, opt_out_day=opt_out,
    )
