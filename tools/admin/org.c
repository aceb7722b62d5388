/*
 * org.c: calltrack-admin org create, org list.
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "ingest/phone.h"

/* Creates an org; prints its id. */
int
adm_org_create(const struct adm_args *a)
{
	const char *name = a->pos[0], *country, *tz, *params[3];
	PGresult *r;

	country = adm_opt(a, "--country") ? adm_opt(a, "--country") : "US";
	tz = adm_opt(a, "--timezone") ? adm_opt(a, "--timezone") : "UTC";
	if (!ct_phone_country_known(country) || strlen(country) != 2 ||
	    country[0] < 'A' || country[0] > 'Z')
		return adm_usage("--country must be an upper-case ISO 3166 code "
		    "calltrack can read numbers of (US, GB, DE, ...)");
	params[0] = tz;
	if ((r = adm_run("check the time zone", "SELECT ct_is_timezone($1)", 1,
	    params)) == NULL)
		return ADM_FAIL;
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		PQclear(r);
		return adm_usage("--timezone must be an IANA time zone, such as "
		    "America/New_York");
	}
	PQclear(r);
	params[0] = name;
	params[1] = country;
	params[2] = tz;
	if ((r = adm_run("create the org", "INSERT INTO orgs (name, "
	    "default_country, timezone) VALUES ($1, $2, $3) RETURNING id", 3,
	    params)) == NULL)
		return ADM_FAIL;
	printf("%s\n", PQgetvalue(r, 0, 0));
	PQclear(r);
	return ADM_OK;
}

/* Lists every org, oldest first, under a header line. */
int
adm_org_list(const struct adm_args *a)
{
	PGresult *r;
	int i;

	(void)a;
	if ((r = adm_run("list orgs", "SELECT o.id, o.name, o.default_country, "
	    "o.timezone, COALESCE(n.calls, 0) FROM orgs o LEFT JOIN (SELECT "
	    "org_id, count(*) AS calls FROM calls GROUP BY org_id) n ON n.org_id "
	    "= o.id ORDER BY o.created_at, o.id", 0, NULL)) == NULL)
		return ADM_FAIL;
	printf("id\tname\tcountry\tzone\tcalls\n");
	for (i = 0; i < PQntuples(r); i++)
		printf("%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
	PQclear(r);
	return ADM_OK;
}
