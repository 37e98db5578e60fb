"""Imports over the API (DESIGN 4: "file imports also over the API"): POST a file, GET the list of import batches.

Only the admin role may import or list imports (integrators use an admin-role token); others get 403.
"""

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from customers.permissions import IsAdminRole as BaseIsAdminRole

from .imports import import_file
from .imports.limits import max_upload_bytes
from .models import ImportBatch

# The multipart envelope around the file (boundaries, the kind and dry_run fields) is a few hundred bytes.
MULTIPART_SLACK = 64 * 1024


class IsAdminRole(BaseIsAdminRole):
    """DESIGN 1: admins (and integrators holding an admin-role token) load data."""

    message = "Only the admin role may import files."


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX (first sheet)")
    kind = serializers.ChoiceField(choices=ImportBatch.Kind.choices)
    dry_run = serializers.BooleanField(default=False, help_text="validate and report, write nothing")


class RowErrorSerializer(serializers.Serializer):
    file = serializers.CharField()
    row = serializers.IntegerField(help_text="as a spreadsheet shows it; the header is row 1")
    field = serializers.CharField()
    problem = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    batch_id = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    file_name = serializers.CharField()
    sha256 = serializers.CharField()
    dry_run = serializers.BooleanField()
    status = serializers.CharField(help_text="done, invalid or failed")
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    periods = serializers.ListField(child=serializers.CharField(), help_text="'YYYY-MM' months whose data changed")
    details = serializers.DictField(child=serializers.IntegerField())
    error_count = serializers.IntegerField()
    # DRF's serializer metaclass pops declared fields off the class, so this field never shadows Serializer.errors
    # at runtime; the stubs model fields as class attributes and see a clash with that property.
    errors = RowErrorSerializer(many=True, help_text="the first 100 problems")  # type: ignore[assignment]
    error_lines = serializers.ListField(child=serializers.CharField(), help_text="FILE:ROW: field: problem")
    failure = serializers.CharField(allow_blank=True)


class TooLargeSerializer(serializers.Serializer):
    detail = serializers.CharField()
    limit_mb = serializers.IntegerField(help_text="IMPORT_MAX_UPLOAD_MB")


class ImportBatchOutputSerializer(serializers.ModelSerializer):
    user: serializers.SlugRelatedField[AbstractBaseUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ImportBatch
        fields = ["id", "kind", "file_name", "sha256", "user", "dry_run", "status", "started_at", "finished_at",
                  "rows", "created", "updated", "unchanged", "periods", "errors"]  # fmt: skip


class ImportApi(GenericAPIView):
    """POST a file to import it (all-or-nothing); GET the import batches, newest first."""

    permission_classes = [IsAuthenticated, IsAdminRole]
    queryset = ImportBatch.objects.select_related("user").order_by("-started_at", "-id")
    serializer_class = ImportBatchOutputSerializer
    filterset_fields = ["kind", "status", "dry_run"]
    ordering_fields = ["started_at", "id"]

    @extend_schema(operation_id="imports_list", responses={200: ImportBatchOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ImportBatchOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="imports_create",
        request={"multipart/form-data": ImportInputSerializer},
        responses={
            201: OpenApiResponse(ImportReportSerializer, description="imported"),
            200: OpenApiResponse(ImportReportSerializer, description="dry run: validated, nothing written"),
            400: OpenApiResponse(ImportReportSerializer, description="invalid file: nothing written"),
            403: OpenApiResponse(description="not an admin"),
            413: OpenApiResponse(TooLargeSerializer, description="larger than IMPORT_MAX_UPLOAD_MB: nothing read"),
            500: OpenApiResponse(ImportReportSerializer, description="the write failed and was rolled back"),
        },
    )
    def post(self, request: Request) -> Response:
        # DRF parses the body only when request.data is first read: a declared length over the limit is refused
        # before any of it is read (the slack covers the multipart envelope around the file).
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > max_upload_bytes() + MULTIPART_SLACK:
            return self._too_large()
        data = ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size is not None and upload.size > max_upload_bytes():
            return self._too_large()
        name = Path(upload.name or "upload").name
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "upload"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            report = import_file(
                kind=data.validated_data["kind"], path=path, name=name, user=request.user,
                dry_run=data.validated_data["dry_run"],
            )  # fmt: skip
        body = ImportReportSerializer(report.as_dict()).data
        if report.status == ImportBatch.Status.INVALID:
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        if report.status != ImportBatch.Status.DONE:
            return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        return Response(body, status=status.HTTP_200_OK if report.dry_run else status.HTTP_201_CREATED)

    @staticmethod
    def _too_large() -> Response:
        limit = settings.IMPORT_MAX_UPLOAD_MB
        detail = _("The file is larger than the %(limit)s MB upload limit; nothing was imported.") % {"limit": limit}
        return Response({"detail": detail, "limit_mb": limit}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
