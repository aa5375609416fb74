def test_home_page_is_accessible_at_phone_width(visitor, territory):
    page = visitor.go("/")
    assert page.locator("h1").inner_text() == "One account, one card, every public service"
    visitor.screenshot("home")
