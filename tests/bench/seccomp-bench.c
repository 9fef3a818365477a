/* How long the seccomp filter costs a container.
 *
 *   tests/bench/seccomp-bench [--check] [PROFILE.json]
 *
 * Without PROFILE, the built-in RuntimeDefault profile.  Prints the time to
 * parse the profile, a cold libseccomp compilation, a load from the cache and
 * the install in a fresh process.  --check exits 1 when a cached load plus
 * the install take a millisecond or more. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/oci.h"
#include "brig/internal.h"
#include "brig/seccomp.h"

struct brig_globals brig_g;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

static void die(const char *what)
{
    fprintf(stderr, "seccomp-bench: %s: %s\n", what, brig_last_error());
    exit(2);
}

/* Microseconds a fresh process spends in no_new_privs + install. */
static double install_us(const struct brig_bpf *b)
{
    int p[2];
    if (pipe(p) < 0)
        die("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int nfd;
        close(p[0]);
        double t0 = now_us();
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || brig_seccomp_install(b, &nfd) < 0)
            _exit(1);
        double t = now_us() - t0;
        _exit(write(p[1], &t, sizeof t) == sizeof t ? 0 : 1);
    }
    close(p[1]);
    double t = -1;
    if (read(p[0], &t, sizeof t) != sizeof t)
        t = -1;
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    if (t < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die("install in a child");
    return t;
}

int main(int argc, char **argv)
{
    bool check = false;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0)
            check = true;
        else
            file = argv[i];
    }

    const char *text = brig_runtime_default_json;
    size_t len = brig_runtime_default_json_len;
    char *buf = NULL;
    if (file) {
        if (brig_read_file(file, &buf, &len) < 0)
            die("read profile");
        text = buf;
    }

    enum { PARSES = 200, COLD = 15, LOADS = 2000, INSTALLS = 200 };
    static double t[LOADS];
    struct brig_seccomp *sc = NULL;
    for (int i = 0; i < PARSES; i++) {
        double t0 = now_us();
        if (brig_seccomp_parse(text, len, &sc) < 0)
            die("parse profile");
        t[i] = now_us() - t0;
        if (i < PARSES - 1)
            brig_seccomp_free(sc);
    }
    double parse = median(t, PARSES);

    size_t names = 0;
    for (size_t i = 0; i < sc->n_syscalls; i++)
        names += sc->syscalls[i].names.n;

    struct brig_bpf b;
    for (int i = 0; i < COLD; i++) {
        double t0 = now_us();
        if (brig_seccomp_compile_uncached(sc, &b) < 0)
            die("compile");
        t[i] = now_us() - t0;
        brig_bpf_free(&b);
    }
    double cold = median(t, COLD);

    char dir[] = "/tmp/brig-seccomp-bench-XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp");
    char *cache = brig_xasprintf("%s/cache", dir);
    brig_seccomp_set_cache_dir(cache);
    if (brig_seccomp_compile(sc, &b) < 0)
        die("compile into the cache");
    brig_bpf_free(&b);
    for (int i = 0; i < LOADS; i++) {
        double t0 = now_us();
        if (brig_seccomp_compile(sc, &b) < 0)
            die("cached compile");
        t[i] = now_us() - t0;
        if (!b.from_cache)
            die("cache miss");
        if (i < LOADS - 1)
            brig_bpf_free(&b);
    }
    double cached = median(t, LOADS);

    for (int i = 0; i < INSTALLS; i++)
        t[i] = install_us(&b);
    double inst = median(t, INSTALLS);

    printf("profile:        %s, %zu rules, %zu syscall names\n",
           file ? file : "built-in RuntimeDefault", sc->n_syscalls, names);
    printf("filter:         %u BPF instructions, libseccomp %s\n", (unsigned)b.len,
           brig_seccomp_lib_version());
    printf("parse JSON:     %8.1f us (median of %d)\n", parse, PARSES);
    printf("cold compile:   %8.1f us (median of %d, libseccomp)\n", cold, COLD);
    printf("cached load:    %8.1f us (median of %d)\n", cached, LOADS);
    printf("install:        %8.1f us (median of %d fresh processes)\n", inst, INSTALLS);
    printf("per container:  %8.1f us (cached load + install)\n", cached + inst);

    brig_bpf_free(&b);
    brig_seccomp_free(sc);
    free(buf);
    char *rm = brig_xasprintf("rm -rf %s", dir);
    if (system(rm) != 0)
        fprintf(stderr, "seccomp-bench: could not remove %s\n", dir);
    free(rm);
    free(cache);
    if (check && cached + inst >= 1000.0) {
        printf("FAIL: a container pays %.1f us for seccomp, not under a millisecond\n", cached + inst);
        return 1;
    }
    return 0;
}
