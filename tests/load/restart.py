#!/usr/bin/env python3
"""Load test across a graceful restart of the token server, on loopback only.

    python3 tests/load/restart.py [--connections 300] [--duration 20] [--kill]

The script is the socket-activation supervisor (systemd's protocol, docs/configuration.md): it
binds 127.0.0.1:0 itself and starts the token server with that listening socket as file
descriptor 3 (`LISTEN_PID=$$ LISTEN_FDS=1 exec token-server`). CONNECTIONS keep-alive HTTP/1.1
clients send `GET /api/video/token?room=..&user=..` one after another on their connection and
check that every answer is a 200 JSON join ticket with a token for that user and room. At
--restart-at of the duration the script restarts the server gracefully:

1. starts a second server process on the same socket;
2. waits until that process answers: it logs `starting service`, then fresh probe connections
   (`GET /healthz`) go out until its own access log shows one (both processes accept from the
   one queue, so a probe reaches either);
3. notes which client connections the first process holds (from /proc), sends it SIGTERM
   (SIGKILL with --kill, a self-test that must fail) and waits for it to exit.

The clients go on until the duration is over, and at least 3 s after the first process exited.
Then the second process gets SIGTERM.

Each request written to a connection ends as exactly one of:

- passed: a complete response, status 200, a JSON body with a JWT in `token` (three non-empty
  dot-separated parts), and the `identity` and `room` that were asked for.
- error: a complete response with another status (also counted as non_2xx), or a 200 whose body
  is wrong, or a response that is not HTTP/1.1. A connection that cannot be opened is an error
  too (no request was written).
- dropped: part of a response and then the connection closed; or no response within
  --request-timeout; or the connection closed with no response byte in any case that the next
  item does not allow. Also, by count: each token answer more in the servers' access logs, or
  token more in their audit logs, than the clients received.
- retried: the connection closed with no response byte and the server closed it as idle. RFC
  9112 section 9.3.1 lets a client retry an idempotent request then, and section 9.5 describes
  the race (a request on its way while the server closes a connection it sees as idle). This
  client retries once, at once, on a new connection; the retry counts as a request of its own.
  "The server closed it as idle" is established in one of two ways:
  - unread: the connection was reset (TCP state CLOSE, read from TCP_INFO, at once or within 2 s
    of the FIN). Linux resets a connection closed with unread data in its receive buffer: the
    server process never read the request.
  - drained: the close was clean (the server process had read the bytes) and came from the old
    process during its graceful shutdown: the connection was one the old process held when it was
    signalled (its fds in /proc matched against /proc/net/tcp), the close came after the signal,
    and the process then exited with status 0 before its 30 s shutdown timeout (a forced
    shutdown would cut requests short). actix-http's graceful drain answers the request it is
    working on (with `Connection: close`) and closes the connection when no request is started;
    bytes it has read of a request it will not start are discarded.
  Everything else without a response byte is dropped: a close by the new process, a close
  before the signal, and every close under SIGKILL (exit status -9), where the requests the old
  process was working on are lost.
  With --strict, no close is allowed: the numbers a client that never retries would see.
- reconnects (not requests): a keep-alive connection found closed before the next request was
  written, or answered with `Connection: close`; the client opens a new connection.

Passes when errors (non_2xx among them) and dropped are 0, both processes exited 0 on SIGTERM,
and each served requests (their access logs, which --extra-env must leave at level info). The
last line reads `load: N passed, M failed`, N = passed requests and M = errors + dropped, plus 1
for each of those process checks that failed; the exit status is non-zero on failure. A summary
JSON goes to --summary (default target/load/summary.json) and the two server logs beside it.
Rate limits are turned off (RATE_LIMIT_*_PER_MINUTE=0): every request comes from 127.0.0.1.

Traffic goes only to the 127.0.0.1 socket this script binds; every loop is bounded in time.
Linux only (TCP_INFO, /proc). Python standard library only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TCP_STATE_CLOSE = 7  # linux/include/net/tcp_states.h: after a reset; CLOSE_WAIT (8) after a FIN only
SHUTDOWN_TIMEOUT_S = 30.0  # the server's graceful shutdown timeout (startup.rs)
EXIT_WAIT_S = SHUTDOWN_TIMEOUT_S + 15.0
RESET_WAIT_S = 2.0  # after a clean close with no response byte: how long a reset may take to follow
# With access lines on, the audit record of an issued token ends that request's access line, which
# is then logged under token_server::audit: `...audit] GET /api/video/token 200 0.1ms token issued ...`.
AUDIT_IDENTITY = re.compile(r'token_server::audit\] (?:GET \S* \d{3} \S*ms )?token issued .*? identity="([^"]*)"')
ACCESS_LINE = re.compile(r"token_server::(?:access|audit)\] GET (/\S*) (\d{3}) ")


@dataclass
class Counters:
    sent: int = 0
    passed: int = 0
    non_2xx: int = 0
    errors: int = 0
    dropped: int = 0
    bad_bodies: int = 0
    reconnects: int = 0
    connects: int = 0
    # Requests closed with no response byte, judged once the old process exited: reset (user),
    # clean close (client port, when, user).
    unread: list[str] = field(default_factory=list)
    clean_closes: list[tuple[int, float, str]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    examples: dict[str, list[str]] = field(default_factory=dict)
    timeline: list[tuple[float, str]] = field(default_factory=list)

    def note(self, kind: str, text: str) -> None:
        bucket = self.examples.setdefault(kind, [])
        if len(bucket) < 5:
            bucket.append(text)


class Dropped(Exception):
    """The request got part of a response, or none in time."""


class ClosedUnread(Exception):
    """No response byte, connection reset: the server never read the request."""


class ClosedClean(Exception):
    """No response byte, clean close: the server read the request's bytes."""


