/* brig isolation probe: what the driver (probe.c) and the probe modules
 * (probe_kernel.c, probe_files.c) share.  See probe.c for the design. */
#ifndef BRIG_PROBE_H
#define BRIG_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FORK 4096

enum verdict { V_ERROR = -1, V_ESCAPED = 0, V_BLOCKED = 1 };

/* What a probe child sends back to the parent through a pipe: small enough
 * (< PIPE_BUF) to arrive in one piece. */
struct result {
    int verdict;
    int err;
    char tried[256];
    char detail[1536];
};

struct probe {
    const char *name;
    void (*fn)(struct result *r);
};

/* The probe tables, each ended by { NULL, NULL }. */
extern const struct probe probes_kernel[]; /* identity, syscalls, privileges */
extern const struct probe probes_files[];  /* files, visibility, limits */

struct options {
    long fork_max;
    long mem_max_mb;
    unsigned timeout;
    const char *suid_root;
    const char *suid_other;
};
extern struct options opt;

/* Taken before anything else runs: what the runtime handed us. */
struct boot_state {
    pid_t pid;          /* 1 when the probe is the container's init */
    struct stat root;   /* "/" */
    int root_err;
    struct result fds;  /* verdict of the inherited fd scan */
    struct result cwd;  /* verdict of the starting cwd */
};
extern struct boot_state boot;

/* r->verdict, r->err and r->detail at once. */
void say(struct result *r, int verdict, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Append to r->detail. */
void add(struct result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tried(struct result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append to a fixed NUL-terminated buffer, silently truncating. */
void appendf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

bool same_file(const struct stat *a, const struct stat *b);
bool refused(int e);
void judge_call(struct result *r, long ret, int e, const char *meaning);

ssize_t write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);
ssize_t slurp(const char *path, char *buf, size_t size);
bool status_field(const char *key, char *out, size_t outsz);

/* probe_helpers.c: --watch-exe S and --fill-sigqueue S; -1 for no such mode. */
int helper_main(int argc, char **argv);

#endif
