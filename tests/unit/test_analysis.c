/*
 * test_analysis.c: the analysis bounds, the success rule by rubric shape,
 * and the cost parts table (lib/ingest/analysis.c, lib/ingest/cost.c).
 */
#include <stdlib.h>

#include "core/json.h"
#include "ingest/analysis.h"
#include "ingest/cost.h"
#include "suites.h"

/* Any JSON value, scalars too (ct_json_parse takes a body: an object or
 * an array); NULL for null. */
static json_object *
parse(const char *json)
{
	return json_tokener_parse(json);
}

struct success_case {
	const char	*json;		/* the value as the provider sends it */
	const char	*rubric;	/* or NULL */
	int		 want;		/* 1 pass, 0 fail, -1 unknown */
};

/* One vector per rubric shape (docs/DATA-MODEL.md "Success"). */
static const struct success_case success_cases[] = {
	/* PassFail: booleans and their words. */
	{ "true", NULL, 1 }, { "false", NULL, 0 },
	{ "\"true\"", "PassFail", 1 }, { "\"false\"", "PassFail", 0 },
	{ "\"TRUE\"", NULL, 1 }, { "\" false \"", NULL, 0 },
	{ "\"Pass\"", NULL, 1 }, { "\"Fail\"", NULL, 0 },
	{ "\"passed\"", NULL, 1 }, { "\"Failed.\"", NULL, 0 },
	{ "\"Yes\"", NULL, 1 }, { "\"no\"", NULL, 0 },
	{ "1", "PassFail", 1 }, { "0", "PassFail", 0 },
	/* NumericScale 1-10: 7 and over pass. */
	{ "8", "NumericScale", 1 }, { "7", "NumericScale", 1 },
	{ "6", "NumericScale", 0 }, { "\"4\"", "NumericScale", 0 },
	{ "10", "NumericScale", 1 }, { "11", "NumericScale", -1 },
	{ "\"8\"", NULL, 1 }, { "\"6\"", NULL, 0 }, { "9.5", NULL, 1 },
	{ "\"8/10\"", NULL, 1 }, { "\"6/10\"", NULL, 0 },
	{ "\"7/10\"", NULL, 1 }, { "\"11/10\"", NULL, -1 },
	{ "\"3/0\"", NULL, -1 },
	/* PercentageScale: 70 and over pass. */
	{ "\"80%\"", NULL, 1 }, { "\"70%\"", NULL, 1 }, { "\"69.5%\"", NULL, 0 },
	{ "\"100%\"", NULL, 1 }, { "\"101%\"", NULL, -1 }, { "\"%\"", NULL, -1 },
	{ "85", "PercentageScale", 1 }, { "40", "PercentageScale", 0 },
	{ "85", NULL, 1 }, { "40", NULL, 0 }, { "0.85", NULL, 1 },
	{ "0.5", NULL, 0 },
	/* LikertScale 1-5: 4 and over pass, as numbers and as words. */
	{ "4", "LikertScale", 1 }, { "5", NULL, 1 }, { "4", NULL, 1 },
	{ "3", "LikertScale", 0 }, { "3", NULL, 0 }, { "1", NULL, 0 },
	{ "6", "LikertScale", -1 }, { "\"4/5\"", NULL, 1 },
	{ "\"3/5\"", NULL, 0 },
	{ "\"Strongly agree\"", NULL, 1 }, { "\"Agree\"", NULL, 1 },
	{ "\"Neutral\"", NULL, 0 },
	{ "\"Neither agree nor disagree\"", "LikertScale", 0 },
	{ "\"Disagree\"", NULL, 0 }, { "\"Strongly Disagree\"", NULL, 0 },
	/* DescriptiveScale. */
	{ "\"Excellent\"", "DescriptiveScale", 1 }, { "\"Good\"", NULL, 1 },
	{ "\"Fair\"", NULL, 0 }, { "\"Poor\"", NULL, 0 },
	/* Letter grades: A to C pass, D to F fail. */
	{ "\"A\"", NULL, 1 }, { "\"B+\"", NULL, 1 }, { "\"C-\"", NULL, 1 },
	{ "\"c\"", NULL, 1 }, { "\"D\"", NULL, 0 }, { "\"F\"", NULL, 0 },
	{ "\"E\"", NULL, 0 }, { "\"G\"", NULL, -1 }, { "\"A++\"", NULL, -1 },
	/* Anything else is unknown. */
	{ "\"the caller seemed happy\"", NULL, -1 }, { "\"\"", NULL, -1 },
	{ "\"NaN\"", NULL, -1 }, { "\"inf\"", NULL, -1 },
	{ "\"-3\"", NULL, -1 }, { "-3", NULL, -1 }, { "1000", NULL, -1 },
	{ "null", NULL, -1 }, { "{\"score\":8}", NULL, -1 },
	{ "[true]", NULL, -1 },
	{ NULL, NULL, 0 }
};

