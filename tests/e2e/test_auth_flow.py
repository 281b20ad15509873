import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_register_logout_login_lands_on_dashboard(page, live_server):
    page.goto(f"{live_server.url}/register")
    page.fill("#id_company_name", "Browser Bakery")
    page.fill("#id_company_email", "hello@bakery.example")
    page.fill("#id_full_name", "Bea Baker")
    page.fill("#id_email", "bea@bakery.example")
    page.fill("#id_password", "Sourdough-Starter-77")
    page.select_option("#id_plan_type", "small_business")  # a paid plan lands on /plan (tests/e2e/test_plans.py)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard$"))
    assert page.get_by_test_id("current-user").inner_text() == "Bea Baker"
    assert "Browser Bakery" in page.content()

    page.click("text=Log out")
    page.wait_for_url(re.compile(r".*/login$"))
    assert "You are logged out" in page.content()

    page.fill("#id_email", "bea@bakery.example")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert "Invalid email or password" in page.content()

    page.fill("#id_email", "BEA@bakery.example")
    page.fill("#id_password", "Sourdough-Starter-77")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard$"))
    assert page.get_by_role("heading", name="Dashboard").is_visible()
