"""audit hash chain: every event takes a place in a chain of hashes

audit_events.seq (the event's place, 1, 2, 3...; unique) and
audit_events.chain_hash (SHA-256 over the previous event's hash and this
event's content; see fieldapp.audit.chain). The events already there are
chained in the order of their ids. The append-only triggers are lifted for
that one update, as the owner, inside this migration's transaction, and
restored before it commits.

Revision ID: 5b2e9d7c4f16
Revises: 3f8d2b6c1a90
Create Date: 2026-12-07 14:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

from fieldapp.audit import chain
from fieldapp.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '5b2e9d7c4f16'
down_revision = '3f8d2b6c1a90'
branch_labels = None
depends_on = None

BATCH = 5000


def _chain_existing() -> None:
    """Give every event already in the log its place and hash, in id order."""
    bind = op.get_bind()
    events = sa.table("audit_events", sa.column("id", sa.BigInteger), sa.column("at", UTCDateTime),
                      *(sa.column(name) for name in chain.FIELDS if name not in ("seq", "at")),
                      sa.column("seq", sa.BigInteger), sa.column("chain_hash", sa.String))
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER USER")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
    previous, seq, after = chain.GENESIS, 0, None
    while True:
        query = sa.select(events).order_by(events.c.id).limit(BATCH)
        if after is not None:
            query = query.where(events.c.id > after)
        rows = bind.execute(query).mappings().all()
        if not rows:
            break
        updates = []
        for row in rows:
            seq += 1
            previous = chain.link(previous, {**row, "seq": seq})
            updates.append({"event_id": row["id"], "new_seq": seq, "new_hash": previous})
        bind.execute(events.update().where(events.c.id == sa.bindparam("event_id"))
                     .values(seq=sa.bindparam("new_seq"), chain_hash=sa.bindparam("new_hash")), updates)
        after = rows[-1]["id"]
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER USER")
    else:
        op.execute("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")


def upgrade():
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.add_column('audit_events', sa.Column('seq', big, nullable=True))
    op.add_column('audit_events', sa.Column('chain_hash', sa.String(length=64), nullable=True))
    _chain_existing()
    op.create_index('ix_audit_events_seq', 'audit_events', ['seq'], unique=True)


def downgrade():
    op.drop_index('ix_audit_events_seq', table_name='audit_events')
    # SQLite 3.35+ drops a column in place: the table (and its triggers) stay.
    op.drop_column('audit_events', 'chain_hash')
    op.drop_column('audit_events', 'seq')
