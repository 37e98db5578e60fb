"""Churn training from the settings page is a background job with progress, never work inside the request."""

import pytest

from analytics.churn.tasks import churn_train_job
from analytics.models import BackgroundJob, ChurnModel


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_training_from_the_page_is_a_job_with_progress(admin_client, monkeypatch):
    response = admin_client.post("/settings/grading/churn/train/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    job = BackgroundJob.objects.get()
    assert (job.kind, job.status, job.done, job.total) == ("churn_train", "queued", 0, 2)
    assert not ChurnModel.objects.exists()  # nothing trained inside the request
    assert f'id="job-{job.pk}"' in response.content.decode()

    again = admin_client.post("/settings/grading/churn/train/", HTTP_HX_REQUEST="true")
    assert BackgroundJob.objects.count() == 1 and again["HX-Reswap"] == "none"  # the running job, not a second
    box = admin_client.get("/settings/grading/churn/train/form/").content.decode()
    assert "<button type=\"submit\" disabled>" in box

    seen = {}

    def rescore(model, periods=None):  # mid-way: the fit is counted, the job still runs
        seen["job"] = BackgroundJob.objects.values_list("status", "done", "total").get(pk=job.pk)
        return {}

    monkeypatch.setattr("analytics.services.churn_fill.churn_model_rescore", rescore)
    churn_train_job.run(job.pk)
    assert seen["job"] == ("running", 1, 2)
    job.refresh_from_db()
    assert (job.status, job.done) == ("done", 2)
    assert ChurnModel.objects.filter(pk=job.result["model"]).exists()
    partial = admin_client.get(f"/settings/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in partial and '<progress max="2" value="2"' in partial
    assert "<button type=\"submit\">" in admin_client.get("/settings/grading/churn/train/form/").content.decode()


@pytest.mark.django_db
def test_a_page_retrains_even_when_a_model_of_that_day_exists(admin_client, django_capture_on_commit_callbacks):
    from analytics.services.first_fill import churn_as_of

    ChurnModel.objects.create(as_of=churn_as_of(), horizon_days=90, metrics={}, beats_baseline=False, blob=b"")
    with django_capture_on_commit_callbacks(execute=True):  # the eager test worker runs the job
        admin_client.post("/settings/grading/churn/train/", HTTP_HX_REQUEST="true")
    assert ChurnModel.objects.count() == 2
    assert BackgroundJob.objects.get().status == "done"


@pytest.mark.django_db
def test_only_admins_start_a_training(client, django_user_model):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="sales9"))
    assert client.post("/settings/grading/churn/train/").status_code in (302, 403)
    assert not BackgroundJob.objects.exists()
