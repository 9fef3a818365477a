/* libFuzzer target: the seccomp profile compiler (seccomp/compile.c,
 * enosys.c, the cache key of cache.c), fed through the profile parser.
 *
 * The input is a linux.seccomp object, as in a profile file.  When it
 * parses, brig_seccomp_check, the cache key and brig_seccomp_compile run on
 * it (the cache is off: every input is compiled).  A program that compiles
 * must be one the kernel would load: the checks below are those of the
 * kernel's classic-BPF and seccomp verifiers (jumps in range, every path
 * ends in a return, loads only of aligned words of struct seccomp_data, at
 * most BPF_MAXINSNS instructions).  An error must be one printable line. */
#include "config.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brig/brig.h"
#include "brig/oci.h"
#include "brig/error.h"
#include "fuzz.h"
#include "brig/learn.h"
#include "brig/seccomp.h"
#include "../seccomp/seccomp_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Normally defined by runtime/cmd/main.c: defaults (no --debug, no --log). */
struct brig_globals brig_g;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* No cache: each input goes through libseccomp and the ENOSYS stub,
     * and the fuzzer writes nothing to disk. */
    brig_seccomp_set_cache_dir(NULL);
    return 0;
}

static void error_ok(void)
{
    const char *e = brig_last_error();
    REQUIRE(e != NULL && e[0] != '\0');
    for (const unsigned char *p = (const unsigned char *)e; *p; p++)
        REQUIRE(*p >= 0x20 && *p != 0x7f);
}

/* What the kernel's bpf_check_classic() and seccomp_check_filter() demand. */
static void bpf_ok(const struct brig_bpf *b)
{
    size_t len = b->len;
    REQUIRE(len > 0 && len <= BPF_MAXINSNS);
    REQUIRE(b->insns != NULL);
    for (size_t pc = 0; pc < len; pc++) {
        const struct sock_filter *f = &b->insns[pc];
        uint16_t code = f->code;
        switch (BPF_CLASS(code)) {
        case BPF_LD:
            if (BPF_MODE(code) == BPF_ABS) {
                /* seccomp: only 32-bit loads inside struct seccomp_data */
                REQUIRE(BPF_SIZE(code) == BPF_W);
                REQUIRE(f->k % 4 == 0 && f->k + 4 <= sizeof(struct seccomp_data));
            } else {
                REQUIRE(BPF_MODE(code) == BPF_IMM || BPF_MODE(code) == BPF_MEM ||
                        BPF_MODE(code) == BPF_LEN);
                if (BPF_MODE(code) == BPF_MEM)
                    REQUIRE(f->k < BPF_MEMWORDS);
            }
            break;
        case BPF_LDX:
            REQUIRE(BPF_MODE(code) == BPF_IMM || BPF_MODE(code) == BPF_MEM ||
                    BPF_MODE(code) == BPF_LEN);
            if (BPF_MODE(code) == BPF_MEM)
                REQUIRE(f->k < BPF_MEMWORDS);
            break;
        case BPF_ST:
        case BPF_STX:
            REQUIRE(f->k < BPF_MEMWORDS);
            break;
        case BPF_ALU:
            if (BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD)
                REQUIRE(BPF_SRC(code) != BPF_K || f->k != 0);
            break;
        case BPF_JMP:
            if (BPF_OP(code) == BPF_JA) {
                REQUIRE(f->k < len - pc - 1);
            } else {
                REQUIRE(BPF_OP(code) == BPF_JEQ || BPF_OP(code) == BPF_JGT ||
                        BPF_OP(code) == BPF_JGE || BPF_OP(code) == BPF_JSET);
                REQUIRE(pc + 1 + f->jt < len && pc + 1 + f->jf < len);
            }
            break;
        case BPF_RET:
            break;
        case BPF_MISC:
            break;
        default:
            REQUIRE(!"unknown instruction class");
        }
    }
    /* Jumps only go forward, so the last instruction ends every path. */
    REQUIRE(BPF_CLASS(b->insns[len - 1].code) == BPF_RET);
}

/* The same text as the profile --seccomp-learn merges with (an existing
 * FILE, outside input): taken only in the shape it writes, and then written
 * back to a fixed point (parse(json(x)) == x). */
static void learned(const char *text, size_t size)
{
    struct brig_learned l, back;
    if (brig_learned_parse(text, size, &l) < 0) {
        error_ok();
        brig_clear_error();
        return;
    }
    char *j = brig_learned_json(&l);
    REQUIRE(j != NULL);
    REQUIRE(brig_learned_parse(j, strlen(j), &back) == 0);
    char *j2 = brig_learned_json(&back);
    REQUIRE(j2 != NULL && strcmp(j, j2) == 0);
    for (size_t i = 1; i < l.n_names; i++)
        REQUIRE(strcmp(l.names[i - 1], l.names[i]) < 0);
    free(j);
    free(j2);
    brig_learned_free(&l);
    brig_learned_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct brig_seccomp *sc = NULL;

    brig_clear_error();
    if (brig_seccomp_parse((const char *)data, size, &sc) < 0) {
        error_ok();
        return 0;
    }
    REQUIRE(sc != NULL);

    unsigned int flags = 0;
    bool listener = false;
    int checked = brig_seccomp_check(sc, &flags, &listener);
    if (checked < 0)
        error_ok();

    struct brig_seccomp_key key = { 0 };
    brig_seccomp_cache_key(sc, &key);
    REQUIRE(key.len == 0 || key.data != NULL);
    free(key.data);

    struct brig_bpf prog;
    brig_clear_error();
    if (brig_seccomp_compile(sc, &prog) == 0) {
        /* compile runs the same checks first */
        REQUIRE(checked == 0);
        REQUIRE(prog.flags == flags && prog.needs_listener == listener);
        REQUIRE(!prog.from_cache);
        bpf_ok(&prog);
        brig_bpf_free(&prog);
        REQUIRE(prog.insns == NULL);
    } else {
        error_ok();
    }
    brig_seccomp_free(sc);
    brig_clear_error();
    learned((const char *)data, size);
    return 0;
}
