"""Serializer fields that take only what the OpenAPI schema says they take.

DRF's CharField turns a JSON number into a string (0 becomes "0"), so a client sending the wrong type never hears
of it while the schema says `type: string` (schemathesis counted it as invalid data accepted, issue 17 item 10).
Form and multipart bodies carry only strings, so this changes nothing for them.
"""

from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from rest_framework import serializers

# What DRF's CharField refuses, as a pattern the schema can carry: a NUL byte anywhere, and (unless blank is allowed)
# a value that is blank once trimmed. str.strip() also trims \x1c-\x1f, which JSON Schema's \s does not cover.
NO_NUL = r"\A[^\x00]*\Z"
NOT_BLANK = r"\A[^\x00]*[^\s\x1c-\x1f\x00][^\x00]*\Z"


class StrictCharField(serializers.CharField):
    """A CharField that refuses a JSON number or boolean instead of turning it into text."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Only documents what the checks above already refuse (drf-spectacular turns a RegexValidator into the
        # schema's `pattern`; a field's own RegexValidator comes first and wins).
        if not self.read_only:
            blank_ok = self.allow_blank or not self.trim_whitespace
            self.validators.append(RegexValidator(NO_NUL if blank_ok else NOT_BLANK))

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")  # DRF's own (translated) "Not a valid string."
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text columns take strings only (StrictCharField)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }

# A customer code in an API path: no slash, no dot (DRF's default) and no NUL byte, which PostgreSQL refuses in a
# query (psycopg 3 raises DataError, a 500): such a path matches no route and answers 404.
CODE_IN_PATH = r"[^/.\x00]+"
