"""Alembic environment, run through Flask-Migrate inside an app context.

Logging is left as the app configured it (no fileConfig here: it would
silence the server's own loggers).

With FIELDAPP_MIGRATION_DATABASE_URL set (the app's MIGRATION_DATABASE_URI),
the migrations run as that role, the tables' owner, and on PostgreSQL the
role of FIELDAPP_DATABASE_URL is then granted what the app needs on every
table, in the same transaction (see fieldapp.privileges).
"""

from alembic import context
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

config = context.config
db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def include_object(obj, name, type_, reflected, compare_to):
    """Compare only this app's tables (PostgreSQL may hold others)."""
    if type_ == "table" and reflected and compare_to is None:
        return name in target_metadata.tables
    return True


def _owner_url() -> str | None:
    """The tables' owner's URL when it is not the app's own (FIELDAPP_MIGRATION_DATABASE_URL)."""
    return current_app.config.get("MIGRATION_DATABASE_URI") or None


def _app_role(connection) -> str | None:
    """The role to grant to: FIELDAPP_DATABASE_URL's user, on PostgreSQL, when it is not the owner."""
    from fieldapp.privileges import current_role

    if _owner_url() is None or connection.dialect.name != "postgresql":
        return None
    role = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).username
    if not role or role == current_role(connection):
        return None  # the same role (or libpq's default user): nothing to limit
    return role


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (no grants: run init-db for those)."""
    context.configure(
        url=_owner_url() or db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations in one transaction, as the owner when set, then grant the app's role."""
    from fieldapp.privileges import check_app_role, grant_app_privileges

    options = current_app.extensions["migrate"].configure_args
    owner_url = _owner_url()
    engine = create_engine(owner_url, poolclass=NullPool) if owner_url else db.engine
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                include_object=include_object,
                **options,
            )
            with context.begin_transaction():
                role = _app_role(connection)
                if role is not None:
                    check_app_role(connection, role)  # before any change: nothing half done
                context.run_migrations()
                if role is not None:
                    grant_app_privileges(connection, role)
    finally:
        if owner_url:
            engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
