"""POST/GET /api/v1/imports/ (docs/imports.md §7, issue 17 item 5): admin only; POST queues a job and answers 202 with
the batch and where to poll it; GET /api/v1/imports/<id>/ shows status, counts, progress and row errors."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from customers.tokens import api_token_issue
from sales.imports import jobs
from sales.models import ImportBatch, ImportUpload, Order

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/"
GOOD = b"order_no,order_date,customer_code,amount\nSO1,2025-01-05,00123,100\n"
BAD = b"order_no,order_date,customer_code,amount\nSO1,2025-01-05,00123,abc\nSO2,2025-01-06,00123,1\n"


def upload(content: bytes, name: str = "sales.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def admin_client(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.fixture
def post(admin_client, django_capture_on_commit_callbacks):
    """post(content, run=True, **fields): POST an import; with run, its task runs (eager) after the commit."""

    def send(content: bytes, *, run: bool = True, name: str = "sales.csv", **fields):
        with django_capture_on_commit_callbacks(execute=run):
            return admin_client.post(URL, {"file": upload(content, name), "kind": "sales", **fields},
                                     format="multipart")

    return send


def test_post_answers_202_with_the_batch_and_the_job_writes_it(post, admin_client, admin_user):
    response = post(GOOD, run=False)
    assert response.status_code == 202, response.content
    body = response.json()
    batch_id = body["id"]
    assert (body["status"], body["url"], response["Location"]) == ("queued", f"{URL}{batch_id}/", f"{URL}{batch_id}/")
    assert body["progress"] == {"stage": "", "done": 0, "total": 0}
    assert not Order.objects.exists() and ImportUpload.objects.filter(batch_id=batch_id).exists()
    # The worker's task (run here in-process) validates and writes it; the upload is dropped afterwards.
    from sales.tasks import import_run

    assert import_run.delay(batch_id).get()["status"] == "done"
    got = admin_client.get(response["Location"]).json()
    assert (got["status"], got["rows"], got["created"], got["periods"], got["user"]) == ("done", 1, 1, ["2025-01"],
                                                                                        "boss")
    assert got["progress"]["stage"] == "writing" and got["progress"]["done"] == got["progress"]["total"] == 1
    assert Order.objects.get().import_batch_id == batch_id
    assert not ImportUpload.objects.exists()
    listing = admin_client.get(URL).json()
    assert listing["count"] == 1 and listing["results"][0]["user"] == "boss"


def test_round_trip_with_the_task_after_commit(post, admin_client):
    response = post(GOOD)
    assert response.status_code == 202
    got = admin_client.get(response["Location"]).json()
    assert (got["status"], got["created"], got["error_count"], got["error_lines"]) == ("done", 1, 0, [])
    assert Order.objects.count() == 1


def test_dry_run_writes_nothing(post, admin_client):
    response = post(GOOD, dry_run="true")
    got = admin_client.get(response["Location"]).json()
    assert response.status_code == 202 and (got["status"], got["dry_run"], got["created"]) == ("done", True, 1)
    assert not Order.objects.exists()


def test_a_bad_file_ends_with_its_row_errors(post, admin_client):
    got = admin_client.get(post(BAD)["Location"]).json()
    assert (got["status"], got["error_count"]) == ("invalid", 1)
    assert got["errors"] == [{"file": "sales.csv", "row": 2, "field": "amount", "problem": 'not a number: "abc"'}]
    assert got["error_lines"] == ['sales.csv:2: amount: not a number: "abc"']
    assert not Order.objects.exists() and not ImportUpload.objects.exists()


def test_binary_data_ends_failed_or_invalid_with_a_row_error_not_a_500(post, admin_client):
    response = post(b"\x00\x01binary\x00" * 50, name="junk.csv")
    got = admin_client.get(response["Location"]).json()
    assert got["status"] == "invalid" and got["error_lines"][0].startswith("junk.csv:1: ")


def test_a_failed_write_marks_the_batch_failed_with_the_reason(post, admin_client, monkeypatch):
    from django.db import DatabaseError

    from sales.imports import service

    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setitem(service.IMPORTERS, "sales", service.IMPORTERS["sales"].__class__(
        service.IMPORTERS["sales"].plan, broken, service.IMPORTERS["sales"].preview))
    got = admin_client.get(post(GOOD)["Location"]).json()
    assert got["status"] == "failed"
    assert got["error_lines"] == ["sales.csv:0: database: database error, nothing was written: disk full"]
    assert not Order.objects.exists()


def test_starting_the_same_file_twice_returns_the_running_one(post, admin_client, admin_user):
    first = post(GOOD, run=False).json()
    again = post(GOOD, run=False)
    assert again.status_code == 202 and again.json()["id"] == first["id"]
    ImportBatch.objects.filter(pk=first["id"]).update(status="running")
    assert post(GOOD, run=False).json()["id"] == first["id"]
    # Another kind or a dry run of the same bytes is another job; so is the same file once the first finished.
    assert post(GOOD, run=False, dry_run="true").json()["id"] != first["id"]
    ImportBatch.objects.filter(pk=first["id"]).update(status="done")
    assert post(GOOD, run=False).json()["id"] != first["id"]
    assert ImportBatch.objects.count() == 3


def test_the_same_file_by_another_admin_is_their_own_job(post):
    from tests.factories import UserFactory

    first = post(GOOD, run=False).json()
    other = APIClient()
    other.force_authenticate(UserFactory(username="boss2", role="admin"))
    second = other.post(URL, {"file": upload(GOOD), "kind": "sales"}, format="multipart").json()
    assert second["id"] != first["id"]


def test_progress_reads_an_intermediate_count_while_the_job_runs(post, admin_client, monkeypatch):
    """The poller's view mid-way: the hook reads the batch through the API each time the importer reports."""
    seen: list[tuple[str, str, int, int]] = []
    report = jobs.BatchProgress.__call__

    def watched(self, stage, done, total):
        report(self, stage, done, total)
        body = admin_client.get(f"{URL}{self.batch_id}/").json()
        seen.append((body["status"], body["progress"]["stage"], body["progress"]["done"], body["progress"]["total"]))

    monkeypatch.setattr(jobs.BatchProgress, "__call__", watched)
    rows = "".join(f"SO{i},2025-01-05,00{100 + i % 7},{i + 1}\n" for i in range(60))
    response = post(f"order_no,order_date,customer_code,amount\n{rows}".encode())
    assert any(status == "running" and stage == "validating" and 0 < done < total == 60
               for status, stage, done, total in seen), seen
    assert admin_client.get(response["Location"]).json()["status"] == "done" and Order.objects.count() == 60


