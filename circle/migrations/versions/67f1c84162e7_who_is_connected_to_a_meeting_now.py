"""who is connected to a meeting now: one row per live connection

Presence, not record: rows come and go with connections and are never logged,
so nothing needs filling in here and downgrading loses nothing that matters.

Revision ID: 67f1c84162e7
Revises: 173369abc3b2
Create Date: 2026-11-23 16:36:56.918611

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '67f1c84162e7'
down_revision = '173369abc3b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('connection',
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('server', sa.String(length=80), nullable=False),
    sa.Column('connected_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_connection_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_connection_member_id_member')),
    sa.PrimaryKeyConstraint('sid', name=op.f('pk_connection'))
    )
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connection_meeting_id'), ['meeting_id'], unique=False)



def downgrade():
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connection_meeting_id'))

    op.drop_table('connection')
