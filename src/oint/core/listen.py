"""The listening sockets of oint's servers (`oint sandbox serve`, `oint mcp --http`, `oint serve`),
bound before uvicorn starts so that a busy port or an address this machine does not have is one
line naming the address (a `UsageError`: exit 2), not uvicorn's log and exit 3."""

from __future__ import annotations

import errno
import os
import socket

from oint.core.errors import UsageError

_WHY = {
    errno.EADDRINUSE: "the port is in use (another server listens there; choose another port)",
    errno.EADDRNOTAVAIL: "this machine has no such address",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
}


def shown(host: str, port: int) -> str:
    """`host:port`, with an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listening_sockets(host: str, port: int, backlog: int = 2048) -> list[socket.socket]:
    """Sockets listening on every address `host` stands for (as asyncio's servers do, e.g. both
    127.0.0.1 and ::1 for localhost), at `port` (0: a free one, the same for all). UsageError,
    one line naming the address, when it cannot be done."""
    where = shown(host, port)
    if not 0 <= port <= 65535:
        raise UsageError(f"cannot listen on {where}: a port is a number from 0 to 65535")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as e:
        why = e.strerror if isinstance(e, socket.gaierror) and e.strerror else str(e)
        raise UsageError(f"cannot listen on {where}: no such address ({why})") from None
    socks: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys((f, k, p, "", a) for f, k, p, _, a in found):
            sock = socket.socket(family, kind, proto)
            socks.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(socks) > 1:  # the port the first socket was given
                address = (address[0], socks[0].getsockname()[1], *address[2:])
            sock.bind(address)
            sock.listen(backlog)
    except OSError as e:
        for sock in socks:
            sock.close()
        why = _WHY.get(e.errno or 0) or (os.strerror(e.errno) if e.errno else str(e))
        raise UsageError(f"cannot listen on {where}: {why}") from None
    return socks
