"""The Content Security Policy is on every page and the browser enforces it: an inline script is
refused and reported, which is how every browser test's pages are checked (conftest.Visitor)."""

import pytest


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"])
def test_pages_carry_the_policy_and_break_none_of_it(visitor, path):
    response = visitor.page.goto(visitor.base_url + path)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    visitor.check()


def test_an_inline_script_is_refused_and_reported(visitor):
    visitor.go("/")
    ran = visitor.page.evaluate("""() => {
        window.inlineRan = false;
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true;";
        document.body.appendChild(script);
        return new Promise((resolve) => setTimeout(() => resolve(window.inlineRan), 200));
    }""")
    assert ran is False
    visitor.page.wait_for_timeout(100)
    assert [text.split(" blocked ")[0] for _url, text in visitor.csp_violations] == [
        "CSP violation: script-src-elem"]
    visitor.csp_violations.clear()


@pytest.mark.parametrize("path", ["/api/docs", "/admin/login/"])
def test_pages_of_libraries_break_none_of_it(visitor, path):
    """The API's documentation and the admin come from libraries: no violation either (axe
    checks our pages; these are theirs)."""
    visitor.page.goto(visitor.base_url + path)
    visitor.page.wait_for_load_state("networkidle")
    visitor.page.wait_for_timeout(300)
    assert visitor.csp_violations == []
