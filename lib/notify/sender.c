/*
 * sender.c: claim, send, record; LISTEN and poll.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "core/log.h"
#include "core/num.h"
#include "core/outbound.h"
#include "notify/message.h"
#include "notify/sender.h"

#define SLOTS_MAX	64
#define RESULT_TRIES	5	/* a result the database refuses, then
				   dropped: the lease sends it again */
#define ERROR_MAX	1000	/* notification_attempts.error */
#define DIGEST_EVERY_S	60
#define RECONNECT_S	2
#define MAIL_FROM_DEFAULT "calltrack@localhost"

enum slot_state { SLOT_IDLE, SLOT_SENDING, SLOT_RESULT };

/* One message in flight, and its attempt's result once it ends. */
struct slot {
	struct ct_outbound	 out;
	enum slot_state		 state;
	char			 org[40], id[40], dest[40];
	char			 event[32], kind[12];
	int			 attempt;
	/* The request's body (JSON, or the mail read by libcurl). */
	char			*payload;
	size_t			 payload_len, payload_off;
	struct curl_slist	*headers, *rcpt;
	/* What the error must never show: the URL (a Slack URL is a
	 * secret), the signing secrets, the SMTP password. */
	char			*redact[5];
	struct timespec		 t0;
	/* The result. */
	bool			 ok;
	long			 status;
	char			 error[ERROR_MAX + 1];
	long long		 ms;
	int			 tries;
};

struct sender {
	const struct ct_config	*cfg;
	PGconn			*conn;
	CURLM			*multi;
	struct slot		 slots[SLOTS_MAX];
	int			 nslots;
	time_t			 next_connect, next_poll, next_digest;
	bool			 wake;
};

static time_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static long long
ms_since(const struct timespec *t0)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)(ts.tv_sec - t0->tv_sec) * 1000 +
	    (ts.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- The database ---- */

static void
db_drop(struct sender *s)
{
	if (s->conn != NULL)
		PQfinish(s->conn);
	s->conn = NULL;
	s->next_connect = now_s() + RECONNECT_S;
}

/* Connects as CALLTRACK_DB says and LISTENs; on failure logs and leaves
 * the next try for RECONNECT_S later. */
static void
db_connect(struct sender *s)
{
	char timeout[16], options[64], app[64];
	const char *keys[5], *vals[5];
	PGresult *r;
	int n = 0;

	if (s->conn != NULL || now_s() < s->next_connect)
		return;
	snprintf(timeout, sizeof(timeout), "%lld", s->cfg->connect_timeout_s);
	snprintf(options, sizeof(options), "-c statement_timeout=%lld",
	    s->cfg->statement_timeout_ms);
	snprintf(app, sizeof(app), "calltrack-notify[%ld]", (long)getpid());
	if (s->cfg->db != NULL) {
		keys[n] = "dbname";
		vals[n++] = s->cfg->db;
	}
	keys[n] = "connect_timeout";
	vals[n++] = timeout;
	keys[n] = "options";
	vals[n++] = options;
	keys[n] = "application_name";
	vals[n++] = app;
	keys[n] = NULL;
	vals[n] = NULL;
	s->conn = PQconnectdbParams(keys, vals, 1);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		ct_log_msg(NULL, "could not connect to the database: %s",
		    s->conn ? PQerrorMessage(s->conn) : "out of memory");
		db_drop(s);
		return;
	}
	r = PQexec(s->conn, "LISTEN calltrack_notify");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		ct_log_msg(NULL, "could not listen: %s",
		    PQresultErrorMessage(r));
		PQclear(r);
		db_drop(s);
		return;
	}
	PQclear(r);
	/* What was written while we were away is due now. */
	s->wake = true;
}

/* Runs one statement; NULL (logged, the connection dropped when it broke)
 * or a tuples result for the caller to PQclear. */
static PGresult *
db_run(struct sender *s, const char *what, const char *sql, int n,
    const char *const *vals)
{
	PGresult *r;

	if (s->conn == NULL)
		return NULL;
	r = PQexecParams(s->conn, sql, n, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		return r;
	ct_log_msg(NULL, "could not %s: %s %s", what,
	    r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "-",
	    r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) :
	    PQerrorMessage(s->conn));
	PQclear(r);
	if (PQstatus(s->conn) != CONNECTION_OK)
		db_drop(s);
	return NULL;
}

/* ---- One message ---- */

