"""``fieldapp audit head`` and ``fieldapp audit verify``: anchor the audit chain, and check it.

A force records the head (``seq:hash``) somewhere the database's users cannot
reach (a signed email, the force's records system, paper); later,
``verify --head`` proves that nothing up to that event has changed since.
Each verification is itself an event in the log (a consultation of the audit
log), which is what ``/audit`` shows as the last verification.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from fieldapp.audit import chain
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction
from fieldapp.models.types import utcnow
from fieldapp.transactions import begin_write

#: A verification's event: a consultation of the audit log, record id "chain", detail after "chain verified: ".
VERIFIED = "chain verified: "


def _head_arg(ctx: click.Context, param: click.Parameter, value: str | None) -> chain.Head | None:
    if value is None:
        return None
    try:
        return chain.Head.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _database_error(exc: OperationalError) -> click.ClickException:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return click.ClickException(f"cannot use the database: {reason}")


@click.group("audit")
def audit_command() -> None:
    """The audit log's hash chain: print its head, verify it."""


@audit_command.command("head")
@with_appcontext
def head_command() -> None:
    """Print the chain's head (seq:hash) to record outside the database."""
    try:
        with db.engine.connect() as connection:
            head = audit.chain_head(connection)
    except OperationalError as exc:
        raise _database_error(exc) from None
    if head is None:
        click.echo("The audit log is empty: there is no head yet.")
        return
    click.echo(str(head))
    click.echo(f"{head.seq:,} events as of {utcnow():%Y-%m-%d %H:%M:%S} UTC. Record the line above outside "
               f"this server; later, 'fieldapp audit verify --head {head}' proves that nothing up to it changed.")


@audit_command.command("verify")
@click.option("--head", "anchor", callback=_head_arg, metavar="SEQ:HASH",
              help="A head printed earlier by 'fieldapp audit head': also prove the chain still reaches it "
                   "unchanged.")
@with_appcontext
def verify_command(anchor: chain.Head | None) -> None:
    """Walk the whole chain; exit 1 naming the first event changed, removed or put in out of place."""
    try:
        result = audit.verify(anchor)
        begin_write()
        against = f"; against the recorded head {anchor}" if anchor else ""
        audit.record(AuditAction.CONSULT, "audit_log", audit.CHAIN_RECORD_ID, f"{VERIFIED}{result.summary()}{against}"[:500])
        db.session.commit()
    except OperationalError as exc:
        raise _database_error(exc) from None
    if result.intact:
        click.echo(f"Audit chain {result.summary()}" + (f"; it reaches the recorded head {anchor} unchanged."
                                                        if anchor else "."))
        return
    click.echo(f"Audit chain {result.summary()}", err=True)
    for problem in result.problems[1:]:
        click.echo(f"  also: {problem}", err=True)
    raise SystemExit(1)
