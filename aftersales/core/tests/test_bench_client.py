"""The case-creation benchmark's HTTP client reads every response framing a server may use.

bench/bench_case_create.py counts responses with a plain-socket HTTP/1.1 client (a lighter load
generator than http.client); a response it misread would be miscounted or hang the benchmark.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest


def _serve(*answers: bytes) -> tuple[socket.socket, socket.socket]:
    """Send ``answers`` (all at once, possibly split) from a loopback server; return the client
    socket and the server's end."""
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    listener.close()

    def send() -> None:
        for answer in answers:
            server.sendall(answer)

    threading.Thread(target=send).start()
    return client, server


def _read(bench: Any, count: int, *answers: bytes) -> tuple[list[tuple[str, bool]], bytes]:
    """Serve ``answers``, read ``count`` responses; return them and the bytes left over."""
    client, server = _serve(*answers)
    buffer = bytearray()
    try:
        return [bench._read_response(client, buffer) for _ in range(count)], bytes(buffer)
    finally:
        client.close()
        server.close()


def test_content_length_keep_alive_and_pipelined_bytes(bench: Any) -> None:
    first = b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello"
    second = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}"
    chunks = (first[:20], first[20:] + second[:10], second[10:])
    assert _read(bench, 2, *chunks) == ([("201", False), ("400", False)], b"")


def test_connection_close_and_http_10(bench: Any) -> None:
    answer = b"HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc"
    assert _read(bench, 1, answer) == ([("201", True)], b"")
    http_10 = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert _read(bench, 1, http_10) == ([("200", True)], b"")


def test_chunked_body(bench: Any) -> None:
    answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
    )
    assert _read(bench, 2, answer[:40], answer[40:]) == ([("200", False), ("204", False)], b"")


def test_body_to_the_end_of_the_connection(bench: Any) -> None:
    client, server = _serve(b"HTTP/1.1 200 OK\r\n\r\nall of it")
    threading.Timer(0.1, server.close).start()
    assert bench._read_response(client, bytearray()) == ("200", True)
    client.close()


def test_a_connection_closed_early_is_an_error(bench: Any) -> None:
    client, server = _serve(b"HTTP/1.1 201 Created\r\nContent-Length: 10\r\n\r\nshort")
    threading.Timer(0.1, server.close).start()
    with pytest.raises(bench._Closed):
        bench._read_response(client, bytearray())
    client.close()


def test_no_body_statuses_trailers_and_connection_tokens(bench: Any) -> None:
    answer = (
        b"HTTP/1.1 204 No Content\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 99\r\n\r\n"
        b"3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n"
    )
    expected = [("204", False), ("200", False), ("201", True)]
    assert _read(bench, 3, answer[:30], answer[30:90], answer[90:]) == (expected, b"")
