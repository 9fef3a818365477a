/* brig: a tiny unit-test framework (header only).
 *
 *   static void test_something(void) { CHECK(1 + 1 == 2); CHECK_STR(s, "x"); }
 *   int main(void) { RUN(test_something); return unit_finish(); }
 *
 * A case passes when none of its checks failed.  Failures print the file,
 * line and values to stderr and the case goes on.  unit_finish() prints,
 * as its very last line, "N passed, N failed" (cases) and returns the exit
 * status: 0 only when nothing failed.  UNIT_VERBOSE=1 lists every case. */
#ifndef BRIG_UNIT_H
#define BRIG_UNIT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_UNUSED __attribute__((unused))

static int unit_passed, unit_failed, unit_skipped, unit_cases_skipped;
static long unit_checks, unit_check_failures;
static int unit_case_failures, unit_case_skips;
static const char *unit_case = "(no case)";

#define UNIT_FAIL(...)                                                                             \
    do {                                                                                           \
        unit_case_failures++;                                                                      \
        unit_check_failures++;                                                                     \
        fprintf(stderr, "FAIL %s (%s:%d): ", unit_case, __FILE__, __LINE__);                     \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        unit_checks++;                                                                             \
        if (!(cond))                                                                               \
            UNIT_FAIL("%s", #cond);                                                                \
    } while (0)

/* CHECK with a printf-style explanation. */
#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        unit_checks++;                                                                             \
        if (!(cond))                                                                               \
            UNIT_FAIL(__VA_ARGS__);                                                                \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                           \
        unit_checks++;                                                                             \
        if (a_ != b_)                                                                              \
            UNIT_FAIL("%s == %s: %jd != %jd", #a, #b, a_, b_);                                     \
    } while (0)

#define CHECK_UINT(a, b)                                                                           \
    do {                                                                                           \
        uintmax_t a_ = (uintmax_t)(a), b_ = (uintmax_t)(b);                                        \
        unit_checks++;                                                                             \
        if (a_ != b_)                                                                              \
            UNIT_FAIL("%s == %s: %ju (0x%jx) != %ju (0x%jx)", #a, #b, a_, a_, b_, b_);             \
    } while (0)

/* Strings; NULL equals only NULL. */
#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        unit_checks++;                                                                             \
        if (!((a_ == NULL && b_ == NULL) || (a_ && b_ && strcmp(a_, b_) == 0)))                    \
            UNIT_FAIL("%s == %s:\n    got      \"%s\"\n    expected \"%s\"", #a, #b,               \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                     \
    } while (0)

#define CHECK_STR_PREFIX(a, prefix)                                                                \
    do {                                                                                           \
        const char *a_ = (a), *p_ = (prefix);                                                      \
        unit_checks++;                                                                             \
        if (!a_ || strncmp(a_, p_, strlen(p_)) != 0)                                               \
            UNIT_FAIL("%s starts with \"%s\": got \"%s\"", #a, p_, a_ ? a_ : "(null)");            \
    } while (0)

#define CHECK_STR_CONTAINS(a, needle)                                                              \
    do {                                                                                           \
        const char *a_ = (a), *n_ = (needle);                                                      \
        unit_checks++;                                                                             \
        if (!a_ || !strstr(a_, n_))                                                                \
            UNIT_FAIL("%s contains \"%s\": got \"%s\"", #a, n_, a_ ? a_ : "(null)");               \
    } while (0)

static UNIT_UNUSED bool unit_verbose(void)
{
    const char *v = getenv("UNIT_VERBOSE");
    return v && *v && strcmp(v, "0") != 0;
}

/* Run one case. */
#define RUN(fn) unit_run(#fn, fn)
static UNIT_UNUSED void unit_run(const char *name, void (*fn)(void))
{
    unit_case = name;
    unit_case_failures = 0;
    unit_case_skips = 0;
    fn();
    if (unit_case_failures) {
        unit_failed++;
        fprintf(stderr, "not ok %s\n", name);
    } else if (unit_case_skips) {
        /* Not all of it ran: a skip, not a pass. */
        unit_cases_skipped++;
    } else {
        unit_passed++;
        if (unit_verbose())
            printf("ok %s\n", name);
    }
    fflush(stdout);
    unit_case = "(no case)";
}

/* Note that part of a case could not run here (missing data, ...): the
 * case counts as skipped unless it failed. */
static UNIT_UNUSED void unit_skip(const char *why)
{
    unit_skipped++;
    unit_case_skips++;
    printf("skip %s: %s\n", unit_case, why);
}

static UNIT_UNUSED int unit_finish(void)
{
    printf("%ld checks, %ld failed, %d skipped\n", unit_checks, unit_check_failures, unit_skipped);
    printf("%d passed, %d failed, %d skipped\n", unit_passed, unit_failed, unit_cases_skipped);
    fflush(stdout);
    return unit_failed ? 1 : 0;
}

#endif