static void
slot_release(struct slot *sl)
{
	size_t i;

	free(sl->payload);
	sl->payload = NULL;
	curl_slist_free_all(sl->headers);
	curl_slist_free_all(sl->rcpt);
	sl->headers = sl->rcpt = NULL;
	for (i = 0; i < sizeof(sl->redact) / sizeof(sl->redact[0]); i++) {
		if (sl->redact[i] != NULL)
			memset(sl->redact[i], 0, strlen(sl->redact[i]));
		free(sl->redact[i]);
		sl->redact[i] = NULL;
	}
	sl->state = SLOT_IDLE;
}

/* Ends the attempt without a request (what was claimed cannot be sent as
 * it is): the result is a failed attempt with that error. */
static void
slot_fail(struct slot *sl, const char *error)
{
	sl->ok = false;
	sl->status = 0;
	snprintf(sl->error, sizeof(sl->error), "%s", error);
	sl->ms = ms_since(&sl->t0);
	sl->tries = 0;
	sl->state = SLOT_RESULT;
}

/* libcurl reads the mail from here. */
static size_t
read_payload(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct slot *sl = arg;
	size_t n = size * nmemb, left = sl->payload_len - sl->payload_off;

	if (n > left)
		n = left;
	memcpy(buf, sl->payload + sl->payload_off, n);
	sl->payload_off += n;
	return n;
}

static const char *
col(PGresult *r, int row, const char *name)
{
	int c = PQfnumber(r, name);

	if (c < 0 || PQgetisnull(r, row, c))
		return NULL;
	return PQgetvalue(r, row, c);
}

static char *
dup_or_null(const char *v)
{
	return v != NULL ? strdup(v) : NULL;
}

/* Sets up the webhook request: the body as the database made it, signed. */
static const char *
setup_webhook(struct slot *sl, const char *webhook_id, const char *secret,
    const char *secret_next, const char *body)
{
	char sig[CT_NOTIFY_SIG_MAX], h[200];
	long long ts = (long long)time(NULL);
	struct curl_slist *l = NULL, *t;

	if ((sl->payload = strdup(body)) == NULL)
		return "out of memory";
	sl->payload_len = strlen(body);
	if (ct_notify_sign(secret, secret_next, webhook_id, ts, sl->payload,
	    sl->payload_len, sig) != CT_OK)
		return "the destination's signing secret is not whsec_ and "
		    "Base64";
	snprintf(h, sizeof(h), "webhook-id: %s", webhook_id);
	l = curl_slist_append(l, h);
	snprintf(h, sizeof(h), "webhook-timestamp: %lld", ts);
	if (l != NULL && (t = curl_slist_append(l, h)) != NULL)
		l = t;
	snprintf(h, sizeof(h), "webhook-signature: %s", sig);
	if (l != NULL && (t = curl_slist_append(l, h)) != NULL)
		l = t;
	sl->headers = l;
	return l != NULL ? NULL : "out of memory";
}

static const char *
setup_slack(struct slot *sl, const char *body)
{
	struct ct_notify_text t;

	if (ct_notify_describe(body, strlen(body), sl->redact[4], &t) != CT_OK)
		return "the message's body is not what it should be";
	if (ct_notify_slack(&t, &sl->payload) != CT_OK)
		return "out of memory";
	sl->payload_len = strlen(sl->payload);
	return NULL;
}

static const char *
setup_email(struct slot *sl, const struct ct_config *cfg, PGresult *r, int i,
    const char *body)
{
	static char rcpt[CT_NOTIFY_RCPT_MAX][CT_NOTIFY_ADDR_MAX + 1];
	struct ct_notify_text t;
	const char *from = col(r, i, "mail_from"), *user = col(r, i, "smtp_user");
	char addr[CT_NOTIFY_ADDR_MAX + 3];
	struct curl_slist *l = NULL, *x;
	CURL *h = sl->out.easy;
	int n, k;

	if (from == NULL)
		from = MAIL_FROM_DEFAULT;
	if (!ct_notify_addr_ok(from))
		return "the destination's sender address is not valid";
	if (ct_notify_recipients(col(r, i, "mail_to"), rcpt, &n) != CT_OK)
		return "the destination's recipients are not valid";
	if (ct_notify_describe(body, strlen(body), cfg->dashboard_url, &t) !=
	    CT_OK)
		return "the message's body is not what it should be";
	if (ct_notify_email(&t, from, rcpt, n, col(r, i, "webhook_id"),
	    time(NULL), &sl->payload, &sl->payload_len) != CT_OK)
		return "could not make the mail";
	for (k = 0; k < n; k++) {
		snprintf(addr, sizeof(addr), "<%.320s>", rcpt[k]);
		if ((x = curl_slist_append(l, addr)) == NULL) {
			curl_slist_free_all(l);
			return "out of memory";
		}
		l = x;
	}
	sl->rcpt = l;
	snprintf(addr, sizeof(addr), "<%.320s>", from);
	if (curl_easy_setopt(h, CURLOPT_MAIL_FROM, addr) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, l) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_payload) !=
	    CURLE_OK || curl_easy_setopt(h, CURLOPT_READDATA, sl) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)sl->payload_len) != CURLE_OK ||
	    /* STARTTLS where the server offers it (smtps:// is TLS from the
	     * start). */
	    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY) !=
	    CURLE_OK)
		return "could not set up the mail";
	if (user != NULL && *user != '\0' &&
	    (curl_easy_setopt(h, CURLOPT_USERNAME, user) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PASSWORD, sl->redact[3] ?
	    sl->redact[3] : "") != CURLE_OK))
		return "could not set up the mail";
	return NULL;
}