def test_salespeople_read_only_their_own_batches(book, admin_user, post):
    theirs = post(GOOD, run=False).json()
    sp = book["sp1"].user
    own = ImportBatch.objects.create(kind="sales", file_name="own.csv", sha256="0" * 64, user=sp, status="done")
    client = APIClient()
    client.force_authenticate(sp)
    assert client.get(f"{URL}{theirs['id']}/").status_code == 404
    assert client.get(f"{URL}{own.pk}/").json()["file_name"] == "own.csv"
    assert client.get(URL).status_code == 403


def test_xlsx_upload(post, admin_client, tmp_path):
    from tests.sales.helpers import write_xlsx

    path = write_xlsx(tmp_path / "s.xlsx", ["订单号", "日期", "客户编码", "金额"], [["SO1", "2025-01-05", "00123", 5]])
    got = admin_client.get(post(path.read_bytes(), name="s.xlsx")["Location"]).json()
    assert got["status"] == "done" and Order.objects.get().customer.code == "00123"


def test_bad_request_kind(admin_client):
    response = admin_client.post(URL, {"file": upload(GOOD), "kind": "nonsense"}, format="multipart")
    assert response.status_code == 400 and "kind" in response.json()
    assert not ImportBatch.objects.exists()


def test_admin_token(admin_user, django_capture_on_commit_callbacks):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=admin_user)[1]}")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": upload(GOOD), "kind": "sales"}, format="multipart")
    assert response.status_code == 202 and client.get(response["Location"]).json()["status"] == "done"


def test_salesperson_and_manager_forbidden(book, manager_user):
    for user in (book["sp1"].user, manager_user):
        client = APIClient()
        client.force_authenticate(user)
        assert client.post(URL, {"file": upload(GOOD), "kind": "sales"}, format="multipart").status_code == 403
        assert client.get(URL).status_code == 403
    assert not Order.objects.exists() and not ImportBatch.objects.exists()


def test_anonymous_refused():
    client = APIClient()
    assert client.post(URL, {"file": upload(GOOD), "kind": "sales"}, format="multipart").status_code in (401, 403)
    assert client.get(URL).status_code in (401, 403)
    assert client.get(f"{URL}1/").status_code in (401, 403)
    assert not Order.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_write_progress_is_visible_while_the_import_transaction_is_open(admin_user, monkeypatch):
    """On PostgreSQL the writing stage reports through a connection of its own: a poller sees it before the
    import's transaction commits (through the import's own connection it would stay invisible until then)."""
    from django.db import connection, connections

    from sales.imports.jobs import file_sha256, import_enqueue
    from sales.tasks import import_run

    seen: list[tuple[bool, str, int]] = []
    report = jobs.BatchProgress.__call__

    def watched(self, stage, done, total):
        report(self, stage, done, total)
        if stage == "writing" and done < total:
            # A read by a third connection: what the API would serve to a poller right now.
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT stage, progress_total FROM sales_importbatch WHERE id = %s",
                                   [self.batch_id])
                    stored_stage, stored_total = cursor.fetchone()
            finally:
                other.close()
            seen.append((connection.in_atomic_block, stored_stage, stored_total))

    monkeypatch.setattr(jobs.BatchProgress, "__call__", watched)
    sha256, data = file_sha256([GOOD])
    batch, _ = import_enqueue(kind="sales", name="sales.csv", data=data, sha256=sha256, user=admin_user,
                              dry_run=False, enqueue=lambda batch_id: None)
    assert import_run.delay(batch.pk).get()["status"] == "done"
    assert seen == [(True, "writing", 1)]
    assert Order.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_starts_of_one_file_make_one_job(admin_user, monkeypatch):
    """Four requests with the same file at the same moment (a double click, a retried client): one batch."""
    import threading
    import time

    from django.db import connection

    from sales.imports.jobs import file_sha256, import_enqueue

    look = jobs.import_active

    def slow_look(**kwargs):
        found = look(**kwargs)
        time.sleep(0.2)  # widen the gap between "none running" and the insert, where a second start could slip in
        return found

    monkeypatch.setattr(jobs, "import_active", slow_look)
    sha256, data = file_sha256([GOOD])
    barrier, got, errors = threading.Barrier(4), [], []

    def start() -> None:
        try:
            barrier.wait(timeout=30)
            batch, created = import_enqueue(kind="sales", name="sales.csv", data=data, sha256=sha256,
                                            user=admin_user, dry_run=False, enqueue=lambda batch_id: None)
            got.append((batch.pk, created))
        except Exception as exc:  # noqa: BLE001 - collected and asserted
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len({pk for pk, _ in got}) == 1 and sorted(created for _, created in got) == [False, False, False, True]
    assert ImportBatch.objects.count() == 1 and ImportUpload.objects.count() == 1
