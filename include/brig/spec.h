/* brig: the config.json `brig spec` writes (runtime/config/spec.c). */
#ifndef BRIG_SPEC_H
#define BRIG_SPEC_H

#include <stdbool.h>
#include <sys/types.h>

enum brig_spec_profile {
    BRIG_SPEC_HARDENED, /* brig's default: see spec.c */
    BRIG_SPEC_RUNC,     /* what `runc spec` writes */
};

struct brig_spec_opts {
    enum brig_spec_profile profile;
    bool rootless; /* a user namespace mapping root to UID:GID */
    uid_t uid;
    gid_t gid;
    /* The host is pure cgroup v2: runc's profile then has a cgroup
     * namespace too, as `runc spec` writes there (cmd_spec.c asks). */
    bool host_cgroup_v2;
    /* --monitor: the calls the seccomp agent's built-in rules name become
     * SCMP_ACT_NOTIFY, handed to the agent at this listenerPath. */
    const char *monitor;
};

/* The limits of the hardened profile (documented in README.md). */
#define BRIG_SPEC_MEMORY_LIMIT (64LL * 1024 * 1024)
#define BRIG_SPEC_PIDS_LIMIT 128
#define BRIG_SPEC_CPU_PERIOD 100000
#define BRIG_SPEC_CPU_QUOTA 100000 /* one CPU */
#define BRIG_SPEC_CPU_SHARES 1024
#define BRIG_SPEC_TMP_SIZE "size=65536k"

/* The config as pretty-printed JSON (malloc()ed), or NULL with an error. */
char *brig_spec_generate(const struct brig_spec_opts *o);

/* Write TEXT to BUNDLE/config.json; an existing file is an error, never
 * overwritten (as with runc). */
int brig_spec_write(const char *bundle, const char *text);

#endif
