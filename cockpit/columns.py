"""The customer list's columns, each declared once.

The table (headers and cells), the sort whitelist, the CSV and XLSX exports and the column chooser all read
COLUMNS: adding a column here adds it everywhere. A column names the ListRow field it shows (or how to work its
value out), how the value is formatted, the ORM field it sorts by, its stable English export header and its
label in the user's language.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics.churn.reasons import reason_labels
from analytics.export import churn_risk_cell
from cockpit import labels
from cockpit.templatetags.cockpit_tags import iso, pct, risk, yuan

if TYPE_CHECKING:
    from cockpit.selectors.customers import ListRow

FLAGS = ("is_new", "sales_surge", "sales_plunge", "orders_surge", "orders_plunge")


def flags_of(row: "ListRow") -> list[str]:
    """The row's flags (new, surge, plunge) as codes, in a fixed order."""
    return [f for f in FLAGS if getattr(row, f)]


# How a value is written, per format: in a table cell (text, escaped by the template) and in an XLSX cell (a
# number format on a typed cell). CSV writes raw values (analytics.export.cell).
TEXT: dict[str, Callable[[Any], str]] = {
    "money": yuan, "count": intcomma, "days": localize, "growth": pct, "risk": risk, "date": iso,
}
XLSX_FORMAT = {
    "money": "#,##0.00", "count": "#,##0", "days": "0", "growth": "0.0%", "risk": "0.0%", "date": "yyyy-mm-dd",
}
NUMERIC = {"money", "count", "days", "growth", "risk"}
CODED = {"words", "bool", "flags", "reasons"}  # stored as codes: the CSV writes the codes, people read words
# A width class's column width in the XLSX (characters).
XLSX_WIDTH = {"w-s": 8, "w-m": 12, "w-l": 18, "w-xl": 36, "w-name": 24, "w-risk": 10}


@dataclass(frozen=True)
class Column:
    """One column of the customer list and its exports."""

    key: str  # the URL's sort key and the chooser's value
    label: Promise | str  # the table's header, the chooser's and the XLSX's, in the user's language
    export: str | None  # the CSV's stable English header; None: not exported
    field: str = ""  # the ListRow field holding the value
    compute: Callable[["ListRow", Mapping[str, str]], Any] | None = None  # else (row, grade labels) -> value
    sort: str | None = None  # the ORM field the list sorts by; None: not sortable
    format: str = "text"  # text, words (a code shown as a word), bool, flags, reasons, or a key of TEXT
    words: dict[str, Any] | None = None  # code -> word, for format "words"
    cell: str = ""  # a cell with more than its text (a branch of _row.html); "" is a plain text cell
    width: str = "w-m"  # the cell's width class (static/cockpit/list.css)
    default: bool = False  # shown until the user chooses columns
    in_table: bool = True  # a column of the table (and so of the chooser), not only of the exports
    required: bool = False  # always shown: the chooser does not offer to hide it
    scored_only: bool = False  # shown only for a period with churn scores (blank otherwise)
    stands_in_for_risk: bool = False  # shown by default when the period has no churn scores
    warn: Callable[[Any], bool] | None = None  # the cell is marked "down" (red) when this holds

    @property
    def numeric(self) -> bool:
        return self.format in NUMERIC

    @property
    def coded(self) -> bool:
        return self.format in CODED

    @property
    def xlsx_format(self) -> str | None:
        return XLSX_FORMAT.get(self.format)

    @property
    def xlsx_width(self) -> int:
        return XLSX_WIDTH.get(self.width, 12)

    def value(self, row: "ListRow", grade_labels: Mapping[str, str]) -> Any:
        """The raw value (a Decimal, a date, a code ...), as the CSV writes it."""
        return self.compute(row, grade_labels) if self.compute else getattr(row, self.field)

    def text(self, value: Any) -> str:
        """The value as a person reads it, in the user's language; blank for no value."""
        if value is None or value == "":
            return ""
        if self.format == "words":
            return labels.text(self.words or {}, value)
        if self.format == "bool":
            return str(_("yes") if value else _("no"))
        if self.format == "flags":
            return gettext("; ").join(labels.text(labels.FLAG_TEXT, f) for f in value.split())
        if self.format == "reasons":
            return gettext("; ").join(str(label) for label in reason_labels(value))
        return TEXT[self.format](value) if self.format in TEXT else str(value)

    def warns(self, value: Any) -> bool:
        return value is not None and self.warn is not None and self.warn(value)


def _below_zero(value: Any) -> bool:
    return bool(value < 0)


def _above_zero(value: Any) -> bool:
    return bool(value > 0)


def _grade_label(row: "ListRow", grade_labels: Mapping[str, str]) -> str:
    return grade_labels.get(row.grade, "")


def _flags(row: "ListRow", grade_labels: Mapping[str, str]) -> str | None:
    return " ".join(flags_of(row)) or None


def _risk(row: "ListRow", grade_labels: Mapping[str, str]) -> float | None:
    return churn_risk_cell(row.churn_risk)


def _blank(name: str) -> Callable[["ListRow", Mapping[str, str]], Any]:
    """The field, or None for an empty string (a blank cell rather than an empty text)."""
    return lambda row, grade_labels: getattr(row, name) or None


