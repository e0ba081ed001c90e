"""initial schema: accounts, postboxes, entries, reviews, audit log

Revision ID: 1d76dc644c95
Revises: 
Create Date: 2026-11-27 10:20:06.756252

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '1d76dc644c95'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_remote_addr_at', ['remote_addr', 'attempted_at'], unique=False)
        batch_op.create_index('ix_login_attempts_username_at', ['username', 'attempted_at'], unique=False)

    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name'))
    )
    op.create_table('postboxes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_postboxes_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postboxes')),
    sa.UniqueConstraint('label', name=op.f('uq_postboxes_label'))
    )
    with op.batch_alter_table('postboxes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postboxes_team_id'), ['team_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('shoulder_number', sa.String(length=20), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('officer', 'supervisor', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_users_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('session_token', name=op.f('uq_users_session_token')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_team_id'), ['team_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=True),
    sa.CheckConstraint("action IN ('collect', 'alter', 'consult', 'disclose', 'combine', 'erase')", name=op.f('ck_audit_events_action')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_events_actor_at', ['actor_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_events_record', ['record_type', 'record_id'], unique=False)

    # The audit log is append-only; the database refuses changes (see fieldapp.models.audit).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )

    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_devices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_user_id'), ['user_id'], unique=False)

    op.create_table('postbox_placements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('postbox_id', sa.Integer(), nullable=False),
    sa.Column('site_name', sa.String(length=200), nullable=False),
    sa.Column('site_type', sa.String(length=30), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('placed_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placed_to', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("site_type IN ('shop', 'school', 'community_centre', 'other')", name=op.f('ck_postbox_placements_site_type')),
    sa.CheckConstraint('placed_to IS NULL OR placed_to >= placed_from', name=op.f('ck_postbox_placements_period')),
    sa.ForeignKeyConstraint(['postbox_id'], ['postboxes.id'], name=op.f('fk_postbox_placements_postbox_id_postboxes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postbox_placements'))
    )
    with op.batch_alter_table('postbox_placements', schema=None) as batch_op:
        batch_op.create_index('ix_postbox_placements_postbox_from', ['postbox_id', 'placed_from'], unique=False)

    op.create_table('entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('captured_offset_minutes', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('review_state', sa.String(length=20), nullable=False),
    sa.CheckConstraint("review_state IN ('unreviewed', 'approved', 'returned', 'flagged')", name=op.f('ck_entries_review_state')),
    sa.CheckConstraint("type IN ('encounter', 'postbox_visit', 'postbox_item')", name=op.f('ck_entries_type')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_entries_version')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_entries_author_id_users')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_entries_device_id_devices')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_entries_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entries'))
    )
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.create_index('ix_entries_author_received', ['author_id', 'received_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entries_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index('ix_entries_received', ['received_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entries_review_state'), ['review_state'], unique=False)
        batch_op.create_index('ix_entries_team_received', ['team_id', 'received_at', 'id'], unique=False)

    op.create_table('conflict_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('captured_offset_minutes', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_conflict_copies_device_id_devices')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_conflict_copies_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_conflict_copies_resolved_by_users')),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_conflict_copies_submitted_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_copies')),
    sa.UniqueConstraint('entry_id', 'version', 'content_hash', name='uq_conflict_copies_content')
    )
    with op.batch_alter_table('conflict_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_copies_entry_id'), ['entry_id'], unique=False)

    op.create_table('encounters',
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('location_accuracy_m', sa.Float(), nullable=True),
    sa.Column('location_text', sa.String(length=500), nullable=True),
    sa.Column('gender', sa.String(length=20), nullable=True),
    sa.Column('age_range', sa.String(length=20), nullable=True),
    sa.Column('self_defined_ethnicity', sa.String(length=200), nullable=True),
    sa.Column('officer_defined_ethnicity', sa.String(length=20), nullable=True),
    sa.Column('bwv_used', sa.Boolean(), nullable=False),
    sa.Column('bwv_reason_not_used', sa.Text(), nullable=True),
    sa.Column('bwv_footage_ref', sa.String(length=100), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('search_type', sa.String(length=40), nullable=True),
    sa.Column('legislation', sa.String(length=200), nullable=True),
    sa.Column('object_of_search', sa.String(length=200), nullable=True),
    sa.Column('grounds', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=100), nullable=True),
    sa.Column('outcome_linked_to_object_of_search', sa.Boolean(), nullable=True),
    sa.Column('removal_of_more_than_outer_clothing', sa.Boolean(), nullable=True),
    sa.Column('vehicle_registration', sa.String(length=20), nullable=True),
    sa.Column('operation_name', sa.String(length=200), nullable=True),
    sa.Column('asb_category', sa.String(length=20), nullable=True),
    sa.Column('asb_action', sa.String(length=20), nullable=True),
    sa.Column('authorisation_ref', sa.String(length=100), nullable=True),
    sa.Column('exclusion_hours', sa.Integer(), nullable=True),
    sa.Column('area_description', sa.Text(), nullable=True),
    sa.Column('conduct', sa.Text(), nullable=True),
    sa.Column('comply_by', sa.Date(), nullable=True),
    sa.Column('support_offered', sa.Boolean(), nullable=True),
    sa.Column('referral_made', sa.Boolean(), nullable=True),
    sa.Column('referral_org', sa.String(length=200), nullable=True),
    sa.CheckConstraint("kind IN ('stop_search', 'stop_account', 'asb', 'begging', 'welfare_check', 'other')", name=op.f('ck_encounters_kind')),
    sa.CheckConstraint('(latitude IS NULL) = (longitude IS NULL)', name=op.f('ck_encounters_coordinates')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_encounters_entry_id_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_encounters'))
    )
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.create_index('ix_encounters_kind_occurred', ['kind', 'occurred_at'], unique=False)

    op.create_table('entry_versions',
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('captured_offset_minutes', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_entry_versions_device_id_devices')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_entry_versions_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_entry_versions_submitted_by_users')),
    sa.PrimaryKeyConstraint('entry_id', 'version', name=op.f('pk_entry_versions'))
    )
    op.create_table('postbox_visits',
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('postbox_id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('box_condition', sa.String(length=20), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.CheckConstraint("box_condition IN ('ok', 'damaged', 'tampered', 'missing', 'full')", name=op.f('ck_postbox_visits_box_condition')),
    sa.CheckConstraint('item_count >= 0', name=op.f('ck_postbox_visits_item_count')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_postbox_visits_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['placement_id'], ['postbox_placements.id'], name=op.f('fk_postbox_visits_placement_id_postbox_placements')),
    sa.ForeignKeyConstraint(['postbox_id'], ['postboxes.id'], name=op.f('fk_postbox_visits_postbox_id_postboxes')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_postbox_visits'))
    )
    with op.batch_alter_table('postbox_visits', schema=None) as batch_op:
        batch_op.create_index('ix_postbox_visits_postbox_visited', ['postbox_id', 'visited_at'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('entry_version', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('grounds_assessment', sa.String(length=20), nullable=True),
    sa.Column('bwv_viewed', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('approved', 'returned', 'flagged')", name=op.f('ck_reviews_decision')),
    sa.CheckConstraint("grounds_assessment IS NULL OR grounds_assessment IN ('reasonable', 'weak', 'insufficient')", name=op.f('ck_reviews_grounds_assessment')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_reviews_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_reviews_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_entry_created', ['entry_id', 'created_at'], unique=False)

    op.create_table('postbox_items',
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('visit_id', sa.Uuid(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('anonymity', sa.String(length=20), nullable=False),
    sa.Column('contact_details', sa.Text(), nullable=True),
    sa.Column('location_text', sa.String(length=500), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('urgency', sa.String(length=20), nullable=False),
    sa.Column('safeguarding', sa.Boolean(), nullable=False),
    sa.Column('identifies_author', sa.Boolean(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.CheckConstraint("anonymity IN ('anonymous', 'named_no_contact', 'contact_requested')", name=op.f('ck_postbox_items_anonymity')),
    sa.CheckConstraint("urgency IN ('immediate_risk', 'priority', 'routine')", name=op.f('ck_postbox_items_urgency')),
    sa.CheckConstraint('(latitude IS NULL) = (longitude IS NULL)', name=op.f('ck_postbox_items_coordinates')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_postbox_items_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['postbox_visits.entry_id'], name=op.f('fk_postbox_items_visit_id_postbox_visits')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_postbox_items'))
    )
    with op.batch_alter_table('postbox_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postbox_items_visit_id'), ['visit_id'], unique=False)

    op.create_table('postbox_item_topics',
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['postbox_items.entry_id'], name=op.f('fk_postbox_item_topics_item_id_postbox_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'topic', name=op.f('pk_postbox_item_topics'))
    )
    with op.batch_alter_table('postbox_item_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postbox_item_topics_topic'), ['topic'], unique=False)



def downgrade():
    with op.batch_alter_table('postbox_item_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postbox_item_topics_topic'))

    op.drop_table('postbox_item_topics')
    with op.batch_alter_table('postbox_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postbox_items_visit_id'))

    op.drop_table('postbox_items')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_entry_created')

    op.drop_table('reviews')
    with op.batch_alter_table('postbox_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_postbox_visits_postbox_visited')

    op.drop_table('postbox_visits')
    op.drop_table('entry_versions')
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.drop_index('ix_encounters_kind_occurred')

    op.drop_table('encounters')
    with op.batch_alter_table('conflict_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_copies_entry_id'))

    op.drop_table('conflict_copies')
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index('ix_entries_team_received')
        batch_op.drop_index(batch_op.f('ix_entries_review_state'))
        batch_op.drop_index('ix_entries_received')
        batch_op.drop_index(batch_op.f('ix_entries_occurred_at'))
        batch_op.drop_index('ix_entries_author_received')

    op.drop_table('entries')
    with op.batch_alter_table('postbox_placements', schema=None) as batch_op:
        batch_op.drop_index('ix_postbox_placements_postbox_from')

    op.drop_table('postbox_placements')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_user_id'))

    op.drop_table('devices')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_record')
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index('ix_audit_events_actor_at')
        batch_op.drop_index('ix_audit_events_action_at')

    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_team_id'))

    op.drop_table('users')
    with op.batch_alter_table('postboxes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postboxes_team_id'))

    op.drop_table('postboxes')
    op.drop_table('teams')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_username_at')
        batch_op.drop_index('ix_login_attempts_remote_addr_at')

    op.drop_table('login_attempts')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
