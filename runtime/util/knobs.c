/* brig: the test knobs of include/brig/knobs.h, all off.  tests/brig-test
 * links tests/knobs-test.c ahead of this archive member instead. */
#include "config.h"

#include <stddef.h>

#include "brig/knobs.h"

const char *brig_test_knob(const char *name)
{
    (void)name;
    return NULL;
}
