"""django-filter base for tenant data: every model choice is limited to the active tenant."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import django_filters
from django.db.models import OrderBy, Q, QuerySet

from prodtrack.exceptions import ValidationError
from prodtrack.models import Tenant


class TenantFilterSet(django_filters.FilterSet):
    """A FilterSet whose model-choice filters only accept the tenant's own objects.

    Another tenant's id in a filter is "not a valid choice" (400), never a way to read its data.
    """

    def __init__(self, data: Any = None, queryset: QuerySet | None = None, *, tenant: Tenant | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data, queryset, **kwargs)
        self.tenant = tenant
        for filter_ in self.filters.values():
            if isinstance(filter_, (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)):
                # Without a tenant (only the schema generator builds one so) no object is a valid choice.
                filter_.queryset = filter_.queryset.filter(tenant=tenant) if tenant else filter_.queryset.none()


def apply_filters(filterset_class: type[TenantFilterSet], data: Any, queryset: QuerySet, *, tenant: Tenant) -> QuerySet:
    """Filter ``queryset`` with ``data``; invalid values raise ValidationError (400) per field."""
    filterset = filterset_class(data or {}, queryset, tenant=tenant)
    if not filterset.is_valid():
        fields = {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
        name, messages = next(iter(fields.items()))
        raise ValidationError(f"{name}: {messages[0]}", fields=fields)
    return stable_order(filterset.qs)


def _descending(field: Any) -> bool:
    return field.descending if isinstance(field, OrderBy) else str(field).startswith("-")


def stable_order(queryset: QuerySet) -> QuerySet:
    """Append the primary key, in the direction of the last sort key, so pages never repeat or
    skip rows on ties (and an index ending in ``id`` in that direction serves the sort)."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    if not any(field.lstrip("-") in ("pk", "id") for field in ordering if isinstance(field, str)):
        ordering.append("-pk" if ordering and _descending(ordering[-1]) else "pk")
    return queryset.order_by(*ordering)


def words_filter(queryset: QuerySet, fields: list[str], value: str) -> QuerySet:
    """Every whitespace-separated word of ``value`` must occur (case-insensitive) in one of ``fields``.

    "petg prusament" matches a Prusament PETG; "galaxy black" matches "Galaxy Black".
    """
    for word in value.split():
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset


class DayFilter(django_filters.DateFilter):
    """A day bound on a timestamp, in the tenant's time zone, as an index-friendly range.

    ``bound="from"`` keeps rows at or after that day's local midnight, ``bound="to"`` rows
    before the next day's local midnight (``field__date`` would use the server's zone and
    defeat the index).
    """

    def __init__(self, *args: Any, bound: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bound = bound

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in (None, ""):
            return qs
        zone = ZoneInfo(getattr(self.parent, "tenant", None) and self.parent.tenant.time_zone or "UTC")
        if self.bound == "from":
            return qs.filter(**{f"{self.field_name}__gte": datetime.combine(value, time.min, zone)})
        return qs.filter(**{f"{self.field_name}__lt": datetime.combine(value + timedelta(days=1), time.min, zone)})
