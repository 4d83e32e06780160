from __future__ import annotations

from tests.factories import PASSWORD


def test_pages_need_login(client):
    response = client.get("/jobs")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_user_signs_in_with_email_and_password(client, recruiter):
    response = client.post("/login", data={"email": recruiter.email.upper(), "password": PASSWORD})
    assert response.status_code == 303
    assert client.get("/jobs").status_code == 200


def test_wrong_password_rerenders_with_message_and_keeps_email(client, recruiter):
    response = client.post("/login", data={"email": recruiter.email, "password": "nope-nope-nope"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Wrong email or password." in page
    assert recruiter.email in page


# --- throttling: failed attempts per account, per address, and known devices -------------------


def attempt(client, email, password="wrong-password-guess", address="198.51.100.7"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def lock_account(client, email):
    """Ten failed attempts on one account, each from an address of its own."""
    for n in range(10):
        assert attempt(client, email, address=f"203.0.113.{n + 1}").status_code == 422


def test_many_addresses_cannot_guess_one_account_without_limit(limited_client, recruiter):
    lock_account(limited_client, recruiter.email)
    assert attempt(limited_client, recruiter.email, address="203.0.113.99").status_code == 429


def test_locked_account_refuses_even_the_right_password_so_guesses_cannot_be_tested(
        limited_app, recruiter):
    lock_account(limited_app.test_client(), recruiter.email)
    fresh = limited_app.test_client()
    assert attempt(fresh, recruiter.email, PASSWORD, address="192.0.2.50").status_code == 429


def test_account_limit_counts_the_address_in_any_case_and_spacing(limited_client, recruiter):
    lock_account(limited_client, recruiter.email)
    assert attempt(limited_client, f"  {recruiter.email.upper()} ").status_code == 429


def test_locking_one_account_does_not_lock_another_from_the_same_address(limited_app,
                                                                          recruiter, admin):
    client = limited_app.test_client()
    for _ in range(10):
        attempt(client, recruiter.email)
    assert attempt(client, recruiter.email).status_code == 429
    assert attempt(client, admin.email, PASSWORD).status_code == 303


def test_successful_sign_ins_do_not_count_against_the_address(limited_app, make_user):
    users = [make_user() for _ in range(35)]
    answers = [attempt(limited_app.test_client(), user.email, PASSWORD).status_code
               for user in users]
    assert answers == [303] * 35


def test_one_address_guessing_many_accounts_is_limited(limited_client):
    answers = [attempt(limited_client, f"guess{n}@example.com").status_code for n in range(31)]
    assert answers == [422] * 30 + [429]


def test_known_browser_signs_in_while_an_attacker_has_locked_the_account(limited_app,
                                                                        recruiter):
    own = limited_app.test_client()
    assert attempt(own, recruiter.email, PASSWORD, address="192.0.2.10").status_code == 303
    own.post("/logout", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    lock_account(limited_app.test_client(), recruiter.email)
    assert attempt(own, recruiter.email, PASSWORD, address="192.0.2.10").status_code == 303


def test_known_browser_can_still_be_limited_on_its_own(limited_app, recruiter):
    own = limited_app.test_client()
    attempt(own, recruiter.email, PASSWORD)
    answers = [attempt(own, recruiter.email).status_code for _ in range(11)]
    assert answers == [422] * 10 + [429]


def test_device_cookie_of_another_account_does_not_exempt_the_locked_one(limited_app,
                                                                         recruiter, admin):
    browser = limited_app.test_client()
    assert attempt(browser, admin.email, PASSWORD).status_code == 303
    lock_account(limited_app.test_client(), recruiter.email)
    assert attempt(browser, recruiter.email, PASSWORD).status_code == 429


def test_forged_device_cookie_does_not_exempt(limited_app, recruiter):
    lock_account(limited_app.test_client(), recruiter.email)
    browser = limited_app.test_client()
    browser.set_cookie("coordinator_device", "forged.value.here")
    assert attempt(browser, recruiter.email, PASSWORD).status_code == 429


def test_signed_out_429_page_explains_when_and_links_back_to_sign_in(limited_client, recruiter):
    lock_account(limited_client, recruiter.email)
    response = attempt(limited_client, recruiter.email)
    assert response.status_code == 429
    assert 800 < int(response.headers["Retry-After"]) <= 900
    page = response.get_data(as_text=True)
    assert "Too many sign-in attempts" in page
    assert "Try again in about 15 minutes" in page
    assert 'href="/login"' in page
    assert "Back to the dashboard" not in page
