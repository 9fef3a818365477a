/* brig: mount option names and their mount(2) flags, from libmount's own
 * table (MNT_LINUX_MAP).
 *
 * libmount is loaded with dlopen() the first time a mount option is looked
 * up: it brings libblkid, libselinux and libpcre2 along, ~0.3 ms of start-up
 * in every process that maps them, and most brig commands (state, kill,
 * delete, list, the exe-guard re-exec) never parse a mount option. */
#include "config.h"

#include <dlfcn.h>
#include <libmount/libmount.h>
#include <string.h>

#include "brig/internal.h"
#include "brig/mounts.h"

static const struct libmnt_optmap *linux_map;

int brig_mount_options_load(void)
{
    if (linux_map)
        return 0;
    void *h = dlopen("libmount.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return brig_fail(0, "load libmount: %s (is libmount1 installed?)", dlerror());
    const struct libmnt_optmap *(*get_map)(int) =
        (const struct libmnt_optmap *(*)(int))dlsym(h, "mnt_get_builtin_optmap");
    if (!get_map || !(linux_map = get_map(MNT_LINUX_MAP)))
        return brig_fail(0, "libmount: no builtin option map");
    return 0;
}

int brig_mount_option_lookup(const char *name, unsigned long *flags, bool *invert)
{
    if (brig_mount_options_load() < 0)
        return -1;
    for (const struct libmnt_optmap *m = linux_map; m->name; m++) {
        /* Entries that take a value are written "name=": not flags. */
        if (strcmp(m->name, name) != 0)
            continue;
        *flags = (unsigned long)m->id;
        *invert = (m->mask & MNT_INVERT) != 0;
        return 1;
    }
    return 0;
}
