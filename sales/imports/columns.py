"""Header names -> canonical columns (docs/imports.md §2): English names or the Chinese ones an ERP exports."""

import re
from collections.abc import Mapping, Sequence

from .errors import ErrorList

# Aliases shared by several kinds; a kind's own spec adds the rest.
CUSTOMER_CODE = ("customer_code", "customer", "customer_no", "客户编码", "客户代码", "客户编号", "客户号")
CUSTOMER_NAME = ("customer_name", "客户名称", "客户名", "客户")
REGION = ("region", "area", "地区", "区域", "所属地区", "片区")
SALESPERSON = ("salesperson", "sales", "owner", "业务员", "销售员", "业务员名称", "负责人", "经办人")
PHONE = ("phone", "mobile", "tel", "电话", "手机", "手机号", "联系电话", "手机号码")
AMOUNT = ("amount", "金额", "总金额")

SALES_COLUMNS: dict[str, tuple[str, ...]] = {
    "order_no": ("order_no", "order_number", "order", "订单号", "订单编号", "单号", "单据编号", "单据号"),
    "order_date": ("order_date", "date", "日期", "单据日期", "订单日期", "销售日期"),
    "customer_code": CUSTOMER_CODE,
    "customer_name": CUSTOMER_NAME,
    "amount": AMOUNT + ("销售金额", "订单金额", "价税合计", "含税金额"),
    "quantity": ("quantity", "qty", "数量", "销售数量"),
    "unit_price": ("unit_price", "price", "单价", "含税单价"),
    "cost": ("cost", "成本", "成本金额"),
    "region": REGION,
    "salesperson": SALESPERSON,
    "phone": PHONE,
    "sku": ("sku", "product_code", "商品编码", "产品编码", "存货编码", "货号"),
    "product_name": ("product_name", "product", "商品名称", "产品名称", "存货名称", "品名"),
    "category": ("category", "类别", "商品类别", "分类", "产品类别"),
    "status": ("status", "状态", "单据状态", "订单状态"),
    "coupon_code": ("coupon_code", "coupon", "优惠券", "优惠券码", "券码"),
}
SALES_REQUIRED = ("order_no", "order_date", "customer_code", "amount")

CUSTOMER_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code",) + CUSTOMER_CODE + ("编码",),
    "name": ("name",) + CUSTOMER_NAME[:-1] + ("名称",),
    "region": REGION,
    "salesperson": SALESPERSON,
    "contact": ("contact", "contact_person", "联系人"),
    "phone": PHONE,
    "address": ("address", "地址", "详细地址"),
    "tags": ("tags", "tag", "标签"),
    "shop_type": ("shop_type", "业态", "店铺类型", "门店类型", "客户类型", "渠道类型"),
    "first_seen": ("first_seen", "首次日期", "首次交易日期", "建档日期", "首次合作日期"),
    "credit_days": ("credit_days", "credit_terms", "账期", "账期天数", "信用天数", "信用期"),
    "birthday": ("birthday", "生日"),
    "sms_opt_out": ("sms_opt_out", "opt_out", "退订", "短信退订"),
}
CUSTOMER_REQUIRED = ("code",)

PAYMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "payment_no": ("payment_no", "payment_number", "付款单号", "收款单号", "回款单号", "单号"),
    "customer_code": CUSTOMER_CODE,
    "date": ("date", "payment_date", "日期", "付款日期", "收款日期", "回款日期"),
    "amount": AMOUNT + ("付款金额", "收款金额", "回款金额"),
}
PAYMENT_REQUIRED = ("payment_no", "customer_code", "date", "amount")

VISIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "visit_no": ("visit_no", "visit_number", "拜访单号", "拜访编号"),
    "customer_code": CUSTOMER_CODE,
    "date": ("date", "visit_date", "日期", "拜访日期"),
    "salesperson": SALESPERSON,
    "kind": ("kind", "type", "方式", "拜访方式", "类型"),
    "note": ("note", "outcome", "备注", "结果", "拜访结果"),
    "next_date": ("next_date", "next_follow_up", "下次跟进", "下次跟进日期", "下次拜访日期"),
}
VISIT_REQUIRED = ("customer_code", "date")

_SEPARATORS = re.compile(r"[\s\-./]+")


def normalize_header(text: str) -> str:
    """'Order No' / 'order-no' / ' ORDER_NO ' all become 'order_no'; Chinese text is unchanged."""
    return _SEPARATORS.sub("_", text.strip().lstrip("\ufeff").lower()).strip("_")


def resolve_columns(
    header: Sequence[str], spec: Mapping[str, tuple[str, ...]], required: Sequence[str], errors: ErrorList
) -> dict[str, int]:
    """Map each canonical column to its index in `header`; unknown headers are ignored.

    Reports (row 1) a required column that is missing and a column given twice under two names.
    """
    lookup = {normalize_header(alias): name for name, aliases in spec.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        name = lookup.get(normalize_header(title))
        if name is None:
            continue
        if name in found:
            first = header[found[name]]
            errors.add(1, name, f'column given twice ("{first}" and "{title}")', col=index)
            continue
        found[name] = index
    for name in required:
        if name not in found:
            errors.add(1, name, "required column missing", col=len(header))
    return found
