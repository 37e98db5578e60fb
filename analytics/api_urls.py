from rest_framework.routers import SimpleRouter

from .api import PeriodSummaryViewSet, PolicyViewSet, SnapshotRunViewSet, SnapshotViewSet

router = SimpleRouter()
router.register("snapshots", SnapshotViewSet, basename="snapshot")
router.register("periods", PeriodSummaryViewSet, basename="period")
router.register("snapshot-runs", SnapshotRunViewSet, basename="snapshot-run")
router.register("policies", PolicyViewSet, basename="policy")
urlpatterns = router.urls
