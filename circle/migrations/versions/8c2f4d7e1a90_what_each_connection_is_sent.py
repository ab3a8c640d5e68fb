"""what each live connection is sent: a program's state, or a page's parts in a language

Presence, not record: connections made before this step were made by pages
and programs that reconnect anyway; they count as programs until then.

Revision ID: 8c2f4d7e1a90
Revises: 5e1a0c3d9b21
Create Date: 2026-11-29 08:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8c2f4d7e1a90'
down_revision = '5e1a0c3d9b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='json'))
        batch_op.add_column(sa.Column('lang', sa.String(length=8), nullable=False, server_default='nl'))


def downgrade():
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.drop_column('lang')
        batch_op.drop_column('kind')
