/* brig: the seccomp agent's rules: which answer a trapped system call gets.
 *
 *   {"defaultAction": "errno"|"continue", "defaultErrnoRet": "EPERM",
 *    "rules": [{"names": ["connect"], "action": "errno", "errnoRet": 111,
 *               "allowDestinations": ["unix", "127.0.0.0/8", "::1/128"]}]}
 *
 * Pure: parsing and lookups only (the agent loop is seccomp/agent.c). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "brig/agent.h"
#include "brig/error.h"
#include "brig/internal.h"
#include "brig/json.h"

int brig_agent_errno_parse(const char *s)
{
    if (!s || !*s)
        return -1;
    uint64_t n;
    if (brig_parse_u64(s, &n))
        return n > 0 && n < 4096 ? (int)n : -1;
    for (int e = 1; e < 4096; e++) {
        const char *name = strerrorname_np(e);
        if (name && strcmp(name, s) == 0)
            return e;
    }
    return -1;
}

static int parse_action(yajl_val v, const char *path, enum brig_agent_action *out)
{
    if (!YAJL_IS_STRING(v))
        return brig_fail(0, "%s: expected \"errno\" or \"continue\"", path);
    const char *s = YAJL_GET_STRING(v);
    if (strcmp(s, "errno") == 0)
        *out = BRIG_AGENT_ERRNO;
    else if (strcmp(s, "continue") == 0)
        *out = BRIG_AGENT_CONTINUE;
    else
        return brig_fail(0, "%s: unknown action \"%s\" (expected \"errno\" or \"continue\")", path, s);
    return 0;
}

static int parse_errno(yajl_val v, const char *path, int *out)
{
    char buf[32];
    const char *s = NULL;
    if (YAJL_IS_STRING(v)) {
        s = YAJL_GET_STRING(v);
    } else if (YAJL_IS_INTEGER(v)) {
        snprintf(buf, sizeof buf, "%lld", YAJL_GET_INTEGER(v));
        s = buf;
    }
    int e = brig_agent_errno_parse(s);
    if (e < 0)
        return brig_fail(0, "%s: expected an errno name (EPERM) or number", path);
    *out = e;
    return 0;
}

static int parse_cidr(const char *s, const char *path, struct brig_agent_cidr *out)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof addr)
        return brig_fail(0, "%s: \"%s\" is not an address or CIDR", path, s);
    memcpy(addr, s, n);
    addr[n] = '\0';
    memset(out, 0, sizeof *out);
    unsigned max;
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->family = AF_INET6;
        max = 128;
    } else {
        return brig_fail(0, "%s: \"%s\" is not an address or CIDR", path, s);
    }
    out->prefix = max;
    if (slash) {
        uint64_t p;
        if (!brig_parse_u64(slash + 1, &p) || p > max)
            return brig_fail(0, "%s: \"%s\": prefix length out of range", path, s);
        out->prefix = (unsigned)p;
    }
    return 0;
}

static int parse_rule(yajl_val v, size_t i, struct brig_agent_rule *r)
{
    char path[64];
    if (!YAJL_IS_OBJECT(v))
        return brig_fail(0, "rules[%zu]: expected an object", i);
    r->action = BRIG_AGENT_ERRNO;
    r->errno_ret = EPERM;
    yajl_val names = brig_json_get(v, "names");
    if (!YAJL_IS_ARRAY(names) || names->u.array.len == 0)
        return brig_fail(0, "rules[%zu].names: expected a non-empty array of system call names", i);
    r->names = brig_xcalloc(names->u.array.len, sizeof *r->names);
    for (size_t k = 0; k < names->u.array.len; k++) {
        yajl_val n = names->u.array.values[k];
        if (!YAJL_IS_STRING(n) || !*YAJL_GET_STRING(n))
            return brig_fail(0, "rules[%zu].names[%zu]: expected a system call name", i, k);
        r->names[r->n_names++] = brig_xstrdup(YAJL_GET_STRING(n));
    }
    yajl_val a = brig_json_get(v, "action");
    snprintf(path, sizeof path, "rules[%zu].action", i);
    if (a && parse_action(a, path, &r->action) < 0)
        return -1;
    yajl_val e = brig_json_get(v, "errnoRet");
    snprintf(path, sizeof path, "rules[%zu].errnoRet", i);
    if (e && parse_errno(e, path, &r->errno_ret) < 0)
        return -1;
    yajl_val allow = brig_json_get(v, "allowDestinations");
    if (allow) {
        if (!YAJL_IS_ARRAY(allow))
            return brig_fail(0, "rules[%zu].allowDestinations: expected an array", i);
        r->allow = brig_xcalloc(allow->u.array.len + 1, sizeof *r->allow);
        for (size_t k = 0; k < allow->u.array.len; k++) {
            yajl_val d = allow->u.array.values[k];
            snprintf(path, sizeof path, "rules[%zu].allowDestinations[%zu]", i, k);
            const char *ds = YAJL_IS_STRING(d) ? YAJL_GET_STRING(d) : NULL;
            if (!ds)
                return brig_fail(0, "%s: expected \"unix\" or an address or CIDR", path);
            if (strcmp(ds, "unix") == 0)
                r->allow_unix = true;
            else if (parse_cidr(ds, path, &r->allow[r->n_allow++]) < 0)
                return -1;
        }
    }
    return 0;
}

int brig_agent_rules_parse(const char *text, struct brig_agent_rules *out)
{
    memset(out, 0, sizeof *out);
    out->default_action = BRIG_AGENT_ERRNO;
    out->default_errno = EPERM;
    yajl_val root = brig_json_parse(text, "seccomp agent rules");
    if (!root)
        return -1;
    int r = -1;
    if (!YAJL_IS_OBJECT(root)) {
        brig_fail(0, "seccomp agent rules: expected an object");
        goto out;
    }
    yajl_val a = brig_json_get(root, "defaultAction");
    if (a && parse_action(a, "defaultAction", &out->default_action) < 0)
        goto out;
    yajl_val e = brig_json_get(root, "defaultErrnoRet");
    if (e && parse_errno(e, "defaultErrnoRet", &out->default_errno) < 0)
        goto out;
    yajl_val rules = brig_json_get(root, "rules");
    if (rules && !YAJL_IS_ARRAY(rules)) {
        brig_fail(0, "rules: expected an array");
        goto out;
    }
    if (rules) {
        out->rules = brig_xcalloc(rules->u.array.len + 1, sizeof *out->rules);
        for (size_t i = 0; i < rules->u.array.len; i++) {
            out->n_rules++;
            if (parse_rule(rules->u.array.values[i], i, &out->rules[i]) < 0)
                goto out;
        }
    }
    r = 0;
out:
    yajl_tree_free(root);
    if (r < 0)
        brig_agent_rules_free(out);
    return r;
}

void brig_agent_rules_free(struct brig_agent_rules *r)
{
    for (size_t i = 0; i < r->n_rules; i++) {
        for (size_t k = 0; k < r->rules[i].n_names; k++)
            free(r->rules[i].names[k]);
        free(r->rules[i].names);
        free(r->rules[i].allow);
    }
    free(r->rules);
    memset(r, 0, sizeof *r);
}

const struct brig_agent_rule *brig_agent_rule_for(const struct brig_agent_rules *r, const char *syscall)
{
    for (size_t i = 0; i < r->n_rules; i++)
        for (size_t k = 0; k < r->rules[i].n_names; k++)
            if (strcmp(r->rules[i].names[k], syscall) == 0)
                return &r->rules[i];
    return NULL;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool brig_agent_dest_allowed(const struct brig_agent_rule *rule, const struct sockaddr *sa, size_t len)
{
    if (!rule || len < sizeof sa->sa_family)
        return false;
    if (sa->sa_family == AF_UNIX)
        return rule->allow_unix;
    uint8_t addr[16];
    int family = sa->sa_family;
    if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        /* An IPv4-mapped address is judged as the IPv4 one. */
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            family = AF_INET;
            memcpy(addr, &a6->s6_addr[12], 4);
        } else {
            memcpy(addr, a6, 16);
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < rule->n_allow; i++)
        if (rule->allow[i].family == family && prefix_match(addr, rule->allow[i].addr, rule->allow[i].prefix))
            return true;
    return false;
}

