"""Profiles: named seller accounts from oint's config file (TOML), for `OzonClient(profile=...)`,
`--profile` / `OINT_PROFILE` and `oint profiles`. Keys come from an environment variable or the OS
keyring and never show in any output, message or repr."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, CliResult, SandboxServer

from oint.core.profiles import Profile, config_path, load_profile, load_profiles
from oint.ozon import AsyncOzonClient, OzonClient, UsageError

SECRET = "sk-4242-very-secret-key"  # a key the sandbox refuses (403)


class _NoTransport:
    """Never used: the constructor is under test."""

    def close(self) -> None:
        pass


def write_config(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A config file with an env-var profile, a keyring profile and one with a base_url;
    OINT_CONFIG points at it and SHOP1_KEY holds the demo key."""
    path = write_config(
        tmp_path / "oint" / "config.toml",
        f"""
# two shops
[profiles.shop1]
client_id = "{DEMO_CLIENT_ID}"
api_key_env = "SHOP1_KEY"

[profiles.vault]
client_id = 3000001
api_key = "keyring"

[profiles.local]
client_id = "{DEMO_CLIENT_ID}"
api_key_env = "LOCAL_KEY"
base_url = "http://127.0.0.1:1"
""",
    )
    monkeypatch.setenv("OINT_CONFIG", path)
    monkeypatch.setenv("SHOP1_KEY", DEMO_API_KEY)
    for name in ("OZON_CLIENT_ID", "OZON_API_KEY", "OZON_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return path


NOWHERE = "http://127.0.0.1:1"  # where a test transport "sends": the client must be told


def client(**kwargs: Any) -> OzonClient:
    return OzonClient(transport=_NoTransport(), **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- the config file
def test_config_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OINT_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert config_path() == str(tmp_path / "home" / ".config" / "oint" / "config.toml")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_path() == str(tmp_path / "xdg" / "oint" / "config.toml")
    monkeypatch.setenv("OINT_CONFIG", str(tmp_path / "my.toml"))
    assert config_path() == str(tmp_path / "my.toml")


def test_load_profiles(config: str) -> None:
    profiles = load_profiles()
    assert list(profiles) == ["shop1", "vault", "local"]
    shop1, vault, local = profiles.values()
    assert shop1 == Profile("shop1", DEMO_CLIENT_ID, None, "SHOP1_KEY", config)
    assert shop1.key_source == "environment variable SHOP1_KEY" and shop1.api_key() == DEMO_API_KEY
    assert vault.client_id == "3000001" and vault.api_key_env is None and "OS keyring" in vault.key_source
    assert local.base_url == "http://127.0.0.1:1"
    assert DEMO_API_KEY not in repr(profiles)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("[profiles.a]\nclient_id = 1\napi_key_env = \n", ("malformed TOML", "line 3")),
        ("[profiles.a]\nclient_id = 1\n[profiles.a]\n", ("malformed TOML", "line 3")),
        (f'[profiles.a]\nclient_id = 1\napi_key = "{SECRET}"\n', ("in the file is refused", "api_key_env")),
        (f'[profiles.a]\nclient_id = 1\napikey = "{SECRET}"\n', ("unknown setting 'apikey'",)),
        (f'api_key = "{SECRET}"\n', ("unknown setting 'api_key'",)),
        ("[profiles.a]\nclient_id = 1\n", ("no key source",)),
        ('[profiles.a]\nclient_id = 1\napi_key_env = "K"\napi_key = "keyring"\n', ("not both",)),
        ('[profiles.a]\napi_key_env = "K"\n', ("client_id is missing",)),
        ('[profiles.a]\nclient_id = ""\napi_key_env = "K"\n', ("client_id is missing",)),
        ('[profiles.a]\nclient_id = 1\napi_key_env = ""\n', ("name of an environment variable",)),
        ('[profiles.a]\nclient_id = 1\napi_key_env = "K"\nbase_url = "ftp://x"\n', ("base_url", "http://")),
        ('profiles = "x"\n', ("must be a table",)),
        ("[profiles]\na = 1\n", ("expected a [profiles.a] section",)),
        (b"\xff\xfe".decode("latin-1"), ("malformed TOML",)),
    ],
)
def test_config_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, needles: tuple[str, ...]
) -> None:
    path = write_config(tmp_path / "config.toml", text)
    monkeypatch.setenv("OINT_CONFIG", path)
    with pytest.raises(UsageError) as info:
        load_profile("a")
    message = str(info.value)
    assert path in message and "\n" not in message and SECRET not in message, message
    for needle in needles:
        assert needle in message, message


