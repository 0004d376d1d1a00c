"""Reviews of delivered products and buyers' questions, minimal but stateful.

A share of buyers reviews what was delivered to them, a share asks a question about the product
(`model/buyers.py` schedules `buyer_reviews` and `buyer_asks`): the rating follows the weights of
`data/market.json`, the text its rating. The seller reads them (`/v1/review/list`, `/info`,
`/count`), answers with comments (`/v1/review/comment/create`, which may mark the review
processed), reads and deletes them, changes statuses; likewise for questions
(`/v1/question/list`, `/info`, `/count`, `/answer/create|list|delete`, `/change-status`).

For the web view: `reviews(account)`, `questions(account)`.
"""

from __future__ import annotations

import random
from typing import Any

from oint.sandbox.errors import not_found, rejected
from oint.sandbox.model import market
from oint.sandbox.model.base import Account, int_id, route, str_list
from oint.sandbox.model.buyers import config, tables
from oint.sandbox.model.common import page_after_item, page_size
from oint.sandbox.model.fbo import POSTING as FBO_POSTING
from oint.sandbox.model.fbo import _uuid
from oint.sandbox.model.postings_fbs import get_posting

REVIEW = "review"
QUESTION = "question"
REVIEW_STATUSES = ("ALL", "UNPROCESSED", "PROCESSED")
QUESTION_STATUSES = ("ALL", "NEW", "VIEWED", "PROCESSED", "UNPROCESSED")
PAGE_OF_QUESTIONS = 10


