"""audit log: the record index leads with the record id, so a search by id alone uses it

Revision ID: 8e4f2a6c1b37
Revises: 5b0c3e9a7d21
Create Date: 2026-11-27 14:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8e4f2a6c1b37'
down_revision = '5b0c3e9a7d21'
branch_labels = None
depends_on = None


# Plain index operations, not batch mode: on SQLite a batch could copy the table, and the copy
# would lose the triggers that keep the audit log append-only.
def upgrade():
    op.drop_index('ix_audit_events_record', table_name='audit_events')
    op.create_index('ix_audit_events_record', 'audit_events', ['record_id', 'record_type'], unique=False)


def downgrade():
    op.drop_index('ix_audit_events_record', table_name='audit_events')
    op.create_index('ix_audit_events_record', 'audit_events', ['record_type', 'record_id'], unique=False)
