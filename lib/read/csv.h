/*
 * csv.h: a reader of CSV files as RFC 4180 writes them, for the contacts
 * import, and the cell the exports write (ct_csv_cell, at the end).
 *
 * Pure: it reads a buffer the caller holds and does no I/O.  The whole
 * buffer is checked before the first record: UTF-8 (RFC 3629) only, with
 * or without a byte-order mark; a UTF-16 mark, a NUL byte or bytes that are
 * not UTF-8 refuse the file.  Then records are read one at a time:
 * - a line ends with CRLF, LF or a lone CR (old Mac exports); the last
 *   line may have none;
 * - a field is quoted when its first byte is '"': inside, a doubled quote
 *   is one quote, and commas and line ends are part of the field (kept as
 *   they are);
 * - a quote inside an unquoted field, or anything but a comma or a line
 *   end after a closing quote, refuses the file (RFC 4180 allows neither;
 *   reading them some way would guess what the file meant);
 * - a quote left open at the end of the file refuses it;
 * - an empty line is skipped, and counted: each record says the line of
 *   the file where it starts, the first line being line 1.
 * Every count is bounded (struct ct_csv_limits): fields per record, bytes
 * per field, records per file.  Past a bound the file is refused.
 */
#ifndef CT_CSV_H
#define CT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define CT_CSV_FIELDS_MAX 64		/* fields of one record */
#define CT_CSV_FIELD_MAX 4096		/* bytes of one field, unquoted */
#define CT_CSV_RECORDS_MAX 200001	/* records of a file: a header and
					   200,000 rows */

/* Why a file was refused; ct_csv_fault_message says it in words. */
enum ct_csv_fault {
	CT_CSV_FAULT_NONE = 0,
	CT_CSV_FAULT_UTF16,		/* a UTF-16 byte-order mark */
	CT_CSV_FAULT_NUL,		/* a NUL byte (binary, UTF-16) */
	CT_CSV_FAULT_UTF8,		/* bytes that are not UTF-8 */
	CT_CSV_FAULT_UNTERMINATED,	/* a quoted field never closed */
	CT_CSV_FAULT_STRAY_QUOTE,	/* a quote in an unquoted field */
	CT_CSV_FAULT_AFTER_QUOTE,	/* text after a closing quote */
	CT_CSV_FAULT_FIELDS,		/* more fields than the limit */
	CT_CSV_FAULT_FIELD_LENGTH,	/* a field longer than the limit */
	CT_CSV_FAULT_RECORDS,		/* more records than the limit */
	CT_CSV_FAULT__MAX
};

/* The bounds of one reader; ct_csv_open takes the defaults above for a
 * NULL one.  Each must be at least 1. */
struct ct_csv_limits {
	size_t	fields;
	size_t	field_len;
	size_t	records;
};

/*
 * A reader over one buffer.  After each ct_csv_next that found a record,
 * fields[0 .. nfields-1] are its fields, each NUL-terminated, with their
 * lengths in lens (a field holds no NUL, since the file holds none), and
 * line is the line it starts on.  They belong to the reader and last until
 * the next call.  On a refusal, fault and fault_line say why and where.
 */
struct ct_csv {
	const char		*buf;
	size_t			 len;
	size_t			 pos;
	long			 cur_line;	/* the line of pos */
	size_t			 records;	/* read so far */
	struct ct_csv_limits	 lim;
	char			*scratch;	/* the fields' bytes */
	char			**fields;
	size_t			*lens;
	size_t			 nfields;
	long			 line;
	enum ct_csv_fault	 fault;
	long			 fault_line;
};

/*
 * Starts reading the len bytes at buf (not copied: they must outlive c),
 * with lim (NULL: the defaults), after checking the whole buffer as above
 * and skipping a UTF-8 byte-order mark.  Returns CT_OK;
 * CT_ERR_MALFORMED_BODY with c->fault and c->fault_line set; CT_ERR_NOMEM;
 * or CT_ERR_INVALID_PARAMETER for a limit of 0.  ct_csv_close frees what
 * it took in every case.
 */
enum ct_err ct_csv_open(struct ct_csv *c, const char *buf, size_t len,
    const struct ct_csv_limits *lim) __attribute__((warn_unused_result));

/*
 * Reads the next record.  Returns CT_OK with *more true and the record in
 * c, CT_OK with *more false at the end of the file (a file of only empty
 * lines has no record), or CT_ERR_MALFORMED_BODY with c->fault and
 * c->fault_line set; a refused reader stays refused.
 */
enum ct_err ct_csv_next(struct ct_csv *c, bool *more)
    __attribute__((warn_unused_result));

/* Frees what the reader holds (not the buffer).  Safe to repeat, and on a
 * reader whose open failed. */
void ct_csv_close(struct ct_csv *c);

/* A fixed sentence for a fault, lower case, safe for a client. */
const char *ct_csv_fault_message(enum ct_csv_fault fault);

/*
 * Writes v as one CSV cell into out (size bytes), as ct_csv does
 * (sql/functions/06_dashboard.sql): a cell that starts like a formula
 * (=, +, -, @, tab, CR) and is not a plain number is quoted text with a
 * single quote in front; one holding a comma, quote, CR or LF is quoted,
 * quotes doubled.  NULL is the empty cell.  Returns the length written, or
 * 0 with out "" when it does not fit.  2 * strlen(v) + 4 bytes always
 * suffice.
 */
size_t ct_csv_cell(const char *v, char *out, size_t size);

#endif
