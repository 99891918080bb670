#!/usr/bin/env python3
"""SMTP sink for integration tests: accepts mail for anyone and keeps every message.

Each accepted DATA becomes <n>.eml (the bytes as received) and <n>.json (the envelope and
the client's port, which tells its connections apart) in --maildir, each written
atomically, sidecar first, so a reader that sees the .eml also finds its .json. Faults: a recipient whose local part starts with "reject-perm" or
"reject-temp" is refused at RCPT; the file "sink-mode" beside the maildir switches every
DATA to "tempfail" (451), "permfail" (554) or "drop" (connection closed, nothing kept);
the file "sink-delay" holds milliseconds each DATA waits before its answer (a slow relay).
It offers PIPELINING (RFC 2920), as Postfix does, so that Sendguard's deliveries take
their pipelined path.

Usage: smtp_sink.py --port N --maildir DIR   (0 picks a free port; prints "LISTENING <port>")
"""
import argparse
import asyncio
import datetime
import json
import os
from pathlib import Path

from aiosmtpd.smtp import SMTP


class Sink:
    """aiosmtpd handler. Runs on one event loop, so its counter needs no lock."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.mode_file = maildir.parent / "sink-mode"
        self.delay_file = maildir.parent / "sink-delay"
        # Continue numbering after a restart on the same maildir instead of overwriting.
        numbers = [int(p.stem) for p in maildir.glob("*.eml") if p.stem.isdigit()]
        self.next_number = max(numbers, default=0) + 1

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # aiosmtpd reads each command from its stream in turn, so commands sent together
        # are answered in order, as RFC 2920 asks; it only does not say so.
        session.host_name = hostname
        return responses[:-1] + ["250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local_part = address.rpartition("@")[0].lower()
        if local_part.startswith("reject-perm"):
            return "550 5.1.1 mailbox unavailable"
        if local_part.startswith("reject-temp"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay_seconds())
        mode = self.mode()
        if mode == "tempfail":
            return "451 4.3.0 try again later"
        if mode == "permfail":
            return "554 5.0.0 transaction failed"
        if mode == "drop":
            server.transport.abort()
            return "421 4.4.2 dropped"  # never reaches the client
        name = f"{self.next_number:06d}"
        self.next_number += 1
        sidecar = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                   "mail_options": envelope.mail_options, "client_port": session.peer[1],
                   "received_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
        self.write(f"{name}.json", json.dumps(sidecar).encode())
        self.write(f"{name}.eml", envelope.original_content)
        return f"250 2.0.0 OK queued as {name}"

    def mode(self):
        try:
            return self.mode_file.read_text().strip()
        except FileNotFoundError:
            return ""

    def delay_seconds(self):
        try:
            return int(self.delay_file.read_text().strip() or 0) / 1000
        except FileNotFoundError:
            return 0

    def write(self, name, data):
        temp = self.maildir / f".{name}.tmp"
        temp.write_bytes(data)
        os.replace(temp, self.maildir / name)


async def serve(host, port, maildir):
    sink = Sink(maildir)
    loop = asyncio.get_running_loop()
    # An explicit hostname avoids a DNS lookup per connection.
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test", ident="Sendguard test sink",
                     enable_SMTPUTF8=True),
        host, port, backlog=512)
    print(f"LISTENING {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description="SMTP sink for integration tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args()
    args.maildir.mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(args.host, args.port, args.maildir))


if __name__ == "__main__":
    main()