def test_clear_key_is_refused_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path / "c.toml", f'[profiles.a]\nclient_id = 1\napi_key = "{SECRET}"\n')
    monkeypatch.setenv("OINT_CONFIG", path)
    with pytest.raises(UsageError, match="easily read, copied or committed") as info:
        OzonClient(profile="a")
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)


def test_selection_errors(config: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        UsageError, match=r"^unknown profile 'nope' in '.*config\.toml' \(profiles: local, shop1"
    ):
        client(profile="nope")
    monkeypatch.setenv("OINT_PROFILE", "nope")
    with pytest.raises(UsageError, match=r"^OINT_PROFILE: unknown profile 'nope'"):
        client()
    monkeypatch.delenv("OINT_PROFILE")
    with pytest.raises(UsageError, match=r"^profile 'local': environment variable LOCAL_KEY .* is not set$"):
        client(profile="local")
    monkeypatch.setenv("OINT_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(UsageError, match=r"^no config file '.*absent\.toml'"):
        client(profile="shop1")


# ---------------------------------------------------------------------------- precedence
def test_precedence_options_then_profile_then_environment(
    config: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OZON_CLIENT_ID", "111")
    monkeypatch.setenv("OZON_API_KEY", "env-key")
    monkeypatch.setenv("OZON_BASE_URL", "http://127.0.0.1:2")
    monkeypatch.setenv("LOCAL_KEY", "local-key")
    plain = client()
    assert (plain.client_id, plain._api_key, plain.base_url) == ("111", "env-key", "http://127.0.0.1:2")
    prof = client(profile="local")  # the profile beats the environment
    assert (prof.client_id, prof._api_key, prof.base_url) == (
        DEMO_CLIENT_ID,
        "local-key",
        "http://127.0.0.1:1",
    )
    no_url = client(profile="shop1")  # what the profile leaves out comes from the environment
    assert (no_url.client_id, no_url._api_key, no_url.base_url) == (
        DEMO_CLIENT_ID,
        DEMO_API_KEY,
        "http://127.0.0.1:2",
    )
    explicit = client(client_id="222", api_key="arg-key", base_url="http://127.0.0.1:3", profile="local")
    assert (explicit.client_id, explicit._api_key, explicit.base_url) == (
        "222",
        "arg-key",
        "http://127.0.0.1:3",
    )
    monkeypatch.setenv("OINT_PROFILE", "local")  # the variable selects like the argument
    assert client().base_url == "http://127.0.0.1:1"
    assert client(profile="shop1").base_url == "http://127.0.0.1:2"  # the argument beats the variable
    monkeypatch.delenv("LOCAL_KEY")
    assert client(api_key="arg-key").client_id == DEMO_CLIENT_ID  # the profile's key is not needed


def test_sandbox_and_profiles(config: str, monkeypatch: pytest.MonkeyPatch, sandbox_db: str) -> None:
    monkeypatch.setenv("OINT_PROFILE", "vault")  # a selection by the environment: the sandbox ignores it
    with OzonClient(sandbox=True) as demo:
        assert (demo.client_id, demo.base_url) == (DEMO_CLIENT_ID, "sandbox:")
    with OzonClient(sandbox=True, profile="shop1") as chosen:
        assert (chosen.client_id, chosen._api_key, chosen.base_url) == (
            DEMO_CLIENT_ID,
            DEMO_API_KEY,
            "sandbox:",
        )


# ---------------------------------------------------------------------------- the OS keyring
def test_keyring_not_installed(config: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring -> ImportError
    with pytest.raises(UsageError, match=r"keyring package is not installed: pip install 'oint\[keyring\]'"):
        client(profile="vault")
    assert client(profile="vault", api_key="given", base_url=NOWHERE).client_id == "3000001"  # not asked


def test_keyring_key(config: str, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str]] = []
    store = {("oint", "vault"): SECRET}
    fake = types.ModuleType("keyring")

    def get_password(service: str, user: str) -> str | None:
        asked.append((service, user))
        return store.get((service, user))

    fake.get_password = get_password  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    c = client(profile="vault", base_url=NOWHERE)
    assert c._api_key == SECRET and asked == [("oint", "vault")]
    assert SECRET not in repr(c) and SECRET not in str(c)
    del store[("oint", "vault")]
    with pytest.raises(UsageError, match=r"no key in the OS keyring .* keyring set oint vault"):
        client(profile="vault")

    def broken(service: str, user: str) -> str:
        raise RuntimeError("No recommended backend was available")

    fake.get_password = broken  # type: ignore[attr-defined]
    with pytest.raises(
        UsageError, match=r"^profile 'vault': the OS keyring failed: RuntimeError: No recommended"
    ):
        client(profile="vault")


# ---------------------------------------------------------------------------- the CLI
@pytest.fixture
def server_config(tmp_path: Path, server: SandboxServer) -> dict[str, str]:
    """Env for run_cli: a config whose profiles point at the sandbox server."""
    path = write_config(
        tmp_path / "config.toml",
        f"""
[profiles.shop1]
client_id = "{DEMO_CLIENT_ID}"
api_key_env = "SHOP1_KEY"
base_url = "{server.url}"

[profiles.stranger]
client_id = "{DEMO_CLIENT_ID}"
api_key_env = "STRANGER_KEY"
base_url = "{server.url}"

[profiles.vault]
client_id = "{DEMO_CLIENT_ID}"
api_key = "keyring"
base_url = "{server.url}"

[profiles.wrongid]
client_id = "999"
api_key_env = "SHOP1_KEY"
base_url = "{server.url}"
""",
    )
    fake = tmp_path / "fake_keyring"
    fake.mkdir()
    (fake / "keyring.py").write_text(
        "import os\n\ndef get_password(service, user):\n    return os.environ.get(f'FAKE_{service}_{user}')\n"
    )
    return {
        "OINT_CONFIG": path,
        "SHOP1_KEY": DEMO_API_KEY,
        "STRANGER_KEY": SECRET,
        "PYTHONPATH": str(fake),
        "FAKE_oint_vault": DEMO_API_KEY,
    }


def _items(r: CliResult) -> list[Any]:
    assert r.code == 0, (r.out, r.err)
    items: list[Any] = r.json()["result"]["items"]
    return items


def test_cli_profile_calls(run_cli: Any, server_config: dict[str, str]) -> None:
    assert _items(run_cli("ozon", "GetProductList", "--profile", "shop1", env=server_config))
    assert _items(
        run_cli("ozon", "GetProductList", "--retries", "0", env={**server_config, "OINT_PROFILE": "shop1"})
    )
    assert _items(run_cli("ozon", "GetProductList", "--profile", "vault", env=server_config))  # keyring
    # explicit options beat the profile: its wrong client_id is replaced
    denied = run_cli("ozon", "GetProductList", "--profile", "wrongid", "--retries", "0", env=server_config)
    assert denied.code == 1
    assert _items(
        run_cli(
            "ozon", "GetProductList", "--profile", "wrongid", "--clientid", DEMO_CLIENT_ID, env=server_config
        )
    )
    # and the profile beats the environment
    env = {
        **server_config,
        "OZON_CLIENT_ID": "999",
        "OZON_API_KEY": SECRET,
        "OZON_BASE_URL": "http://127.0.0.1:1",
    }
    assert _items(run_cli("ozon", "GetProductList", "--profile", "shop1", env=env))


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["--profile", "nope"], {}, "unknown profile 'nope'"),
        (["--retries", "0"], {"OINT_PROFILE": "nope"}, "OINT_PROFILE: unknown profile 'nope'"),
        (["--profile", "shop1"], {"SHOP1_KEY": ""}, "environment variable SHOP1_KEY"),
        (["--profile", "vault"], {"PYTHONPATH": "NO_KEYRING"}, "keyring package is not installed"),
        (["--profile="], {}, "--profile: needs a profile name"),
        (["--profile", "shop1"], {"OINT_CONFIG": "/nonexistent/oint.toml"}, "no config file"),
    ],
)
def test_cli_profile_errors_exit_2(
    run_cli: Any,
    server_config: dict[str, str],
    tmp_path: Path,
    args: list[str],
    env: dict[str, str],
    needle: str,
) -> None:
    if env.get("PYTHONPATH") == "NO_KEYRING":  # even where keyring is installed: a package that fails
        env = {"PYTHONPATH": str(tmp_path / "no_keyring")}
        (tmp_path / "no_keyring" / "keyring").mkdir(parents=True)
        (tmp_path / "no_keyring" / "keyring" / "__init__.py").write_text("raise ImportError('no keyring')\n")
    r = run_cli("ozon", "GetProductList", *args, env={**server_config, **env})
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1 and "Traceback" not in r.err, (r.out, r.err)
    assert needle in r.err


