/*
 * calltrack-admin: the administrator's command line.
 *
 * Every command is one row of the table below: its noun, its verb (none
 * for a noun alone), the function that runs it, how many positional
 * arguments it takes, the options it takes, and its usage line.  The
 * arguments of every command are parsed here against its row, once; the
 * usage text (`calltrack-admin help`, or any usage error) is printed from
 * the table.  A new command is one row here and one file, the noun's
 * (tools/admin/NOUN.c, declared in admin.h): nothing else changes.
 *
 * A secret given as "-" is read from the first line of standard input, so
 * it need not appear in the process list.  Connects with CALLTRACK_ADMIN_DB
 * (a libpq connection string) or libpq's PG* variables, as a role that
 * owns the schema and bypasses row-level security (every org is its
 * business); `spool drain` connects as the programs do, with CALLTRACK_DB,
 * when that is set.  Exit status: 0 done, 1 failed, 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

static const struct adm_opt org_create_opts[] = {
	{ "--country", 1 }, { "--timezone", 1 }, { NULL, 0 } };
static const struct adm_opt token_create_opts[] = {
	{ "--label", 1 }, { "--role", 1 }, { NULL, 0 } };
/* The Vapi credential's options, in create and update alike. */
#define VAPI_AUTH_OPTS \
	{ "--vapi-auth", 1 }, { "--hmac-algorithm", 1 }, \
	{ "--hmac-encoding", 1 }, { "--hmac-prefix", 1 }, \
	{ "--bearer-header", 1 }, { "--bearer-prefix", 1 }, \
	{ "--hmac-signature-header", 1 }, { "--hmac-timestamp-header", 1 }, \
	{ "--hmac-payload", 1 }, { "--hmac-secret-base64", 1 }
static const struct adm_opt integration_create_opts[] = {
	{ "--provider", 1 }, { "--secret", 1 }, { "--id", 1 },
	{ "--public-url", 1 }, VAPI_AUTH_OPTS, { NULL, 0 } };
static const struct adm_opt integration_update_opts[] = {
	VAPI_AUTH_OPTS, { NULL, 0 } };
static const struct adm_opt secret_opts[] = {
	{ "--secret", 1 }, { NULL, 0 } };
static const struct adm_opt set_api_key_opts[] = {
	{ "--api-key", 1 }, { "--account-sid", 1 }, { "--clear", 0 },
	{ NULL, 0 } };
static const struct adm_opt stats_opts[] = {
	{ "--since", 1 }, { NULL, 0 } };
static const struct adm_opt drain_opts[] = {
	{ "--dir", 1 }, { NULL, 0 } };
static const struct adm_opt replay_opts[] = {
	{ "--parked", 0 }, { "--call", 1 }, { "--org", 1 }, { "--from", 1 },
	{ "--to", 1 }, { "--received-from", 1 }, { "--received-to", 1 },
	{ NULL, 0 } };
static const struct adm_opt notify_add_opts[] = {
	{ "--kind", 1 }, { "--url", 1 }, { "--to", 1 }, { "--from", 1 },
	{ "--smtp-user", 1 }, { "--smtp-password", 1 }, { "--events", 1 },
	{ NULL, 0 } };
static const struct adm_opt notify_deliveries_opts[] = {
	{ "--state", 1 }, { NULL, 0 } };

