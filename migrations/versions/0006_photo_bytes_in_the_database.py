"""photo bytes in the database: photo_blobs, filled from the upload folder

Photos were files in the upload folder of one machine, so the app processes
of other machines could not serve them. Their bytes now live in photo_blobs,
one row per SHA-256 digest, and photos.sha256 is a foreign key to it.

Upgrade moves the existing files in: the folder is read as the app used to
(FIELDAPP_UPLOAD_FOLDER, or <instance>/uploads), each file <sha[:2]>/<sha>
is checked against its digest, and the files are left in place (remove the
folder once the upgrade is done). A photo whose file is missing or damaged
has no bytes to move: it is logged, and its row is removed with an 'erase'
event in the audit log (metadata only), since a photo row must have its bytes.

Downgrade writes every blob back to the upload folder (files already there
are kept), then drops the table.

Revision ID: 6a2c9e4d8b13
Revises: 3d9b7e1f5a60
Create Date: 2026-11-30 10:00:00.000000

"""
import hashlib
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op
from flask import current_app


# revision identifiers, used by Alembic.
revision = '6a2c9e4d8b13'
down_revision = '3d9b7e1f5a60'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

photo_blobs = sa.table('photo_blobs', sa.column('sha256', sa.String), sa.column('size', sa.Integer),
                       sa.column('data', sa.LargeBinary))
photos = sa.table('photos', sa.column('id', sa.Uuid), sa.column('entry_id', sa.Uuid),
                  sa.column('sha256', sa.String))
audit_events = sa.table('audit_events', sa.column('at', sa.DateTime(timezone=True)), sa.column('action', sa.String),
                        sa.column('record_type', sa.String), sa.column('record_id', sa.String),
                        sa.column('detail', sa.String))


def upload_folder() -> Path:
    """Where the app kept photo files, read as fieldapp.config did."""
    return Path(os.environ.get('FIELDAPP_UPLOAD_FOLDER') or Path(current_app.instance_path) / 'uploads')


def _move_files_in() -> None:
    """Insert each stored digest's file; erase (and log) the photos whose file is missing or damaged."""
    bind = op.get_bind()
    folder = upload_folder()
    lost = []
    for (digest,) in bind.execute(sa.select(photos.c.sha256).distinct()).all():
        path = folder / digest[:2] / digest
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning('Photo bytes %s not moved into the database: %s cannot be read (%s).',
                        digest, path, exc.strerror)
            lost.append(digest)
            continue
        if hashlib.sha256(data).hexdigest() != digest:
            log.warning('Photo bytes %s not moved into the database: %s is damaged (another digest).',
                        digest, path)
            lost.append(digest)
            continue
        bind.execute(photo_blobs.insert().values(sha256=digest, size=len(data), data=data))
    if not lost:
        return
    gone = bind.execute(sa.select(photos.c.id, photos.c.entry_id).where(photos.c.sha256.in_(lost))).all()
    for photo_id, entry_id in gone:
        log.warning('Photo %s of entry %s erased: its bytes were missing from %s.', photo_id, entry_id, folder)
    now = datetime.now(UTC)
    if bind.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # stored naive in UTC there, as fieldapp.models.types does
    bind.execute(audit_events.insert(), [
        {'at': now, 'action': 'erase', 'record_type': 'photo', 'record_id': str(photo_id),
         'detail': f'photo of entry {entry_id}: file missing from the upload folder (migration 0006)'}
        for photo_id, entry_id in gone])
    bind.execute(photos.delete().where(photos.c.sha256.in_(lost)))


def upgrade():
    op.create_table('photo_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_photo_blobs'))
    )
    if op.get_context().dialect.name == 'postgresql':
        # Images are compressed already; uncompressed storage lets substr() read one slice.
        op.execute('ALTER TABLE photo_blobs ALTER COLUMN data SET STORAGE EXTERNAL')
    if context.is_offline_mode():
        log.warning('Offline SQL: photo files are not moved into photo_blobs; run the upgrade online.')
    else:
        _move_files_in()
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photos_sha256'), ['sha256'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_photos_sha256_photo_blobs'), 'photo_blobs', ['sha256'], ['sha256'])


def _write_files_out() -> None:
    """Write each blob back to the upload folder, as the older app expects (existing files kept)."""
    bind = op.get_bind()
    folder = upload_folder()
    for (digest,) in bind.execute(sa.select(photo_blobs.c.sha256)).all():
        path = folder / digest[:2] / digest
        if path.exists():
            continue
        data = bind.execute(sa.select(photo_blobs.c.data).where(photo_blobs.c.sha256 == digest)).scalar_one()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f'.{digest}.{os.getpid()}.tmp')
        with open(temporary, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)


def downgrade():
    if context.is_offline_mode():
        log.warning('Offline SQL: photo bytes are not written back to the upload folder; run the downgrade online.')
    else:
        _write_files_out()
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_photos_sha256_photo_blobs'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_photos_sha256'))

    op.drop_table('photo_blobs')
