"""API pagination (its own module: DRF imports it while loading its settings)."""
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """20 per page; ``page_size`` up to 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
