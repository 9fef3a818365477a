/* brig list: the containers under --root. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/state.h"

int cmd_list(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool quiet = false, json = false;
    int c;
    while ((c = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "table") != 0) {
                brig_fail(0, "invalid --format %s: expected table or json", optarg);
                return brig_report_error();
            }
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            return brig_cmd_help("[--format table|json] [--quiet]",
                                 "List the containers under --root.\n"
                                 "  -f, --format table|json   a table (default) or a JSON array\n"
                                 "  -q, --quiet               print the IDs only\n");
        default:
            brig_fail(0, "unknown option %s", argv[optind - 1]);
            return brig_report_error();
        }
    }
    char **ids;
    int n = brig_container_ids(&ids);
    if (n < 0)
        return brig_report_error();
    yajl_gen g = json ? brig_json_gen_new(false) : NULL;
    if (g)
        yajl_gen_array_open(g);
    if (!json && !quiet)
        printf("%-12s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
    for (int i = 0; i < n; i++) {
        struct brig_container *ct;
        if (brig_container_open(ids[i], LOCK_SH, &ct) < 0) {
            free(ids[i]);
            continue; /* deleted meanwhile */
        }
        enum brig_status st = brig_container_status(ct);
        const struct brig_state *s = &ct->state;
        int pid = st == BRIG_STOPPED ? 0 : s->pid;
        if (quiet && !json) {
            printf("%s\n", s->id);
        } else if (g) {
            yajl_gen_map_open(g);
            brig_json_key_str(g, "ociVersion", s->oci_version);
            brig_json_key_str(g, "id", s->id);
            brig_json_key_int(g, "pid", pid);
            brig_json_key_str(g, "status", brig_status_name(st));
            brig_json_key_str(g, "bundle", s->bundle ? s->bundle : "");
            brig_json_key_str(g, "rootfs", s->rootfs ? s->rootfs : "");
            brig_json_key_str(g, "created", s->created ? s->created : "");
            brig_json_key_str(g, "owner", s->owner ? s->owner : "");
            yajl_gen_map_close(g);
        } else {
            printf("%-12s %-8d %-10s %-40s %-31s %s\n", s->id, pid, brig_status_name(st),
                   s->bundle ? s->bundle : "", s->created ? s->created : "", s->owner ? s->owner : "");
        }
        brig_container_close(ct);
        free(ids[i]);
    }
    free(ids);
    if (g) {
        yajl_gen_array_close(g);
        char *out = brig_json_gen_finish(g);
        if (out)
            printf("%s\n", out);
        free(out);
    }
    return 0;
}
