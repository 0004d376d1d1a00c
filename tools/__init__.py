"""Generators and maintenance scripts, run from the repository (`python -m tools.NAME`); not shipped
in the wheel."""
