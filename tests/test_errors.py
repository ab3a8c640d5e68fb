"""Error pages say what went wrong in the reader's language, with the right status."""


def test_a_missing_page_in_dutch_then_english(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "Pagina niet gevonden" in page.text
    page = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert "Page not found" in page.text


def test_too_much_text_is_refused_kindly(client):
    response = client.post("/lang", data={"lang": "en", "next": "x" * 300_000})
    assert response.status_code == 413
    assert "Wat je stuurde is te lang" in response.text


def test_a_wrong_method_is_refused_kindly(client):
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert "Deze pagina werkt zo niet" in response.text


def test_pages_and_scripts_travel_compressed(client):
    """A phone on mobile data gets the page and its script gzipped (the 60 KB budget counts bytes on the wire)."""
    old_phone = {"Accept-Encoding": "gzip"}  # an old phone's browser may know nothing newer
    page = client.get("/sign-in", headers=old_phone)
    script = client.get("/static/vendor/socket.io.min.js", headers=old_phone)
    try:
        assert page.headers.get("Content-Encoding") == "gzip"
        assert script.headers.get("Content-Encoding") == "gzip"
        assert len(script.get_data()) < 20_000
    finally:
        page.close()
        script.close()


def test_an_id_too_large_for_the_database_is_simply_not_found(client):
    huge = 2**64
    for url in (f"/c/{huge}/", f"/c/1/meetings/{huge}/", f"/c/1/decisions/{huge}/", f"/c/{huge}/logbook/"):
        assert client.get(url).status_code == 404, url


def test_a_server_error_undoes_the_request_and_says_so_in_the_readers_language(app, caplog, sign_in):
    """A failure in a page: nothing it wrote is kept, the error is logged, the reader gets a page.

    The failure here leaves the database session broken (a flush that violates a
    constraint); the error page still shows the signed-in member their way back,
    which reads the database again: only a rolled-back session can.
    """
    import sqlalchemy as sa

    from circle.circles import create_circle
    from circle.extensions import db
    from circle.models import Circle, Member

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: no test runner to raise into
    with app.app_context():
        circle, anna = create_circle("Samen Vooruit", "Anna")
        circle_id, anna_id, anna_person = circle.id, anna.id, anna.person_id

    @app.get("/broken")
    def broken():
        db.session.add(Circle(name="Half gedaan"))
        db.session.add(Member(circle_id=circle_id, person_id=anna_person))  # a member already: the flush fails
        db.session.flush()
        return "never"

    client = app.test_client()
    sign_in(client, anna_id)
    page = client.get("/broken")
    assert page.status_code == 500
    assert "Er ging iets mis" in page.text and "er is niets veranderd" in page.text
    assert f'href="/c/{circle_id}/"' in page.text  # back to your circle: read after the rollback
    assert "UNIQUE" not in page.text and "IntegrityError" not in page.text  # no insides shown
    english = client.get("/broken", headers={"Accept-Language": "en"})
    assert english.status_code == 500 and "nothing was changed" in english.text
    assert "IntegrityError" in caplog.text  # logged, with its traceback
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Circle.id))) == 1  # only Samen Vooruit
