/*
 * fuzz_json.c: libFuzzer target for the strict JSON wrapper (json-c in
 * strict mode plus calltrack's own UTF-8 and quote checks), and the path
 * helpers on whatever it accepts.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *o = NULL;

	if (ct_json_parse((const char *)data, size, &o) == CT_OK) {
		const char *key;

		(void)ct_json_path_str(o, "message.call.id");
		(void)ct_json_path_key(o, "message.call.id", &key);
		(void)ct_json_path(o, "call.call_analysis.custom_analysis_data");
		(void)ct_json_holds_nul(o);
		json_object_put(o);
	}
	return 0;
}
