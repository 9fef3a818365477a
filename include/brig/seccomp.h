/* brig: the OCI linux.seccomp object turned into a BPF filter.
 *
 * The filter is compiled in the runtime (before the container process is
 * cloned, so the work is not repeated in the child) and installed by the
 * container process as its last step before execve, after no_new_privs. */
#ifndef BRIG_SECCOMP_H
#define BRIG_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brig/oci.h"
#include "brig/state.h"

struct sock_filter;

struct brig_bpf {
    struct sock_filter *insns; /* malloc()ed */
    unsigned short len;
    unsigned int flags;   /* SECCOMP_FILTER_FLAG_* to pass to seccomp(2) */
    bool needs_listener;  /* a rule uses SCMP_ACT_NOTIFY */
    bool from_cache;      /* loaded from the compiled-filter cache */
};

/* Compile SC into *out.  Unknown syscall names are skipped (debug line);
 * invalid content is an error naming the JSON path under linux.seccomp.
 *
 * Several args on the same index in one syscalls[] entry cannot be ANDed by
 * libseccomp; as runc does, such an entry is split into one rule per arg
 * (the conditions are then ORed).
 *
 * Also as runc: with a refusing default action (ERRNO, KILL*, TRAP), syscall
 * numbers above the highest one the profile names return ENOSYS, so that
 * libcs fall back from calls newer than the profile (seccomp/enosys.c).
 * Architectures of another family than the host's (aarch64 on x86_64) are
 * left out: the kernel can never report them.  SCMP_ACT_NOTIFY may not be
 * used for write or sendmsg, which the container process needs to hand the
 * listener fd to the runtime.
 *
 * The result is cached (see brig_seccomp_set_cache_dir), so that only the
 * first container using a given profile pays for libseccomp. */
int brig_seccomp_compile(const struct brig_seccomp *sc, struct brig_bpf *out);

/* The same without looking at or filling the cache. */
int brig_seccomp_compile_uncached(const struct brig_seccomp *sc, struct brig_bpf *out);

/* Only the checks of brig_seccomp_compile (cheap: no libseccomp), giving the
 * seccomp(2) flags and whether a listener is needed.  Either may be NULL. */
int brig_seccomp_check(const struct brig_seccomp *sc, unsigned int *flags, bool *needs_listener);

/* Where compiled filters are cached: a 0700 directory owned by the caller,
 * created when missing.  NULL disables the cache.  When never called:
 * $BRIG_SECCOMP_CACHE when set (empty: no cache), else as root
 * /run/brig-cache, else $XDG_RUNTIME_DIR/brig-cache, else no cache; never
 * under --root (see seccomp/cache.c). */
#define BRIG_SECCOMP_CACHE_PARENT "/run"
#define BRIG_SECCOMP_CACHE_NAME "brig-cache"
void brig_seccomp_set_cache_dir(const char *dir);

/* Install the filter in the calling thread/process.  With needs_listener,
 * *notify_fd receives the listener fd; otherwise it is set to -1. */
int brig_seccomp_install(const struct brig_bpf *prog, int *notify_fd);

/* Send NOTIFY_FD and the state of container C (as STATUS; pid: its init's)
 * to sc->listener_path as the spec's seccomp notify protocol says. */
int brig_seccomp_send_listener(const struct brig_seccomp *sc, int notify_fd, const struct brig_container *c,
                               enum brig_status status);

void brig_bpf_free(struct brig_bpf *p);

/* Run PROG as the kernel would on one struct seccomp_data D, as 16 native
 * words: D[0] nr, D[1] arch, D[2..3] instruction pointer, D[4 + 2*i] and
 * D[5 + 2*i] argument i (the halves in memory order).  The return value
 * (SECCOMP_RET_*), or BRIG_BPF_BAD on an instruction the kernel would have
 * refused (seccomp/bpf_run.c). */
#define BRIG_BPF_BAD 0xffffffffu
uint32_t brig_bpf_run(const struct brig_bpf *prog, const uint32_t d[16]);
/* brig_bpf_run on the seccomp_data of system call NR of architecture ARCH
 * (an AUDIT_ARCH value) with ARGS, instruction pointer 0. */
uint32_t brig_bpf_run_call(const struct brig_bpf *prog, int nr, uint32_t arch, const uint64_t args[6]);
/* Whether PROG lets system call NR with ARGS through unchanged
 * (SECCOMP_RET_ALLOW) on the native architecture. */
bool brig_bpf_allows(const struct brig_bpf *prog, int nr, const uint64_t args[6]);

/* The built-in RuntimeDefault profile (same content as
 * profiles/runtime-default.json), parsed into a copy of the caller's, which
 * may change it and frees it with brig_seccomp_free. */
int brig_seccomp_runtime_default(struct brig_seccomp **out);

/* The same profile as parsed at build time by seccomp/gen-default: static
 * read-only data, for the policy to put in linux.seccomp at no cost.  It
 * must not be changed; brig_seccomp_free leaves it alone (sc->builtin), and
 * the filter cache keys it by a build-time digest. */
struct brig_seccomp *brig_seccomp_runtime_default_shared(void);

/* The generated tables behind it (seccomp/runtime_default_profile.c): the
 * profile, the digest of its cache-key part (brig_seccomp_profile_digest)
 * and whether its filter is the same at every seccomp API level. */
extern const struct brig_seccomp brig_runtime_default_profile;
extern const uint64_t brig_runtime_default_digest[3];
extern const bool brig_runtime_default_api_free;

/* The built-in profile as JSON text (NUL-terminated), for `brig spec`. */
extern const char brig_runtime_default_json[];
extern const size_t brig_runtime_default_json_len;

/* Architectures by their linux.seccomp name ("SCMP_ARCH_X86_64") and
 * libseccomp token: whether NAME is one, the name of TOKEN (NULL when
 * unknown), and the tokens a process on this host can use (the native one
 * first; at most MAX). */
bool brig_seccomp_arch_known(const char *name);
const char *brig_seccomp_arch_name(uint32_t token);
size_t brig_seccomp_host_arches(uint32_t *tokens, size_t max);

/* libseccomp's version as "2.5.4". */
const char *brig_seccomp_lib_version(void);

#endif
