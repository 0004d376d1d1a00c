"""What a seller does with FBS/rFBS postings: pack and ship (in packages), cancel, dispute, and,
for rFBS, deliver; the exemplars (mandatory marks) of marked products before shipping.

- `/v4/posting/fbs/ship`: the whole posting packed in one or more packages. Each package beyond
  the first becomes a posting of its own (`<order>-2`, ... with the first as parent); every
  one is awaiting_deliver. `/v4/posting/fbs/ship/package`: part of a posting packed as a new
  posting, the rest stays to be packed. Products are named by SKU (Ozon's `product_id` here).
  Marked products need their exemplars set and checked first.
- `/v2/posting/fbs/cancel` (a seller's reason), `/v2/posting/fbs/product/cancel` (some units).
- `/v2/posting/fbs/arbitration` and `/v2/posting/fbs/awaiting-delivery` (back from a dispute).
- `/v1/posting/cutoff/set`: a new ship-by date (`shipment_date`) for a posting not yet handed over
  (pushed as TYPE_CUTOFF_DATE_CHANGED).
- rFBS: `/v2/fbs/posting/tracking-number/set`, `/delivering`, `/last-mile`, `/delivered`.
- Exemplars: `/v6/fbs/posting/product/exemplar/create-or-get`, `/set`, `/v5/.../validate`,
  `/v5/.../status`; a mark is valid when it reads like a Честный ЗНАК code (01 + GTIN-14, 21 +
  serial).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from oint.sandbox.errors import invalid, precondition, rejected
from oint.sandbox.gs1 import is_mark
from oint.sandbox.model import postings_fbs as pf
from oint.sandbox.model import pushes
from oint.sandbox.model.base import Account, int_id, route, str_list
from oint.sandbox.model.fbo import parse_time
from oint.sandbox.model.postings_fbs import get_posting, require_posting, save_posting

MAX_PACKAGES = 30


def _line_for(doc: dict[str, Any], product: Any) -> dict[str, Any]:
    pid = int_id(product, "product_id")
    for line in doc["products"]:
        if pid in (line["sku"], line["product_id"]):
            found: dict[str, Any] = line
            return found
    raise precondition(f"PRODUCT_NOT_IN_POSTING: {pid}")


def _units(doc: dict[str, Any], entries: Any, key: str) -> dict[int, int]:
    """The units of the posting a request names ({sku: quantity}; `key` names the product in each
    entry): 400 (code 9) when a line is asked for more units than it has."""
    units: dict[int, int] = {}
    for entry in entries or []:
        line = _line_for(doc, entry.get(key))
        q = int_id(entry.get("quantity"), "quantity")
        if not 0 < q <= line["quantity"] - units.get(line["sku"], 0):
            raise precondition(f"QUANTITY_MISMATCH: SKU {line['sku']} has {line['quantity']} units")
        units[line["sku"]] = units.get(line["sku"], 0) + q
    return units


def _every_unit(doc: dict[str, Any], units: dict[int, int]) -> bool:
    """Whether `units` are all the units of the posting."""
    return all(units.get(ln["sku"], 0) == ln["quantity"] for ln in doc["products"])


def _packages(doc: dict[str, Any], packages: list[Any]) -> list[dict[int, int]]:
    """Each package as {sku: quantity}, checked against the posting: every unit packed once."""
    out: list[dict[int, int]] = []
    for package in packages:
        items: dict[int, int] = {}
        for product in (package or {}).get("products") or []:
            line = _line_for(doc, product.get("product_id"))
            q = int_id(product.get("quantity"), "quantity")
            if q <= 0:
                raise rejected("quantity", "value must be greater than 0")
            items[line["sku"]] = items.get(line["sku"], 0) + q
        if not items:
            raise rejected("packages.products", "value must contain at least 1 item(s)")
        out.append(items)
    for line in doc["products"]:
        packed = sum(p.get(line["sku"], 0) for p in out)
        if packed != line["quantity"]:
            raise precondition(
                f"QUANTITY_MISMATCH: {packed} of {line['quantity']} units of SKU {line['sku']} packed; "
                "pack every unit (cancel the ones you will not send)"
            )
    return out


def _ready_to_ship(doc: dict[str, Any]) -> None:
    if doc["status"] != "awaiting_packaging":
        raise precondition(f"POSTING_ALREADY_SHIPPED: posting {doc['posting_number']} is {doc['status']}")
    missing = [sku for sku in doc.get("marks_required", []) if not _marks_done(doc, sku)]
    if missing:
        raise precondition(
            f"EXEMPLARS_REQUIRED: set the mandatory marks of SKU {', '.join(map(str, missing))} "
            "(/v6/fbs/posting/product/exemplar/set) before shipping"
        )


def _split(account: Account, doc: dict[str, Any], items: dict[int, int]) -> dict[str, Any]:
    """A new posting of the order holding `items` (taken out of `doc`, whose stock stays reserved)."""
    siblings = account.store.with_prefix(account.client_id, pf.POSTING, f"{doc['order_number']}-")
    number = f"{doc['order_number']}-{len(siblings) + 1}"
    lines = []
    for line in doc["products"]:
        q = items.get(line["sku"], 0)
        if q:
            lines.append({**line, "quantity": q})
            line["quantity"] -= q
    doc["products"] = [ln for ln in doc["products"] if ln["quantity"] > 0]
    digits = "".join(ch for ch in number if ch.isdigit())
    new = {
        **doc,
        "posting_number": number,
        "parent_posting_number": doc["posting_number"],
        "products": lines,
        "barcodes": {
            "upper_barcode": f"%{digits[-9:]}%{doc['order_id'] % 1000:03d}",
            "lower_barcode": f"2{digits[-12:]:0>12}",
        },
        "marks_required": [s for s in doc.get("marks_required", []) if s in items],
        "exemplars": {k: v for k, v in (doc.get("exemplars") or {}).items() if int(k) in items},
    }
    doc.setdefault("related", []).append(number)
    new["related"] = [doc["posting_number"]]
    save_posting(account, new)
    save_posting(account, doc)
    return new


def _shipped_lines(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "posting_number": doc["posting_number"],
        "products": [
            {**pf.product_line(p), "currency_code": p["currency_code"], "mandatory_mark": []}
            for p in doc["products"]
        ],
    }


@route("POST", "/v4/posting/fbs/ship")
def ship(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Pack a posting in packages: awaiting_deliver, one posting per package."""
    doc = require_posting(account, body.get("posting_number"))
    packages = body.get("packages")
    if not isinstance(packages, list) or not packages:
        raise rejected("ShipFbsPostingV4Request.Packages", "value must contain at least 1 item(s)")
    if len(packages) > MAX_PACKAGES:
        raise rejected(
            "ShipFbsPostingV4Request.Packages", f"value must contain at most {MAX_PACKAGES} item(s)"
        )
    _ready_to_ship(doc)
    split = _packages(doc, packages)
    shipped = [doc]
    for items in split[1:]:
        shipped.append(_split(account, doc, items))
    for d in shipped:
        pf.shipped(account, d)
    answer: dict[str, Any] = {"result": [d["posting_number"] for d in shipped]}
    with_ = body.get("with") or {}
    answer["additional_data"] = [_shipped_lines(d) for d in shipped] if with_.get("additional_data") else []
    return answer


