"""Profiles: named seller accounts of oint's config file, for `OzonClient(profile=...)`,
`--profile` and `OINT_PROFILE`.

A profile is a named seller account in oint's config file (TOML), by default
`$XDG_CONFIG_HOME/oint/config.toml` or `~/.config/oint/config.toml`, or the file `OINT_CONFIG`
names:

    [profiles.shop1]
    client_id = "2128753"
    api_key_env = "SHOP1_KEY"        # the Api-Key is read from this environment variable
    base_url = "https://api-seller.ozon.ru"   # optional
    ca_file = "corporate-ca.pem"     # optional: also trust this CA (relative to this file's folder)
    limits = "redis://10.0.0.5:6379/0"  # optional: Ozon's windows shared with other processes

    [profiles.shop2]
    client_id = "3000001"
    api_key = "keyring"              # the Api-Key is in the OS keyring: service "oint", user "shop2"
    performance_client_id = "3000001-1700000000000@advertising.performance.ozon.ru"
    performance_secret = "keyring"   # its secret in the OS keyring: service "oint", user "shop2:performance"

    [profiles.ads-only]              # a profile may hold the Performance API's credentials alone
    performance_client_id = "..."
    performance_secret_env = "ADS_SECRET"

oint never writes a key anywhere, and refuses a config file holding one in clear. The TOML
parser and `keyring` are imported only when a profile is used: the CLI starts as fast without.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NamedTuple

from oint.core.base_url import check_base_url
from oint.core.errors import UsageError

KEYRING_SERVICE = "oint"
_PROFILE_FIELDS = (
    "client_id",
    "api_key_env",
    "api_key",
    "base_url",
    "ca_file",
    "limits",
    "performance_client_id",
    "performance_secret_env",
    "performance_secret",
)
PERFORMANCE_KEYRING_SUFFIX = ":performance"  # the keyring user of a profile's Performance secret


def config_path() -> str:
    """The config file: OINT_CONFIG, else $XDG_CONFIG_HOME/oint/config.toml, else ~/.config/oint/..."""
    explicit = os.environ.get("OINT_CONFIG")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = xdg if xdg and os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "oint", "config.toml")


class Profile(NamedTuple):
    """A named seller account. Holds where the key comes from, never the key itself."""

    name: str
    client_id: str
    base_url: str | None
    api_key_env: str | None  # None: the key is in the OS keyring
    path: str  # the config file it comes from
    ca_file: str | None = None  # a PEM file of CA certificates to trust as well (absolute path)
    limits: str | None = (
        None  # where Ozon's windows are kept (`oint.core.limits`): sqlite:///..., redis://...
    )
    performance_client_id: str | None = None  # the Performance API's client id (advertising)
    performance_secret_env: str | None = None  # None: its secret is in the OS keyring (if an id is set)

    @property
    def key_source(self) -> str:
        """Where the key comes from, for people: "environment variable SHOP1_KEY" / "OS keyring"."""
        if not self.client_id:
            return "no Seller API account"
        if self.api_key_env is not None:
            return f"environment variable {self.api_key_env}"
        return f"OS keyring (service {KEYRING_SERVICE!r}, user {self.name!r})"

    @property
    def performance_source(self) -> str | None:
        """Where the Performance API's secret comes from, for people (None: no such account)."""
        if not self.performance_client_id:
            return None
        if self.performance_secret_env is not None:
            return f"environment variable {self.performance_secret_env}"
        return f"OS keyring (service {KEYRING_SERVICE!r}, user {self.name + PERFORMANCE_KEYRING_SUFFIX!r})"

    def api_key(self) -> str:
        """The Api-Key, read now from its environment variable or the OS keyring (UsageError if absent)."""
        if not self.client_id:
            raise UsageError(f"profile {self.name!r} holds no Seller API account (no client_id)")
        if self.api_key_env is not None:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise UsageError(
                    f"profile {self.name!r}: environment variable {self.api_key_env} "
                    "(its api_key_env) is not set"
                )
            return key
        return _keyring_key(self.name)

    def performance_secret(self) -> str:
        """The Performance API's client secret, read now from `performance_secret_env` or the OS
        keyring (user `<profile>:performance`); UsageError if absent."""
        if not self.performance_client_id:
            raise UsageError(
                f"profile {self.name!r} holds no Performance API account (no performance_client_id)"
            )
        if self.performance_secret_env is not None:
            secret = os.environ.get(self.performance_secret_env)
            if not secret:
                raise UsageError(
                    f"profile {self.name!r}: environment variable {self.performance_secret_env} "
                    "(its performance_secret_env) is not set"
                )
            return secret
        return _keyring_key(self.name + PERFORMANCE_KEYRING_SUFFIX)


