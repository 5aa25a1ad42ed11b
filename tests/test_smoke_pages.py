from tests.helpers import create_category


def test_home_lists_categories_and_disclaimer(client, ctx, make_thread):
    make_thread(category=create_category("Stem cells & HSCT", "aHSCT and clinics"), title="Stem cell clinics abroad")
    html = client.get("/").get_data(as_text=True)
    assert "Stem cells &amp; HSCT" in html
    assert "/c/stem-cells-hsct" in html
    assert "not medical advice" in html.lower()
