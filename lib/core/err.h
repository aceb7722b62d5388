/*
 * err.h: the one error enum of libcalltrack and its table to HTTP.
 *
 * Every fallible library call returns an enum ct_err.  The table in err.c
 * maps each value to the HTTP status, the stable machine code and the fixed
 * public message of docs/API.md; detail for operators goes to the log only.
 */
#ifndef CT_ERR_H
#define CT_ERR_H

enum ct_err {
	CT_OK = 0,
	CT_ERR_BAD_REQUEST,		/* 400 malformed request line or path */
	CT_ERR_MALFORMED_BODY,		/* 400 body is not valid JSON or form */
	CT_ERR_MISSING_CALL_ID,		/* 400 body lacks the provider call id */
	CT_ERR_INVALID_PARAMETER,	/* 400 a query parameter is invalid */
	CT_ERR_MISSING_SIGNATURE,	/* 401 signature header absent */
	CT_ERR_BAD_SIGNATURE,		/* 401 signature does not verify */
	CT_ERR_STALE_TIMESTAMP,		/* 401 signed timestamp outside ±5 min */
	CT_ERR_MISSING_TOKEN,		/* 401 no bearer token */
	CT_ERR_BAD_TOKEN,		/* 401 unknown or revoked token */
	CT_ERR_NOT_FOUND,		/* 404 no such resource */
	CT_ERR_UNKNOWN_INTEGRATION,	/* 404 unknown or disabled integration */
	CT_ERR_METHOD,			/* 405 method not allowed */
	CT_ERR_TOO_LARGE,		/* 413 body over the endpoint's limit */
	CT_ERR_CONTENT_TYPE,		/* 415 content type not accepted */
	CT_ERR_NOMEM,			/* 500 allocation failed */
	CT_ERR_INTERNAL,		/* 500 a bug or an unexpected state */
	CT_ERR_DB_UNAVAILABLE,		/* 503 database unreachable or too slow */
	CT_ERR_IO,			/* 400 the request body could not be read */
	CT_ERR_RANGE,			/* 400 a number out of its bounds */
	CT_ERR_RATE_LIMITED,		/* 429 too many refused requests */
	CT_ERR_FORBIDDEN,		/* 403 the token's role does not allow it */
	CT_ERR_CONFLICT,		/* 409 the resource exists already */
	CT_ERR__MAX
};

/* One row of the error table. */
struct ct_err_info {
	int		 http_status;
	const char	*code;		/* stable machine word, docs/API.md */
	const char	*message;	/* fixed, safe to show to a client */
};

/*
 * Returns the table row for err.  Values outside the enum map to the row of
 * CT_ERR_INTERNAL, so a caller never gets NULL.
 */
const struct ct_err_info *ct_err_info(enum ct_err err);

/* Returns the HTTP status for err (shorthand for ct_err_info()->http_status). */
int ct_err_http_status(enum ct_err err);

#endif
