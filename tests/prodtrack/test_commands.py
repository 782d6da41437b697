"""``create_tenant``: a tenant, its admin user and membership, or a CommandError naming the option."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from prodtrack.models import Membership, Role, Tenant, User


def create_tenant(*args: str) -> str:
    out = StringIO()
    call_command("create_tenant", *args, stdout=out)
    return out.getvalue()


def test_create_tenant_creates_the_tenant_and_an_admin_membership(db):
    create_tenant("--name", "Acme Prints", "--short-code", "acme", "--admin", "alice",
                  "--password", "correct horse battery")

    tenant = Tenant.objects.get(short_code="ACME")
    assert (tenant.name, tenant.slug) == ("Acme Prints", "acme-prints")
    alice = User.objects.get(username="alice")
    assert alice.check_password("correct horse battery")
    assert Membership.objects.get(tenant=tenant, user=alice).role == Role.ADMIN


def test_create_tenant_prints_a_generated_password_for_a_new_user_without_a_terminal(db):
    output = create_tenant("--name", "Acme Prints", "--short-code", "ACME", "--admin", "alice")

    password = output.split("Generated password for alice: ")[1].strip()
    assert User.objects.get(username="alice").check_password(password)


def test_create_tenant_keeps_an_existing_users_password(db):
    bob = User.objects.create_user(username="bob", password="bob's own password")

    output = create_tenant("--name", "Bee Farm", "--short-code", "BEE", "--admin", "bob")

    bob.refresh_from_db()
    assert bob.check_password("bob's own password")
    assert "Generated password" not in output and "(existing user)" in output
    assert Membership.objects.get(tenant__short_code="BEE", user=bob).role == Role.ADMIN


@pytest.mark.parametrize("short_code", ["A", "TOOLONGCODE", "AC-ME"])
def test_create_tenant_refuses_a_bad_short_code_and_creates_nothing(db, short_code):
    with pytest.raises(CommandError, match="--short-code: must be 2–8 letters or digits"):
        create_tenant("--name", "Acme", "--short-code", short_code, "--admin", "alice", "--password", "long password 1")

    assert not Tenant.objects.exists() and not User.objects.exists()


def test_create_tenant_refuses_a_taken_short_code(tenant):
    with pytest.raises(CommandError, match="--short-code"):
        create_tenant("--name", "Acme Two", "--short-code", "ACME", "--admin", "alice", "--password", "long password 1")

    assert not User.objects.filter(username="alice").exists()


def test_create_tenant_refuses_a_weak_password(db):
    with pytest.raises(CommandError, match="--password: This password is too short"):
        create_tenant("--name", "Acme", "--short-code", "ACME", "--admin", "alice", "--password", "short")

    assert not Tenant.objects.exists()