COLUMNS: tuple[Column, ...] = (
    Column("code", _("Customer code"), "customer_code", field="code", sort="code", in_table=False),
    Column("customer", _("Customer"), "customer_name", field="name", sort="customer__name", cell="name",
           width="w-name", default=True, required=True),
    Column("region", _("Region"), "region", field="region", sort="customer__region__path", width="w-l"),
    Column("salesperson", _("Salesperson"), "salesperson", field="salesperson", sort="customer__owner__name",
           default=True),
    Column("contact", _("Contact"), "contact", compute=_blank("contact"), sort="customer__contact"),
    Column("phone", _("Phone"), "phone", compute=_blank("phone"), sort="customer__mobile", width="w-l"),
    Column("grade", _("Grade"), "grade", field="grade", sort="grade", cell="grade", width="w-s", default=True),
    Column("grade_label", _("Grade label"), "grade_label", compute=_grade_label, in_table=False),
    Column("previous_grade", _("Previous"), "previous_grade", compute=_blank("previous_grade"),
           sort="previous_grade", cell="previous", width="w-s", default=True),
    Column("movement", _("Movement"), "movement", compute=_blank("movement"), format="words",
           words=labels.MOVEMENT_TEXT, in_table=False),
    Column("override", _("Grade override"), "override", field="override_active", format="bool", in_table=False),
    Column("orders", _("Orders"), "orders", field="orders", sort="orders", format="count", width="w-s"),
    Column("sales", _("Sales"), "sales", field="sales", sort="sales", format="money", default=True),
    Column("mom", _("MoM"), "mom_growth", field="mom_growth", sort="mom_growth", format="growth", default=True,
           warn=_below_zero),
    Column("yoy", _("YoY"), "yoy_growth", field="yoy_growth", sort="yoy_growth", format="growth",
           warn=_below_zero),
    Column("receivable", _("Receivable"), "receivable", field="receivable", sort="receivable", format="money"),
    Column("overdue", _("Overdue"), "overdue", field="overdue", sort="overdue", format="money", default=True,
           warn=_above_zero),
    Column("last_order", _("Last order"), "last_order_date", field="last_order_date", sort="last_order_date",
           format="date", default=True),
    Column("churn_risk", _("Churn risk"), "churn_risk", compute=_risk, sort="churn_risk", format="risk",
           cell="risk", width="w-risk", default=True, scored_only=True),
    # Export only: the table shows the reasons inside the risk cell. The CSV writes the stable codes.
    Column("churn_reasons", _("Churn reasons"), "churn_reasons", compute=_blank("churn_reasons"), format="reasons",
           in_table=False, scored_only=True),
    Column("days_since", _("Days since last order"), "days_since_last_order", field="days_since_last_order",
           sort="days_since_last_order", format="days", stands_in_for_risk=True),
    Column("last_visit", _("Last visit"), "last_visit_date", field="last_visit", sort="customer__last_visit_date",
           format="date"),
    Column("last_coupon", _("Last coupon"), "last_coupon_date", field="last_coupon",
           sort="customer__last_coupon_date", format="date"),
    Column("lifecycle", _("Lifecycle"), "lifecycle", field="lifecycle", sort="lifecycle", format="words",
           words=labels.LIFECYCLE_TEXT, cell="lifecycle", default=True),
    Column("flags", _("Flags"), "flags", compute=_flags, sort="sales_plunge", format="flags", cell="flags",
           width="w-l", default=True),
    Column("segment", _("RFM segment"), "rfm_segment", compute=_blank("rfm_segment"), sort="rfm_segment",
           format="words", words=labels.SEGMENT_TEXT, width="w-l"),
    Column("action", _("Recommended action"), "action", field="action", sort="action", format="words",
           words=labels.ACTION_TEXT, width="w-xl", default=True),
    # Added after the first release: last, so the exports' existing columns keep their places.
    Column("shop_type", _("Shop type"), "shop_type", compute=_blank("shop_type"), sort="customer__shop_type"),
)


# Everything else is read from COLUMNS when asked (26 columns: nothing worth keeping), so a column added to COLUMNS
# is in the table, the sorts, the exports and the chooser at once.

def by_key() -> dict[str, Column]:
    return {c.key: c for c in COLUMNS}


def sort_fields() -> dict[str, str]:
    """Sort key -> ORM field: the whitelist of ?sort= (every sortable column, ascending or with '-' descending)."""
    return {c.key: c.sort for c in COLUMNS if c.sort}


def exported() -> list[Column]:
    """The exports' columns, in the list's order."""
    return [c for c in COLUMNS if c.export]


def offered(*, scored: bool) -> list[Column]:
    """The table's columns a user can show for a period (the churn risk only where the period has scores)."""
    return [c for c in COLUMNS if c.in_table and (scored or not c.scored_only)]


def defaults(*, scored: bool) -> list[str]:
    """The keys shown until the user chooses: fewer than all, so the table fits a 1440 px screen."""
    return [c.key for c in offered(scored=scored)
            if c.required or c.default or (c.stands_in_for_risk and not scored)]


def shown(chosen: Sequence[str] | None, *, scored: bool) -> list[Column]:
    """The table's columns, in the registry's order: the user's choice (else the defaults), plus the required."""
    keys = set(defaults(scored=scored) if chosen is None else chosen)
    columns = [c for c in offered(scored=scored) if c.required or c.key in keys]
    if not scored and chosen is not None and "churn_risk" in keys and "days_since" not in keys:
        # The risk was chosen but this period has no scores: its stand-in, days since the last order, instead.
        columns = [c for c in offered(scored=scored) if c.required or c.key in keys or c.stands_in_for_risk]
    return columns
