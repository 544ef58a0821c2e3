import pytest
from tests.browser.test_admin_pages import back_office, PAGES  # noqa
pytestmark = pytest.mark.browser

def test_probe(browse, back_office):
    page = browse.page(back_office)
    page.add_init_script("window.__v=[];document.addEventListener('securitypolicyviolation', function(e){window.__v.push([e.sourceFile, e.lineNumber, e.columnNumber, e.sample, e.target && e.target.outerHTML && e.target.outerHTML.slice(0,120)])});")
    page.goto("/admin/users/")
    page.locator(".hd-admin").wait_for()
    print(page.evaluate("window.__v"))
