/*
 * import.h: the contacts import, POST /api/contacts/import (docs/API.md).
 *
 * Two halves.  The plan is pure: a CSV file (csv.h) and the org's country
 * in, the rows to apply and the rows refused (each with its line, a
 * stable code and a message) out.  The handler signs the request in,
 * makes the plan and applies it in one transaction, in batches of
 * CT_IMPORT_BATCH rows (sql/functions/12_import.sql).
 */
#ifndef CT_IMPORT_H
#define CT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/http.h"
#include "ingest/phone.h"

#define CT_IMPORT_ROWS_MAX 200000	/* rows of a file, past its header */
#define CT_IMPORT_REJECTED_MAX 1000	/* refused rows an answer lists */
#define CT_IMPORT_BATCH 1000		/* rows a statement applies */
#define CT_IMPORT_DEADLINE_S 240	/* seconds an import may take before
					   it is rolled back (nginx waits
					   300 s for the answer) */
#define CT_IMPORT_NAME_MAX 200		/* characters */
#define CT_IMPORT_EMAIL_MAX 320		/* bytes */

/* Why a row was refused: its "code" in the answer is the name. */
enum ct_import_code {
	CT_IMPORT_OK = 0,
	CT_IMPORT_INVALID_PHONE,
	CT_IMPORT_INVALID_NAME,
	CT_IMPORT_INVALID_EMAIL,
	CT_IMPORT_INVALID_LEAD_STATUS,
	CT_IMPORT_SUPERSEDED,		/* a later row has the same number */
	CT_IMPORT__MAX
};

/* The stable code of c ("invalid_phone", …), "ok" for CT_IMPORT_OK. */
const char *ct_import_code_name(enum ct_import_code c);

/*
 * The checks of one cell, given without the spaces and tabs around it
 * (len bytes, valid UTF-8 without NUL, as the CSV reader gives it).  Each
 * returns CT_IMPORT_OK or the row's code, and sets *why to a fixed
 * message for it (NULL when OK).
 *
 * A name: at most CT_IMPORT_NAME_MAX characters, no control character
 * (C0, DEL, C1), no bidirectional embedding, override or isolate
 * (U+202A-U+202E, U+2066-U+2069), no placeholder ("Unknown Caller",
 * "Anonymous", "N/A", … as ct_is_real_name in sql/001_schema.sql), no
 * phone number (7 digits or more and no letter).
 */
enum ct_import_code ct_import_check_name(const char *s, size_t len,
    const char **why);

/* An email: at most CT_IMPORT_EMAIL_MAX bytes, one '@' between a local
 * part of 1 to 64 bytes and a domain of dot-separated labels, no space,
 * control character or any of "()<>[]\,;:. */
enum ct_import_code ct_import_check_email(const char *s, size_t len,
    const char **why);

/* A lead status, in any case: one of new, contacted, qualified, booked,
 * lost; *canonical is set to its lower-case name (a static string). */
enum ct_import_code ct_import_check_lead_status(const char *s, size_t len,
    const char **canonical, const char **why);

/* A row to apply: its line, its number, and what it sets (NULL: leave it
 * as it is); the strings belong to the plan. */
struct ct_import_row {
	long		 line;
	char		 phone[CT_PHONE_E164_MAX];
	const char	*name;
	const char	*email;
	const char	*lead_status;
	char		 display[CT_PHONE_DISPLAY_MAX];	/* the number as the
							   org reads it */
};

/* A refused row: its line, why, a fixed message; for a superseded row,
 * the line of the row that has its number last. */
struct ct_import_reject {
	long			 line;
	enum ct_import_code	 code;
	const char		*message;
	long			 by;
};

struct ct_import_plan {
	struct ct_import_row	*rows;		/* one per number, file order */
	size_t			 nrows;
	struct ct_import_reject	*rejects;	/* by line, once sorted */
	size_t			 nrejects;
	size_t			 read;		/* rows read, past the header and
						   without the empty ones */
	bool			 has[4];	/* phone, name, email,
						   lead_status columns */
	/* A refused file: the parameter named (or NULL) and why, for the
	 * client; the CSV fault and its line, for the log. */
	const char		*parameter;
	char			 message[200];
	/* Owned storage. */
	char			*arena;
	size_t			 arena_used, arena_size;
	size_t			 rows_cap, rejects_cap;
};

/*
 * Reads the len bytes of a CSV file at csv (not copied: they must outlive
 * the plan) into p, reading its numbers with country (an ISO code).  The
 * first record is the header: its columns are matched in any case and
 * without the spaces around them; phone is required, name, email and
 * lead_status are optional, any other is ignored; one of those four twice
 * refuses the file.  A record whose cells are all empty is skipped.  A
 * missing cell is an empty one, an empty cell leaves the contact's field
 * as it is.  Each other row is checked whole (its number with
 * ct_phone_e164, then each cell), so that it is applied whole or not at
 * all; of the rows that share a number, the last is the one that counts
 * (applied, or refused for its own reason), and the earlier ones are
 * refused as superseded.
 * Returns CT_OK; CT_ERR_MALFORMED_BODY (not CSV) or
 * CT_ERR_INVALID_PARAMETER (no phone column, a column twice) with
 * p->message (and p->parameter) saying why; CT_ERR_NOMEM; or an error of
 * ct_phone_e164 other than an unreadable number.  The caller frees p with
 * ct_import_plan_free in every case.
 */
enum ct_err ct_import_plan_make(struct ct_import_plan *p, const char *csv,
    size_t len, const char *country) __attribute__((warn_unused_result));

/*
 * Lists the plan's row i as refused with code and message after the plan
 * was made: the database left it out (it refused its name).  Rejects are
 * sorted again by ct_import_plan_sort.  CT_OK or CT_ERR_NOMEM.
 */
enum ct_err ct_import_plan_refuse(struct ct_import_plan *p, size_t i,
    enum ct_import_code code, const char *message)
    __attribute__((warn_unused_result));

/* Sorts the plan's rejects by line. */
void ct_import_plan_sort(struct ct_import_plan *p);

/* Frees what p holds; safe to repeat, and on a plan never made. */
void ct_import_plan_free(struct ct_import_plan *p);

/*
 * POST /api/contacts/import: an editor's token; the body a CSV file
 * (text/csv, up to CALLTRACK_IMPORT_BODY_LIMIT).  Answers 200 with
 * {"created", "updated", "unchanged", "rejected": [{"line", "code",
 * "message"}], "rejected_more"}, 400 for a file refused whole, 503 when
 * the database failed (nothing applied).
 */
enum ct_err ct_import_contacts(struct ct_request *req, const void *ctx);

#endif
