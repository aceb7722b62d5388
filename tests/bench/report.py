#!/usr/bin/env python3
"""report.py RESULTS.JSON [HISTORY.TSV]: build/bench/report.md from
build/bench/results.json.

The targets are judged here and only reported: no figure fails a build.
With HISTORY.TSV (build/bench/history.tsv), the run's key figures are
appended to it as one line, and the report ends with the last runs', so
that a regression shows beside the runs before it.
"""
import json
import os
import sys
import time

TARGETS = {
    'vapi_ratio': 0.6,        # Vapi 5 KB ingest / the pgbench ceiling
    'rate_p99_ms': 20.0,      # p99 at half the peak rate, a 5 KB webhook
    'rate_p99_big_ms': 60.0,  # the same, a 300 KB Vapi report
    'dash_p95_ms': 25.0,      # list, search, 30-day stats
    'stats365_p95_ms': 100.0,
    'short_word_p95_ms': 100.0,  # a search by a one- or two-letter word
    'list_p50_ms': 4.0,       # the list's first page, end to end
    'list_p95_ms': 8.0,
    'private_kb': 3 * 1024,   # a worker's own memory after the load
    'import_s': 10.0,         # 100,000 new contacts in one request
    'csv_rows_per_s': 200000,  # the calls' CSV export of 1,000,000 rows
    'csv_first_byte_ms': 100.0,
    'csv_hwm_kb': 1024,       # a worker's peak memory grows by at most this
    # calltrack beside its peer (Node.js, Express, pg), calltrack / peer
    'peer_rps_ratio': 1.5,    # throughput, at least
    'peer_p99_ratio': 0.5,    # p99 at half the peak, at most
    'peer_cpu_ratio': 0.25,   # nginx + the server's CPU per 1,000, at most
}
PEER = ' (peer)'


def fmt(x, nd=1):
    if x is None:
        return '—'
    if isinstance(x, float):
        return f'{x:,.{nd}f}'
    return f'{x:,}'


def find(rs, group, name=None, conns=None, server='calltrack'):
    """The figures of group (and name, conns) of one server: calltrack's, or its peer's."""
    return [r for r in rs if r['group'] == group and (name is None or r['name'] == name)
            and (conns is None or r['conns'] == conns) and r.get('server', 'calltrack') == server]


def ratio(a, b):
    return a / b if a is not None and b else None


def errors(r):
    e = r.get('errors', {})
    return sum(e.get(k, 0) for k in ('connect', 'read', 'write', 'status', 'timeout'))


def met(ok):
    return 'met' if ok else '**not met**'


def md_code(text, n=90):
    """A statement's text as a table cell: cut to n characters, no pipe."""
    text = text if len(text) <= n else text[:n - 1] + '…'
    return '`' + text.replace('|', '¦').replace('`', "'") + '`'


# The statement each request sends once: its count is the requests
# PostgreSQL saw, the one in flight when wrk stopped included.
ONCE = ('SELECT outcome, call_id, error FROM ct_apply_event(', 'SELECT org_id, role, label, country FROM ct_token_auth(')


def profile_requests(p):
    seen = [s['calls'] for s in p['statements'] if s['toplevel'] and s['query'].startswith(ONCE)]
    return max(seen) if seen else max(p.get('requests') or 0, 1)


def profile_figures(p):
    """The per-request figures of one profile (see tests/bench/run, profiles).

    A cursor's query runs inside the FETCHes that read it, and both are
    counted as sent: its time is counted once (the query's), and its
    statement is no round trip of its own (the FETCHes are)."""
    n = profile_requests(p)
    top = [s for s in p['statements'] if s['toplevel']]
    fetch = [s for s in top if s['query'].startswith('FETCH ')]
    cursor = max((s for s in top if s['query'].startswith('SELECT ') and not s['query'].startswith(ONCE)),
                 key=lambda s: s['total_ms'], default=None) if fetch else None
    stm = sum(s['total_ms'] for s in top if s not in fetch) / n
    cpu = {k: v / n for k, v in p['cpu_ms'].items()}
    mean = p['latency_ms']['mean']
    waits = p.get('waits') or {}
    active = sum(waits.values())
    return {
        'n': n, 'cpu': cpu,
        'mean': mean, 'statements_ms': stm, 'round_trips': sum(s['calls'] for s in top if s is not cursor) / n,
        'rest': mean - stm - cpu['programs'] - cpu['nginx'] if p['conns'] == 1 else None,
        'active': active / p['samples'] if p.get('samples') else 0,
        'waits': [(k, v / active) for k, v in waits.items()][:3] if active else [],
        'inner': [s for s in p['statements'] if not s['toplevel']],
    }


