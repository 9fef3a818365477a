/* brig exec: run a new process in a running container.  The process is
 * the config's own process with the command line's changes, or a whole
 * process.json (--process). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/container.h"
#include "brig/exec.h"
#include "brig/internal.h"
#include "brig/policy.h"

#define EXEC_USAGE "[options] ID [--] COMMAND [ARG...]\n       brig exec [options] --process FILE ID"
#define EXEC_HELP                                                                                  \
    "Run a new process in a running container.  The exit status is the process's,\n"              \
    "or 255 when it could not be started.\n\n"                                                     \
    "Options:\n"                                                                                   \
    "  -p, --process FILE        the whole process, as a process.json (other process\n"           \
    "                            options are then ignored)\n"                                     \
    "  -t, --tty                 allocate a terminal\n"                                           \
    "      --console-socket PATH unix socket that receives the terminal's master fd\n"            \
    "      --cwd DIR             working directory in the container\n"                            \
    "  -e, --env NAME=VALUE      set an environment variable (repeatable)\n"                      \
    "  -u, --user UID[:GID]      run as this user\n"                                              \
    "  -g, --additional-gids GID add a supplementary group (repeatable)\n"                        \
    "  -c, --cap CAP             add a capability (repeatable)\n"                                 \
    "      --no-new-privs        set no_new_privs\n"                                              \
    "      --apparmor PROFILE    AppArmor profile of the process\n"                               \
    "      --process-label LABEL SELinux label of the process\n"                                  \
    "  -d, --detach              do not wait for the process\n"                                   \
    "      --pid-file FILE       write the process's pid to FILE\n"                               \
    "      --preserve-fds N      pass N more fds (from fd 3, after LISTEN_FDS) in\n"              \
    "      --ignore-paused       allow exec in a paused container (it waits for resume)\n"        \
    "      --cgroup [CTRL,...:]PATH  run in PATH, an existing sub-cgroup of the\n"             \
    "                            container's (for the v1 controllers CTRL only;\n"          \
    "                            may be repeated)\n"                                        \
    "      --no-subreaper        accepted for runc compatibility; ignored\n"

#define EXEC_USAGE_LINE "brig exec [options] ID COMMAND [ARG...] or brig exec [options] --process FILE ID"
#define EXEC_FAILED 255

enum {
    OPT_CONSOLE = 256,
    OPT_CWD,
    OPT_NNP,
    OPT_APPARMOR,
    OPT_LABEL,
    OPT_PID_FILE,
    OPT_PRESERVE,
    OPT_IGNORE_PAUSED,
    OPT_CGROUP,
    OPT_NO_SUBREAPER,
};

struct exec_args {
    struct brig_exec_opts o;
    const char *process_file;
    const char *cwd;
    const char *user;
    const char *apparmor;
    const char *label;
    int tty;      /* -1: not given */
    int nnp;      /* -1: not given */
    struct brig_strv env;
    struct brig_strv caps;
    struct brig_strv gids;
    struct brig_strv cgroups;
};

static void strv_push(struct brig_strv *s, const char *v)
{
    s->v = brig_xrealloc(s->v, (s->n + 2) * sizeof *s->v);
    s->v[s->n++] = (char *)v; /* borrowed from argv */
    s->v[s->n] = NULL;
}

/* A flag that also takes =true / =false, as runc's do. */
static int bool_arg(const char *name, const char *arg, int *out)
{
    if (!arg || strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0)
        *out = 1;
    else if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0)
        *out = 0;
    else
        return brig_fail(0, "--%s: expected true or false, got \"%s\"", name, arg);
    return 0;
}

