/*
 * twilio.c: Twilio authentication and the mapping of Voice status
 * callbacks (providers.md §3) to call events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/form.h"
#include "core/json.h"
#include "core/num.h"
#include "ingest/twilio.h"

/* CallStatus values (§3.2) and what they mean for the call. */
static const struct {
	const char	*twilio;
	const char	*status;
	const char	*end_call_reason;	/* NULL: not asserted */
	int		 order;			/* without SequenceNumber */
	int		 answered;
} statuses[] = {
	{ "queued", "queued", NULL, 0, 0 },
	{ "initiated", "queued", NULL, 0, 0 },
	{ "ringing", "ringing", NULL, 1, 0 },
	{ "in-progress", "in-progress", NULL, 2, 1 },
	{ "answered", "in-progress", NULL, 2, 1 },
	{ "completed", "completed", NULL, 3, 1 },
	{ "busy", "busy", "busy", 3, 0 },
	{ "no-answer", "no-answer", "no_answer", 3, 0 },
	{ "failed", "failed", "error", 3, 0 },
	{ "canceled", "canceled", "canceled", 3, 0 },
};

#define FORM_TYPE "application/x-www-form-urlencoded"

static bool
is_form(const struct ct_request *req)
{
	return ct_http_content_type_is(req, FORM_TYPE);
}

/*
 * Decodes len bytes of a form value or name as ct_form_decode does ('+'
 * a space), except that %00 is a NUL byte, kept: Twilio signs the decoded
 * bytes, NULs included.  out has len + 1 bytes.
 */
static enum ct_err
decode_keeping_nul(const char *s, size_t len, char *out, size_t *outlen)
{
	const char *end = s + len, *z;
	size_t o = 0, n;
	enum ct_err err;

	for (;;) {
		/* Every '%' of a valid form starts an escape, so "%00" is
		 * always the escape of a NUL. */
		for (z = s; end - z >= 3 && memcmp(z, "%00", 3) != 0; z++)
			;
		if (end - z < 3)
			z = NULL;
		if ((err = ct_form_decode(s, (size_t)((z ? z : end) - s), 1,
		    out + o, &n)) != CT_OK)
			return err;
		o += n;
		if (z == NULL)
			break;
		out[o++] = '\0';
		s = z + 3;
	}
	out[o] = '\0';
	*outlen = o;
	return CT_OK;
}

static enum ct_err
decode_dup(const char *s, size_t len, char **out, size_t *outlen)
{
	enum ct_err err;

	if ((*out = malloc(len + 1)) == NULL)
		return CT_ERR_NOMEM;
	if ((err = decode_keeping_nul(s, len, *out, outlen)) != CT_OK) {
		free(*out);
		*out = NULL;
	}
	return err;
}

/*
 * Parses a form body as Twilio signs it: as ct_form_parse does, but a
 * decoded NUL is kept (the pair's lengths count it) rather than refused,
 * so that a signed body with one verifies and is then judged by its
 * fields.  form is freed with ct_form_free().
 */
static enum ct_err
parse_form(const char *body, size_t len, struct ct_form *form)
{
	const char *p = body, *end = body + len;
	enum ct_err err = CT_OK;

	form->pairs = NULL;
	form->n = 0;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *seg_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(seg_end - p));
		struct ct_form_pair *pair;

		if (seg_end == p) {		/* empty segment */
			p = seg_end + 1;
			continue;
		}
		if (form->n == CT_FORM_MAX_PAIRS) {
			err = CT_ERR_MALFORMED_BODY;
			goto fail;
		}
		if (form->n == 0 && (form->pairs = calloc(CT_FORM_MAX_PAIRS,
		    sizeof(*form->pairs))) == NULL) {
			err = CT_ERR_NOMEM;
			goto fail;
		}
		pair = &form->pairs[form->n];
		if (eq == NULL)
			eq = seg_end;
		if ((err = decode_dup(p, (size_t)(eq - p), &pair->name,
		    &pair->name_len)) != CT_OK)
			goto fail;
		form->n++;
		if (eq == seg_end)
			err = decode_dup("", 0, &pair->value, &pair->value_len);
		else
			err = decode_dup(eq + 1, (size_t)(seg_end - eq - 1),
			    &pair->value, &pair->value_len);
		if (err != CT_OK)
			goto fail;
		p = seg_end + 1;
	}
	return CT_OK;
fail:
	ct_form_free(form);
	return err;
}

