/* brig: the policy create and run apply to a bundle.
 *
 *   off         runc's behaviour: the config as written
 *   default     fill in what the bundle left unsaid (the built-in mode)
 *   baseline    refuse what `brig check --policy baseline` reports
 *   restricted  refuse what `brig check --policy restricted` reports
 *
 * The mode comes from --policy, else {"policy": ...} in /etc/brig/brig.json
 * (or $BRIG_CONFIG), else "default".  Engines (containerd, CRI-O, podman,
 * Docker) hand brig complete configs, so "default" only touches what is
 * absent, never what an engine's markers say its user turned off (see
 * read_markers), and never a privileged container (CAP_SYS_ADMIN in its
 * bounding set), which engines deliberately leave unconfined. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/policy.h"
#include "brig/seccomp.h"

static const char *const mode_names[] = {
    [BRIG_POLICY_OFF] = "off",
    [BRIG_POLICY_DEFAULT] = "default",
    [BRIG_POLICY_BASELINE] = "baseline",
    [BRIG_POLICY_RESTRICTED] = "restricted",
};

int brig_policy_parse(const char *s, enum brig_policy_mode *out)
{
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(mode_names); i++) {
        if (strcmp(s, mode_names[i]) == 0) {
            *out = (enum brig_policy_mode)i;
            return 0;
        }
    }
    return brig_fail(0, "unknown policy \"%s\": expected off, default, baseline or restricted", s);
}

const char *brig_policy_name(enum brig_policy_mode m)
{
    return mode_names[m];
}

/* The host's config file: only "policy" is read today. */
static int read_config_file(enum brig_policy_mode *out)
{
    const char *path = getenv("BRIG_CONFIG");
    if (!path || !*path)
        path = BRIG_CONFIG_FILE;
    cleanup_free char *text = NULL;
    size_t len;
    if (brig_read_input(path, &text, &len) < 0) {
        if (brig_last_errno() == ENOENT) {
            brig_clear_error();
            *out = BRIG_POLICY_BUILTIN;
            return 0;
        }
        return -1;
    }
    if (strspn(text, " \t\r\n") == len) {
        *out = BRIG_POLICY_BUILTIN; /* an empty file says nothing */
        return 0;
    }
    yajl_val root = brig_json_parse(text, path);
    if (!root)
        return -1;
    int r = 0;
    yajl_val p = brig_json_get(root, "policy");
    if (!YAJL_IS_OBJECT(root))
        r = brig_fail(0, "%s: expected a JSON object", path);
    else if (!p)
        *out = BRIG_POLICY_BUILTIN;
    else if (!YAJL_IS_STRING(p))
        r = brig_fail(0, "%s: policy: expected a string", path);
    else if (brig_policy_parse(p->u.string, out) < 0)
        r = brig_fail_ctx("%s: policy", path);
    yajl_tree_free(root);
    return r;
}

int brig_policy_mode(enum brig_policy_mode *out)
{
    if (brig_g.policy >= 0) {
        *out = (enum brig_policy_mode)brig_g.policy;
        return 0;
    }
    return read_config_file(out);
}

static const char *annotation(const struct brig_map *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].key, key) == 0)
            return m->v[i].value;
    return NULL;
}

/* Set KEY to VALUE (NULL: remove it). */
static void set_annotation(struct brig_map *m, const char *key, const char *value)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->v[i].key, key) != 0)
            continue;
        free(m->v[i].key);
        free(m->v[i].value);
        m->v[i] = m->v[--m->n];
        break;
    }
    if (!value)
        return;
    m->v = brig_xrealloc(m->v, (m->n + 1) * sizeof *m->v);
    m->v[m->n].key = brig_xstrdup(key);
    m->v[m->n].value = brig_xstrdup(value);
    m->n++;
}

/* ---- baseline, restricted: refuse ---- */

/* Audit CFG at MODE's level and refuse what breaks it: every finding whose
 * JSON path starts with PREFIX ("" for all) named in one message about
 * WHAT ("bundle", "process").  0 when there is none. */
static int judge(const struct brig_config *cfg, const char *bundle, enum brig_policy_mode mode,
                 const char *what, const char *prefix)
{
    enum brig_level level = mode == BRIG_POLICY_BASELINE ? BRIG_LEVEL_BASELINE : BRIG_LEVEL_RESTRICTED;
    struct brig_findings f;
    brig_audit(cfg, bundle, level, &f);
    char *list = brig_xstrdup("");
    size_t n = 0;
    for (size_t i = 0; i < f.n; i++) {
        if (strncmp(f.v[i].path, prefix, strlen(prefix)) != 0)
            continue;
        char *next = brig_xasprintf("%s%s %s: %s [%s]", list, n ? ";" : "", f.v[i].path, f.v[i].message,
                                    f.v[i].check);
        free(list);
        list = next;
        n++;
    }
    brig_findings_free(&f);
    int r = 0;
    if (n)
        r = brig_fail(0, "policy %s refuses this %s (%zu violation%s; see brig check --policy %s):%s",
                      brig_policy_name(mode), what, n, n == 1 ? "" : "s", brig_level_name(level), list);
    free(list);
    return r;
}

