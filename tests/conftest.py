"""Test settings for the whole suite; the shared fixtures are the plugins in ``tests/fixtures/``."""
from __future__ import annotations

import pytest

pytest_plugins = ["tests.fixtures.accounts", "tests.fixtures.assembly", "tests.fixtures.demo", "tests.fixtures.farm",
                  "tests.fixtures.printers"]


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic: no hashed manifest."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
