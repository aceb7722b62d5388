#!/usr/bin/python3
"""A real HTTP receiver for the notification tests, on 127.0.0.1.

    receiver.py serve PORT LOG     answer requests until killed; each is a
                                   JSON line of LOG once its body is read
    receiver.py verify LOG PREFIX SECRET [SECRET...]
                                   check the signature of every recorded
                                   webhook whose path starts with PREFIX
                                   as the Standard Webhooks reference
                                   verifier does; prints "ok N" or why not

What it answers depends on the path, so one receiver plays every
destination a test needs:

    /ok/...                 200
    /status/N/...           status N
    /fail-first/N/...       500 for the first N requests to this path, then 200
    /sleep/S/...            sleep S seconds, then 200
    /sleep-first/N/S/...    sleep S seconds on the first N requests, then 200
    /close/...              close the connection without an answer
    /big/...                200 with a 10 MB body
    /redirect/...           302 to /ok/
    /badutf8/...            500 with a body of invalid UTF-8 and control bytes
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SEEN = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The answer's headers and body are two writes: with Nagle's algorithm
    # the body would wait for the ACK of the headers, which the client
    # delays (40 ms on Linux), and every delivery would take that long.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        parts = [p for p in self.path.split("/") if p]
        with LOCK:
            SEEN[self.path] = SEEN.get(self.path, 0) + 1
            count = SEEN[self.path]
            with open(self.server.log, "a") as f:
                f.write(json.dumps({
                    "path": self.path,
                    "at": time.time(),
                    "count": count,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode("utf-8", "replace"),
                }) + "\n")
        mode = parts[0] if parts else "ok"
        if mode == "sleep":
            time.sleep(float(parts[1]))
        if mode == "sleep-first" and count <= int(parts[1]):
            time.sleep(float(parts[2]))
        if mode == "close":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if mode == "status":
            return self.answer(int(parts[1]), b'{"ok":false}')
        if mode == "fail-first" and count <= int(parts[1]):
            return self.answer(500, b"try again later")
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/ok/redirected")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "badutf8":
            return self.answer(500, b"\xff\xfe bad \xc3\x28 \x1b[31m\r\nX-Injected: 1\x00")
        if mode == "big":
            self.send_response(200)
            self.send_header("Content-Length", str(10 * 1024 * 1024))
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(160):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return
        self.answer(200, b'{"ok":true}')

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass


def serve(port, log):
    srv = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    srv.daemon_threads = True
    srv.log = log
    open(log, "a").close()
    srv.serve_forever()


def verify_one(headers, body, secrets):
    """The Standard Webhooks reference verifier (standardwebhooks, Python):
    the signed content is "<id>.<timestamp>.<body>"; the key is the
    Base64 after "whsec_"; webhook-signature is a space-separated list of
    "v1,<base64>", and one match is enough; the timestamp must be within
    five minutes."""
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature")
    if not msg_id or not ts or not sigs:
        return "missing headers"
    if abs(time.time() - int(ts)) > 300:
        return "timestamp too old or new"
    content = ("%s.%s." % (msg_id, ts)).encode() + body.encode("utf-8")
    for secret in secrets:
        key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
        expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
        for versioned in sigs.split(" "):
            version, _, sig = versioned.partition(",")
            if version == "v1" and hmac.compare_digest(sig, expected):
                return None
    return "no signature matches"


def verify(log, prefix, secrets):
    n = 0
    for line in open(log):
        r = json.loads(line)
        if not r["path"].startswith(prefix):
            continue
        if "webhook-id" not in r["headers"]:
            print("bad: a request without webhook-id")
            return 1
        why = verify_one(r["headers"], r["body"], secrets)
        if why:
            print("bad %s: %s" % (r["headers"].get("webhook-id"), why))
            return 1
        n += 1
    print("ok %d" % n)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 5 and sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2], sys.argv[3], sys.argv[4:]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
