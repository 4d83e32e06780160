"""assessments keep their ratings' sum, count and scores once submitted; a per-job shortlist cache

Revision ID: 5b8e2d4c9a17
Revises: b4e8d2a61f3c
Create Date: 2026-12-05 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e2d4c9a17'
down_revision = 'b4e8d2a61f3c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_sum', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rating_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rating_scores', sa.Text(), nullable=True))
    # Backfill: every submitted assessment gets the sum, count and criterion:score pairs of its
    # ratings (0, 0 and '' without any).
    if op.get_bind().dialect.name == 'postgresql':
        pairs = "string_agg(r.criterion_id || ':' || r.score, ' ' ORDER BY r.position, r.id)"
    else:
        pairs = "group_concat(r.criterion_id || ':' || r.score, ' ')"
    op.execute(
        f"""UPDATE assessments SET
               rating_sum = (SELECT coalesce(sum(r.score), 0) FROM ratings r
                             WHERE r.assessment_id = assessments.id),
               rating_count = (SELECT count(r.id) FROM ratings r
                               WHERE r.assessment_id = assessments.id),
               rating_scores = coalesce((SELECT {pairs} FROM ratings r
                                         WHERE r.assessment_id = assessments.id), '')
           WHERE state = 'submitted'"""
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'submitted_has_sums', "(state = 'submitted') = (rating_count IS NOT NULL)")
        batch_op.create_check_constraint(
            'sum_has_count', "(rating_sum IS NULL) = (rating_count IS NULL)")
        batch_op.create_check_constraint(
            'scores_have_count', "(rating_scores IS NULL) = (rating_count IS NULL)")
        batch_op.create_check_constraint(
            'sum_on_scale', "rating_sum >= rating_count AND rating_sum <= 4 * rating_count")

    op.create_table('shortlist_caches',
    sa.Column('job_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=True),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('generation >= 0', name=op.f('ck_shortlist_caches_generation_not_negative')),
    sa.CheckConstraint('(payload IS NULL) = (computed_at IS NULL)', name=op.f('ck_shortlist_caches_payload_has_time')),
    sa.CheckConstraint('valid_until IS NULL OR valid_until > computed_at', name=op.f('ck_shortlist_caches_valid_after_computed')),
    sa.CheckConstraint("scope IS NULL OR scope IN ('job', 'organisation', 'none')", name=op.f('ck_shortlist_caches_scope_known')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_shortlist_caches_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_shortlist_caches'))
    )


def downgrade():
    op.drop_table('shortlist_caches')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assessments_sum_on_scale'), type_='check')
        batch_op.drop_constraint(op.f('ck_assessments_scores_have_count'), type_='check')
        batch_op.drop_constraint(op.f('ck_assessments_sum_has_count'), type_='check')
        batch_op.drop_constraint(op.f('ck_assessments_submitted_has_sums'), type_='check')
        batch_op.drop_column('rating_scores')
        batch_op.drop_column('rating_count')
        batch_op.drop_column('rating_sum')