def test_cli_lists_profiles(run_cli: Any, server_config: dict[str, str], tmp_path: Path) -> None:
    r = run_cli("profiles", env={**server_config, "SHOP1_KEY": ""})
    assert r.code == 0 and r.err == "", r.err
    lines = r.out.splitlines()
    assert lines[0] == f"Profiles in {server_config['OINT_CONFIG']}:"
    row = {line.split()[0]: line for line in lines[2:]}
    assert set(row) == {"shop1", "stranger", "vault", "wrongid"}
    assert DEMO_CLIENT_ID in row["shop1"] and row["shop1"].endswith(
        "environment variable SHOP1_KEY (not set)"
    )
    assert row["stranger"].endswith("environment variable STRANGER_KEY (set)")
    assert "OS keyring (service 'oint', user 'vault')" in row["vault"] and "999" in row["wrongid"]
    assert all(server_config["OINT_CONFIG"] and "127.0.0.1" in line for line in row.values())
    missing = run_cli("profiles", env={"OINT_CONFIG": str(tmp_path / "none.toml")})
    assert missing.code == 0 and "No profiles: no config file" in missing.out
    bad = write_config(tmp_path / "bad.toml", "[profiles.a\n")
    broken = run_cli("profiles", env={"OINT_CONFIG": bad})
    assert broken.code == 2 and "malformed TOML" in broken.err and "line 1" in broken.err
    assert run_cli("profiles", "extra").code == 2


