/* brig: the on-disk state of a container under --root/ID/.
 *
 * --root/ID/state.json   what `state` prints, brig's private fields and the
 *                        config as created
 * --root/ID/cgroup       symlink whose target is the container's cgroup path
 * --root/ID/init         symlink "PID:STARTTIME" of the init, once known
 * The directory itself is flock()ed: LOCK_SH to read, LOCK_EX to change.
 * state.json is replaced atomically (temp file and rename under LOCK_EX): a
 * crash or a full disk leaves the old content, never a torn file.  The two
 * symlinks are the recovery record: made once, before the thing they name
 * exists, each in one syscall, they let `delete --force` find the cgroup and
 * the init when state.json is unreadable or gone. */
#ifndef BRIG_STATE_H
#define BRIG_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <yajl/yajl_gen.h>

#include "cgroup.h"
#include "brig/oci.h"

enum brig_status {
    BRIG_CREATING,
    BRIG_CREATED,
    BRIG_RUNNING,
    BRIG_PAUSED,
    BRIG_STOPPED,
};

struct brig_state {
    char *oci_version;
    char *id;
    pid_t pid;
    uint64_t pid_start_time; /* /proc/PID/stat field 22, guards against pid reuse */
    char *bundle;
    char *rootfs;
    char *created; /* RFC 3339 with nanoseconds, UTC */
    char *owner;
    struct brig_map annotations;
    char *cgroup_path; /* the container's cgroup, see cgroup.h */
    struct brig_cgroup_own cgroup_own; /* what of it brig made */
    bool systemd_cgroup;
    bool rootless;
    bool has_user_ns; /* container has its own user namespace */
    bool has_pid_ns;  /* container has its own pid namespace (kill --all) */
    bool started;     /* start was called: "created" until then */
    char *config_json; /* config.json as created */
};

/* A container directory opened and locked. */
struct brig_container {
    int dirfd;        /* --root/ID, flock()ed */
    char *dir;        /* path of that directory */
    struct brig_state state;
};

const char *brig_status_name(enum brig_status s);

/* brig_container_open's failures, for callers that branch on them. */
#define BRIG_OPEN_ERROR (-1)   /* anything else (lock, I/O) */
#define BRIG_OPEN_MISSING (-2) /* "container ID does not exist" */
#define BRIG_OPEN_BROKEN (-3)  /* the directory exists, its state is unreadable */

/* Open and lock an existing container (LOCK_SH or LOCK_EX).  Returns 0 or
 * one of BRIG_OPEN_*, with the error recorded. */
int brig_container_open(const char *id, int lock, struct brig_container **out);
/* The same with ID looked up in ROOTFD, --root opened (list opens many). */
int brig_container_open_at(int rootfd, const char *id, int lock, struct brig_container **out);
/* OR'ed into brig_container_open's LOCK by those that do not use the config
 * kept in the state (list, state): it is not parsed, config_json is NULL. */
#define BRIG_OPEN_NO_CONFIG 0x100

/* What a container directory whose state is unreadable still tells. */
struct brig_salvage {
    char *reason;      /* why state.json could not be used */
    char *cgroup_path; /* from the record; NULL when none was made */
    pid_t pid;         /* from the record; 0 when none */
    uint64_t pid_start_time;
};

/* brig_container_open(LOCK_EX) that, on BRIG_OPEN_BROKEN, still returns the
 * locked container in *out (its state empty but for the id) and what its
 * record says in *sv (free with brig_salvage_clear). */
int brig_container_open_salvage(const char *id, struct brig_container **out, struct brig_salvage *sv);
void brig_salvage_clear(struct brig_salvage *sv);

/* Live status: derived from the pid, its start time, the started flag and
 * the freezer. */
enum brig_status brig_container_status(const struct brig_container *c);

/* Write state.json atomically (a temp file in the locked directory, then
 * rename; not fsync()ed: --root is a tmpfs (/run) on the usual host, and a
 * rename-over keeps the old or the new content), and the recovery record
 * when it is not there yet. */
int brig_state_save(const struct brig_container *c);

/* The OCI state JSON given to hooks (the config's annotations only);
 * caller frees. */
char *brig_state_json(const struct brig_container *c, enum brig_status s);
/* The same with brig's own org.brig.* annotations, for `brig state`. */
char *brig_state_json_full(const struct brig_container *c, enum brig_status s);
/* brig_state_json's object, generated into G (a message that carries it). */
void brig_state_gen(yajl_gen g, const struct brig_container *c, enum brig_status s);

/* Make --root/ID (exclusively: "container ID already exists" otherwise),
 * locked LOCK_EX, with an empty state. */
int brig_container_new(const char *id, struct brig_container **out);

/* Remove the container's directory and everything in it; closes C. */
int brig_container_remove(struct brig_container *c);

/* Every container ID under --root, sorted; returns the count or -1. */
int brig_container_ids(char ***ids);

void brig_container_close(struct brig_container *c);
void brig_state_clear(struct brig_state *s);

/* Reads /proc/PID/stat's start time; 0 when the process is gone. */
uint64_t brig_pid_start_time(pid_t pid);

#endif