static void
test_success_rubrics(void)
{
	const struct success_case *c;
	char raw[CT_SUCCESS_RAW_MAX + 1];

	for (c = success_cases; c->json != NULL; c++) {
		json_object *v = NULL;
		int got;

		v = parse(c->json);
		got = ct_success_eval(v, c->rubric, raw);
		if (got != c->want)
			fprintf(stderr, "success of %s (%s): %d, want %d\n",
			    c->json, c->rubric ? c->rubric : "no rubric", got,
			    c->want);
		CU_ASSERT_EQUAL(got, c->want);
		json_object_put(v);
	}
}

/* The raw value is kept as text, at most 200 bytes, cut between
 * characters. */
static void
test_success_raw(void)
{
	char raw[CT_SUCCESS_RAW_MAX + 1], big[420];
	json_object *v;
	size_t i;

	v = json_object_new_boolean(1);
	CU_ASSERT_EQUAL(ct_success_eval(v, NULL, raw), 1);
	CU_ASSERT_STRING_EQUAL(raw, "true");
	json_object_put(v);
	v = json_object_new_int(8);
	CU_ASSERT_EQUAL(ct_success_eval(v, NULL, raw), 1);
	CU_ASSERT_STRING_EQUAL(raw, "8");
	json_object_put(v);
	v = json_object_new_string("8/10");
	CU_ASSERT_EQUAL(ct_success_eval(v, NULL, raw), 1);
	CU_ASSERT_STRING_EQUAL(raw, "8/10");
	json_object_put(v);
	/* "x" and 201 two-byte characters: the cut at 200 bytes falls
	 * inside the 100th. */
	big[0] = 'x';
	for (i = 1; i < 403; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	v = json_object_new_string(big);
	CU_ASSERT_EQUAL(ct_success_eval(v, NULL, raw), -1);
	CU_ASSERT(strlen(raw) <= CT_SUCCESS_RAW_MAX);
	CU_ASSERT(ct_utf8_valid(raw, strlen(raw)));
	json_object_put(v);
	CU_ASSERT_EQUAL(ct_success_eval(NULL, NULL, raw), -1);
	CU_ASSERT_STRING_EQUAL(raw, "");
}

/* Builds an analysis of one top-level part from JSON text. */
static char *
build_one(const char *json, const char **why)
{
	struct ct_analysis_part part = { NULL, NULL };
	char *out;

	part.value = parse(json);
	out = ct_analysis_build(&part, 1, why);
	json_object_put(part.value);
	return out;
}

static void
test_analysis_bounds(void)
{
	const char *why;
	char *out, *big;
	size_t i, n;

	out = build_one("{\"urgency\":\"high\",\"score\":8}", &why);
	ASSERT_STR_EQ(out, "{\"urgency\":\"high\",\"score\":8}");
	CU_ASSERT_PTR_NULL(why);
	free(out);
	/* Not an object. */
	CU_ASSERT_PTR_NULL(build_one("[1,2]", &why));
	CU_ASSERT_PTR_NOT_NULL(why);
	CU_ASSERT_PTR_NULL(build_one("\"text\"", &why));
	CU_ASSERT_PTR_NOT_NULL(why);
	/* Empty: nothing to keep, nothing wrong. */
	CU_ASSERT_PTR_NULL(build_one("{}", &why));
	CU_ASSERT_PTR_NULL(why);
	/* 16 deep is kept, 17 is not. */
	big = malloc(200);
	for (n = 16; n <= 17; n++) {
		size_t o = 0;

		for (i = 0; i < n; i++)
			o += (size_t)sprintf(big + o, "{\"a\":");
		o += (size_t)sprintf(big + o, "1");
		for (i = 0; i < n; i++)
			big[o++] = '}';
		big[o] = '\0';
		out = build_one(big, &why);
		if (n == 16) {
			CU_ASSERT_PTR_NOT_NULL(out);
			CU_ASSERT_PTR_NULL(why);
		} else {
			CU_ASSERT_PTR_NULL(out);
			CU_ASSERT_PTR_NOT_NULL(why);
		}
		free(out);
	}
	free(big);
	/* 64 KB serialized is kept, a byte more is not. */
	big = malloc(70000);
	for (n = 65536; n <= 65537; n++) {
		/* {"k":"…"}: 8 bytes around the value. */
		memcpy(big, "{\"k\":\"", 6);
		memset(big + 6, 'x', n - 8);
		memcpy(big + n - 2, "\"}", 3);
		out = build_one(big, &why);
		CU_ASSERT((out != NULL) == (n == 65536));
		CU_ASSERT((why != NULL) == (n == 65537));
		free(out);
	}
	free(big);
	/* A NUL inside: jsonb refuses it. */
	CU_ASSERT_PTR_NULL(build_one("{\"k\":\"a\\u0000b\"}", &why));
	CU_ASSERT_PTR_NOT_NULL(why);
}

/* Parts under keys of their own do not collide with the top level's, and
 * a part of the wrong type is left out alone. */
static void
test_analysis_parts(void)
{
	static const char top[] = "{\"urgency\":\"high\",\"scorecards\":1}";
	static const char outs[] = "{\"id-1\":{\"name\":\"intent\",\"result\":\"book\"}}";
	json_object *t = NULL, *o = NULL, *s = NULL;
	struct ct_analysis_part parts[3];
	const char *why;
	char *out;

	t = parse(top);
	o = parse(outs);
	s = parse("7");
	parts[0].key = NULL;
	parts[0].value = t;
	parts[1].key = "structuredOutputs";
	parts[1].value = o;
	parts[2].key = "scorecards";
	parts[2].value = s;	/* a number: left out */
	out = ct_analysis_build(parts, 3, &why);
	ASSERT_STR_EQ(out, "{\"urgency\":\"high\",\"scorecards\":1,"
	    "\"structuredOutputs\":{\"id-1\":{\"name\":\"intent\","
	    "\"result\":\"book\"}}}");
	CU_ASSERT_PTR_NOT_NULL(why);
	free(out);
	json_object_put(t);
	json_object_put(o);
	json_object_put(s);
}

static void
test_cost_table(void)
{
	/* Every provider's names, exact and by pattern. */
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-costs", "transport"), CT_COST_TRANSPORT);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-costs", "transcriber"), CT_COST_STT);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-costs", "model"), CT_COST_LLM);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-costs", "voice"), CT_COST_TTS);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-costs", "vapi"), CT_COST_PLATFORM);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-costs", "voicemail-detection"), CT_COST_OTHER);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-costs", "analysis"), CT_COST_OTHER);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-costs", "knowledge-base"), CT_COST_OTHER);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-costs", "a-part-to-come"), CT_COST_OTHER);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-breakdown", "stt"), CT_COST_STT);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-breakdown", "vapi"), CT_COST_PLATFORM);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-breakdown", "total"), -1);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-breakdown", "llmPromptTokens"), -1);
	CU_ASSERT_EQUAL(ct_cost_part_of("vapi-breakdown", "unheardOf"), -1);
	CU_ASSERT_EQUAL(ct_cost_part_of("retell", "elevenlabs_tts"), CT_COST_TTS);
	CU_ASSERT_EQUAL(ct_cost_part_of("retell", "gpt_4_1_mini"), CT_COST_LLM);
	CU_ASSERT_EQUAL(ct_cost_part_of("retell", "claude_3_7_sonnet"), CT_COST_LLM);
	CU_ASSERT_EQUAL(ct_cost_part_of("retell", "retell_platform"), CT_COST_PLATFORM);
	CU_ASSERT_EQUAL(ct_cost_part_of("retell", "twilio"), CT_COST_TRANSPORT);
	CU_ASSERT_EQUAL(ct_cost_part_of("retell", "knowledge_base"), CT_COST_OTHER);
	CU_ASSERT_EQUAL(ct_cost_part_of("nobody", "model"), -1);
	CU_ASSERT_EQUAL(ct_cost_part_of("retell", NULL), -1);
}

