"""The API's edges in the real Reflex app (the API mounted as Reflex's api_transformer, the UI
under it): unknown /api paths and methods answer the JSON envelope, every answer carries the
security headers, and pages whose URL carries a token ask for no Referer."""

from playwright.sync_api import expect


def test_unknown_api_paths_and_methods_in_the_app(api):
    missing = api.get("/api/nope")
    assert missing.status_code == 404
    assert missing.json() == {"success": False, "error": "No API endpoint at /api/nope."}
    wrong = api.post("/api/stores", json={})
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
    assert wrong.json()["success"] is False


def test_pages_and_api_carry_the_security_headers(api):
    for path in ("/", "/api/stores", "/api/collectibles", "/payment/success"):
        answer = api.get(path)
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["x-frame-options"] == "DENY", path


NO_REFERRER = '<meta content="no-referrer" name="referrer"/>'


def test_token_pages_ask_for_no_referrer(api, page, shop_url):
    for path in ("/payment/success", "/payment/failed"):  # prerendered: in the HTML itself
        answer = api.get(path, params={"rental_id": "x", "token": "y"}, follow_redirects=True)
        assert NO_REFERRER in answer.text, (path, answer.status_code, answer.text[:200])
    assert NO_REFERRER not in api.get("/", follow_redirects=True).text
    # A dynamic route: the page sets it once loaded (production's proxy sends the header too).
    page.goto(f"{shop_url}/orders/some-id?token=y")
    expect(page.locator('meta[name="referrer"]')).to_have_attribute(
        "content", "no-referrer", timeout=30_000
    )
