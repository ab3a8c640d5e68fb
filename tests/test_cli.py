"""The `flask` commands an administrator uses: found a circle, add people, print links, the demo."""

from __future__ import annotations

import re

import sqlalchemy as sa

from circle.extensions import db
from circle.models import Circle, Member, Proposal

LINK = re.compile(r"(http://\S+/s/\S+)")


def test_create_circle_prints_a_working_link_for_its_facilitator(app, runner):
    result = runner.invoke(args=["create-circle", "Groen Dapper", "--facilitator", "Ilse"])
    assert result.exit_code == 0, result.output
    assert "Groen Dapper" in result.output and "Ilse (facilitator)" in result.output
    [link] = LINK.findall(result.output)
    page = app.test_client().get(link)
    assert page.status_code == 200 and "Ilse" in page.text  # the confirm page of a valid link


def test_add_member_and_links(app, runner):
    runner.invoke(args=["create-circle", "Groen Dapper", "--facilitator", "Ilse"])
    result = runner.invoke(args=["add-member", "1", "Bram", "--role", "secretary"])
    assert result.exit_code == 0 and "Bram (secretary, since" in result.output
    refused = runner.invoke(args=["add-member", "1", "Bram"])
    assert refused.exit_code != 0 and "already has that name" in refused.output
    links = runner.invoke(args=["links", "1"])
    assert len(LINK.findall(links.output)) == 2
    assert runner.invoke(args=["links", "99"]).exit_code != 0


def test_demo_seeds_samen_vooruit_once(app, runner):
    first = runner.invoke(args=["demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert len(LINK.findall(first.output)) == 8
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and len(LINK.findall(again.output)) == 8
    with app.app_context():
        # Samen Vooruit and its working group: Kees, Samira and Dewi sit in both.
        assert set(db.session.scalars(sa.select(Circle.name))) == {"Samen Vooruit", "Werkgroep Zwerfvuil"}
        assert db.session.scalar(sa.select(sa.func.count(Member.id))) == 8 + 3
        titles = {p.latest.title for p in db.session.scalars(sa.select(Proposal))}
        assert "Afvalcontainers in de Javastraat vergroenen" in titles
    assert runner.invoke(args=["verify-log"]).exit_code == 0