def disk_stalls(r):
    st = r['stalls']
    if not st:
        return 'no wait over 20 ms'
    return (f"{len(st)} waits over 20 ms ({fmt(r['stall_ms'])} ms in all: "
            + ', '.join(f"{x['ms']:.0f} ms at {x['at_s']:.1f} s" for x in st[:6])
            + (', …' if len(st) > 6 else '') + ')')


def profile_summary(rows):
    """One line for the target's table: where the profiled request's time went."""
    if not rows:
        return ''
    p = rows[0]
    f = profile_figures(p)
    cpu, busy = f['cpu'], p['cores_busy_pct']
    out = [f"statements {f['statements_ms']:.1f} of {f['mean']:.1f} ms a request",
           f"CPU a request: PostgreSQL {cpu['postgres']:.2f}, program {cpu['programs']:.2f}, "
           f"nginx {cpu['nginx']:.2f} ms"]
    if p['conns'] > 1:
        out.append(f"cores busy: PostgreSQL {busy['postgres']}%, programs {busy['programs']}%, "
                   f"nginx {busy['nginx']}%")
    if f['waits']:
        out.append(f"backends active {f['active']:.1f}: "
                   + ', '.join(f'{k} {v:.0%}' for k, v in f['waits'][:2]))
    # The statements inside that took the most, past those that hold
    # nearly all of it (a function's own statement calling the rest), and
    # of those that took a twentieth of it at least.
    whole = f['statements_ms'] * f['n']
    inner = [s for s in f['inner'] if 0.05 * whole <= s['total_ms'] < 0.9 * whole][:2]
    if inner:
        out.append('most time inside: ' + ', '.join(
            f"{md_code(s['query'], 50)} {s['mean_ms']:.2f} ms × {s['calls'] / f['n']:.1f}" for s in inner))
    return '; '.join(out)


def profiles_section(w, rs):
    profs = find(rs, 'profile')
    if not profs:
        return
    w('## Where the time goes (profiles)')
    w('')
    w('Each request again, in a short run of its own after every figure above: the webhooks at half '
      'their peak (64 connections, paced as above), the dashboard at one connection. PostgreSQL counted '
      'every statement (pg_stat_statements, track = all: the statements inside the webhook\'s '
      'ct_apply_event, its triggers and the dashboard\'s functions too); the CPU of each part is utime + '
      'stime from /proc; the calltrack backends\' wait events were sampled every 10 ms from '
      'pg_stat_activity ("on the CPU" when a backend was active and waited on nothing). Instrumented '
      'runs: their latencies run above those of the runs without.')
    w('')
    w('| request | conns | requests | mean ms | p99 ms | statements ms a request | round trips | '
      'CPU ms a request: PostgreSQL | program | nginx | the rest ms | cores busy: PostgreSQL | programs | '
      'backends active | their wait events |')
    w('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|')
    for p in profs:
        f = profile_figures(p)
        cpu, busy = f['cpu'], p['cores_busy_pct']
        w(f"| {p['name']} | {p['conns']} | {fmt(f['n'])} | {f['mean']:.2f} | "
          f"{fmt(p['latency_ms'].get('p99'), 2)} | {f['statements_ms']:.2f} | {f['round_trips']:.1f} | "
          f"{cpu['postgres']:.2f} | {cpu['programs']:.2f} | {cpu['nginx']:.2f} | "
          f"{fmt(f['rest'], 2)} | {busy['postgres']}% | {busy['programs']}% | {f['active']:.1f} | "
          + ', '.join(f'{k} {v:.0%}' for k, v in f['waits']) + ' |')
    w('')
    w('"The rest" (one connection only) is the mean less the statements and the program\'s and nginx\'s '
      'CPU: the wire between the parts, and the time each waits for the next to be scheduled.')
    w('')
    for p in profs:
        f = profile_figures(p)
        n, top_ms = f['n'], f['statements_ms'] * f['n'] or 1
        w(f"**{p['name']}**: the statements that took the most time, per request (a statement inside "
          f"another counts in both):")
        w('')
        w('| statement | sent by the program | calls a request | mean ms | share of the statements\' time |')
        w('|---|---|---:|---:|---:|')
        for s in p['statements'][:8]:
            w(f"| {md_code(s['query'])} | {'yes' if s['toplevel'] else 'no, inside'} | {s['calls'] / n:.2f} | "
              f"{s['mean_ms']:.3f} | {s['total_ms'] / top_ms:.0%} |")
        w('')


