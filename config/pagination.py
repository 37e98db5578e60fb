from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """docs/interfaces.md §5: 50 rows a page by default, at most 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):  # type: ignore[no-untyped-def]
        """A page_size that is not a whole number >= 1 is a 400 (DRF would silently use the default); above 500,
        500."""
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError({self.page_size_query_param: ["a whole number from 1 to 500"]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):  # type: ignore[no-untyped-def]
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1)
        return parameters