def _delivered_line(account: Account, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    doc = (
        account.get(FBO_POSTING, data["posting_number"])
        if data["scheme"] == "fbo"
        else get_posting(account, data["posting_number"])
    )
    if doc is None:
        return None
    lines = doc["lines"] if data["scheme"] == "fbo" else doc["products"]
    return (doc, lines[0]) if lines else None


def reviews(account: Account) -> list[dict[str, Any]]:
    """Every review, oldest first (stored form: id, sku, rating, text, status, comments, ...)."""
    docs: list[dict[str, Any]] = account.all(REVIEW)
    return docs


def questions(account: Account) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = account.all(QUESTION)
    return docs


@market.action("buyer_reviews")
def _buyer_reviews(account: Account, data: dict[str, Any]) -> None:
    found = _delivered_line(account, data)
    if found is None:
        return
    _doc, line = found
    rng = random.Random(f"{config(account)['seed']}:{data['posting_number']}:review")
    weights = tables()["rating_weights"]
    rating = int(rng.choices(list(weights), weights=list(weights.values()))[0])
    review_id = _uuid("review", account.client_id, data["posting_number"], ms=int(account.now * 1000))
    account.put(
        REVIEW,
        review_id,
        {
            "id": review_id,
            "sku": line["sku"],
            "posting_number": data["posting_number"],
            "rating": rating,
            "text": rng.choice(tables()["reviews"][str(rating)]),
            "published_at": account.iso(),
            "status": "UNPROCESSED",
            "order_status": "DELIVERED",
            "is_rating_participant": True,
            "comments": [],
        },
    )


def _require(account: Account, kind: str, key: Any, missing: str) -> dict[str, Any]:
    """A review or a question by its id; 404 `missing` when there is none."""
    doc: dict[str, Any] | None = account.get(kind, str(key or ""))
    if doc is None:
        raise not_found(missing)
    return doc


def _review(account: Account, review_id: Any) -> dict[str, Any]:
    return _require(account, REVIEW, review_id, "REVIEW_NOT_FOUND")


def _newest_first(
    docs: list[dict[str, Any]], body: dict[str, Any], limit: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The page of `docs` (oldest first) a list asks for: newest first unless `sort_dir` is ASC, at
    most `limit` after the id `last_id`; with the answer's `has_next` and `last_id`."""
    if str(body.get("sort_dir") or "DESC").upper() != "ASC":
        docs = docs[::-1]
    page, has_next = page_after_item(docs, lambda d: d["id"], str(body.get("last_id") or ""), limit)
    return page, {"has_next": has_next, "last_id": page[-1]["id"] if page and has_next else ""}


def _set_status(account: Account, kind: str, docs: list[dict[str, Any]], status: str) -> dict[str, Any]:
    """Give reviews or questions a new status (the answer of a change-status request)."""
    for doc in docs:
        doc["status"] = status
        account.put(kind, doc["id"], doc)
    return {}


def _remove_reply(docs: list[dict[str, Any]], field: str, reply_id: str) -> dict[str, Any] | None:
    """The review or question whose `field` (comments, answers) held `reply_id`, without it (not
    saved yet); None when no document has it."""
    for doc in docs:
        kept = [r for r in doc[field] if r["id"] != reply_id]
        if len(kept) != len(doc[field]):
            doc[field] = kept
            return doc
    return None


def _review_item(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["id"],
        "sku": doc["sku"],
        "text": doc["text"],
        "rating": doc["rating"],
        "status": doc["status"],
        "published_at": doc["published_at"],
        "order_status": doc["order_status"],
        "is_rating_participant": doc["is_rating_participant"],
        "comments_amount": len(doc["comments"]),
        "photos_amount": 0,
        "videos_amount": 0,
    }


@route("POST", "/v1/review/list")
def review_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Reviews of a status (ALL by default), newest first unless `sort_dir` ASC; `limit` 20..100
    after `last_id` (a review id)."""
    limit = page_size(body, "ReviewListRequest", 100, minimum=20)
    status = str(body.get("status") or "ALL").upper()
    if status not in REVIEW_STATUSES:
        raise rejected("ReviewListRequest.Status", f"value must be one of {', '.join(REVIEW_STATUSES)}")
    docs = [d for d in reviews(account) if status == "ALL" or d["status"] == status]
    page, more = _newest_first(docs, body, limit)
    return {"reviews": [_review_item(d) for d in page], **more}


@route("POST", "/v1/review/info")
def review_info(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    doc = _review(account, body.get("review_id"))
    return {**_review_item(doc), "likes_amount": 0, "dislikes_amount": 0, "photos": [], "videos": []}


@route("POST", "/v1/review/count")
def review_count(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    docs = reviews(account)
    processed = sum(d["status"] == "PROCESSED" for d in docs)
    return {"total": len(docs), "processed": processed, "unprocessed": len(docs) - processed}


@route("POST", "/v1/review/change-status")
def review_change_status(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    status = str(body.get("status") or "").upper()
    if status not in ("PROCESSED", "UNPROCESSED"):
        raise rejected("ReviewChangeStatusRequest.Status", "value must be PROCESSED or UNPROCESSED")
    return _set_status(account, REVIEW, [_review(account, r) for r in str_list(body, "review_ids")], status)


@route("POST", "/v1/review/comment/create")
def comment_create(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The seller's answer to a review (or to one of its comments); may mark it processed."""
    doc = _review(account, body.get("review_id"))
    text = str(body.get("text") or "").strip()
    if not text:
        raise rejected("CommentCreateRequest.Text", "value length must be at least 2 runes")
    parent = str(body.get("parent_comment_id") or "")
    if parent and parent not in {c["id"] for c in doc["comments"]}:
        raise not_found("COMMENT_NOT_FOUND")
    comment_id = _uuid("comment", doc["id"], len(doc["comments"]), ms=int(account.now * 1000))
    doc["comments"].append(
        {
            "id": comment_id,
            "text": text,
            "parent_comment_id": parent,
            "is_owner": True,
            "is_official": True,
            "published_at": account.iso(),
        }
    )
    if body.get("mark_review_as_processed"):
        doc["status"] = "PROCESSED"
    account.put(REVIEW, doc["id"], doc)
    return {"comment_id": comment_id}


@route("POST", "/v1/review/comment/list")
def comment_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    doc = _review(account, body.get("review_id"))
    limit = page_size(body, "CommentListRequest", 100, minimum=20)
    offset = int_id(body.get("offset") or 0, "offset")
    comments = list(doc["comments"])
    if str(body.get("sort_dir") or "ASC").upper() == "DESC":
        comments.reverse()
    page = comments[offset : offset + limit]
    return {"comments": page, "offset": offset + len(page)}


@route("POST", "/v1/review/comment/delete")
def comment_delete(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    doc = _remove_reply(reviews(account), "comments", str(body.get("comment_id") or ""))
    if doc is None:
        raise not_found("COMMENT_NOT_FOUND")
    account.put(REVIEW, doc["id"], doc)
    return {}


# ------------------------------------------------------------------ questions
@market.action("buyer_asks")
def _buyer_asks(account: Account, data: dict[str, Any]) -> None:
    found = _delivered_line(account, data)
    if found is None:
        return
    _doc, line = found
    rng = random.Random(f"{config(account)['seed']}:{data['posting_number']}:question")
    question_id = _uuid("question", account.client_id, data["posting_number"], ms=int(account.now * 1000))
    account.put(
        QUESTION,
        question_id,
        {
            "id": question_id,
            "sku": line["sku"],
            "text": rng.choice(tables()["questions"]),
            "author_name": rng.choice(tables()["first_names"]),
            "published_at": account.iso(),
            "status": "NEW",
            "answers": [],
            "product_url": f"https://www.ozon.ru/product/{line['sku']}/",
            "question_link": f"https://www.ozon.ru/product/{line['sku']}/questions/",
        },
    )


def _question(account: Account, question_id: Any) -> dict[str, Any]:
    return _require(account, QUESTION, question_id, "QUESTION_NOT_FOUND")


def _question_item(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        k: doc[k]
        for k in (
            "id",
            "sku",
            "text",
            "author_name",
            "published_at",
            "status",
            "product_url",
            "question_link",
        )
    } | {"answers_count": len(doc["answers"])}


@route("POST", "/v1/question/list")
def question_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """Questions of a status and period, newest first (ASC: oldest), after `last_id`: at most 10 a
    page, however large `limit` (1..100) is, since the document bounds the answer to 10."""
    flt = body.get("filter") or {}
    status = str(flt.get("status") or "ALL").upper()
    if status not in QUESTION_STATUSES:
        raise rejected(
            "QuestionListRequest.Filter.Status", f"value must be one of {', '.join(QUESTION_STATUSES)}"
        )
    since, until = str(flt.get("date_from") or ""), str(flt.get("date_to") or "")
    docs = [
        d
        for d in questions(account)
        if (
            status == "ALL"
            or d["status"] == status
            or (status == "UNPROCESSED" and d["status"] != "PROCESSED")
        )
        and (not since or d["published_at"] >= since)
        and (not until or d["published_at"] <= until)
    ]
    limit = int_id(body.get("limit") or PAGE_OF_QUESTIONS, "limit")
    if not 1 <= limit <= 100:
        raise rejected("QuestionListRequest.Limit", "value must be inside range [1, 100]")
    page, more = _newest_first(docs, body, min(limit, PAGE_OF_QUESTIONS))
    return {"questions": [_question_item(d) for d in page], **more}


@route("POST", "/v1/question/info")
def question_info(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    return _question_item(_question(account, body.get("question_id")))


@route("POST", "/v1/question/count")
def question_count(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    docs = questions(account)
    count = {s: sum(d["status"] == s for d in docs) for s in ("NEW", "VIEWED", "PROCESSED")}
    return {
        "all": len(docs),
        "new": count["NEW"],
        "viewed": count["VIEWED"],
        "processed": count["PROCESSED"],
        "unprocessed": len(docs) - count["PROCESSED"],
    }


@route("POST", "/v1/question/change-status")
def question_change_status(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    status = str(body.get("status") or "").upper()
    if status not in ("NEW", "VIEWED", "PROCESSED"):
        raise rejected("QuestionChangeStatusRequest.Status", "value must be NEW, VIEWED or PROCESSED")
    return _set_status(
        account, QUESTION, [_question(account, q) for q in str_list(body, "question_ids")], status
    )


@route("POST", "/v1/question/answer/create")
def answer_create(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """The seller's answer: published, the question processed."""
    doc = _question(account, body.get("question_id"))
    if int_id(body.get("sku"), "sku") != doc["sku"]:
        raise rejected("QuestionAnswerCreateRequest.Sku", "the question is about another SKU")
    text = str(body.get("text") or "").strip()
    if len(text) < 2:
        raise rejected("QuestionAnswerCreateRequest.Text", "value length must be at least 2 runes")
    answer_id = _uuid("answer", doc["id"], len(doc["answers"]), ms=int(account.now * 1000))
    doc["answers"].append(
        {
            "id": answer_id,
            "question_id": doc["id"],
            "sku": doc["sku"],
            "text": text,
            "author_name": "Продавец",
            "published_at": account.iso(),
            "status_publication": "PUBLISHED",
        }
    )
    doc["status"] = "PROCESSED"
    account.put(QUESTION, doc["id"], doc)
    return {"answer_id": answer_id}


@route("POST", "/v1/question/answer/list")
def answer_list(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    doc = _question(account, body.get("question_id"))
    return {"answers": list(doc["answers"]), "last_id": ""}


@route("POST", "/v1/question/answer/delete")
def answer_delete(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    doc = _remove_reply(questions(account), "answers", str(body.get("answer_id") or ""))
    if doc is None:
        raise not_found("ANSWER_NOT_FOUND")
    if not doc["answers"]:
        doc["status"] = "VIEWED"
    account.put(QUESTION, doc["id"], doc)
    return {}
