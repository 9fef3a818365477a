/* brig: what every libFuzzer target of fuzz/ checks the same way. */
#ifndef BRIG_FUZZ_H
#define BRIG_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "brig/error.h"

/* A broken promise aborts: libFuzzer reports it like a crash and saves the
 * input.  The file names the target. */
#define REQUIRE(cond)                                                                             \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "%s: broken promise at line %d: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

/* A failure must leave one line of error text (and clears it). */
static inline void fuzz_error_is_one_line(void)
{
    const char *e = brig_last_error();
    REQUIRE(*e);
    for (const char *p = e; *p; p++)
        REQUIRE(*p != '\n');
    brig_clear_error();
}

#endif