static int parse_args(int argc, char **argv, struct exec_args *a)
{
    static const struct option opts[] = {
        {"process", required_argument, NULL, 'p'},
        {"tty", optional_argument, NULL, 't'},
        {"console-socket", required_argument, NULL, OPT_CONSOLE},
        {"cwd", required_argument, NULL, OPT_CWD},
        {"env", required_argument, NULL, 'e'},
        {"user", required_argument, NULL, 'u'},
        {"additional-gids", required_argument, NULL, 'g'},
        {"cap", required_argument, NULL, 'c'},
        {"no-new-privs", optional_argument, NULL, OPT_NNP},
        {"apparmor", required_argument, NULL, OPT_APPARMOR},
        {"process-label", required_argument, NULL, OPT_LABEL},
        {"detach", optional_argument, NULL, 'd'},
        {"pid-file", required_argument, NULL, OPT_PID_FILE},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
        {"ignore-paused", optional_argument, NULL, OPT_IGNORE_PAUSED},
        {"cgroup", required_argument, NULL, OPT_CGROUP},
        {"no-subreaper", optional_argument, NULL, OPT_NO_SUBREAPER},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, v;
    /* "+": options stop at the ID; what follows is the command. */
    while ((c = getopt_long(argc, argv, "+p:te:u:g:c:dh", opts, NULL)) != -1) {
        switch (c) {
        case 'p': a->process_file = optarg; break;
        case 't':
            if (bool_arg("tty", optarg, &a->tty) < 0)
                return -1;
            break;
        case OPT_CONSOLE: a->o.console_socket = optarg; break;
        case OPT_CWD: a->cwd = optarg; break;
        case 'e':
            if (!strchr(optarg, '='))
                return brig_fail(0, "--env %s: expected NAME=VALUE", optarg);
            strv_push(&a->env, optarg);
            break;
        case 'u': a->user = optarg; break;
        case 'g': strv_push(&a->gids, optarg); break;
        case 'c': strv_push(&a->caps, optarg); break;
        case OPT_NNP:
            if (bool_arg("no-new-privs", optarg, &a->nnp) < 0)
                return -1;
            break;
        case OPT_APPARMOR: a->apparmor = optarg; break;
        case OPT_LABEL: a->label = optarg; break;
        case 'd':
            if (bool_arg("detach", optarg, &v) < 0)
                return -1;
            a->o.detach = v;
            break;
        case OPT_PID_FILE: a->o.pid_file = optarg; break;
        case OPT_PRESERVE: {
            uint64_t n;
            if (!brig_parse_u64(optarg, &n) || n > 65536)
                return brig_fail(0, "--preserve-fds: expected a number, got \"%s\"", optarg);
            a->o.preserve_fds = (int)n;
            break;
        }
        case OPT_IGNORE_PAUSED:
            if (bool_arg("ignore-paused", optarg, &v) < 0)
                return -1;
            a->o.ignore_paused = v;
            break;
        case OPT_CGROUP: strv_push(&a->cgroups, optarg); break;
        case OPT_NO_SUBREAPER: break; /* brig never interposes a reaper */
        case 'h': return 1;
        default: return brig_fail(0, "unknown option %s", argv[optind - 1]);
        }
    }
    return 0;
}

static int parse_id(const char *s, const char *what, uint32_t *out)
{
    uint64_t n;
    if (!brig_parse_u64(s, &n) || n > UINT32_MAX - 1)
        return brig_fail(0, "%s: expected a number, got \"%s\"", what, s);
    *out = (uint32_t)n;
    return 0;
}

static void set_args(struct brig_process *p, int n, char **v)
{
    for (size_t i = 0; i < p->args.n; i++)
        free(p->args.v[i]);
    free(p->args.v);
    p->args.v = brig_xcalloc((size_t)n + 1, sizeof *p->args.v);
    for (int i = 0; i < n; i++)
        p->args.v[i] = brig_xstrdup(v[i]);
    p->args.n = (size_t)n;
}

/* The config's process, changed by the command line: taken out of CFG
 * (brig_exec reads the config's other parts, never its process). */
static int process_from_cli(struct brig_config *cfg, struct exec_args *a, int n_args, char **args,
                            struct brig_process **out)
{
    struct brig_process *p = cfg->process;
    cfg->process = NULL;
    if (!p)
        return brig_fail(0, "the container's config has no process to start from: use --process");
    *out = p;
    if (n_args == 0)
        return brig_fail(0, "no command given (usage: %s)", EXEC_USAGE_LINE);
    set_args(p, n_args, args);
    if (a->cwd) {
        if (a->cwd[0] != '/')
            return brig_fail(0, "--cwd %s: must be an absolute path", a->cwd);
        free(p->cwd);
        p->cwd = brig_xstrdup(a->cwd);
    }
    for (size_t i = 0; i < a->env.n; i++)
        brig_env_set(&p->env, a->env.v[i]);
    if (a->user) {
        cleanup_free char *u = brig_xstrdup(a->user);
        char *colon = strchr(u, ':');
        if (colon)
            *colon = '\0';
        if (parse_id(u, "--user", &p->user.uid) < 0 || (colon && parse_id(colon + 1, "--user", &p->user.gid) < 0))
            return -1;
        if (!colon)
            p->user.gid = 0;
        free(p->user.username);
        p->user.username = NULL;
    }
    if (a->gids.n) {
        p->user.additional_gids =
            brig_xrealloc(p->user.additional_gids, (p->user.n_additional_gids + a->gids.n) * sizeof(uint32_t));
        for (size_t i = 0; i < a->gids.n; i++)
            if (parse_id(a->gids.v[i], "--additional-gids", &p->user.additional_gids[p->user.n_additional_gids++]) < 0)
                return -1;
    }
    if (a->caps.n && !p->capabilities)
        p->capabilities = brig_xcalloc(1, sizeof *p->capabilities);
    for (size_t i = 0; i < a->caps.n; i++) {
        const char *name = a->caps.v[i];
        cleanup_free char *full = strncasecmp(name, "CAP_", 4) ? brig_xasprintf("CAP_%s", name) : brig_xstrdup(name);
        for (char *s = full; *s; s++)
            *s = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
        int cap = brig_cap_from_name(full);
        if (cap < 0 || cap > brig_cap_kernel_last()) {
            /* a warning, as runc and runtime-spec 1.3 have it */
            brig_warn("--cap %s: ignoring %s capability", name, cap < 0 ? "unknown" : "unavailable");
            continue;
        }
        uint64_t bit = 1ULL << cap;
        struct brig_caps *k = p->capabilities;
        k->bounding |= bit;
        k->effective |= bit;
        k->permitted |= bit;
        /* Ambient needs inheritable: only when the process has some (runc). */
        if (k->inheritable)
            k->ambient |= bit;
        k->has_bounding = k->has_effective = k->has_permitted = true;
    }
    if (a->nnp >= 0)
        p->no_new_privileges = a->nnp;
    /* As runc: a terminal only with --tty, whatever the config's process says. */
    p->terminal = a->tty == 1;
    if (a->apparmor) {
        free(p->apparmor_profile);
        p->apparmor_profile = brig_xstrdup(a->apparmor);
    }
    if (a->label) {
        free(p->selinux_label);
        p->selinux_label = brig_xstrdup(a->label);
    }
    return 0;
}

static int process_from_file(const char *path, struct brig_process **out)
{
    cleanup_free char *text = NULL;
    size_t len;
    if (brig_read_input(path, &text, &len) < 0)
        return brig_fail_ctx("--process");
    /* Unknown capabilities in it are a warning (runtime-spec 1.3), said
     * here, where the file is read; not for the config exec parses again. */
    void (*was)(const char *, ...) = brig_config_warn;
    brig_config_warn = brig_warn;
    int r = brig_process_parse(text, len, out);
    brig_config_warn = was;
    if (r < 0)
        return brig_fail_ctx("--process %s", path);
    return 0;
}

int cmd_exec(int argc, char **argv)
{
    struct exec_args a = {.tty = -1, .nnp = -1};
    int r = parse_args(argc, argv, &a);
    if (r == 1) {
        free(a.env.v);
        free(a.caps.v);
        free(a.gids.v);
        free(a.cgroups.v);
        return brig_cmd_help(EXEC_USAGE, EXEC_HELP);
    }
    struct brig_container *ct = NULL;
    struct brig_config *cfg = NULL;
    struct brig_process *p = NULL;
    int status = -1;
    if (r < 0)
        goto out;
    if (optind >= argc) {
        brig_fail(0, "expected a container ID (usage: %s)", EXEC_USAGE_LINE);
        goto out;
    }
    const char *id = argv[optind++];
    if (optind < argc && strcmp(argv[optind], "--") == 0)
        optind++;
    if (brig_container_open(id, LOCK_SH, &ct) < 0 || brig_container_config(ct, &cfg) < 0)
        goto out;
    if (a.process_file) {
        if (optind < argc) {
            brig_fail(0, "give either --process or a command, not both");
            goto out;
        }
        if (process_from_file(a.process_file, &p) < 0)
            goto out;
    } else if (process_from_cli(cfg, &a, argc - optind, argv + optind, &p) < 0) {
        goto out;
    }
    if (brig_policy_exec(cfg, &ct->state.annotations, p, ct->state.bundle) < 0)
        goto out;
    a.o.process = p;
    a.o.cgroups = a.cgroups.v;
    a.o.n_cgroups = a.cgroups.n;
    status = brig_exec(ct, cfg, &a.o);
out:
    if (status < 0) {
        brig_report_error();
        status = EXEC_FAILED;
    }
    brig_process_free(p);
    brig_config_free(cfg);
    if (ct)
        brig_container_close(ct);
    free(a.env.v);
    free(a.caps.v);
    free(a.gids.v);
    free(a.cgroups.v);
    return status;
}
