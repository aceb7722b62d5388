/*
 * delivery.h: one provider callback as the webhook pipeline sees it,
 * whatever carried it.
 *
 * A live request (hook.c builds it from the FastCGI or CGI request once
 * the signature checks out), a spooled file (drain.c) and a kept event
 * (replay.c) are all deliveries: the raw body and the few facts of its
 * arrival the mapping and the write need.  Nothing below hook.c knows
 * FastCGI; signatures, which live in request headers, are checked above
 * this line.
 */
#ifndef CT_DELIVERY_H
#define CT_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>

struct ct_delivery {
	const char	*body;		/* the raw bytes, NUL-terminated */
	size_t		 body_len;
	const char	*content_type;	/* as received, or NULL */
	const char	*query;		/* without '?', "" when none */
	const char	*log_id;	/* the request id its log lines carry */
};

/*
 * Returns true when content_type's media type (before any ';', trailing
 * blanks dropped) equals type, compared case-insensitively.
 */
bool ct_media_type_is(const char *content_type, const char *type);

/* Returns true when d's media type is type (ct_media_type_is). */
bool ct_delivery_type_is(const struct ct_delivery *d, const char *type);

/*
 * Returns content_type when it can be stored as text (well-formed UTF-8,
 * at most 255 bytes, no control character), else NULL: a header is the
 * client's bytes, and the database refuses what is not text.
 */
const char *ct_content_type_text(const char *content_type);

#endif