/* A part that is negative, NaN, a string or over 1e6 USD is dropped, the
 * rest kept. */
static void
test_cost_bounds(void)
{
	static const char *const values[] = { "0.25", "-0.5", "\"0.3\"",
	    "\"NaN\"", "1e308", "1000001", "1000000", "true", "null", NULL };
	struct ct_cost_breakdown b;
	json_object *v;
	size_t i;
	char *out;

	memset(&b, 0, sizeof(b));
	for (i = 0; values[i] != NULL; i++) {
		v = parse(values[i]);
		ct_cost_add(&b, "vapi-costs", "model", v, 1);
		json_object_put(v);
	}
	CU_ASSERT_EQUAL(b.read, 2);
	CU_ASSERT_EQUAL(b.dropped, 6);	/* null is no part at all */
	out = ct_cost_json(&b);
	ASSERT_STR_EQ(out, "{\"transport\":0.000000,\"stt\":0.000000,"
	    "\"llm\":1000000.250000,\"tts\":0.000000,\"platform\":0.000000,"
	    "\"other\":0.000000}");
	free(out);
	/* Retell's cents. */
	memset(&b, 0, sizeof(b));
	v = json_object_new_double(3.384);
	ct_cost_add(&b, "retell", "elevenlabs_tts", v, 0.01);
	json_object_put(v);
	CU_ASSERT_DOUBLE_EQUAL(b.usd[CT_COST_TTS], 0.03384, 1e-9);
	/* Nothing read: no breakdown. */
	memset(&b, 0, sizeof(b));
	CU_ASSERT_PTR_NULL(ct_cost_json(&b));
}

int
suite_analysis(void)
{
	static const struct test_case cases[] = {
		{ "success, a vector per rubric shape", test_success_rubrics },
		{ "success keeps its raw value as text", test_success_raw },
		{ "analysis: not an object, 64 KB, 16 deep, NUL", test_analysis_bounds },
		{ "analysis parts under keys of their own", test_analysis_parts },
		{ "cost parts: every provider's names", test_cost_table },
		{ "cost parts: negative, NaN, strings, 1e308 dropped", test_cost_bounds },
		{ NULL, NULL }
	};

	return add_suite("analysis", cases);
}
