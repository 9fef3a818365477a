/* brig: container state on disk (see include/brig/state.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/state.h"
#include "brig/startsock.h"

#define STATE_FILE "state.json"

const char *brig_status_name(enum brig_status s)
{
    switch (s) {
    case BRIG_CREATING: return "creating";
    case BRIG_CREATED: return "created";
    case BRIG_RUNNING: return "running";
    case BRIG_PAUSED: return "paused";
    case BRIG_STOPPED: return "stopped";
    }
    return "unknown";
}

uint64_t brig_pid_start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: skip past the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return 0;
    p += 2;
    char state = *p;
    if (state == 'Z' || state == 'X')
        return 0; /* a zombie has stopped */
    /* Fields after ')' start at field 3 (state); starttime is field 22. */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return 0;
        p++;
    }
    return strtoull(p, NULL, 10);
}

void brig_state_clear(struct brig_state *s)
{
    free(s->oci_version);
    free(s->id);
    free(s->bundle);
    free(s->rootfs);
    free(s->created);
    free(s->owner);
    free(s->cgroup_path);
    brig_cgroup_own_clear(&s->cgroup_own);
    free(s->config_json);
    for (size_t i = 0; i < s->annotations.n; i++) {
        free(s->annotations.v[i].key);
        free(s->annotations.v[i].value);
    }
    free(s->annotations.v);
    memset(s, 0, sizeof *s);
}

void brig_container_close(struct brig_container *c)
{
    if (!c)
        return;
    if (c->dirfd >= 0)
        close(c->dirfd); /* drops the flock */
    free(c->dir);
    brig_state_clear(&c->state);
    free(c);
}

static int ensure_root(void)
{
    if (mkdir(brig_g.root, 0700) == 0 || errno == EEXIST)
        return 0;
    if (errno == ENOENT) {
        if (brig_mkdir_p(brig_g.root, 0700) < 0)
            return brig_fail_ctx("create state root");
        return 0;
    }
    return brig_fail(errno, "create state root %s", brig_g.root);
}

static int lock_dir(int dirfd, int lock, const char *id)
{
    while (flock(dirfd, lock) < 0) {
        if (errno != EINTR)
            return brig_fail(errno, "lock container %s", id);
    }
    return 0;
}

int brig_container_new(const char *id, struct brig_container **out)
{
    if (brig_validate_id(id) < 0 || ensure_root() < 0)
        return -1;
    char *dir = brig_xasprintf("%s/%s", brig_g.root, id);
    if (mkdir(dir, 0711) < 0) {
        int e = errno;
        free(dir);
        if (e == EEXIST)
            return brig_fail(0, "container with id exists: %s (container with given ID already exists)", id);
        return brig_fail(e, "create state directory for %s", id);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        rmdir(dir);
        free(dir);
        return brig_fail(e, "open state directory for %s", id);
    }
    struct brig_container *c = brig_xcalloc(1, sizeof *c);
    c->dirfd = fd;
    c->dir = dir;
    c->state.id = brig_xstrdup(id);
    c->state.oci_version = brig_xstrdup(BRIG_OCI_VERSION);
    if (lock_dir(fd, LOCK_EX, id) < 0) {
        brig_container_remove(c);
        return -1;
    }
    *out = c;
    return 0;
}

static void load_annotations(yajl_val obj, struct brig_map *m)
{
    if (!YAJL_IS_OBJECT(obj))
        return;
    m->v = brig_xcalloc(obj->u.object.len, sizeof *m->v);
    for (size_t i = 0; i < obj->u.object.len; i++) {
        yajl_val v = obj->u.object.values[i];
        if (!YAJL_IS_STRING(v))
            continue;
        m->v[m->n].key = brig_xstrdup(obj->u.object.keys[i]);
        m->v[m->n].value = brig_xstrdup(v->u.string);
        m->n++;
    }
}

#define RECORD_CGROUP "cgroup"
#define RECORD_INIT "init"
#define STATE_TMP ".state.json.tmp"
/* state.json holds the config: the input limit plus room for the rest. */
#define STATE_MAX (BRIG_INPUT_MAX * 2)