def _keyring_key(name: str) -> str:
    try:
        import keyring
    except ImportError:
        raise UsageError(
            f"profile {name!r} keeps its key in the OS keyring, but the keyring package is not "
            "installed: pip install 'oint[keyring]'"
        ) from None
    try:
        key = keyring.get_password(KEYRING_SERVICE, name)
    except Exception as e:  # keyring's backends raise their own errors (no backend, locked, ...)
        raise UsageError(f"profile {name!r}: the OS keyring failed: {type(e).__name__}: {e}") from None
    if not key:
        raise UsageError(
            f"profile {name!r}: no key in the OS keyring for service {KEYRING_SERVICE!r}, user {name!r} "
            f"(store it with: keyring set {KEYRING_SERVICE} {name})"
        )
    return str(key)


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    doc: dict[str, Any] = tomllib.loads(text)
    return doc


def load_profiles(path: str | None = None) -> dict[str, Profile]:
    """Every profile of the config file, checked (UsageError on a missing or malformed file, an
    unknown setting, or a key written in clear)."""
    path = path or config_path()
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        hint = "" if os.environ.get("OINT_CONFIG") else " (or set OINT_CONFIG)"
        raise UsageError(f"no config file {path!r}: profiles are defined there{hint}") from None
    except OSError as e:
        raise UsageError(f"cannot read config file {path!r}: {e.strerror}") from None
    try:
        doc = _toml_loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"config file {path!r}: not UTF-8 text") from None
    except ValueError as e:  # tomllib.TOMLDecodeError: "... (at line 3, column 5)"
        raise UsageError(f"config file {path!r}: malformed TOML: {e}") from None
    for key in doc:
        if key != "profiles":
            raise UsageError(
                f"config file {path!r}: unknown setting {key!r} (profiles go under [profiles.NAME])"
            )
    tables = doc.get("profiles", {})
    if not isinstance(tables, dict):
        raise UsageError(f"config file {path!r}: 'profiles' must be a table of [profiles.NAME] sections")
    return {name: _profile(name, table, path) for name, table in tables.items()}


