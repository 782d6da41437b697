"""stockpiles models: built by a later issue (see DESIGN.md)."""
