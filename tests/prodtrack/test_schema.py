"""The OpenAPI schema is valid and generates without warnings (every view documents itself)."""
from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    text = target.read_text()
    assert "/api/v1/transactions/{id}/reverse:" in text and "ItemKindEnum" in text
