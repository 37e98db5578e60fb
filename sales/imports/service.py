"""The one entry point of every import: `import_file` (docs/imports.md), used by the commands, the API and bench_import.

Order of work: hash and record the batch; read; validate everything (nothing written yet); then, unless it is a
dry run, write all of it in one transaction. Invalid input and database failures leave no domain rows behind;
the batch row says which it was.
"""

import gc
import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from django.db import DatabaseError, transaction
from django.utils import timezone

from sales.models import ImportBatch
from sales.signals import periods_changed

from . import customers, locks, payments, sales, sales_write, visits
from .errors import ERROR_STORE_LIMIT, ErrorList, ImportReport, ImportUsageError
from .limits import file_limit_text, max_file_bytes, max_upload_bytes, upload_limit_text
from .readers import FileFormatError, read_table
from .refs import Context, Progress, no_progress
from .sweep import import_batches_sweep

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Importer:
    """A kind of file: `plan` validates and compares (reads only), `write` applies the plan, `customers` names
    the stored customers the write references or changes (locked first, see sales.imports.locks)."""

    plan: Callable[..., Any]
    write: Callable[..., dict[str, int]]
    preview: Callable[[Any], dict[str, int]]
    customers: Callable[[Any], set[int]] = locks.no_customers


def _sales_preview(plan: sales.SalesPlan) -> dict[str, int]:
    missing_products = sum(1 for sku in plan.products if sku not in plan.product_ids)
    return {"customers created": len(plan.new_customers), "products created": missing_products}


