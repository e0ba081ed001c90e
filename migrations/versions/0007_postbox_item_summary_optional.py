"""postbox item summary optional: a resident's card may be recorded by its photo alone

postbox_items.summary becomes nullable. An item that lists photos in its
data (entry_versions.data "photos") needs no summary: the photo is the
resident's own words. The photo ids stay in the version's data only; no
table gains a column.

On SQLite the column is changed by copying the table (batch mode), and
dropping the old copy would cascade to postbox_item_topics when foreign
keys are enforced: the topics are read first and put back afterwards.

Downgrade writes '' into the summaries that are missing (the older app
requires one), then makes the column NOT NULL again.

Revision ID: 9c1e5a7f3b24
Revises: 6a2c9e4d8b13
Create Date: 2026-11-29 22:45:00.000000

"""
import sqlalchemy as sa
from alembic import context, op


# revision identifiers, used by Alembic.
revision = '9c1e5a7f3b24'
down_revision = '6a2c9e4d8b13'
branch_labels = None
depends_on = None

postbox_items = sa.table('postbox_items', sa.column('summary', sa.Text))
topics = sa.table('postbox_item_topics', sa.column('item_id', sa.Uuid), sa.column('topic', sa.String))


def _change_summary(nullable: bool) -> None:
    """Alter postbox_items.summary, keeping the item topics a SQLite table copy would cascade away."""
    kept = []
    if op.get_context().dialect.name == 'sqlite' and not context.is_offline_mode():
        kept = [dict(row._mapping) for row in op.get_bind().execute(sa.select(topics.c.item_id, topics.c.topic))]
    with op.batch_alter_table('postbox_items', schema=None) as batch_op:
        batch_op.alter_column('summary', existing_type=sa.Text(), nullable=nullable)
    if kept:
        bind = op.get_bind()
        present = {(row.item_id, row.topic) for row in bind.execute(sa.select(topics.c.item_id, topics.c.topic))}
        missing = [row for row in kept if (row['item_id'], row['topic']) not in present]
        if missing:
            bind.execute(topics.insert(), missing)


def upgrade():
    _change_summary(nullable=True)


def downgrade():
    op.execute(postbox_items.update().where(postbox_items.c.summary.is_(None)).values(summary=''))
    _change_summary(nullable=False)
