"""multipart/form-data request bodies (`/v1/receipts/upload`, `/v1/product/certificate/create`):
read into the JSON object the operation layer's request schema describes, so that the sandbox
checks and answers them like any other request.

Text fields become strings (a boolean or an array field as its schema says: `true`, repeated
names or `name[]`); a file part becomes, for a field typed `file`, a description of the file
(`{"filename", "content_type", "size"}`), and for a field typed as a byte string, its content in
base64 (how a JSON body would carry it).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from oint.core.validate import kind_of, resolve
from oint.sandbox.errors import malformed


def parse_form(
    content_type: str, body: bytes, schema: Mapping[str, Any] | None, defs: Mapping[str, Any]
) -> dict[str, Any]:
    """The fields of a multipart/form-data body as a JSON object shaped by `schema` (the request's
    object schema, refs into `defs`); Ozon's 400 (code 3) when the body is no such form."""
    if "boundary=" not in content_type.lower():
        raise malformed("syntax error: a multipart/form-data body needs a boundary")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart() or message.defects:
        raise malformed("syntax error: the multipart/form-data body is malformed")
    props: Mapping[str, Any] = {}
    if schema is not None:
        props = resolve(schema, defs)[0].get("properties") or {}
    raw: dict[str, list[Any]] = {}
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            raise malformed("syntax error: a form field without a name")
        name = name.removesuffix("[]")
        content = part.get_payload(decode=True)
        data = content if isinstance(content, bytes) else b""
        field = resolve(props[name], defs)[0] if name in props else {}
        raw.setdefault(name, []).append(_value(part, data, field, defs))
    out: dict[str, Any] = {}
    for name, values in raw.items():
        field = resolve(props[name], defs)[0] if name in props else {}
        out[name] = values if kind_of(field) == "array" else values[-1]
    return out


def _value(part: Message, data: bytes, field: Mapping[str, Any], defs: Mapping[str, Any]) -> Any:
    """One part's value, as the field's schema (or its items' schema) types it."""
    if kind_of(field) == "array":
        field = resolve(field.get("items") or {}, defs)[0]
    filename = part.get_filename()
    kind = kind_of(field)
    if filename is not None or kind == "file":
        if kind == "string":  # a byte string: base64, as JSON carries bytes
            return base64.b64encode(data).decode("ascii")
        return {"filename": filename or "", "content_type": part.get_content_type(), "size": len(data)}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise malformed("syntax error: a form field is not valid UTF-8") from None
    if kind == "boolean" and text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    return text
