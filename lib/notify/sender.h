/*
 * sender.h: calltrack-notify's loop (docs/ARCHITECTURE.md "The sender").
 *
 * One process, one database connection that LISTENs on calltrack_notify,
 * and up to CALLTRACK_NOTIFY_CONCURRENCY deliveries in flight at once in
 * one libcurl multi handle, at most one per destination (the claim sees to
 * it), so that a slow or dead destination holds one slot and never another
 * org's messages.  Each message is claimed with a lease that is committed
 * before it is sent (sql/functions/10_notify.sql, ct_notify_claim), and
 * its attempt's result written after; what a killed sender held is sent
 * again once its lease ends.  Woken by NOTIFY when work is written, it
 * also looks every CALLTRACK_NOTIFY_POLL seconds (retries come due without
 * one), and writes the daily digests every minute.
 */
#ifndef CT_NOTIFY_SENDER_H
#define CT_NOTIFY_SENDER_H

#include <signal.h>
#include <stdbool.h>

#include "core/config.h"

/*
 * Runs the sender with cfg's settings until *stop is set (SIGTERM): then
 * it claims nothing more, finishes the attempts in flight, writes their
 * results and returns 0.  With once, it returns as soon as nothing is due
 * and nothing is in flight (after one round of digests).  The database
 * being away is waited out (reconnecting every 2 s), never an exit.
 * Returns 0, or 1 when it could not start (libcurl).
 */
int ct_sender_run(const struct ct_config *cfg, volatile sig_atomic_t *stop,
    bool once);

#endif