/* The target of the record symlink NAME; NULL when there is none. */
static char *read_record(int dirfd, const char *name)
{
    char buf[4096];
    ssize_t n = readlinkat(dirfd, name, buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return brig_xstrdup(buf);
}

static bool has_record(int dirfd)
{
    char b[1];
    return readlinkat(dirfd, RECORD_CGROUP, b, sizeof b) >= 0 ||
           readlinkat(dirfd, RECORD_INIT, b, sizeof b) >= 0;
}

/* The state without its "config" (most of the file), for list and state,
 * which do not use it: parsing it is most of their work per container.
 * brig_state_save writes "config" last, as a string, compactly: so the key
 * with bare quotes, followed by a string with no bare quote up to the
 * file's closing "}, is it (a quote inside a string is always escaped).
 * Anything else (an older layout) is left whole.  Returns where the text
 * was cut (to undo it), or NULL. */
static char *cut_config(char *text, size_t len)
{
    static const char key[] = ",\"config\":\"";
    const size_t klen = sizeof key - 1;
    if (len < klen + 2 || text[len - 1] != '}' || text[len - 2] != '"')
        return NULL;
    char *at = NULL;
    for (char *p = text; (p = memmem(p, len - (size_t)(p - text), key, klen)); p++)
        at = p;
    if (!at)
        return NULL;
    /* no bare quote in the value but its closing one */
    char *end = text + len - 2;
    for (char *q = at + klen; (q = memchr(q, '"', (size_t)(end - q))); q++) {
        size_t bs = 0;
        while (q - bs > at && q[-1 - (ptrdiff_t)bs] == '\\')
            bs++;
        if (bs % 2 == 0)
            return NULL;
    }
    at[0] = '}';
    at[1] = '\0';
    return at;
}

/* state.json in one read (list reads hundreds): a state with its config is
 * a few KiB, and a regular file returns all it has up to the count asked,
 * so a read that does not fill the buffer has the whole file (a rename
 * replaces it whole, never in place).  -1 with no error recorded when that
 * does not hold (missing, empty, larger, not a regular file: /dev/zero
 * fills the buffer, a FIFO opened O_NONBLOCK gives 0 or EAGAIN): the
 * caller then reads the careful way, brig_read_input_at, for its checks
 * and its error; so does one that does not parse. */
#define STATE_QUICK (32 * 1024)
static int read_quick(int dirfd, char **out, size_t *len)
{
    /* One buffer for the process (no threads): a fresh 32 KiB each time
     * made malloc consolidate the parser's small blocks at every
     * container.  *OUT points into it, valid until the next call. */
    static char *buf;
    cleanup_fd int fd = openat(dirfd, STATE_FILE, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (!buf)
        buf = brig_xmalloc(STATE_QUICK);
    ssize_t n;
    do {
        n = read(fd, buf, STATE_QUICK - 1);
    } while (n < 0 && errno == EINTR);
    if (n <= 0 || n >= STATE_QUICK - 1)
        return -1;
    buf[n] = '\0';
    *out = buf;
    *len = (size_t)n;
    return 0;
}

/* TEXT (LEN bytes, changed in place) parsed: without WITH_CONFIG the
 * config is cut out first, and the whole text parsed where the cut one
 * does not parse.  NULL with the parser's error. */
static yajl_val parse_state(char *text, size_t len, bool with_config)
{
    char *cut = with_config ? NULL : cut_config(text, len);
    yajl_val root = brig_json_parse(text, STATE_FILE);
    if (!root && cut) {
        /* not what it looked like: the whole file, then */
        brig_clear_error();
        cut[0] = ',';
        cut[1] = '"';
        root = brig_json_parse(text, STATE_FILE);
    }
    return root;
}

/* 0: loaded, or no state yet (a create that has not saved: "creating");
 * BRIG_OPEN_BROKEN: unreadable, or gone while the record says a create
 * got past its first save; the reason is the recorded error. */
static int state_load(struct brig_container *c, bool with_config)
{
    cleanup_free char *text = NULL; /* what the careful read allocated */
    char *quick_text = NULL;
    size_t len = 0;
    bool quick = read_quick(c->dirfd, &quick_text, &len) == 0;
    if (!quick && brig_read_input_at(c->dirfd, STATE_FILE, STATE_MAX, &text, &len) < 0) {
        if (brig_last_errno() == ENOENT) {
            /* A create that failed, or a delete, removed the directory
             * while we waited for the lock (once we hold it, nobody can:
             * a state.json read means the directory is there). */
            struct stat st;
            if (fstat(c->dirfd, &st) < 0 || st.st_nlink == 0) {
                brig_clear_error();
                brig_fail(0, "container %s does not exist", c->state.id);
                return BRIG_OPEN_MISSING;
            }
            if (has_record(c->dirfd)) {
                brig_fail(0, STATE_FILE " is missing");
                return BRIG_OPEN_BROKEN;
            }
            brig_clear_error();
            return 0; /* still being created: status "creating" */
        }
        return BRIG_OPEN_BROKEN;
    }
    yajl_val root = parse_state(quick ? quick_text : text, len, with_config);
    if (!root && quick) {
        /* Read the careful way (not a regular file? grown meanwhile?),
         * for the error it gives. */
        brig_clear_error();
        if (brig_read_input_at(c->dirfd, STATE_FILE, STATE_MAX, &text, &len) < 0)
            return BRIG_OPEN_BROKEN;
        root = parse_state(text, len, with_config);
    }
    if (!root)
        return BRIG_OPEN_BROKEN;
    if (!YAJL_IS_OBJECT(root) || !brig_json_get_str(root, "created")) {
        yajl_tree_free(root);
        brig_fail(0, STATE_FILE " is not a container state");
        return BRIG_OPEN_BROKEN;
    }
    struct brig_state *s = &c->state;
    int64_t n;
    free(s->oci_version);
    s->oci_version = brig_xstrdup(brig_json_get_str(root, "ociVersion"));
    if (brig_json_get_i64(root, "pid", &n))
        s->pid = (pid_t)n;
    if (brig_json_get_i64(root, "pidStartTime", &n))
        s->pid_start_time = (uint64_t)n;
    s->bundle = brig_xstrdup(brig_json_get_str(root, "bundle"));
    s->rootfs = brig_xstrdup(brig_json_get_str(root, "rootfs"));
    s->created = brig_xstrdup(brig_json_get_str(root, "created"));
    s->owner = brig_xstrdup(brig_json_get_str(root, "owner"));
    s->cgroup_path = brig_xstrdup(brig_json_get_str(root, "cgroupPath"));
    brig_cgroup_own_load(brig_json_get(root, "cgroupOwn"), &s->cgroup_own);
    s->systemd_cgroup = brig_json_get_bool(root, "systemdCgroup", false);
    s->rootless = brig_json_get_bool(root, "rootless", false);
    s->has_user_ns = brig_json_get_bool(root, "userNamespace", false);
    s->has_pid_ns = brig_json_get_bool(root, "pidNamespace", false);
    s->started = brig_json_get_bool(root, "started", false);
    s->config_json = brig_xstrdup(brig_json_get_str(root, "config"));
    load_annotations(brig_json_get(root, "annotations"), &s->annotations);
    yajl_tree_free(root);
    return 0;
}

/* ROOTFD: --root opened, or AT_FDCWD */
static int open_locked(int rootfd, const char *id, int lock, struct brig_container **out)
{
    *out = NULL;
    if (brig_validate_id(id) < 0)
        return BRIG_OPEN_ERROR;
    char *dir = brig_xasprintf("%s/%s", brig_g.root, id);
    int fd = openat(rootfd, rootfd == AT_FDCWD ? dir : id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(dir);
        if (e == ENOENT || e == ENOTDIR) {
            brig_fail(0, "container %s does not exist", id);
            return BRIG_OPEN_MISSING;
        }
        return brig_fail(e, "open state of container %s", id);
    }
    struct brig_container *c = brig_xcalloc(1, sizeof *c);
    c->dirfd = fd;
    c->dir = dir;
    c->state.id = brig_xstrdup(id);
    if (lock_dir(fd, lock, id) < 0) {
        brig_container_close(c);
        return BRIG_OPEN_ERROR;
    }
    /* Removed while we waited for the lock: state_load tells (ENOENT). */
    *out = c;
    return 0;
}

int brig_container_open_at(int rootfd, const char *id, int lock, struct brig_container **out)
{
    struct brig_container *c;
    bool with_config = !(lock & BRIG_OPEN_NO_CONFIG);
    int r = open_locked(rootfd, id, lock & ~BRIG_OPEN_NO_CONFIG, &c);
    if (r < 0)
        return r;
    r = state_load(c, with_config);
    if (r < 0) {
        brig_container_close(c);
        if (r != BRIG_OPEN_MISSING)
            brig_fail_ctx("container %s: state unreadable", id);
        return r;
    }
    if (!c->state.oci_version)
        c->state.oci_version = brig_xstrdup(BRIG_OCI_VERSION);
    *out = c;
    return 0;
}

int brig_container_open(const char *id, int lock, struct brig_container **out)
{
    return brig_container_open_at(AT_FDCWD, id, lock, out);
}

void brig_salvage_clear(struct brig_salvage *sv)
{
    free(sv->reason);
    free(sv->cgroup_path);
    memset(sv, 0, sizeof *sv);
}

int brig_container_open_salvage(const char *id, struct brig_container **out, struct brig_salvage *sv)
{
    memset(sv, 0, sizeof *sv);
    struct brig_container *c;
    int r = open_locked(AT_FDCWD, id, LOCK_EX, &c);
    if (r < 0)
        return r;
    r = state_load(c, true);
    if (r == BRIG_OPEN_MISSING) {
        brig_container_close(c);
        return r;
    }
    if (r == 0) {
        if (!c->state.oci_version)
            c->state.oci_version = brig_xstrdup(BRIG_OCI_VERSION);
        *out = c;
        return 0;
    }
    sv->reason = brig_xstrdup(brig_last_error());
    brig_state_clear(&c->state);
    c->state.id = brig_xstrdup(id);
    c->state.oci_version = brig_xstrdup(BRIG_OCI_VERSION);
    sv->cgroup_path = read_record(c->dirfd, RECORD_CGROUP);
    cleanup_free char *init = read_record(c->dirfd, RECORD_INIT);
    unsigned long long pid, start;
    if (init && sscanf(init, "%llu:%llu", &pid, &start) == 2 && pid > 0 && pid < (1ULL << 31)) {
        sv->pid = (pid_t)pid;
        sv->pid_start_time = start;
    }
    brig_fail(0, "container %s: state unreadable: %s", id, sv->reason);
    *out = c;
    return BRIG_OPEN_BROKEN;
}

enum brig_status brig_container_status(const struct brig_container *c)
{
    const struct brig_state *s = &c->state;
    if (s->pid <= 0)
        return s->created ? BRIG_STOPPED : BRIG_CREATING;
    uint64_t st = brig_pid_start_time(s->pid);
    if (st == 0 || (s->pid_start_time != 0 && st != s->pid_start_time))
        return BRIG_STOPPED;
    if (s->cgroup_path && brig_cgroup_is_frozen(s->cgroup_path))
        return BRIG_PAUSED;
    if (!s->started && brig_start_pending(c))
        return BRIG_CREATED;
    return BRIG_RUNNING;
}

/* brig's own annotations (org.brig.*, e.g. what a policy added) */
static bool private_annotation(const char *key)
{
    return strncmp(key, "org.brig.", 9) == 0;
}

static void gen_annotations(yajl_gen g, const struct brig_map *m, bool with_private)
{
    brig_json_key(g, "annotations");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < m->n; i++)
        if (with_private || !private_annotation(m->v[i].key))
            brig_json_key_str(g, m->v[i].key, m->v[i].value);
    yajl_gen_map_close(g);
}

int brig_state_save(const struct brig_container *c)
{
    const struct brig_state *s = &c->state;
    yajl_gen g = brig_json_gen_new(false);
    if (!g)
        return brig_fail(ENOMEM, "save state");
    yajl_gen_map_open(g);
    brig_json_key_str(g, "ociVersion", s->oci_version);
    brig_json_key_str(g, "id", s->id);
    brig_json_key_int(g, "pid", s->pid);
    brig_json_key_int(g, "pidStartTime", (long long)s->pid_start_time);
    brig_json_key_str(g, "bundle", s->bundle);
    brig_json_key_str(g, "rootfs", s->rootfs);
    brig_json_key_str(g, "created", s->created);
    brig_json_key_str(g, "owner", s->owner ? s->owner : "");
    brig_json_key_str(g, "cgroupPath", s->cgroup_path);
    brig_cgroup_own_gen(g, "cgroupOwn", &s->cgroup_own);
    brig_json_key_bool(g, "systemdCgroup", s->systemd_cgroup);
    brig_json_key_bool(g, "rootless", s->rootless);
    brig_json_key_bool(g, "userNamespace", s->has_user_ns);
    brig_json_key_bool(g, "pidNamespace", s->has_pid_ns);
    brig_json_key_bool(g, "started", s->started);
    gen_annotations(g, &s->annotations, true);
    if (s->config_json)
        brig_json_key_str(g, "config", s->config_json);
    yajl_gen_map_close(g);
    cleanup_free char *text = brig_json_gen_finish(g);
    if (!text)
        return brig_fail(ENOMEM, "save state");

    /* The record first: whatever it names is made after this save. */
    if (s->cgroup_path && symlinkat(s->cgroup_path, c->dirfd, RECORD_CGROUP) < 0 && errno != EEXIST)
        return brig_fail(errno, "save state: record %s/" RECORD_CGROUP, c->dir);
    if (s->pid > 0) {
        char init[64];
        snprintf(init, sizeof init, "%d:%llu", (int)s->pid, (unsigned long long)s->pid_start_time);
        if (symlinkat(init, c->dirfd, RECORD_INIT) < 0 && errno != EEXIST)
            return brig_fail(errno, "save state: record %s/" RECORD_INIT, c->dir);
    }
    /* A temp file renamed over state.json: never torn.  One name is enough,
     * only the holder of LOCK_EX writes. */
    cleanup_fd int fd = openat(c->dirfd, STATE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return brig_fail(errno, "save state: open %s/" STATE_TMP, c->dir);
    if (brig_write_all(fd, text, strlen(text)) < 0) {
        int e = errno;
        unlinkat(c->dirfd, STATE_TMP, 0);
        return brig_fail(e, "save state: write %s/" STATE_TMP, c->dir);
    }
    if (renameat(c->dirfd, STATE_TMP, c->dirfd, STATE_FILE) < 0) {
        int e = errno;
        unlinkat(c->dirfd, STATE_TMP, 0);
        return brig_fail(e, "save state: rename %s/" STATE_TMP " to " STATE_FILE, c->dir);
    }
    return 0;
}

static void state_gen(yajl_gen g, const struct brig_container *c, enum brig_status status, bool with_private)
{
    const struct brig_state *s = &c->state;
    yajl_gen_map_open(g);
    brig_json_key_str(g, "ociVersion", s->oci_version ? s->oci_version : BRIG_OCI_VERSION);
    brig_json_key_str(g, "id", s->id);
    brig_json_key_int(g, "pid", status == BRIG_STOPPED ? 0 : s->pid);
    brig_json_key_str(g, "status", brig_status_name(status));
    brig_json_key_str(g, "bundle", s->bundle ? s->bundle : "");
    brig_json_key_str(g, "rootfs", s->rootfs ? s->rootfs : "");
    brig_json_key_str(g, "created", s->created ? s->created : "");
    brig_json_key_str(g, "owner", s->owner ? s->owner : "");
    size_t shown = 0;
    for (size_t i = 0; i < s->annotations.n; i++)
        shown += with_private || !private_annotation(s->annotations.v[i].key);
    if (shown > 0)
        gen_annotations(g, &s->annotations, with_private);
    yajl_gen_map_close(g);
}

void brig_state_gen(yajl_gen g, const struct brig_container *c, enum brig_status status)
{
    state_gen(g, c, status, false);
}

static char *state_json(const struct brig_container *c, enum brig_status status, bool with_private)
{
    yajl_gen g = brig_json_gen_new(true);
    if (!g)
        return NULL;
    state_gen(g, c, status, with_private);
    char *text = brig_json_gen_finish(g);
    if (!text)
        brig_fail(ENOMEM, "state JSON");
    return text;
}

/* Hooks get the config's annotations only; `brig state` shows brig's too. */
char *brig_state_json(const struct brig_container *c, enum brig_status status)
{
    return state_json(c, status, false);
}

char *brig_state_json_full(const struct brig_container *c, enum brig_status status)
{
    return state_json(c, status, true);
}

/* rm -rf below DIRFD, never following symlinks. */
static int remove_tree_at(int parent, const char *name)
{
    if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -1;
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        remove_tree_at(dirfd(d), de->d_name);
    }
    closedir(d);
    if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return -1;
    return 0;
}

int brig_container_remove(struct brig_container *c)
{
    int r = 0;
    /* The usual content is known: a few calls, else the walk. */
    unlinkat(c->dirfd, STATE_FILE, 0);
    unlinkat(c->dirfd, RECORD_CGROUP, 0);
    unlinkat(c->dirfd, RECORD_INIT, 0);
    if (rmdir(c->dir) < 0 && errno != ENOENT && remove_tree_at(AT_FDCWD, c->dir) < 0)
        r = brig_fail(errno, "remove state directory %s", c->dir);
    brig_container_close(c);
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int brig_container_ids(char ***ids)
{
    *ids = NULL;
    DIR *d = opendir(brig_g.root);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return brig_fail(errno, "open state root %s", brig_g.root);
    }
    size_t n = 0, cap = 0;
    char **v = NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || brig_validate_id(de->d_name) < 0)
            continue;
        if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = brig_xrealloc(v, cap * sizeof *v);
        }
        v[n++] = brig_xstrdup(de->d_name);
    }
    brig_clear_error();
    closedir(d);
    if (n > 0)
        qsort(v, n, sizeof *v, cmp_str);
    *ids = v;
    return (int)n;
}