/*
 * X-Twilio-Signature over the integration's public URL (Twilio signs the
 * URL it called, which behind a TLS terminator is not what nginx sees)
 * plus the sorted form parameters, or the URL alone with bodySHA256 for
 * JSON bodies (§3.3).
 */
static enum ct_err
twilio_verify(const struct ct_request *req, const struct ct_integration *in)
{
	struct ct_form form = { NULL, 0 };
	enum ct_err err;

	if (is_form(req) && parse_form(req->body, req->body_len, &form) !=
	    CT_OK)
		return CT_ERR_BAD_SIGNATURE;	/* cannot be what was signed */
	err = ct_sig_twilio(in->public_url, req->query, is_form(req) ? &form :
	    NULL, req->body, req->body_len,
	    ct_http_header(req, "x-twilio-signature"), &in->secrets);
	ct_form_free(&form);
	return err;
}

/*
 * Reads Twilio's RFC 2822 Timestamp ("Tue, 06 Jan 2026 19:46:33 +0000")
 * into ISO 8601; returns 1, or 0 leaving out "".
 */
bool
ct_twilio_time(const char *s, char out[CT_TIME_MAX])
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4], zone[6], iso[64];
	int day, year, h, m, sec, n = 0;
	const char *p;

	out[0] = '\0';
	if (s == NULL)
		return 0;
	if ((p = strchr(s, ',')) != NULL)	/* the weekday is optional */
		s = p + 1;
	if (sscanf(s, " %2d %3s %4d %2d:%2d:%2d %5s%n", &day, mon, &year, &h,
	    &m, &sec, zone, &n) != 7 || s[n] != '\0' ||
	    (p = strstr(months, mon)) == NULL || (p - months) % 3 != 0 ||
	    strlen(mon) != 3 || (zone[0] != '+' && zone[0] != '-') ||
	    strspn(zone + 1, "0123456789") != 4)
		return 0;
	snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02d%c%.2s:%.2s",
	    year, (int)(p - months) / 3 + 1, day, h, m, sec, zone[0], zone + 1,
	    zone + 3);
	return ct_time_iso(iso, out);
}

/* The callback's parameters, from the form or from a JSON object. */
struct params {
	const struct ct_form	*form;
	json_object		*json;
};

/*
 * The value of parameter name, NULL when absent or empty.  *nul is set
 * when the value holds a NUL (a form's %00, a JSON \u0000), and the value
 * is then NULL too.  A form's names are matched by their whole length.
 */
static const char *
lookup(const struct params *p, const char *name, int *nul)
{
	const char *v = NULL;
	size_t i, n = strlen(name);

	*nul = 0;
	if (p->form == NULL) {
		*nul = ct_json_path_has_nul(p->json, name);
		return ct_json_path_str(p->json, name);
	}
	for (i = 0; i < p->form->n; i++) {
		const struct ct_form_pair *f = &p->form->pairs[i];

		if (f->name_len == n && memcmp(f->name, name, n) == 0) {
			if (strlen(f->value) != f->value_len)
				*nul = 1;
			else
				v = f->value;
			break;
		}
	}
	return v != NULL && *v != '\0' ? v : NULL;
}

/* A parameter of free text or state: one holding a NUL is dropped. */
static const char *
get(const struct params *p, const char *name)
{
	int nul;

	return lookup(p, name, &nul);
}

/* A parameter that names the call or the delivery: one holding a NUL
 * refuses the body (json.h, ct_json_path_key). */
static enum ct_err
ident(const struct params *p, const char *name, const char **out)
{
	int nul;

	*out = lookup(p, name, &nul);
	return nul ? CT_ERR_MALFORMED_BODY : CT_OK;
}

