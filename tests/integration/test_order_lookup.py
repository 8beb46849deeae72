""" "Find my order" as a customer uses it: the email and order code open the order page, however
they are typed; any mistake gets one answer, which tells nothing about which part was wrong;
the links to every order of an address are emailed to that address, and the answer is the same
for an address with no orders; attempts are limited per client and per address. Through the
service, with orders made by the real checkout, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from mongocollectibles.domain.errors import InvalidInput, NotFound
from mongocollectibles.models import Rental
from mongocollectibles.services import catalog_admin, checkout, order_lookup, reservations
from mongocollectibles.services.order_lookup import FoundOrder
from mongocollectibles.services.rate_limit import TooManyAttempts
from mongocollectibles.settings import get_settings
from tests.support.emails import Mail, outbox_rows, pay, read, rental_row
from tests.support.fakes import FakeGateway
from tests.support.orders import CUSTOMER, order

NOT_FOUND = (
    "We could not find an order with that email and order code. Check both, or have the "
    "links emailed to you below."
)
TOO_MANY = "Too many attempts. Please wait a few minutes and try again."
LINKS_SENT = (
    "If we have orders for that address, we have emailed their links to it. It can take a "
    "minute to arrive."
)
BAD_EMAIL = "Enter the email address you used at checkout."


@pytest.fixture
def shop(uow, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example.ph")
    # Counters of this test's own (in Redis too, were REDIS_URL set).
    monkeypatch.setenv("RATE_LIMIT_PREFIX", f"test-order-lookup-{uuid.uuid4().hex[:12]}")
    get_settings.cache_clear()
    yield uow
    get_settings.cache_clear()


async def start(uow, *args, **kwargs) -> checkout.CheckoutResult:
    return await checkout.start_checkout(order(*args, **kwargs), gateway=FakeGateway(), uow=uow)


def maria() -> dict:
    return {**CUSTOMER, "name": "Maria Santos", "email": "maria@example.com"}


# -- finding one order -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed_email", "typed_code"),
    [
        ("juan@example.com", "{code}"),
        ("  JUAN@Example.COM\t", "{code}"),  # any case, spaces around
        ("juan@example.com", "{lower}"),
        ("juan@example.com", "mc {digits}"),  # as read aloud
        ("Juan@example.com ", "{digits}"),  # without the prefix
    ],
)
async def test_the_email_and_code_open_the_order_page_however_they_are_typed(
    shop, typed_email, typed_code
):
    result = await start(shop)
    code = result.order_code
    typed = typed_code.format(code=code, lower=code.lower(), digits=code[3:])
    found = await order_lookup.find_order(typed_email, typed, client="c1", uow=shop)
    assert found == FoundOrder(
        rental_id=result.rental_id,
        order_code=code,
        path=f"/orders/{result.rental_id}?token={result.secret_token}",
    )


async def test_an_order_whose_address_was_stored_with_capitals_is_found_too(shop):
    """Rentals from before addresses were stored in lower case keep their capitals."""
    result = await start(shop)
    shop.call(
        lambda s: s.execute(
            update(Rental)
            .where(Rental.id == result.rental_id)
            .values(customer_email="Juan.Dela.Cruz@Example.COM")
        )
    )
    found = await order_lookup.find_order(
        "juan.dela.cruz@example.com", result.order_code, client="c1", uow=shop
    )
    assert found.rental_id == result.rental_id
    answer = await order_lookup.email_order_links(
        " JUAN.dela.cruz@example.com", client="c1", uow=shop
    )
    assert answer == LINKS_SENT
    (message,) = outbox_rows(shop)
    assert message.to_address == "Juan.Dela.Cruz@Example.COM"  # as the customer gave it
    assert result.order_code in message.text_body


@pytest.mark.parametrize(
    ("email", "code"),
    [
        pytest.param("other@example.com", "{mine}", id="wrong email"),
        pytest.param("juan@example.com", "MC-777777", id="wrong code"),
        pytest.param("juan@example.com", "{maria}", id="another customer's code"),
        pytest.param("maria@example.com", "{mine}", id="another customer's email"),
        pytest.param("juan@example.com", "not a code", id="not a code"),
        pytest.param("juan@example.com", "MC-0O1ILS", id="look-alike characters"),
        pytest.param("juan@example.com", "", id="no code"),
        pytest.param("juan@example.com", None, id="code missing"),
        pytest.param("juan@example.com", 777777, id="code as a number"),
    ],
)
async def test_any_mistake_gets_the_same_not_found_answer(shop, email, code):
    mine = await start(shop)
    theirs = await start(shop, "col-001", customer=maria())
    if isinstance(code, str):
        code = code.format(mine=mine.order_code, maria=theirs.order_code)
    with pytest.raises(NotFound) as missed:
        await order_lookup.find_order(email, code, client="c1", uow=shop)
    assert (missed.value.status_code, missed.value.message) == (404, NOT_FOUND)


LONGEST = "j" * 242 + "@example.com"  # 254 characters, the most an address can have


@pytest.mark.parametrize(
    "email",
    [
        pytest.param("juan.example.com", id="no @"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="spaces"),
        pytest.param(None, id="missing"),
        pytest.param(42, id="a number"),
        pytest.param("j" + LONGEST, id="255 characters"),
    ],
)
async def test_a_malformed_email_is_refused_naming_the_field(shop, email):
    await start(shop)
    with pytest.raises(InvalidInput) as lookup:
        await order_lookup.find_order(email, "MC-777777", client="c1", uow=shop)
    with pytest.raises(InvalidInput) as links:
        await order_lookup.email_order_links(email, client="c1", uow=shop)
    for refused in (lookup.value, links.value):
        assert (refused.status_code, refused.message, refused.field) == (422, BAD_EMAIL, "email")
    assert outbox_rows(shop) == []


async def test_the_longest_address_is_taken_with_spaces_around_it(shop):
    assert len(LONGEST) == 254
    with pytest.raises(NotFound):
        await order_lookup.find_order(f"  {LONGEST}  ", "MC-777777", client="c1", uow=shop)
    assert await order_lookup.email_order_links(f" {LONGEST} ", client="c1", uow=shop) == (
        LINKS_SENT
    )


async def test_lookups_are_limited_per_client_whatever_was_wrong(shop):
    """Ten tries per client in ten minutes, found or not, whichever part was wrong; then
    even the right email and code wait. Another client is not held up."""
    result = await start(shop)
    tries = [
        ("juan@example.com", result.order_code),  # found
        ("other@example.com", result.order_code),
        ("juan@example.com", "MC-777777"),
        ("juan@example.com", "not a code"),
    ]
    assert order_lookup.LOOKUPS_PER_CLIENT.limit == 10
    for number in range(10):
        email, code = tries[number % len(tries)]
        if email == "juan@example.com" and code == result.order_code:
            await order_lookup.find_order(email, code, client="203.0.113.9", uow=shop)
        else:
            with pytest.raises(NotFound):
                await order_lookup.find_order(email, code, client="203.0.113.9", uow=shop)
    for email, code in (tries[0], tries[1]):
        with pytest.raises(TooManyAttempts) as stopped:
            await order_lookup.find_order(email, code, client="203.0.113.9", uow=shop)
        assert (stopped.value.status_code, stopped.value.message) == (429, TOO_MANY)
    found = await order_lookup.find_order(*tries[0], client="203.0.113.10", uow=shop)
    assert found.rental_id == result.rental_id


# -- the links email -------------------------------------------------------------------------


def day(value) -> str:
    return value.strftime("%a %-d %b %Y")  # e.g. "Tue 1 Dec 2026"


async def test_the_links_email_lists_each_order_of_the_address_newest_first(shop):
    await catalog_admin.edit_collectible("col-001", name='Batman <1989> & "Robin"', uow=shop)
    pickup = reservations.today() + timedelta(days=10)
    paid_id = await pay(shop, pickup_date=pickup.isoformat())
    pending = await start(shop, "col-001", duration=7)
    await start(shop, "col-004", customer=maria())  # someone else's: not listed
    paid, waiting = rental_row(shop, paid_id), rental_row(shop, pending.rental_id)

    answer = await order_lookup.email_order_links("Juan@Example.com", client="c1", uow=shop)
    assert answer == LINKS_SENT
    links = [r for r in outbox_rows(shop) if r.kind == "order_links"]
    assert len(links) == 1
    newest = (
        f'{waiting.order_code}: Batman <1989> & "Robin", pickup {day(waiting.pickup_date)}, '
        f"return by {day(waiting.return_date)}, PHP 7,000.00 (Waiting for payment)"
    )
    newest_url = f"https://shop.example.ph/orders/{waiting.id}?token={waiting.secret_token}"
    older = (
        f"{paid.order_code}: Star Wars Millennium Falcon Model, pickup {day(pickup)}, "
        f"return by {day(pickup + timedelta(days=3))}, PHP 30,000.00 (Paid)"
    )
    older_url = f"https://shop.example.ph/orders/{paid.id}?token={paid.secret_token}"
    assert read(links[0]) == Mail(
        to="juan@example.com",
        subject="Your MongoCollectibles order links",
        text=f"""\
