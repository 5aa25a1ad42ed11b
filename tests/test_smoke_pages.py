from tests.helpers import create_category


def test_home_lists_categories_and_disclaimer(client, ctx, make_thread):
    make_thread(category=create_category("Stem cells & HSCT", "aHSCT and clinics"), title="Stem cell clinics abroad")
    html = client.get("/").get_data(as_text=True)
    assert "Stem cells &amp; HSCT" in html
    assert "/c/stem-cells-hsct" in html
    assert "not medical advice" in html.lower()


def test_the_browser_finds_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an icon file, not an error page
