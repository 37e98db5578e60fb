from rest_framework.routers import SimpleRouter

from .api import CustomerViewSet, VisitViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("visits", VisitViewSet, basename="visit")
urlpatterns = router.urls
