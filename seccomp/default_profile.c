/* brig: the built-in RuntimeDefault seccomp profile.
 *
 * profiles/runtime-default.json is the source; the build embeds its text
 * (seccomp/embed-json.sh), so the installed file and the compiled-in default
 * cannot drift apart. */
#include "config.h"

#include "brig/oci.h"
#include "brig/error.h"
#include "brig/seccomp.h"

int brig_seccomp_runtime_default(struct brig_seccomp **out)
{
    if (brig_seccomp_parse(brig_runtime_default_json, brig_runtime_default_json_len, out) < 0)
        return brig_fail_ctx("built-in RuntimeDefault seccomp profile");
    return 0;
}
