/* brig list: the containers under --root (one whose state is unreadable
 * as "unknown", with the reason on stderr). */
#include "config.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/state.h"

/* The owner of a container directory, as create records it. */
static char *dir_owner(const char *id)
{
    cleanup_free char *dir = brig_xasprintf("%s/%s", brig_g.root, id);
    struct stat st;
    if (stat(dir, &st) < 0)
        return NULL;
    if (st.st_uid == 0)
        return NULL; /* as create records root: "" */
    /* /etc/passwd read directly: no NSS modules in a static binary. */
    cleanup_file FILE *f = fopen("/etc/passwd", "re");
    struct passwd *pw;
    while (f && (pw = fgetpwent(f)))
        if (pw->pw_uid == st.st_uid)
            return brig_xstrdup(pw->pw_name);
    return brig_xasprintf("%u", (unsigned)st.st_uid);
}

/* One row; S is NULL for a container whose state is unreadable. */
static void print_one(yajl_gen g, bool quiet, const char *id, const struct brig_state *s, int pid,
                      const char *status, const char *owner)
{
    const char *bundle = s && s->bundle ? s->bundle : "";
    const char *created = s && s->created ? s->created : "";
    if (!owner)
        owner = "";
    if (quiet && !g) {
        printf("%s\n", id);
    } else if (g) {
        yajl_gen_map_open(g);
        brig_json_key_str(g, "ociVersion", s && s->oci_version ? s->oci_version : BRIG_OCI_VERSION);
        brig_json_key_str(g, "id", id);
        brig_json_key_int(g, "pid", pid);
        brig_json_key_str(g, "status", status);
        brig_json_key_str(g, "bundle", bundle);
        brig_json_key_str(g, "rootfs", s && s->rootfs ? s->rootfs : "");
        brig_json_key_str(g, "created", created);
        brig_json_key_str(g, "owner", owner);
        yajl_gen_map_close(g);
    } else {
        printf("%-12s %-8d %-10s %-40s %-31s %s\n", id, pid, status, bundle, created, owner);
    }
}

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
    /* each container looked up in the root, not by its full path */
    cleanup_fd int rootfd = n > 0 ? open(brig_g.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (n > 0 && rootfd < 0)
        rootfd = AT_FDCWD; /* removed meanwhile: each open says so */
    yajl_gen g = json ? brig_json_gen_new(false) : NULL;
    if (g)
        yajl_gen_array_open(g);
    if (!json && !quiet)
        printf("%-12s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
    for (int i = 0; i < n; i++) {
        struct brig_container *ct;
        int r = brig_container_open_at(rootfd, ids[i], LOCK_SH | BRIG_OPEN_NO_CONFIG, &ct);
        if (r == BRIG_OPEN_MISSING) {
            brig_clear_error();
            free(ids[i]);
            continue; /* deleted meanwhile */
        }
        if (r < 0) {
            /* Shown, not skipped: nothing running goes unnoticed. */
            brig_warn("%s", brig_last_error());
            brig_clear_error();
            cleanup_free char *owner = dir_owner(ids[i]);
            print_one(g, quiet, ids[i], NULL, 0, "unknown", owner);
            free(ids[i]);
            continue;
        }
        /* --quiet prints the ID only: no need for the pid or the freezer */
        enum brig_status st = quiet && !g ? BRIG_STOPPED : brig_container_status(ct);
        const struct brig_state *s = &ct->state;
        print_one(g, quiet, s->id, s, st == BRIG_STOPPED ? 0 : s->pid, brig_status_name(st), s->owner);
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
