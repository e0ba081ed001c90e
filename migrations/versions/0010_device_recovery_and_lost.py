"""device recovery key and lost phones

devices.recovery_key (32 random bytes, nullable): made at each sign-in that
creates a device, returned once to the phone, which wraps its data key with
it and forgets it. Released again only to the same device at a sign-in with
the user's password (after too many wrong PINs); destroyed (NULL) when the
device is marked lost. Rows from before this revision have none.

devices.lost_at (nullable): when an admin marked the device lost. Its token
then answers 401 device_lost, and the phone erases its keys and data.

devices.signed_in_at (nullable): the latest sign-in on this row, which its
token names. A sign-in that reuses the row (recovery) gives it a new token;
a token naming an earlier sign-in is refused, so clearing revoked_at does
not bring back a token that was revoked. NULL (rows from before this
revision): their tokens name no sign-in and count until revoked.

Revision ID: 7c4a1e9b2d63
Revises: 5b2e9d7c4f16
Create Date: 2026-12-07 15:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c4a1e9b2d63'
down_revision = '5b2e9d7c4f16'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('devices', sa.Column('recovery_key', sa.LargeBinary(), nullable=True))
    op.add_column('devices', sa.Column('lost_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('devices', sa.Column('signed_in_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # SQLite 3.35+ drops a column in place: no copy of the devices table.
    op.drop_column('devices', 'signed_in_at')
    op.drop_column('devices', 'lost_at')
    op.drop_column('devices', 'recovery_key')
