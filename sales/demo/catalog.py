"""The demo catalogue: nested categories (饮料/碳酸饮料) and ~200 SKUs with unit costs and list prices.

Brands are invented so the demo never suggests a real supplier's prices. Prices are per trade unit (case,
carton, bag), as a wholesaler sells them to small shops.
"""

from dataclasses import dataclass

import numpy as np

from sales.models import Category, Product

from .writer import fen_decimal

# sub-category path -> (items, unit cost range in CNY per trade unit)
CATALOG: dict[str, tuple[list[str], tuple[int, int]]] = {
    "饮料/碳酸饮料": (["可乐 330ml×24罐", "柠檬汽水 500ml×24瓶", "橙味汽水 600ml×24瓶", "苏打水 350ml×24瓶"], (35, 60)),
    "饮料/果汁": (["橙汁 1L×12瓶", "苹果汁 450ml×15瓶", "芒果汁 300ml×24瓶"], (40, 75)),
    "饮料/茶饮料": (["冰红茶 500ml×15瓶", "绿茶 500ml×15瓶", "凉茶 310ml×24罐", "乌龙茶 500ml×15瓶"], (28, 70)),
    "饮料/饮用水": (["饮用天然水 550ml×24瓶", "纯净水 4.5L×4桶", "矿泉水 380ml×24瓶"], (14, 32)),
    "饮料/功能饮料": (["维生素饮料 500ml×15瓶", "能量饮料 250ml×24罐"], (55, 110)),
    "乳品/牛奶": (["纯牛奶 250ml×24盒", "酸奶饮品 200g×24盒", "早餐奶 250ml×16盒"], (45, 75)),
    "零食/膨化食品": (["薯片 70g×22袋", "虾条 40g×30袋", "玉米脆 60g×24袋"], (30, 60)),
    "零食/饼干糕点": (["苏打饼干 400g×12盒", "夹心饼干 100g×24袋", "蛋黄派 12枚×10盒", "沙琪玛 470g×8袋"], (35, 90)),
    "零食/糖果巧克力": (["水果硬糖 1kg×10袋", "牛奶巧克力 43g×48条", "口香糖 12片×20盒"], (60, 190)),
    "零食/坚果炒货": (["瓜子 250g×20袋", "花生 350g×20袋", "每日坚果 25g×30包"], (70, 160)),
    "方便食品/方便面": (["红烧牛肉面 5连包×6", "老坛酸菜面 桶装×12", "拉面 袋装×24"], (35, 65)),
    "粮油/大米": (["东北大米 10kg", "丝苗米 5kg×4袋"], (45, 95)),
    "粮油/食用油": (["花生油 5L×4桶", "菜籽油 5L×4桶", "调和油 1.8L×6瓶"], (120, 320)),
    "调味品/酱油醋": (["生抽 500ml×12瓶", "老抽 500ml×12瓶", "香醋 500ml×12瓶"], (36, 80)),
    "调味品/调味料": (["鸡精 200g×20袋", "蚝油 700g×12瓶", "食盐 400g×40袋"], (40, 95)),
    "酒类/啤酒": (["纯生啤酒 500ml×12罐", "清爽啤酒 330ml×24罐"], (35, 85)),
    "酒类/白酒": (["光瓶白酒 500ml×12瓶", "浓香型白酒 500ml×6瓶"], (120, 480)),
    "日用品/纸品": (["抽纸 3层100抽×24包", "卷纸 10卷×6提", "湿巾 80片×20包"], (50, 110)),
    "日用品/清洁用品": (["洗洁精 1.5kg×8瓶", "洗衣粉 2kg×6袋", "洗衣液 3kg×4瓶"], (45, 120)),
    "日用品/洗护": (["洗发水 400ml×12瓶", "沐浴露 750ml×12瓶", "牙膏 120g×36支", "香皂 100g×72块"], (90, 260)),
}
BRANDS = ["清泉", "金穗", "福满", "好运来", "鑫源"]
MARKUP = (1.12, 1.35)  # list price over unit cost, per SKU
SEED_STAGE = 1


@dataclass(frozen=True)
class Catalog:
    """Products in SKU order with popularity weights, prices in integer fen and their sub-category."""

    ids: np.ndarray
    cost_fen: np.ndarray
    price_fen: np.ndarray
    popularity: np.ndarray  # sums to 1
    category: np.ndarray  # position of the product's sub-category in CATALOG

    def __len__(self) -> int:
        return len(self.ids)


def catalog_ensure(seed: int) -> Catalog:
    """Create the categories and products (SKU C<category><item><brand>), or reuse those already there."""
    rng = np.random.default_rng([seed, SEED_STAGE])
    rows, positions = [], []
    for path, (items, (lo, hi)) in CATALOG.items():
        category = _category(path)
        prefix = f"C{list(CATALOG).index(path):02d}"
        for i, item in enumerate(items):
            # Three brands per item, four for the category's lead item: about 200 SKUs in all.
            for b in range(3 + (i == 0)):
                cost_fen = int(rng.integers(lo * 100, hi * 100 + 1))
                markup = rng.uniform(*MARKUP)
                price_fen = int(round(cost_fen * markup))
                rows.append((f"{prefix}{i:02d}{b}", f"{BRANDS[b]}{item}", category, cost_fen, price_fen))
                positions.append(list(CATALOG).index(path))
    existing = dict(Product.objects.filter(sku__in=[r[0] for r in rows]).values_list("sku", "id"))
    Product.objects.bulk_create([
        Product(sku=sku, name=name, category=cat, unit_cost=fen_decimal(cost))
        for sku, name, cat, cost, _ in rows if sku not in existing
    ])
    ids = dict(Product.objects.filter(sku__in=[r[0] for r in rows]).values_list("sku", "id"))
    # Zipf-like popularity: a few best sellers and a long tail, in a seeded random order of SKUs.
    ranks = rng.permutation(len(rows)) + 1
    popularity = 1.0 / ranks**0.9
    return Catalog(
        ids=np.array([ids[r[0]] for r in rows], dtype=np.int64),
        cost_fen=np.array([r[3] for r in rows], dtype=np.int64),
        price_fen=np.array([r[4] for r in rows], dtype=np.int64),
        popularity=popularity / popularity.sum(),
        category=np.array(positions, dtype=np.int64),
    )


def _category(path: str) -> Category:
    parent: Category | None = None
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        parent, _ = Category.objects.get_or_create(
            path="/".join(parts[:depth]), defaults={"name": parts[depth - 1], "parent": parent}
        )
    if parent is None:  # cannot happen: split() always yields at least one part
        raise ValueError(f"empty category path: {path!r}")
    return parent

