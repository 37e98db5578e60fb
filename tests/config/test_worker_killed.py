"""A worker killed in the middle of a 24-month recompute (issue 18), on the embedded default: the restart loop
brings it back, it carries on with the periods still queued, and the job sweep re-enqueues the job so the period
whose message died with the worker is computed too; the job ends done, every period computed once more."""

import os
import re
import time

import pytest

from tests.config.stack import manage, start_stack
from tests.config.test_recompute_under_load import _progress, login

# One xdist worker runs every test of the embedded stack: they share the session's SQLite templates.
pytestmark = [pytest.mark.celery, pytest.mark.xdist_group("embedded")]


def test_a_worker_killed_mid_job_comes_back_and_the_job_finishes(tmp_path, demo_template):
    stack = start_stack(tmp_path / "kill", demo_template)
    base = stack.url
    try:
        admin = login(base, "admin")
        page = admin.get(f"{base}/settings/grading/", timeout=30).text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = admin.post(f"{base}/settings/grading/recompute/", data={"months": "24"},
                              headers={"HX-Request": "true", "X-CSRFToken": csrf}, timeout=30)
        job = int(re.search(r'id="job-(\d+)"', response.text).group(1))
        deadline = time.monotonic() + 300
        while _progress(admin, base, job)[0] < 3:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        mark = len(stack.output())
        pid = int(re.findall(r"supervise: started celery \(pid (\d+)\)", stack.output())[-1])
        os.kill(pid, 9)  # mid-job: a period is being computed
        stack.wait_for("restarting in", timeout=30, after=mark)
        stack.wait_for(" ready.", timeout=120, after=mark)
        # The restarted worker carries on with the queued periods; the one it was computing died with it.
        deadline = time.monotonic() + 600
        while (state := _progress(admin, base, job))[0] < 23 and state[2] == "running":
            assert time.monotonic() < deadline, state
            time.sleep(0.5)
        time.sleep(3)
        # The beat's sweep (every 5 minutes, after 10 minutes without progress) finds the stalled job; run it now,
        # as if that time had passed: the job's last progress and a run the killed worker left are that old by then.
        manage(stack.folder, "shell", "-c", (
            "from django.utils import timezone; import datetime as dt; "
            "from analytics.models import BackgroundJob, SnapshotRun; "
            "from analytics.services.snapshots import RUN_ABANDONED; "
            f"BackgroundJob.objects.filter(pk={job}, status='running').update("
            "updated_at=timezone.now() - dt.timedelta(minutes=11)); "
            "SnapshotRun.objects.filter(status='running').update("
            "started_at=timezone.now() - RUN_ABANDONED - dt.timedelta(minutes=1)); "
            "from analytics.tasks import jobs_resume; print(jobs_resume.apply().get())"))
        while (state := _progress(admin, base, job))[2] == "running":
            assert time.monotonic() < deadline, state
            time.sleep(0.5)
        assert state[:2] == (24, 24)
        done = manage(stack.folder, "shell", "-c", (
            "from analytics.models import BackgroundJob, SnapshotRun; "
            f"j = BackgroundJob.objects.get(pk={job}); "
            "print(j.status, SnapshotRun.objects.filter(status='done', finished_at__gte=j.created_at)"
            ".values('period').distinct().count(), SnapshotRun.objects.filter(status='running').count())"))
        assert done.strip().splitlines()[-1].split() == ["done", "24", "0"], done
    finally:
        stack.stop()
