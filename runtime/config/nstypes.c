/* brig: the namespace table, made from the list in include/brig/nstypes.h. */
#include "config.h"

#include <string.h>

#include "brig/nstypes.h"

const struct brig_ns_info brig_ns_info[BRIG_NS_COUNT] = {
#define ROW(e, name, flag, proc) [BRIG_NS_##e] = {name, flag, proc},
    BRIG_NAMESPACE_TYPES(ROW)
#undef ROW
};

enum brig_ns_type brig_ns_from_name(const char *name)
{
    int t = 0;
    while (t < BRIG_NS_COUNT && strcmp(brig_ns_info[t].name, name) != 0)
        t++;
    return (enum brig_ns_type)t;
}