@route("POST", "/v4/posting/fbs/ship/package")
def ship_package(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Pack part of a posting: the units named become a new posting, awaiting_deliver; the rest
    stays awaiting_packaging. Naming every unit ships the posting itself."""
    doc = require_posting(account, body.get("posting_number"))
    _ready_to_ship(doc)
    items = _units(doc, body.get("products"), "product_id")
    if not items:
        raise rejected("ShipFbsPostingPackageRequest.Products", "value must contain at least 1 item(s)")
    target = doc if _every_unit(doc, items) else _split(account, doc, items)
    pf.shipped(account, target)
    return {"result": target["posting_number"]}


@route("POST", "/v2/posting/fbs/cancel")
def cancel(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Cancel a posting that has not left, for one of the seller's reasons."""
    doc = require_posting(account, body.get("posting_number"))
    reason_id = int_id(body.get("cancel_reason_id"), "cancel_reason_id")
    reason = pf.cancel_reason(reason_id)
    if reason is None or not reason["seller"]:
        raise invalid(
            f"cancel_reason_id {reason_id} is not a seller's reason (/v2/posting/fbs/cancel-reason/list)"
        )
    if doc["status"] not in ("awaiting_packaging", "awaiting_deliver"):
        raise precondition(f"POSTING_CANNOT_BE_CANCELLED: posting {doc['posting_number']} is {doc['status']}")
    pf.cancel(account, doc, reason_id, "SELLER", str(body.get("cancel_reason_message") or ""))
    return {"result": True}


@route("POST", "/v2/posting/fbs/product/cancel")
def cancel_products(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Cancel some units of a posting still to be packed; cancelling all cancels the posting."""
    doc = require_posting(account, body.get("posting_number"))
    reason_id = int_id(body.get("cancel_reason_id"), "cancel_reason_id")
    reason = pf.cancel_reason(reason_id)
    if reason is None or not reason["seller"]:
        raise invalid(f"cancel_reason_id {reason_id} is not a seller's reason")
    if doc["status"] != "awaiting_packaging":
        raise precondition(f"POSTING_CANNOT_BE_CANCELLED: posting {doc['posting_number']} is {doc['status']}")
    taken = _units(doc, body.get("items"), "sku")
    message = str(body.get("cancel_reason_message") or "")
    if _every_unit(doc, taken):
        pf.cancel(account, doc, reason_id, "SELLER", message)
        return {"result": doc["posting_number"]}
    cancelled = [{**ln, "quantity": taken[ln["sku"]]} for ln in doc["products"] if taken.get(ln["sku"])]
    for ln in doc["products"]:
        ln["quantity"] -= taken.get(ln["sku"], 0)
    doc["products"] = [ln for ln in doc["products"] if ln["quantity"] > 0]
    save_posting(account, doc)
    pf.move_stock(account, doc, cancelled, "release")
    pf.record(account, doc, "cancelled", cancelled, initiator="SELLER", reason_id=reason_id, partial=True)
    return {"result": doc["posting_number"]}


def _require_status(doc: dict[str, Any], status: str) -> None:
    """400 (code 9) unless the posting is in `status`."""
    if doc["status"] != status:
        raise precondition(f"INVALID_POSTING_STATUS: posting {doc['posting_number']} is {doc['status']}")


def _postings_in(account: Account, body: dict[str, Any], status: str) -> list[dict[str, Any]]:
    """The postings `posting_number` lists, each of them in `status` (else 404 or 400)."""
    docs = [require_posting(account, n) for n in str_list(body, "posting_number")]
    for doc in docs:
        _require_status(doc, status)
    return docs


@route("POST", "/v2/posting/fbs/arbitration")
def arbitration(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Open a dispute about shipped postings Ozon did not take: they wait in arbitration."""
    for doc in _postings_in(account, body, "awaiting_deliver"):
        pf.set_status(account, doc, "arbitration")
        save_posting(account, doc)
        pf.record(account, doc, "arbitration")
    return {"result": True}


@route("POST", "/v2/posting/fbs/awaiting-delivery")
def awaiting_delivery(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Back from a dispute to awaiting_deliver (handed over again some hours later)."""
    for doc in _postings_in(account, body, "arbitration"):
        pf.shipped(account, doc)
    return {"result": True}


@route("POST", "/v1/posting/cutoff/set")
def cutoff_set(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Move a posting's ship-by date (it must not have left yet): `new_cutoff_date`."""
    doc = require_posting(account, body.get("posting_number"))
    moment = parse_time(body, "new_cutoff_date")
    assert moment is not None
    if doc["status"] not in ("awaiting_packaging", "awaiting_deliver"):
        raise precondition(f"INVALID_POSTING_STATUS: posting {doc['posting_number']} is {doc['status']}")
    old = doc["shipment_date"]
    doc["shipment_date"] = account.iso(moment.replace(tzinfo=dt.timezone.utc).timestamp())
    save_posting(account, doc)
    pushes.cutoff_changed(account, doc, old)
    return {"result": True}


# ------------------------------------------------------------------ rFBS: the seller delivers
def _move(account: Account, numbers: list[str], allowed: tuple[str, ...], apply: Any) -> dict[str, Any]:
    result = []
    for number in numbers:
        doc = get_posting(account, number)
        error = ""
        if doc is None:
            error = "POSTING_NOT_FOUND"
        elif doc["scheme"] != "rfbs":
            error = "POSTING_IS_NOT_RFBS"
        elif doc["status"] not in allowed:
            error = f"INVALID_POSTING_STATUS: {doc['status']}"
        else:
            apply(doc)
        result.append({"posting_number": number, "result": not error, "error": error})
    return {"result": result}


@route("POST", "/v2/fbs/posting/tracking-number/set")
def tracking_numbers(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """rFBS: the carrier's tracking number of each posting (shipped, not yet delivered)."""
    result = []
    for entry in body.get("tracking_numbers") or []:
        number, tracking = str(entry.get("posting_number") or ""), str(entry.get("tracking_number") or "")

        def apply(doc: dict[str, Any], tracking: str = tracking) -> None:
            doc["tracking_number"] = tracking
            save_posting(account, doc)

        result += _move(account, [number], ("awaiting_deliver", "delivering", "driver_pickup"), apply)[
            "result"
        ]
    return {"result": result}


@route("POST", "/v2/fbs/posting/delivering")
def rfbs_delivering(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """rFBS: handed to the carrier (the stock leaves)."""
    return _move(
        account,
        str_list(body, "posting_number"),
        ("awaiting_deliver",),
        lambda doc: pf.start_delivering(account, doc),
    )


@route("POST", "/v2/fbs/posting/last-mile")
def rfbs_last_mile(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """rFBS: with the courier on the last mile (driver_pickup)."""

    def apply(doc: dict[str, Any]) -> None:
        pf.set_status(account, doc, "driver_pickup")
        save_posting(account, doc)
        pf.record(account, doc, "last_mile")

    return _move(account, str_list(body, "posting_number"), ("delivering",), apply)


@route("POST", "/v2/fbs/posting/delivered")
def rfbs_delivered(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """rFBS: the buyer has it (the sale is recorded)."""
    return _move(
        account,
        str_list(body, "posting_number"),
        ("delivering", "driver_pickup"),
        lambda doc: pf.delivered(account, doc),
    )


# ------------------------------------------------------------------ exemplars (mandatory marks)
def _exemplars(account: Account, doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The exemplars of each marked line ({sku: [exemplar]}), made on first use."""
    store: dict[str, list[dict[str, Any]]] = doc.setdefault("exemplars", {})
    changed = False
    for line in doc["products"]:
        units = store.setdefault(str(line["sku"]), [])
        while len(units) < line["quantity"]:
            units.append(
                {
                    "exemplar_id": account.next_id("exemplar_id", 90_000_000_001),
                    "marks": [],
                    "gtd": "",
                    "rnpt": "",
                    "is_gtd_absent": True,
                    "is_rnpt_absent": True,
                    "weight": 0,
                }
            )
            changed = True
    if changed:
        save_posting(account, doc)
    return store


def _marks_done(doc: dict[str, Any], sku: int) -> bool:
    units = (doc.get("exemplars") or {}).get(str(sku)) or []
    line = next((ln for ln in doc["products"] if ln["sku"] == sku), None)
    need = line["quantity"] if line else 0
    done = [u for u in units if any(is_mark(m.get("mark", "")) for m in u.get("marks", []))]
    return len(done) >= need


def _mark_errors(mark: str) -> list[str]:
    return [] if is_mark(mark) else ["INVALID_MARK_FORMAT"]


@route("POST", "/v6/fbs/posting/product/exemplar/create-or-get")
def exemplars_create_or_get(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The exemplars of a posting (one per unit) and what each product needs."""
    doc = require_posting(account, body.get("posting_number"))
    store = _exemplars(account, doc)
    products = []
    for line in doc["products"]:
        marked = line["sku"] in doc.get("marks_required", [])
        products.append(
            {
                "product_id": line["sku"],
                "quantity": line["quantity"],
                "is_mandatory_mark_needed": marked,
                "is_mandatory_mark_possible": marked,
                "exemplars": [
                    {**u, "marks": [dict(m) for m in u.get("marks", [])]} for u in store[str(line["sku"])]
                ],
            }
        )
    return {"posting_number": doc["posting_number"], "multi_box_qty": 1, "products": products}


@route("POST", "/v5/fbs/posting/product/exemplar/validate")
def exemplars_validate(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Check marks without saving them."""
    doc = require_posting(account, body.get("posting_number"))
    products = []
    for product in body.get("products") or []:
        line = _line_for(doc, product.get("product_id"))
        exemplars = []
        for e in product.get("exemplars") or []:
            marks = [
                {
                    **m,
                    "errors": _mark_errors(str(m.get("mark", ""))),
                    "valid": not _mark_errors(str(m.get("mark", ""))),
                }
                for m in e.get("marks") or []
            ]
            exemplars.append(
                {
                    "gtd": e.get("gtd", ""),
                    "rnpt": e.get("rnpt", ""),
                    "weight": e.get("weight", 0),
                    "marks": marks,
                    "errors": [],
                    "valid": all(m["valid"] for m in marks),
                }
            )
        valid = all(e["valid"] for e in exemplars)
        products.append(
            {
                "product_id": line["sku"],
                "exemplars": exemplars,
                "valid": valid,
                "error": "" if valid else "INVALID_EXEMPLARS",
            }
        )
    return {"products": products}


@route("POST", "/v6/fbs/posting/product/exemplar/set")
def exemplars_set(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Save the marks of the exemplars (checked at once: see .../exemplar/status)."""
    doc = require_posting(account, body.get("posting_number"))
    _require_status(doc, "awaiting_packaging")
    store = _exemplars(account, doc)
    for product in body.get("products") or []:
        line = _line_for(doc, product.get("product_id"))
        units = {u["exemplar_id"]: u for u in store[str(line["sku"])]}
        for e in product.get("exemplars") or []:
            unit = units.get(int_id(e.get("exemplar_id"), "exemplar_id"))
            if unit is None:
                raise invalid(f"exemplar {e.get('exemplar_id')} is not one of SKU {line['sku']}")
            unit["marks"] = [
                {"mark": str(m.get("mark", "")), "mark_type": str(m.get("mark_type") or "mandatory_mark")}
                for m in e.get("marks") or []
            ]
            for name in ("gtd", "rnpt", "is_gtd_absent", "is_rnpt_absent", "weight"):
                if name in e:
                    unit[name] = e[name]
    save_posting(account, doc)
    return {}


@route("POST", "/v5/fbs/posting/product/exemplar/status")
def exemplars_status(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """How the saved marks were checked: ship_available once every marked unit has a valid one."""
    doc = require_posting(account, body.get("posting_number"))
    store = doc.get("exemplars") or {}
    products = []
    for line in doc["products"]:
        exemplars = []
        for u in store.get(str(line["sku"]), []):
            marks = [
                {
                    **m,
                    "check_status": "passed" if not _mark_errors(m["mark"]) else "failed",
                    "error_codes": _mark_errors(m["mark"]),
                }
                for m in u.get("marks", [])
            ]
            exemplars.append({**u, "marks": marks})
        products.append({"product_id": line["sku"], "exemplars": exemplars})
    ready = all(_marks_done(doc, sku) for sku in doc.get("marks_required", []))
    return {
        "posting_number": doc["posting_number"],
        "products": products,
        "status": "ship_available" if ready else "ship_not_available",
    }
