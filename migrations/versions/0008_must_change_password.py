"""must change password: an admin's reset makes the user choose their own password

users.must_change_password (NOT NULL, false for every existing user). An
admin's reset sets it; the next web sign-in leads to 'Change your password'
and nowhere else until the user has chosen one.

login_attempts.failed (NOT NULL, false): set when the password proved wrong,
so an address's cap counts failed sign-ins, not the sign-ins still in flight.

Revision ID: 3f8d2b6c1a90
Revises: 9c1e5a7f3b24
Create Date: 2026-12-01 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '3f8d2b6c1a90'
down_revision = '9c1e5a7f3b24'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))
    op.add_column('login_attempts', sa.Column('failed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.drop_column('login_attempts', 'failed')
    # SQLite 3.35+ drops a column in place: no copy of the users table, which others refer to.
    op.drop_column('users', 'must_change_password')
