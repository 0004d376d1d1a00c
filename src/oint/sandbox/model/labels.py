"""Package labels, acts and delivery methods of FBS/rFBS postings, with real PDF files.

- Labels of shipped postings: `/v2/posting/fbs/package-label` answers the PDF itself (≤20
  postings); the task variants (`/v1/posting/fbs/package-label/create|get`,
  `/v2/posting/fbs/package-label/create|get`, `/v3/posting/fbs/package-label/create`) make a task
  that is pending for `LABEL_SECONDS` of sandbox time, then completed with a `file_url`
  (`GET /__sandbox/files/<client id>/labels-<task id>`, made afresh from the postings).
- Acts: `/v2/posting/fbs/act/create` takes every posting of a delivery method that waits to be
  handed over and is in no act yet; the courier takes them at the act's departure (the act's
  time plus `DEPARTURE_HOURS`, or `departure_date`). `/act/check-status` (forming for
  `ACT_SECONDS`, then formed), `/act/get-pdf` (the act as a PDF), `/act/list`, `/act/get-postings`,
  `/act/get-barcode/text`.
- Carriages, the successors of `/v2/posting/fbs/act/create`: `/v1/carriage/create` takes the same
  postings into a new carriage (an act not approved yet: its id is the act's id, for the act
  routes above), `/v1/carriage/approve` starts its act forming and sends the courier at its
  departure, as an act does; `/v1/carriage/get`; before the approval `/v1/carriage/set-postings`
  and `/v1/carriage/cancel`; `/v1/carriage/delivery/list`: per delivery method, what waits and
  the carriages of a day.
- `/v1/delivery-method/list`: the delivery methods of the seller's warehouses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from oint.sandbox.errors import not_found, precondition, rejected
from oint.sandbox.model import postings_fbs as pf
from oint.sandbox.model.base import Account, FileAnswer, file_maker, int_id, route, str_list
from oint.sandbox.model.buyers import delivery_methods
from oint.sandbox.model.common import page_size
from oint.sandbox.model.fbo import parse_time
from oint.sandbox.model.labels_pdf import LABEL_SIZE, act_pages, document, label_page
from oint.sandbox.model.warehouses import all_warehouses

LABEL_TASK = "label_task"
ACT = "fbs_act"
PDF = "application/pdf"
MAX_LABELS = 20
LABEL_SECONDS = 5.0
ACT_SECONDS = 10.0
DEPARTURE_HOURS = 2.0
PRINTABLE = ("awaiting_deliver", "arbitration", "delivering", "driver_pickup", "delivered")


# ------------------------------------------------------------------ labels
def _unprintable(account: Account, numbers: list[str]) -> list[dict[str, str]]:
    out = []
    for number in numbers:
        doc = pf.get_posting(account, number)
        if doc is None:
            out.append({"posting_number": number, "msg": "POSTING_NOT_FOUND"})
        elif doc["status"] not in PRINTABLE:
            out.append({"posting_number": number, "msg": f"INVALID_POSTING_STATUS: {doc['status']}"})
    return out


def labels_pdf(account: Account, numbers: list[str], big: bool = True) -> bytes:
    """One label per printable posting, in the order given."""
    pages = []
    for number in numbers:
        doc = pf.get_posting(account, number)
        if doc is None or doc["status"] not in PRINTABLE:
            continue
        method = doc["delivery_method"]
        items = sum(p["quantity"] for p in doc["products"])
        lines = [
            method["name"],
            f"{doc['customer']['city']}, {doc['customer']['zip']}",
            f"order {doc['order_number']}, items: {items}",
            f"ship by {doc['shipment_date'][:16].replace('T', ' ')}",
            f"from {method['warehouse']}",
        ]
        pages.append(label_page(number, doc["barcodes"]["lower_barcode"], lines, big=big))
    return document(pages, LABEL_SIZE, "package labels")


def _numbers(body: dict[str, Any], field: str, request: str) -> list[str]:
    numbers = str_list(body, field)
    if not numbers:
        raise rejected(f"{request}.PostingNumber", "value must contain at least 1 item(s)")
    if len(numbers) > MAX_LABELS:
        raise rejected(f"{request}.PostingNumber", f"value must contain at most {MAX_LABELS} item(s)")
    return numbers


@route("POST", "/v2/posting/fbs/package-label")
def package_label(account: Account, body: dict[str, Any]) -> FileAnswer:
    """The labels of shipped postings as one PDF (a page each)."""
    numbers = _numbers(body, "posting_number", "PostingFbsPackageLabelRequest")
    bad = _unprintable(account, numbers)
    if bad:
        raise precondition("; ".join(f"{b['posting_number']}: {b['msg']}" for b in bad))
    return FileAnswer(PDF, labels_pdf(account, numbers))


def _new_task(account: Account, numbers: list[str], kind: str) -> int:
    task_id = account.next_id("label_task_id", 5_000_001)
    account.put(
        LABEL_TASK, task_id, {"task_id": task_id, "postings": numbers, "type": kind, "at": account.now}
    )
    return task_id


@route("POST", "/v1/posting/fbs/package-label/create")
def label_task_v1(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    numbers = _numbers(body, "posting_number", "CreateLabelBatchRequest")
    return {"result": {"task_id": _new_task(account, numbers, "big_label")}}


def _tasks(account: Account, numbers: list[str]) -> list[dict[str, Any]]:
    return [
        {"task_id": _new_task(account, numbers, kind), "task_type": kind}
        for kind in ("big_label", "small_label")
    ]


@route("POST", "/v2/posting/fbs/package-label/create")
def label_task_v2(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Two tasks: big labels and small ones."""
    return {
        "result": {"tasks": _tasks(account, _numbers(body, "posting_number", "CreateLabelBatchV2Request"))}
    }


