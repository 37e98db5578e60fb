"""Imports over the API as jobs (issue 17 item 5, issue 18 item 2): the request stores the upload and answers at
once; a Celery task (`sales.tasks.import_run`) validates and writes it while the batch row shows its progress.

A 1M-line CSV took 87.8 s of gunicorn's 120 s timeout inside the request; now the request only stores the file.
Starting the same file (same SHA-256, kind, dry-run flag and user) while it is queued or running returns that
batch instead of a second one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from sales.models import ImportBatch, ImportUpload

from .errors import ImportReport
from .service import IMPORTERS, ImportUsageError, import_fail, import_queued
from .sweep import import_batches_sweep

logger = logging.getLogger(__name__)

ACTIVE = (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)


def file_sha256(chunks: Iterable[bytes]) -> tuple[str, bytes]:
    """The SHA-256 of an upload and its bytes (bounded by IMPORT_MAX_UPLOAD_MB, checked by the caller)."""
    digest, parts = hashlib.sha256(), []
    for chunk in chunks:
        digest.update(chunk)
        parts.append(chunk)
    return digest.hexdigest(), b"".join(parts)


def import_active(*, kind: str, sha256: str, user: Any, dry_run: bool) -> ImportBatch | None:
    """The queued or running import of this file by this user, if any (oldest first)."""
    batches = ImportBatch.objects.filter(kind=kind, sha256=sha256, dry_run=dry_run, status__in=ACTIVE)
    if getattr(user, "is_authenticated", False):
        batches = batches.filter(user_id=user.pk)
    else:
        batches = batches.filter(user__isnull=True)
    return batches.order_by("started_at", "id").first()


@transaction.atomic
def import_enqueue(*, kind: str, name: str, data: bytes, sha256: str, user: Any, dry_run: bool,
                   enqueue: Callable[[int], Any]) -> tuple[ImportBatch, bool]:
    """Queue an import of `data`, or return the identical one already queued or running. Returns (batch, created).

    Two identical requests at once must not both create: PostgreSQL takes a transaction lock per file, SQLite's
    IMMEDIATE transactions already run one writer at a time. `enqueue(batch_id)` runs after the commit.
    """
    if kind not in IMPORTERS:
        raise ImportUsageError(f"unknown import kind {kind!r}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"import:{kind}:{sha256}"])
    import_batches_sweep()  # a killed run's batch must not be handed back as "running"
    running = import_active(kind=kind, sha256=sha256, user=user, dry_run=dry_run)
    if running is not None:
        return running, False
    batch = ImportBatch.objects.create(
        kind=kind, file_name=name.replace("\x00", "")[:255], sha256=sha256, dry_run=dry_run,
        user=user if getattr(user, "is_authenticated", False) else None, status=ImportBatch.Status.QUEUED,
    )  # fmt: skip
    ImportUpload.objects.create(batch=batch, data=data)
    transaction.on_commit(lambda: enqueue(batch.id))
    return batch, True


def import_run(*, batch_id: int) -> ImportReport | None:
    """The task's work: claim the queued batch, import its upload, drop the upload. None if there is nothing to do
    (already finished, or the sweep failed it meanwhile).

    A redelivered task (its worker was killed; acks_late) finds the batch `running` and runs it again: the killed
    run's write transaction rolled back, so nothing is doubled.
    """
    # The lease (sales.imports.sweep) counts from here: time spent waiting in the queue is not the import's.
    claimed = ImportBatch.objects.filter(pk=batch_id, status__in=ACTIVE).update(
        status=ImportBatch.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return None
    batch = ImportBatch.objects.select_related("user").get(pk=batch_id)
    data = ImportUpload.objects.filter(batch_id=batch_id).values_list("data", flat=True).first()
    if data is None:
        return import_fail(batch=batch, failure="the uploaded file is gone (deleted before the import ran)")
    progress = BatchProgress(batch_id)
    try:
        report = import_queued(batch=batch, data=bytes(data), progress=progress)
    finally:
        progress.close()  # an upload left by an exception is dropped by the sweep once the batch is not active
    ImportUpload.objects.filter(batch_id=batch_id).delete()
    return report


class BatchProgress:
    """The importers' progress hook: writes the stage and row counts on the batch row, where the API reads them.

    The write stage runs inside the import's transaction, where an update would stay invisible to the pollers
    until the commit; on PostgreSQL it goes through a second connection of its own, which commits at once. SQLite
    allows one writer at a time, so there the writing stage shows when it ends (validation progress shows live).
    """

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self._side: Any = None
        self._last: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        fields = self._last = {"stage": stage, "progress_done": done, "progress_total": total}
        if stage == "writing" and connection.vendor == "postgresql" and connection.in_atomic_block:
            # Never through the import's own connection here: its update would lock the row the side one writes.
            self._side_update(fields)
        else:
            ImportBatch.objects.filter(pk=self.batch_id).update(**fields)

    def _side_update(self, fields: dict[str, Any]) -> None:
        try:
            if self._side is None:
                self._side = connections.create_connection("default")
                with self._side.cursor() as cursor:
                    # Progress is worth less than the import: never wait long on a lock for it.
                    cursor.execute("SET lock_timeout = '2s'")
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportBatch._meta.db_table} SET stage = %s, progress_done = %s, progress_total = %s "  # noqa: S608 - constant table name
                    "WHERE id = %s", [fields["stage"], fields["progress_done"], fields["progress_total"],
                                      self.batch_id])
        except Exception:
            logger.warning("import %s: progress not recorded", self.batch_id, exc_info=True)

    def close(self) -> None:
        """After the import: the last report stands on the row whichever connection it went through."""
        if self._last:
            ImportBatch.objects.filter(pk=self.batch_id).update(**self._last)
        if self._side is not None:
            try:
                with self._side.cursor() as cursor:
                    cursor.execute("RESET lock_timeout")  # a pooled connection goes back as it came
            except Exception:
                logger.warning("import %s: progress connection not reset", self.batch_id, exc_info=True)
            self._side.close()
            self._side = None
