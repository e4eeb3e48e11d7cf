"""Connection flood: can 1,000 idle or trickling connections from one address lock Slack out?

Starts the bot as its own process (SQLite, the fake Slack, the console's sample registry, so it needs
nothing beside the repository), opens `--connections` sockets to it on loopback that send half a request
and then nothing (half of them) or one header line every 2 seconds (the other half), and meanwhile
measures how long /healthz and a signed `/ideas help` take. Bounded: it runs `--seconds` and stops.
Targets (issue 14): /healthz within 2 s, every ack within 3 s.

    python -m bench.connections [--connections 1000] [--seconds 40]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench import load
from fakeslack.sender import SlackSender
from fakeslack.server import FakeSlack

SAMPLE_REGISTRY = Path(__file__).resolve().parent.parent / "console" / "sample_registry.csv"


def flood(port: int, count: int, stop: threading.Event) -> tuple[int, int]:
    """Hold `count` connections until `stop`; returns (opened, closed by the server)."""
    held: list[socket.socket] = []
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            held.append(sock)
        except OSError:
            break
    closed = 0
    while not stop.wait(2.0):
        for sock in held[::2]:  # every other one trickles a header line
            try:
                sock.sendall(b"X-Trickle: 1\r\n")
            except OSError:
                closed += 1
    for sock in held:
        sock.close()
    return len(held), closed


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run(connections: int = 1000, seconds: float = 40.0) -> str:
    fake = FakeSlack().start()
    port = load.free_port()
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{folder}/bench.db"
        load.REGISTRY = SAMPLE_REGISTRY  # needs nothing beside the repository
        bot = load.start_bot(fake, database_url, port, Path(folder) / "bot.log")
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", load.SECRET, fake.response_url())
        stop = threading.Event()
        result: list[tuple[int, int]] = []
        flooding = threading.Thread(target=lambda: result.append(flood(port, connections, stop)))
        flooding.start()
        health: list[float] = []
        acks: list[float] = []
        failures = 0
        deadline = time.monotonic() + seconds
        try:
            time.sleep(3)  # let the connections open
            while time.monotonic() < deadline:
                try:
                    health.append(timed(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)))
                    reply = sender.command("/ideas", "help")
                    acks.append(reply.seconds)
                    failures += reply.status != 200
                except OSError:
                    failures += 1
                time.sleep(0.5)
        finally:
            stop.set()
            flooding.join()
            bot.terminate()
            bot.wait(10)
            fake.stop()
    opened, closed = result[0] if result else (0, 0)

    def figures(values: list[float]) -> str:
        if not values:
            return "none answered"
        p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
        return (
            f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"
        )

    return "\n".join(
        [
            f"connections opened and held: {opened} of {connections} ({closed} trickle writes failed), {seconds:.0f} s",
            f"/healthz ({len(health)} requests): {figures(health)} (target: within 2 s)",
            f"signed /ideas help ({len(acks)} requests): {figures(acks)} (target: every ack within 3 s)",
            f"failed requests: {failures}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=40.0)
    options = parser.parse_args()
    print(run(options.connections, options.seconds))


if __name__ == "__main__":
    main()