IMPORTERS: dict[str, Importer] = {
    "sales": Importer(sales.sales_plan, sales_write.sales_write, _sales_preview, locks.sales_customers),
    "customers": Importer(customers.customers_plan, customers.customers_write, customers.customers_preview,
                          locks.customers_customers),
    "payments": Importer(payments.payments_plan, payments.payments_write, lambda plan: {}, locks.payments_customers),
    "visits": Importer(visits.visits_plan, visits.visits_write, visits.visits_preview, locks.visits_customers),
}
KINDS = tuple(IMPORTERS)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a big file makes millions of small objects and no cycles, and each
    collection walks all of them (measured: more than a third of an import's CPU time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_file(
    *,
    kind: str,
    path: str | Path,
    name: str | None = None,
    user: Any = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one CSV/XLSX file of `kind` all-or-nothing, idempotently, recording an ImportBatch (docs/imports.md §6).

    `name` is how messages call the file (the upload's name; default the path as given). `progress(stage, done,
    total)` is called every few thousand rows with stage "validating" or "writing". Raises ImportUsageError for
    an unknown kind or a missing file; everything else ends up in the report (status done / invalid / failed).
    """
    with _gc_paused():
        return _import_file(kind=kind, path=path, name=name, user=user, dry_run=dry_run, progress=progress)


def _import_file(
    *, kind: str, path: str | Path, name: str | None, user: Any, dry_run: bool, progress: Progress | None
) -> ImportReport:
    if kind not in IMPORTERS:
        raise ImportUsageError(f"unknown import kind {kind!r} (use {', '.join(KINDS)})")
    path = Path(path)
    try:
        # The size is checked before the file is read: a file over the limit is never held in memory. A local file
        # is an operator's (the commands), so it has its own, larger limit than an upload.
        too_big = path.stat().st_size > max_file_bytes()
        data = b"" if too_big else path.read_bytes()
        digest = _file_sha256(path) if too_big else hashlib.sha256(data).hexdigest()
    except OSError as exc:
        raise ImportUsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    name = (name or str(path)).replace("\x00", "")  # an uploaded name is the client's text; PostgreSQL refuses NUL
    import_batches_sweep()  # batches of killed runs stop saying "running" (sales.imports.sweep)
    batch = ImportBatch.objects.create(
        kind=kind, file_name=name[:255], sha256=digest, user=user if _is_user(user) else None, dry_run=dry_run,
    )  # fmt: skip
    return _import_data(batch=batch, data=None if too_big else data, name=name, user=user, progress=progress,
                        too_big=file_limit_text())


def import_queued(*, batch: ImportBatch, data: bytes, progress: Progress | None = None) -> ImportReport:
    """Run an import the API queued (sales.imports.jobs): the batch row exists, the upload's bytes are given.

    Checked again here, not trusted from the web process: the size limit, and (in `read_table`) the XLSX limits
    before anything is parsed.
    """
    too_big = len(data) > max_upload_bytes()
    with _gc_paused():
        return _import_data(batch=batch, data=None if too_big else data, name=batch.file_name, user=batch.user,
                            progress=progress, too_big=upload_limit_text())


def _import_data(*, batch: ImportBatch, data: bytes | None, name: str, user: Any,
                 progress: Progress | None, too_big: str) -> ImportReport:
    """Validate and (unless a dry run) write `data` for `batch`; `data` None means the file was over the limit,
    which `too_big` names."""
    kind, dry_run = batch.kind, batch.dry_run
    report = ImportReport(kind=kind, file_name=name, sha256=batch.sha256, dry_run=dry_run)
    report.batch_id = batch.id
    ctx = Context(file_name=name, user=user if _is_user(user) else None, progress=progress or no_progress)
    importer = IMPORTERS[kind]
    try:
        if data is None:
            raise FileFormatError(too_big)
        table = read_table(data)
        report.rows = len(table)
    except FileFormatError as exc:
        ctx.errors.add(exc.row, exc.field, str(exc))
        return _finish(batch, report, status=ImportBatch.Status.INVALID, errors=ctx)
    except Exception as exc:
        return _unexpected(batch, report, exc, "while reading")
    for attempt in range(1, locks.PLAN_ATTEMPTS + 1):
        ctx.errors = ErrorList(name)
        try:
            plan = importer.plan(table=table, ctx=ctx)
        except FileFormatError as exc:
            ctx.errors.add(exc.row, exc.field, str(exc))
            plan = None
        except Exception as exc:
            return _unexpected(batch, report, exc, "while reading")
        if ctx.errors or plan is None:
            return _finish(batch, report, status=ImportBatch.Status.INVALID, errors=ctx)
        report.created, report.updated, report.unchanged = plan.counts()
        report.periods = sorted(plan.periods)
        if dry_run:
            report.details = importer.preview(plan)
            return _finish(batch, report, status=ImportBatch.Status.DONE)
        try:
            with transaction.atomic():
                # Customers first, in id order, as a merge locks them: the two then queue instead of deadlocking.
                locks.customers_lock(importer.customers(plan))
                report.details = importer.write(plan=plan, batch=batch, ctx=ctx)
                _mark_stale(report)
            break
        except locks.PlanStale as exc:
            # A merge removed a customer the plan resolved (its code is now an alias): plan again, nothing written.
            logger.info("import of %s: %s; planning again (attempt %d)", name, exc, attempt)
            if attempt == locks.PLAN_ATTEMPTS:
                report.failure = f"customers kept changing while importing, nothing was written: {exc}"
                return _finish(batch, report, status=ImportBatch.Status.FAILED)
        except DatabaseError as exc:
            # The transaction rolled back every domain row; the batch row (outside it) keeps the reason.
            logger.exception("import of %s failed", name)
            report.failure = f"database error, nothing was written: {exc}".strip()
            return _finish(batch, report, status=ImportBatch.Status.FAILED)
        except Exception as exc:
            return _unexpected(batch, report, exc, "")
    return _finish(batch, report, status=ImportBatch.Status.DONE)


def _unexpected(batch: ImportBatch, report: ImportReport, exc: Exception, when: str) -> NoReturn:
    """Anything unforeseen: the batch says so instead of staying "running" for ever, and the error goes on up."""
    where = f" {when}" if when else ""
    report.failure = f"unexpected error{where}, nothing was written: {exc.__class__.__name__}: {exc}"
    _finish(batch, report, status=ImportBatch.Status.FAILED)
    raise exc


def import_fail(*, batch: ImportBatch, failure: str) -> ImportReport:
    """Record that `batch` cannot run at all (its task found no upload, or gave up), saying why."""
    report = ImportReport(kind=batch.kind, file_name=batch.file_name, sha256=batch.sha256, dry_run=batch.dry_run,
                          batch_id=batch.id, failure=failure)
    return _finish(batch, report, status=ImportBatch.Status.FAILED)


def _mark_stale(report: ImportReport) -> None:
    """Closed periods the import changed are recomputed by a task once the import has committed (issue 3): analytics
    receives the signal (sales sits below it and does not import it)."""
    if report.periods:
        periods_changed.send(sender=ImportBatch, periods=report.periods, reason=f"import of {report.file_name}")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _is_user(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "pk", None))


def _finish(batch: ImportBatch, report: ImportReport, *, status: str, errors: Context | None = None) -> ImportReport:
    """Record the outcome on the batch row and in the report."""
    report.status = status
    if errors is not None:
        report.errors = errors.errors.sorted()
        report.error_count = len(report.errors)
    stored = [e.as_dict() for e in report.errors[:ERROR_STORE_LIMIT]]
    if report.failure:
        stored.append({"file": report.file_name, "row": 0, "field": "database", "problem": report.failure})
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, finished_at=timezone.now(), rows=report.rows, created=report.created,
        updated=report.updated, unchanged=report.unchanged, periods=report.periods, errors=stored,
        error_count=report.error_count + (1 if report.failure else 0),
    )  # fmt: skip
    return report
