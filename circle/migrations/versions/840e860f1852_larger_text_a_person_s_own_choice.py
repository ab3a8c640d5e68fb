"""larger text, a person's own choice

A person may have every page drawn in larger text (docs/reading.md). Nobody
has chosen it yet, so every row starts False; going back drops the choice.

Revision ID: 840e860f1852
Revises: 90f3ca23c53a
Create Date: 2026-11-29 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '840e860f1852'
down_revision = '90f3ca23c53a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('larger_text', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('larger_text')
