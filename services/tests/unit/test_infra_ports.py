"""A port whose server stopped is free again at once, though its connections linger in TIME_WAIT."""

from __future__ import annotations

import socket

from motcua.infra.ports import LOOPBACK, listen_socket, port_is_free


def _closed_by_the_server_first() -> int:
    """A port whose server accepted a connection and closed it first (so the server's side of it waits in
    TIME_WAIT, as after a restart or a kill), then stopped listening."""
    server = listen_socket(LOOPBACK, 0)
    server.listen()
    port = int(server.getsockname()[1])
    client = socket.create_connection((LOOPBACK, port))
    accepted, _ = server.accept()
    accepted.close()
    client.recv(1)  # the server's FIN arrived
    client.close()
    server.close()
    return port


def test_a_port_in_time_wait_is_free_for_the_next_server() -> None:
    port = _closed_by_the_server_first()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as plain:
        try:
            plain.bind((LOOPBACK, port))
            lingering = False
        except OSError:
            lingering = True
    assert lingering, "the server's side of the connection waits in TIME_WAIT"
    assert port_is_free(port)


def test_a_port_something_listens_on_is_not_free() -> None:
    server = listen_socket(LOOPBACK, 0)
    server.listen()
    try:
        assert not port_is_free(int(server.getsockname()[1]))
    finally:
        server.close()