/* Starts sending row i of the claim r in the idle slot sl. */
static void
slot_start(struct sender *s, struct slot *sl, PGresult *r, int i)
{
	const char *kind = col(r, i, "kind"), *url = col(r, i, "url");
	const char *body = col(r, i, "body"), *why = NULL, *protocols;
	long long attempt;
	CURL *h = sl->out.easy;

	clock_gettime(CLOCK_MONOTONIC, &sl->t0);
	snprintf(sl->org, sizeof(sl->org), "%s", col(r, i, "org_id"));
	snprintf(sl->id, sizeof(sl->id), "%s", col(r, i, "id"));
	snprintf(sl->dest, sizeof(sl->dest), "%s", col(r, i, "destination_id"));
	snprintf(sl->event, sizeof(sl->event), "%s", col(r, i, "event"));
	snprintf(sl->kind, sizeof(sl->kind), "%s", kind ? kind : "?");
	sl->attempt = ct_num_parse_str(col(r, i, "attempt"), 1, 1000000,
	    &attempt) == CT_OK ? (int)attempt : 0;
	sl->payload_off = 0;
	sl->redact[0] = dup_or_null(url);
	sl->redact[1] = dup_or_null(col(r, i, "secret"));
	sl->redact[2] = dup_or_null(col(r, i, "secret_next"));
	sl->redact[3] = dup_or_null(col(r, i, "smtp_password"));
	sl->redact[4] = dup_or_null(s->cfg->dashboard_url);
	sl->state = SLOT_SENDING;
	if (kind == NULL || url == NULL || body == NULL) {
		slot_fail(sl, "the message has no body: its call is gone");
		return;
	}
	if (strcmp(kind, "email") == 0)
		protocols = "smtp,smtps";
	else
		protocols = s->cfg->notify_allow_http ? "http,https" : "https";
	if (ct_outbound_prepare(&sl->out, url, protocols,
	    s->cfg->notify_allow_private != 0) != CT_OK) {
		slot_fail(sl, "could not set up the request");
		return;
	}
	if (strcmp(kind, "webhook") == 0)
		why = setup_webhook(sl, col(r, i, "webhook_id"), sl->redact[1],
		    sl->redact[2], body);
	else if (strcmp(kind, "slack") == 0)
		why = setup_slack(sl, body);
	else if (strcmp(kind, "email") == 0)
		why = setup_email(sl, s->cfg, r, i, body);
	else
		why = "unknown kind of destination";
	if (why == NULL && strcmp(kind, "email") != 0) {
		struct curl_slist *t;

		/* No "Expect: 100-continue" wait before a large body. */
		if ((t = curl_slist_append(sl->headers,
		    "Content-Type: application/json")) != NULL)
			sl->headers = t;
		if ((t = curl_slist_append(sl->headers, "Expect:")) != NULL)
			sl->headers = t;
		if (curl_easy_setopt(h, CURLOPT_HTTPHEADER, sl->headers) !=
		    CURLE_OK || curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		    sl->payload) != CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)sl->payload_len) != CURLE_OK)
			why = "could not set up the request";
	}
	if (why == NULL && (curl_easy_setopt(h, CURLOPT_PRIVATE, sl) !=
	    CURLE_OK || curl_multi_add_handle(s->multi, h) != CURLM_OK))
		why = "could not start the request";
	if (why != NULL)
		slot_fail(sl, why);
}

