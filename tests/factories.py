"""factory_boy factories for tests. Ledger-backed objects (spools) go through the services."""
from __future__ import annotations

from decimal import Decimal

import factory

from inventory import services as inventory_services
from inventory.models import ItemType, Location, Workstation
from prodtrack.models import Membership, Role, Tenant, User

PASSWORD = "correct horse battery staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Print Farm {n}")
    slug = factory.Sequence(lambda n: f"farm-{n}")
    short_code = factory.Sequence(lambda n: f"T{n:03d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Role.ADMIN


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Shelf {n}")
    kind = Location.Kind.WAREHOUSE


class WorkstationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workstation

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Printer {n}")
    location = factory.SubFactory(LocationFactory, tenant=factory.SelfAttribute("..tenant"))
    activities = factory.LazyFunction(lambda: ["printing"])


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemType
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Prusament PLA Colour {n}")
    sku = factory.Sequence(lambda n: f"MAT-{n:05d}")
    kind = ItemType.Kind.MATERIAL
    unit = ItemType.Unit.GRAMS
    unit_cost = Decimal("0.0250")
    material = "PLA"
    manufacturer = "Prusament"
    color_name = "Galaxy Black"
    color_hex = "#3D3E3D"
    density_g_cm3 = Decimal("1.240")
    diameter_mm = Decimal("1.75")
    net_weight_g = Decimal("1000")
    spool_weight_g = Decimal("201")

    @factory.post_generation
    def manufacturer_row(obj, create, extracted, **kwargs):
        """As the item type services do: its manufacturer exists as a row (Spoolman's vendor)."""
        if create:
            inventory_services.manufacturers_ensure(tenant_id=obj.tenant_id, names=[obj.manufacturer])


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemType

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Phone stand {n}")
    sku = factory.Sequence(lambda n: f"PRD-{n:05d}")
    kind = ItemType.Kind.PRODUCT
    unit = ItemType.Unit.PIECES
    unit_cost = Decimal("2.50")


class ComponentFactory(ProductFactory):
    """A bought part counted in pieces (a bag of steel shot, a magnet)."""

    name = factory.Sequence(lambda n: f"Magnet {n}")
    sku = factory.Sequence(lambda n: f"CMP-{n:05d}")
    kind = ItemType.Kind.COMPONENT
    unit_cost = Decimal("0.40")


def make_member(*, tenant: Tenant, role: Role, username: str) -> User:
    """A user (password ``PASSWORD``) who belongs to ``tenant`` with ``role``."""
    user = UserFactory(username=username)
    MembershipFactory(user=user, tenant=tenant, role=role)
    return user


def receive_spool(*, tenant: Tenant, by: User, material: ItemType | None = None, location: Location | None = None,
                  grams: str = "1000", **kwargs):
    """A spool received through the real service (so its receipt row exists)."""
    material = material or MaterialFactory(tenant=tenant)
    location = location or LocationFactory(tenant=tenant)
    return inventory_services.spool_receive(tenant=tenant, by=by, item_type=material, location=location,
                                            initial_weight_g=Decimal(grams), **kwargs)


def make_recipe(*, tenant: Tenant, product: ItemType, inputs: list[tuple[ItemType, str]], output_quantity: int = 1,
                duration_s: int = 3600, name: str | None = None):
    """A recipe through the real service: ``inputs`` are (item type, quantity per run) pairs."""
    from plans.services import InputSpec, recipe_create

    return recipe_create(tenant=tenant, name=name or f"{product.name} plate", product=product,
                         output_quantity=output_quantity, duration_s=duration_s,
                         inputs=[InputSpec(item_type=item, quantity=Decimal(qty)) for item, qty in inputs])
