#!/usr/bin/env python3
"""Request bodies for `make bench`, made from the fixtures.

  prepare.py vapi SIZE OUT        a Vapi end-of-call-report of about SIZE
                                  bytes, with @CALL@ for the call id and
                                  @PHONE@ for the caller's last 7 digits
  prepare.py vapi-status STATUS OUT
                                  a Vapi status-update, likewise
  prepare.py retell N KEY URL-PATH OUT
                                  N signed Retell call_analyzed requests
  prepare.py vapi-pool KIND N COPIES SECRET PATH OUT
                                  Vapi status updates for the fault tests:
                                  storm: N events, each COPIES times, shuffled;
                                  race: N new calls, each with COPIES events
                                  side by side; distinct: N events, N calls
  prepare.py twilio N TOKEN URL OUT [PATH]
                                  N signed Twilio `completed` callbacks to
                                  PATH (default: URL's path), signed for URL

A pool file holds one request after another: the path, one header line,
the body's length in bytes, then the body and a newline.  Every request
of a pool is a new call from one of 10,000 callers.  Standard library only.
"""
import base64
import copy
import hashlib
import hmac
import json
import os
import re
import sys
import time
import urllib.parse

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')
VAPI_CALL = '019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21'
VAPI_PHONE = '+14155550123'
# The Twilio call the fixture's Vapi call rides on: each bench call gets
# its own (@SID@, filled by load.lua), as each real call has.  One SID for
# every request would make them all legs of one Twilio call, each waiting
# on the lock of the one before.
VAPI_CALL_SID = 'CA1f0e2d3c4b5a69788796a5b4c3d2e1f0'


def vapi_report(size):
    d = json.load(open(os.path.join(FIX, 'vapi', 'inbound-completed.6.end-of-call-report.json')))
    m = d['message']
    art = m['artifact']
    if size < len(json.dumps(d)):
        # Drop the copies Vapi repeats, then messages, until it fits.
        for k in ('messagesOpenAIFormatted', 'nodes', 'variableValues', 'recording'):
            art.pop(k, None)
        m.pop('messages', None)
        m.pop('costBreakdown', None)
        while len(json.dumps(d)) > size and len(art['messages']) > 2:
            art['messages'].pop()
    else:
        turns = copy.deepcopy(art['messages'])
        text = m['transcript']
        while len(json.dumps(d)) < size:
            art['messages'].extend(copy.deepcopy(turns))
            m['messages'].extend(copy.deepcopy(turns))
            m['transcript'] += '\n' + text
            art['transcript'] = m['transcript']
    return json.dumps(d, ensure_ascii=False)


def vapi_status(status):
    n = {'ringing': 2, 'in-progress': 3}[status]
    path = os.path.join(FIX, 'vapi', 'inbound-completed.%d.status-update.%s.json' % (n, status))
    return open(path, encoding='utf-8').read()


def template(text):
    assert VAPI_CALL in text and VAPI_PHONE in text and VAPI_CALL_SID in text
    return (text.replace(VAPI_CALL, '@CALL@').replace(VAPI_PHONE, '+1415@PHONE@')
            .replace(VAPI_CALL_SID, 'CA@SID@'))


def callers():
    """The first of this scenario's 10,000 caller numbers (BENCH_CALLERS)."""
    return int(os.environ.get('BENCH_CALLERS', '0')) * 10000


def record(out, path, header, body):
    out.write(path.encode() + b'\n' + header.encode() + b'\n' + str(len(body)).encode() + b'\n')
    out.write(body + b'\n')


def retell_pool(n, key, path, out):
    d = json.load(open(os.path.join(FIX, 'retell', 'no-booking.3.call_analyzed.json')))
    base = json.dumps(d, ensure_ascii=False)
    call, phone = d['call']['call_id'], d['call']['from_number']
    sid = re.search(r'CA[0-9a-f]{32}', base).group(0)   # the Twilio call under it
    nonce = os.environ.get('BENCH_NONCE') or '%x' % int(time.time() * 1000)
    ts = str(int(time.time() * 1000))
    for i in range(n):
        body = (base.replace(call, 'call_bench_%s_%d' % (nonce, i))
                .replace(sid, 'CA%08x%024x' % (int(nonce, 16) & 0xffffffff, i))
                .replace(phone, '+1415%07d' % (callers() + i * 7919 % 10000))).encode()
        sig = hmac.new(key.encode(), body + ts.encode(), hashlib.sha256).hexdigest()
        record(out, path, 'x-retell-signature: v=%s,d=%s' % (ts, sig), body)


def twilio_pool(n, token, url, out, path=None):
    form = open(os.path.join(FIX, 'twilio', 'inbound-completed.form')).read().strip()
    pairs = urllib.parse.parse_qsl(form, keep_blank_values=True)
    nonce = '%08x' % (int(os.environ.get('BENCH_NONCE') or '%x' % int(time.time() * 1000), 16) & 0xffffffff)
    path = path or urllib.parse.urlparse(url).path
    for i in range(n):
        p = []
        for k, v in pairs:
            if k == 'CallSid':
                v = 'CA%s%024x' % (nonce, i)
            elif k in ('From', 'Caller'):
                v = '+1415%07d' % (callers() + i * 7919 % 10000)
            p.append((k, v))
        body = urllib.parse.urlencode(p).encode()
        s = url + ''.join(k + v for k, v in sorted(p))
        sig = base64.b64encode(hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()).decode()
        record(out, path, 'X-Twilio-Signature: ' + sig, body)


def vapi_pool(kind, n, copies, secret, path, out):
    import random
    rnd = random.Random(42)
    nonce = '%x' % int(time.time() * 1000)
    reqs = []
    for i in range(n):
        for k in range(copies if kind != 'distinct' else 1):
            call = 'fault-%s-%d' % (nonce, i)
            ts = 1767225600000 + (k if kind == 'race' else 0)
            body = json.dumps({'message': {'type': 'status-update', 'timestamp': ts,
                               'status': ['queued', 'ringing', 'in-progress'][k % 3] if kind == 'race' else 'queued',
                               'call': {'id': call, 'customer': {'number': '+1415%07d' % (i % 10000)}}}})
            reqs.append(body.encode())
    if kind == 'storm':
        rnd.shuffle(reqs)
    for body in reqs:
        record(out, path, 'x-vapi-secret: ' + secret, body)


def main(a):
    if a[0] == 'vapi':
        open(a[2], 'w', encoding='utf-8').write(template(vapi_report(int(a[1]))))
    elif a[0] == 'vapi-status':
        open(a[2], 'w', encoding='utf-8').write(template(vapi_status(a[1])))
    elif a[0] == 'retell':
        with open(a[4], 'wb') as out:
            retell_pool(int(a[1]), a[2], a[3], out)
    elif a[0] == 'vapi-pool':
        with open(a[6], 'wb') as out:
            vapi_pool(a[1], int(a[2]), int(a[3]), a[4], a[5], out)
    elif a[0] == 'twilio':
        with open(a[4], 'wb') as out:
            twilio_pool(int(a[1]), a[2], a[3], out, a[5] if len(a) > 5 else None)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
