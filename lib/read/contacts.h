/*
 * contacts.h: contacts and hot-lead alerts over the dashboard API
 * (docs/API.md "Contacts and leads", "Alerts"): the bodies of their
 * writes, checked here before any of it reaches SQL, and the handler of
 * dashboard-contacts.
 */
#ifndef CT_CONTACTS_H
#define CT_CONTACTS_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/err.h"
#include "core/http.h"

#define CT_CONTACT_NAME_MAX 200		/* characters */
#define CT_CONTACT_EMAIL_MAX 320	/* characters */
#define CT_CONTACT_EMAIL_LOCAL_MAX 64	/* bytes before the '@' */
#define CT_CONTACT_NOTES_MAX 4000	/* characters */
#define CT_CONTACT_PHONE_MAX 64		/* bytes of a number as typed */
#define CT_CONTACT_KEYS_MAX 64		/* members of a body, at most */
#define CT_CONTACTS_CSV_CAP 100000	/* rows of the contacts' export */

/* The fields a write may carry. */
enum ct_contact_field {
	CT_CONTACT_PHONE = 1 << 0,
	CT_CONTACT_NAME = 1 << 1,
	CT_CONTACT_EMAIL = 1 << 2,
	CT_CONTACT_LEAD_STATUS = 1 << 3,
	CT_CONTACT_NOTES = 1 << 4,
};

/* PATCH /api/contacts/<id> and POST /api/contacts. */
#define CT_CONTACT_PATCH_FIELDS (CT_CONTACT_NAME | CT_CONTACT_EMAIL | \
    CT_CONTACT_LEAD_STATUS | CT_CONTACT_NOTES)
#define CT_CONTACT_POST_FIELDS (CT_CONTACT_PHONE | CT_CONTACT_NAME | \
    CT_CONTACT_EMAIL | CT_CONTACT_LEAD_STATUS)

/*
 * A write's body, checked: which fields it gives (CT_CONTACT_* bits in
 * given) and their values, NULL for a field given as JSON null.  The
 * strings belong to root.
 */
struct ct_contact_change {
	unsigned	 given;
	const char	*phone;
	const char	*name;
	const char	*email;
	const char	*lead_status;
	const char	*notes;
	json_object	*root;
};

/*
 * Parses len bytes of body, a JSON object whose members are fields of
 * allowed, into c, and checks each: a string (or null, for name, email
 * and notes) of the field's shape.  A name is at most
 * CT_CONTACT_NAME_MAX characters with no control character, no
 * bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069) and
 * no U+FFFD (what json-c makes of an escaped lone surrogate); an
 * email looks like one (local@domain.tld) and is at most
 * CT_CONTACT_EMAIL_MAX characters; lead_status is one of the five; notes
 * are at most CT_CONTACT_NOTES_MAX characters, no control character but
 * tab and line breaks; a phone at most CT_CONTACT_PHONE_MAX bytes.  No
 * string may hold a NUL.  Whether a name is a placeholder is the
 * database's to say (ct_is_real_name).  Every field of required must be
 * given.  Returns CT_OK, CT_ERR_NOMEM, or CT_ERR_INVALID_PARAMETER with
 * *bad naming the field: a member that is not a field (by its name, when
 * that is a plain word), one given twice, one of the wrong type or shape,
 * one required and missing; or "body" for a body that is not one JSON
 * object.  *bad stays valid until ct_contact_change_free(c), which the
 * caller calls either way.
 */
enum ct_err ct_contact_change_parse(const char *body, size_t len,
    unsigned allowed, unsigned required, struct ct_contact_change *c,
    const char **bad) __attribute__((warn_unused_result));
void ct_contact_change_free(struct ct_contact_change *c);

/*
 * GET, POST /api/contacts; GET, PATCH /api/contacts/<id>; GET
 * /api/alerts; POST /api/alerts/<id>/acknowledge.  Every write needs an
 * editor's token (CT_ERR_FORBIDDEN otherwise, before anything is read).
 */
enum ct_err ct_dashboard_contacts(struct ct_request *req, const void *ctx);

#endif
