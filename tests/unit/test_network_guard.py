"""The suite's own network guard (tests/conftest.py): loopback only."""

from __future__ import annotations

import socket

import pytest
import pytest_socket


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_a_non_loopback_connection_is_blocked_before_it_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def connect_for_real(*args: object) -> None:
        pytest.fail(f"the guard let a connection through: {args}")

    monkeypatch.setattr(pytest_socket, "_true_connect", connect_for_real)
    with socket.socket() as sock, pytest.raises(pytest_socket.SocketConnectBlockedError):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed


def test_loopback_connections_work() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            peer, _ = server.accept()
            with peer:
                client.sendall(b"ping")
                assert peer.recv(4) == b"ping"
