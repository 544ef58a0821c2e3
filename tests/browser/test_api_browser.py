"""The API's pages in a real browser: Swagger UI under the CSP, and API keys made and revoked on the settings page."""

import pytest

pytestmark = pytest.mark.browser


def test_the_interactive_docs_render_and_call_the_api_under_the_csp(browse, approved_user):
    page = browse.page(approved_user)
    page.goto("/api/docs")
    page.locator(".swagger-ui .info .title", has_text="Hyperdesk API").wait_for()
    operation = page.locator("#operations-Accounts-api_me")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    operation.locator(".live-responses-table .response-col_status", has_text="200").wait_for()
    assert approved_user.email in operation.locator(".live-responses-table").inner_text()
    assert page.console_errors == []


def test_a_key_is_made_shown_once_and_revoked_on_the_settings_page(browse, approved_user):
    page = browse.page(approved_user)
    page.goto("/settings/")
    page.get_by_label("Name").fill("CI deploy")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_label("New API key").input_value()
    assert secret.startswith("hdk_")
    row = page.locator("#api-keys tbody tr", has_text="CI deploy")
    assert secret[:12] in row.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    page.locator("#api-keys tbody tr", has_text="Revoked").wait_for()
    assert page.get_by_label("New API key").count() == 0
    assert page.console_errors == []
