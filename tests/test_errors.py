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