# ---------------------------------------------------------------------------- the key never shows
def test_the_key_never_shows(
    run_cli: Any, server: SandboxServer, server_config: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every output, message and repr around a profile's key, grepped for the key."""
    seen: list[str] = []
    runs = [
        run_cli("ozon", "GetProductList", "--profile", "stranger", "--debug", env=server_config),  # 403
        run_cli("profiles", env=server_config),
        run_cli(
            "ozon",
            "GetProductList",
            "--profile",
            "stranger",
            "--base-url",
            "http://127.0.0.1:1",
            "--retries",
            "1",
            "--debug",
            env=server_config,
        ),  # connection refused, one retry logged
        run_cli(
            "ozon", "GetProductList", "--profile", "stranger", "--base-url", "ftp://x", env=server_config
        ),
        run_cli(
            "ozon",
            "GetProductList",
            "--profile",
            "stranger",
            "--out",
            "/nonexistent/x.json",
            env=server_config,
        ),
    ]
    server.fault(path="/v3/product/list", status=500, times=1)
    runs.append(run_cli("ozon", "GetProductList", "--profile", "stranger", "--debug", env=server_config))
    assert [r.code for r in runs] == [1, 0, 1, 2, 2, 1]
    assert "retry 1" in runs[2].err  # the debug log was on
    seen += [r.out + r.err for r in runs]

    for name, value in server_config.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=lambda s, u: SECRET))
    for profile in ("stranger", "vault"):
        for cls in (OzonClient, AsyncOzonClient):
            c = cls(profile=profile, transport=_NoTransport())  # type: ignore[arg-type]
            assert c._api_key == SECRET  # the key is there, and only there
            seen += [repr(c), str(c)]
    with OzonClient(profile="stranger", max_retries=0) as c:
        try:
            c.get_product_list()
        except Exception as e:  # the 403
            seen += [str(e), repr(e), repr(e.__dict__)]
    seen += [repr(load_profiles()), str(load_profile("stranger"))]
    assert len(seen) > 10
    for text in seen:
        assert SECRET not in text, text


def test_profiles_load_only_when_chosen(tmp_path: Path) -> None:
    """No profile: neither the profile module nor a TOML parser is imported; a profile from an
    environment variable does not import keyring."""
    config = write_config(tmp_path / "c.toml", '[profiles.p]\nclient_id = 1\napi_key_env = "K"\n')
    code = (
        "import os, sys\nfrom oint.apps.cli.main import main\n"
        "main(sys.argv[1:])\n"
        "print(sorted(m for m in sys.modules if m in ('oint.core.profiles', 'tomllib', 'tomli', 'keyring')),"
        " file=sys.stderr)\n"
    )
    call = ["ozon", "GetProductList", "--base-url", "http://127.0.0.1:1", "--retries", "0"]
    env = {"OINT_CONFIG": config, "K": "key", "PATH": os.environ.get("PATH", "")}
    plain = subprocess.run(
        [sys.executable, "-c", code, *call, "--clientid", "1", "--apikey", "k"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert plain.stderr.splitlines()[-1] == "[]", plain.stderr
    chosen = subprocess.run(
        [sys.executable, "-c", code, *call, "--profile", "p"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    loaded = chosen.stderr.splitlines()[-1]
    assert "oint.core.profiles" in loaded and "toml" in loaded and "keyring" not in loaded, chosen.stderr
