/*
 * fuzz_contacts.c: libFuzzer target for the contacts API's inputs: a
 * write's JSON body (PATCH's and POST's fields, and an acknowledgement's
 * none), and the query strings of GET /api/contacts and GET /api/alerts,
 * cursors included.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read/contacts.h"
#include "read/csv.h"
#include "read/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_contact_change c;
	struct ct_contacts_query cq;
	struct ct_alerts_query aq;
	const char *bad;
	char *s = malloc(size + 1), cell[256];

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)ct_contact_change_parse(s, size, CT_CONTACT_PATCH_FIELDS, 0, &c,
	    &bad);
	ct_contact_change_free(&c);
	(void)ct_contact_change_parse(s, size, CT_CONTACT_POST_FIELDS,
	    CT_CONTACT_PHONE, &c, &bad);
	ct_contact_change_free(&c);
	(void)ct_contact_change_parse(s, size, 0, 0, &c, &bad);
	ct_contact_change_free(&c);
	(void)ct_contacts_query_parse(s, &cq, &bad);
	ct_contacts_query_free(&cq);
	(void)ct_alerts_query_parse(s, &aq, &bad);
	ct_alerts_query_free(&aq);
	(void)ct_csv_cell(s, cell, sizeof(cell));
	free(s);
	return 0;
}
