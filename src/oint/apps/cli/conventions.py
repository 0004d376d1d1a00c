"""OInt's call conventions on `oint ozon <Method>` (and on an operation called by name or path):

- `--config SETTINGS`: OInt's "advanced call", a JSON object (or a JSON file) of per-call settings:
  `timeout` (seconds), `retries` (how many times a failed request is sent again), `proxy` (OInt's
  {"Protocol", "Host", "Port", "User", "Password"} or a URL; sent through httpx),
  `adv_response` (true: the answer is {"status", "body", "headers"}, the full response) and
  `dontwait` (OInt's background execution: a command line cannot map it, refused with a line that
  says so). `--config` with no value lists them, as OInt's does.
- `--out _hex_ | _base64_ | _utf8_`: the answer printed as hexadecimal, Base64 or UTF-8 text instead
  of written to a file (a file's bytes as they are; a JSON answer as the text oint prints).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from oint.core.errors import UsageError

SETTINGS = {
    "timeout": "seconds to wait for Ozon's answer (a number greater than 0; as --timeout)",
    "retries": "how many times a request that failed (timeout, 429, 5xx) is sent again (as --retries)",
    "proxy": 'the proxy to send through: {"Protocol": "http", "Host": "...", "Port": 3128, '
    '"User": "...", "Password": "..."} or a URL such as http://user:pass@host:3128',
    "adv_response": "true: the answer is the full response {status, body, headers}",
    "dontwait": "OInt's background execution: not available from a command line (refused)",
}
SPECIAL_OUT = ("_hex_", "_base64_", "_utf8_")
NO_SETTINGS = "This function sends no request: there are no call settings for it.\n"


def settings_help(calls_api: bool) -> str:
    """What `--config` with no value prints: the settings a call takes, one a line."""
    if not calls_api:
        return NO_SETTINGS
    return "".join(f"{key}: {text}\n" for key, text in SETTINGS.items())


@dataclass(frozen=True)
class CallSettings:
    """One call's advanced settings, checked."""

    timeout: float | None = None
    retries: int | None = None
    proxy: str | None = None  # a URL httpx takes
    full_response: bool = False

    def apply(self, settings: dict[str, str]) -> None:
        """Put timeout and retries among the call's options (UsageError when both ways give one)."""
        for name, value in (("timeout", self.timeout), ("retries", self.retries)):
            if value is None:
                continue
            if name in settings:
                raise UsageError(f"--config sets {name} and --{name} is given too: keep one")
            settings[name] = str(value)


def load(text: str) -> CallSettings:
    """`--config`'s value: JSON text ({...}) or a JSON file. UsageError, one line, on anything
    OInt's settings do not allow, or that oint cannot do."""
    from oint.compat.values import relaxed_json

    source = text
    if not text.lstrip().startswith("{"):
        try:
            with open(text, encoding="utf-8-sig") as fh:
                source = fh.read()
        except OSError as e:
            raise UsageError(
                f"--config: expected a JSON object or a JSON file, cannot read {text!r} "
                f"({e.strerror or type(e).__name__})"
            ) from None
    try:
        doc = relaxed_json(source)
    except ValueError as e:
        raise UsageError(f"--config: not valid JSON ({e})") from None
    if not isinstance(doc, dict):
        raise UsageError('--config: expected a JSON object such as {"timeout": 30}')
    unknown = sorted(set(doc) - set(SETTINGS))
    if unknown:
        raise UsageError(f"--config: unknown setting(s) {', '.join(unknown)}; known: {', '.join(SETTINGS)}")
    if _flag(doc, "dontwait"):
        raise UsageError(
            "--config: dontwait (OInt's background execution) cannot map onto a command line, whose "
            "answer is its output: start the command in the background from the caller instead "
            "(1C: RunApp without waiting), or use 'oint ozon bulk' for long jobs"
        )
    return CallSettings(
        timeout=_number(doc, "timeout", float, positive=True),
        retries=_number(doc, "retries", int, positive=False),
        proxy=_proxy(doc.get("proxy")),
        full_response=_flag(doc, "adv_response"),
    )


def _flag(doc: dict[str, Any], name: str) -> bool:
    value = doc.get(name, False)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise UsageError(f"--config: {name} takes true or false, got {value!r}")
    return value


def _number(doc: dict[str, Any], name: str, kind: type, *, positive: bool) -> Any:
    value = doc.get(name)
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = kind(value) if not isinstance(value, str) else kind(value.strip())
    except ValueError:
        raise UsageError(f"--config: {name} must be a number, got {value!r}") from None
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise UsageError(f"--config: {name} must be a whole number, got {value!r}")
    if (positive and number <= 0) or number < 0:
        raise UsageError(f"--config: {name} must be {'greater than 0' if positive else 'not negative'}")
    return number