@route("POST", "/v3/posting/fbs/package-label/create")
def label_task_v3(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "tasks": _tasks(account, _numbers(body, "posting_numbers", "PostingFbsPackageLabelCreateRequest"))
    }


class LabelTask(NamedTuple):
    """Where a label task stands: `status` pending, completed (`url`: the file) or error (no
    posting printable); once done, how many of its `total` postings were printed, and the others."""

    status: str
    url: str
    total: int
    printed: int
    unprinted: list[dict[str, str]]


def _label_task(account: Account, body: dict[str, Any]) -> LabelTask:
    """The label task `task_id` names (404 when there is none), as it stands now."""
    task: dict[str, Any] | None = account.get(LABEL_TASK, int_id(body.get("task_id"), "task_id"))
    if task is None:
        raise not_found("TASK_NOT_FOUND")
    total = len(task["postings"])
    if account.now - float(task["at"]) < LABEL_SECONDS:
        return LabelTask("pending", "", total, 0, [])
    bad = _unprintable(account, task["postings"])
    if len(bad) == total:
        return LabelTask("error", "", total, 0, bad)
    return LabelTask(
        "completed", account.file_url("labels", str(task["task_id"])), total, total - len(bad), bad
    )


@route("POST", "/v1/posting/fbs/package-label/get")
def label_get_v1(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """pending, then completed with the file's URL (error when no posting could be printed)."""
    task = _label_task(account, body)
    return {
        "result": {
            "status": task.status,
            "file_url": task.url,
            "error": "NO_PRINTABLE_POSTINGS" if task.status == "error" else "",
            "printed_postings_count": task.printed,
            "unprinted_postings_count": len(task.unprinted),
            "unprinted_postings": task.unprinted,
        }
    }


@route("POST", "/v2/posting/fbs/package-label/get")
def label_get_v2(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    task = _label_task(account, body)
    return {
        "status": {
            "code": task.status,
            "postings_count": task.total,
            "printed_postings_count": task.printed,
            "unprinted_postings": [
                {"posting_number": b["posting_number"], "message": b["msg"]} for b in task.unprinted
            ],
        },
        "file_url": task.url,
        "error": {"code": "NO_PRINTABLE_POSTINGS" if task.status == "error" else "", "message": ""},
    }


@file_maker("labels")
def _labels_file(account: Account, name: str) -> FileAnswer | None:
    if not name.isdigit():
        return None
    task: dict[str, Any] | None = account.get(LABEL_TASK, int(name))
    if task is None or account.now - float(task["at"]) < LABEL_SECONDS:
        return None
    return FileAnswer(PDF, labels_pdf(account, task["postings"], big=task["type"] != "small_label"))


# ------------------------------------------------------------------ delivery methods
def all_methods(account: Account) -> list[dict[str, Any]]:
    """Every delivery method of the seller's FBS/rFBS warehouses."""
    return [m for w in all_warehouses(account) for m in delivery_methods(w)]


@route("POST", "/v1/delivery-method/list")
def delivery_method_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The delivery methods of the seller's warehouses: filter by warehouse, offset/limit (≤50)."""
    limit = page_size(body, "DeliveryMethodListRequest", 50)
    offset = int_id(body.get("offset") or 0, "offset")
    flt = body.get("filter") or {}
    warehouse = int_id(flt.get("warehouse_id") or 0, "filter.warehouse_id")
    status = str(flt.get("status") or "")
    methods = [m for m in all_methods(account) if not warehouse or m["warehouse_id"] == warehouse]
    if status and status.upper() != "ACTIVE":
        methods = []
    page = methods[offset : offset + limit]
    created = "2025-01-15T10:00:00Z"
    return {
        "result": [
            {
                "id": m["id"],
                "name": m["name"],
                "warehouse_id": m["warehouse_id"],
                "provider_id": m["tpl_provider_id"],
                "company_id": int(account.client_id) if account.client_id.isdigit() else 0,
                "status": "ACTIVE",
                "cutoff": "14:00",
                "sla_cut_in": 1440,
                "template_id": 0,
                "created_at": created,
                "updated_at": created,
            }
            for m in page
        ],
        "has_next": offset + limit < len(methods),
    }


# ------------------------------------------------------------------ acts
def get_act(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    act: dict[str, Any] | None = account.get(ACT, int_id(body.get("id"), "id"))
    if act is None:
        raise not_found("ACT_NOT_FOUND")
    return act


def _ready(account: Account, act: dict[str, Any]) -> bool:
    """Whether the act is formed: `ACT_SECONDS` after its creation (a carriage's: its approval)."""
    return bool(act.get("approved", True)) and account.now - float(act["at"]) >= ACT_SECONDS


def _act_status(account: Account, act: dict[str, Any]) -> str:
    if not act.get("approved", True):
        return "NEW"
    return "FORMED" if _ready(account, act) else "FORMING"


def _to_hand_over(account: Account, method_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The delivery method `method_id` and its postings that wait to be handed over, in no act or
    carriage yet (404 without the method, 400 without such postings)."""
    method = next((m for m in all_methods(account) if m["id"] == method_id), None)
    if method is None:
        raise not_found("DELIVERY_METHOD_NOT_FOUND")
    postings = [
        d
        for d in pf.all_postings(account)
        if d["delivery_method"]["id"] == method_id
        and d["status"] == "awaiting_deliver"
        and not d.get("act_id")
    ]
    if not postings:
        raise precondition("NO_POSTINGS_TO_HAND_OVER: no posting of this delivery method awaits handing over")
    return method, postings


def _departure(account: Account, body: dict[str, Any]) -> float:
    departure = account.now + DEPARTURE_HOURS * 3600
    if body.get("departure_date"):
        moment = parse_time(body, "departure_date")
        assert moment is not None
        departure = max(departure, moment.replace(tzinfo=dt.timezone.utc).timestamp())
    return departure


def _new_act(
    account: Account,
    method: dict[str, Any],
    postings: list[dict[str, Any]],
    departure: float,
    containers: int,
    **extra: Any,
) -> dict[str, Any]:
    """An act (or a carriage: `extra`) of `postings`, each posting marked as in it."""
    act_id = account.next_id("act_id", 40_000_001)
    act = {
        "id": act_id,
        "delivery_method_id": method["id"],
        "delivery_method_name": method["name"],
        "warehouse_id": method["warehouse_id"],
        "warehouse": method["warehouse"],
        "postings": [d["posting_number"] for d in postings],
        "containers_count": containers,
        "at": account.now,
        "created_at": account.iso(),
        "departure_date": account.iso(departure),
        **extra,
    }
    account.put(ACT, act_id, act)
    for doc in postings:
        doc["act_id"] = act_id
        pf.save_posting(account, doc)
    return act


def _hand_over(account: Account, act: dict[str, Any]) -> None:
    """The courier takes the act's postings at its departure."""
    departure = parse_time(act, "departure_date")
    assert departure is not None
    at = departure.replace(tzinfo=dt.timezone.utc).timestamp()
    for number in act["postings"]:
        doc = pf.get_posting(account, number)
        if doc is not None:
            pf.hand_over_soon(account, doc, at)


@route("POST", "/v2/posting/fbs/act/create")
def act_create(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """An act for every posting of the delivery method waiting to be handed over, in no act yet."""
    method, postings = _to_hand_over(account, int_id(body.get("delivery_method_id"), "delivery_method_id"))
    departure = _departure(account, body)
    containers = int_id(body.get("containers_count") or 0, "containers_count")
    act = _new_act(account, method, postings, departure, containers)
    for doc in postings:
        pf.hand_over_soon(account, doc, departure)
    return {"result": {"id": act["id"]}}


# ------------------------------------------------------------------ carriages
def get_carriage(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The carriage `carriage_id` names (404 when there is none, or when it names an act)."""
    act: dict[str, Any] | None = account.get(ACT, int_id(body.get("carriage_id"), "carriage_id"))
    if act is None or "approved" not in act:
        raise not_found("CARRIAGE_NOT_FOUND")
    return act


@route("POST", "/v1/carriage/create")
def carriage_create(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """A carriage (new, not approved) of every posting of the delivery method waiting to be handed
    over and in no act or carriage yet; its id is the id of its act."""
    method, postings = _to_hand_over(account, int_id(body.get("delivery_method_id"), "delivery_method_id"))
    act = _new_act(
        account,
        method,
        postings,
        _departure(account, body),
        0,
        approved=False,
        all_blr_traceable=bool(body.get("all_blr_traceable")),
    )
    return {"carriage_id": act["id"]}


@route("POST", "/v1/carriage/approve")
def carriage_approve(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Approves a new carriage: its act forms (`ACT_SECONDS`), the courier takes its postings at
    the departure, as with `/v2/posting/fbs/act/create`."""
    act = get_carriage(account, body)
    if act["approved"]:
        raise precondition("CARRIAGE_ALREADY_APPROVED: the carriage is approved already")
    act["approved"] = True
    act["at"] = account.now
    act["approved_at"] = account.iso()
    act["containers_count"] = int_id(body.get("containers_count") or 0, "containers_count")
    account.put(ACT, act["id"], act)
    _hand_over(account, act)
    return {}


def _release(account: Account, act: dict[str, Any], numbers: list[str]) -> None:
    """The postings `numbers` leave the carriage `act` (those still in it): they wait for another."""
    for number in numbers:
        doc = pf.get_posting(account, number)
        if doc is not None and doc.get("act_id") == act["id"]:
            doc.pop("act_id")
            pf.save_posting(account, doc)


@route("POST", "/v1/carriage/cancel")
def carriage_cancel(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Deletes a carriage not approved yet: its postings wait for another."""
    act = get_carriage(account, body)
    if act["approved"]:
        return {"error": "CARRIAGE_ALREADY_APPROVED", "carriage_status": _act_status(account, act)}
    _release(account, act, act["postings"])
    account.delete(ACT, act["id"])
    return {"error": "", "carriage_status": "CANCELLED"}


@route("POST", "/v1/carriage/set-postings")
def carriage_set_postings(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The postings of a new carriage become those named: each must wait to be handed over by the
    carriage's delivery method, in no other act or carriage (else its `error`); those left out
    wait for another carriage."""
    act = get_carriage(account, body)
    if act["approved"]:
        raise precondition("CARRIAGE_ALREADY_APPROVED: the postings of an approved carriage stay")
    numbers = list(dict.fromkeys(str_list(body, "posting_numbers")))
    if not numbers:
        raise rejected("SetPostingsRequest.PostingNumbers", "value must contain at least 1 item(s)")
    results = []
    kept: dict[str, dict[str, Any]] = {}  # number: posting
    for number in numbers:
        doc = pf.get_posting(account, number)
        if doc is None:
            error = "POSTING_NOT_FOUND"
        elif doc["delivery_method"]["id"] != act["delivery_method_id"]:
            error = "POSTING_OF_ANOTHER_DELIVERY_METHOD"
        elif doc["status"] != "awaiting_deliver":
            error = f"INVALID_POSTING_STATUS: {doc['status']}"
        elif doc.get("act_id") not in (None, act["id"]):
            error = "POSTING_IN_ANOTHER_CARRIAGE"
        else:
            error = ""
            kept[number] = doc
        results.append({"posting_number": number, "result": not error, "error": error})
    if kept:
        _release(account, act, [n for n in act["postings"] if n not in kept])
        for doc in kept.values():
            doc["act_id"] = act["id"]
            pf.save_posting(account, doc)
        act["postings"] = list(kept)
        account.put(ACT, act["id"], act)
    return {"result": results}


@route("POST", "/v1/carriage/delivery/list")
def carriage_delivery_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The FBS delivery methods (or the one `delivery_method_id` names) with how many postings wait
    for a carriage and their carriages departing on the day of `departure_date` (default: today)."""
    wanted = int_id(body.get("delivery_method_id") or 0, "delivery_method_id")
    day = account.iso()[:10]
    if body.get("departure_date"):
        moment = parse_time(body, "departure_date")
        assert moment is not None
        day = moment.strftime("%Y-%m-%d")
    waiting: dict[int, int] = {}
    for doc in pf.all_postings(account):
        if doc["status"] == "awaiting_deliver" and not doc.get("act_id"):
            waiting[doc["delivery_method"]["id"]] = waiting.get(doc["delivery_method"]["id"], 0) + 1
    carriages: dict[int, list[dict[str, Any]]] = {}
    for act in account.all(ACT):
        if "approved" in act and act["departure_date"][:10] == day:
            carriages.setdefault(act["delivery_method_id"], []).append(act)
    out = []
    fbs = [m for w in all_warehouses(account) if not w.get("is_rfbs") for m in delivery_methods(w)]
    for method in fbs:
        if wanted and method["id"] != wanted:
            continue
        own = carriages.get(method["id"], [])
        out.append(
            {
                "delivery_method_id": method["id"],
                "delivery_method_name": method["name"],
                "delivery_method_status": "ACTIVE",
                "warehouse_id": method["warehouse_id"],
                "warehouse_name": method["warehouse"],
                "departure_date": f"{day}T00:00:00Z",
                "tpl_provider_name": method["tpl_provider"],
                "integration_type": "ozon",
                "first_mile_type": "PICKUP",
                "is_rfbs": False,
                "mandatory_postings_count": waiting.get(method["id"], 0),
                "mandatory_quantum_count": waiting.get(method["id"], 0),
                "carriage_postings_count": sum(len(a["postings"]) for a in own),
                "carriage_quantum_count": sum(len(a["postings"]) for a in own),
                "can_create_another_carriage": waiting.get(method["id"], 0) > 0,
                "carriages": [
                    {
                        "id": str(a["id"]),
                        "postings_count": len(a["postings"]),
                        "quantum_count": len(a["postings"]),
                        "status": _act_status(account, a),
                    }
                    for a in own
                ],
            }
        )
    return {"result": out}


@route("POST", "/v1/carriage/get")
def carriage_get(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The carriage: its status (NEW, then FORMING and FORMED once approved), delivery method,
    warehouse, departure, what can be done with it."""
    act = get_carriage(account, body)
    status = _act_status(account, act)
    method = next((m for m in all_methods(account) if m["id"] == act["delivery_method_id"]), None)
    return {
        "carriage_id": act["id"],
        "act_type": "common",
        "status": status,
        "available_actions": [] if act["approved"] else ["approve", "cancel"],
        "cancel_availability": {
            "is_cancel_available": not act["approved"],
            "reason": "" if not act["approved"] else "CARRIAGE_ALREADY_APPROVED",
        },
        "company_id": int(account.client_id) if account.client_id.isdigit() else 0,
        "containers_count": act["containers_count"],
        "created_at": act["created_at"],
        "updated_at": act.get("approved_at", act["created_at"]),
        "delivery_method_id": act["delivery_method_id"],
        "departure_date": act["departure_date"][:10],
        "first_mile_type": "PICKUP",
        "integration_type": "ozon",
        "all_blr_traceable": act.get("all_blr_traceable", False),
        "tpl_provider_id": method["tpl_provider_id"] if method else 0,
        "warehouse_id": act["warehouse_id"],
        "arrival_pass_ids": [],
        "has_postings_for_next_carriage": False,
        "is_container_label_printed": False,
        "is_econom": False,
        "is_partial": False,
        "is_waybill_enabled": False,
        "partial_num": 0,
        "retry_count": 0,
    }


@route("POST", "/v2/posting/fbs/act/check-status")
def act_check_status(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    act = get_act(account, body)
    return {
        "result": {
            "status": _act_status(account, act),
            "act_type": "common",
            "added_to_act": list(act["postings"]),
            "removed_from_act": [],
            "is_partial": False,
            "partial_num": 0,
            "has_postings_for_next_carriage": False,
        }
    }


def act_pdf(account: Account, act: dict[str, Any]) -> bytes:
    rows = []
    for number in act["postings"]:
        doc = pf.get_posting(account, number)
        items = sum(p["quantity"] for p in doc["products"]) if doc else 0
        rows.append((number, f"items: {items}", doc["barcodes"]["lower_barcode"] if doc else ""))
    head = [
        f"act {act['id']} of {act['created_at'][:10]}",
        f"delivery method: {act['delivery_method_name']}",
        f"warehouse: {act['warehouse']}",
        f"departure: {act['departure_date'][:16].replace('T', ' ')}",
        f"postings: {len(rows)}",
    ]
    return document(act_pages("Akt priema-peredachi otpravlenii", head, rows), title=f"act {act['id']}")


@route("POST", "/v2/posting/fbs/act/get-pdf")
def act_get_pdf(account: Account, body: dict[str, Any]) -> FileAnswer:
    act = get_act(account, body)
    if not _ready(account, act):
        raise precondition(
            "ACT_IS_NOT_READY: the act is still forming (see /v2/posting/fbs/act/check-status)"
        )
    return FileAnswer(PDF, act_pdf(account, act))


@route("POST", "/v2/posting/fbs/act/list")
def act_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Acts created in [date_from, date_to] (dates or times), newest first, at most `limit`."""
    flt = body.get("filter") or {}
    since = str(flt.get("date_from") or "")[:10]
    until = str(flt.get("date_to") or "9999")[:10]
    limit = page_size(body, "FbsActListRequest", 1000)
    statuses = {s.upper() for s in str_list(flt, "status")}
    out = []
    for act in reversed(account.all(ACT)):
        status = _act_status(account, act)
        if not since <= act["created_at"][:10] <= until or (statuses and status not in statuses):
            continue
        out.append(
            {
                "id": act["id"],
                "act_type": "common",
                "containers_count": act["containers_count"],
                "created_at": act["created_at"],
                "updated_at": act["created_at"],
                "delivery_method_id": act["delivery_method_id"],
                "delivery_method_name": act["delivery_method_name"],
                "departure_date": act["departure_date"][:10],
                "has_postings_for_next_carriage": False,
                "integration_type": "ozon",
                "is_partial": False,
                "partial_num": 0,
                "status": status,
                "related_docs": {
                    "act_of_acceptance": {"created_at": act["created_at"], "document_status": status},
                },
            }
        )
    return {"result": out[:limit]}


@route("POST", "/v2/posting/fbs/act/get-postings")
def act_postings(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    act = get_act(account, body)
    out = []
    for number in act["postings"]:
        doc = pf.get_posting(account, number)
        if doc is None:
            continue
        out.append(
            {
                "id": doc["order_id"],
                "posting_number": number,
                "status": doc["status"],
                "multi_box_qty": 1,
                "seller_error": "",
                "created_at": doc["created_at"],
                "updated_at": doc.get("status_changed_at", doc["created_at"]),
                "products": [pf.product_line(p) for p in doc["products"]],
            }
        )
    return {"result": out}


@route("POST", "/v2/posting/fbs/act/get-barcode/text")
def act_barcode_text(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    act = get_act(account, body)
    return {"result": f"ACT{act['id']:010d}"}


@file_maker("act")
def _act_file(account: Account, name: str) -> FileAnswer | None:
    act: dict[str, Any] | None = account.get(ACT, int(name)) if name.isdigit() else None
    if act is None or not _ready(account, act):
        return None
    return FileAnswer(PDF, act_pdf(account, act))