def pglog_section(w, rs):
    logs = find(rs, 'pglog')
    if not logs:
        return
    w("## PostgreSQL's log over the run")
    w('')
    w('Checkpoints, autovacuum runs over a second and lock waits over 50 ms, each in the phase of the run '
      'it began in (tests/bench/pglog.py).')
    w('')
    w('| phase | checkpoints | autovacuum runs over 1 s | lock waits over 50 ms |')
    w('|---|---|---|---|')
    for ph in logs[0]['phases']:
        ck = '; '.join(f"{c['reason']}" + (f": {fmt(c['buffers'])} buffers in {c['total_s']:.1f} s"
                                           if 'buffers' in c else '') for c in ph['checkpoints']) or '—'
        av = '; '.join(f"{k} ×{v['runs']} ({v['seconds']:.1f} s)" for k, v in ph['autovacuum'].items()) or '—'
        lw = '; '.join(f"{k} ×{v['count']}" for k, v in
                       sorted(ph['lock_waits'].items(), key=lambda kv: -kv[1]['count'])) or '—'
        w(f"| {ph['phase']} | {ck} | {av} | {lw} |")
    w('')


def peer_rows(rs):
    """Each scenario the peer ran, with calltrack's figures beside its own:
    throughput at the connections both ran, p99 at half each one's peak,
    CPU per 1,000 at those connections."""
    out = []
    for p in find(rs, 'ingest', server='peer'):
        sc = p['name'][:-len(PEER)] if p['name'].endswith(PEER) else p['name']
        c = p['conns']
        side = {}
        for who, name, server in (('ours', sc, 'calltrack'), ('peer', p['name'], 'peer')):
            ing = find(rs, 'ingest', name, c, server)
            rate = find(rs, 'rate', name, server=server)
            cp = find(rs, 'cpu', name, c, server)
            side[who] = {
                'conns': c,
                'rps': ing[0]['rps'] if ing else None,
                'p99': rate[0]['latency_ms']['p99'] if rate else None,
                'rate': rate[0]['rps'] if rate else None,
                'app_cpu': cp[0].get('app_cpu_ms_per_1000') if cp else None,
                'server_cpu': cp[0].get('server_cpu_ms_per_1000') if cp else None,
                'cpu': cp[0].get('cpu_ms_per_1000') if cp else None,
            }
        out.append((sc, side['ours'], side['peer']))
    return out


