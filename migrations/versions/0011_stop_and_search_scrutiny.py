"""stop and search: receipts, section 60, record requests, dip samples, population, scrutiny packs

encounters: receipt_ref (unique index; the reference handed over at the
scene), grounds_warnings and grounds_changed (the grounds prompts' warnings
shown and whether the officer changed the text), section60_authorisation.
reviews: manner_notes, footage_ref. teams: station (printed on receipts).
New tables: section60_authorisations, record_requests, dip_samples and
dip_sample_entries, population_groups, scrutiny_packs and
scrutiny_pack_records (fieldapp.models.searches). All nullable or new:
rows from before this revision need nothing.

Revision ID: 6fb1f2c519f5
Revises: 7c4a1e9b2d63
Create Date: 2026-12-07 22:10:27.767246

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '6fb1f2c519f5'
down_revision = '7c4a1e9b2d63'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dip_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('drawn_by', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by'], ['users.id'], name=op.f('fk_dip_samples_drawn_by_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_dip_samples_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dip_samples')),
    sa.UniqueConstraint('team_id', 'month', name='uq_dip_samples_team_month')
    )
    op.create_table('population_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ethnic_group', sa.String(length=40), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('population >= 0', name=op.f('ck_population_groups_population')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_population_groups_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_population_groups')),
    sa.UniqueConstraint('ethnic_group', name='uq_population_groups_ethnic_group')
    )
    op.create_table('scrutiny_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_by', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_scrutiny_packs_created_by_users')),
    sa.ForeignKeyConstraint(['released_by'], ['users.id'], name=op.f('fk_scrutiny_packs_released_by_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_scrutiny_packs_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scrutiny_packs'))
    )
    with op.batch_alter_table('scrutiny_packs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scrutiny_packs_team_id'), ['team_id'], unique=False)

    op.create_table('section60_authorisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('authorising_rank', sa.String(length=40), nullable=False),
    sa.Column('area_description', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_section60_authorisations_period')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_section60_authorisations_created_by_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_section60_authorisations_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section60_authorisations')),
    sa.UniqueConstraint('team_id', 'reference', name='uq_section60_authorisations_team_reference')
    )
    with op.batch_alter_table('section60_authorisations', schema=None) as batch_op:
        batch_op.create_index('ix_section60_authorisations_team_ends', ['team_id', 'ends_at'], unique=False)

    op.create_table('dip_sample_entries',
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_dip_sample_entries_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sample_id'], ['dip_samples.id'], name=op.f('fk_dip_sample_entries_sample_id_dip_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sample_id', 'position', name=op.f('pk_dip_sample_entries'))
    )
    with op.batch_alter_table('dip_sample_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dip_sample_entries_entry_id'), ['entry_id'], unique=False)

    op.create_table('record_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answer_method', sa.String(length=40), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['users.id'], name=op.f('fk_record_requests_answered_by_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_record_requests_entry_id_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_record_requests_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_requests'))
    )
    with op.batch_alter_table('record_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_requests_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_record_requests_open', ['answered_at', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_requests_team_id'), ['team_id'], unique=False)

    op.create_table('scrutiny_pack_records',
    sa.Column('pack_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('redacted_grounds', sa.Text(), nullable=True),
    sa.Column('redacted_by', sa.Integer(), nullable=True),
    sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_scrutiny_pack_records_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pack_id'], ['scrutiny_packs.id'], name=op.f('fk_scrutiny_pack_records_pack_id_scrutiny_packs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['redacted_by'], ['users.id'], name=op.f('fk_scrutiny_pack_records_redacted_by_users')),
    sa.PrimaryKeyConstraint('pack_id', 'position', name=op.f('pk_scrutiny_pack_records'))
    )
    # Plain ADD COLUMN (nullable): no copy of the encounters table on SQLite.
    op.add_column('encounters', sa.Column('receipt_ref', sa.String(length=14), nullable=True))
    op.add_column('encounters', sa.Column(
        'grounds_warnings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
        nullable=True))
    op.add_column('encounters', sa.Column('grounds_changed', sa.Boolean(), nullable=True))
    op.add_column('encounters', sa.Column('section60_authorisation', sa.String(length=40), nullable=True))
    op.create_index('ix_encounters_receipt_ref', 'encounters', ['receipt_ref'], unique=True)
    op.add_column('reviews', sa.Column('manner_notes', sa.Text(), nullable=True))
    op.add_column('reviews', sa.Column('footage_ref', sa.String(length=100), nullable=True))
    op.add_column('teams', sa.Column('station', sa.String(length=200), nullable=True))


def downgrade():
    op.drop_column('teams', 'station')
    op.drop_column('reviews', 'footage_ref')
    op.drop_column('reviews', 'manner_notes')
    op.drop_index('ix_encounters_receipt_ref', table_name='encounters')
    for name in ('section60_authorisation', 'grounds_changed', 'grounds_warnings', 'receipt_ref'):
        op.drop_column('encounters', name)

    op.drop_table('scrutiny_pack_records')
    with op.batch_alter_table('record_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_requests_team_id'))
        batch_op.drop_index('ix_record_requests_open')
        batch_op.drop_index(batch_op.f('ix_record_requests_entry_id'))

    op.drop_table('record_requests')
    with op.batch_alter_table('dip_sample_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dip_sample_entries_entry_id'))

    op.drop_table('dip_sample_entries')
    with op.batch_alter_table('section60_authorisations', schema=None) as batch_op:
        batch_op.drop_index('ix_section60_authorisations_team_ends')

    op.drop_table('section60_authorisations')
    with op.batch_alter_table('scrutiny_packs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scrutiny_packs_team_id'))

    op.drop_table('scrutiny_packs')
    op.drop_table('population_groups')
    op.drop_table('dip_samples')
