/* brig: mount option names and their mount(2) flags, from libmount's own
 * table (MNT_LINUX_MAP), generated into runtime/config/mountopt-table.h at build
 * time by tools/gen-mountopts (see there for why not at run time). */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "brig/internal.h"
#include "brig/mounts.h"

struct brig_mountopt {
    const char *name;
    unsigned long flags;
    bool invert;
};

#include "runtime/config/mountopt-table.h"

int brig_mount_option_lookup(const char *name, unsigned long *flags, bool *invert)
{
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(brig_mountopts); i++) {
        if (strcmp(brig_mountopts[i].name, name) != 0)
            continue;
        *flags = brig_mountopts[i].flags;
        *invert = brig_mountopts[i].invert;
        return 1;
    }
    return 0;
}
