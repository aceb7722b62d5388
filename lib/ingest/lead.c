/*
 * lead.c: the lead score.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/lead.h"

static void
because(struct ct_lead *l, int points, const char *why)
{
	l->score += points;
	if (l->n < CT_LEAD_MAX_REASONS)
		l->reasons[l->n++] = why;
}

/* Returns 1 when the lower-case ASCII needle occurs in text, ignoring
 * ASCII case; linear in the text for these short needles. */
static int
contains(const char *text, const char *needle)
{
	size_t n = strlen(needle), i;

	for (; *text != '\0'; text++) {
		for (i = 0; i < n; i++) {
			char c = text[i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != needle[i])
				break;
		}
		if (i == n)
			return 1;
	}
	return 0;
}

/* Returns 1 when any needle occurs in text. */
static int
mentions(const char *text, const char *const *needles)
{
	for (; text != NULL && *needles != NULL; needles++)
		if (contains(text, *needles))
			return 1;
	return 0;
}

void
ct_lead_score(const char *transcript, const char *summary,
    const char *sentiment, long long duration_seconds,
    const char *booking_status, struct ct_lead *out)
{
	static const char *const book[] = { "book", "appointment", "schedule",
	    NULL };
	static const char *const price[] = { "price", "cost", "quote",
	    "how much", NULL };
	static const char *const avail[] = { "available", "availability",
	    "opening", NULL };
	static const char *const interest[] = { "interested", "sign up",
	    "new patient", "new customer", NULL };
	static const struct {
		const char *const *needles;
		const char *why;
	} intents[] = {
		{ book, "asked to book" },
		{ price, "asked about price" },
		{ avail, "asked about availability" },
		{ interest, "said they are interested" },
	};
	size_t i;

	memset(out, 0, sizeof(*out));
	if (booking_status != NULL && strcmp(booking_status, "confirmed") == 0)
		because(out, 40, "booking confirmed");
	else if (booking_status != NULL &&
	    strcmp(booking_status, "attempted_failed") == 0)
		because(out, 30, "tried to book");
	if (sentiment != NULL && strcmp(sentiment, "positive") == 0)
		because(out, 20, "positive sentiment");
	else if (sentiment != NULL && strcmp(sentiment, "neutral") == 0)
		out->score += 5;
	else if (sentiment != NULL && strcmp(sentiment, "negative") == 0)
		because(out, -15, "negative sentiment");
	if (duration_seconds >= 180)
		because(out, 15, "long call");
	else if (duration_seconds >= 60)
		because(out, 10, "engaged call");
	else if (duration_seconds >= 20)
		out->score += 5;
	for (i = 0; i < sizeof(intents) / sizeof(intents[0]); i++)
		if (mentions(summary, intents[i].needles) ||
		    mentions(transcript, intents[i].needles))
			because(out, 5, intents[i].why);
	if (out->score < 0)
		out->score = 0;
	if (out->score > 100)
		out->score = 100;
}

char *
ct_lead_reasons_array(const struct ct_lead *lead)
{
	size_t i, len = 3;
	char *s;

	for (i = 0; i < lead->n; i++)
		len += strlen(lead->reasons[i]) + 3;
	if ((s = malloc(len)) == NULL)
		return NULL;
	/* The reasons are fixed strings without quotes or backslashes. */
	strcpy(s, "{");
	for (i = 0; i < lead->n; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, "\"");
		strcat(s, lead->reasons[i]);
		strcat(s, "\"");
	}
	strcat(s, "}");
	return s;
}
