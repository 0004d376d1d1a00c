"""The test servers of tests/services.py: Redis and PostgreSQL from Debian's packages answer, and stop."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest
from services import PostgresServer, RedisServer, ServiceMissing, redis_command


def test_redis_answers_and_is_emptied_between_tests(redis_url: str, redis_server: RedisServer) -> None:
    assert redis_url == f"redis://127.0.0.1:{redis_server.port}/0"
    assert redis_command(redis_server.port, "PING") == b"+PONG\r\n"
    assert redis_command(redis_server.port, "SET", "k", "v") == b"+OK\r\n"
    redis_server.flush()
    assert redis_command(redis_server.port, "GET", "k") == b"$-1\r\n"


def test_a_redis_killed_and_revived_answers_on_the_same_port() -> None:
    try:
        server = RedisServer.start()
    except ServiceMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{exc}; CI must install it (.ci/run)")
        pytest.skip(str(exc))
    try:
        server.kill()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", server.port), timeout=0.5).close()
        server.revive()
        assert redis_command(server.port, "PING") == b"+PONG\r\n"
    finally:
        server.stop()


def test_postgres_gives_a_fresh_database_per_test(postgres_url: str, postgres_server: PostgresServer) -> None:
    name = postgres_url.rsplit("/", 1)[1]
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(postgres_server.port),
            "-U",
            "postgres",
            "-d",
            name,
            "-tAc",
            "CREATE TABLE t (x int); INSERT INTO t VALUES (41), (1); SELECT sum(x) FROM t",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "42"
