"""The storefront's display text: ETA, special rate, rental status, catalog cards."""

from datetime import UTC, date, datetime

from mongocollectibles.components.price import eta_phrase, special_rate_message
from mongocollectibles.components.rental_status import rental_display
from mongocollectibles.pages.catalog import CatalogState, cards
from mongocollectibles.services.catalog import CollectibleView
from mongocollectibles.services.rentals import RentalView


def test_eta_phrase():
    expected = "Ready for pickup at Store A in about 1 day"
    assert eta_phrase(1, "MongoCollectibles Store A") == expected
    assert eta_phrase(5, "MongoCollectibles Store B").endswith("in about 5 days")
    assert eta_phrase(0, "Store C") == "Ready for pickup at Store C today"
    assert eta_phrase(None, "Store C").startswith("Not available")


def test_special_rate_message_names_the_threshold_and_both_rates():
    text = special_rate_message(7, "PHP 10,000.00", "PHP 5,000.00")
    assert "shorter than 7 days" in text
    assert "PHP 10,000.00 a day instead of PHP 5,000.00" in text


def _view(**changes) -> RentalView:
    values = dict(
        id="r-1",
        status="pending_payment",
        status_label="Waiting for payment",
        collectible_id="col-002",
        collectible_name="Star Wars Millennium Falcon Model",
        image_url="/collectibles/col-002.svg",
        store_id="store-a",
        store_name="MongoCollectibles Store A",
        store_address="123 Main Street, Manila",
        duration_days=3,
        daily_rate_centavos=1_000_000,
        total_centavos=3_000_000,
        is_special_rate=True,
        eta_days=1,
        pickup_date=date(2026, 11, 23),
        return_date=date(2026, 11, 26),
        payment_method="gcash",
        customer_name="Juan dela Cruz",
        customer_email="juan@example.com",
        created_at=datetime(2026, 11, 22, 2, 0, tzinfo=UTC),
        paid_at=None,
        hold_expires_at=datetime(2026, 11, 22, 2, 15, tzinfo=UTC),
        needs_refund=False,
        payment_url="https://checkout.example/cs_1",
    )
    values.update(changes)
    return RentalView(**values)


def test_pending_rental_offers_payment_and_shows_the_hold():
    status, summary = rental_display(_view())
    assert status.pending and not status.paid
    assert status.payment_url == "https://checkout.example/cs_1"
    assert "10:15 AM (Manila time)" in status.hold_text
    assert status.payment_method == "GCash"
    assert summary.total_text == "PHP 30,000.00"
    assert summary.daily_rate_text == "PHP 10,000.00 (short-rental rate)"
    assert summary.vat_text == "Includes 12% VAT of PHP 3,214.29"


def test_paid_rental_says_when_to_pick_up_and_hides_the_payment_link():
    paid_at = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    status, _ = rental_display(_view(status="paid", status_label="Paid", paid_at=paid_at))
    assert status.paid and not status.pending
    assert status.payment_url == "" and status.hold_text == ""
    assert "on Mon 23 Nov 2026; return it by Thu 26 Nov 2026" in status.pickup_text
    assert "123 Main Street, Manila" in status.pickup_text


def test_order_summary_shows_both_dates():
    _, summary = rental_display(_view(status="paid", status_label="Paid"))
    assert (summary.pickup_text, summary.return_text) == ("Mon 23 Nov 2026", "Thu 26 Nov 2026")


def test_cards_show_out_of_stock_items_as_such():
    views = [
        CollectibleView("col-001", "Batman", "", "S", "/a.svg", 4, 100_000, 1, True),
        CollectibleView("col-006", "Arcade", "", "L", "/b.svg", 0, 1_000_000, None, False),
    ]
    batman, arcade = cards(views, "MongoCollectibles Store A")
    assert batman.stock_text == "4 in stock" and batman.rate_text == "PHP 1,000.00 / day"
    assert arcade.stock_text == "Out of stock" and not arcade.available


def test_catalog_search_and_size_filter():
    views = [
        CollectibleView("col-001", "Vintage Batman", "", "S", "/a.svg", 4, 100_000, 1, True),
        CollectibleView("col-005", "Gundam Model", "", "M", "/b.svg", 4, 500_000, 1, True),
        CollectibleView("col-006", "Arcade Machine", "", "L", "/c.svg", 0, 1_000_000, None, False),
    ]
    state = CatalogState()
    state.items = cards(views, "Store A")
    state.set_query("  GUNDAM ")
    assert [i.id for i in state.visible] == ["col-005"]
    state.clear_filters()
    state.set_size("L")
    assert [i.id for i in state.visible] == ["col-006"]
    state.set_size("XL")
    assert len(state.visible) == 3
