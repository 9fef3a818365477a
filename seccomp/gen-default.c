/* brig build tool: parses profiles/runtime-default.json with brig's own
 * parser and writes the result as static C data (struct brig_seccomp
 * brig_runtime_default_profile), with the digest of its filter-cache key
 * part, for seccomp/default_profile.c.
 *
 * Parsing the ~7 KB profile costs ~250 us of CPU and a few hundred mallocs;
 * every container started with the default profile paid it.  Using the
 * parser itself (not a second reader of the JSON) keeps the data exactly
 * what brig_seccomp_parse gives; tests/unit/test_seccomp.c compares them.
 * Everything is const (read-only once relocated): the casts only fit the
 * non-const members of struct brig_seccomp, and a write would fault.
 *
 * Usage: gen-default PROFILE.json > runtime_default_profile.c */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brig/brig.h"
#include "brig/error.h"
#include "brig/internal.h"
#include "brig/oci.h"
#include "brig/seccomp.h"
#include "seccomp_internal.h"

struct brig_globals brig_g;

/* S as a C string literal; NULL as NULL. */
static void put_cstr(const char *s)
{
    if (!s) {
        fputs("NULL", stdout);
        return;
    }
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f || *p == '?') /* '?': no trigraphs */
            printf("\\%03o", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/* The array behind V as NAME (nothing when V is absent). */
static void put_strv_array(const char *name, const struct brig_strv *v)
{
    if (!v->v)
        return;
    printf("static char *const %s[] = {", name);
    for (size_t i = 0; i < v->n; i++) {
        fputs(i % 4 == 0 ? "\n    " : " ", stdout);
        put_cstr(v->v[i]);
        putchar(',');
    }
    printf("\n    NULL,\n};\n");
}

static void put_strv_init(const char *name, const struct brig_strv *v)
{
    printf("{.v = %s%s, .n = %zu}", v->v ? "(char **)" : "", v->v ? name : "NULL", v->n);
}

static void put_opt_u32(const brig_opt_u32 *o)
{
    printf("{.set = %s, .v = %" PRIu32 "u}", o->set ? "true" : "false", o->v);
}

/* Whether libseccomp accepts A at every API level: then the filter does not
 * depend on the level the running kernel offers. */
static bool api_free_action(enum brig_seccomp_action a)
{
    switch (a) {
    case BRIG_SECCOMP_KILL:
    case BRIG_SECCOMP_KILL_THREAD:
    case BRIG_SECCOMP_TRAP:
    case BRIG_SECCOMP_ERRNO:
    case BRIG_SECCOMP_TRACE:
    case BRIG_SECCOMP_ALLOW:
        return true;
    default:
        return false; /* LOG, KILL_PROCESS (level 3), NOTIFY (level 5) */
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen-default PROFILE.json\n");
        return 2;
    }
    char *text = NULL;
    size_t len = 0;
    struct brig_seccomp *sc = NULL;
    if (brig_read_file(argv[1], &text, &len) < 0 || brig_seccomp_parse(text, len, &sc) < 0) {
        fprintf(stderr, "gen-default: %s: %s\n", argv[1], brig_last_error());
        return 1;
    }
    const char *base = strrchr(argv[1], '/');
    base = base ? base + 1 : argv[1];

    printf("/* Generated from %s by seccomp/gen-default: do not edit. */\n", base);
    printf("#include \"config.h\"\n\n#include \"brig/seccomp.h\"\n\n");
    bool api_free = api_free_action(sc->default_action) && sc->flags.n == 0;

    put_strv_array("arches", &sc->architectures);
    put_strv_array("flags", &sc->flags);
    char name[64];
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct brig_seccomp_syscall *s = &sc->syscalls[i];
        api_free = api_free && api_free_action(s->action);
        snprintf(name, sizeof name, "names_%zu", i);
        put_strv_array(name, &s->names);
        if (!s->args)
            continue;
        printf("static const struct brig_seccomp_arg args_%zu[] = {\n", i);
        for (size_t j = 0; j < s->n_args; j++) {
            const struct brig_seccomp_arg *a = &s->args[j];
            printf("    {.index = %" PRIu32 "u, .value = %#" PRIx64 "ULL, .value_two = %#" PRIx64
                   "ULL, .op = (enum brig_seccomp_op)%d},\n",
                   a->index, a->value, a->value_two, (int)a->op);
        }
        /* calloc(0) of the parser: keep "present but empty" apart from absent */
        if (s->n_args == 0)
            printf("    {0},\n");
        printf("};\n");
    }
    if (sc->syscalls) {
        printf("static const struct brig_seccomp_syscall syscalls[] = {\n");
        for (size_t i = 0; i < sc->n_syscalls; i++) {
            const struct brig_seccomp_syscall *s = &sc->syscalls[i];
            snprintf(name, sizeof name, "names_%zu", i);
            printf("    {.names = ");
            put_strv_init(name, &s->names);
            printf(", .action = (enum brig_seccomp_action)%d, .errno_ret = ", (int)s->action);
            put_opt_u32(&s->errno_ret);
            if (s->args)
                printf(", .args = (struct brig_seccomp_arg *)args_%zu, .n_args = %zu},\n", i, s->n_args);
            else
                printf(", .args = NULL, .n_args = 0},\n");
        }
        if (sc->n_syscalls == 0)
            printf("    {.action = (enum brig_seccomp_action)0},\n");
        printf("};\n");
    }

    printf("\nconst struct brig_seccomp brig_runtime_default_profile = {\n");
    printf("    .default_action = (enum brig_seccomp_action)%d,\n", (int)sc->default_action);
    printf("    .default_errno_ret = ");
    put_opt_u32(&sc->default_errno_ret);
    printf(",\n    .architectures = ");
    put_strv_init("arches", &sc->architectures);
    printf(",\n    .flags = ");
    put_strv_init("flags", &sc->flags);
    printf(",\n    .listener_path = ");
    put_cstr(sc->listener_path);
    printf(",\n    .listener_metadata = ");
    put_cstr(sc->listener_metadata);
    printf(",\n    .syscalls = %s,\n    .n_syscalls = %zu,\n",
           sc->syscalls ? "(struct brig_seccomp_syscall *)syscalls" : "NULL",
           sc->n_syscalls);
    printf("    .builtin = true,\n};\n\n");

    uint64_t d[3];
    brig_seccomp_profile_digest(sc, d);
    printf("const uint64_t brig_runtime_default_digest[3] = {%" PRIu64 "u, %#" PRIx64 "ULL, %#" PRIx64
           "ULL};\n", d[0], d[1], d[2]);
    printf("const bool brig_runtime_default_api_free = %s;\n", api_free ? "true" : "false");

    brig_seccomp_free(sc);
    free(text);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("gen-default: write");
        return 1;
    }
    return 0;
}
