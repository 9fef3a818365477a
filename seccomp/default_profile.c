/* brig: the built-in RuntimeDefault seccomp profile.
 *
 * profiles/runtime-default.json is the source.  The build embeds its text
 * (seccomp/embed-json.sh, for `brig spec`) and its parsed form
 * (seccomp/gen-default.c, run on brig's own parser), so the installed file
 * and the compiled-in default cannot drift apart, and a container with the
 * default profile neither parses ~7 KB of JSON nor serializes the profile
 * for the filter cache's key on every start. */
#include "config.h"

#include "brig/error.h"
#include "brig/oci.h"
#include "brig/seccomp.h"
#include "seccomp_internal.h"

int brig_seccomp_runtime_default(struct brig_seccomp **out)
{
    if (brig_seccomp_parse(brig_runtime_default_json, brig_runtime_default_json_len, out) < 0)
        return brig_fail_ctx("built-in RuntimeDefault seccomp profile");
    return 0;
}

struct brig_seccomp *brig_seccomp_runtime_default_shared(void)
{
    /* All const data (a write faults); brig_seccomp_free skips it. */
    return (struct brig_seccomp *)&brig_runtime_default_profile;
}

void brig_seccomp_key_of(const struct brig_seccomp *sc, struct brig_seccomp_key *key)
{
    if (sc == &brig_runtime_default_profile)
        brig_seccomp_builtin_key(brig_runtime_default_digest, brig_runtime_default_api_free, key);
    else
        brig_seccomp_cache_key(sc, key);
}
