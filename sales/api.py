"""Imports over the API (docs/imports.md §7): POST a file to queue it, GET one batch to
follow it, GET the list of import batches.

Only the admin role may import or list imports (integrators use an admin-role token); others get 403. The import
runs in a worker (issue 17 item 5): POST answers 202 with the batch and where to poll it.
"""

from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from customers.permissions import IsAdminRole as BaseIsAdminRole
from customers.roles import is_admin

from .imports.errors import ERROR_LIST_LIMIT
from .imports.jobs import file_sha256, import_enqueue
from .imports.limits import max_upload_bytes
from .models import ImportBatch
from .tasks import import_run

# The multipart envelope around the file (boundaries, the kind and dry_run fields) is a few hundred bytes.
MULTIPART_SLACK = 64 * 1024


class IsAdminRole(BaseIsAdminRole):
    """docs/roles.md §1, §3: admins (and integrators holding an admin-role token) load data."""

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


class TooLargeSerializer(serializers.Serializer):
    detail = serializers.CharField()
    limit_mb = serializers.IntegerField(help_text="IMPORT_MAX_UPLOAD_MB")


class ImportBatchOutputSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField(help_text="who started it (null: a command-line import)")

    class Meta:
        model = ImportBatch
        fields = ["id", "kind", "file_name", "sha256", "user", "dry_run", "status", "started_at", "finished_at",
                  "rows", "created", "updated", "unchanged", "periods", "errors"]  # fmt: skip

    def get_user(self, batch: ImportBatch) -> str | None:
        return batch.user.get_username() if batch.user else None


class ImportProgressSerializer(serializers.Serializer):
    stage = serializers.CharField(allow_blank=True, help_text="validating or writing; blank before the job starts")
    done = serializers.IntegerField(help_text="rows done in this stage")
    total = serializers.IntegerField(help_text="rows in this stage")


class ImportJobSerializer(ImportBatchOutputSerializer):
    """An import batch seen as a job: what a client polls after POST until `status` is no longer queued/running."""

    url = serializers.SerializerMethodField(help_text="where to poll this import")
    progress = serializers.SerializerMethodField()
    error_count = serializers.IntegerField(read_only=True)
    error_lines = serializers.SerializerMethodField(help_text="FILE:ROW: field: problem (the first 100)")

    class Meta(ImportBatchOutputSerializer.Meta):
        fields = [*ImportBatchOutputSerializer.Meta.fields, "error_count", "url", "progress", "error_lines"]

    def get_url(self, batch: ImportBatch) -> str:
        return reverse("api-import-detail", kwargs={"pk": batch.pk})

    @extend_schema_field(ImportProgressSerializer)
    def get_progress(self, batch: ImportBatch) -> dict:
        return {"stage": batch.stage, "done": batch.progress_done, "total": batch.progress_total}

    def get_error_lines(self, batch: ImportBatch) -> list[str]:
        stored = batch.errors or []
        lines = [f"{e['file']}:{e['row']}: {e['field']}: {e['problem']}" for e in stored[:ERROR_LIST_LIMIT]]
        if batch.error_count > ERROR_LIST_LIMIT:
            lines.append(f"... and {batch.error_count - ERROR_LIST_LIMIT} more")
        return lines


class ImportApi(GenericAPIView):
    """POST a file to queue its import (all-or-nothing, run by a worker); GET the import batches, newest first."""

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
            202: OpenApiResponse(
                ImportJobSerializer,
                description="queued (or the identical import already queued or running): poll `url` (also in "
                            "the Location header) until `status` is done, invalid or failed",
            ),
            400: OpenApiResponse(description="the request is malformed (no file, unknown kind)"),
            403: OpenApiResponse(description="not an admin"),
            413: OpenApiResponse(TooLargeSerializer, description="larger than IMPORT_MAX_UPLOAD_MB: nothing read"),
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
        sha256, content = file_sha256(upload.chunks())
        batch, _created = import_enqueue(
            kind=data.validated_data["kind"], name=Path(upload.name or "upload").name, data=content, sha256=sha256,
            user=request.user, dry_run=data.validated_data["dry_run"],
            enqueue=lambda batch_id: import_run.delay(batch_id),
        )  # fmt: skip
        batch.refresh_from_db()  # the eager task (tests, or no worker) may already have run it
        body = ImportJobSerializer(batch).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @staticmethod
    def _too_large() -> Response:
        limit = settings.IMPORT_MAX_UPLOAD_MB
        detail = _("The file is larger than the %(limit)s MB upload limit; nothing was imported.") % {"limit": limit}
        return Response({"detail": detail, "limit_mb": limit}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


class ImportDetailApi(RetrieveAPIView):
    """One import: its status, counts, progress while it runs and row errors. Admins see every import, anyone
    else only their own (404 for the others)."""

    permission_classes = [IsAuthenticated]
    serializer_class = ImportJobSerializer

    def get_queryset(self) -> QuerySet[ImportBatch]:
        batches = ImportBatch.objects.select_related("user")
        if is_admin(self.request.user):
            return batches
        return batches.filter(user_id=int(self.request.user.pk or 0))  # authenticated: pk is set

    @extend_schema(operation_id="imports_retrieve", responses={200: ImportJobSerializer})
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)
