/* Unit tests for the seccomp agent's rules (seccomp/agent_rules.c): the
 * parser (and its JSON-path errors), errno names, rule lookup, and the
 * connect allow-list for IPv4, IPv6, v4-mapped and unix addresses. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "brig/agent.h"
#include "brig/brig.h"
#include "brig/error.h"
#include "unit.h"

struct brig_globals brig_g;

static void test_errno_names(void)
{
    CHECK_INT(brig_agent_errno_parse("EPERM"), EPERM);
    CHECK_INT(brig_agent_errno_parse("ECONNREFUSED"), ECONNREFUSED);
    CHECK_INT(brig_agent_errno_parse("38"), 38);
    CHECK_INT(brig_agent_errno_parse("0"), -1);
    CHECK_INT(brig_agent_errno_parse("EXYZ"), -1);
    CHECK_INT(brig_agent_errno_parse(""), -1);
    CHECK_INT(brig_agent_errno_parse("99999"), -1);
}

static void test_builtin_rules_parse(void)
{
    struct brig_agent_rules r;
    CHECK_INT(brig_agent_rules_parse(brig_agent_rules_json, &r), 0);
    CHECK(r.default_action == BRIG_AGENT_ERRNO);
    CHECK_INT(r.default_errno, EPERM);
    const struct brig_agent_rule *c = brig_agent_rule_for(&r, "connect");
    CHECK(c && c->allow_unix && c->n_allow == 2 && c->errno_ret == ECONNREFUSED);
    const struct brig_agent_rule *u = brig_agent_rule_for(&r, "unshare");
    CHECK(u && u->action == BRIG_AGENT_ERRNO && u->errno_ret == EPERM);
    const struct brig_agent_rule *s = brig_agent_rule_for(&r, "setuid");
    CHECK(s && s->action == BRIG_AGENT_CONTINUE);
    CHECK(brig_agent_rule_for(&r, "read") == NULL);
    brig_agent_rules_free(&r);
}

static void expect_error(const char *json, const char *path)
{
    struct brig_agent_rules r;
    brig_clear_error();
    CHECK_INT(brig_agent_rules_parse(json, &r), -1);
    CHECK_STR_CONTAINS(brig_last_error(), path);
    brig_clear_error();
}

static void test_errors_name_the_json_path(void)
{
    expect_error("[]", "expected an object");
    expect_error("{\"defaultAction\": \"allow\"}", "defaultAction");
    expect_error("{\"defaultErrnoRet\": \"ENOPE\"}", "defaultErrnoRet");
    expect_error("{\"rules\": {}}", "rules");
    expect_error("{\"rules\": [1]}", "rules[0]");
    expect_error("{\"rules\": [{\"names\": []}]}", "rules[0].names");
    expect_error("{\"rules\": [{\"names\": [\"a\", 3]}]}", "rules[0].names[1]");
    expect_error("{\"rules\": [{\"names\": [\"a\"]}, {\"names\": [\"b\"], \"errnoRet\": -1}]}", "rules[1].errnoRet");
    expect_error("{\"rules\": [{\"names\": [\"a\"], \"allowDestinations\": [\"1.2.3.4/40\"]}]}",
                 "rules[0].allowDestinations[0]");
    expect_error("{\"rules\": [{\"names\": [\"a\"], \"allowDestinations\": [\"host.example\"]}]}",
                 "rules[0].allowDestinations[0]");
    expect_error("{\"rules\": [", "seccomp agent rules");
}

/* What the input quotes cannot start a second line or drive a terminal:
 * the fuzz target found a JSON "\n" reaching the message (fuzz/fuzz.h). */
static void test_errors_quote_input_on_one_line(void)
{
    struct brig_agent_rules r;
    CHECK_INT(brig_agent_rules_parse("{\"rules\": [{\"names\": [\"a\"], \"action\": \"x\\ny\\u001b[2J\\tz\"}]}", &r), -1);
    const char *e = brig_last_error();
    CHECK(strchr(e, '\n') == NULL);
    CHECK(strchr(e, '\x1b') == NULL);
    CHECK(strstr(e, "x\\ny\\x1b[2J\\tz") != NULL);
    brig_clear_error();
    /* context added later is made one line too */
    brig_fail(0, "plain");
    brig_fail_ctx("ctx\r%s", "x");
    CHECK_STR(brig_last_error(), "ctx\\rx: plain");
    brig_clear_error();
}

static bool allowed4(const struct brig_agent_rule *rule, const char *ip)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return brig_agent_dest_allowed(rule, (struct sockaddr *)&a, sizeof a);
}

static bool allowed6(const struct brig_agent_rule *rule, const char *ip)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(80)};
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return brig_agent_dest_allowed(rule, (struct sockaddr *)&a, sizeof a);
}

static void test_allow_list(void)
{
    struct brig_agent_rules r;
    CHECK_INT(brig_agent_rules_parse("{\"rules\": [{\"names\": [\"connect\"], \"allowDestinations\": "
                                     "[\"10.1.0.0/16\", \"192.0.2.7\", \"fd00::/8\", \"0.0.0.0/0\"]},"
                                     "{\"names\": [\"x\"], \"allowDestinations\": [\"10.0.0.0/9\"]}]}",
                                     &r),
              0);
    const struct brig_agent_rule *c = &r.rules[0], *x = &r.rules[1];
    CHECK(allowed4(c, "10.1.255.3"));
    CHECK(allowed4(c, "8.8.8.8")); /* 0.0.0.0/0 */
    CHECK(allowed6(c, "fd12::1"));
    CHECK(!allowed6(c, "fe80::1"));
    CHECK(allowed6(c, "::ffff:10.1.2.3")); /* judged as IPv4 */
    CHECK(allowed4(x, "10.127.0.1"));       /* /9: a prefix that is not whole bytes */
    CHECK(!allowed4(x, "10.128.0.1"));
    /* unix sockets only with "unix" */
    struct sockaddr_un su = {.sun_family = AF_UNIX, .sun_path = "/run/x"};
    CHECK(!brig_agent_dest_allowed(c, (struct sockaddr *)&su, sizeof su));
    /* short or odd addresses are never allowed */
    struct sockaddr_in a = {.sin_family = AF_INET};
    CHECK(!brig_agent_dest_allowed(c, (struct sockaddr *)&a, 4));
    CHECK(!brig_agent_dest_allowed(c, (struct sockaddr *)&a, 0));
    CHECK(!brig_agent_dest_allowed(NULL, (struct sockaddr *)&a, sizeof a));
    brig_agent_rules_free(&r);

    CHECK_INT(brig_agent_rules_parse("{\"rules\": [{\"names\": [\"connect\"], \"allowDestinations\": [\"unix\"]}]}", &r),
              0);
    CHECK(brig_agent_dest_allowed(&r.rules[0], (struct sockaddr *)&su, sizeof su));
    CHECK(!allowed4(&r.rules[0], "127.0.0.1"));
    brig_agent_rules_free(&r);
}

int main(void)
{
    RUN(test_errno_names);
    RUN(test_builtin_rules_parse);
    RUN(test_errors_name_the_json_path);
    RUN(test_allow_list);
    RUN(test_errors_quote_input_on_one_line);
    return unit_finish();
}
