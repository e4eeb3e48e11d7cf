"""Alembic migrations; applied by `Database.migrate()` at start or by `python main.py migrate`."""
