"""Core services: tenants and memberships, plus the validated-save helpers every app uses."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import slugify

from prodtrack.exceptions import InUseError, ValidationError
from prodtrack.models import Membership, Role, Tenant, User
from prodtrack.telemetry import traced
from prodtrack.tenancy import parse_short_code

M = TypeVar("M", bound=models.Model)


def model_save_validated(instance: M, *, unique_fields: Iterable[str] = (), update_fields: list[str] | None = None) -> M:
    """``full_clean`` then save; field errors become ``ValidationError`` (400) with ``fields``.

    ``unique_fields`` names the field to blame when a tenant-unique constraint fails, so that a
    duplicate SKU says ``{"sku": ["already used"]}`` rather than a non-field error — also when a
    concurrent insert wins the race and the database raises ``IntegrityError``.
    """
    unique_fields = list(unique_fields)
    exclude = {"tenant"} if hasattr(instance, "tenant_id") else set()
    if update_fields is not None:   # validate what is saved: the other fields are as stored
        exclude |= {field.name for field in instance._meta.concrete_fields if field.name not in update_fields}
    try:
        instance.full_clean(exclude=exclude or None, validate_constraints=False)
    except DjangoValidationError as error:
        raise ValidationError.from_django(error) from error
    model = type(instance)
    tenant_id = getattr(instance, "tenant_id", None)
    for field in unique_fields:
        clash = model._default_manager.filter(**{field: getattr(instance, field)})
        if tenant_id is not None:
            clash = clash.filter(tenant_id=tenant_id)
        if instance.pk is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ValidationError.for_field(field, f"{getattr(instance, field)!r} is already used.")
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as error:
        if unique_fields:
            raise ValidationError.for_field(unique_fields[0], "is already used.") from error
        raise
    return instance


def model_update(instance: M, *, data: dict[str, Any], unique_fields: Iterable[str] = (),
                 check: Callable[[M], None] | None = None) -> M:
    """The one way a service updates fields: set the attributes in ``data`` that differ, run
    ``check(instance)`` (the service's own rules across fields; it raises ApplicationError), then
    validate (``model_save_validated``) and save only the changed fields, plus the model's
    ``auto_now`` fields. Nothing is saved when nothing changed."""
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, data[name])
    if check is not None:
        check(instance)
    if not changed:
        return instance
    stamped = [field.name for field in instance._meta.concrete_fields if getattr(field, "auto_now", False)]
    return model_save_validated(instance, unique_fields=[f for f in unique_fields if f in changed],
                                update_fields=[*changed, *(name for name in stamped if name not in changed)])


def model_delete(instance: models.Model) -> None:
    """The one way a service deletes a row that others may point at with ``PROTECT``/``RESTRICT``:
    delete it, or raise InUseError (409) saying what uses it (``"Recipe 'Stand' is used by 3 job
    queue entries: it cannot be deleted."``, ``extra["used_by"]`` by model) and delete nothing."""
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as error:
        objects = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
        by_model = Counter(type(obj) for obj in objects)
        counts = dict(sorted((str(model._meta.verbose_name_plural), count) for model, count in by_model.items()))
        what = "; ".join(f"{count} {model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}"
                         for model, count in sorted(by_model.items(), key=lambda pair: pair[0]._meta.label))
        label = f"{instance._meta.verbose_name.capitalize()} {str(instance)!r}"
        raise InUseError(f"{label} is used by {what}: it cannot be deleted.", used_by=counts) from None


@traced("tenant.create")
@transaction.atomic
def tenant_create(*, name: str, short_code: str, slug: str | None = None, time_zone: str = "UTC") -> Tenant:
    """Create a tenant. Raises ValidationError for a bad or taken short code or slug."""
    code = parse_short_code(short_code)
    tenant = Tenant(name=name.strip(), short_code=code, slug=slug or slugify(name)[:60] or code.lower(),
                    time_zone=time_zone)
    return model_save_validated(tenant, unique_fields=["short_code", "slug"])


# ISO 4217 currency codes in use (funds and metals left out).
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD
HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR
PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
""".split())


@traced("tenant.currency_set")
@transaction.atomic
def tenant_currency_set(*, tenant: Tenant, currency: str) -> Tenant:
    """Set what the tenant counts money in: an ISO 4217 code (``usd`` is read as ``USD``).

    Raises ValidationError (400) for a code that is not ISO 4217; nothing is written then.
    """
    code = currency.strip().upper()
    if code not in ISO_4217:
        raise ValidationError(f"{currency!r} is not an ISO 4217 currency code (such as EUR or USD).",
                              fields={"currency": ["is not an ISO 4217 currency code."]})
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    return model_update(tenant, data={"currency": code})


@traced("membership.set")
@transaction.atomic
def membership_set(*, tenant: Tenant, user: User, role: str) -> Membership:
    """Give ``user`` the ``role`` in ``tenant`` (creates or updates the membership)."""
    if role not in Role.values:
        raise ValidationError.for_field("role", f"must be one of {', '.join(Role.values)}.")
    membership, _ = Membership.objects.update_or_create(tenant=tenant, user=user, defaults={"role": role})
    return membership


@traced("user.ensure")
@transaction.atomic
def user_ensure(*, username: str, password: str | None = None, email: str = "", is_staff: bool = False) -> User:
    """Get or create a user by username; sets the password when one is given."""
    user, created = User.objects.get_or_create(username=username, defaults={"email": email, "is_staff": is_staff})
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user
