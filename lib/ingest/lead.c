/*
 * lead.c: the lead score.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/lead.h"

static void
because(struct ct_lead *l, int points, const char *why)
{
	l->score += points;
	if (l->n < CT_LEAD_MAX_REASONS)
		l->reasons[l->n++] = why;
}

/*
 * The phrases that show an intent, lower-case ASCII, each with its intent
 * (an index into intent_why).  At most 16 phrases: a set of them is a
 * 16-bit mask.
 */
static const struct {
	const char	*text;
	unsigned	 intent;
} phrases[] = {
	{ "book", 0 }, { "appointment", 0 }, { "schedule", 0 },
	{ "price", 1 }, { "cost", 1 }, { "quote", 1 }, { "how much", 1 },
	{ "available", 2 }, { "availability", 2 }, { "opening", 2 },
	{ "interested", 3 }, { "sign up", 3 }, { "new patient", 3 },
	{ "new customer", 3 },
};
#define N_PHRASES (sizeof(phrases) / sizeof(phrases[0]))
static const char *const intent_why[] = {
	"asked to book", "asked about price", "asked about availability",
	"said they are interested",
};
#define N_INTENTS (sizeof(intent_why) / sizeof(intent_why[0]))
_Static_assert(N_PHRASES <= 16, "a phrase set is a 16-bit mask");

static unsigned char
fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
 * Adds to *found (a bit per intent) the intents whose phrases occur in
 * text, ignoring ASCII case; first[] holds, for each byte, the set of
 * phrases that begin with it.  One pass over the text, which can run to
 * hundreds of kilobytes: each byte is folded once and looked up, and only
 * a phrase that begins with it is compared further.  It stops once every
 * intent is found.
 */
static void
scan(const char *text, const unsigned short first[256], unsigned *found)
{
	const unsigned char *p = (const unsigned char *)text;
	const unsigned all = (1u << N_INTENTS) - 1;
	size_t i, k;

	for (; text != NULL && *p != '\0' && *found != all; p++) {
		unsigned set = first[fold(*p)];

		for (i = 0; set != 0; i++, set >>= 1) {
			const char *ph = phrases[i].text;

			if (!(set & 1) || (*found & 1u << phrases[i].intent))
				continue;
			/* The text's NUL differs from any letter: no read
			 * past it. */
			for (k = 1; ph[k] != '\0'; k++)
				if (fold(p[k]) != (unsigned char)ph[k])
					break;
			if (ph[k] == '\0')
				*found |= 1u << phrases[i].intent;
		}
	}
}

void
ct_lead_score(const char *transcript, const char *summary,
    const char *sentiment, long long duration_seconds,
    const char *booking_status, struct ct_lead *out)
{
	unsigned short first[256] = { 0 };
	unsigned found = 0;
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
	for (i = 0; i < N_PHRASES; i++)
		first[(unsigned char)phrases[i].text[0]] |= (unsigned short)(1u << i);
	scan(summary, first, &found);
	scan(transcript, first, &found);
	for (i = 0; i < N_INTENTS; i++)
		if (found & 1u << i)
			because(out, 5, intent_why[i]);
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
