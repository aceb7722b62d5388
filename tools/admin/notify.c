/*
 * notify.c: calltrack-admin notify add, list, remove, test, deliveries:
 * an org's notification destinations (docs/API.md, "Notifications
 * (admin)").  A destination is checked by the rules the API checks it by
 * (lib/read/notify.c) and written by the same SQL function
 * (ct_notify_add, sql/functions/11_notify_admin.sql).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "core/config.h"
#include "read/notify.h"
#include "read/query.h"

/* The most deliveries `notify deliveries` prints, newest first. */
#define DELIVERIES_SHOWN 1000

/* What each field of a destination is called on this command line. */
static const char *
option_of(const char *field)
{
	static const struct { const char *field, *opt; } m[] = {
		{ "kind", "--kind" }, { "url", "--url" }, { "smtp_url", "--url" },
		{ "to", "--to" }, { "from", "--from" },
		{ "smtp_user", "--smtp-user" },
		{ "smtp_password", "--smtp-password" }, { "events", "--events" },
	};
	size_t i;

	for (i = 0; field != NULL && i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(m[i].field, field) == 0)
			return m[i].opt;
	return "an option";
}

/* Splits the comma list s (copied into buf, of size n) and adds each item
 * with add; 0, or -1 when one is refused or the list is too long. */
static int
split(const char *s, char *buf, size_t n, struct ct_notify_dest *d,
    enum ct_err (*add)(struct ct_notify_dest *, const char *))
{
	char *item, *save = NULL;

	if (strlen(s) >= n)
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	for (item = strtok_r(buf, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save))
		if (add(d, item) != CT_OK)
			return -1;
	return 0;
}

/* Adds a destination to an org: prints its id and, for a webhook, its
 * signing secret, shown only this once. */
