"""OpenAPI post-processing: document the error answers DRF gives on every operation (drf-spectacular leaves them out).

Found by schemathesis (tests/security/test_api_schemathesis.py): a client reading the schema must know that any
operation can answer 401 (no or a bad token), 403 (the role may not), 404 (another user's row, an unknown id, a
page past the end), 400 (invalid input) and, with a body, 415 (a media type it does not take), and what those bodies
look like. It also corrects two things drf-spectacular writes that the API does not do (see the helpers).
"""

import re
from typing import Any

DETAIL = {"$ref": "#/components/schemas/ErrorDetail"}
INVALID = {"$ref": "#/components/schemas/ValidationErrors"}
SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationErrors": {
        "type": "object",
        "description": "field name (or non_field_errors / detail) -> the problems with it",
        "additionalProperties": True,
    },
}
METHODS = ("get", "put", "patch", "post", "delete")


def _response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query_as_parsed(parameter: dict[str, Any]) -> None:
    """An optional filter left empty (?kind=, ?date=) means "no filter" to django-filter; a NUL is refused (400)."""
    schema = parameter.get("schema")
    if parameter.get("in") != "query" or parameter.get("required") or not isinstance(schema, dict):
        return
    if schema.get("type") == "boolean":
        # django-filter reads true/True/1 and false/False/0 and takes any other spelling as "no filter".
        parameter["schema"] = {"type": "string", "description": "true or false (1 / 0); anything else: no filter"}
    elif schema.get("type") in ("number", "integer") or "enum" in schema or "format" in schema:
        parameter["schema"] = {"anyOf": [schema, {"type": "string", "enum": [""]}]}
    elif schema.get("type") == "string" and not {"pattern", "format"} & set(schema):
        schema["pattern"] = "^[^\\u0000]*$"


def _add_errors(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    parameters = operation.get("parameters", [])
    for parameter in parameters:
        _query_as_parsed(parameter)
    if "requestBody" in operation or any(p.get("in") in ("query", "header") for p in parameters):
        if "400" in responses:
            # The operation's own 400 body (an import report), or DRF's field errors for a bad request.
            content = responses["400"].setdefault("content", {}).setdefault("application/json", {})
            own = content.get("schema")
            content["schema"] = {"anyOf": [own, INVALID]} if own else INVALID
        else:
            responses["400"] = _response("invalid input", INVALID)
    if "requestBody" in operation:
        responses.setdefault("415", _response("a body in a media type the operation does not take", DETAIL))
    responses.setdefault("401", _response("no credentials, or a token that is not valid (WWW-Authenticate: Token)",
                                          DETAIL))
    responses.setdefault("403", _response("not allowed for this role (or a session without its CSRF token)", DETAIL))
    responses.setdefault("429", _response("too many requests: wait the seconds Retry-After says", DETAIL))
    if operation.get("security") or any(p.get("in") == "path" for p in parameters):
        responses.setdefault("404", _response("no such row among those you may see, or no such page", DETAIL))


# drf-spectacular writes DecimalField as ^-?\d{0,12}(?:\.\d{0,2})?$, which lets "" and "-" through; DRF refuses them.
_DECIMAL = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")


def _blank_alternative(node: dict[str, Any]) -> None:
    """drf-spectacular writes a patterned string that may be blank as oneOf [pattern, maxLength 0]; when the pattern
    also matches "" (the NUL-free pattern of core.api_fields) a blank value matches both and fails oneOf."""
    options = node.get("oneOf")
    if isinstance(options, list) and {"type": "string", "maxLength": 0} in options:
        node["anyOf"] = node.pop("oneOf")


def _fix_decimals(node: Any) -> None:
    """Require at least one digit in every decimal-string pattern; a blank string may match either alternative (walks
    the whole document)."""
    if isinstance(node, dict):
        _blank_alternative(node)
        pattern = node.get("pattern")
        match = _DECIMAL.match(pattern) if isinstance(pattern, str) and node.get("format") == "decimal" else None
        if match:
            whole, places = match.groups()
            node["pattern"] = rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
        for value in node.values():
            _fix_decimals(value)
    elif isinstance(node, list):
        for value in node:
            _fix_decimals(value)


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add 400 / 401 / 403 / 404 to every operation; fix decimals."""
    _fix_decimals(result.get("components", {}))
    result.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    for item in result.get("paths", {}).values():
        for method in METHODS:
            if method in item:
                _add_errors(item[method])
    return result
