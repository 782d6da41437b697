"""``manage.py create_tenant --name NAME --short-code CODE --admin USERNAME [--password PASSWORD]``."""
from __future__ import annotations

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.crypto import get_random_string

from prodtrack.exceptions import ApplicationError, ValidationError
from prodtrack.models import Role, User
from prodtrack.services import membership_set, tenant_create, user_ensure

#: Service field name → the option that sets it, so errors name what the user typed.
OPTION_OF_FIELD = {"name": "--name", "short_code": "--short-code", "slug": "--name (its slug)",
                   "username": "--admin", "password": "--password"}
GENERATED_PASSWORD_LENGTH = 16


def command_error(error: ApplicationError) -> CommandError:
    """A CommandError naming the offending option: ``--short-code: must be 2–8 letters or digits.``"""
    if isinstance(error, ValidationError) and error.fields:
        field, messages = next(iter(error.fields.items()))
        return CommandError(f"{OPTION_OF_FIELD.get(field, field)}: {messages[0]}")
    return CommandError(error.message)


class Command(BaseCommand):
    help = ("Create a tenant and make USERNAME its admin (the user is created when missing; "
            "without --password a new user's password is prompted for, or generated and printed "
            "when there is no terminal).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help='Company name, e.g. "Acme Prints".')
        parser.add_argument("--short-code", required=True, help="2–8 letters or digits, e.g. ACME (upper-cased).")
        parser.add_argument("--admin", required=True, metavar="USERNAME", help="The tenant's first admin.")
        parser.add_argument("--password", help="Password for the admin (sets it also for an existing user).")

    def handle(self, *args, name: str, short_code: str, admin: str, password: str | None, **options) -> None:
        username = admin.strip()
        if not username:
            raise CommandError("--admin: a username is required.")
        is_new_user = not User.objects.filter(username=username).exists()
        generated = False
        if password is None and is_new_user:
            if sys.stdin.isatty():
                password = self._prompt_password(username)
            else:
                password, generated = get_random_string(GENERATED_PASSWORD_LENGTH), True
        if password is not None and not generated:
            try:
                validate_password(password, User(username=username))
            except DjangoValidationError as error:
                raise CommandError(f"--password: {' '.join(error.messages)}") from error
        try:
            with transaction.atomic():
                tenant = tenant_create(name=name, short_code=short_code)
                user = user_ensure(username=username, password=password)
                membership_set(tenant=tenant, user=user, role=Role.ADMIN)
        except ApplicationError as error:
            raise command_error(error) from error
        self.stdout.write(self.style.SUCCESS(
            f"Created tenant {tenant.name} ({tenant.short_code}); {username} is its admin"
            + (" (new user)." if is_new_user else " (existing user).")))
        if generated:
            self.stdout.write(f"Generated password for {username}: {password}")

    def _prompt_password(self, username: str) -> str:
        """Ask twice on the terminal until both answers match and are not empty."""
        while True:
            first = getpass.getpass(f"Password for {username}: ")
            if first and first == getpass.getpass("Password (again): "):
                return first
            self.stderr.write("Passwords empty or not the same; try again.")
