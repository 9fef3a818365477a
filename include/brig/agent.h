/* brig: the seccomp agent (`brig seccomp-agent`): receives seccomp listener
 * fds over linux.seccomp.listenerPath from any runtime that implements the
 * spec, answers each trapped system call by rule, and writes one JSON line
 * per event. */
#ifndef BRIG_AGENT_H
#define BRIG_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum brig_agent_action {
    BRIG_AGENT_ERRNO,    /* fail the call with errnoRet */
    BRIG_AGENT_CONTINUE, /* let the kernel run it (an alert all the same) */
};

struct brig_agent_cidr {
    int family; /* AF_INET, AF_INET6 */
    uint8_t addr[16];
    unsigned prefix;
};

struct brig_agent_rule {
    char **names;
    size_t n_names;
    enum brig_agent_action action;
    int errno_ret;
    /* connect only: destinations that are let through silently */
    struct brig_agent_cidr *allow;
    size_t n_allow;
    bool allow_unix;
};

struct brig_agent_rules {
    enum brig_agent_action default_action;
    int default_errno;
    struct brig_agent_rule *rules;
    size_t n_rules;
};

/* The built-in rule set (profiles/seccomp-agent.json, embedded). */
extern const char brig_agent_rules_json[];
extern const size_t brig_agent_rules_json_len;

/* Parse a rules file's text; errors name the JSON path ("rules[2].names"). */
int brig_agent_rules_parse(const char *text, struct brig_agent_rules *out);
void brig_agent_rules_free(struct brig_agent_rules *r);
/* The rule naming SYSCALL, or NULL (the default applies). */
const struct brig_agent_rule *brig_agent_rule_for(const struct brig_agent_rules *r, const char *syscall);
/* Whether a connect() to SA (LEN bytes) is one RULE lets through silently. */
bool brig_agent_dest_allowed(const struct brig_agent_rule *rule, const struct sockaddr *sa, size_t len);
/* The "container process state" a runtime sends with N_FDS fds: which of
 * them is the listener, the container's id (malloc()ed) and pid. */
int brig_agent_parse_state(const char *msg, size_t n_fds, int *seccomp_fd, char **id, long long *pid);
/* "EPERM" or "1" -> 1; -1 when neither. */
int brig_agent_errno_parse(const char *s);

/* Serve listener fds received on the unix socket SOCKET_PATH until SIGINT or
 * SIGTERM; events go to OUT as JSON lines. */
struct brig_agent_opts {
    const char *socket_path;
    const struct brig_agent_rules *rules;
    int out_fd;
};
int brig_agent_serve(const struct brig_agent_opts *o);

#endif