static void
map_params(const struct params *p, const struct ct_map_ctx *ctx,
    const char *status_code, struct ct_call_event *ev)
{
	const char *dir = get(p, "Direction"), *answered_by, *from, *to;
	long long v;
	size_t i;

	/* inbound (and trunking-originating) calls come in; the rest go
	 * out (fixtures README). */
	ev->direction = dir != NULL && (strcmp(dir, "inbound") == 0 ||
	    strcmp(dir, "trunking-originating") == 0) ? "inbound" : "outbound";
	from = get(p, "From");
	to = get(p, "To");
	if (strcmp(ev->direction, "inbound") == 0) {
		ct_event_numbers(ev, from, to, ctx->country);
		ev->customer_name = get(p, "CallerName");
	} else {
		ct_event_numbers(ev, to, from, ctx->country);
	}
	ev->recording_url = get(p, "RecordingUrl");
	/* A child leg (a <Dial>'s, a transfer's) names its parent call
	 * (§3.2): the parent's call is this one too. */
	ct_event_link_call_sid(ev, get(p, "ParentCallSid"));

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(status_code, statuses[i].twilio) == 0)
			break;
	if (i < sizeof(statuses) / sizeof(statuses[0])) {
		ev->status_answered = ev->status_unanswered = statuses[i].status;
		ev->end_call_reason = statuses[i].end_call_reason;
		ev->answered = statuses[i].answered;
		if (ev->sequence < 0)
			ev->sequence = statuses[i].order;
		if (statuses[i].order == 3)
			ev->ended_reason = status_code;
	} else {
		/* A status yet to come: by its shape, kept verbatim. */
		ct_event_set_end(ev, NULL, 0, status_code);
	}
	/* Answering-machine detection: a machine answered (policy). */
	answered_by = get(p, "AnsweredBy");
	if (strcmp(status_code, "completed") == 0 && answered_by != NULL &&
	    strncmp(answered_by, "machine_", 8) == 0) {
		ev->status_answered = ev->status_unanswered = "voicemail";
		ev->end_call_reason = "voicemail";
	}
	if (ev->ended_reason != NULL) {
		/* The final callback: its time is the end, its CallDuration
		 * the duration (0 when never answered). */
		ct_twilio_time(get(p, "Timestamp"), ev->ended_at);
		if (get(p, "CallDuration") != NULL &&
		    ct_num_parse_str(get(p, "CallDuration"), 0, 10000000, &v) ==
		    CT_OK)
			ev->duration_seconds = v;
		else if (!ev->answered)
			ev->duration_seconds = 0;
		if (ev->duration_seconds > 0)
			ev->answered = 1;
	}
}

/*
 * Maps one status callback to a call event: a pure function of the body.
 * Form bodies are parsed into ev->form, JSON ones into ev->root.
 */
enum ct_err
ct_twilio_map(const char *body, size_t len, int json,
    const struct ct_map_ctx *ctx, struct ct_call_event *ev)
{
	struct params p = { NULL, NULL };
	const char *sid, *status, *seq;
	char key[320], hash[65];
	long long v;
	enum ct_err err;
	int n;

	ct_call_event_init(ev);
	if (json) {
		if ((err = ct_json_parse(body, len, &ev->root)) != CT_OK)
			return err;
		if (!json_object_is_type(ev->root, json_type_object))
			return CT_ERR_MALFORMED_BODY;
		p.json = ev->root;
	} else {
		if ((err = parse_form(body, len, &ev->form)) != CT_OK)
			return err;
		p.form = &ev->form;
	}
	/* What names the call and the delivery holds no NUL. */
	if (ident(&p, "CallSid", &sid) != CT_OK) {
		ev->bad_field = "CallSid";
		return CT_ERR_MALFORMED_BODY;
	}
	if (sid == NULL || strlen(sid) > 200)
		return CT_ERR_MISSING_CALL_ID;
	if (ident(&p, "CallStatus", &status) != CT_OK) {
		ev->bad_field = "CallStatus";
		return CT_ERR_MALFORMED_BODY;
	}
	if (status == NULL || strlen(status) > 100)
		return CT_ERR_MALFORMED_BODY;
	/* SequenceNumber orders one call's callbacks (§3.2); with the call
	 * and the status it identifies a delivery (§4). */
	if (ident(&p, "SequenceNumber", &seq) != CT_OK) {
		ev->bad_field = "SequenceNumber";
		return CT_ERR_MALFORMED_BODY;
	}
	ev->provider_call_id = sid;
	ev->event_type = status;
	if (seq != NULL && ct_num_parse_str(seq, 0, 1000000, &v) == CT_OK) {
		ev->sequence = v;
		n = snprintf(key, sizeof(key), "%s%c%lld%c%s", sid, 0, v, 0,
		    status);
		ct_crypto_sha256_hex(key, (size_t)n, hash);
	} else {
		ct_crypto_sha256_hex(body, len, hash);
	}
	snprintf(ev->dedup_key, sizeof(ev->dedup_key), "twilio:%s", hash);
	map_params(&p, ctx, status, ev);
	return CT_OK;
}

static enum ct_err
twilio_map(const struct ct_delivery *d, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	return ct_twilio_map(d->body, d->body_len,
	    !ct_delivery_type_is(d, FORM_TYPE), ctx, ev);
}

const struct ct_hook_provider ct_twilio_hook = {
	.provider = CT_PROVIDER_TWILIO,
	.route = "/hooks/twilio/",
	.verify = twilio_verify,
	.map = twilio_map,
};