/* The dispatch table: one row per command, in the usage's order. */
static const struct adm_command commands[] = {
	{ "org", "create", adm_org_create, 1, 1, org_create_opts,
	    "NAME [--country CC] [--timezone TZ]" },
	{ "org", "list", adm_org_list, 0, 0, NULL,
	    "\n           (id, name, country, time zone, calls)" },
	{ "token", "create", adm_token_create, 1, 1, token_create_opts,
	    "ORG [--label L] [--role viewer|editor|admin]\n"
	    "           (default editor; prints the token, shown once; its id on stderr)" },
	{ "token", "revoke", adm_token_revoke, 1, 1, NULL, "TOKEN-ID" },
	{ "token", "list", adm_token_list, 1, 1, NULL, "ORG" },
	{ "integration", "create", adm_integration_create, 1, 1,
	    integration_create_opts,
	    "ORG --provider vapi|retell|twilio\n"
	    "           --secret S [--id SLUG] [--public-url URL] "
	    "[VAPI CREDENTIAL]\n"
	    "           (prints the webhook URL: --public-url, else "
	    "CALLTRACK_PUBLIC_URL\n"
	    "           followed by /hooks/PROVIDER/ID, else that path alone)" },
	{ "integration", "update", adm_integration_update, 1, 1,
	    integration_update_opts,
	    "ID [VAPI CREDENTIAL]\n"
	    "           VAPI CREDENTIAL: [--vapi-auth secret|bearer|hmac]\n"
	    "           [--bearer-header H] [--bearer-prefix on|off]\n"
	    "           [--hmac-algorithm sha1|sha256|sha512] "
	    "[--hmac-encoding hex|base64]\n"
	    "           [--hmac-prefix P] [--hmac-signature-header H] "
	    "[--hmac-timestamp-header H]\n"
	    "           [--hmac-payload '{timestamp}.{body}'|'{body}'] "
	    "[--hmac-secret-base64 on|off]" },
	{ "integration", "list", adm_integration_list, 0, 1, NULL,
	    "[ORG]\n           (id, org, provider, created, disabled)" },
	{ "integration", "rotate", adm_integration_rotate, 1, 1, secret_opts,
	    "ID --secret S" },
	{ "integration", "retire-secret", adm_integration_retire_secret, 1, 1,
	    NULL, "ID" },
	{ "integration", "disable", adm_integration_disable, 1, 1, NULL, "ID" },
	{ "integration", "enable", adm_integration_enable, 1, 1, NULL, "ID" },
	{ "integration", "set-api-key", adm_integration_set_api_key, 1, 1,
	    set_api_key_opts,
	    "ID --api-key KEY|- [--account-sid AC...] | ID --clear\n"
	    "           (the provider's API key, for reconciliation; Twilio's "
	    "needs\n           its Account SID, else the callbacks' is used)" },
	{ "sweep", NULL, adm_sweep, 0, 0, NULL,
	    "\n           (asks the providers about stuck calls and missing "
	    "reports,\n           closes stuck calls, folds the per-day counts, "
	    "prunes old\n           rejected requests, and says how many of "
	    "each)" },
	{ "stats", "ingest", adm_stats_ingest, 0, 0, stats_opts,
	    "[--since INTERVAL]" },
	{ "spool", "drain", adm_spool_drain, 0, 0, drain_opts,
	    "[--dir DIR]\n"
	    "           (connects with CALLTRACK_DB, the programs' role, when "
	    "it is set)" },
	{ "replay", NULL, adm_replay, 0, 0, replay_opts,
	    "--parked | --call CALL-ID | --org ORG\n"
	    "           [--from TIME] [--to TIME]   (the call's time: when it "
	    "started)\n"
	    "           [--received-from TIME] [--received-to TIME]   (when "
	    "the event came)" },
	{ "notify", "add", adm_notify_add, 1, 1, notify_add_opts,
	    "ORG --kind webhook|slack|email --url URL\n"
	    "           [--to A,B] [--from F] [--smtp-user U] "
	    "[--smtp-password P]\n"
	    "           [--events e1,e2]   (default every event; prints the "
	    "id, and a\n"
	    "           webhook's signing secret, shown only this once)" },
	{ "notify", "list", adm_notify_list, 1, 1, NULL, "ORG" },
	{ "notify", "remove", adm_notify_remove, 1, 1, NULL, "ID" },
	{ "notify", "test", adm_notify_test, 1, 1, NULL,
	    "ID   (queues a test message; prints its id)" },
	{ "notify", "deliveries", adm_notify_deliveries, 1, 1,
	    notify_deliveries_opts, "ORG [--state pending|delivered|failed]" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

void
adm_usage_print(FILE *f)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++) {
		const struct adm_command *c = &commands[i];
		const char *u = c->usage;

		fprintf(f, "%s calltrack-admin %s%s%s%s%s\n", i == 0 ? "usage:" :
		    "      ", c->noun, c->verb ? " " : "", c->verb ? c->verb : "",
		    u[0] != '\0' && u[0] != '\n' ? " " : "", u);
	}
	fputs("A secret given as - is read from standard input's first line.\n"
	    "CALLTRACK_ADMIN_DB (or PG*): the administrator's database; "
	    "CALLTRACK_PUBLIC_URL:\nwhere nginx serves calltrack "
	    "(https://calls.example.com), for the webhook URLs.\n"
	    "Exit status: 0 done, 1 failed, 2 usage error.\n", f);
}