def _proxy(value: Any) -> str | None:
    """A proxy URL from OInt's proxy settings (a collection) or from a URL."""
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, str):
        if "://" not in value:
            raise UsageError(f"--config: proxy must be a URL such as http://host:3128, got {value!r}")
        return value
    if not isinstance(value, dict):
        raise UsageError("--config: proxy must be an object {Protocol, Host, Port, User, Password} or a URL")
    folded = {str(k).lower(): v for k, v in value.items()}
    known = {"protocol", "host", "port", "user", "password", "useosauthentication"}
    unknown = sorted(set(folded) - known)
    if unknown:
        raise UsageError(f"--config: proxy has unknown field(s) {', '.join(unknown)}")
    if folded.get("useosauthentication") in (True, "true"):
        raise UsageError(
            "--config: proxy UseOSAuthentication (the system's own proxy login) cannot map: give User "
            "and Password, or set HTTPS_PROXY in the environment"
        )
    host = str(folded.get("host") or "").strip()
    if not host:
        raise UsageError("--config: proxy needs a Host")
    scheme = str(folded.get("protocol") or "http").strip().lower().rstrip(":/") or "http"
    if scheme not in ("http", "https", "socks5", "socks5h"):
        raise UsageError(f"--config: proxy Protocol must be http, https or socks5, got {scheme!r}")
    port = folded.get("port")
    where = f"{host}:{int(port)}" if port not in (None, "", 0) else host
    user = folded.get("user")
    login = ""
    if user:
        login = quote(str(user), safe="") + ":" + quote(str(folded.get("password") or ""), safe="") + "@"
    return f"{scheme}://{login}{where}"


# ------------------------------------------------------------------ the full response
class Recorder:
    """What the full response (`adv_response`) needs: the status and headers of the last answer."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}

    def seen(self, status: int, headers: Any) -> None:
        self.status = status
        self.headers = {str(k).lower(): str(v) for k, v in dict(headers).items()}

    def full(self, body: Any) -> dict[str, Any]:
        """OInt's full response: status, body, headers (a file's body as Base64 text)."""
        if isinstance(body, (bytes, bytearray)):
            body = base64.b64encode(bytes(body)).decode("ascii")
        return {"status": self.status, "body": body, "headers": self.headers}


class RecordingTransport:
    """A transport (the sandbox's, in-process) whose answers the recorder sees; everything else of
    the wrapped transport (base_url, default credentials, its clock) shows through."""

    def __init__(self, inner: Any, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, timeout: float | None
    ) -> Any:
        answer = self._inner.request(method, path, headers, body, timeout)
        self._recorder.seen(answer.status, answer.headers)
        return answer

    def close(self) -> None:
        self._inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def adapt(call: CallSettings, options: dict[str, Any], recorder: Recorder) -> None:
    """The client's options for a call's proxy and full response: an httpx client through the proxy
    (and seeing each answer), or the sandbox's transport watched. UsageError where they cannot go."""
    transport = options.get("transport")
    if transport is not None:  # the embedded sandbox
        if call.proxy:
            raise UsageError(
                "--config: proxy does not apply to the sandbox (--sandbox), reached without network"
            )
        if call.full_response:
            options["transport"] = RecordingTransport(transport, recorder)
        return
    if not (call.proxy or call.full_response):
        return
    import httpx

    from oint.core.client import trusting

    ca_file = options.pop("ca_file", None)
    hooks = {"response": [lambda r: recorder.seen(r.status_code, r.headers)]} if call.full_response else {}
    kwargs: dict[str, Any] = {"event_hooks": hooks, "follow_redirects": False}
    if call.proxy:
        kwargs["proxy"] = call.proxy
    if ca_file is not None:
        kwargs["verify"] = trusting(os.fspath(ca_file))
    options["http_client"] = httpx.Client(**kwargs)


# ------------------------------------------------------------------ --out _hex_ / _base64_ / _utf8_
def represent(answer: str | bytes, how: str) -> str:
    """An answer as text for `--out _hex_|_base64_|_utf8_` (text is taken as its UTF-8 bytes)."""
    data = answer.encode("utf-8") if isinstance(answer, str) else bytes(answer)
    if how == "_hex_":
        return data.hex().upper() + "\n"
    if how == "_base64_":
        return base64.b64encode(data).decode("ascii") + "\n"
    text = data.decode("utf-8", errors="replace")
    return text if text.endswith("\n") else text + "\n"


def is_special_out(out: str | None) -> bool:
    return out is not None and out.lower() in SPECIAL_OUT


__all__ = [
    "SETTINGS",
    "SPECIAL_OUT",
    "CallSettings",
    "Recorder",
    "RecordingTransport",
    "adapt",
    "is_special_out",
    "load",
    "represent",
    "settings_help",
]