class ServerProcess:
    """One token server process on the supervisor's socket, its log in a file."""

    def __init__(self, name: str, binary: str, sock: socket.socket, env: dict[str, str], workdir: Path):
        self.name = name
        self.log_path = workdir / f"server-{name}.log"
        self.log = self.log_path.open("wb")
        fd = sock.fileno()

        def as_fd_3() -> None:
            os.dup2(fd, 3)  # inheritable; pass_fds keeps it open through close_fds

        self.proc = subprocess.Popen(
            ["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0"', binary],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            preexec_fn=as_fd_3,
            pass_fds=(3,),
            cwd=ROOT,
        )

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def served(self, path: str = "/api/video/token") -> dict[str, int]:
        counts: dict[str, int] = {}
        for match in ACCESS_LINE.finditer(self.log_text()):
            if match.group(1) == path:
                counts[match.group(2)] = counts.get(match.group(2), 0) + 1
        return counts

    def client_ports(self, server_port: int) -> set[int]:
        """The peer ports of the TCP connections this process holds to server_port."""
        inodes = set()
        fd_dir = Path(f"/proc/{self.proc.pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
        ports = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(local.split(":")[1], 16) == server_port:
                remote_port = int(remote.split(":")[1], 16)
                if remote_port:
                    ports.add(remote_port)
        return ports

    async def wait_started(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server {self.name} exited with {self.proc.returncode}:\n{self.log_text()}")
            if "starting service" in self.log_text():
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"server {self.name} did not start within {timeout} s:\n{self.log_text()}")

    async def wait_exit(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return self.proc.returncode
            await asyncio.sleep(0.05)
        return None

    def stop_now(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def tcp_state(writer: asyncio.StreamWriter) -> int | None:
    sock = writer.get_extra_info("socket")
    try:
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
    except (OSError, AttributeError):
        return None


async def read_response(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[int, dict, bytes]:
    """Reads one HTTP/1.1 response, or raises Dropped, ClosedUnread, ClosedClean or ValueError."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial:
            raise Dropped(f"connection closed after {len(error.partial)} bytes of the response head") from None
        # A FIN and no response byte. If the request's bytes were still unread when the server
        # closed the socket, a reset follows.
        deadline = time.monotonic() + RESET_WAIT_S
        while time.monotonic() < deadline:
            if tcp_state(writer) == TCP_STATE_CLOSE:
                raise ClosedUnread("FIN, then reset, no response byte") from None
            await asyncio.sleep(0.05)
        raise ClosedClean("FIN, no response byte, no reset: the server had read the request's bytes") from None
    except ConnectionResetError:
        raise ClosedUnread("reset, no response byte") from None
    lines = head.decode("latin-1").split("\r\n")
    match = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0] + " ")
    if not match:
        raise ValueError(f"not an HTTP/1.1 status line: {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    try:
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            raise ValueError("response without Content-Length or chunked encoding")
    except (asyncio.IncompleteReadError, ConnectionResetError):
        raise Dropped("connection closed in the middle of the response body") from None
    return int(match.group(1)), headers, body


def check_ticket(body: bytes, room: str, user: str) -> str | None:
    try:
        ticket = json.loads(body)
    except ValueError:
        return "body is not JSON"
    if not isinstance(ticket, dict):
        return "body is not a JSON object"
    token = ticket.get("token")
    if not isinstance(token, str) or token.count(".") != 2 or not all(token.split(".")):
        return "no JWT in `token`"
    if ticket.get("identity") != user or ticket.get("room") != room:
        return "identity or room differs from the request"
    return None


async def client(index: int, host_header: str, port: int, stop_at: list[float], args, counters: Counters) -> None:
    room = f"load-room-{index % 10}"
    sequence = 0
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    retry = is_retry = False
    while retry or time.monotonic() < stop_at[0]:
        await asyncio.sleep(0)  # lets the event loop see a close that came after the last answer
        if writer is not None and (reader.at_eof() or writer.is_closing()):
            counters.reconnects += 1  # closed while idle, before a request was written on it
            writer.close()
            reader = writer = None
        if writer is None:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
                counters.connects += 1
            except (OSError, asyncio.TimeoutError) as error:
                counters.errors += 1
                counters.note("connect", repr(error))
                await asyncio.sleep(0.1)
                continue
        is_retry, retry = retry, False
        client_port = writer.get_extra_info("sockname")[1]
        # A new identity for every request: the audit log then tells which requests the server
        # handled.
        sequence += 1
        user = f"load-{index}-{sequence}"
        request = (
            f"GET /api/video/token?room={room}&user={user} HTTP/1.1\r\nHost: {host_header}\r\n"
            f"User-Agent: openconnect-video-load-test\r\n{args.auth_header_line}\r\n"
        ).encode()
        started = time.monotonic()
        counters.sent += 1
        try:
            writer.write(request)
            status, headers, body = await asyncio.wait_for(read_response(reader, writer), args.request_timeout)
        except ClosedUnread as why:
            counters.unread.append(user)
            counters.note("no answer", str(why))
            retry = not is_retry  # once
        except ClosedClean as why:
            counters.clean_closes.append((client_port, time.monotonic(), user))
            counters.note("no answer", str(why))
            retry = not is_retry
        except Dropped as why:
            counters.dropped += 1
            counters.note("dropped", str(why))
        except asyncio.TimeoutError:
            counters.dropped += 1
            counters.note("dropped", f"no response within {args.request_timeout} s")
        except (ValueError, OSError) as error:
            counters.errors += 1
            counters.note("protocol", repr(error))
        else:
            counters.latencies.append(time.monotonic() - started)
            if not 200 <= status < 300:
                counters.non_2xx += 1
                counters.errors += 1
                counters.note(f"status {status}", body[:200].decode("utf-8", "replace"))
            elif (problem := check_ticket(body, room, user)) is not None:
                counters.bad_bodies += 1
                counters.errors += 1
                counters.note("bad body", problem)
            else:
                counters.passed += 1
            if headers.get("connection", "").lower() != "close":
                continue
            counters.reconnects += 1
        # Anything but a kept-alive answer: go on with a new connection.
        writer.close()
        reader = writer = None
    if writer is not None:
        writer.close()


async def probe(port: int, host_header: str) -> None:
    """One request on a fresh connection (it reaches whichever process accepts it first)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    try:
        writer.write(f"GET /healthz HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\n\r\n".encode())
        await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(args, counters: Counters, workdir: Path) -> dict:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    port = sock.getsockname()[1]
    host_header = f"127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES")}
    # Every request comes from 127.0.0.1: the per-address and per-identity rate limits would
    # answer 429 by design. This test is about restarts; --extra-env can turn them back on.
    env.update(RUST_LOG="info", RATE_LIMIT_IP_PER_MINUTE="0", RATE_LIMIT_IDENTITY_PER_MINUTE="0")
    for assignment in args.extra_env:
        name, _, value = assignment.partition("=")
        env[name] = value
    t0 = time.monotonic()

    def mark(event: str) -> None:
        counters.timeline.append((round(time.monotonic() - t0, 3), event))
        print(f"load: {time.monotonic() - t0:6.2f}s  {event}", flush=True)

    result: dict = {}
    old = ServerProcess("old", args.bin, sock, env, workdir)
    new: ServerProcess | None = None
    try:
        await old.wait_started(30)
        await probe(port, host_header)
        mark(f"old server (pid {old.proc.pid}) answers on {host_header}")

        stop_at = [time.monotonic() + args.duration]
        load_started = time.monotonic()
        clients = [
            asyncio.create_task(client(i, host_header, port, stop_at, args, counters)) for i in range(args.connections)
        ]
        mark(f"{args.connections} clients started")
        await asyncio.sleep(args.duration * args.restart_at)

        new = ServerProcess("new", args.bin, sock, env, workdir)
        await new.wait_started(30)
        probes = 0
        deadline = time.monotonic() + 20
        while not new.served("/healthz") and not new.served():
            if time.monotonic() > deadline or new.proc.poll() is not None:
                raise RuntimeError(f"the new server did not answer a probe within 20 s:\n{new.log_text()}")
            await probe(port, host_header)
            probes += 1
            await asyncio.sleep(0.02)
        mark(f"new server (pid {new.proc.pid}) answers, after {probes} probe connections")

        old_ports = old.client_ports(port)
        passed_before = counters.passed
        signum = signal.SIGKILL if args.kill else signal.SIGTERM
        old.proc.send_signal(signum)
        signalled_at = time.monotonic()
        mark(f"{signal.Signals(signum).name} to the old server, which holds {len(old_ports)} connections")
        old_status = await old.wait_exit(EXIT_WAIT_S)
        old_exit_s = time.monotonic() - signalled_at
        mark(f"old server exited with {old_status}, {old_exit_s:.2f} s after the signal")
        passed_during_shutdown = counters.passed - passed_before
        stop_at[0] = max(stop_at[0], time.monotonic() + 3)

        done, pending = await asyncio.wait(clients, timeout=stop_at[0] - time.monotonic() + args.request_timeout + 5)
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() is not None:
                counters.errors += 1
                counters.note("client crashed", repr(task.exception()))
        load_seconds = time.monotonic() - load_started
        mark(f"clients stopped ({len(pending)} still running were cancelled)")

        new.proc.send_signal(signal.SIGTERM)
        new_status = await new.wait_exit(EXIT_WAIT_S)
        mark(f"new server exited with {new_status}")

        # Judge the requests closed without an answer, now that the old process's exit is known.
        # Where the server writes an audit log, a request whose identity it names was handled:
        # its answer was lost, whatever the TCP close looked like.
        issued = AUDIT_IDENTITY.findall(old.log_text() + new.log_text())
        handled = set(issued)
        graceful = old_status == 0 and old_exit_s < SHUTDOWN_TIMEOUT_S and not args.strict
        retried_unread = retried_drained = 0
        for user in counters.unread:
            if user in handled or args.strict:
                counters.dropped += 1
                counters.note("dropped", f"reset with no response byte; {user} " + (
                    "is in the audit log" if user in handled else "(--strict)"))
            else:
                retried_unread += 1
        for client_port, at, user in counters.clean_closes:
            if user in handled:
                counters.dropped += 1
                counters.note("dropped", f"clean close with no response byte; {user} is in the audit log")
            elif graceful and client_port in old_ports and at >= signalled_at:
                retried_drained += 1
            else:
                counters.dropped += 1
                counters.note("dropped", f"clean close with no response byte at +{at - t0:.2f} s, not a graceful drain")
        # Every answer the servers logged must have reached a client: answers they produced that
        # no client received, beyond the dropped requests known already, are dropped too.
        served_old, served_new = old.served(), new.served()
        logged = sum(served_old.values()) + sum(served_new.values())
        received = counters.passed + counters.non_2xx + counters.bad_bodies
        for what, count in (("token answers in the access logs", logged), ("tokens in the audit logs", len(issued))):
            unaccounted = count - received - counters.dropped
            if unaccounted > 0:
                counters.dropped += unaccounted
                counters.note("dropped", f"{count} {what}, {received} received by the clients")
        result.update(
            old_exit=old_status,
            old_exit_seconds=round(old_exit_s, 3),
            new_exit=new_status,
            old_connections_at_signal=len(old_ports),
            retried_unread=retried_unread,
            retried_drained=retried_drained,
            probes=probes,
            served_old=served_old,
            served_new=served_new,
            answers_logged=logged,
            answers_received=received,
            tokens_issued_audit=len(issued),
            passed_during_shutdown=passed_during_shutdown,
            load_seconds=round(load_seconds, 2),
            cancelled_clients=len(pending),
        )
    finally:
        old.stop_now()
        if new is not None:
            new.stop_now()
        sock.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=int(os.environ.get("CONNECTIONS", 300)))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("DURATION", 20)), help="seconds")
    parser.add_argument("--restart-at", type=float, default=0.4, help="fraction of the duration (default 0.4)")
    parser.add_argument("--request-timeout", type=float, default=15.0, help="seconds (default 15)")
    parser.add_argument("--bin", default=os.environ.get("TOKEN_SERVER_BIN", str(ROOT / "target/debug/token-server")))
    parser.add_argument("--extra-env", action="append", default=[], metavar="NAME=VALUE", help="for both servers")
    parser.add_argument(
        "--auth-header",
        default=os.environ.get("LOAD_AUTH_HEADER", ""),
        metavar="'NAME: VALUE'",
        help="sent with every token request, e.g. 'Authorization: Bearer KEY' with "
        "--extra-env TOKEN_SERVER_AUTH=api-key (default: $LOAD_AUTH_HEADER; never printed)",
    )
    parser.add_argument("--kill", action="store_true", help="self-test: SIGKILL the old server; must fail")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="judge as a client that never retries: every request closed without an answer is dropped",
    )
    parser.add_argument("--summary", type=Path, default=ROOT / "target/load/summary.json")
    args = parser.parse_args()
    if not (1 <= args.connections <= 2000 and 1 <= args.duration <= 600 and 0 < args.restart_at < 1):
        parser.error("need 1..2000 connections, a duration of 1..600 s and 0 < --restart-at < 1")
    for assignment in args.extra_env:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", assignment) or assignment.split("=")[0] in ("HOST", "PORT"):
            parser.error("--extra-env takes NAME=VALUE (not HOST or PORT: the socket is the supervisor's)")

    args.auth_header_line = ""
    if args.auth_header:
        name, sep, value = args.auth_header.partition(":")
        if not sep or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name.strip()) or "\n" in value:
            parser.error("--auth-header takes 'Name: value'")
        args.auth_header_line = f"{name.strip()}: {value.strip()}\r\n"

    started = time.monotonic()
    counters = Counters()
    workdir = Path(tempfile.mkdtemp(prefix="load-restart-"))
    try:
        result = asyncio.run(run(args, counters, workdir))
    except (RuntimeError, OSError) as error:
        print(f"load: could not run: {error}", file=sys.stderr)
        print(f"load: {counters.passed} passed, {counters.errors + counters.dropped + 1} failed")
        return 1
    finally:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        for name in ("server-old.log", "server-new.log"):
            source = workdir / name
            if source.exists():
                (args.summary.parent / name).write_bytes(source.read_bytes())
                source.unlink()
        workdir.rmdir()

    failures = []
    if result["old_exit"] != 0:
        failures.append(f"old server exit status {result['old_exit']} (expected 0)")
    if result["new_exit"] != 0:
        failures.append(f"new server exit status {result['new_exit']} (expected 0)")
    if not result["served_old"] or not result["served_new"]:
        failures.append("each process must have served token requests (access logs)")
    failed = counters.errors + counters.dropped
    retried = result["retried_unread"] + result["retried_drained"]
    latencies = counters.latencies
    summary = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "binary": os.path.relpath(args.bin, ROOT),
        "connections": args.connections,
        "duration_s": args.duration,
        "signal": "SIGKILL (self-test)" if args.kill else "SIGTERM",
        "strict": args.strict,
        "requests_sent": counters.sent,
        "passed": counters.passed,
        "failed": failed + len(failures),
        "errors": counters.errors,
        "non_2xx": counters.non_2xx,
        "dropped": counters.dropped,
        "retried": retried,
        "reconnects": counters.reconnects,
        "connections_opened": counters.connects,
        "requests_per_s": round(counters.passed / result["load_seconds"], 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 2),
            "p99": round(percentile(latencies, 0.99) * 1000, 2),
            "max": round(max(latencies, default=0) * 1000, 2),
        },
        **result,
        "timeline": counters.timeline,
        "examples": counters.examples,
        "process_failures": failures,
        "wall_s": round(time.monotonic() - started, 1),
    }
    args.summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")

    print(
        f"load: {counters.sent} requests sent: {counters.passed} passed, {counters.errors} errors "
        f"({counters.non_2xx} non-2xx), {counters.dropped} dropped, {retried} retried as closed idle "
        f"({result['retried_unread']} unread, {result['retried_drained']} drained); "
        f"{counters.reconnects} reconnects, {counters.connects} connections opened"
    )
    print(
        f"load: {summary['requests_per_s']} requests/s over {result['load_seconds']} s with "
        f"{args.connections} connections; latency p50 {summary['latency_ms']['p50']} ms, "
        f"p99 {summary['latency_ms']['p99']} ms, max {summary['latency_ms']['max']} ms"
    )
    print(
        f"load: old server: {sum(result['served_old'].values())} token answers, {result['old_connections_at_signal']} "
        f"connections at the signal, exit status {result['old_exit']} after {result['old_exit_seconds']} s "
        f"({result['passed_during_shutdown']} tickets reached the clients meanwhile); new server: "
        f"{sum(result['served_new'].values())} token answers, exit status {result['new_exit']}; "
        f"{result['answers_logged']} answers logged, {result['tokens_issued_audit']} tokens in the audit logs, "
        f"{result['answers_received']} received"
    )
    for kind, texts in counters.examples.items():
        for text in texts[:2]:
            print(f"load:   e.g. {kind}: {text}")
    for failure in failures:
        print(f"load: FAILED {failure}")
    print(f"load: summary in {os.path.relpath(args.summary)}")
    print(f"load: {counters.passed} passed, {failed + len(failures)} failed")
    return 0 if failed == 0 and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
