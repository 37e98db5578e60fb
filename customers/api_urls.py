from rest_framework.routers import SimpleRouter

from .api import CustomerViewSet, VisitViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("visits", VisitViewSet, basename="visit")
urlpatterns = router.urls

# Admin tuning (issue 6): customers/api_admin.py
from .api_admin import (  # noqa: E402
    CustomerMergeViewSet,
    CustomerOverrideViewSet,
    ReassignmentViewSet,
    UserViewSet,
)

router.register("customer-overrides", CustomerOverrideViewSet, basename="customer-override")
router.register("reassignments", ReassignmentViewSet, basename="reassignment")
router.register("customer-merges", CustomerMergeViewSet, basename="customer-merge")
router.register("users", UserViewSet, basename="user")
urlpatterns = router.urls
