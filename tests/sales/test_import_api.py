"""POST/GET /api/v1/imports/ (DESIGN 4): admin only, 201 / 200 dry run / 400 with the errors."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from customers.tokens import api_token_issue
from sales.models import ImportBatch, Order

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/"
GOOD = b"order_no,order_date,customer_code,amount\nSO1,2025-01-05,00123,100\n"
BAD = b"order_no,order_date,customer_code,amount\nSO1,2025-01-05,00123,abc\n"


def upload(content: bytes, name: str = "sales.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def admin_client(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def test_admin_imports_201_then_lists(admin_client, admin_user):
    response = admin_client.post(URL, {"file": upload(GOOD), "kind": "sales"}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["created"], body["file_name"], body["periods"]) == ("done", 1, "sales.csv",
                                                                                    ["2025-01"])
    assert Order.objects.count() == 1
    assert ImportBatch.objects.get().user == admin_user
    listing = admin_client.get(URL).json()
    assert listing["count"] == 1
    assert listing["results"][0]["file_name"] == "sales.csv" and listing["results"][0]["user"] == "boss"


def test_dry_run_200(admin_client):
    response = admin_client.post(URL, {"file": upload(GOOD), "kind": "sales", "dry_run": "true"}, format="multipart")
    assert response.status_code == 200 and response.json()["dry_run"] is True
    assert not Order.objects.exists()


def test_invalid_400_with_errors(admin_client):
    response = admin_client.post(URL, {"file": upload(BAD), "kind": "sales"}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [{"file": "sales.csv", "row": 2, "field": "amount", "problem": 'not a number: "abc"'}]
    assert body["error_lines"] == ['sales.csv:2: amount: not a number: "abc"']
    assert not Order.objects.exists()


def test_xlsx_upload(admin_client, tmp_path):
    from tests.sales.helpers import write_xlsx

    path = write_xlsx(tmp_path / "s.xlsx", ["订单号", "日期", "客户编码", "金额"], [["SO1", "2025-01-05", "00123", 5]])
    response = admin_client.post(URL, {"file": upload(path.read_bytes(), "s.xlsx"), "kind": "sales"},
                                 format="multipart")
    assert response.status_code == 201 and Order.objects.get().customer.code == "00123"


def test_bad_request_kind(admin_client):
    response = admin_client.post(URL, {"file": upload(GOOD), "kind": "nonsense"}, format="multipart")
    assert response.status_code == 400 and "kind" in response.json()


def test_admin_token(admin_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=admin_user)[1]}")
    assert client.post(URL, {"file": upload(GOOD), "kind": "sales"}, format="multipart").status_code == 201


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
    assert not Order.objects.exists()