const char *
adm_opt(const struct adm_args *a, const char *name)
{
	size_t i;

	for (i = 0; a->opts != NULL && a->opts[i].name != NULL; i++)
		if (strcmp(a->opts[i].name, name) == 0)
			return a->val[i];
	return NULL;
}

/* Parses argv (the words after the command) against c's row into *a;
 * ADM_OK, or the usage error's exit status. */
static int
parse(const struct adm_command *c, const char *cmd, int argc, char **argv,
    struct adm_args *a)
{
	char why[160];
	int i;
	size_t k;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->opts = c->opts;
	/* Each option's value has its slot in a->val: a row with more options
	 * than slots is a bug of this table, refused before any is read. */
	for (k = 0; c->opts != NULL && c->opts[k].name != NULL; k++)
		if (k >= ADM_OPTS_MAX)
			return adm_fail(cmd, "its row has more options than "
			    "ADM_OPTS_MAX");
	for (i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (w[0] == '-' && w[1] == '-') {
			for (k = 0; c->opts != NULL && c->opts[k].name != NULL;
			    k++)
				if (strcmp(c->opts[k].name, w) == 0)
					break;
			if (c->opts == NULL || c->opts[k].name == NULL) {
				snprintf(why, sizeof(why), "%s takes no option "
				    "%.40s", cmd, w);
				return adm_usage(why);
			}
			if (a->val[k] != NULL) {
				snprintf(why, sizeof(why), "%s is given twice", w);
				return adm_usage(why);
			}
			if (!c->opts[k].has_value) {
				a->val[k] = "t";
				continue;
			}
			if (i + 1 >= argc) {
				snprintf(why, sizeof(why), "%s needs a value", w);
				return adm_usage(why);
			}
			a->val[k] = argv[++i];
		} else if (a->npos < c->max_args && w[0] != '-') {
			a->pos[a->npos++] = w;
		} else {
			snprintf(why, sizeof(why), "unexpected argument to %s",
			    cmd);
			return adm_usage(why);
		}
	}
	if (a->npos < c->min_args) {
		snprintf(why, sizeof(why), "%s needs %s", cmd, c->usage);
		/* Only the first line of the usage. */
		why[strcspn(why, "\n")] = '\0';
		return adm_usage(why);
	}
	return ADM_OK;
}

int
main(int argc, char **argv)
{
	const struct adm_command *c = NULL;
	struct adm_args a;
	char cmd[64];
	size_t i;
	int rc, used;

	if (argc < 2)
		return adm_usage(NULL);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		adm_usage_print(stdout);
		return ADM_OK;
	}
	for (i = 0; i < N_COMMANDS && c == NULL; i++) {
		if (strcmp(commands[i].noun, argv[1]) != 0)
			continue;
		if (commands[i].verb == NULL ||
		    (argc > 2 && strcmp(commands[i].verb, argv[2]) == 0))
			c = &commands[i];
	}
	if (c == NULL)
		return adm_usage("unknown command");
	used = c->verb != NULL ? 3 : 2;
	snprintf(cmd, sizeof(cmd), "%s%s%s", c->noun, c->verb ? " " : "",
	    c->verb ? c->verb : "");
	if ((rc = parse(c, cmd, argc - used, argv + used, &a)) != ADM_OK)
		return rc;
	rc = c->run(&a);
	adm_disconnect();
	return rc;
}