int brig_agent_parse_state(const char *msg, size_t n_fds, int *seccomp_fd, char **id, long long *pid)
{
    *seccomp_fd = -1;
    *id = NULL;
    *pid = 0;
    yajl_val root = brig_json_parse(msg, "container process state");
    if (!root)
        return -1;
    int r = -1;
    yajl_val names = brig_json_get(root, "fds");
    if (!YAJL_IS_ARRAY(names)) {
        brig_fail(0, "container process state: no \"fds\" array");
        goto out;
    }
    for (size_t i = 0; i < names->u.array.len && i < n_fds; i++) {
        yajl_val v = names->u.array.values[i];
        const char *name = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
        if (name && strcmp(name, "seccompFd") == 0)
            *seccomp_fd = (int)i;
    }
    if (*seccomp_fd < 0) {
        brig_fail(0, "container process state: no \"seccompFd\" among %zu fds", n_fds);
        goto out;
    }
    yajl_val state = brig_json_get(root, "state");
    const char *s = YAJL_IS_OBJECT(state) ? brig_json_get_str(state, "id") : NULL;
    int64_t p = 0;
    if (!brig_json_get_i64(root, "pid", &p) && YAJL_IS_OBJECT(state))
        brig_json_get_i64(state, "pid", &p);
    *id = brig_xstrdup(s ? s : "");
    *pid = p;
    r = 0;
out:
    yajl_tree_free(root);
    return r;
}
