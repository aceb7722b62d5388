#!/usr/bin/env python3
"""fire.py URL POOL CONNS [OUT]: sends every request of a pool file once.

The pool is tests/bench/prepare.py's format (path, one header line, body
length, body).  CONNS connections (threads, keep-alive) share the requests
in order.  Prints {"status": {code: n}, "seconds": s}; with OUT, also
writes one line per request: index, status, and the outcome or error code
from the JSON answer.  Loopback only; bounded by the pool's size and a
10 s timeout per request.  Standard library only.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


def read_pool(path):
    reqs = []
    with open(path, 'rb') as f:
        while True:
            p = f.readline()
            if not p:
                break
            header = f.readline().decode().rstrip('\n')
            n = int(f.readline())
            body = f.read(n)
            f.read(1)
            name, value = header.split(':', 1)
            ctype = 'application/json' if body[:1] == b'{' else 'application/x-www-form-urlencoded'
            reqs.append((p.decode().rstrip('\n'), {name: value.strip(), 'Content-Type': ctype}, body))
    return reqs


def main(url, pool, conns, out=None):
    u = urllib.parse.urlparse(url)
    assert u.hostname in ('127.0.0.1', 'localhost'), 'loopback only'
    reqs = read_pool(pool)
    results = [None] * len(reqs)
    lock = threading.Lock()
    nxt = [0]

    def worker():
        c = None
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(reqs):
                break
            path, headers, body = reqs[i]
            for attempt in (1, 2):
                try:
                    if c is None:
                        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
                    c.request('POST', path, body=body, headers=headers)
                    r = c.getresponse()
                    data = r.read()
                    try:
                        j = json.loads(data)
                        what = j.get('outcome') or (j.get('error') or {}).get('code') or '-'
                    except ValueError:
                        what = 'not-json'
                    results[i] = (r.status, what)
                    break
                except (http.client.HTTPException, OSError) as e:
                    # A connection nginx closed between requests: once more
                    # on a new one; a second failure is the answer.
                    c = None
                    if attempt == 2:
                        results[i] = (0, type(e).__name__)
    t0 = time.time()
    ts = [threading.Thread(target=worker) for _ in range(int(conns))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    status = {}
    for r in results:
        status[str(r[0])] = status.get(str(r[0]), 0) + 1
    if out:
        with open(out, 'w') as f:
            for i, r in enumerate(results):
                f.write('%d %d %s\n' % (i, r[0], r[1]))
    print(json.dumps({'status': status, 'seconds': round(time.time() - t0, 2)}))


if __name__ == '__main__':
    main(*sys.argv[1:])
