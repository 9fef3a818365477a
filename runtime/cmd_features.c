/* placeholder: being written */
#include "config.h"
#include "brig/brig.h"
#include "brig/commands.h"
#include "brig/internal.h"
int cmd_features(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    brig_fail(0, "features: not implemented yet");
    return brig_report_error();
}
