#!/usr/bin/python3
"""A local HTTPS server that answers as the providers' APIs do, for the
reconciliation tests, on 127.0.0.1.

    providers.py serve PORT CERT KEY FIXTURES CONTROL LOG

It answers, each with its provider's authentication checked (401 else):

    GET /call/{id}                                         Vapi   Bearer VAPI_KEY
    GET /v2/get-call/{call_id}                             Retell Bearer RETELL_KEY
    GET /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json Twilio basic Sid:TWILIO_TOKEN

(the keys from the environment: PROVIDERS_VAPI_KEY, PROVIDERS_RETELL_KEY,
PROVIDERS_TWILIO_TOKEN).  What it answers about a call is the first line of
the file CONTROL/{id}, one of:

    fixture PATH     200: the call object built from the webhook fixture
                     FIXTURES/PATH, as the provider's API returns it
                     (Vapi: the end-of-call report's call with the report's
                     fields; Retell: call_analyzed's call; Twilio: the
                     final status callback as a call resource)
    status N [SECS]  status N (with Retry-After: SECS when given)
    hang             no answer for 30 s
    wrongshape       200: a JSON array
    notjson          200: not JSON
    huge             200: a body of 100 MB, streamed
    wrongid FIXTURE  200: the fixture's call under another id
    otheraccount PATH 200: the Twilio fixture under another account
    redirect URL     302 to URL

and 404 when there is no such file.  Each request is a line of LOG:
"METHOD PATH auth=ok|bad" (never the credentials).
"""
import base64
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
OTHER_ACCOUNT = "AC" + "f" * 32


def vapi_call(path):
    msg = json.load(open(path))["message"]
    call = dict(msg.get("call") or {})
    call["status"] = "ended"
    for k in ("endedReason", "artifact", "analysis", "cost", "costs", "costBreakdown",
              "startedAt", "endedAt", "customer", "phoneNumber", "assistant",
              "destination", "assistantVersion"):
        if k in msg and k not in call:
            call[k] = msg[k]
    return call


def retell_call(path):
    return json.load(open(path))["call"]


def twilio_call(path):
    form = dict(urllib.parse.parse_qsl(open(path).read().strip(), keep_blank_values=True))
    return {
        "sid": form.get("CallSid"), "account_sid": form.get("AccountSid"),
        "status": form.get("CallStatus"), "from": form.get("From"), "to": form.get("To"),
        "direction": form.get("Direction"), "duration": form.get("CallDuration"),
        "end_time": form.get("Timestamp"), "start_time": None,
        "caller_name": form.get("CallerName"), "answered_by": form.get("AnsweredBy"),
        "api_version": "2010-04-01",
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def route(self):
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        auth = self.headers.get("Authorization") or ""
        if len(parts) == 2 and parts[0] == "call":
            return "vapi", parts[1], auth == "Bearer " + os.environ.get("PROVIDERS_VAPI_KEY", "")
        if len(parts) == 3 and parts[:2] == ["v2", "get-call"]:
            return "retell", parts[2], auth == "Bearer " + os.environ.get("PROVIDERS_RETELL_KEY", "")
        if (len(parts) == 5 and parts[:2] == ["2010-04-01", "Accounts"] and parts[3] == "Calls"
                and parts[4].endswith(".json")):
            want = "Basic " + base64.b64encode(
                (parts[2] + ":" + os.environ.get("PROVIDERS_TWILIO_TOKEN", "")).encode()).decode()
            return "twilio", parts[4][:-5], auth == want
        return None, None, False

    def do_GET(self):
        provider, call_id, ok = self.route()
        with LOCK:
            with open(LOG, "a") as f:
                f.write("GET %s auth=%s\n" % (self.path, "ok" if ok else "bad"))
        if provider is None:
            return self.send(404, b'{"message":"no such route"}')
        if not ok:
            return self.send(401, b'{"message":"unauthorized"}')
        try:
            line = open(os.path.join(CONTROL, os.path.basename(call_id))).readline().split()
        except OSError:
            return self.send(404, b'{"message":"call not found"}')
        build = {"vapi": vapi_call, "retell": retell_call, "twilio": twilio_call}[provider]
        mode, args = line[0], line[1:]
        if mode == "fixture":
            return self.send(200, json.dumps(build(os.path.join(FIXTURES, args[0]))).encode())
        if mode == "status":
            h = [("Retry-After", args[1])] if len(args) > 1 else []
            return self.send(int(args[0]), b'{"message":"status"}', h)
        if mode == "hang":
            time.sleep(30)
            return self.send(200, b"{}")
        if mode == "wrongshape":
            return self.send(200, b'[{"id":"x"}]')
        if mode == "notjson":
            return self.send(200, b"<html>\x01\x1b[31m not json</html>")
        if mode == "wrongid":
            call = build(os.path.join(FIXTURES, args[0]))
            key = {"vapi": "id", "retell": "call_id", "twilio": "sid"}[provider]
            call[key] = "someone-else"
            return self.send(200, json.dumps(call).encode())
        if mode == "otheraccount":
            call = build(os.path.join(FIXTURES, args[0]))
            call["sid"] = call_id
            call["account_sid"] = OTHER_ACCOUNT
            return self.send(200, json.dumps(call).encode())
        if mode == "redirect":
            return self.send(302, b"", [("Location", args[0])])
        if mode == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(100 * 1024 * 1024))
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(1600):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return None
        return self.send(500, b'{"message":"unknown control"}')


def main():
    global FIXTURES, CONTROL, LOG
    if len(sys.argv) != 8 or sys.argv[1] != "serve":
        sys.exit(__doc__)
    port, cert, key, FIXTURES, CONTROL, LOG = sys.argv[2:]
    srv = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    srv.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