Your MongoCollectibles orders

{newest}
{newest_url}

{older}
{older_url}

If you did not ask for this email, you can ignore it.

MongoCollectibles""",
        html=[
            "# Your MongoCollectibles orders",
            f"[{newest}]({newest_url})",
            f"[{older}]({older_url})",
            "If you did not ask for this email, you can ignore it.",
        ],
    )
    assert "Batman &lt;1989&gt; &amp; &quot;Robin&quot;" in links[0].html_body


async def test_the_links_email_lists_the_twenty_newest_orders(shop):
    today = reservations.today()
    made = []
    for number in range(21):
        collectible = f"col-00{number % 6 + 1}"
        pickup = today + timedelta(days=10 + 10 * (number // 6))
        made.append(await start(shop, collectible, pickup_date=pickup.isoformat()))
    await order_lookup.email_order_links("juan@example.com", client="c1", uow=shop)
    (message,) = outbox_rows(shop)
    listed = [line.split(":")[0] for line in message.text_body.splitlines() if line[:3] == "MC-"]
    assert listed == [r.order_code for r in reversed(made[1:])]
    assert made[0].order_code not in message.text_body


async def test_an_address_without_orders_gets_the_same_answer_and_no_email(shop):
    await start(shop)
    answer = await order_lookup.email_order_links("nobody@example.com", client="c1", uow=shop)
    assert answer == LINKS_SENT
    assert outbox_rows(shop) == []


async def test_link_emails_are_limited_per_client(shop):
    """Five requests per client in ten minutes, whatever the address; then the client is told
    to wait and nothing is sent. Another client is not held up."""
    await start(shop)
    assert order_lookup.LINK_EMAILS_PER_CLIENT.limit == 5
    for number in range(4):
        answer = await order_lookup.email_order_links(
            f"someone{number}@example.com", client="198.51.100.7", uow=shop
        )
        assert answer == LINKS_SENT
    await order_lookup.email_order_links("juan@example.com", client="198.51.100.7", uow=shop)
    assert len(outbox_rows(shop)) == 1
    with pytest.raises(TooManyAttempts) as stopped:
        await order_lookup.email_order_links("juan@example.com", client="198.51.100.7", uow=shop)
    assert (stopped.value.status_code, stopped.value.message) == (429, TOO_MANY)
    assert len(outbox_rows(shop)) == 1
    answer = await order_lookup.email_order_links(
        "juan@example.com", client="198.51.100.8", uow=shop
    )
    assert answer == LINKS_SENT and len(outbox_rows(shop)) == 2


async def test_link_emails_to_one_address_stop_after_three_an_hour_with_the_same_answer(shop):
    """However many clients ask, an address gets at most three link emails an hour (its
    spellings count as one address); the answer never changes, so it tells nothing. Other
    addresses still get theirs."""
    await start(shop)
    await start(shop, "col-001", customer=maria())
    assert order_lookup.LINK_EMAILS_PER_ADDRESS.limit == 3
    spellings = ["juan@example.com", "JUAN@example.com", " juan@Example.com ", "juan@example.com"]
    for number, spelling in enumerate(spellings):
        answer = await order_lookup.email_order_links(spelling, client=f"c{number}", uow=shop)
        assert answer == LINKS_SENT
    assert [r.to_address for r in outbox_rows(shop)] == ["juan@example.com"] * 3
    answer = await order_lookup.email_order_links("maria@example.com", client="c9", uow=shop)
    assert answer == LINKS_SENT
    assert [r.to_address for r in outbox_rows(shop)][-1] == "maria@example.com"
