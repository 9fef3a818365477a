/* brig check: audit a bundle's config against the Pod Security Standards
 * and the container items of the CIS Docker Benchmark.
 *
 * Exit status: 0 nothing at or above --fail-on, 1 findings at or above it,
 * 2 usage errors or a config that cannot be read (a linter's convention, so
 * that scripts can tell "insecure" from "broken"). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/policy.h"

#define CHECK_USAGE "[options]"
#define CHECK_HELP                                                                                 \
    "Audit the bundle's config.json; one finding a line: severity, JSON path,\n"                  \
    "what is wrong, the fix, and [check id; references].\n\n"                                      \
    "Options:\n"                                                                                   \
    "  -b, --bundle DIR       the bundle (default: the current directory)\n"                      \
    "  -f, --format FORMAT    text (default) or json\n"                                            \
    "  -p, --policy LEVEL     restricted (default: every check) or baseline (the\n"               \
    "                         Pod Security Standards baseline checks only)\n"                      \
    "      --fail-on SEV      exit 1 when a finding is at least SEV: low (default),\n"            \
    "                         medium, high, critical, or none (always exit 0)\n\n"                \
    "Exit status: 0 no finding at or above --fail-on, 1 findings, 2 errors.\n"

#define EXIT_ERROR 2

static void print_text(const struct brig_findings *f, enum brig_level level, const char *file)
{
    size_t count[BRIG_SEV_CRITICAL + 1] = {0};
    for (size_t i = 0; i < f->n; i++) {
        const struct brig_finding *x = &f->v[i];
        count[x->severity]++;
        printf("%-8s  %s: %s; fix: %s [%s; %s]\n", brig_severity_name(x->severity), x->path, x->message,
               x->fix, x->check, x->refs);
    }
    if (f->n == 0) {
        printf("brig check: %s: no findings in %s\n", brig_level_name(level), file);
        return;
    }
    printf("brig check: %s: %zu finding%s (", brig_level_name(level), f->n, f->n == 1 ? "" : "s");
    bool first = true;
    for (int s = BRIG_SEV_CRITICAL; s >= BRIG_SEV_LOW; s--) {
        if (!count[s])
            continue;
        printf("%s%zu %s", first ? "" : ", ", count[s], brig_severity_name((enum brig_severity)s));
        first = false;
    }
    printf(") in %s\n", file);
}

static int print_json(const struct brig_findings *f, enum brig_level level, const char *file,
                      const char *fail_on, bool failed)
{
    yajl_gen g = brig_json_gen_new(true);
    if (!g)
        return brig_fail(0, "out of memory");
    yajl_gen_map_open(g);
    brig_json_key_str(g, "config", file);
    brig_json_key_str(g, "policy", brig_level_name(level));
    brig_json_key_str(g, "failOn", fail_on);
    brig_json_key_bool(g, "pass", !failed);
    brig_json_key(g, "summary");
    yajl_gen_map_open(g);
    size_t count[BRIG_SEV_CRITICAL + 1] = {0};
    for (size_t i = 0; i < f->n; i++)
        count[f->v[i].severity]++;
    for (int s = BRIG_SEV_CRITICAL; s >= BRIG_SEV_LOW; s--)
        brig_json_key_int(g, brig_severity_name((enum brig_severity)s), (long long)count[s]);
    brig_json_key_int(g, "total", (long long)f->n);
    yajl_gen_map_close(g);
    brig_json_key(g, "findings");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < f->n; i++) {
        const struct brig_finding *x = &f->v[i];
        yajl_gen_map_open(g);
        brig_json_key_str(g, "check", x->check);
        brig_json_key_str(g, "severity", brig_severity_name(x->severity));
        brig_json_key_str(g, "level", brig_level_name(x->level));
        brig_json_key_str(g, "path", x->path);
        brig_json_key_str(g, "message", x->message);
        brig_json_key_str(g, "fix", x->fix);
        brig_json_key_str(g, "references", x->refs);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    char *text = brig_json_gen_finish(g);
    if (!text)
        return brig_fail(0, "out of memory");
    printf("%s\n", text);
    free(text);
    return 0;
}

int cmd_check(int argc, char **argv)
{
    enum { OPT_FAIL_ON = 256 };
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'},
        {"policy", required_argument, NULL, 'p'},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *bundle = ".";
    bool json = false;
    enum brig_level level = BRIG_LEVEL_RESTRICTED;
    const char *fail_on = "low";
    int threshold = BRIG_SEV_LOW; /* > critical: never */
    int c;
    while ((c = getopt_long(argc, argv, "b:f:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bundle = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") == 0)
                json = false;
            else {
                brig_fail(0, "unknown --format \"%s\": expected text or json", optarg);
                return brig_report_error(), EXIT_ERROR;
            }
            break;
        case 'p':
            if (strcmp(optarg, "restricted") == 0)
                level = BRIG_LEVEL_RESTRICTED;
            else if (strcmp(optarg, "baseline") == 0)
                level = BRIG_LEVEL_BASELINE;
            else {
                brig_fail(0, "unknown --policy \"%s\": expected restricted or baseline", optarg);
                return brig_report_error(), EXIT_ERROR;
            }
            break;
        case OPT_FAIL_ON: {
            enum brig_severity s;
            fail_on = optarg;
            if (strcmp(optarg, "none") == 0)
                threshold = BRIG_SEV_CRITICAL + 1;
            else if (brig_severity_parse(optarg, &s) < 0) {
                brig_fail(0, "unknown --fail-on \"%s\": expected low, medium, high, critical or none",
                          optarg);
                return brig_report_error(), EXIT_ERROR;
            } else
                threshold = (int)s;
            break;
        }
        case 'h':
            return brig_cmd_help(CHECK_USAGE, CHECK_HELP);
        default:
            brig_fail(0, "unknown option %s (see brig check --help)", argv[optind - 1]);
            return brig_report_error(), EXIT_ERROR;
        }
    }
    if (optind < argc) {
        brig_fail(0, "unexpected argument \"%s\" (see brig check --help)", argv[optind]);
        return brig_report_error(), EXIT_ERROR;
    }
    struct brig_config *cfg;
    if (brig_config_load(bundle, &cfg) < 0)
        return brig_report_error(), EXIT_ERROR;
    size_t blen = strlen(bundle);
    cleanup_free char *file =
        brig_xasprintf("%s%sconfig.json", bundle, blen && bundle[blen - 1] == '/' ? "" : "/");
    struct brig_findings f;
    brig_audit(cfg, bundle, level, &f);
    bool failed = false;
    for (size_t i = 0; i < f.n; i++)
        failed |= (int)f.v[i].severity >= threshold;
    int r = 0;
    if (json)
        r = print_json(&f, level, file, fail_on, failed);
    else
        print_text(&f, level, file);
    brig_findings_free(&f);
    brig_config_free(cfg);
    if (r < 0 || fflush(stdout) != 0) {
        if (r == 0)
            brig_fail(errno, "write the report");
        return brig_report_error(), EXIT_ERROR;
    }
    return failed ? 1 : 0;
}
