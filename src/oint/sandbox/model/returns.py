"""Returns of delivered postings: FBS and FBO (`/v1/returns/list`) and rFBS return requests
(`/v2/returns/rfbs/*`, `/v1/returns/rfbs/action/set`).

A share of buyers return what they received (`model/buyers.py` schedules `buyer_returns`):

- FBS and FBO: each returned line is a return (kind "return") that Ozon handles. The money goes
  back to the buyer when the parcel is handed in (an event "returned": finance derives the refund,
  the commission given back and the return logistics from it). FBS goods travel back to the
  seller (ReturnedToOzon, then waiting at the seller's return point: the seller's own stock is the
  seller's to update); FBO goods go back on Ozon's stock two days later (restored then).
- rFBS: a request (kind "rfbs_return") the seller decides on: approve (`verify`, or `action/set`
  id 1), reject (with a reason), receive the goods, return the money (the event "returned"; the
  goods go back on the warehouse's stock) or compensate part of the price (an event
  "compensation").
"""

from __future__ import annotations

import random
from typing import Any

from oint.sandbox.errors import not_found, precondition, rejected
from oint.sandbox.model import market, postings_fbs
from oint.sandbox.model.base import Account, int_id, route, str_list
from oint.sandbox.model.buyers import config, tables
from oint.sandbox.model.common import page_size
from oint.sandbox.model.fbo import POSTING as FBO_POSTING
from oint.sandbox.model.fbo import parse_time
from oint.sandbox.model.stocks import FBO_WAREHOUSE

RETURN = "return"
RFBS_RETURN = "rfbs_return"
DAY = 86400.0
VISUAL = {  # sys_name -> (id, display name)
    "ReturnedToOzon": (1, "Возврат принят Ozon"),
    "WaitingForSeller": (2, "Ожидает продавца в точке возврата"),
    "ReturnedToStock": (3, "Возвращён на сток Ozon"),
}
RFBS_STATES = {  # state -> (group_state, state name, money state)
    "waiting_for_seller": ("approve", "Ожидает решения продавца", ""),
    "approved": ("delivering", "Одобрено, покупатель отправляет товар", ""),
    "received": ("checking", "Товар получен продавцом", ""),
    "rejected": ("rejected", "Отклонено продавцом", ""),
    "money_returned": ("completed", "Деньги возвращены", "Деньги возвращены покупателю"),
    "compensated": ("completed", "Частичная компенсация", "Компенсация выплачена"),
}
RFBS_ACTIONS = {1: "verify", 2: "reject", 3: "receive-return", 4: "return-money", 5: "compensate"}
ACTION_NAMES = {
    1: "Одобрить",
    2: "Отклонить",
    3: "Подтвердить получение",
    4: "Вернуть деньги",
    5: "Компенсировать",
}


def all_returns(account: Account) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = account.all(RETURN)
    return docs