/* The transfer of sl ended with rc: its result. */
static void
slot_done(struct sender *s, struct slot *sl, CURLcode rc)
{
	const char *redact[6];
	size_t i, n = 0;

	(void)curl_multi_remove_handle(s->multi, sl->out.easy);
	sl->status = 0;
	(void)curl_easy_getinfo(sl->out.easy, CURLINFO_RESPONSE_CODE,
	    &sl->status);
	sl->ok = ct_outbound_answered(&sl->out, rc) && sl->status >= 200 &&
	    sl->status < 300 && sl->out.refused[0] == '\0';
	for (i = 0; i < sizeof(sl->redact) / sizeof(sl->redact[0]); i++)
		if (sl->redact[i] != NULL && i != 4)
			redact[n++] = sl->redact[i];
	redact[n] = NULL;
	if (!sl->ok)
		ct_outbound_describe(&sl->out, rc, sl->status, redact, sl->error,
		    sizeof(sl->error));
	else
		sl->error[0] = '\0';
	if (!sl->ok && sl->error[0] == '\0')
		snprintf(sl->error, sizeof(sl->error), "no answer");
	sl->ms = ms_since(&sl->t0);
	sl->tries = 0;
	sl->state = SLOT_RESULT;
	s->wake = true;		/* its destination is free again */
}

/* Writes the result of sl's attempt; the slot is free once written (or
 * given up on: the lease will send the message again). */
static void
slot_record(struct sender *s, struct slot *sl)
{
	char attempt[16], status[16], ms[24], scale[24];
	const char *vals[8];
	PGresult *r;

	snprintf(attempt, sizeof(attempt), "%d", sl->attempt);
	snprintf(status, sizeof(status), "%ld", sl->status);
	snprintf(ms, sizeof(ms), "%lld", sl->ms);
	snprintf(scale, sizeof(scale), "%lld", s->cfg->notify_backoff_scale);
	vals[0] = sl->org;
	vals[1] = sl->id;
	vals[2] = attempt;
	vals[3] = sl->ok ? "true" : "false";
	vals[4] = sl->status > 0 ? status : NULL;
	vals[5] = sl->error[0] != '\0' ? sl->error : NULL;
	vals[6] = ms;
	vals[7] = scale;
	r = db_run(s, "record an attempt", "SELECT ct_notify_result($1::uuid, "
	    "$2::uuid, $3::int, $4::boolean, $5::int, $6, $7::int, $8::int)",
	    8, vals);
	/* Not written (the database went away, or refused it): again on the
	 * next turn, a few times. */
	if (r == NULL && ++sl->tries < RESULT_TRIES)
		return;
	/* One line per attempt: never the URL, the body or a secret. */
	ct_log_msg(sl->id, "notification org=%s destination=%s event=%s "
	    "kind=%s attempt=%d status=%ld outcome=%s ms=%lld error=%s",
	    sl->org, sl->dest, sl->event, sl->kind, sl->attempt, sl->status,
	    r != NULL ? PQgetvalue(r, 0, 0) : "unrecorded", sl->ms,
	    sl->error[0] != '\0' ? sl->error : "-");
	PQclear(r);
	slot_release(sl);
}

/* ---- The loop ---- */

/* Claims what is due for the idle slots and starts it; returns how many
 * were claimed, or -1 when the claim failed. */
static int
claim(struct sender *s)
{
	char limit[16], lease[16], busy[SLOTS_MAX * 40 + 4];
	const char *vals[3] = { limit, lease, busy };
	size_t o = 0;
	int idle = 0, i, n, k = 0;
	PGresult *r;

	busy[o++] = '{';
	for (i = 0; i < s->nslots; i++) {
		if (s->slots[i].state == SLOT_IDLE) {
			idle++;
			continue;
		}
		o += (size_t)snprintf(busy + o, sizeof(busy) - o, "%s%s",
		    o > 1 ? "," : "", s->slots[i].dest);
	}
	busy[o++] = '}';
	busy[o] = '\0';
	if (idle == 0)
		return 0;
	snprintf(limit, sizeof(limit), "%d", idle);
	snprintf(lease, sizeof(lease), "%lld", s->cfg->notify_lease_s);
	if ((r = db_run(s, "claim notifications", "SELECT * FROM "
	    "ct_notify_claim($1::int, $2::int, $3::uuid[])", 3, vals)) == NULL)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < s->nslots && k < n; i++) {
		if (s->slots[i].state != SLOT_IDLE)
			continue;
		slot_start(s, &s->slots[i], r, k++);
	}
	PQclear(r);
	return n;
}

