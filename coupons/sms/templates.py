"""Provider templates (issue 19): the variables of an approved template, their values, the text a customer reads.

Aliyun names its variables (``${name}``, ``${code}``) and takes a JSON object; Tencent Cloud numbers them
(``{1}``, ``{2}``) and takes an ordered list. A campaign maps each template variable to one of the product's
variables (coupons.messages.VARIABLES). Providers refuse a variable value over their length limit, so a long
shop or company name is cut to the limit here (and the preview shows the cut text). A coupon code, a value or a
date is never cut (a cut code is a wrong code): a campaign whose values cannot fit is refused when saved.
"""

import re
from typing import Any

from coupons import conf

ALIYUN_VAR = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")
TENCENT_VAR = re.compile(r"\{([1-9][0-9]*)\}")
PATTERNS = {"aliyun": ALIYUN_VAR, "tencent": TENCENT_VAR}
LIMIT_SETTINGS = {"aliyun": "SMS_ALIYUN_VARIABLE_MAX_LENGTH", "tencent": "SMS_TENCENT_VARIABLE_MAX_LENGTH"}
CUTTABLE = frozenset({"name", "company"})  # free text a reader still recognises when cut


def template_variables(provider: str, text: str) -> list[str]:
    """The variable names of an approved template, in order of first appearance (Tencent: "1", "2", ...)."""
    pattern = PATTERNS.get(provider)
    if pattern is None:
        return []
    return list(dict.fromkeys(pattern.findall(text or "")))


def variable_limit(provider: str) -> int:
    """The longest value (characters) the provider takes for one variable; 0 = no limit."""
    setting = LIMIT_SETTINGS.get(provider)
    return int(conf.get(setting)) if setting else 0


def fit(value: str, limit: int) -> str:
    """`value` cut to `limit` characters (the provider refuses longer values rather than cutting them)."""
    return value if not limit or len(value) <= limit else value[:limit]


def template_params(provider: str, mapping: dict[str, str], values: dict[str, str]) -> Any:
    """What the provider's API takes: Aliyun {"name": "...", ...}; Tencent ["...", "..."] in {1}, {2} order."""
    limit = variable_limit(provider)
    filled = {var: fit(str(values.get(product, "")), limit if product in CUTTABLE else 0)
              for var, product in mapping.items()}
    if provider == "tencent":
        return [filled[k] for k in sorted(filled, key=int)]
    return filled


def overlong(provider: str, mapping: dict[str, str], values: dict[str, str]) -> list[tuple[str, str, int]]:
    """(template variable, product variable, length) of each value that must not be cut and is over the limit."""
    limit = variable_limit(provider)
    return [(var, product, len(str(values.get(product, "")))) for var, product in mapping.items()
            if limit and product not in CUTTABLE and len(str(values.get(product, ""))) > limit]


def template_render(provider: str, text: str, sign_name: str, params: Any) -> str:
    """The message as the customer reads it: 【signature】 and the approved text with the variables filled."""
    if provider == "tencent":
        values = {str(i + 1): v for i, v in enumerate(params or [])}
        body = TENCENT_VAR.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    else:
        body = ALIYUN_VAR.sub(lambda m: str((params or {}).get(m.group(1), m.group(0))), text)
    return f"【{sign_name}】{body}" if sign_name else body
