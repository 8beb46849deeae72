"""Reading the outbox as the recipients get it: who a message goes to, its subject, its plain
text, and its HTML as a mail client shows it (headings, paragraphs, table rows, links), after
checking that the markup is well formed."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from sqlmodel import select

from mongocollectibles.models import OutboxMessage, Rental
from mongocollectibles.services import checkout, webhooks
from tests.support.fakes import FakeGateway
from tests.support.orders import checkout_paid, event_body, order, signed_headers


def outbox_rows(uow) -> list[OutboxMessage]:
    return uow.call(lambda s: list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()))


def rental_row(uow, rental_id: str) -> Rental:
    return uow.call(lambda s: s.get(Rental, rental_id))


async def deliver(uow, body: bytes) -> str:
    """A signed PayMongo webhook, as the shop receives it."""
    return await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"], uow=uow)


async def pay(uow, gateway: FakeGateway | None = None, **kwargs) -> str:
    """A checkout paid through a signed webhook; returns the rental id."""
    result = await checkout.start_checkout(
        order(**kwargs), gateway=gateway or FakeGateway(), uow=uow
    )
    row = rental_row(uow, result.rental_id)
    paid = checkout_paid(
        result.rental_id, row.checkout_session_id, f"pay_{row.id[:8]}", row.total_centavos
    )
    assert await deliver(uow, event_body("checkout_session.payment.paid", paid)) == "paid"
    return result.rental_id


@dataclass(frozen=True)
class Mail:
    """One message as its recipient reads it. `html`: the blocks a mail client shows, in
    order: `# heading`, paragraphs, table rows as `label | value` (`**value**` when bold),
    links as `[text](href)`."""

    to: str
    subject: str
    text: str
    html: list[str]


def read(row: OutboxMessage) -> Mail:
    return Mail(row.to_address, row.subject, row.text_body, html_blocks(row.html_body))


_VOID = frozenset({"br", "hr", "img", "meta"})
_BLOCKS = frozenset({"h1", "p", "li", "td"})


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype = ""
        self.first_tag: tuple[str, dict[str, str | None]] | None = None
        self.open: list[str] = []
        self.problems: list[str] = []
        self.blocks: list[str] = []
        self._text: list[str] | None = None
        self._cells: list[str] = []
        self._bold = False
        self._href: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self.first_tag is None:
            self.first_tag = (tag, found)
        if tag not in _VOID:
            self.open.append(tag)
        if tag in _BLOCKS:
            if self._text is not None:
                self.problems.append(f"<{tag}> inside another block")
            self._text = []
            self._bold = "font-weight:bold" in (found.get("style") or "")
        elif tag == "a":
            self._href = found.get("href")
            self._data("[")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()
        if tag == "a":
            self._data(f"]({self._href})")
        elif tag in _BLOCKS and self._text is not None:
            text = " ".join("".join(self._text).split())
            self._text = None
            if tag == "td":
                self._cells.append(f"**{text}**" if self._bold else text)
            else:
                self.blocks.append(f"# {text}" if tag == "h1" else text)
        elif tag == "tr":
            self.blocks.append(" | ".join(self._cells))
            self._cells = []

    def handle_data(self, data: str) -> None:
        if self._text is None:
            if data.strip():
                self.problems.append(f"text outside any block: {data!r}")
            return
        self._data(data)

    def _data(self, data: str) -> None:
        if self._text is None:
            self.problems.append(f"link outside any block: {data!r}")
            return
        self._text.append(data)


def html_blocks(body: str) -> list[str]:
    """What a mail client shows of an HTML body, after checking it is a well-formed page:
    a doctype, `<html lang="en">`, every tag closed in order, no text outside a block (an
    unescaped `<` or `&` in a value breaks one of these)."""
    reader = _Reader()
    reader.feed(body)
    reader.close()
    assert reader.doctype.lower() == "doctype html", body
    assert reader.first_tag == ("html", {"lang": "en"}), body
    assert reader.problems == [] and reader.open == [], (reader.problems, reader.open, body)
    return reader.blocks