int
adm_notify_add(const struct adm_args *a)
{
	static char to_buf[CT_NOTIFY_TO_MAX * (CT_NOTIFY_ADDRESS_MAX + 1) + 1];
	static char ev_buf[256];
	static const char *const all[] = { "call.hot_lead",
	    "call.booking_failed", "call.missed", "call.negative_sentiment",
	    "call.stuck", "digest.daily" };
	char secret[CT_NOTIFY_SECRET_LEN + 1] = "", why[200];
	struct ct_config cfg;
	const char *org = a->pos[0], *kind = adm_opt(a, "--kind");
	const char *events = adm_opt(a, "--events"), *to = adm_opt(a, "--to");
	const char *params[9], *bad;
	char *ev_lit = NULL, *to_lit = NULL;
	struct ct_notify_dest d;
	int rc = ADM_FAIL;
	PGresult *r;
	size_t i;

	memset(&d, 0, sizeof(d));
	/* CALLTRACK_NOTIFY_ALLOW_PRIVATE as the programs read it: a bad
	 * value stops the command, as it stops them. */
	if (ct_config_load(&cfg, why, sizeof(why)) != CT_OK)
		return adm_fail("read the configuration", why);
	if (!ct_query_uuid(org))
		return adm_usage("notify add needs an ORG id");
	if (kind == NULL || !ct_notify_kind_parse(kind, &d.kind))
		return adm_usage("notify add: --kind is webhook, slack or email");
	if ((d.url = adm_opt(a, "--url")) == NULL)
		return adm_usage("notify add needs --url");
	if (events == NULL) {
		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			d.events[d.nevents++] = all[i];
	} else if (split(events, ev_buf, sizeof(ev_buf), &d,
	    ct_notify_event_add) != 0) {
		return adm_usage("notify add: --events is a comma list of "
		    "call.hot_lead, call.booking_failed, call.missed, "
		    "call.negative_sentiment, call.stuck, digest.daily, each "
		    "once");
	}
	if (to != NULL && split(to, to_buf, sizeof(to_buf), &d,
	    ct_notify_to_add) != 0)
		return adm_usage("notify add: --to is a comma list of 1 to 20 "
		    "mail addresses, each once");
	d.from = adm_opt(a, "--from");
	d.smtp_user = adm_opt(a, "--smtp-user");
	if (adm_opt(a, "--smtp-password") != NULL &&
	    (d.smtp_password = adm_secret_arg(adm_opt(a,
	    "--smtp-password"))) == NULL)
		return adm_fail("add the destination", "no password on "
		    "standard input");
	if (ct_notify_dest_check(&d, cfg.notify_allow_private != 0, &bad) !=
	    CT_OK) {
		snprintf(why, sizeof(why), "notify add: %s is not valid for %s "
		    "%s destination (see docs/API.md, \"Notifications\")",
		    option_of(bad), d.kind == CT_NOTIFY_EMAIL ? "an" : "a",
		    kind);
		return adm_usage(why);
	}
	if (d.kind == CT_NOTIFY_WEBHOOK && ct_notify_secret_new(secret) !=
	    CT_OK)
		return adm_fail("add the destination", "no random bytes");
	ev_lit = ct_notify_text_array(d.events, d.nevents);
	to_lit = d.nto > 0 ? ct_notify_text_array(d.to, d.nto) : NULL;
	if (ev_lit == NULL || (d.nto > 0 && to_lit == NULL)) {
		adm_fail("add the destination", "out of memory");
		goto out;
	}
	params[0] = org;
	params[1] = ct_notify_kind_name(d.kind);
	params[2] = d.url;
	params[3] = ev_lit;
	params[4] = secret[0] ? secret : NULL;
	params[5] = to_lit;
	params[6] = d.from;
	params[7] = d.smtp_user;
	params[8] = d.smtp_password;
	if (adm_org_known("add the destination", org) != ADM_OK ||
	    (r = adm_run("add the destination", "SELECT n ->> 'id', "
	    "n ->> 'error' FROM ct_notify_add($1, $2, $3, $4, $5, $6, $7, $8, "
	    "$9) n", 9, params)) == NULL)
		goto out;
	if (!PQgetisnull(r, 0, 1)) {
		adm_fail("add the destination", "the org has 100 destinations "
		    "already");
	} else {
		printf("%s\n", PQgetvalue(r, 0, 0));
		if (secret[0]) {
			printf("%s\n", secret);
			fflush(stdout);
			fprintf(stderr, "calltrack-admin: the webhook's signing "
			    "secret above is shown only this once\n");
		}
		rc = ADM_OK;
	}
	PQclear(r);
out:
	free(ev_lit);
	free(to_lit);
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

/* Lists an org's destinations, oldest first, under a header line; no
 * secret, and a Slack URL masked, as the API shows them. */
int
adm_notify_list(const struct adm_args *a)
{
	const char *params[1] = { a->pos[0] };
	PGresult *r;
	int i;

	if (!ct_query_uuid(a->pos[0]))
		return adm_usage("notify list needs an ORG id");
	if (adm_org_known("list destinations", params[0]) != ADM_OK)
		return ADM_FAIL;
	if ((r = adm_run("list destinations", "SELECT d.id, d.kind, "
	    "ct_notify_target(d.kind, d.url) || COALESCE(' to ' || "
	    "array_to_string(d.mail_to, ','), ''), array_to_string(d.events, "
	    "','), CASE WHEN d.enabled THEN 'enabled' ELSE 'disabled' END, "
	    "d.created_at FROM notification_destinations d WHERE d.org_id = $1 "
	    "ORDER BY d.created_at, d.id", 1, params)) == NULL)
		return ADM_FAIL;
	printf("id\tkind\ttarget\tevents\tstate\tcreated\n");
	for (i = 0; i < PQntuples(r); i++) {
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
		    PQgetvalue(r, i, 5));
	}
	PQclear(r);
	return ADM_OK;
}

/*
 * The org of destination id into org (37 bytes at least): ADM_OK, or a
 * failure printed ("no such destination").  Looked up on its own, so
 * that the statement that then writes names its org: on a Citus cluster
 * a function that writes, called from a query of every shard, is refused.
 */
static int
destination_org(const char *what, const char *id, char *org)
{
	PGresult *r;

	if ((r = adm_run(what, "SELECT org_id FROM notification_destinations "
	    "WHERE id = $1", 1, &id)) == NULL)
		return ADM_FAIL;
	if (PQntuples(r) != 1 || strlen(PQgetvalue(r, 0, 0)) != 36) {
		PQclear(r);
		return adm_fail(what, "no such destination");
	}
	memcpy(org, PQgetvalue(r, 0, 0), 37);
	PQclear(r);
	return ADM_OK;
}

