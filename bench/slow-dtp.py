#!/usr/bin/env python3
"""A slow DTP-shaped upstream for bench/run's admission scenario.

GET /tasks/{id} answers a DTP TaskResponse after --delay seconds (3 by default), to any number of
concurrent connections; POST /tasks answers 201 at once with increasing ids, so that TaskPilot can
bind web tasks to it; PUT /tasks/{id}/cancel answers 409 at once. HTTP/1.1 with keep-alive, one
asyncio task per connection; no dependency outside the standard library.

Usage: bench/slow-dtp.py [--port 19100] [--delay 3]
"""
import argparse
import asyncio
import itertools
import json
import re

TIMESTAMP = "2026-01-27T19:30:24.639878Z"
next_id = itertools.count(1)


def task(task_id, status):
    """A TaskResponse as the DTP contract shapes it."""
    return {
        "id": task_id, "type": "demo",
        "payload": json.dumps({"webTaskId": task_id, "type": "demo", "payload": "bench"}, separators=(",", ":")),
        "status": status, "createdAt": TIMESTAMP, "updatedAt": TIMESTAMP, "scheduledFor": TIMESTAMP,
        "processingStartedAt": None, "completedAt": None, "workerId": None, "attemptCount": 0,
        "maxAttempts": 3, "nextRunAt": None, "lastError": None, "retryState": "READY_TO_PROCESS/NOT_QUEUED",
    }


async def answer(method, path, delay):
    """(status, body object) for one request."""
    if method == "POST" and path == "/tasks":
        return 201, task(next(next_id), "PENDING")
    if method == "GET" and (match := re.fullmatch(r"/tasks/(\d+)", path)):
        await asyncio.sleep(delay)
        return 200, task(int(match.group(1)), "PENDING")
    if method == "PUT" and re.fullmatch(r"/tasks/\d+/cancel", path):
        return 409, {"message": "Cannot cancel task in state SUCCEEDED"}
    return 404, {"message": f"No route for {method} {path}"}


async def read_request(reader):
    """(method, path, keep_alive) of the next request on the connection, or None at its end."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, version = lines[0].split(" ", 2)
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:] if line)}
    length = int(headers.get("content-length", "0"))
    if length:
        await reader.readexactly(length)
    keep_alive = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
    return method, path, keep_alive


async def serve(reader, writer, delay):
    try:
        while True:
            method, path, keep_alive = await read_request(reader)
            status, body = await answer(method, path, delay)
            data = json.dumps(body, separators=(",", ":")).encode()
            reason = {200: "OK", 201: "Created", 404: "Not Found", 409: "Conflict"}[status]
            writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(data)}\r\nConnection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n".encode() + data)
            await writer.drain()
            if not keep_alive:
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=19100)
    parser.add_argument("--delay", type=float, default=3.0)
    arguments = parser.parse_args()
    server = await asyncio.start_server(lambda r, w: serve(r, w, arguments.delay), "127.0.0.1", arguments.port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