def peer_section(w, doc, rs, peer):
    if not peer:
        return
    info = doc.get('peer', {})
    w('## calltrack and its peer')
    w('')
    w(f"The peer is what a user would otherwise run: Node.js {info.get('node', '')}, Express and pg "
      f"(tests/bench/peer/server.js), a node:cluster of {info.get('workers', 2)} workers with a pool of "
      f"{info.get('pool_per_worker', 8)} connections each, behind the same nginx, into the same PostgreSQL, "
      f"taking the same webhooks with the same signatures and sending the same statement. It ran each "
      f"scenario at {', '.join(str(c) for c in info.get('conns', [64]))} connections and at half its own "
      f"peak. Ratios are calltrack / peer. CPU is utime + stime from /proc per 1,000 webhooks: "
      f"\"app\" is nginx plus the server's own processes (calltrack's programs' workers; the peer's node "
      f"processes), \"server\" the latter alone; PostgreSQL is left out of both.")
    w('')
    for r in find(rs, 'peer-check'):
        w(f"- Mapping check, {r['provider']}: "
          + ('the same row in calls (every column but ids and arrival times).' if r['same']
             else f"**differs**: {r['differences']}"))
    w('')
    w('| scenario | conns | req/s calltrack | req/s peer | ratio | p99 ms at half the peak, calltrack | peer | ratio '
      '| app CPU ms / 1,000 calltrack | peer | ratio | server CPU ms / 1,000 calltrack | peer | ratio |')
    w('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')

    def r2(a, b):
        x = ratio(a, b)
        return f'{x:.2f}×' if x is not None else '—'
    for sc, o, p in peer:
        w(f"| {sc} | {o['conns']} | {fmt(o['rps'])} | {fmt(p['rps'])} | {r2(o['rps'], p['rps'])} | "
          f"{fmt(o['p99'], 2)} | {fmt(p['p99'], 2)} | {r2(o['p99'], p['p99'])} | "
          f"{fmt(o['app_cpu'])} | {fmt(p['app_cpu'])} | {r2(o['app_cpu'], p['app_cpu'])} | "
          f"{fmt(o['server_cpu'])} | {fmt(p['server_cpu'])} | {r2(o['server_cpu'], p['server_cpu'])} |")
    w('')
    w('Memory after the load, per process taking webhooks (calltrack: the vapi-hook, retell-hook and '
      'twilio-status workers; the peer: its node workers, and its primary apart):')
    w('')
    w('| server | processes | largest RSS | largest Pss | largest private | Pss of all | private of all |')
    w('|---|---:|---:|---:|---:|---:|---:|')
    hooks = ('vapi-hook', 'retell-hook', 'twilio-status')
    groups = (('calltrack (webhook workers)', [r for r in find(rs, 'rss') if r['name'] in hooks]),
              ('peer (node workers)', find(rs, 'rss', 'peer (node worker)', server='peer')),
              ('peer (node primary)', find(rs, 'rss', 'peer (node primary)', server='peer')))
    mem = {}
    for label, rows in groups:
        if not rows:
            continue
        mem[label] = rows
        mx = lambda k: max(x[k] for x in rows) / 1024
        tot = lambda k: sum(x[k] for x in rows) / 1024
        w(f"| {label} | {len(rows)} | {mx('rss_kb'):.1f} MB | {mx('pss_kb'):.1f} MB | {mx('private_kb'):.1f} MB | "
          f"{tot('pss_kb'):.1f} MB | {tot('private_kb'):.1f} MB |")
    a, b = mem.get('calltrack (webhook workers)'), mem.get('peer (node workers)')
    if a and b:
        w('')
        w('Per worker, calltrack / peer: ' + ', '.join(
            f"{k.split('_')[0].replace('rss', 'RSS').replace('pss', 'Pss')} "
            f"{max(x[k] for x in a) / max(x[k] for x in b):.2f}×" for k in ('rss_kb', 'pss_kb', 'private_kb')) + '.')
    w('')
    if 'events_stored' in info:
        w(f"Events stored by the peer's runs: {info['events_stored']:,}.")
        w('')


