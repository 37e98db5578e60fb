"""The list filter form's choice widgets: Django's own markup, written out in Python, not one template per option.

Django renders a choice widget with a template per option, each including input.html and attrs.html: the list's
twelve choice filters (about 120 options) cost 8 ms of CPU per page that way, a quarter of the page. These write
the same HTML as Django 5.2's select.html, select_option.html, multiple_input.html, input_option.html, input.html
and attrs.html, escaping and localising each value the way a template does; tests/cockpit/test_customer_list.py
holds them to Django's own output.
"""

from typing import Any

from django import forms
from django.forms.widgets import Input
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData, SafeString, mark_safe

# What a template rendering uses: autoescape on, localisation and time zone as the settings say.
_CONTEXT = Context(autoescape=True)


def _text(value: Any) -> str:
    """`{{ value }}`."""
    return render_value_in_context(value, _CONTEXT)


def _string(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: stringformat keeps a safe value safe."""
    text = str(value)
    return _text(mark_safe(text) if isinstance(value, SafeData) else text)  # noqa: S308 - it was safe already


def _attrs(attrs: dict[str, Any]) -> str:
    """attrs.html."""
    return "".join(f" {_text(name)}" + ("" if value is True else f'="{_string(value)}"')
                   for name, value in attrs.items() if value is not False)


def _input(option: dict[str, Any]) -> str:
    """input.html."""
    value = "" if option["value"] is None else f' value="{_string(option["value"])}"'
    return f'<input type="{_text(option["type"])}" name="{_text(option["name"])}"{value}{_attrs(option["attrs"])}>\n'


def _checkbox_option(option: dict[str, Any]) -> str:
    """checkbox_option.html, which is input_option.html."""
    if not option["wrap_label"]:
        return _input(option) + "\n\n"
    for_id = option["attrs"].get("id")
    label = f'<label for="{_text(for_id)}">' if for_id else "<label>"
    return f"{label}{_input(option)} {_text(option['label'])}</label>\n\n"


class ChoiceSelect(forms.Select):
    """forms.Select, written out directly (select.html and select_option.html)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group, options, _index in widget["optgroups"]:
            if group:
                html.append(f'\n  <optgroup label="{_text(group)}">')
            html.extend(f'\n  <option value="{_string(o["value"])}"{_attrs(o["attrs"])}>{_text(o["label"])}</option>\n'
                        for o in options)
            if group:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html).strip())  # noqa: S308 - every value escaped above


class ChoiceCheckboxes(forms.CheckboxSelectMultiple):
    """forms.CheckboxSelectMultiple, written out directly (multiple_input.html and checkbox_option.html)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        own_id, css = widget["attrs"].get("id"), widget["attrs"].get("class")
        html = ["<div", f' id="{_text(own_id)}"' if own_id else "", f' class="{_text(css)}"' if css else "", ">"]
        for group, options, _index in widget["optgroups"]:
            if group:
                html.append(f"\n  <div><label>{_text(group)}</label>")
            html.extend(f"<div>\n    {_checkbox_option(o)}</div>" for o in options)
            if group:
                html.append("\n  </div>")
        html.append("\n</div>")
        return mark_safe("".join(html).strip())  # noqa: S308 - every value escaped above


class _WrittenInput(Input):
    """An Input widget written out directly (input.html)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        return mark_safe(_input(self.get_context(name, value, attrs)["widget"]).strip())  # noqa: S308 - escaped


class TextBox(_WrittenInput, forms.TextInput):
    """forms.TextInput, written out directly."""


class NumberBox(_WrittenInput, forms.NumberInput):
    """forms.NumberInput, written out directly."""


class DateBox(_WrittenInput, forms.DateInput):
    """forms.DateInput, written out directly."""


class ListedChoices(forms.models.ModelChoiceIterator):
    """A region or salesperson picker's options from one plain SELECT.

    Django reads a ModelChoiceField's queryset with .iterator(), which on PostgreSQL is a server-side cursor:
    DECLARE, FETCH and CLOSE, three round trips for a few dozen rows, on every list and dashboard view."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


def listed(field: forms.Field, queryset: Any) -> None:
    """Give a ModelChoiceField its (small) queryset, read with ListedChoices."""
    field.iterator = ListedChoices  # type: ignore[attr-defined]
    field.queryset = queryset  # type: ignore[attr-defined]
