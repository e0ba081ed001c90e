"""review queue indexes: entries by (team, state) and (author, state), encounters' kind by entry

Revision ID: 5b0c3e9a7d21
Revises: 1f64f010bc8e
Create Date: 2026-11-27 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b0c3e9a7d21'
down_revision = '1f64f010bc8e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.create_index('ix_entries_team_state_received', ['team_id', 'review_state', 'received_at', 'id', 'type'], unique=False)
        batch_op.create_index('ix_entries_author_state_received', ['author_id', 'review_state', 'received_at', 'id', 'type'], unique=False)

    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.create_index('ix_encounters_entry_kind', ['entry_id', 'kind'], unique=False)


def downgrade():
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.drop_index('ix_encounters_entry_kind')

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index('ix_entries_author_state_received')
        batch_op.drop_index('ix_entries_team_state_received')
