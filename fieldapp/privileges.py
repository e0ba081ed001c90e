"""Least privilege on PostgreSQL: what the app's own role may do with the tables.

With ``FIELDAPP_MIGRATION_DATABASE_URL`` set, the migrations run as that
role, which owns every table; the app then connects as the role named in
``FIELDAPP_DATABASE_URL``, which owns nothing and gets, after every migration
(so tables added by later migrations are covered):

- USAGE on the schema (and no CREATE);
- SELECT, INSERT, UPDATE, DELETE on every table of the schema, except
  ``audit_events``: SELECT and INSERT only (UPDATE, DELETE and TRUNCATE
  revoked, so the append-only log does not rest on triggers alone, which
  only an owner can disable or drop), and ``alembic_version``: SELECT only;
- USAGE and SELECT on every sequence (ids of new rows);
- never TRUNCATE, REFERENCES or TRIGGER.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

#: Tables the app role may only read and append to.
APPEND_ONLY = frozenset({"audit_events"})
#: Tables the app role may only read.
READ_ONLY = frozenset({"alembic_version"})


class PrivilegeError(Exception):
    """The app role cannot be limited as it is (it owns tables, is a superuser...); the message says what to do."""


def current_role(connection: Connection) -> str:
    return connection.scalar(text("SELECT current_user"))


def check_app_role(connection: Connection, role: str, schema: str = "public") -> None:
    """Raise PrivilegeError when grants cannot limit ``role``: it does not exist, is a
    superuser, may become the connection's role, or owns something in ``schema``."""
    row = connection.execute(
        text("SELECT rolsuper, rolbypassrls, pg_has_role(:role, current_user, 'MEMBER') "
             "FROM pg_roles WHERE rolname = :role"),
        {"role": role},
    ).first()
    if row is None:
        raise PrivilegeError(f"the role {role!r} of FIELDAPP_DATABASE_URL does not exist in this PostgreSQL server.")
    superuser, bypass_rls, member = row
    if superuser:
        raise PrivilegeError(f"the role {role!r} of FIELDAPP_DATABASE_URL is a superuser: "
                             "grants cannot limit it; give the app an ordinary role.")
    if member:
        raise PrivilegeError(f"the role {role!r} of FIELDAPP_DATABASE_URL is a member of the owner role "
                             f"{current_role(connection)!r} and may act as it: revoke that membership.")
    owned = connection.scalars(
        text("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = :schema AND pg_get_userbyid(c.relowner) = :role ORDER BY c.relname"),
        {"schema": schema, "role": role},
    ).all()
    if owned:
        shown = ", ".join(owned[:5]) + (", ..." if len(owned) > 5 else "")
        raise PrivilegeError(
            f"the role {role!r} of FIELDAPP_DATABASE_URL owns {shown}: as a superuser, run "
            f"REASSIGN OWNED BY {role} TO {current_role(connection)} in this database, then migrate again."
        )


def grant_app_privileges(connection: Connection, role: str, schema: str = "public") -> None:
    """Give ``role`` what the app needs in ``schema`` and nothing more; run as the tables' owner.

    Every table and sequence of the schema at the time of the call, whatever
    its name: call it after every migration. Identifiers are quoted by the
    connection's dialect, so any role name is safe.
    """
    quote = connection.dialect.identifier_preparer.quote
    who = quote(role)
    where = quote(schema)
    tables = connection.scalars(
        text("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname"),
        {"schema": schema},
    ).all()
    sequences = connection.scalars(
        text("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = :schema AND c.relkind = 'S' ORDER BY c.relname"),
        {"schema": schema},
    ).all()
    statements = [f"GRANT USAGE ON SCHEMA {where} TO {who}"]
    for table in tables:
        name = f"{where}.{quote(table)}"
        statements.append(f"REVOKE ALL ON TABLE {name} FROM {who}")
        if table in READ_ONLY:
            granted = "SELECT"
        elif table in APPEND_ONLY:
            granted = "SELECT, INSERT"
        else:
            granted = "SELECT, INSERT, UPDATE, DELETE"
        statements.append(f"GRANT {granted} ON TABLE {name} TO {who}")
    for sequence in sequences:
        statements.append(f"GRANT USAGE, SELECT ON SEQUENCE {where}.{quote(sequence)} TO {who}")
    for statement in statements:
        connection.exec_driver_sql(statement)
    # Only the schema's owner may take CREATE back from PUBLIC (PostgreSQL 15 does by default);
    # from the role itself, whoever granted it, we can try.
    if connection.scalar(text("SELECT pg_has_role(current_user, n.nspowner, 'USAGE') FROM pg_namespace n "
                              "WHERE n.nspname = :schema"), {"schema": schema}):
        connection.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {where} FROM {who}")
