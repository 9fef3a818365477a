/* brig: pure conversions between the OCI resources and cgroup file
 * values (v1 to v2 units, sizes, durations, key-value files). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brig/cgroup_internal.h"
#include "brig/internal.h"

/* ---- pure conversions ---- */

uint64_t brig_cg_shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t brig_cg_blkio_to_io_weight(uint64_t weight)
{
    if (weight == 0)
        return 0;
    if (weight < 10)
        weight = 10;
    if (weight > 1000)
        weight = 1000;
    return 1 + ((weight - 10) * 9999) / 990;
}

int brig_cg_swap_to_v2(const struct brig_memory *m, int64_t *out)
{
    int64_t swap = m->swap.v;
    int64_t mem = m->limit.set ? m->limit.v : 0;
    if (swap == -1) {
        *out = -1;
        return 0;
    }
    if (swap == 0) {
        *out = 0;
        return 0;
    }
    if (mem == 0 || mem == -1)
        return brig_fail(0, "memory.swap is set without a memory limit (cgroup v2 cannot express memory+swap alone)");
    if (mem > swap)
        return brig_fail(0, "memory.swap (%lld) must not be smaller than memory.limit (%lld)",
                         (long long)swap, (long long)mem);
    *out = swap - mem;
    return 0;
}

char *brig_cg_cpu_max(const struct brig_cpu *c)
{
    if (!c->quota.set && !c->period.set)
        return NULL;
    char quota[32] = "max";
    if (c->quota.set && c->quota.v > 0)
        snprintf(quota, sizeof quota, "%lld", (long long)c->quota.v);
    if (c->period.set && c->period.v > 0)
        return brig_xasprintf("%s %llu", quota, (unsigned long long)c->period.v);
    return brig_xstrdup(quota);
}

char *brig_cg_limit_str(int64_t v)
{
    return v < 0 ? brig_xstrdup("max") : brig_xasprintf("%lld", (long long)v);
}

bool brig_cg_hugepage_size(const char *s, uint64_t *bytes)
{
    uint64_t n = 0;
    const char *p = s;
    if (!s || *p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9') {
        if (n > UINT64_MAX / 10)
            return false;
        n = n * 10 + (uint64_t)(*p++ - '0');
    }
    uint64_t mul;
    if (strcmp(p, "KB") == 0)
        mul = 1ULL << 10;
    else if (strcmp(p, "MB") == 0)
        mul = 1ULL << 20;
    else if (strcmp(p, "GB") == 0)
        mul = 1ULL << 30;
    else
        return false;
    if (n == 0 || n > UINT64_MAX / mul)
        return false;
    *bytes = n * mul;
    return true;
}

bool brig_cg_parse_size(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    if (strcmp(s, "-1") == 0) {
        *out = -1;
        return true;
    }
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno)
        return false;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'b': case 'B': shift = 0; end++; goto done;
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: return false;
    }
    if (*end) {
        end++;
        /* "k", "kb", "kib" */
        if (*end == 'i' || *end == 'I')
            end++;
        if (*end == 'b' || *end == 'B')
            end++;
    }
done:
    if (*end)
        return false;
    if (n > ((unsigned long long)INT64_MAX >> shift))
        return false;
    *out = (int64_t)(n << shift);
    return true;
}

bool brig_cg_parse_duration_ms(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    double total = 0;
    const char *p = s;
    while (*p) {
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return false; /* no signs, spaces, "inf" or "nan" */
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !(v >= 0))
            return false;
        p = end;
        double mul;
        if (strncmp(p, "ms", 2) == 0) {
            mul = 1;
            p += 2;
        } else if (strncmp(p, "us", 2) == 0) {
            mul = 0.001;
            p += 2;
        } else if (strncmp(p, "ns", 2) == 0) {
            mul = 0.000001;
            p += 2;
        } else if (*p == 'h') {
            mul = 3600000;
            p++;
        } else if (*p == 'm') {
            mul = 60000;
            p++;
        } else if (*p == 's') {
            mul = 1000;
            p++;
        } else {
            return false; /* Go wants a unit on every number */
        }
        total += v * mul;
    }
    if (total > 1e15)
        return false;
    *out = (uint64_t)total;
    return true;
}

bool brig_cg_kv_get(const char *text, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, kl) == 0 && l[kl] == ' ') {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(l + kl + 1, &end, 10);
            if (errno || end == l + kl + 1)
                return false;
            *out = v;
            return true;
        }
    }
    return false;
}
