"""persons: one sign-in, a membership in each circle

Each existing member becomes a person with one membership: the person takes
the member's id, name and sign-in version, so the links and remembered phones
handed out before keep working until they expire, and the membership keeps its
id, so every row and every log entry that points at it stays as it was. The
log's hashed entries are not touched; the chain verifies as before.

Going back folds each membership into a member row again, with its person's
name and sign-in version (a person in two circles becomes two members).

Revision ID: 191faa641941
Revises: 8c2f4d7e1a90
Create Date: 2026-11-29 08:39:31.726385

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '191faa641941'
down_revision = '8c2f4d7e1a90'
branch_labels = None
depends_on = None

person = sa.table(
    "person",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("sign_in_version", sa.Integer),
    sa.column("created_at", sa.DateTime),
)
member = sa.table(
    "member",
    sa.column("id", sa.Integer),
    sa.column("person_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("sign_in_version", sa.Integer),
    sa.column("created_at", sa.DateTime),
)
connection = sa.table(
    "connection",
    sa.column("member_id", sa.Integer),
    sa.column("sign_in_version", sa.Integer),
)


def upgrade():
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('sign_in_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('email', name=op.f('uq_person_email'))
    )
    bind = op.get_bind()
    bind.execute(person.insert().from_select(
        ["id", "name", "sign_in_version", "created_at"],
        sa.select(member.c.id, member.c.name, member.c.sign_in_version, member.c.created_at)))
    if bind.dialect.name == "postgresql":  # ids were given: the next person's comes after them
        bind.exec_driver_sql("SELECT setval(pg_get_serial_sequence('person', 'id'), "
                             "COALESCE((SELECT MAX(id) FROM person), 0) + 1, false)")

    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_in_version', sa.Integer(), nullable=False, server_default='1'))
    bind.execute(connection.update().values(sign_in_version=sa.select(member.c.sign_in_version).where(
        member.c.id == connection.c.member_id).scalar_subquery()))
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.alter_column('sign_in_version', existing_type=sa.Integer(), server_default=None)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
    bind.execute(member.update().values(person_id=member.c.id))
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_member_circle_id_name'), type_='unique')
        batch_op.create_index(batch_op.f('ix_member_person_id'), ['person_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_member_circle_id_person_id'), ['circle_id', 'person_id'])
        batch_op.create_foreign_key(batch_op.f('fk_member_person_id_person'), 'person', ['person_id'], ['id'])
        batch_op.drop_column('name')
        batch_op.drop_column('sign_in_version')


def downgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_in_version', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('name', sa.VARCHAR(length=80), nullable=True))
    bind = op.get_bind()
    bind.execute(member.update().values(
        name=sa.select(person.c.name).where(person.c.id == member.c.person_id).scalar_subquery(),
        sign_in_version=sa.select(person.c.sign_in_version).where(
            person.c.id == member.c.person_id).scalar_subquery()))
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.alter_column('sign_in_version', existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column('name', existing_type=sa.VARCHAR(length=80), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_member_person_id_person'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_member_circle_id_person_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_member_person_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_member_circle_id_name'), ['circle_id', 'name'])
        batch_op.drop_column('person_id')

    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.drop_column('sign_in_version')

    op.drop_table('person')