static int
in_flight(const struct sender *s)
{
	int i, n = 0;

	for (i = 0; i < s->nslots; i++)
		n += s->slots[i].state != SLOT_IDLE;
	return n;
}

int
ct_sender_run(const struct ct_config *cfg, volatile sig_atomic_t *stop,
    bool once)
{
	static struct sender s;
	struct curl_waitfd wfd;
	CURLMsg *m;
	int i, running, left, claimed = 0, rc = 0;
	time_t now;
	long timeout_ms;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.nslots = (int)(cfg->notify_concurrency < SLOTS_MAX ?
	    cfg->notify_concurrency : SLOTS_MAX);
	s.wake = true;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (s.multi = curl_multi_init()) == NULL) {
		ct_log_msg(NULL, "could not start libcurl");
		return 1;
	}
	for (i = 0; i < s.nslots; i++) {
		if (ct_outbound_init(&s.slots[i].out) != CT_OK) {
			ct_log_msg(NULL, "could not start libcurl: out of memory");
			rc = 1;
			goto cleanup;
		}
	}
	ct_log_msg(NULL, "started: %d in flight at most, lease %lld s, poll "
	    "%lld s, backoff scale %lld%s", s.nslots, cfg->notify_lease_s,
	    cfg->notify_poll_s, cfg->notify_backoff_scale,
	    cfg->notify_allow_private ? ", private addresses allowed" : "");
	for (;;) {
		bool draining = *stop != 0;

		now = now_s();
		db_connect(&s);
		for (i = 0; i < s.nslots; i++)
			if (s.slots[i].state == SLOT_RESULT && s.conn != NULL)
				slot_record(&s, &s.slots[i]);
		if (!draining && s.conn != NULL && now >= s.next_digest) {
			PGresult *r = db_run(&s, "write the daily digests",
			    "SELECT ct_notify_digests(now())", 0, NULL);

			if (r != NULL)
				s.next_digest = now + DIGEST_EVERY_S;
			PQclear(r);
		}
		if (!draining && s.conn != NULL &&
		    (s.wake || now >= s.next_poll)) {
			s.wake = false;
			s.next_poll = now + cfg->notify_poll_s;
			claimed = claim(&s);
			/* A full claim: more may be due as slots free. */
			if (claimed > 0)
				s.wake = true;
		}
		if ((draining || (once && claimed == 0 && !s.wake)) &&
		    in_flight(&s) == 0)
			break;
		if (draining && s.conn == NULL) {
			/* Results that cannot be written now are left to
			 * the leases. */
			int sending = 0;

			for (i = 0; i < s.nslots; i++)
				sending += s.slots[i].state == SLOT_SENDING;
			if (sending == 0)
				break;
		}
		timeout_ms = 1000;
		if (s.wake)
			timeout_ms = 0;
		memset(&wfd, 0, sizeof(wfd));
		if (s.conn != NULL) {
			wfd.fd = PQsocket(s.conn);
			wfd.events = CURL_WAIT_POLLIN;
		}
		(void)curl_multi_poll(s.multi, &wfd, s.conn != NULL ? 1 : 0,
		    (int)timeout_ms, NULL);
		if (s.conn != NULL && (wfd.revents & CURL_WAIT_POLLIN)) {
			PGnotify *nt;

			if (!PQconsumeInput(s.conn)) {
				ct_log_msg(NULL, "lost the database: %s",
				    PQerrorMessage(s.conn));
				db_drop(&s);
			} else {
				while ((nt = PQnotifies(s.conn)) != NULL) {
					s.wake = true;
					PQfreemem(nt);
				}
			}
		}
		(void)curl_multi_perform(s.multi, &running);
		while ((m = curl_multi_info_read(s.multi, &left)) != NULL) {
			struct slot *sl = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			(void)curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&sl);
			if (sl != NULL)
				slot_done(&s, sl, m->data.result);
		}
	}
	ct_log_msg(NULL, "stopped");
cleanup:
	for (i = 0; i < s.nslots; i++) {
		if (s.slots[i].state == SLOT_SENDING)
			(void)curl_multi_remove_handle(s.multi,
			    s.slots[i].out.easy);
		slot_release(&s.slots[i]);
		ct_outbound_free(&s.slots[i].out);
	}
	curl_multi_cleanup(s.multi);
	if (s.conn != NULL)
		PQfinish(s.conn);
	curl_global_cleanup();
	return rc;
}
