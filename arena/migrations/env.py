"""Alembic environment: always handed a live connection by ``arena.db.upgrade``."""

from alembic import context

from arena.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `arena db upgrade` drives migrations
    raise RuntimeError("run migrations with `arena db upgrade`, not the alembic command")

context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
