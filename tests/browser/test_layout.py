"""The pages on a phone's screen: nothing wider than the screen, the navigation whole and in reach."""

import pytest

from webapp.services import credentials

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Each link of the main navigation and the brand and sign-out button, as page boxes.
NAV_BOXES = """() => {
  const box = el => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  return {
    brand: box(document.querySelector('.brand')),
    signOut: box(document.querySelector('.nav-user button')),
    links: Array.from(document.querySelectorAll('.nav-links a')).map(a => ({text: a.textContent.trim(), ...box(a)})),
    pageWidth: document.documentElement.scrollWidth,
  };
}"""


@pytest.mark.parametrize("path", ["/projects/", "/projects/?scope=all", "/access/queue", "/settings/"])
def test_on_a_phone_every_page_fits_and_every_navigation_link_shows(browse, admin, make, path):
    # A description longer than a phone's line: the row shows it cut short, on one line.
    description = "Move the stock to the new site over one weekend, with the whole inventory counted twice on arrival."
    make.project(admin, name="A project with a fairly long name to wrap on a small screen", description=description)
    page = browse.page(admin)
    page.set_viewport_size(PHONE)
    page.goto(path)
    facts = page.evaluate(NAV_BOXES)
    assert facts["pageWidth"] <= PHONE["width"], "nothing makes the page scroll sideways"
    brand, sign_out = facts["brand"], facts["signOut"]
    assert brand["top"] < sign_out["bottom"] and sign_out["top"] < brand["bottom"], "name and sign-out share a line"
    assert [link["text"].split()[0] for link in facts["links"]] == ["Projects", "Settings", "Approvals", "Back"]
    for link in facts["links"]:
        assert link["left"] >= 0 and link["right"] <= PHONE["width"], f"{link['text']} is on the screen"
        assert link["top"] >= brand["bottom"] - 1, f"{link['text']} is below the name, not squeezed beside it"


# Each cell of the settings page's tables that stack on a phone: its label (CSS generated), text and box.
STACKED_CELLS = """() => Array.from(document.querySelectorAll('.stacks-on-phones td[data-label]')).map(td => {
  const box = td.getBoundingClientRect();
  return {label: getComputedStyle(td, '::before').content, text: td.textContent.trim(), height: box.height, right: box.right};
})"""


def test_on_a_phone_sessions_and_api_keys_read_as_label_and_value_lines(browse, approved_user):
    credentials.create_key(approved_user, "Deploy script", "read", None)
    page = browse.page(approved_user)
    page.set_viewport_size(PHONE)
    page.goto("/settings/")
    cells = page.evaluate(STACKED_CELLS)
    labels = {cell["label"] for cell in cells}
    assert {'"Signed in"', '"Last active"', '"Expires"', '"Last used"'} <= labels, "each value has its label beside it"
    for cell in cells:
        assert cell["right"] <= PHONE["width"], f"{cell['label']} is on the screen"
        assert cell["height"] < 40, f"{cell['label']} {cell['text']!r} fits on one line"