def _lines_of(
    account: Account, scheme: str, number: str
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    if scheme == "fbo":
        doc = account.get(FBO_POSTING, number)
        return doc, list(doc["lines"]) if doc else []
    doc = postings_fbs.get_posting(account, number)
    return doc, list(doc["products"]) if doc else []


@market.action("buyer_returns")
def _buyer_returns(account: Account, data: dict[str, Any]) -> None:
    scheme, number = data["scheme"], data["posting_number"]
    doc, lines = _lines_of(account, scheme, number)
    if doc is None or doc["status"] != "delivered" or not lines:
        return
    rng = random.Random(f"{config(account)['seed']}:{number}:return")
    line = rng.choice(lines)
    quantity = rng.randint(1, int(line["quantity"]))
    reason = rng.choice(tables()["return_reasons"])
    returned = {**line, "quantity": quantity}
    if scheme == "rfbs":
        _rfbs_request(account, doc, returned, reason, rng)
        return
    return_id = account.next_id("return_id", 80_000_001)
    warehouse_id = doc["warehouse_id"] if scheme == "fbs" else doc["analytics"]["warehouse_id"]
    ret = {
        "id": return_id,
        "scheme": scheme,
        "posting_number": number,
        "order_id": doc["order_id"],
        "order_number": doc["order_number"],
        "line": returned,
        "reason": reason,
        "status": "ReturnedToOzon",
        "created_at": account.iso(),
        "status_changed_at": account.iso(),
        "warehouse_id": warehouse_id,
        "barcode": f"ii{return_id:010d}",
    }
    account.put(RETURN, return_id, ret)
    market.record(
        account,
        "returned",
        scheme=scheme,
        posting_number=number,
        order_number=doc["order_number"],
        order_date=doc["created_at"],
        warehouse_id=warehouse_id,
        items=market.event_items([returned]),
        return_id=return_id,
        reason=reason["name"],
    )
    market.schedule(account, account.now + rng.uniform(1.5, 3.5) * DAY, "return_arrives", return_id=return_id)


@market.action("return_arrives")
def _arrives(account: Account, data: dict[str, Any]) -> None:
    ret: dict[str, Any] | None = account.get(RETURN, data["return_id"])
    if ret is None or ret["status"] != "ReturnedToOzon":
        return
    if ret["scheme"] == "fbo":  # back on Ozon's stock
        ret["status"] = "ReturnedToStock"
        postings_fbs.move_stock(account, {"warehouse_id": FBO_WAREHOUSE}, [ret["line"]], "release")
        ret["restocked"] = True
    else:  # waits for the seller at the return point
        ret["status"] = "WaitingForSeller"
    ret["status_changed_at"] = account.iso()
    account.put(RETURN, ret["id"], ret)


def money(amount: float) -> dict[str, Any]:
    return {"price": round(amount, 2), "currency_code": "RUB"}


def _return_view(ret: dict[str, Any]) -> dict[str, Any]:
    line = ret["line"]
    price = float(line["price"])
    commission = round(price * line["commission_percent"] / 100, 2)
    vid, display = VISUAL[ret["status"]]
    return {
        "id": ret["id"],
        "schema": ret["scheme"].capitalize(),
        "type": "ClientReturn",
        "posting_number": ret["posting_number"],
        "order_id": ret["order_id"],
        "order_number": ret["order_number"],
        "company_id": 0,
        "source_id": ret["id"],
        "clearing_id": 0,
        "return_clearing_id": 0,
        "return_reason_name": ret["reason"]["name"],
        "product": {
            "sku": line["sku"],
            "offer_id": line["offer_id"],
            "name": line["name"],
            "quantity": line["quantity"],
            "price": money(price),
            "price_without_commission": money(price - commission),
            "commission": money(commission),
            "commission_percent": float(line["commission_percent"]),
        },
        "logistic": {
            "barcode": ret["barcode"],
            "return_date": ret["created_at"],
            "technical_return_moment": ret["created_at"],
        },
        "visual": {
            "status": {"id": vid, "sys_name": ret["status"], "display_name": display},
            "change_moment": ret["status_changed_at"],
        },
        "place": {"id": ret["warehouse_id"], "name": "", "address": ""},
        "target_place": {"id": ret["warehouse_id"], "name": "", "address": ""},
        "storage": {"sum": money(0), "utilization_sum": money(0), "days": 0},
        "compensation_status": {"status": {"id": 0, "sys_name": "", "display_name": ""}},
        "exemplars": [],
        "additional_info": {"is_opened": False, "is_super_econom": False},
    }


def _in(ret_time: str, rng_filter: Any) -> bool:
    if not isinstance(rng_filter, dict):
        return True
    since = parse_time(rng_filter, "time_from", required=False)
    until = parse_time(rng_filter, "time_to", required=False)
    moment = parse_time({"t": ret_time}, "t")
    assert moment is not None
    return (since is None or moment >= since) and (until is None or moment <= until)


@route("POST", "/v1/returns/list")
def returns_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """FBS and FBO returns, by id after `last_id`, `limit` 1..500; filter by postings, offer,
    order, schema, status, warehouse, return date and status change."""
    limit = page_size(body, "ReturnsListRequest", 500)
    after = int_id(body.get("last_id") or 0, "last_id")
    flt = body.get("filter") or {}
    numbers = set(str_list(flt, "posting_numbers"))
    schema = str(flt.get("return_schema") or "").lower()
    status = str(flt.get("visual_status_name") or "")
    offer = str(flt.get("offer_id") or "")
    order_id = int_id(flt.get("order_id") or 0, "order_id")
    warehouse = int_id(flt.get("warehouse_id") or 0, "warehouse_id")
    found = [
        r
        for r in all_returns(account)
        if r["id"] > after
        and (not numbers or r["posting_number"] in numbers)
        and (not schema or r["scheme"] == schema)
        and (not status or r["status"] == status)
        and (not offer or r["line"]["offer_id"] == offer)
        and (not order_id or r["order_id"] == order_id)
        and (not warehouse or r["warehouse_id"] == warehouse)
        and _in(r["created_at"], flt.get("logistic_return_date"))
        and _in(r["status_changed_at"], flt.get("visual_status_change_moment"))
    ]
    return {"returns": [_return_view(r) for r in found[:limit]], "has_next": len(found) > limit}


# ------------------------------------------------------------------ rFBS return requests
def _rfbs_request(
    account: Account, doc: dict[str, Any], line: dict[str, Any], reason: dict[str, Any], rng: random.Random
) -> None:
    return_id = account.next_id("rfbs_return_id", 60_000_001)
    account.put(
        RFBS_RETURN,
        return_id,
        {
            "return_id": return_id,
            "return_number": f"{doc['order_number']}-R{return_id % 1000:03d}",
            "posting_number": doc["posting_number"],
            "order_number": doc["order_number"],
            "order_date": doc["created_at"],
            "warehouse_id": doc["warehouse_id"],
            "client_name": doc["customer"]["name"],
            "line": line,
            "reason": reason,
            "comment": rng.choice(("", "Прошу вернуть деньги", "Верну в оригинальной упаковке")),
            "state": "waiting_for_seller",
            "created_at": account.iso(),
            "rejection_comment": "",
        },
    )


def _rfbs(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] | None = account.get(RFBS_RETURN, int_id(body.get("return_id"), "return_id"))
    if doc is None:
        raise not_found("RETURN_NOT_FOUND")
    return doc


def _actions(state: str) -> list[int]:
    return {"waiting_for_seller": [1, 2, 5], "approved": [3, 4], "received": [4, 5]}.get(state, [])


def _product(doc: dict[str, Any]) -> dict[str, Any]:
    line = doc["line"]
    return {
        "sku": line["sku"],
        "offer_id": line["offer_id"],
        "name": line["name"],
        "price": round(float(line["price"])),
        "currency_code": "RUB",
    }


@route("POST", "/v2/returns/rfbs/list")
def rfbs_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """rFBS return requests after `last_id` (by id), `limit` 1..1000; filter by posting, offer,
    group state, creation time."""
    limit = page_size(body, "ReturnsRfbsListV2Request", 1000)
    after = int_id(body.get("last_id") or 0, "last_id")
    flt = body.get("filter") or {}
    groups = {g.lower() for g in str_list(flt, "group_state")}
    number, offer = str(flt.get("posting_number") or ""), str(flt.get("offer_id") or "")
    created = flt.get("created_at") or {}
    since = parse_time(created, "from", required=False) if isinstance(created, dict) else None
    until = parse_time(created, "to", required=False) if isinstance(created, dict) else None
    out = []
    for doc in account.all(RFBS_RETURN):
        group, name, money = RFBS_STATES[doc["state"]]
        moment = parse_time(doc, "created_at")
        assert moment is not None
        if (
            doc["return_id"] <= after
            or (groups and group not in groups)
            or (number and doc["posting_number"] != number)
        ):
            continue
        if (
            (offer and doc["line"]["offer_id"] != offer)
            or (since and moment < since)
            or (until and moment > until)
        ):
            continue
        out.append(
            {
                "return_id": doc["return_id"],
                "return_number": doc["return_number"],
                "posting_number": doc["posting_number"],
                "order_number": doc["order_number"],
                "client_name": doc["client_name"],
                "created_at": doc["created_at"],
                "product": _product(doc),
                "state": {
                    "state": doc["state"],
                    "group_state": group,
                    "state_name": name,
                    "money_return_state_name": money,
                },
            }
        )
    return {"returns": out[:limit]}


@route("POST", "/v2/returns/rfbs/get")
def rfbs_get(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    doc = _rfbs(account, body)
    _, name, _ = RFBS_STATES[doc["state"]]
    return {
        "returns": {
            "return_number": doc["return_number"],
            "posting_number": doc["posting_number"],
            "order_number": doc["order_number"],
            "client_name": doc["client_name"],
            "client_photo": [],
            "comment": doc["comment"],
            "created_at": doc["created_at"],
            "warehouse_id": doc["warehouse_id"],
            "product": _product(doc),
            "return_reason": {
                "id": doc["reason"]["id"],
                "name": doc["reason"]["name"],
                "is_defect": doc["reason"]["is_defect"],
            },
            "state": {"state": doc["state"], "state_name": name},
            "available_actions": [{"id": i, "name": ACTION_NAMES[i]} for i in _actions(doc["state"])],
            "rejection_reason": [dict(r) for r in tables()["rfbs_rejection_reasons"]],
            "rejection_comment": doc["rejection_comment"],
            "client_return_method_type": {"id": 1, "name": "Почтой"},
            "return_method_description": doc.get("return_method_description", ""),
            "ru_post_tracking_number": "",
        }
    }


def _decide(account: Account, doc: dict[str, Any], action_id: int, body: dict[str, Any]) -> None:
    if action_id not in _actions(doc["state"]):
        raise precondition(f"ACTION_NOT_AVAILABLE: the request is {doc['state']}")
    line = doc["line"]
    event = dict(
        scheme="rfbs",
        posting_number=doc["posting_number"],
        order_number=doc["order_number"],
        order_date=doc["order_date"],
        warehouse_id=doc["warehouse_id"],
        items=market.event_items([line]),
        return_id=doc["return_id"],
        reason=doc["reason"]["name"],
    )
    if action_id == 1:
        doc["state"] = "approved"
        doc["return_method_description"] = str(body.get("return_method_description") or "")
    elif action_id == 2:
        reason_id = int_id(body.get("rejection_reason_id"), "rejection_reason_id")
        if reason_id not in {r["id"] for r in tables()["rfbs_rejection_reasons"]}:
            raise rejected("rejection_reason_id", f"unknown rejection reason {reason_id}")
        doc["state"], doc["rejection_comment"] = "rejected", str(body.get("comment") or "")
    elif action_id == 3:
        doc["state"] = "received"
    elif action_id == 4:
        doc["state"] = "money_returned"
        market.record(account, "returned", **event)
        if doc.get("received_goods", True):
            postings_fbs.move_stock(account, {"warehouse_id": doc["warehouse_id"]}, [line], "release")
    else:
        try:
            amount = float(body.get("compensation_amount") or 0)
        except (TypeError, ValueError):
            amount = -1.0
        if not 0 < amount <= float(line["price"]) * int(line["quantity"]):
            raise rejected("compensation_amount", "value must be above 0 and at most the price paid")
        doc["state"] = "compensated"
        market.record(account, "compensation", **event, amount=round(amount, 2))
    account.put(RFBS_RETURN, doc["return_id"], doc)


def _decision(action_id: int) -> Any:
    def handler(account: Account, body: dict[str, Any]) -> dict[str, Any]:
        _decide(account, _rfbs(account, body), action_id, body)
        return {}

    handler.__doc__ = (
        f"rFBS return request: {ACTION_NAMES[action_id].lower()} (deprecated by Ozon for action/set)."
    )
    return handler


for _id, _name in RFBS_ACTIONS.items():
    route("POST", f"/v2/returns/rfbs/{_name}")(_decision(_id))


@route("POST", "/v1/returns/rfbs/action/set")
def rfbs_action_set(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """An action of `available_actions` by its id (1 approve, 2 reject, 3 received, 4 return the
    money, 5 compensate)."""
    action_id = int_id(body.get("id"), "id")
    if action_id not in RFBS_ACTIONS:
        raise rejected("ReturnsRfbsActionSetRequest.Id", f"unknown action {action_id}")
    _decide(account, _rfbs(account, body), action_id, body)
    return {}
