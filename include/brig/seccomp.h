/* brig: the OCI linux.seccomp object turned into a BPF filter.
 *
 * The filter is compiled in the runtime (before the container process is
 * cloned, so the work is not repeated in the child) and installed by the
 * container process as its last step before execve, after no_new_privs. */
#ifndef BRIG_SECCOMP_H
#define BRIG_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct sock_filter;

struct brig_bpf {
    struct sock_filter *insns; /* malloc()ed */
    unsigned short len;
    unsigned int flags;   /* SECCOMP_FILTER_FLAG_* to pass to seccomp(2) */
    bool needs_listener;  /* a rule uses SCMP_ACT_NOTIFY */
};

/* Compile SC into *out.  Unknown syscall names are skipped (debug line);
 * invalid content is an error naming the JSON path under linux.seccomp. */
int brig_seccomp_compile(const struct brig_seccomp *sc, struct brig_bpf *out);

/* Install the filter in the calling thread/process.  With needs_listener,
 * *notify_fd receives the listener fd; otherwise it is set to -1. */
int brig_seccomp_install(const struct brig_bpf *prog, int *notify_fd);

/* Send NOTIFY_FD and the container state to sc->listener_path as the spec's
 * seccomp notify protocol says. */
int brig_seccomp_send_listener(const struct brig_seccomp *sc, int notify_fd, const char *state_json);

void brig_bpf_free(struct brig_bpf *p);

/* The built-in RuntimeDefault profile (same content as
 * profiles/runtime-default.json), parsed; caller frees with brig_seccomp_free. */
int brig_seccomp_runtime_default(struct brig_seccomp **out);

/* libseccomp's version as "2.5.4". */
const char *brig_seccomp_lib_version(void);

#endif
