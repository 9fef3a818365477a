/* brig: what the seccomp/ files share with each other (not the runtime). */
#ifndef BRIG_SECCOMP_INTERNAL_H
#define BRIG_SECCOMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brig/seccomp.h"

/* Everything the BPF depends on, serialized: the profile's content, the
 * libseccomp version, the native architecture and brig's compiler revision.
 * A cache entry matches only when its stored key is byte-for-byte equal. */
struct brig_seccomp_key {
    unsigned char *data;
    size_t len;
    uint64_t hash;
};

void brig_seccomp_cache_key(const struct brig_seccomp *sc, struct brig_seccomp_key *key);

/* The profile's part of that key reduced to its length and two 64-bit
 * hashes; seccomp/gen-default.c stores the built-in profile's at build time. */
void brig_seccomp_profile_digest(const struct brig_seccomp *sc, uint64_t digest[3]);

/* The key of the built-in profile from its DIGEST, without serializing the
 * profile on each run.  API_FREE: the profile uses only actions every
 * seccomp API level has (see gen-default.c), so the kernel's identity
 * (uname) stands in for libseccomp's probed API level. */
void brig_seccomp_builtin_key(const uint64_t digest[3], bool api_free, struct brig_seccomp_key *key);

/* The key of SC: brig_seccomp_builtin_key for the built-in profile,
 * brig_seccomp_cache_key for any other (default_profile.c). */
void brig_seccomp_key_of(const struct brig_seccomp *sc, struct brig_seccomp_key *key);

/* The cache directory to use now (malloc()ed), NULL when disabled. */
char *brig_seccomp_cache_path(void);

/* 1 and *out filled (insns and len only) on a hit, 0 on a miss or an entry
 * that fails validation (debug line). */
int brig_seccomp_cache_load(const char *dir, const struct brig_seccomp_key *key, struct brig_bpf *out);

/* Store atomically; failures are logged with brig_debug and ignored. */
void brig_seccomp_cache_store(const char *dir, const struct brig_seccomp_key *key, const struct brig_bpf *prog);

/* Whether syscalls unknown to the profile should get ENOSYS (see enosys.c):
 * only when the default action refuses them. */
bool brig_seccomp_wants_enosys(enum brig_seccomp_action def);

/* Put the ENOSYS program in front of PROG, for the architectures TOKENS
 * (libseccomp tokens, the native one included).  X32_ENOSYS: every x32
 * number gets ENOSYS (the profile names x32, which this kernel cannot
 * run: brig_seccomp_x32_usable). */
int brig_seccomp_add_enosys(const struct brig_seccomp *sc, const uint32_t *tokens, size_t n_tokens,
                            bool x32_enosys, struct brig_bpf *prog);

/* Whether this kernel runs x32 system calls (x86_64 built with
 * CONFIG_X86_X32_ABI, and, on Debian's kernels, booted with syscall.x32=y).
 * Where it does not, a profile's x32 part is ~100 instructions the kernel
 * converts and compiles at every install for calls it refuses anyway: the
 * filter answers them ENOSYS instead, as the kernel would (enosys.c).
 * Asked with one x32 getpid, only by a process under no seccomp filter
 * (one could kill it for the foreign ABI); under one, or elsewhere than on
 * x86_64, true.  Part of every cache key. */
bool brig_seccomp_x32_usable(void);

/* Shrink PROG's syscall-number dispatch (optimize.c); leaves PROG as it is
 * when it cannot prove the result equivalent. */
void brig_seccomp_optimize(struct brig_bpf *prog);

/* brig_seccomp_compile_uncached without that step: libseccomp's program
 * (with the ENOSYS stub), for comparisons in tests. */
int brig_seccomp_compile_unoptimized(const struct brig_seccomp *sc, struct brig_bpf *out);

struct seccomp_notif;
struct seccomp_notif_resp;
/* Buffers for SECCOMP_IOCTL_NOTIF_RECV/SEND sized as the running kernel
 * says (notify.c); the agent and the learner serve listeners with them. */
int brig_seccomp_notif_alloc(struct seccomp_notif **n, size_t *n_size, struct seccomp_notif_resp **resp,
                             size_t *r_size);

#endif
