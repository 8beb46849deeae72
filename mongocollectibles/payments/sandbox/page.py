"""The hosted checkout page (``GET /checkout/{id}``) and its Pay / Fail / Cancel buttons."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ..methods import method_label
from .models import SandboxError, format_php
from .service import Sandbox
from .store import SessionRecord

_CSS = """
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif;background:#f3f4f6;color:#111827;line-height:1.45}
.banner{background:#b45309;color:#fff;text-align:center;font-weight:700;padding:.6rem 1rem;
letter-spacing:.02em}
main{max-width:28rem;margin:1.5rem auto;padding:0 1rem}
.card{background:#fff;border-radius:.9rem;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:1.25rem}
h1{font-size:1.1rem;margin:0 0 .25rem}.muted{color:#6b7280;font-size:.875rem}
table{width:100%;border-collapse:collapse;margin:1rem 0}td{padding:.4rem 0;vertical-align:top}
td.amt{text-align:right;white-space:nowrap}tr.total td{border-top:1px solid #e5e7eb;
font-weight:700;font-size:1.15rem;padding-top:.7rem}
fieldset{border:1px solid #e5e7eb;border-radius:.6rem;margin:0 0 1rem;padding:.5rem .8rem}
legend{font-size:.875rem;color:#374151;padding:0 .3rem}
label{display:block;padding:.35rem 0}
button{display:block;width:100%;border:0;border-radius:.6rem;padding:.85rem;font-size:1rem;
font-weight:600;margin-top:.6rem;cursor:pointer}
#sandbox-pay{background:#16a34a;color:#fff}#sandbox-fail{background:#dc2626;color:#fff}
#sandbox-cancel{background:#e5e7eb;color:#111827}
.notice{border-radius:.6rem;padding:.75rem;margin:0 0 1rem;font-weight:600}
.ok{background:#dcfce7;color:#166534}.bad{background:#fee2e2;color:#991b1b}
.info{background:#e0e7ff;color:#3730a3}a{color:#1d4ed8}
"""


def _layout(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        '<div class="banner" id="sandbox-banner">TEST MODE - no real money moves</div>'
        f'<main><div class="card">{body}</div>'
        '<p class="muted" style="text-align:center">PayMongo sandbox (local test double)</p>'
        "</main></body></html>"
    )


def _items_table(record: SessionRecord) -> str:
    rows = []
    for item in record.attrs["line_items"]:
        quantity = item["quantity"]
        label = escape(item["name"]) + (f" &times; {quantity}" if quantity != 1 else "")
        line_total = format_php(item["amount"] * quantity)
        rows.append(f'<tr><td>{label}</td><td class="amt">PHP {line_total}</td></tr>')
    total = format_php(record.amount)
    rows.append(
        f'<tr class="total"><td>Total</td><td class="amt" id="sandbox-amount">PHP {total}</td></tr>'
    )
    return "<table>" + "".join(rows) + "</table>"


def _link(url: str | None, text: str) -> str:
    return f'<p><a href="{escape(url)}">{escape(text)}</a></p>' if url else ""


def render_checkout_page(record: SessionRecord, notice: str | None = None) -> str:
    attrs = record.attrs
    parts = [f"<h1>{escape(attrs['merchant'])}</h1>"]
    if attrs.get("description"):
        parts.append(f'<p class="muted">{escape(attrs["description"])}</p>')
    if attrs.get("reference_number"):
        parts.append(f'<p class="muted">Reference: {escape(attrs["reference_number"])}</p>')
    if notice:
        parts.append(f'<div class="notice bad">{escape(notice)}</div>')
    parts.append(_items_table(record))
    if record.paid_payment_id is not None:
        parts.append('<div class="notice ok" id="sandbox-status">Payment received.</div>')
        parts.append(_link(attrs.get("success_url"), "Return to the merchant"))
    elif record.expired:
        parts.append(
            '<div class="notice info" id="sandbox-status">'
            "This checkout session has expired. No payment can be made.</div>"
        )
        parts.append(_link(attrs.get("cancel_url"), "Return to the merchant"))
    else:
        error = record.intent.get("last_payment_error")
        if error:
            parts.append(
                '<div class="notice bad">The last payment attempt failed. You can try again.</div>'
            )
        options = []
        for index, method in enumerate(attrs["payment_method_types"]):
            checked = " checked" if index == 0 else ""
            label = escape(method_label(method))
            options.append(
                f'<label><input type="radio" name="method" value="{escape(method)}"'
                f"{checked}> {label}</label>"
            )
        sid = escape(record.id)
        parts.append(
            f'<form method="post" action="{sid}/pay">'
            f"<fieldset><legend>Payment method</legend>{''.join(options)}</fieldset>"
            f'<button type="submit" id="sandbox-pay" formaction="{sid}/pay">'
            f"Pay PHP {format_php(record.amount)}</button>"
            f'<button type="submit" id="sandbox-fail" formaction="{sid}/fail">'
            "Simulate a failed payment</button>"
            f'<button type="submit" id="sandbox-cancel" formaction="{sid}/cancel">'
            "Cancel and return to the merchant</button></form>"
        )
    return _layout(f"Checkout - {attrs['merchant']}", "".join(parts))


def build_page_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter()
    store = sandbox.store

    def page(session_id: str, notice: str | None = None, status_code: int = 200) -> Response:
        try:
            record = store.session(session_id)
        except SandboxError:
            body = _layout("Checkout not found", "<h1>Checkout session not found</h1>")
            return HTMLResponse(body, status_code=404)
        return HTMLResponse(render_checkout_page(record, notice), status_code=status_code)

    def redirect(url: str | None, session_id: str) -> Response:
        # Relative fallback: from .../checkout/{id}/pay back to .../checkout/{id}.
        return RedirectResponse(url or f"../{session_id}", status_code=303)

    async def chosen_method(request: Request) -> str | None:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        values = form.get("method")
        return values[0] if values else None

    @router.get("/checkout/{session_id}", response_class=HTMLResponse)
    async def checkout_page(session_id: str) -> Response:
        return page(session_id)

    @router.post("/checkout/{session_id}/pay")
    async def pay(session_id: str, request: Request) -> Response:
        try:
            record = sandbox.pay(session_id, await chosen_method(request))
        except SandboxError as exc:
            return page(session_id, str(exc), status_code=exc.status_code)
        return redirect(record.attrs.get("success_url"), session_id)

    @router.post("/checkout/{session_id}/fail")
    async def fail(session_id: str, request: Request) -> Response:
        try:
            record = sandbox.fail(session_id, await chosen_method(request))
        except SandboxError as exc:
            return page(session_id, str(exc), status_code=exc.status_code)
        return redirect(record.attrs.get("cancel_url"), session_id)

    @router.post("/checkout/{session_id}/cancel")
    async def cancel(session_id: str) -> Response:
        try:
            record = store.session(session_id)
        except SandboxError:
            return page(session_id)
        return redirect(record.attrs.get("cancel_url"), session_id)

    return router
