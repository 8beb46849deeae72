"""The email outbox against a real SMTP server (aiosmtpd): messages are written with the state
change, survive a mail server outage, and are sent exactly once, also with several workers."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, time, timedelta

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from mongocollectibles.mail import SmtpTransport
from mongocollectibles.mail.dev_server import DevMailServer, read_mailbox
from mongocollectibles.models import utcnow
from mongocollectibles.services import (
    checkout,
    notifications,
    outbox,
    owner_actions,
    reservations,
    schedule,
)
from mongocollectibles.services.outbox import Email
from mongocollectibles.settings import get_settings
from tests.support.emails import outbox_rows, pay, rental_row
from tests.support.fakes import FakeGateway
from tests.support.orders import order
from tests.support.servers import free_port


@pytest.fixture
def shop(uow, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example.ph")
    monkeypatch.setenv("OWNER_EMAIL", "owner@shop.example.ph")
    get_settings.cache_clear()
    yield uow
    get_settings.cache_clear()


@pytest.fixture
def mail_port():
    return free_port()


@pytest.fixture
def mail_server(tmp_path, mail_port):
    """Starts a real SMTP server on `mail_port` when called; stopped at the end."""
    servers: list[DevMailServer] = []

    def start() -> DevMailServer:
        server = DevMailServer(tmp_path / "mailbox", "127.0.0.1", mail_port).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


async def test_paid_order_enqueues_the_receipt_and_the_owner_copy_once(shop):
    rental_id = await pay(shop)
    rows = outbox_rows(shop)
    assert [(r.kind, r.to_address) for r in rows] == [
        ("order_confirmed", "juan@example.com"),
        ("owner_new_order", "owner@shop.example.ph"),
    ]
    receipt = rows[0]
    code = rental_row(shop, rental_id).order_code
    for text in (receipt.text_body, receipt.html_body):
        assert code in text
        assert "PHP 30,000.00" in text  # 3 days x PHP 10,000.00 (short-rental rate)
        assert "Includes 12% VAT of PHP 3,214.29" in text
        assert "123 Main Street, Manila" in text and "Mon-Sat 10:00-20:00" in text
        assert f"https://shop.example.ph/orders/{rental_id}?token=" in text
        assert "PHP 10,000.00 (short-rental rate)" in text
    assert code in receipt.subject and "PHP 30,000.00" in receipt.subject
    # The owner's later steps email the customer too; repeats enqueue nothing more.
    await owner_actions.advance_rental(rental_id, "ready_for_pickup", actor="owner", uow=shop)
    await owner_actions.advance_rental(rental_id, "ready_for_pickup", actor="owner", uow=shop)
    assert [r.kind for r in outbox_rows(shop)][-1] == "pickup_ready"
    assert len(outbox_rows(shop)) == 3


async def test_mail_server_down_then_up_sends_every_message_exactly_once(
    shop, mail_port, mail_server, tmp_path
):
    await pay(shop)
    await pay(shop, collectible_id="col-001")
    transport = SmtpTransport("127.0.0.1", mail_port, timeout=5)
    now = utcnow()

    # The mail server is down: nothing is lost, each try is recorded and backed off.
    report = await outbox.deliver_due(transport, uow=shop, now=now)
    assert (report.sent, report.failed) == (0, 4)
    rows = outbox_rows(shop)
    assert all(r.sent_at is None and r.attempts == 1 and r.last_error for r in rows)
    assert all(r.next_attempt_at > now for r in rows)
    # Still down a minute later.
    report = await outbox.deliver_due(transport, uow=shop, now=now + timedelta(minutes=1))
    assert (report.sent, report.failed) == (0, 4)
    # Not yet due again: nobody tries.
    assert await outbox.deliver_due(transport, uow=shop, now=now + timedelta(minutes=1)) == (
        outbox.DeliveryReport()
    )

    mail_server()  # back up
    later = now + timedelta(hours=1)
    report = await outbox.deliver_due(transport, uow=shop, now=later)
    assert (report.sent, report.failed) == (4, 0)
    for _ in range(3):  # further passes send nothing again
        assert (await outbox.deliver_due(transport, uow=shop, now=later)).sent == 0

    received = read_mailbox(tmp_path / "mailbox")
    assert len(received) == 4
    assert len({m.message_id for m in received}) == 4
    rows = outbox_rows(shop)
    assert sorted(m.message_id for m in received) == sorted(
        outbox.message_id(r.id, r.created_at, get_settings().mail_from) for r in rows
    )
    assert all(r.sent_at is not None and r.claim_token is None for r in rows)
    receipt = next(m for m in received if m.subject.startswith("Receipt"))
    assert "Includes 12% VAT" in receipt.text and "<table" in receipt.html


@pytest.mark.postgres
async def test_several_workers_send_each_message_once(pg_url, mail_port, mail_server, tmp_path):
    from mongocollectibles.services.unit_of_work import UnitOfWork

    uow = UnitOfWork(pg_url)
    for number in range(40):
        uow.call(
            outbox.enqueue,
            "test",
            Email(f"customer{number}@example.com", f"Message {number}", "text", "<p>html</p>"),
        )
    mail_server()
    transport = SmtpTransport("127.0.0.1", mail_port, timeout=5)

    async def worker() -> int:
        total = 0
        while (report := await outbox.deliver_due(transport, uow=uow)).sent:
            total += report.sent
        return total

    sent = await asyncio.gather(*(worker() for _ in range(4)))
    assert sum(sent) == 40
    received = read_mailbox(tmp_path / "mailbox")
    assert sorted(m.subject for m in received) == sorted(f"Message {n}" for n in range(40))


async def test_a_refused_recipient_is_not_retried(shop, mail_port):
    class Refusing:
        async def send(self, mail):
            from mongocollectibles.mail import MailError

            raise MailError("550 no such user", permanent=True)

    shop.call(outbox.enqueue, "test", Email("nobody@example.com", "Hi", "text", "<p>x</p>"))
    report = await outbox.deliver_due(Refusing(), uow=shop)
    assert report.failed == 1
    later = utcnow() + timedelta(days=2)
    assert (await outbox.deliver_due(Refusing(), uow=shop, now=later)) == outbox.DeliveryReport()
    (row,) = outbox_rows(shop)
    assert row.sent_at is None and row.attempts == outbox.MAX_ATTEMPTS
    assert row.last_error == "550 no such user"


async def test_the_receipt_shows_the_booked_pickup_and_return_dates(shop, mail_port, mail_server):
    pickup = reservations.today() + timedelta(days=10)
    rental_id = await pay(shop, pickup_date=pickup.isoformat(), duration=3)
    booked = rental_row(shop, rental_id)
    assert (booked.pickup_date, booked.return_date) == (pickup, pickup + timedelta(days=3))
    await owner_actions.advance_rental(rental_id, "ready_for_pickup", actor="owner", uow=shop)
    server = mail_server()
    report = await outbox.deliver_due(SmtpTransport("127.0.0.1", mail_port, timeout=5), uow=shop)
    assert report.sent == 3  # receipt, owner's copy, ready for pickup

    received = read_mailbox(server.folder)
    pickup_text = notifications.day_text(pickup)
    return_text = notifications.day_text(pickup + timedelta(days=3))
    for subject in ("Receipt for your rental", "Ready for pickup"):
        mail = next(m for m in received if m.subject.startswith(subject))
        assert mail.to == "juan@example.com"
        for body in (mail.text, mail.html):
            assert pickup_text in body and return_text in body
        assert re.search(rf"Pickup date +{pickup_text}", mail.text)
        assert re.search(rf"Return by +{return_text}", mail.text)


async def test_reminders_are_enqueued_once_each(shop):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    hold_end = rental_row(shop, result.rental_id).hold_expires_at
    almost = hold_end - timedelta(minutes=2)
    assert await notifications.send_due_reminders(uow=shop, now=almost) == 1
    assert await notifications.send_due_reminders(uow=shop, now=almost) == 0
    assert [r.kind for r in outbox_rows(shop)] == ["hold_expiring"]

    # Booked 10 days ahead, handed over early (today): due back on the booked return date.
    pickup = reservations.today() + timedelta(days=10)
    rental_id = await pay(
        shop, collectible_id="col-001", duration=7, pickup_date=pickup.isoformat()
    )
    for step in ("ready_for_pickup", "picked_up"):
        await owner_actions.advance_rental(rental_id, step, actor="owner", uow=shop)
    due = pickup + timedelta(days=7)
    assert rental_row(shop, rental_id).return_date == due
    at_noon = datetime.combine(due, time(12), notifications.MANILA)
    # Nothing before the day before: also not on the days that 7 days from the handover
    # would make "due tomorrow" (due - 11) and "overdue" (due - 9).
    for days_before in (11, 9, 2):
        earlier = at_noon - timedelta(days=days_before)
        assert await notifications.send_due_reminders(uow=shop, now=earlier) == 0
    day_before = at_noon - timedelta(days=1)
    assert await notifications.send_due_reminders(uow=shop, now=day_before) == 1
    assert await notifications.send_due_reminders(uow=shop, now=day_before) == 0
    assert await notifications.send_due_reminders(uow=shop, now=at_noon) == 0  # due today
    after = at_noon + timedelta(days=1)
    assert await notifications.send_due_reminders(uow=shop, now=after) == 1
    assert await notifications.send_due_reminders(uow=shop, now=after) == 0
    kinds = [r.kind for r in outbox_rows(shop) if r.rental_id == rental_id]
    assert kinds == ["order_confirmed", "owner_new_order", "pickup_ready", "return_due", "overdue"]
    return_due, overdue = outbox_rows(shop)[-2:]
    for message in (return_due, overdue):
        assert notifications.day_text(due) in message.text_body
    # The owner's schedule reads the same dates: overdue from the day after, not before.
    assert [r.id for r in (await schedule.get_schedule(due, uow=shop)).overdue] == []
    next_day = due + timedelta(days=1)
    assert [r.id for r in (await schedule.get_schedule(next_day, uow=shop)).overdue] == [rental_id]


async def test_the_https_email_api_transport_over_real_http():
    from mongocollectibles.mail import HttpApiTransport, MailError, OutgoingMail
    from tests.support.servers import run_asgi_in_thread

    received: list[tuple[dict, dict]] = []
    answers = [503, 400, 200]
    service = FastAPI()

    @service.post("/emails")
    async def emails(request: Request):
        received.append((await request.json(), dict(request.headers)))
        return JSONResponse({"id": "em_1"}, status_code=answers.pop(0))

    mail = OutgoingMail(
        outbox_id=7,
        message_id="<outbox-7.abc@shop.example.ph>",
        sender="Shop <orders@shop.example.ph>",
        to="juan@example.com",
        subject="Receipt",
        text="text",
        html="<p>html</p>",
        created_at=utcnow(),
    )
    with run_asgi_in_thread(service) as base:
        transport = HttpApiTransport(f"{base}/emails", "key_123", timeout=5)
        with pytest.raises(MailError) as busy:
            await transport.send(mail)
        assert not busy.value.permanent  # 503: try again later
        with pytest.raises(MailError) as refused:
            await transport.send(mail)
        assert refused.value.permanent  # 400: retrying will not help
        await transport.send(mail)
    body, headers = received[-1]
    assert body == {
        "from": "Shop <orders@shop.example.ph>",
        "to": ["juan@example.com"],
        "subject": "Receipt",
        "text": "text",
        "html": "<p>html</p>",
        "headers": {"Message-ID": "<outbox-7.abc@shop.example.ph>"},
    }
    assert headers["authorization"] == "Bearer key_123"
    assert headers["idempotency-key"] == "<outbox-7.abc@shop.example.ph>"
    # Nothing listening: a temporary failure.
    with pytest.raises(MailError) as down:
        await HttpApiTransport(f"http://127.0.0.1:{free_port()}/emails", "k").send(mail)
    assert not down.value.permanent