def main(path, history=None):
    doc = json.load(open(path))
    rs = doc['results']
    out = []
    w = out.append
    w('# calltrack benchmark' + (' (quick smoke run: figures are not meaningful)' if doc['quick'] else ''))
    w('')
    w(f"Machine: {doc['machine']}; load generator (wrk, 2 threads) on the same machine. "
      f"{doc['workers_per_program']} FastCGI workers per program; PostgreSQL 15 with fsync and "
      f"synchronous_commit on. Data: {doc['data']['big_org_calls']:,} calls in one org and "
      f"{doc['data']['small_org_calls']:,} in each of {doc['data']['small_orgs']} others over 18 months, "
      f"loaded in {doc['data']['load_seconds']} s. Whole run: {doc['seconds']} s.")
    w('')

    failed = find(rs, 'failed')
    if failed:
        w('## Scenarios that failed')
        w('')
        w('Their first request was not answered 200, so they were not measured; the run exits 1.')
        w('')
        w('| scenario | HTTP | answer | command |')
        w('|---|---:|---|---|')
        for r in failed:
            w(f"| {r['name']} | {r['http']} | `{r['answer']}` | `{r['command']}` |")
        w('')

    w('## Ceilings')
    w('')
    w('| layer | conns | req/s | p50 ms | p99 ms | errors | command |')
    w('|---|---:|---:|---:|---:|---:|---|')
    for r in find(rs, 'ceiling'):
        lat = r.get('latency_ms', {})
        w(f"| {r['name']} | {r['conns']} | {fmt(r['rps'])} | {fmt(lat.get('p50'), 2)} | "
          f"{fmt(lat.get('p99'), 2)} | {errors(r)} | `{r['command']}` |")
    w('')
    for r in find(rs, 'disk'):
        lat = r['latency_ms']
        w(f"The disk under PostgreSQL (`{r['command']}`): {fmt(r['syncs'])} waits for 8 kB to reach it in "
          f"{r['seconds']:.0f} s, as a commit waits for its WAL: p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms, "
          f"p99.9 {lat['p999']:.2f} ms, the longest {lat['max']:.1f} ms; {disk_stalls(r)}.")
        w('')
    db = {r['conns']: r['rps'] for r in find(rs, 'ceiling', 'database (pgbench, the webhook statement)')}
    fc = {r['conns']: r['rps'] for r in find(rs, 'ceiling', 'fastcgi (fcgi-hello)')}
    cpu = {(r['name'], r['conns']): r['cpu_ms_per_1000'] for r in find(rs, 'cpu')}
    peer = peer_rows(rs)

    w('## Ingest')
    w('')
    w('Each request a new event of a new call (signed bodies made ahead of time, rotated); '
      'the mix repeats every 10th request.')
    w('')
    w('| scenario | conns | req/s | p50 ms | p90 ms | p99 ms | errors | ÷ pgbench | ÷ FastCGI | CPU ms / 1,000 |')
    w('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for r in find(rs, 'ingest'):
        c = r['conns']
        lat = r['latency_ms']
        w(f"| {r['name']} | {c} | {fmt(r['rps'])} | {fmt(lat['p50'], 2)} | {fmt(lat['p90'], 2)} | "
          f"{fmt(lat['p99'], 2)} | {errors(r)} | "
          f"{fmt(r['rps'] / db[c], 2) if db.get(c) else '—'} | "
          f"{fmt(r['rps'] / fc[c], 2) if fc.get(c) else '—'} | {fmt(cpu.get((r['name'], c)))} |")
    w('')
    w('At a fixed rate of half the peak (wrk paces each of 64 connections with a fixed delay between '
      'a response and the next request: an approximation of a constant rate that, unlike wrk2, does not '
      'correct for coordinated omission):')
    w('')
    w('| scenario | target req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | errors |')
    w('|---|---:|---:|---:|---:|---:|---:|')
    for r in find(rs, 'rate'):
        lat = r['latency_ms']
        w(f"| {r['name']} | {fmt(r['target_rps'])} | {fmt(r['rps'])} | {fmt(lat['p50'], 2)} | "
          f"{fmt(lat['p99'], 2)} | {fmt(lat['p999'], 2)} | {errors(r)} |")
    w('')

    w('## Dashboard')
    w('')
    w('| request | conns | req/s | p50 ms | p95 ms | p99 ms | errors |')
    w('|---|---:|---:|---:|---:|---:|---:|')
    for r in find(rs, 'dashboard'):
        lat = r['latency_ms']
        w(f"| {r['name']} | {r['conns']} | {fmt(r['rps'])} | {fmt(lat['p50'], 2)} | "
          f"{fmt(lat['p95'], 2)} | {fmt(lat['p99'], 2)} | {errors(r)} |")
    w('')

    w('## CSV export')
    w('')
    w("The big org's whole list as CSV, one request at a time: the whole request as the client "
      "reads it, the first byte, and the most any dashboard-calls worker's peak memory (VmHWM) "
      'grew over it.')
    w('')
    w('| run | rows | MB | seconds | rows/s | first byte ms | peak memory growth kB |')
    w('|---|---:|---:|---:|---:|---:|---:|')
    for r in find(rs, 'csv'):
        w(f"| {r['name']} | {fmt(r['rows'])} | {fmt(r['bytes'] / 1e6)} | {fmt(r['seconds'], 2)} | "
          f"{fmt(r['rows_per_s'], 0)} | {fmt(r['first_byte_ms'], 1)} | {fmt(r['hwm_growth_kb'])} |")
    w('')
    w('## Contacts import')
    w('')
    w('One request of a CSV file of new contacts (name, email, lead status), then the same file '
      'again: the whole request, as the client waits for it.')
    w('')
    w('| file | rows | seconds | rows/s | created | updated | unchanged | rejected |')
    w('|---|---:|---:|---:|---:|---:|---:|---:|')
    for r in find(rs, 'import'):
        w(f"| {r['name']} | {fmt(r['rows'])} | {fmt(r['seconds'], 2)} | {fmt(r['rows_per_s'], 0)} | "
          f"{fmt(r['created'])} | {fmt(r['updated'])} | {fmt(r['unchanged'])} | {fmt(r['rejected'])} |")
    w('')
    w('## Notifications')
    w('')
    w('calltrack-notify against a loopback receiver (tests/notify/receiver.py).')
    w('')
    w('| figure | value | errors | command |')
    w('|---|---|---:|---|')
    for r in find(rs, 'notify'):
        if 'per_second' in r:
            v = f"{fmt(r['per_second'])} messages/s ({fmt(r['messages'])} in {fmt(r['seconds'], 2)} s)"
        elif 'latency_ms' in r and 'rps' not in r:
            v = f"p50 {fmt(r['latency_ms']['p50'], 2)} ms, p99 {fmt(r['latency_ms']['p99'], 2)} ms"
        else:
            base = find(rs, 'ingest', 'vapi end-of-call-report 5 KB', r['conns'])
            v = f"{fmt(r['rps'])} req/s, p99 {fmt(r['latency_ms']['p99'], 2)} ms" + (
                f" (without the sender busy: {fmt(base[0]['rps'])} req/s)" if base else '')
        w(f"| {r['name']} | {v} | {errors(r)} | `{r['command']}` |")
    w('')

    w('## Resources')
    w('')
    w('Per worker, before the load (started, no request yet) and after it: RSS counts every shared '
      'library page the worker touched; Pss shares those among the processes mapping them; private '
      'is the worker\'s alone.')
    w('')
    w('| program | workers | largest RSS | largest Pss before | after | largest private before | after |')
    w('|---|---:|---:|---:|---:|---:|---:|')
    rss, before = {}, {}
    for r in find(rs, 'rss'):
        rss.setdefault(r['name'], []).append(r)
    for r in find(rs, 'rss-before'):
        before.setdefault(r['name'], []).append(r)

    def mb(rows, key):
        return f"{max(x.get(key, 0) for x in rows) / 1024:.1f} MB" if rows else '—'
    for p, rows in rss.items():
        b = before.get(p, [])
        w(f"| {p} | {len(rows)} | {mb(rows, 'rss_kb')} | {mb(b, 'pss_kb')} | {mb(rows, 'pss_kb')} | "
          f"{mb(b, 'private_kb')} | {mb(rows, 'private_kb')} |")
    w('')

    peer_section(w, doc, rs, peer)

    profiles_section(w, rs)
    pglog_section(w, rs)

    w('## Targets')
    w('')
    w('Each target missed names the profile behind it (the section above): where its time went.')
    w('')
    w('| target | figure | | the profile behind a miss |')
    w('|---|---|---|---|')

    def target(label, figure, ok, prof=None, more=None):
        why = '' if ok else '; '.join(x for x in (profile_summary(find(rs, 'profile', prof)) if prof else '',
                                                   more) if x) or 'no profile of it in this run'
        w(f'| {label} | {figure} | {met(ok)} | {why} |')
    v5 = 'vapi end-of-call-report 5 KB'
    for r in find(rs, 'ingest', v5):
        vr = r['rps'] / db[r['conns']] if db.get(r['conns']) else 0
        target(f"Vapi 5 KB ingest ≥ {TARGETS['vapi_ratio']}× pgbench, c={r['conns']}",
               f"{vr:.2f}× ({fmt(r['rps'])} / {fmt(db.get(r['conns']))})", vr >= TARGETS['vapi_ratio'],
               f'{v5} at half the peak')
    disk = find(rs, 'disk')
    for r in find(rs, 'rate'):
        p99 = r['latency_ms']['p99']
        limit = TARGETS['rate_p99_big_ms' if '300 KB' in r['name'] else 'rate_p99_ms']
        target(f"p99 ≤ {limit:.0f} ms at half the peak: {r['name']}", f'{p99:.2f} ms',
               p99 <= limit, f"{r['name']} at half the peak",
               f"the disk, over {disk[0]['seconds']:.0f} s: {disk_stalls(disk[0])}" if disk else None)
    for r in find(rs, 'dashboard', 'list, first page', 1):
        p50, p95 = r['latency_ms']['p50'], r['latency_ms']['p95']
        target(f"list, first page p50 ≤ {TARGETS['list_p50_ms']:.0f} ms and p95 ≤ {TARGETS['list_p95_ms']:.0f} ms "
               f"(1 connection)", f'{p50:.2f} / {p95:.2f} ms',
               p50 <= TARGETS['list_p50_ms'] and p95 <= TARGETS['list_p95_ms'], 'list, first page')
    for r in find(rs, 'dashboard', 'search, two-letter word', 1):
        p95 = r['latency_ms']['p95']
        target(f"search, two-letter word p95 ≤ {TARGETS['short_word_p95_ms']:.0f} ms (1 connection)",
               f'{p95:.2f} ms', p95 <= TARGETS['short_word_p95_ms'], 'search, two-letter word')
    for name in ('search, partial phone', 'search, partial name', 'search, two-word name',
                 'stats, 30 days'):
        for r in find(rs, 'dashboard', name, 1):
            p95 = r['latency_ms']['p95']
            target(f"{name} p95 ≤ {TARGETS['dash_p95_ms']:.0f} ms (1 connection)", f'{p95:.2f} ms',
                   p95 <= TARGETS['dash_p95_ms'], name)
    for name in ('contacts, first page', 'contacts search, partial name', 'contacts search, partial phone',
                 "a lead's page"):
        for r in find(rs, 'dashboard', name, 1):
            p95 = r['latency_ms']['p95']
            target(f"{name} p95 ≤ {TARGETS['dash_p95_ms']:.0f} ms at {doc['data']['big_org_calls'] // 4:,} "
                   f"contacts (1 connection)", f'{p95:.2f} ms', p95 <= TARGETS['dash_p95_ms'], name)
    for r in find(rs, 'contacts'):
        target(r['name'], f"{r['ms']:.2f} ms after the PATCH", r['seen'])
    for r in find(rs, 'dashboard', 'stats, 365 days', 1):
        p95 = r['latency_ms']['p95']
        target(f"stats, 365 days p95 ≤ {TARGETS['stats365_p95_ms']:.0f} ms (1 connection)", f'{p95:.2f} ms',
               p95 <= TARGETS['stats365_p95_ms'], 'stats, 365 days')
    for p, rows in rss.items():
        top = max(x['private_kb'] for x in rows)
        target(f"{p} worker private memory ≤ {TARGETS['private_kb'] // 1024} MB after the load",
               f'{top / 1024:.1f} MB', top <= TARGETS['private_kb'])
    for sc, o, p in peer:
        prof = f'{sc} at half the peak'
        x = ratio(o['rps'], p['rps'])
        if x is not None:
            target(f"throughput ≥ {TARGETS['peer_rps_ratio']}× the peer's, c={o['conns']}: {sc}",
                   f"{x:.2f}× ({fmt(o['rps'])} / {fmt(p['rps'])} req/s)", x >= TARGETS['peer_rps_ratio'], prof)
        x = ratio(o['p99'], p['p99'])
        if x is not None:
            target(f"p99 at half the peak ≤ {TARGETS['peer_p99_ratio']}× the peer's: {sc}",
                   f"{x:.2f}× ({o['p99']:.2f} / {p['p99']:.2f} ms)", x <= TARGETS['peer_p99_ratio'], prof)
        x = ratio(o['app_cpu'], p['app_cpu'])
        if x is not None:
            target(f"CPU per 1,000 (nginx + the server) ≤ {TARGETS['peer_cpu_ratio']}× the peer's: {sc}",
                   f"{x:.2f}× ({fmt(o['app_cpu'])} / {fmt(p['app_cpu'])} ms)", x <= TARGETS['peer_cpu_ratio'], prof)
    for r in find(rs, 'peer-check'):
        target(f"the peer maps as calltrack: {r['name']}", 'the same' if r['same'] else r['differences'], r['same'])
    csv = find(rs, 'csv')
    if csv:
        slow = min(csv, key=lambda r: r['rows_per_s'])
        prof = 'csv export, the whole big org'
        target(f"CSV export of {fmt(slow['rows'])} rows ≥ {fmt(TARGETS['csv_rows_per_s'])} rows/s "
               f"(the slowest of {len(csv)})", f"{fmt(slow['rows_per_s'], 0)} rows/s",
               slow['rows'] >= 1000000 and slow['rows_per_s'] >= TARGETS['csv_rows_per_s'], prof)
        first = max(r['first_byte_ms'] for r in csv)
        target(f"CSV export, first byte ≤ {TARGETS['csv_first_byte_ms']:.0f} ms (the slowest)", f'{first:.1f} ms',
               first <= TARGETS['csv_first_byte_ms'], prof)
        grew = max(r['hwm_growth_kb'] for r in csv)
        target(f"CSV export, the worker's memory flat: peak grows ≤ {fmt(TARGETS['csv_hwm_kb'])} kB",
               f'{fmt(grew)} kB', grew <= TARGETS['csv_hwm_kb'], prof)
    imp = [r for r in find(rs, 'profile') if r['name'].startswith('contacts import')]
    for r in find(rs, 'import'):
        if r['rows'] == 100000 and r['name'].endswith('created'):
            target(f"100,000 new contacts imported in ≤ {TARGETS['import_s']:.0f} s",
                   f"{r['seconds']:.2f} s ({fmt(r['rows_per_s'], 0)} rows/s)", r['seconds'] <= TARGETS['import_s'],
                   imp[0]['name'] if imp else None)
    w('')
    w(f"Events stored by the ingest runs: {doc['ingest_events_stored']:,}.")
    w('')
    w('Every figure above carries its command in `results.json`; wrk runs use '
      '`tests/bench/load.lua`, whose header explains each mode.')
    if history:
        history_section(w, history, history_row(doc, rs, db, peer, rss))
    print('\n'.join(out))


# build/bench/history.tsv: one line per run, these columns.
HISTORY = ('when', 'commit', 'quick', 'seconds', 'load_s', 'pgbench_tps_16', 'vapi5k_rps_16',
           'vapi5k_over_pgbench', 'worst_p99_half_peak_ms', 'list_p95_ms', 'search_name_p95_ms',
           'stats365_p95_ms', 'peer_rps_ratio', 'peer_p99_ratio', 'peer_cpu_ratio',
           'max_private_mb', 'failed')


def history_row(doc, rs, db, peer, rss):
    def p95(name):
        r = find(rs, 'dashboard', name, 1)
        return r[0]['latency_ms']['p95'] if r else None

    def worst(vals):
        vals = [v for v in vals if v is not None]
        return max(vals) if vals else None
    v5 = find(rs, 'ingest', 'vapi end-of-call-report 5 KB', 16)
    vrps = v5[0]['rps'] if v5 else None
    return {
        'when': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
        'commit': os.environ.get('BENCH_COMMIT', ''),
        'quick': int(doc['quick']),
        'seconds': doc['seconds'],
        'load_s': doc['data']['load_seconds'],
        'pgbench_tps_16': db.get(16),
        'vapi5k_rps_16': vrps,
        'vapi5k_over_pgbench': ratio(vrps, db.get(16)),
        'worst_p99_half_peak_ms': worst(r['latency_ms']['p99'] for r in find(rs, 'rate')),
        'list_p95_ms': p95('list, first page'),
        'search_name_p95_ms': p95('search, partial name'),
        'stats365_p95_ms': p95('stats, 365 days'),
        # The worst scenario's ratio to the peer, each way the goal is set.
        'peer_rps_ratio': min((x for x in (ratio(o['rps'], p['rps']) for _, o, p in peer) if x is not None),
                              default=None),
        'peer_p99_ratio': worst(ratio(o['p99'], p['p99']) for _, o, p in peer),
        'peer_cpu_ratio': worst(ratio(o['app_cpu'], p['app_cpu']) for _, o, p in peer),
        'max_private_mb': worst(max(x['private_kb'] for x in rows) / 1024 for rows in rss.values()),
        'failed': len(find(rs, 'failed')),
    }


def history_section(w, path, row):
    def cell(v):
        if v is None:
            return ''
        return f'{v:.2f}' if isinstance(v, float) else str(v)
    new = not os.path.exists(path) or os.path.getsize(path) == 0
    with open(path, 'a') as f:
        if new:
            f.write('\t'.join(HISTORY) + '\n')
        f.write('\t'.join(cell(row[k]) for k in HISTORY) + '\n')
    lines = [l.rstrip('\n').split('\t') for l in open(path)]
    head, runs = lines[0], lines[1:]
    w('')
    w(f'## History (the last {min(len(runs), 10)} of {len(runs)} runs in `{os.path.basename(path)}`)')
    w('')
    w('| ' + ' | '.join(head) + ' |')
    w('|' + '---|' * len(head))
    for r in runs[-10:]:
        w('| ' + ' | '.join(r) + ' |')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
