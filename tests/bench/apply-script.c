/*
 * apply-script: prints the pgbench script of calltrack's webhook
 * transaction, for the database ceiling of `make bench`.
 *
 *   apply-script ORG INTEGRATION vapi|retell BODY-FILE
 *   apply-script --sql      the statement's text alone (the bench's peer
 *                           must send the same)
 *
 * The body is mapped by the same code as the webhook program, and the
 * statement is the one the program sends (ct_event_apply_sql()) with the
 * same parameter values, written as literals; only the call id, the
 * dedup key, the caller's number and the Twilio call under it change per
 * transaction (pgbench variables), so every transaction records a new
 * event of a new call from one of 10,000 callers, as the load does.  The statement names the
 * integration, not ORG: the database pins the integration's org itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/event.h"
#include "ingest/retell.h"
#include "ingest/vapi.h"

static void
literal(const char *v)
{
	if (v == NULL) {
		fputs("NULL", stdout);
		return;
	}
	putchar('\'');
	for (; *v != '\0'; v++) {
		if (*v == '\'')
			putchar('\'');
		if (*v == '\n') {	/* one statement per line for pgbench */
			fputs("' || chr(10) || '", stdout);
			continue;
		}
		/* pgbench reads ":name" as a variable even inside a string
		 * (a JSON value's ":true"): a colon is written apart. */
		if (*v == ':') {
			fputs("' || chr(58) || '", stdout);
			continue;
		}
		putchar(*v);
	}
	putchar('\'');
}

static void
bytes(const char *v, size_t n)
{
	size_t i;

	fputs("'\\x", stdout);
	for (i = 0; i < n; i++)
		printf("%02x", (unsigned char)v[i]);
	fputs("'::bytea", stdout);
}

int
main(int argc, char **argv)
{
	struct ct_integration in;
	struct ct_call_event ev;
	struct ct_map_ctx ctx = { .country = "US" };
	struct ct_event_params p;
	struct ct_delivery d;
	static char body[16 << 20];
	size_t n;
	FILE *f;
	int i, vapi;

	if (argc == 2 && strcmp(argv[1], "--sql") == 0) {
		puts(ct_event_apply_sql());
		return 0;
	}
	if (argc != 5 || (strcmp(argv[3], "vapi") != 0 &&
	    strcmp(argv[3], "retell") != 0)) {
		fprintf(stderr, "usage: apply-script ORG INTEGRATION "
		    "vapi|retell BODY-FILE\n");
		return 2;
	}
	vapi = strcmp(argv[3], "vapi") == 0;
	if ((f = fopen(argv[4], "rb")) == NULL) {
		perror(argv[4]);
		return 1;
	}
	n = fread(body, 1, sizeof(body) - 1, f);
	fclose(f);
	body[n] = '\0';
	memset(&in, 0, sizeof(in));
	snprintf(in.org_id, sizeof(in.org_id), "%s", argv[1]);
	snprintf(in.id, sizeof(in.id), "%s", argv[2]);
	in.provider = vapi ? CT_PROVIDER_VAPI : CT_PROVIDER_RETELL;
	if ((vapi ? ct_vapi_map(body, n, &ctx, &ev) :
	    ct_retell_map(body, n, &ctx, &ev)) != CT_OK) {
		fprintf(stderr, "apply-script: %s does not map\n", argv[4]);
		ct_call_event_free(&ev);
		return 1;
	}
	d.body = body;
	d.body_len = n;
	d.content_type = "application/json";
	d.query = "";
	d.log_id = "bench";
	ct_event_params(&d, &in, &ev, &p);
	puts("\\set n random(1, 1000000000000)");
	puts("\\set p :n % 10000");
	fputs("SELECT outcome, call_id FROM ct_apply_event(", stdout);
	for (i = 0; i < CT_EVENT_NPARAMS; i++) {
		if (i > 0)
			fputs(", ", stdout);
		printf("%s => ", ct_event_param_names[i]);
		if (i == CT_EP_CALL_ID)
			fputs("'pgbench-' || :client_id || '-' || :n", stdout);
		else if (i == CT_EP_DEDUP_KEY)
			fputs("'key-' || :client_id || '-' || :n", stdout);
		else if (i == CT_EP_PHONE_NUMBER || i == CT_EP_PHONE_RAW)
			/* 10,000 callers, as the load */
			fputs("'+1415' || lpad(:p::text, 7, '0')",
			    stdout);
		else if (i == CT_EP_LINKED_CALL_SID && p.values[i] != NULL)
			/* each call its own Twilio call, as in the load */
			fputs("'CA' || lpad(to_hex(:n), 24, '0') || "
			    "lpad(to_hex(:client_id), 8, '0')", stdout);
		else if (i == CT_EP_PAYLOAD)
			bytes(body, n);
		else
			literal(p.values[i]);
	}
	puts(");");
	ct_call_event_free(&ev);
	return 0;
}
