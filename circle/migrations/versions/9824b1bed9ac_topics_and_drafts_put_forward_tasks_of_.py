"""topics and drafts put forward, tasks of decisions

Every proposal so far is a proposal (`kind`), and none was put forward for a
next meeting (`put_forward_at` empty). Two new tables: `task` (what a decision
asks of whom, by when, and how it stands) and `task_change` (every change to
a task, with the seq of its log entry). Going back drops both and the two
columns: a topic then reads as a proposal; the log keeps every entry, so the
chain still holds.

Revision ID: 9824b1bed9ac
Revises: 87903f71f5bb
Create Date: 2026-11-29 09:45:30.562810

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9824b1bed9ac'
down_revision = '87903f71f5bb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=200), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['member.id'], name=op.f('fk_task_added_by_id_member')),
    sa.ForeignKeyConstraint(['carrier_id'], ['member.id'], name=op.f('fk_task_carrier_id_member')),
    sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], name=op.f('fk_task_circle_id_circle')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_task_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_carrier_id'), ['carrier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_circle_id'), ['circle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('task_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('what', sa.String(length=200), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('log_seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['member.id'], name=op.f('fk_task_change_by_id_member')),
    sa.ForeignKeyConstraint(['carrier_id'], ['member.id'], name=op.f('fk_task_change_carrier_id_member')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_change_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_change'))
    )
    with op.batch_alter_table('task_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_change_task_id'), ['task_id'], unique=False)

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32), server_default='proposal', nullable=False))
        batch_op.add_column(sa.Column('put_forward_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('put_forward_at')
        batch_op.drop_column('kind')

    with op.batch_alter_table('task_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_change_task_id'))

    op.drop_table('task_change')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_task_due_on'))
        batch_op.drop_index(batch_op.f('ix_task_circle_id'))
        batch_op.drop_index(batch_op.f('ix_task_carrier_id'))

    op.drop_table('task')
