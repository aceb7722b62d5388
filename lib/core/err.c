/*
 * err.c: the table from enum ct_err to HTTP status, code and message.
 */
#include "core/err.h"

static const struct ct_err_info table[CT_ERR__MAX] = {
	[CT_OK] = { 200, "ok", "ok" },
	[CT_ERR_BAD_REQUEST] = { 400, "bad_request",
	    "the request is malformed" },
	[CT_ERR_MALFORMED_BODY] = { 400, "malformed_body",
	    "the request body could not be parsed" },
	[CT_ERR_MISSING_CALL_ID] = { 400, "missing_call_id",
	    "the request body does not identify a call" },
	[CT_ERR_INVALID_PARAMETER] = { 400, "invalid_parameter",
	    "a parameter is invalid" },
	[CT_ERR_MISSING_SIGNATURE] = { 401, "missing_signature",
	    "the request is not signed" },
	[CT_ERR_BAD_SIGNATURE] = { 401, "invalid_signature",
	    "the request signature does not match" },
	[CT_ERR_STALE_TIMESTAMP] = { 401, "stale_timestamp",
	    "the signed timestamp is outside the accepted window" },
	[CT_ERR_MISSING_TOKEN] = { 401, "missing_token",
	    "a bearer token is required" },
	[CT_ERR_BAD_TOKEN] = { 401, "invalid_token",
	    "the bearer token is not valid" },
	[CT_ERR_NOT_FOUND] = { 404, "not_found",
	    "not found" },
	[CT_ERR_UNKNOWN_INTEGRATION] = { 404, "unknown_integration",
	    "no enabled integration of this provider has the id at the end "
	    "of this path (/hooks/<provider>/<integration id>, as "
	    "calltrack-admin integration create printed it)" },
	[CT_ERR_METHOD] = { 405, "method_not_allowed",
	    "method not allowed" },
	[CT_ERR_TOO_LARGE] = { 413, "payload_too_large",
	    "the request body is too large" },
	[CT_ERR_CONTENT_TYPE] = { 415, "unsupported_media_type",
	    "the content type is not accepted" },
	[CT_ERR_NOMEM] = { 500, "internal_error",
	    "internal error" },
	[CT_ERR_INTERNAL] = { 500, "internal_error",
	    "internal error" },
	[CT_ERR_DB_UNAVAILABLE] = { 503, "unavailable",
	    "the service is temporarily unavailable, retry later" },
	[CT_ERR_IO] = { 400, "bad_request",
	    "the request body could not be read" },
	[CT_ERR_RANGE] = { 400, "invalid_parameter",
	    "a number is out of range" },
	[CT_ERR_RATE_LIMITED] = { 429, "rate_limited",
	    "too many refused requests from this address, retry later" },
	[CT_ERR_FORBIDDEN] = { 403, "forbidden",
	    "this token's role does not allow this request" },
	[CT_ERR_CONFLICT] = { 409, "conflict",
	    "it exists already" },
};

const struct ct_err_info *
ct_err_info(enum ct_err err)
{
	if ((unsigned)err >= CT_ERR__MAX)
		err = CT_ERR_INTERNAL;
	return &table[err];
}

int
ct_err_http_status(enum ct_err err)
{
	return ct_err_info(err)->http_status;
}
