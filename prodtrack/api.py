"""Base pieces of the DRF API: the tenant-aware view, pagination and the token endpoint.

``TenantApiView`` resolves the active tenant after DRF has authenticated the request
(``X-Tenant`` short code, else the user's only tenant, else the session's), checks the role
(``read_role`` for safe methods, ``write_role`` otherwise) and gives ``paginate`` and
``validate`` helpers so concrete views stay thin: parse → one service/selector → render.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from prodtrack.exceptions import NotFoundError, ValidationError
from prodtrack.models import Role
from prodtrack.pagination import PageNumberPagination
from prodtrack.tenancy import (
    SESSION_TENANT_KEY,
    TENANT_HEADER,
    get_for_tenant,
    require_role,
    resolve_membership,
    user_memberships,
)

TENANT_PARAMETER = OpenApiParameter(
    TENANT_HEADER, str, OpenApiParameter.HEADER, required=False,
    description="Short code of the tenant to act in; optional when you belong to one tenant only.")


@extend_schema(parameters=[TENANT_PARAMETER])
class TenantApiView(APIView):
    """Base of every tenant API view.

    ``url_kwarg_models`` maps each URL keyword to the model it identifies; the tenant-isolation
    test sweep reads it to call every route with another tenant's ids.
    """

    read_role: str = Role.VIEWER
    write_role: str = Role.OPERATOR
    url_kwarg_models: dict[str, type[Model]] = {}
    # For the OpenAPI schema: list views get the page wrapper documented (``paginate`` pages).
    pagination_class = PageNumberPagination

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        header = request.headers.get(TENANT_HEADER)
        resolved_by_middleware = getattr(request._request, "membership", None)
        if header:
            membership = resolve_membership(request.user, short_code=header)
        elif resolved_by_middleware is not None and resolved_by_middleware.user_id == request.user.pk:
            membership = resolved_by_middleware   # session auth: the page's active tenant
        else:
            memberships = user_memberships(request.user)
            session_tenant = request.session.get(SESSION_TENANT_KEY) if hasattr(request, "session") else None
            by_session = [m for m in memberships if m.tenant_id == session_tenant]
            if not memberships:
                raise NotFoundError("You are not a member of any tenant.")
            if len(memberships) > 1 and not by_session:
                raise ValidationError.for_field(TENANT_HEADER, "is required when you belong to several tenants.")
            membership = by_session[0] if by_session else memberships[0]
        request.tenant = membership.tenant
        request.membership = membership
        request._request.tenant = membership.tenant
        require_role(membership, self.read_role if request.method in ("GET", "HEAD", "OPTIONS") else self.write_role)

    # helpers -------------------------------------------------------------------------------
    def get_object(self, kwarg: str = "pk", queryset: QuerySet | None = None) -> Model:
        """The tenant's object named by URL keyword ``kwarg`` (model from ``url_kwarg_models``), or 404."""
        source = queryset if queryset is not None else self.url_kwarg_models[kwarg]
        return get_for_tenant(source, self.request.tenant, self.kwargs[kwarg])

    def validate(self, serializer_class: type[serializers.Serializer], data: Any = None, **context: Any) -> Any:
        """Validate ``data`` (default: the request body) and return ``validated_data`` (a dict, or the
        service dataclass of a ``SpecInput``); 400 otherwise.

        For PATCH only the fields sent are validated (DRF's ``partial``); PUT and POST validate all.
        """
        serializer = serializer_class(
            data=self.request.data if data is None else data, partial=self.request.method == "PATCH",
            context={"request": self.request, "tenant": self.request.tenant, **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def validate_query(self, serializer_class: type[serializers.Serializer]) -> dict:
        """Validate the query string with ``serializer_class``."""
        return self.validate(serializer_class, data=self.request.query_params)

    def paginate(self, queryset: QuerySet, serializer_class: type[serializers.Serializer],
                 page_context: Callable[[list], dict] | None = None) -> Response:
        """One page of ``queryset`` rendered with ``serializer_class`` (count query + page query).
        ``page_context(rows)`` adds what the serializer reads for the whole page at once (e.g. a
        selector's batch of derived values), so a page costs fixed queries."""
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        context = {"request": self.request, **(page_context(list(page)) if page_context else {})}
        return paginator.get_paginated_response(serializer_class(page, many=True, context=context).data)


class TenantFilteredListApi(TenantApiView):
    """A list view whose ``filterset_class`` (the one its selector applies) documents its query
    parameters in the OpenAPI schema."""

    filter_backends = [DjangoFilterBackend]
    filterset_class: type | None = None

    def get_queryset(self) -> QuerySet:
        """For the schema generator only (the selectors do the real querying)."""
        return self.filterset_class._meta.model.objects.none()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenApi(ObtainAuthToken):
    """``POST /api/v1/auth/token/`` ``{"username", "password"}`` → ``{"token"}`` (DRF tokens)."""

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer, auth=[])
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
