/* tests/brig-test only: the test knobs of include/brig/knobs.h, read from
 * the environment.  Never linked into an installed brig. */
#include "config.h"

#include <stdlib.h>

#include "brig/knobs.h"

const char *brig_test_knob(const char *name)
{
    return getenv(name);
}
