/* Unit tests: mount option names come from libmount's table (generated at
 * build time) and parse into the right flags, attributes and data. */
#include "config.h"

#include <libmount/libmount.h>
#include <sys/mount.h>

#include "brig/mounts.h"
#include "unit.h"

/* Every flag option libmount knows is known to brig with the same flags. */
static void test_table_is_libmounts(void)
{
    size_t n = 0;
    for (const struct libmnt_optmap *m = mnt_get_builtin_optmap(MNT_LINUX_MAP); m->name; m++) {
        if (strchr(m->name, '='))
            continue;
        unsigned long flags = 0;
        bool invert = false;
        CHECK(brig_mount_option_lookup(m->name, &flags, &invert) == 1);
        CHECK(flags == (unsigned long)m->id);
        CHECK(invert == ((m->mask & MNT_INVERT) != 0));
        n++;
    }
    CHECK(n >= 30);
}

static void test_unknown_names_are_not_flags(void)
{
    unsigned long flags;
    bool invert;
    CHECK(brig_mount_option_lookup("mode=755", &flags, &invert) == 0);
    CHECK(brig_mount_option_lookup("newinstance", &flags, &invert) == 0);
    CHECK(brig_mount_option_lookup("rro", &flags, &invert) == 0);
    CHECK(brig_mount_option_lookup("", &flags, &invert) == 0);
}

static int parse(struct brig_mount_opts *o, const char *type, char **opts, size_t n)
{
    struct brig_strv v = {.v = opts, .n = n};
    return brig_parse_mount_options(&v, type, o);
}

static void test_flags_attrs_and_data(void)
{
    char *opts[] = {"nosuid", "noexec", "ro", "mode=755", "size=65536k", "rw", "nodev", NULL};
    struct brig_mount_opts o;
    CHECK(parse(&o, "tmpfs", opts, 7) == 0);
    /* rw after ro clears it: later options win, as with mount(8) */
    CHECK(!(o.flags & MS_RDONLY));
    CHECK((o.flags & (MS_NOSUID | MS_NOEXEC | MS_NODEV)) == (MS_NOSUID | MS_NOEXEC | MS_NODEV));
    CHECK_STR(o.data, "mode=755,size=65536k");
    CHECK(!o.bind);
    brig_mount_opts_free(&o);
}

static void test_bind_rbind_and_propagation(void)
{
    char *opts[] = {"rbind", "rprivate", "ro", NULL};
    struct brig_mount_opts o;
    CHECK(parse(&o, "none", opts, 3) == 0);
    CHECK(o.bind && o.recursive);
    CHECK(o.n_propagation == 1 && o.propagation[0] == (MS_PRIVATE | MS_REC));
    CHECK(o.flags & MS_RDONLY);
    CHECK(o.data == NULL);
    brig_mount_opts_free(&o);
}

static void test_atime_modes_replace_each_other(void)
{
    char *opts[] = {"noatime", "strictatime", NULL};
    struct brig_mount_opts o;
    CHECK(parse(&o, "tmpfs", opts, 2) == 0);
    CHECK(o.flags & MS_STRICTATIME);
    CHECK(!(o.flags & MS_NOATIME));
    brig_mount_opts_free(&o);
}

int main(void)
{
    RUN(test_table_is_libmounts);
    RUN(test_unknown_names_are_not_flags);
    RUN(test_flags_attrs_and_data);
    RUN(test_bind_rbind_and_propagation);
    RUN(test_atime_modes_replace_each_other);
    return unit_finish();
}
