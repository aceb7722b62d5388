#!/usr/bin/env python3
"""pglog.py POSTGRES.LOG: what PostgreSQL's own log says of a `make bench`
run, as one JSON line for results.json (group "pglog").

The bench's server logs its checkpoints (log_checkpoints), autovacuum runs
over a second (log_autovacuum_min_duration) and lock waits over 50 ms
(log_lock_waits, deadlock_timeout). The run marks each phase in the log
(`bench phase: NAME`, a RAISE LOG), and each of those is counted in the
phase it began in. A relation's number is named from pg_class (a TOAST
table by its table), through psql and the PG* variables.
"""
import json
import re
import subprocess
import sys

PHASE = re.compile(r'LOG:  bench phase: (.+)$')
WAIT = re.compile(r'process \d+ still waiting for (\w+) on (.+?) after ([0-9.]+) ms')
CKPT_START = re.compile(r'checkpoint starting: (.+)$')
CKPT_DONE = re.compile(r'checkpoint complete: wrote (\d+) buffers.*?write=([0-9.]+) s, '
                       r'sync=([0-9.]+) s, total=([0-9.]+) s')
AUTOVAC = re.compile(r'automatic (vacuum|analyze) of table "([^"]+)"')
ELAPSED = re.compile(r'elapsed: ([0-9.]+) s')
RELATION = re.compile(r'relation (\d+) of database \d+')


def lock_name(what, names):
    """'extension of relation 16500 of database 16384' -> 'extension of calls'."""
    def name(m):
        return names.get(m.group(1), 'relation ' + m.group(1))
    what = RELATION.sub(name, what)
    # A transaction's or a tuple's number says nothing across runs.
    what = re.sub(r'^transaction \d+', 'a transaction', what)
    what = re.sub(r'^tuple \([0-9,]+\) of ', 'a tuple of ', what)
    what = re.sub(r'^advisory lock \[[0-9,]+\]', 'an advisory lock', what)
    return what


def relation_names(oids):
    if not oids:
        return {}
    sql = ("SELECT c.oid, coalesce(o.relname || ' (its TOAST table)', c.relname) FROM pg_class c "
           "LEFT JOIN pg_class o ON o.reltoastrelid = c.oid WHERE c.oid = ANY ('{%s}'::oid[])"
           % ','.join(sorted(oids)))
    try:
        out = subprocess.run(['psql', '-X', '-At', '-F', '\t', '-c', sql], capture_output=True,
                             text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return dict(line.split('\t', 1) for line in out.splitlines() if '\t' in line)


def main(path):
    lines = open(path, errors='replace').read().splitlines()
    oids = set()
    for line in lines:
        m = WAIT.search(line)
        if m:
            oids.update(RELATION.findall(m.group(2)))
    names = relation_names(oids)
    phases, cur, pending, run = [], None, None, None
    for line in lines:
        m = PHASE.search(line)
        if m:
            cur = {'phase': m.group(1), 'checkpoints': [], 'autovacuum': {}, 'lock_waits': {}}
            phases.append(cur)
            continue
        if cur is None:
            continue
        m = CKPT_START.search(line)
        if m:
            pending = {'reason': m.group(1).strip()}
            cur['checkpoints'].append(pending)
            continue
        m = CKPT_DONE.search(line)
        if m and pending is not None:
            pending.update(buffers=int(m.group(1)), write_s=float(m.group(2)),
                           sync_s=float(m.group(3)), total_s=float(m.group(4)))
            pending = None
            continue
        m = AUTOVAC.search(line)
        if m:
            key = f'{m.group(1)} of {m.group(2).split(".")[-1]}'
            run = cur['autovacuum'].setdefault(key, {'runs': 0, 'seconds': 0.0})
            run['runs'] += 1
        # The run's time is on a line of its own message below it.
        e = ELAPSED.search(line)
        if e and run is not None:
            run['seconds'] = round(run['seconds'] + float(e.group(1)), 2)
            run = None
        if m:
            continue
        m = WAIT.search(line)
        if m:
            key = f'{m.group(1)} on {lock_name(m.group(2), names)}'
            lw = cur['lock_waits'].setdefault(key, {'count': 0})
            lw['count'] += 1
    print(json.dumps({'group': 'pglog', 'name': "PostgreSQL's log over the run", 'conns': 0,
                      'phases': phases,
                      'command': 'log_checkpoints, log_autovacuum_min_duration = 1000, log_lock_waits with '
                                 'deadlock_timeout = 50ms; postgres.log read by tests/bench/pglog.py'}))


if __name__ == '__main__':
    main(sys.argv[1])