/* ---- default: fill in ---- */

static void fill_paths(struct brig_strv *s, const char *const *paths, size_t n)
{
    s->v = brig_xcalloc(n + 1, sizeof *s->v);
    for (size_t i = 0; i < n; i++)
        s->v[i] = brig_xstrdup(paths[i]);
    s->n = n;
}

/* NAME is one of the comma-separated names in WHAT. */
static bool listed(const char *what, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = what; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

/* The settings named in WHAT ("seccomp,noNewPrivileges,...") that CFG
 * lacks; appends the names of those added to ADDED. */
static int fill(struct brig_config *cfg, const char *what, char *added, size_t size)
{
    if (!cfg->linux_)
        cfg->linux_ = brig_xcalloc(1, sizeof *cfg->linux_);
    struct brig_linux *l = cfg->linux_;
#define ADDED(name) snprintf(added + strlen(added), size - strlen(added), "%s%s", *added ? "," : "", name)
    if (listed(what, "seccomp") && !l->seccomp) {
        /* Shared read-only data parsed at build time: no parse per run. */
        l->seccomp = brig_seccomp_runtime_default_shared();
        ADDED("seccomp");
    }
    if (listed(what, "noNewPrivileges") && !cfg->process->no_new_privileges) {
        cfg->process->no_new_privileges = true;
        ADDED("noNewPrivileges");
    }
    if (listed(what, "maskedPaths") && !l->masked_paths.v) {
        fill_paths(&l->masked_paths, brig_default_masked_paths, brig_n_default_masked_paths);
        ADDED("maskedPaths");
    }
    if (listed(what, "readonlyPaths") && !l->readonly_paths.v) {
        fill_paths(&l->readonly_paths, brig_default_readonly_paths, brig_n_default_readonly_paths);
        ADDED("readonlyPaths");
    }
#undef ADDED
    return 0;
}

/* ---- default: whose silence is it? ----
 *
 * An engine that writes its own seccomp profile and masked paths for every
 * container leaves them out only when its user asked for that
 * (--security-opt seccomp=unconfined, unmask=ALL, a Kubernetes Unconfined
 * profile or Unmasked procMount): filling them in would confine what the
 * user unconfined.  The markers each engine leaves are listed in
 * brig-security(7); a config with none of them (runc spec, ctr, Docker)
 * made no choice and is filled in. */
struct silence {
    const char *engine;  /* who wrote the config, for the log */
    bool seccomp_chosen; /* no linux.seccomp is the engine's choice */
    bool paths_chosen;   /* no masked or read-only paths either */
};

static bool unconfined(const char *v)
{
    return v && strcasecmp(v, "unconfined") == 0;
}

static void read_markers(const struct brig_map *a, struct silence *s)
{
    *s = (struct silence){.engine = NULL};
    const char *manager = annotation(a, "io.container.manager");
    if (manager && strcmp(manager, "libpod") == 0) {
        /* podman: its own profile and masks unless told otherwise. */
        *s = (struct silence){"podman", true, true};
    } else if ((manager && strcmp(manager, "cri-o") == 0) ||
               annotation(a, "io.kubernetes.cri-o.ContainerType")) {
        /* CRI-O: what the kubelet asked for (SeccompProfilePath says
         * which: "Unconfined", "RuntimeDefault", a file). */
        *s = (struct silence){"CRI-O", true, true};
    } else if (annotation(a, "io.kubernetes.cri.container-type")) {
        /* containerd's CRI: the kubelet sends every container a seccomp
         * profile type and a procMount; Unconfined and Unmasked are left
         * out of the config. */
        *s = (struct silence){"containerd (CRI)", true, true};
    }
    /* The kubelet's own seccomp annotations (Kubernetes before 1.27),
     * wherever an engine passes them through, and podman's. */
    for (size_t i = 0; i < a->n; i++) {
        const char *k = a->v[i].key;
        if ((strcmp(k, "seccomp.security.alpha.kubernetes.io/pod") == 0 ||
             strncmp(k, "container.seccomp.security.alpha.kubernetes.io/", 47) == 0 ||
             strcmp(k, "io.podman.annotations.seccomp") == 0) &&
            unconfined(a->v[i].value)) {
            s->seccomp_chosen = true;
            if (!s->engine)
                s->engine = k[0] == 'i' ? "podman" : "Kubernetes";
        }
    }
}

static int fill_in(struct brig_config *cfg)
{
    if (!cfg->process)
        return 0; /* nothing will run */
    if (brig_config_privileged(cfg)) {
        brig_debug("policy default: CAP_SYS_ADMIN is in the bounding set: privileged, left as written");
        set_annotation(&cfg->annotations, BRIG_POLICY_ADDED_ANNOTATION, NULL);
        return 0;
    }
    struct silence sil;
    read_markers(&cfg->annotations, &sil);
    /* Go engines leave a false noNewPrivileges out of the JSON, so an
     * absent key is only taken as unsaid in a bundle that made no other
     * security choice either: no seccomp section and no masked paths.
     * Engine configs always carry masked paths (a Kubernetes pod without a
     * seccomp profile keeps its setuid programs working); hand-written
     * minimal bundles do not. */
    const struct brig_linux *l = cfg->linux_;
    bool chose = sil.seccomp_chosen || sil.paths_chosen || (l && (l->seccomp || l->masked_paths.v));
    /* (the parser says whether the key was written) */
    bool nnp = !chose && !cfg->process->no_new_privileges && !cfg->process->no_new_privileges_given;
    char what[128] = "";
    snprintf(what, sizeof what, "%s%s%s", sil.seccomp_chosen ? "" : "seccomp,",
             nnp ? "noNewPrivileges," : "", sil.paths_chosen ? "" : "maskedPaths,readonlyPaths");
    char added[128] = "";
    if (fill(cfg, what, added, sizeof added) < 0)
        return -1;
    set_annotation(&cfg->annotations, BRIG_POLICY_ADDED_ANNOTATION, *added ? added : NULL);
    if (*added)
        brig_log_warning("policy default: added %s, which the config leaves out (%s); to run it as "
                         "written, annotate it " BRIG_POLICY_ANNOTATION "=off or use --policy off",
                         added, sil.engine ? sil.engine : "no engine's marker");
    if (sil.engine)
        brig_debug("policy default: %s wrote this config; what it leaves out is its user's choice "
                   "(seccomp%s, masked paths%s)",
                   sil.engine, sil.seccomp_chosen ? " kept" : " filled in", sil.paths_chosen ? " kept" : " filled in");
    return 0;
}

/* The mode for CFG: the host's, which the bundle's annotation may tighten
 * (or turn "default" off), never loosen. */
int brig_policy_effective(const struct brig_config *cfg, enum brig_policy_mode *out)
{
    enum brig_policy_mode mode;
    if (brig_policy_mode(&mode) < 0)
        return -1;
    const char *req = annotation(&cfg->annotations, BRIG_POLICY_ANNOTATION);
    if (req) {
        enum brig_policy_mode want = mode;
        if (brig_policy_parse(req, &want) < 0)
            return brig_fail_ctx("annotations[\"" BRIG_POLICY_ANNOTATION "\"]");
        if (want > mode || (want == BRIG_POLICY_OFF && mode == BRIG_POLICY_DEFAULT))
            mode = want;
        else if (want != mode)
            brig_debug("policy: the bundle asks for %s, the host enforces %s", req, brig_policy_name(mode));
    }
    *out = mode;
    return 0;
}

int brig_policy_apply(struct brig_config *cfg, const char *bundle)
{
    enum brig_policy_mode mode;
    if (brig_policy_effective(cfg, &mode) < 0)
        return -1;
    switch (mode) {
    case BRIG_POLICY_OFF:
        set_annotation(&cfg->annotations, BRIG_POLICY_ADDED_ANNOTATION, NULL);
        return 0;
    case BRIG_POLICY_DEFAULT:
        return fill_in(cfg);
    case BRIG_POLICY_BASELINE:
    case BRIG_POLICY_RESTRICTED:
        set_annotation(&cfg->annotations, BRIG_POLICY_ADDED_ANNOTATION, NULL);
        return judge(cfg, bundle, mode, "bundle", "");
    }
    return 0;
}

int brig_policy_reapply(struct brig_config *cfg, const struct brig_map *state_annotations)
{
    const char *what = annotation(state_annotations, BRIG_POLICY_ADDED_ANNOTATION);
    if (!what || !*what || !cfg->process)
        return 0;
    char added[128] = "";
    return fill(cfg, what, added, sizeof added);
}

/* exec adds a process to a container that passed the policy at create:
 * judge what the new process grants (its user, capabilities, no_new_privs,
 * LSM labels, scheduling), or the policy is one `exec --cap` away. */
int brig_policy_exec(const struct brig_config *cfg, const struct brig_map *state_annotations,
                     struct brig_process *p, const char *bundle)
{
    enum brig_policy_mode mode;
    if (brig_policy_effective(cfg, &mode) < 0)
        return -1;
    if (mode == BRIG_POLICY_DEFAULT) {
        /* What "default" filled in for the container's process holds for
         * a process.json that says nothing either. */
        const char *what = annotation(state_annotations, BRIG_POLICY_ADDED_ANNOTATION);
        if (what && listed(what, "noNewPrivileges"))
            p->no_new_privileges = true;
        return 0;
    }
    if (mode != BRIG_POLICY_BASELINE && mode != BRIG_POLICY_RESTRICTED)
        return 0;
    /* The container's own settings were judged at create. */
    struct brig_config view = *cfg;
    view.process = p;
    return judge(&view, bundle, mode, "process", "process.");
}
