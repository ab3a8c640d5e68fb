"""The logbook: a circle's decisions newest first, filtered and paged, for members and, where the circle
wants it, for anyone.

Its search, and the full-text index behind it, are tests/test_logbook_search.py;
the record both read is tests/logbook_record.py.
"""

from __future__ import annotations

import re

import pytest

from circle import proposals
from circle.circles import set_public_record
from circle.method import NameDisplay
from circle.views.logbook import PER_PAGE
from tests.conftest import sign_in_with_link
from tests.logbook_record import app, member, record, record_database  # noqa: F401  (fixtures)
from tests.logbook_record import logbook, member_named, titles
from tests.pages import unisolated


# --- The list --------------------------------------------------------------------------------


def test_every_proposal_newest_first_with_status_dates_and_links(member, record):
    page = logbook(member, record)
    assert titles(page) == ["Bankjes op het Ambonplein", "Zwerfafval prikken", "Moestuin op het Javaplein",
                            "Buurtfeest in juni", "Afvalcontainers vergroenen"]
    assert f'href="/c/{record.circle_id}/decisions/{record.ids["containers"]}/"' in page
    statuses = re.findall(r'class="tag status-([a-z_]+)"', page)
    assert statuses == ["in_progress", "review", "withdrawn", "postponed", "adopted"]
    assert '<time datetime="2025-03-10T19:00:00Z">' in page  # decided
    assert '<time datetime="2026-09-01">' in page  # its review date
    assert '<time datetime="2026-02-01T10:00:00Z">' in page  # the draft: when it was written


@pytest.mark.parametrize(("status", "expected"), [
    ("adopted", ["Afvalcontainers vergroenen"]),
    ("postponed", ["Buurtfeest in juni"]),
    ("withdrawn", ["Moestuin op het Javaplein"]),
    ("review", ["Zwerfafval prikken"]),
    ("in_progress", ["Bankjes op het Ambonplein"]),
])
def test_filter_by_status(member, record, status, expected):
    page = logbook(member, record, status=status)
    assert titles(page) == expected
    assert f'<option value="{status}" selected>' in page


def test_filter_by_period_in_the_circles_time_zone(member, record):
    assert titles(logbook(member, record, **{"from": "2025-06-01", "to": "2025-09-15"})) == [
        "Moestuin op het Javaplein", "Buurtfeest in juni"]
    assert titles(logbook(member, record, **{"from": "2025-09-16"})) == [
        "Bankjes op het Ambonplein", "Zwerfafval prikken"]
    assert titles(logbook(member, record, to="2025-03-10")) == ["Afvalcontainers vergroenen"]
    # 31 December 23:30 UTC is already 1 January in Amsterdam.
    assert titles(logbook(member, record, **{"from": "2026-01-01", "to": "2026-01-01"})) == ["Zwerfafval prikken"]
    # Dates as people type them, and the two ends the wrong way round.
    assert titles(logbook(member, record, **{"from": "15-09-2025", "to": "01/06/2025"})) == [
        "Moestuin op het Javaplein", "Buurtfeest in juni"]


def test_filters_combine(member, record):
    page = logbook(member, record, status="adopted", to="2025-12-31", q="plantenbakken")
    assert titles(page) == ["Afvalcontainers vergroenen"]
    assert titles(logbook(member, record, status="postponed", q="plantenbakken")) == []


@pytest.mark.parametrize("params", [
    {"status": "banana"}, {"from": "gisteren"}, {"to": "2025-13-45"}, {"from": "99999-01-01"},
    {"from": "0001-01-01"}, {"page": "-3"}, {"page": "x"}, {"page": "9" * 5000}, {"page": "9" * 100}, {"page": "٣"}, {"q": "x" * 5000},
    {"status": "<script>"},
])
def test_bad_filters_are_explained_never_a_crash(member, record, params):
    page = logbook(member, record, **params)
    assert "<script>" not in page
    if "status" in params or "from" in params or "to" in params:
        assert 'class="flash error"' in page
        assert len(titles(page)) == 5


# --- Pages ---------------------------------------------------------------------------------------


def test_pages_of_25_with_links_that_keep_the_filters(app, member, record):
    with app.app_context():
        kees = member_named(record.circle_id, "Kees")
        for n in range(2 * PER_PAGE + 3):
            proposals.write_draft(kees, proposals.Wording(title=f"Geveltuin nummer {n:02d}",
                                                          text="Tegels eruit, planten erin."))
    first = logbook(member, record, q="geveltuin", status="in_progress")
    assert len(titles(first)) == PER_PAGE
    assert titles(first)[0] == "Geveltuin nummer 52"
    links = re.findall(r'<a rel="next" href="([^"]+)"', first)
    assert len(links) == 1 and "q=geveltuin" in links[0] and "status=in_progress" in links[0]
    second = member.get(links[0].replace("&amp;", "&")).text
    assert titles(second)[0] == "Geveltuin nummer 27"
    third = member.get(re.findall(r'<a rel="next" href="([^"]+)"', second)[0].replace("&amp;", "&")).text
    assert titles(third) == ["Geveltuin nummer 02", "Geveltuin nummer 01", "Geveltuin nummer 00"]
    assert 'rel="next"' not in third and 'rel="prev"' in third
    # Past the last page: the last page.
    assert titles(logbook(member, record, q="geveltuin", page="99")) == titles(third)


# --- Who may read it -------------------------------------------------------------------------------


def test_private_record_refuses_anonymous_and_other_circles(app, client, record):
    response = client.get(f"/c/{record.circle_id}/logbook/")
    assert response.status_code == 302 and "/sign-in" in response.location
    sign_in_with_link(client, record.ids["Bob"])
    assert client.get(f"/c/{record.circle_id}/logbook/").status_code == 404
    assert client.get(f"/c/{record.circle_id}/logbook/?q=kweker").status_code == 404
    assert client.get("/c/999999/logbook/").status_code == 404


@pytest.mark.parametrize(("display", "shown", "hidden"), [
    (NameDisplay.FULL, "Kees van Dijk", None),
    (NameDisplay.FIRST, "what Kees said", "Kees van Dijk"),
    (NameDisplay.INITIALS, "K.V.D.", "Kees"),
])
def test_public_record_is_readable_by_anyone_with_names_as_chosen(app, client, record, display, shown, hidden):
    with app.app_context():
        set_public_record(member_named(record.circle_id, "Anna"), True, display)
    page = logbook(client, record, q="kweker")
    assert titles(page) == ["Afvalcontainers vergroenen"]
    assert shown in unisolated(page)
    if hidden:
        assert hidden not in page
    assert "This circle has made its record public." in page
    assert len(titles(logbook(client, record))) == 5


def test_members_see_full_names_when_the_record_is_public(app, member, record):
    with app.app_context():
        set_public_record(member_named(record.circle_id, "Anna"), True, NameDisplay.INITIALS)
    assert "Kees van Dijk" in logbook(member, record, q="kweker")


def test_switching_the_record_back_closes_the_logbook(app, client, record):
    with app.app_context():
        set_public_record(member_named(record.circle_id, "Anna"), True, NameDisplay.FIRST)
    assert client.get(f"/c/{record.circle_id}/logbook/").status_code == 200
    with app.app_context():
        set_public_record(member_named(record.circle_id, "Anna"), False, NameDisplay.FIRST)
    assert client.get(f"/c/{record.circle_id}/logbook/").status_code == 302


def test_readable_without_javascript(member, record):
    page = logbook(member, record)
    assert re.search(r'<form class="filters" method="get"', page)

