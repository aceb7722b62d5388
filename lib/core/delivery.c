/*
 * delivery.c: what a delivery's content type says.
 */
#include <string.h>
#include <strings.h>

#include "core/delivery.h"
#include "core/json.h"

bool
ct_media_type_is(const char *content_type, const char *type)
{
	size_t n;

	if (content_type == NULL)
		return false;
	n = strcspn(content_type, ";");
	while (n > 0 && (content_type[n - 1] == ' ' ||
	    content_type[n - 1] == '\t'))
		n--;
	return n == strlen(type) && strncasecmp(content_type, type, n) == 0;
}

bool
ct_delivery_type_is(const struct ct_delivery *d, const char *type)
{
	return ct_media_type_is(d->content_type, type);
}

const char *
ct_content_type_text(const char *content_type)
{
	size_t n, i;

	if (content_type == NULL || (n = strlen(content_type)) > 255 ||
	    !ct_utf8_valid(content_type, n))
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char)content_type[i] < 0x20 ||
		    content_type[i] == 0x7f)
			return NULL;
	return content_type;
}
