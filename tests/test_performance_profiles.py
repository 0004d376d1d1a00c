"""Profiles hold the Performance API's credentials too: `performance_client_id` and a secret from an
environment variable or the OS keyring (never in the file); a profile may hold them alone."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from perf_fake import CLIENT_ID, SECRET, FakePerformance, FakeTransport

from oint.core.profiles import load_profile
from oint.ozon import OzonClient
from oint.performance import PerformanceClient, UsageError

CONFIG = f"""
[profiles.both]
client_id = "123"
api_key_env = "BOTH_KEY"
performance_client_id = "{CLIENT_ID}"
performance_secret_env = "BOTH_ADS"

[profiles.ads]
performance_client_id = "{CLIENT_ID}"
performance_secret = "keyring"

[profiles.seller]
client_id = "123"
api_key_env = "BOTH_KEY"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("OINT_CONFIG", str(path))
    for name in ("OINT_PROFILE", "OZON_PERFORMANCE_CLIENT_ID", "OZON_PERFORMANCE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_a_profile_gives_the_performance_credentials(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOTH_ADS", SECRET)
    server = FakePerformance()
    client = PerformanceClient(profile="both", transport=FakeTransport(server))
    client.list_bid_limits()  # the fake accepts only CLIENT_ID / SECRET
    assert client.client_id == CLIENT_ID and len(server.token_times) == 1
    assert SECRET not in repr(client) and SECRET not in repr(load_profile("both"))
    monkeypatch.delenv("BOTH_ADS")
    with pytest.raises(UsageError, match=r"environment variable BOTH_ADS .* is not set"):
        PerformanceClient(profile="both", transport=FakeTransport(server))


def test_a_profile_of_the_performance_api_alone(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str]] = []
    fake = types.ModuleType("keyring")

    def get_password(service: str, user: str) -> str | None:
        asked.append((service, user))
        return SECRET if (service, user) == ("oint", "ads:performance") else None

    fake.get_password = get_password  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    server = FakePerformance()
    PerformanceClient(profile="ads", transport=FakeTransport(server)).list_bid_limits()
    assert asked == [("oint", "ads:performance")] and len(server.token_times) == 1
    profile = load_profile("ads")
    assert profile.key_source == "no Seller API account" and "ads:performance" in str(
        profile.performance_source
    )
    with pytest.raises(UsageError, match="holds no Seller API account"):
        OzonClient(profile="ads", base_url="http://127.0.0.1:1")
    with pytest.raises(UsageError, match="holds no Performance API account"):
        PerformanceClient(profile="seller", transport=FakeTransport(server))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (f'performance_client_id = "x"\nperformance_secret = "{SECRET}"', "written in the file is refused"),
        ('performance_client_id = "x"', "no Performance API secret source"),
        ('performance_secret_env = "V"', "without performance_client_id"),
        (
            'performance_client_id = "x"\nperformance_secret_env = "V"\nperformance_secret = "keyring"',
            "either",
        ),
        ("performance_client_id = true\nperformance_secret_env = 'V'", "must be a string"),
    ],
)
def test_bad_performance_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[profiles.p]\n{table}\n", encoding="utf-8")
    monkeypatch.setenv("OINT_CONFIG", str(path))
    with pytest.raises(UsageError, match=message) as caught:
        load_profile("p")
    assert SECRET not in str(caught.value)
