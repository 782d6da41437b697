"""Shared fixtures: two tenants with an admin each, and API clients acting as them."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from prodtrack.models import Role
from tests.factories import MembershipFactory, TenantFactory, UserFactory

pytest_plugins = ["tests.fixtures.demo"]


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic: no hashed manifest."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def tenant(db):
    return TenantFactory(name="Acme Prints", short_code="ACME", slug="acme")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(name="Other Farm", short_code="OTHER", slug="other")


@pytest.fixture
def client_as():
    """``client_as(user)`` → a browser-like page client logged in as ``user``; its first page
    has stored the active tenant in the session, as a real browser's would have."""
    from django.test import Client

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        client.get("/")
        return client
    return make


@pytest.fixture
def viewer_client(client_as, viewer_user):
    return client_as(viewer_user)


def _member(tenant, role, username):
    user = UserFactory(username=username)
    MembershipFactory(user=user, tenant=tenant, role=role)
    return user


@pytest.fixture
def admin_user(tenant):
    return _member(tenant, Role.ADMIN, "acme-admin")


@pytest.fixture
def operator_user(tenant):
    return _member(tenant, Role.OPERATOR, "acme-operator")


@pytest.fixture
def viewer_user(tenant):
    return _member(tenant, Role.VIEWER, "acme-viewer")


@pytest.fixture
def other_admin(other_tenant):
    return _member(other_tenant, Role.ADMIN, "other-admin")


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(admin_user):
    """API client authenticated as the admin of ``tenant``."""
    return _client(admin_user)


@pytest.fixture
def api_as():
    """``api_as(user)`` → an API client authenticated as ``user``."""
    return _client
