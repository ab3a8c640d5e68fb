"""membership over time: the day someone joined and the day they left

Who was expected at a meeting follows from these dates on the meeting's date
(docs/membership.md), no longer from when a row happened to be written.
Existing members joined on the day their row was written (in UTC); someone
who had already left gets the day of this migration as the day they left,
the earliest date we can vouch for.

Revision ID: 5e1a0c3d9b21
Revises: 67f1c84162e7
Create Date: 2026-11-29 06:00:00

"""
import sqlalchemy as sa
from alembic import op

from circle import clock

# revision identifiers, used by Alembic.
revision = '5e1a0c3d9b21'
down_revision = '67f1c84162e7'
branch_labels = None
depends_on = None

member = sa.table(
    "member",
    sa.column("id", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("active", sa.Boolean),
    sa.column("joined_on", sa.Date),
    sa.column("left_on", sa.Date),
)


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
    bind = op.get_bind()
    today = clock.today()
    for row in bind.execute(sa.select(member.c.id, member.c.created_at, member.c.active)).all():
        bind.execute(member.update().where(member.c.id == row.id).values(
            joined_on=row.created_at.date(), left_on=None if row.active else today))
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.alter_column('joined_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('active')


def downgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
    bind = op.get_bind()
    bind.execute(member.update().where(member.c.left_on.is_not(None)).values(active=False))
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('left_on')
        batch_op.drop_column('joined_on')
