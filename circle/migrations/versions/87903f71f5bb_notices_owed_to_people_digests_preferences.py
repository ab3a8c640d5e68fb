"""notices owed to people, daily digests, preferences

Three new tables and nothing else changed: `notice` (one per person per
thing told, its key unique so the same notice is never made twice),
`notice_digest` (one mail a person a day gathering notices) and
`notice_preference` (how a person wants each kind; a kind without a row
goes by the defaults in circle/notices.py). Going back drops them.

Revision ID: 87903f71f5bb
Revises: 191faa641941
Create Date: 2026-11-29 09:45:20.466414

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '87903f71f5bb'
down_revision = '191faa641941'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notice_digest_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_digest')),
    sa.UniqueConstraint('person_id', 'day', name=op.f('uq_notice_digest_person_id_day'))
    )
    with op.batch_alter_table('notice_digest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_digest_person_id'), ['person_id'], unique=False)

    op.create_table('notice_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('delivery', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notice_preference_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_preference')),
    sa.UniqueConstraint('person_id', 'kind', name=op.f('uq_notice_preference_person_id_kind'))
    )
    with op.batch_alter_table('notice_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_preference_person_id'), ['person_id'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('delivery', sa.String(length=32), nullable=False),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('dropped_at', sa.DateTime(), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], name=op.f('fk_notice_circle_id_circle')),
    sa.ForeignKeyConstraint(['digest_id'], ['notice_digest.id'], name=op.f('fk_notice_digest_id_notice_digest')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notice_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('key', name=op.f('uq_notice_key'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_circle_id'), ['circle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_digest_id'), ['digest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_made_at'), ['made_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_person_id'))
        batch_op.drop_index(batch_op.f('ix_notice_made_at'))
        batch_op.drop_index(batch_op.f('ix_notice_digest_id'))
        batch_op.drop_index(batch_op.f('ix_notice_circle_id'))

    op.drop_table('notice')
    with op.batch_alter_table('notice_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_preference_person_id'))

    op.drop_table('notice_preference')
    with op.batch_alter_table('notice_digest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_digest_person_id'))

    op.drop_table('notice_digest')
