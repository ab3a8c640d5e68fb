"""`flask` commands: found a circle, add and end memberships, print and revoke sign-in links, seed
the demo, verify the log (backups: circle/backup.py)."""

from __future__ import annotations

import datetime as dt
import os

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from circle import record
from circle.circles import add_member, create_circle, end_membership
from circle.extensions import db
from circle.method import Role, RuleBroken
from circle.models import Circle, Member, Person


def init_app(app: Flask) -> None:
    """Register Kring's commands on the app's CLI."""
    for command in (create_circle_command, add_member_command, end_membership_command, links_command,
                    revoke_link_command, demo_command, verify_log_command):
        app.cli.add_command(command)
    from circle.tick import tick_command  # what falls due by the clock, for cron

    app.cli.add_command(tick_command)
    from circle.backup import backup_command, restore_command  # README, "Backups"

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def _link(member: Member) -> str:
    """A member's personal sign-in link (their person's, made now), on the address Kring is served at."""
    from circle.auth import sign_in_url

    base = current_app.config.get("BASE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    with current_app.test_request_context(base_url=base):
        return sign_in_url(member)


def _print_links(circle: Circle) -> None:
    from circle.auth import link_valid_until

    until = link_valid_until().date().isoformat()
    click.echo(f"{circle.name}: sign-in links, valid until {until} (keep them private)")
    for member in circle.members:
        if member.active:
            click.echo(f"  {member.name} ({member.role.value}, person {member.person_id}): {_link(member)}")


@click.command("create-circle")
@with_appcontext
@click.argument("name")
@click.option("--facilitator", required=True, help="Name of the circle's first facilitator.")
@click.option("--quorum", type=click.IntRange(min=1), help="Members needed for a consent round.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The facilitator's first day as a member (YYYY-MM-DD; default today).")
@click.option("--person", "person_id", type=int,
              help="The facilitator already signs in to another circle: their person's id (see `links`).")
def create_circle_command(name: str, facilitator: str, quorum: int | None, since: dt.datetime | None,
                          person_id: int | None) -> None:
    """Found a circle and print its facilitator's sign-in link."""
    _same_person(person_id, facilitator)
    try:
        circle, first = create_circle(name, facilitator, quorum, since=since and since.date(),
                                      person_id=person_id)
    except RuleBroken as e:
        raise click.ClickException(e.message) from None
    click.echo(f"Circle {circle.id} created: {circle.name}")
    click.echo(f"  {first.name} (facilitator): {_link(first)}")


@click.command("add-member")
@with_appcontext
@click.argument("circle_id", type=int)
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MEMBER.value)
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Their first day as a member (YYYY-MM-DD; default today).")
@click.option("--person", "person_id", type=int,
              help="They already sign in to another circle: their person's id (see `links`).")
def add_member_command(circle_id: int, name: str, role: str, since: dt.datetime | None,
                       person_id: int | None) -> None:
    """Add a person to a circle from a date and print their sign-in link."""
    if db.session.get(Circle, circle_id) is None:
        raise click.ClickException(f"No circle {circle_id}.")
    _same_person(person_id, name)
    try:
        done = add_member(None, circle_id, name, Role(role), since=since and since.date(),
                          person_id=person_id)
    except RuleBroken as e:
        raise click.ClickException(e.message) from None
    member = db.session.get(Member, done.subject)
    click.echo(f"  {member.name} ({member.role.value}, since {member.joined_on.isoformat()}): "
               f"{_link(member)}")


def _same_person(person_id: int | None, name: str) -> None:
    """Refuse a person id that is unknown or names someone else: one slip would merge two people."""
    if person_id is None:
        return
    person = db.session.get(Person, person_id)
    if person is None:
        raise click.ClickException(f"No person {person_id}.")
    if person.name != name.strip():
        raise click.ClickException(f"Person {person_id} is {person.name!r}, not {name.strip()!r}.")


def _member_named(circle_id: int, name: str) -> Member:
    member = db.session.scalar(sa.select(Member).where(Member.circle_id == circle_id, Member.name == name))
    if member is None:
        raise click.ClickException(f"No member {name!r} in circle {circle_id}.")
    return member


@click.command("end-membership")
@with_appcontext
@click.argument("circle_id", type=int)
@click.argument("name")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The day they left: from then on no longer a member (YYYY-MM-DD; default today).")
def end_membership_command(circle_id: int, name: str, on: dt.datetime | None) -> None:
    """Record that someone left a circle; they stay in its record as a former member."""
    member = _member_named(circle_id, name)
    try:
        end_membership(None, circle_id, member.id, on=on and on.date())
    except RuleBroken as e:
        raise click.ClickException(e.message) from None
    click.echo(f"{member.name} left circle {circle_id} on {member.left_on.isoformat()}.")


@click.command("links")
@with_appcontext
@click.argument("circle_id", type=int)
def links_command(circle_id: int) -> None:
    """Print the sign-in links of a circle's members."""
    circle = db.session.get(Circle, circle_id)
    if circle is None:
        raise click.ClickException(f"No circle {circle_id}.")
    _print_links(circle)


@click.command("revoke-link")
@with_appcontext
@click.argument("circle_id", type=int)
@click.argument("name")
def revoke_link_command(circle_id: int, name: str) -> None:
    """End a member's sign-in links, remembered phones and open connections; print a new link.

    The link is the person's: it ends in all their circles.
    """
    from circle.auth import revoke

    member = _member_named(circle_id, name)
    revoke(member.person)
    click.echo(f"The links of {member.name} (person {member.person_id}) no longer work; "
               "their phones are signed out.")
    click.echo(f"  {member.name} ({member.role.value}): {_link(member)}")


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only when the database has no circle yet.")
def demo_command(if_empty: bool) -> None:
    """Seed the Samen Vooruit demo circle and print its sign-in links."""
    from circle.demo import seed

    existing = db.session.scalar(sa.select(Circle).order_by(Circle.id).limit(1))
    if if_empty and existing is not None:
        click.echo("The database already holds a circle; no demo added.")
        _print_links(existing)
        return
    _print_links(seed())


@click.command("verify-log")
@with_appcontext
def verify_log_command() -> None:
    """Check every circle's hash chain; exit non-zero naming the first entry that does not hold."""
    if not echo_verdicts(record.verify_all()):
        raise SystemExit(1)


def echo_verdicts(verdicts: list[record.Verdict]) -> bool:
    """Say whether every chain holds, naming each first entry that does not; True when all hold."""
    broken = [v for v in verdicts if not v.intact]
    for v in broken:
        click.echo(f"circle {v.circle_id}: BROKEN at entry {v.bad_seq}: {v.problem}", err=True)
    if not broken:
        click.echo(f"log intact: {len(verdicts)} circle(s), {sum(v.entries for v in verdicts)} entries checked")
    return not broken
