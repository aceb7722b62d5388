#!/usr/bin/python3
"""A real SMTP server for the notification tests (aiosmtpd), on 127.0.0.1.

    smtp.py PORT LOG [USER:PASSWORD]

Saves each message as a JSON line of LOG: the envelope (mail_from,
rcpt_tos), the message as received (data, CRLF line ends kept) and the
user that authenticated, if any.  With USER:PASSWORD the server requires
AUTH (PLAIN or LOGIN, over plain text: auth_require_tls=False) and
refuses any other credential.
"""
import json
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Saver:
    def __init__(self, log):
        self.log = log

    async def handle_DATA(self, server, session, envelope):
        with open(self.log, "a") as f:
            f.write(json.dumps({
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "data": envelope.original_content.decode("utf-8", "replace"),
                "user": session.auth_data if session.authenticated else None,
                "at": time.time(),
            }) + "\n")
        return "250 OK saved"


def main():
    port, log = int(sys.argv[1]), sys.argv[2]
    open(log, "a").close()
    kw = {}
    if len(sys.argv) > 3:
        user, _, password = sys.argv[3].partition(":")

        def check(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode() == user and
                  auth_data.password.decode() == password)
            return AuthResult(success=ok, auth_data=user if ok else None)

        kw = dict(authenticator=check, auth_require_tls=False, auth_required=True)
    ctl = Controller(Saver(log), hostname="127.0.0.1", port=port, **kw)
    ctl.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        ctl.stop()


if __name__ == "__main__":
    main()
