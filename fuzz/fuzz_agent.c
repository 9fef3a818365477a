/* libFuzzer target: the seccomp agent's parsers (seccomp/agent_rules.c):
 * the "container process state" any local process may send to the
 * agent's socket, and the rules file.
 *
 * The first byte picks the parser and, for the state, how many fds came
 * with it.  Promises: a parsed state names an fd that arrived and has an
 * id; parsed rules have names in every rule and prefixes in range, and
 * every lookup and allow-list check on them is safe; an error is one
 * printable line. */
#include "config.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brig/agent.h"
#include "brig/brig.h"
#include "brig/error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Normally defined by runtime/cmd/main.c: defaults (no --debug, no --log). */
struct brig_globals brig_g;

static void rules(const char *text)
{
    struct brig_agent_rules r;
    if (brig_agent_rules_parse(text, &r) < 0) {
        fuzz_error_is_one_line();
        return;
    }
    for (size_t i = 0; i < r.n_rules; i++) {
        const struct brig_agent_rule *x = &r.rules[i];
        REQUIRE(x->n_names > 0);
        REQUIRE(brig_agent_rule_for(&r, x->names[0]) != NULL);
        for (size_t k = 0; k < x->n_allow; k++)
            REQUIRE(x->allow[k].prefix <= (x->allow[k].family == AF_INET ? 32u : 128u));
        struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
        struct sockaddr_in a4 = {.sin_family = AF_INET};
        (void)brig_agent_dest_allowed(x, (struct sockaddr *)&a6, sizeof a6);
        (void)brig_agent_dest_allowed(x, (struct sockaddr *)&a4, sizeof a4);
    }
    brig_agent_rules_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = malloc(size);
    if (!text)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (data[0] & 0x80) {
        rules(text);
    } else {
        size_t n_fds = data[0] & 0x0f;
        int fd;
        char *id;
        long long pid;
        if (brig_agent_parse_state(text, n_fds, &fd, &id, &pid) == 0) {
            REQUIRE(fd >= 0 && (size_t)fd < n_fds);
            REQUIRE(id);
            free(id);
        } else {
            fuzz_error_is_one_line();
        }
    }
    free(text);
    return 0;
}
