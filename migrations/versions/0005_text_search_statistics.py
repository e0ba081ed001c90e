"""review queue text search: statistics on the lower-cased texts it matches (PostgreSQL)

With no statistics on lower(grounds) and the like, PostgreSQL guesses that
'%word%' matches 0.5% of rows. For a common word it then joins and sorts the
whole team's entries instead of walking them newest first and stopping at a
page. Statistics on the expressions (built by ANALYZE; nothing is added to an
insert) let it estimate from a sample and choose. SQLite has no such objects.

Revision ID: 3d9b7e1f5a60
Revises: 8e4f2a6c1b37
Create Date: 2026-11-27 16:30:00.000000

"""
from alembic import context, op


# revision identifiers, used by Alembic.
revision = '3d9b7e1f5a60'
down_revision = '8e4f2a6c1b37'
branch_labels = None
depends_on = None

# The expressions exactly as the review queue's text filter writes them (fieldapp/review/queries.py).
STATISTICS = {
    'st_encounters_lower_grounds': ('encounters', 'grounds'),
    'st_encounters_lower_notes': ('encounters', 'notes'),
    'st_postbox_items_lower_summary': ('postbox_items', 'summary'),
    'st_postbox_visits_lower_notes': ('postbox_visits', 'notes'),
}


def _supported() -> bool:
    """PostgreSQL 14 or later (statistics on an expression came in 14); offline SQL assumes it."""
    if op.get_context().dialect.name != 'postgresql':
        return False
    return context.is_offline_mode() or op.get_bind().dialect.server_version_info >= (14,)


def upgrade():
    if not _supported():
        return
    for name, (table, column) in STATISTICS.items():
        op.execute(f'CREATE STATISTICS IF NOT EXISTS {name} ON (lower({column})) FROM {table}')
    for table in sorted({table for table, _ in STATISTICS.values()}):
        op.execute(f'ANALYZE {table}')


def downgrade():
    if not _supported():
        return
    for name in STATISTICS:
        op.execute(f'DROP STATISTICS IF EXISTS {name}')
