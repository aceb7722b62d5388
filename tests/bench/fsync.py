#!/usr/bin/env python3
"""fsync.py DIR SECONDS: the disk under PostgreSQL, as a commit meets it.

Writes 8 kB to one file in DIR and waits for it to reach the disk
(fdatasync, PostgreSQL's wal_sync_method on Linux), over and over for
SECONDS, one at a time, and prints one JSON line for results.json (group
"disk"): the latencies' percentiles, and the stalls, each wait over
20 ms with its time into the run. A commit waits for its WAL this way,
so a stall holds every commit behind it, whatever the statement costs.
"""
import json
import os
import sys
import time


def main(d, seconds):
    path = os.path.join(d, 'bench-fsync.%d' % os.getpid())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    buf = b'\0' * 8192
    lat, stalls = [], []
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < seconds:
            s = time.monotonic()
            os.pwrite(fd, buf, 0)
            os.fdatasync(fd)
            ms = (time.monotonic() - s) * 1000
            lat.append(ms)
            if ms > 20:
                stalls.append({'at_s': round(s - t0, 2), 'ms': round(ms, 1)})
    finally:
        os.close(fd)
        os.unlink(path)
    lat.sort()
    q = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))], 3)
    print(json.dumps({'group': 'disk', 'name': 'fdatasync of 8 kB in the data directory', 'conns': 1,
                      'syncs': len(lat), 'seconds': seconds,
                      'latency_ms': {'p50': q(0.5), 'p99': q(0.99), 'p999': q(0.999), 'max': round(lat[-1], 1)},
                      'stalls': stalls, 'stall_ms': round(sum(x['ms'] for x in stalls), 1),
                      'command': 'tests/bench/fsync.py <the data directory> %d' % seconds}))


if __name__ == '__main__':
    main(sys.argv[1], float(sys.argv[2]))
