/* brig: learning a workload's seccomp profile (`brig run --seccomp-learn
 * FILE`, or the org.brig.seccomp.learn annotation).
 *
 * The container's init installs a filter that sends every system call to a
 * listener (SCMP_ACT_NOTIFY), but for the few the init needs before the
 * listener is served and every process needs to end (BRIG_LEARN_ALWAYS);
 * a process of brig, the learner, records each call by architecture and
 * lets it run (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  When no process of the
 * container is left, FILE gets a linux.seccomp object allowing what was
 * seen, merged with what FILE held (seccomp/learn.c; the profile itself,
 * pure, is seccomp/learn_profile.c). */
#ifndef BRIG_LEARN_H
#define BRIG_LEARN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "brig/oci.h"
#include "brig/seccomp.h"

#define BRIG_LEARN_ANNOTATION "org.brig.seccomp.learn"

/* Let through unseen by the learning filter, and so in every learned
 * profile: write and sendmsg carry the init's reports to brig after the
 * filter is in (the listener is not served yet when it sends it), exit,
 * exit_group and the signal returns end a process even with the learner
 * gone.  sigreturn only exists on 32-bit ABIs. */
#define BRIG_LEARN_ALWAYS { "exit", "exit_group", "rt_sigreturn", "sendmsg", "write" }

/* clone's arg0 flags that make namespaces: the learned profile allows
 * clone only without them unless the workload used them (as the
 * RuntimeDefault profile does). */
#define BRIG_LEARN_CLONE_NS_MASK 2114060288ULL /* 0x7E020000 */

/* What a workload was seen to call. */
struct brig_learned {
    enum brig_seccomp_action default_action; /* ERRNO, unless FILE chose a kill */
    brig_opt_u32 default_errno;              /* EPERM unless FILE says otherwise */
    char **names; /* sorted, unique: allowed whatever the arguments */
    size_t n_names;
    char **arches; /* sorted, unique: "SCMP_ARCH_X86_64" */
    size_t n_arches;
    bool clone_plain; /* clone seen, never with a CLONE_NEW* flag */
    bool clone3;      /* clone3 seen: answered ENOSYS, libc falls back to clone */
};

void brig_learned_init(struct brig_learned *l);
void brig_learned_free(struct brig_learned *l);
/* Record NAME on ARCH (NULL: no architecture to add) with its first
 * argument (only clone's matters). */
void brig_learned_add(struct brig_learned *l, const char *arch, const char *name, uint64_t arg0);
/* Add the calls of BRIG_LEARN_ALWAYS (and sigreturn for a 32-bit ABI). */
void brig_learned_add_always(struct brig_learned *l);
/* DST gets everything SRC has; DST keeps its default action. */
void brig_learned_merge(struct brig_learned *dst, const struct brig_learned *src);
/* A linux.seccomp object (profile file text) read back: only what
 * brig_learned_json writes (and the same with names added or removed) is
 * taken, anything else is an error naming the JSON path, so a file that is
 * not a learned profile is never overwritten. */
int brig_learned_parse(const char *text, size_t len, struct brig_learned *out);
/* The profile as JSON text (pretty, sorted, newline-terminated). */
char *brig_learned_json(const struct brig_learned *l);

/* ---- the learner (seccomp/learn.c) ---- */

/* Where the profile goes, checked and opened when the container is made,
 * as the user running brig. */
struct brig_learn_target {
    char *file; /* as given */
    int dirfd;  /* its directory (O_DIRECTORY) */
    char *base; /* its last component */
};

/* FILE: absolute, not under ROOTFS, its directory must exist; when FILE
 * exists it must be a profile brig_learned_parse takes.  FROM_ANNOTATION
 * also requires a name ending in ".json".  WHAT names the setting in
 * errors ("--seccomp-learn"). */
int brig_learn_target_open(const char *file, const char *rootfs, const char *what, bool from_annotation,
                           struct brig_learn_target *t);
void brig_learn_target_close(struct brig_learn_target *t);

/* The learning filter (compiled; needs_listener set). */
int brig_learn_filter(struct brig_bpf *out);

/* Fork the learner on LISTENER (the runtime keeps its copy; the caller
 * closes it).  KEEP_STDERR: brig run in the foreground, which waits for
 * the learner; otherwise the learner detaches from brig's stdio and
 * session and reports to the --log file only.  The learner's pid, or -1
 * with an error. */
pid_t brig_learn_spawn(const struct brig_learn_target *t, int listener, const char *id, bool keep_stderr);

/* Merge L into T's file and replace it atomically (a temporary file renamed
 * over it), under an flock of its directory (waited for at most
 * BRIG_LEARN_LOCK_SECONDS). */
#define BRIG_LEARN_LOCK_SECONDS 30
int brig_learn_write(const struct brig_learn_target *t, const struct brig_learned *l);

#endif