/* Removes a destination, and its messages and their attempts with it. */
int
adm_notify_remove(const struct adm_args *a)
{
	const char *params[2];
	char org[40];
	PGresult *r;
	int n;

	if (!ct_query_uuid(a->pos[0]))
		return adm_usage("notify remove: the ID is malformed (a UUID, "
		    "as notify list shows it)");
	if ((n = destination_org("remove the destination", a->pos[0],
	    org)) != ADM_OK)
		return n;
	params[0] = org;
	params[1] = a->pos[0];
	if ((r = adm_run("remove the destination", "SELECT "
	    "ct_notify_remove($1, $2)", 2, params)) == NULL)
		return ADM_FAIL;
	n = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!n)
		return adm_fail("remove the destination", "no such destination");
	return ADM_OK;
}

/* Queues one test message to a destination; prints the message's id. */
int
adm_notify_test(const struct adm_args *a)
{
	const char *params[2];
	char org[40];
	PGresult *r;

	if (!ct_query_uuid(a->pos[0]))
		return adm_usage("notify test: the ID is malformed (a UUID, as "
		    "notify list shows it)");
	if (destination_org("queue a test", a->pos[0], org) != ADM_OK)
		return ADM_FAIL;
	params[0] = org;
	params[1] = a->pos[0];
	if ((r = adm_run("queue a test", "SELECT ct_notify_queue_test($1, $2) "
	    "->> 'id'", 2, params)) == NULL)
		return ADM_FAIL;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		return adm_fail("queue a test", "no such destination");
	}
	printf("%s\n", PQgetvalue(r, 0, 0));
	PQclear(r);
	return ADM_OK;
}

/* Lists an org's deliveries, newest first (at most DELIVERIES_SHOWN), of
 * one state with --state, under a header line: each with its attempts
 * and the last one's status and error. */
int
adm_notify_deliveries(const struct adm_args *a)
{
	static const char *const states[] = { "pending", "delivered",
	    "failed", NULL };
	const char *params[3] = { a->pos[0], adm_opt(a, "--state"), NULL };
	char limit[16];
	PGresult *r;
	int i, n;

	if (!ct_query_uuid(a->pos[0]))
		return adm_usage("notify deliveries needs an ORG id");
	if (params[1] != NULL && !adm_one_of(params[1], states))
		return adm_usage("notify deliveries: --state is pending, "
		    "delivered or failed");
	snprintf(limit, sizeof(limit), "%d", DELIVERIES_SHOWN + 1);
	params[2] = limit;
	if (adm_org_known("list deliveries", params[0]) != ADM_OK)
		return ADM_FAIL;
	if ((r = adm_run("list deliveries", "SELECT m.id, m.destination_id, "
	    "m.event, m.state, m.attempts, CASE WHEN m.state = 'pending' THEN "
	    "m.next_attempt_at::text ELSE '-' END, COALESCE(l.status::text, "
	    "'-'), COALESCE(translate(l.error, E'\\t\\r\\n', '   '), '-'), "
	    "m.created_at FROM notifications m "
	    "LEFT JOIN LATERAL (SELECT t.status, t.error FROM "
	    "notification_attempts t WHERE t.org_id = m.org_id AND "
	    "t.notification_id = m.id ORDER BY t.id DESC LIMIT 1) l ON true "
	    "WHERE m.org_id = $1 AND ($2::text IS NULL OR m.state = $2) "
	    "ORDER BY m.created_at DESC, m.id LIMIT $3", 3, params)) == NULL)
		return ADM_FAIL;
	printf("id\tdestination\tevent\tstate\tattempts\tnext attempt\t"
	    "last status\tlast error\tcreated\n");
	n = PQntuples(r) > DELIVERIES_SHOWN ? DELIVERIES_SHOWN : PQntuples(r);
	for (i = 0; i < n; i++)
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
		    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		    PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
		    PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
		    PQgetvalue(r, i, 6), PQgetvalue(r, i, 7),
		    PQgetvalue(r, i, 8));
	if (PQntuples(r) > DELIVERIES_SHOWN) {
		fflush(stdout);
		fprintf(stderr, "calltrack-admin: the latest %d deliveries are "
		    "shown; there are more\n", DELIVERIES_SHOWN);
	}
	PQclear(r);
	return ADM_OK;
}
