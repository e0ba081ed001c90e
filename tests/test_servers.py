"""tests.servers.ServerProcess, the real server the browser tests and benchmarks run."""

from __future__ import annotations

import http.client

from tests.servers import ServerProcess


def test_a_server_that_prints_a_lot_keeps_answering(empty_database_url, tmp_path):
    # With --access-log every request prints a line; 400 lines of ~300 bytes are well past the
    # 64 KiB a pipe holds. Output nobody reads would block the server's logging, and with it
    # every request, after a few hundred (the browser tests once hit this after ~10 tests).
    with ServerProcess(empty_database_url, tmp_path / "instance", "--access-log", workers=1) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        padding = "x" * 250
        for number in range(400):
            connection.request("GET", f"/healthz?n={number}&padding={padding}")
            response = connection.getresponse()
            response.read()
            assert response.status == 200, number
        connection.close()
        # The access log keeps the path, never the query's values (they can be search text or names).
        line = '"GET /healthz?n=[redacted]&padding=[redacted] HTTP/1.1" 200'
        assert server.wait_for_count(line, 400) and server.output.count(line) == 400
