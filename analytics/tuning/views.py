"""/settings/grading/: the policy editor with live preview, version history and restore, recompute with progress."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analytics.engine.policy import PolicyError
from analytics.models import BackgroundJob
from analytics.services.churn_train import churn_train_start
from analytics.services.jobs import job_active
from analytics.services.policies import policy_active, policy_of
from analytics.tasks import CHURN_TRAIN_KIND
from customers.views.access import admin_required, is_htmx

from .forms import PolicyForm
from .preview import policy_preview, preview_period
from .services import (
    MAX_RECOMPUTE_MONTHS,
    RECOMPUTE_KIND,
    TuningError,
    policy_history,
    policy_restore,
    policy_save,
    recompute_start,
)


def _page(request: HttpRequest, form: PolicyForm, *, status: int = 200, comment: str = "") -> HttpResponse:
    active = policy_active()
    jobs = BackgroundJob.objects.filter(kind=RECOMPUTE_KIND).order_by("-created_at", "-id")[:3]
    churn_jobs = BackgroundJob.objects.filter(kind=CHURN_TRAIN_KIND).order_by("-created_at", "-id")[:3]
    context = {"form": form, "sections": form.sections(), "active": active, "period": preview_period(),
               "max_months": MAX_RECOMPUTE_MONTHS, "jobs": jobs, "comment": comment,
               "running_job": job_active(kind=RECOMPUTE_KIND), "churn_jobs": churn_jobs,
               "running_churn_job": job_active(kind=CHURN_TRAIN_KIND)}
    return render(request, "settings/grading.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def grading(request: HttpRequest) -> HttpResponse:
    """GET: the active policy in the editor. POST: save it as a new version (or show the engine's messages)."""
    if request.method == "GET":
        return _page(request, PolicyForm.from_stored(policy_active().data))
    form = PolicyForm.from_post(request.POST)
    comment = request.POST.get("comment", "").strip()[:255]
    try:
        row = policy_save(data=form.data(), user=request.user, comment=comment)
    except PolicyError as exc:
        form.fail(exc)
        return _page(request, form, status=400, comment=comment)  # the "what and why" is kept for the retry
    messages.success(request, _("Policy version %(version)s is active.") % {"version": row.version})
    return redirect("settings_grading:grading")


@admin_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """htmx: the draft's preview beside the active policy, and the engine's messages beside each field (oob)."""
    form = PolicyForm.from_post(request.POST)
    result = None
    if form.is_valid():
        assert form.policy is not None
        result = policy_preview(draft=form.policy, active=policy_of(policy_active()), user=request.user)
    context = {"form": form, "sections": form.sections(), "preview": result, "period": preview_period()}
    return render(request, "settings/grading_preview.html", context)


@admin_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    return render(request, "settings/grading_history.html", {"entries": policy_history()})


@admin_required
@require_POST
def restore(request: HttpRequest, version: int) -> HttpResponse:
    try:
        row = policy_restore(version=version, user=request.user)
    except TuningError as exc:
        raise Http404(str(exc)) from exc
    messages.success(request, _("Version %(old)s restored as version %(new)s.") % {"old": version, "new": row.version})
    return redirect("settings_grading:history")


@admin_required
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    """Queue 'recompute the last N months with the active policy' and answer at once (a worker does the work); the
    page then polls the job's progress. The same recompute while one runs answers with the running job."""
    running = job_active(kind=RECOMPUTE_KIND)
    try:
        months = int(request.POST.get("months", ""))
        job = recompute_start(months=months, user=request.user)
    except (ValueError, TuningError):  # the only thing the service refuses is the count of months
        messages.error(request, _("The number of months to recompute must be a whole number from 1 to %(max)s.")
                       % {"max": MAX_RECOMPUTE_MONTHS})
        return redirect("settings_grading:grading")
    if not is_htmx(request):
        return redirect("analytics:job", pk=job.pk)
    response = render(request, "settings/job.html", {"job": job})
    if running is not None and running.pk == job.pk:
        response["HX-Reswap"] = "none"  # its progress bar is on the page already
    response["HX-Trigger"] = "job-started"  # the recompute box re-renders with its button disabled
    return response


@admin_required
@require_GET
def recompute_form(request: HttpRequest) -> HttpResponse:
    """htmx: the recompute box, its button disabled while a recompute is queued or running."""
    context = {"max_months": MAX_RECOMPUTE_MONTHS, "running_job": job_active(kind=RECOMPUTE_KIND)}
    return render(request, "settings/recompute_form.html", context)


@admin_required
@require_POST
def churn_train(request: HttpRequest) -> HttpResponse:
    """Queue a churn training and answer at once (a worker trains and rescores); the page polls its progress. A
    second start while one runs answers with the running job."""
    job, created = churn_train_start(user=request.user)
    if not is_htmx(request):
        return redirect("settings_grading:job", pk=job.pk)
    response = render(request, "settings/job.html", {"job": job})
    if not created:
        response["HX-Reswap"] = "none"  # its progress bar is on the page already
    response["HX-Trigger"] = "job-started"
    return response


@admin_required
@require_GET
def churn_train_form(request: HttpRequest) -> HttpResponse:
    """htmx: the churn training box, its button disabled while a training is queued or running."""
    return render(request, "settings/churn_train_form.html", {"running_churn_job": job_active(kind=CHURN_TRAIN_KIND)})


@admin_required
@require_GET
def job(request: HttpRequest, pk: int) -> HttpResponse:
    """A background job's progress; the htmx partial keeps polling until the job is done or failed."""
    found = BackgroundJob.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    template = "settings/job.html" if is_htmx(request) else "settings/job_page.html"
    response = render(request, template, {"job": found})
    if is_htmx(request) and found.status in (BackgroundJob.Status.DONE, BackgroundJob.Status.FAILED):
        response["HX-Trigger"] = "job-finished"  # the recompute box gives its button back
    return response