def _profile(name: str, table: Any, path: str) -> Profile:
    where = f"config file {path!r}, profile {name!r}"
    if not isinstance(table, dict):
        raise UsageError(f"{where}: expected a [profiles.{name}] section")
    for key in table:
        if key not in _PROFILE_FIELDS:  # the value is never shown: it might be a key
            raise UsageError(f"{where}: unknown setting {key!r} (settings: {', '.join(_PROFILE_FIELDS)})")
    performance_id, performance_env = _performance_settings(table, where)
    seller = any(table.get(k) is not None for k in ("client_id", "api_key_env", "api_key"))
    if performance_id is not None and not seller:  # a profile of the Performance API alone
        base_url = table.get("base_url")
        if base_url is not None:
            if not isinstance(base_url, str):
                raise UsageError(f"{where}: base_url must be a string")
            check_base_url(base_url, f"{where}: base_url")
        return Profile(
            name,
            "",
            base_url,
            None,
            path,
            _ca_file(table, where, path),
            limits=_limits(table, where),
            performance_client_id=performance_id,
            performance_secret_env=performance_env,
        )
    api_key = table.get("api_key")
    if api_key is not None and api_key != "keyring":
        raise UsageError(
            f"{where}: an Api-Key written in the file is refused, as a config file is easily read, "
            'copied or committed; use api_key_env = "VARIABLE" (a variable holding the key) '
            'or api_key = "keyring" (the OS keyring)'
        )
    env = table.get("api_key_env")
    if api_key is not None and env is not None:
        raise UsageError(f'{where}: give either api_key_env or api_key = "keyring", not both')
    if api_key is None and env is None:
        raise UsageError(f'{where}: no key source: add api_key_env = "VARIABLE" or api_key = "keyring"')
    if env is not None and (not isinstance(env, str) or not env.strip()):
        raise UsageError(f"{where}: api_key_env must be the name of an environment variable")
    client_id = table.get("client_id")
    if isinstance(client_id, bool) or not isinstance(client_id, (str, int)) or str(client_id).strip() == "":
        raise UsageError(f"{where}: client_id is missing (a string or a number)")
    base_url = table.get("base_url")
    if base_url is not None:
        if not isinstance(base_url, str):
            raise UsageError(f"{where}: base_url must be a string")
        check_base_url(base_url, f"{where}: base_url")
    ca_file = _ca_file(table, where, path)
    return Profile(
        name,
        str(client_id).strip(),
        base_url,
        env,
        path,
        ca_file,
        limits=_limits(table, where),
        performance_client_id=performance_id,
        performance_secret_env=performance_env,
    )


def _limits(table: dict[str, Any], where: str) -> str | None:
    """Where the profile's account keeps Ozon's windows (`oint.core.limits`), if it says."""
    limits = table.get("limits")
    if limits is not None and (not isinstance(limits, str) or not limits.strip()):
        raise UsageError(f"{where}: limits must be a URL: sqlite:///PATH, redis://HOST:PORT/DB or local")
    return limits


def _ca_file(table: dict[str, Any], where: str, path: str) -> str | None:
    ca_file = table.get("ca_file")
    if ca_file is not None:
        if not isinstance(ca_file, str) or not ca_file.strip():
            raise UsageError(f"{where}: ca_file must be the path of a PEM file")
        ca_file = os.path.join(os.path.dirname(os.path.abspath(path)), os.path.expanduser(ca_file))
    return ca_file


def _performance_settings(table: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """The Performance API's client id and secret variable of a profile (None, None without one);
    its secret, like the Api-Key, is never in the file."""
    client_id = table.get("performance_client_id")
    secret = table.get("performance_secret")
    env = table.get("performance_secret_env")
    if client_id is None:
        if secret is not None or env is not None:
            raise UsageError(f"{where}: a Performance API secret without performance_client_id")
        return None, None
    if isinstance(client_id, bool) or not isinstance(client_id, (str, int)) or not str(client_id).strip():
        raise UsageError(f"{where}: performance_client_id must be a string")
    if secret is not None and secret != "keyring":
        raise UsageError(
            f"{where}: a Performance API secret written in the file is refused, as a config file is "
            'easily read, copied or committed; use performance_secret_env = "VARIABLE" or '
            'performance_secret = "keyring" (the OS keyring)'
        )
    if secret is not None and env is not None:
        raise UsageError(f'{where}: give either performance_secret_env or performance_secret = "keyring"')
    if secret is None and env is None:
        raise UsageError(
            f'{where}: no Performance API secret source: add performance_secret_env = "VARIABLE" '
            'or performance_secret = "keyring"'
        )
    if env is not None and (not isinstance(env, str) or not env.strip()):
        raise UsageError(f"{where}: performance_secret_env must be the name of an environment variable")
    return str(client_id).strip(), env


def load_profile(name: str, source: str = "") -> Profile:
    """The profile `name` of the config file (UsageError if unknown). `source` names where the
    choice came from in messages (e.g. "OINT_PROFILE")."""
    profiles = load_profiles()
    profile = profiles.get(name)
    if profile is None:
        known = ", ".join(sorted(profiles)) or "none"
        prefix = f"{source}: " if source else ""
        raise UsageError(f"{prefix}unknown profile {name!r} in {config_path()!r} (profiles: {known})")
    return profile
