"""The test suite's own shape (DESIGN §1): shared fixtures are pytest plugins in ``tests/fixtures``
and shared helpers live in ``tests/support``; no test module imports another test module or a
conftest."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def test_no_test_module_imports_another_test_module_or_a_conftest():
    offenders = [f"{path.relative_to(TESTS.parent)} imports {module}"
                 for path in sorted(TESTS.rglob("*.py"))
                 for module in _imported_modules(path)
                 if module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith(("test_", "conftest"))]

    assert offenders == []
