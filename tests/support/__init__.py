"""Plain helpers shared by test modules: no fixtures, no tests (fixtures live in ``tests.fixtures``)."""
