"""rounds between meetings: a deadline, how a round ended, the circle's rules

A round may now be held outside any meeting (docs/between-meetings.md): its
meeting is then empty, so every round names its circle itself (existing
rounds take their meeting's). Between meetings a round has a deadline, and
says how it ended and whether silence counts (and was counted) as consent; the circle
keeps its own rules for that (for which decisions silence is consent, and
whether proposers open rounds). A live connection may follow a proposal's
rounds between meetings instead of a meeting.

Going back is refused while rounds between meetings exist: the older schema
has no place for them, and the record must not lose them.

Revision ID: 302cbaebf3a6
Revises: 9824b1bed9ac
Create Date: 2026-11-29 09:47:21.611175

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '302cbaebf3a6'
down_revision = '9824b1bed9ac'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('circle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('silence_is_consent', sa.String(length=32), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('proposer_opens_rounds', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_id', sa.Integer(), nullable=True))
        batch_op.alter_column('meeting_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_connection_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_connection_proposal_id_proposal'), 'proposal', ['proposal_id'], ['id'])

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('circle_id', sa.Integer(), nullable=True))
    op.execute("UPDATE round SET circle_id = (SELECT meeting.circle_id FROM meeting WHERE meeting.id = round.meeting_id)")
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.alter_column('circle_id', existing_type=sa.Integer(), nullable=False)
        batch_op.add_column(sa.Column('deadline', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ended', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('silence_counts', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('silence_as_consent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.alter_column('meeting_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_round_circle_id'), ['circle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_deadline'), ['deadline'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_round_circle_id_circle'), 'circle', ['circle_id'], ['id'])



def downgrade():
    bind = op.get_bind()
    between = bind.execute(sa.text("SELECT count(*) FROM round WHERE meeting_id IS NULL")).scalar()
    if between:
        raise RuntimeError(f"{between} round(s) between meetings are in the record; the schema before "
                           "302cbaebf3a6 cannot hold them, so Kring does not go back past it.")
    op.execute("DELETE FROM connection WHERE meeting_id IS NULL")  # presence, not record
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_round_circle_id_circle'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_round_deadline'))
        batch_op.drop_index(batch_op.f('ix_round_circle_id'))
        batch_op.alter_column('meeting_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('silence_as_consent')
        batch_op.drop_column('silence_counts')
        batch_op.drop_column('ended')
        batch_op.drop_column('deadline')
        batch_op.drop_column('circle_id')

    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_connection_proposal_id_proposal'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_connection_proposal_id'))
        batch_op.alter_column('meeting_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('proposal_id')

    with op.batch_alter_table('circle', schema=None) as batch_op:
        batch_op.drop_column('proposer_opens_rounds')
        batch_op.drop_column('silence_is_consent')

