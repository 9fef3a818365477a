/* Unit tests: resolution inside a root (the by-hand walker checked against
 * openat2 on a tree full of hostile links), mount option parsing and the
 * sysctl rules.  No root needed: the tree is made under $TMPDIR. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/oci.h"
#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "unit.h"

static char top[PATH_MAX];
static int rootfd = -1;

static void mk(const char *kind, const char *path, const char *target)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/root/%s", top, path);
    int r = 0;
    if (strcmp(kind, "dir") == 0)
        r = mkdir(p, 0755);
    else if (strcmp(kind, "file") == 0) {
        int fd = open(p, O_WRONLY | O_CREAT, 0644);
        r = fd < 0 ? -1 : close(fd);
    } else
        r = symlink(target, p);
    if (r < 0) {
        fprintf(stderr, "setup: %s %s: %s\n", kind, p, strerror(errno));
        exit(1);
    }
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(top, sizeof top, "%s/brig-resolve-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(top)) {
        perror("mkdtemp");
        exit(1);
    }
    char r[PATH_MAX + 8];
    snprintf(r, sizeof r, "%s/root", top);
    mkdir(r, 0755);
    mk("dir", "a", NULL);
    mk("dir", "a/b", NULL);
    mk("dir", "a/b/c", NULL);
    mk("file", "a/b/file", NULL);
    mk("link", "abs", "/a/b");
    mk("link", "rel", "a/b");
    mk("link", "up", "../../../../../../..");
    mk("link", "escape", "../../../");
    mk("link", "out", "/etc");
    mk("link", "loop1", "loop2");
    mk("link", "loop2", "loop1");
    mk("link", "chain", "abs/../b");
    mk("link", "dangling", "/x/y/z");
    mk("link", "procfd", "/proc/self/fd/0");
    mk("link", "a/b/back", "../../abs");
    /* A host path the tree points at: must never be created. */
    char host[PATH_MAX + 16];
    snprintf(host, sizeof host, "%s/host", top);
    mkdir(host, 0755);
    char link[PATH_MAX + 16];
    snprintf(link, sizeof link, "%s/root/tohost", top);
    if (symlink(host, link) < 0) {
        perror("symlink");
        exit(1);
    }
    rootfd = open(r, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        perror(r);
        exit(1);
    }
}

static void cleanup(void)
{
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", top);
}

/* Whether FD is RELPATH below the root (no links in RELPATH). */
static bool is_at(int fd, const char *rel)
{
    struct stat a, b;
    if (fstat(fd, &a) < 0)
        return false;
    if (fstatat(rootfd, rel[0] ? rel : ".", &b, AT_SYMLINK_NOFOLLOW) < 0)
        return false;
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static const struct {
    const char *path;
    const char *want; /* relative to the root; NULL: an error */
    int err;
} cases[] = {
    {"/a/b/c", "a/b/c", 0},
    {"a/b/c", "a/b/c", 0},
    {"/abs/c", "a/b/c", 0},
    {"/rel/c", "a/b/c", 0},
    {"/up/a/b", "a/b", 0},
    {"/escape/a", "a", 0},
    {"/../../a/b/../b/c", "a/b/c", 0},
    {"/chain/c", "a/b/c", 0},
    {"/a/b/back/file", "a/b/file", 0},
    {"//a///b/", "a/b", 0},
    {"/", "", 0},
    {"/up", "", 0},
    {"/out", NULL, ENOENT},
    {"/tohost", NULL, ENOENT},
    {"/loop1", NULL, ELOOP},
    {"/loop1/x", NULL, ELOOP},
    {"/a/b/file/x", NULL, ENOTDIR},
    {"/procfd", NULL, ENOENT},
};

static void test_walker_stays_in_root(void)
{
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(cases); i++) {
        errno = 0;
        int fd = brig_resolve_walk(rootfd, cases[i].path, false, false);
        if (cases[i].want) {
            CHECK_MSG(fd >= 0 && is_at(fd, cases[i].want), "walk %s: expected %s (fd %d, %s)", cases[i].path,
                      cases[i].want, fd, strerror(errno));
        } else {
            CHECK_MSG(fd < 0 && errno == cases[i].err, "walk %s: expected %s, got fd %d errno %s", cases[i].path,
                      strerror(cases[i].err), fd, strerror(errno));
        }
        if (fd >= 0)
            close(fd);
    }
}

static void test_openat2_agrees_with_walker(void)
{
    if (brig_resolve_by_hand())
        return;
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(cases); i++) {
        int fd = brig_resolve_in_root(rootfd, cases[i].path);
        if (fd < 0 && errno == ENOSYS)
            return;
        if (cases[i].want)
            CHECK_MSG(fd >= 0 && is_at(fd, cases[i].want), "openat2 %s: expected %s", cases[i].path, cases[i].want);
        else
            CHECK_MSG(fd < 0, "openat2 %s: expected an error", cases[i].path);
        if (fd >= 0)
            close(fd);
    }
}

static void test_walker_creates_inside_root(void)
{
    int fd = brig_resolve_walk(rootfd, "/dangling", true, false);
    CHECK(fd >= 0 && is_at(fd, "x/y/z"));
    struct stat st;
    CHECK(fstatat(rootfd, "x/y/z", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode));
    if (fd >= 0)
        close(fd);

    fd = brig_resolve_walk(rootfd, "/tohost/made/here", true, true);
    char rel[PATH_MAX * 2];
    snprintf(rel, sizeof rel, "%s/host/made/here", top + 1);
    CHECK_MSG(fd >= 0 && is_at(fd, rel), "a link to a host path is followed inside the root");
    char host[PATH_MAX + 32];
    snprintf(host, sizeof host, "%s/host/made", top);
    CHECK_MSG(access(host, F_OK) < 0, "the walker created %s on the host", host);
    if (fd >= 0)
        close(fd);

    fd = brig_resolve_walk(rootfd, "/escape/../new/dir", true, true);
    CHECK(fd >= 0 && is_at(fd, "new/dir"));
    if (fd >= 0)
        close(fd);

    /* brig_open_in_root: the same, whichever resolver is in use. */
    fd = brig_open_in_root(rootfd, "/out/passwd", true, false);
    CHECK(fd >= 0 && is_at(fd, "etc/passwd"));
    if (fd >= 0)
        close(fd);
    char name[NAME_MAX + 1];
    fd = brig_open_parent_in_root(rootfd, "/abs/c/node", true, name);
    CHECK(fd >= 0 && is_at(fd, "a/b/c"));
    CHECK_STR(name, "node");
    if (fd >= 0)
        close(fd);
    CHECK(brig_open_parent_in_root(rootfd, "/a/..", false, name) < 0);
}

/* A missing last component is made from its parent's in-root fd (the
 * short way); whatever is odd there (a dangling link, a link out to the
 * host) still ends up inside the root, made by the walk. */
static void test_open_in_root_makes_the_last(void)
{
    struct stat st;
    int fd = brig_open_in_root(rootfd, "/abs/c/newdir/", true, true);
    CHECK(fd >= 0 && is_at(fd, "a/b/c/newdir"));
    CHECK(fstatat(rootfd, "a/b/c/newdir", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
    if (fd >= 0)
        close(fd);
    fd = brig_open_in_root(rootfd, "/rel/newfile", true, false);
    CHECK(fd >= 0 && is_at(fd, "a/b/newfile"));
    CHECK(fstatat(rootfd, "a/b/newfile", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode));
    if (fd >= 0)
        close(fd);

    /* The last component a dangling link: followed inside the root. */
    mk("link", "dl", "/made/by/walk");
    mk("dir", "made", NULL);
    fd = brig_open_in_root(rootfd, "/dl", true, true);
    CHECK(fd >= 0 && is_at(fd, "made/by/walk"));
    CHECK(fstatat(rootfd, "dl", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode));
    if (fd >= 0)
        close(fd);
    mk("link", "dlfile", "/made/file");
    fd = brig_open_in_root(rootfd, "/dlfile", true, false);
    CHECK(fd >= 0 && is_at(fd, "made/file"));
    if (fd >= 0)
        close(fd);
    /* A link to a host path as the last component: made inside the root. */
    char host[PATH_MAX + 32], rel[PATH_MAX * 2];
    snprintf(host, sizeof host, "%s/host/last", top);
    mk("link", "tohost-last", host);
    fd = brig_open_in_root(rootfd, "/tohost-last", true, true);
    snprintf(rel, sizeof rel, "%s/host/last", top + 1);
    CHECK_MSG(fd >= 0 && is_at(fd, rel), "a link to a host path is followed inside the root");
    CHECK_MSG(access(host, F_OK) < 0, "%s was created on the host", host);
    if (fd >= 0)
        close(fd);
    /* Without create, still an error. */
    CHECK(brig_open_in_root(rootfd, "/a/b/nothing", false, true) < 0);

    /* proc and sysfs destinations: no symlink anywhere on the way. */
    fd = brig_open_plain_dir_in_root(rootfd, "/a/b");
    CHECK(fd >= 0 && is_at(fd, "a/b"));
    if (fd >= 0)
        close(fd);
    errno = 0;
    CHECK(brig_open_plain_dir_in_root(rootfd, "/abs/c") < 0 && errno == ELOOP);
    CHECK(brig_open_plain_dir_in_root(rootfd, "/a/b/back") < 0 && errno == ELOOP);
    CHECK(brig_open_plain_dir_in_root(rootfd, "/dangling") < 0 && errno == ELOOP);
    CHECK(brig_open_plain_dir_in_root(rootfd, "/a/b/file") < 0 && errno == ENOTDIR);
    CHECK(brig_open_plain_dir_in_root(rootfd, "/nothing/here") < 0 && errno == ENOENT);

    /* Read a file: opened once, through no link out of the root. */
    fd = brig_open_file_in_root(rootfd, "/abs/file", O_RDONLY);
    CHECK(fd >= 0 && is_at(fd, "a/b/file"));
    if (fd >= 0)
        close(fd);
    CHECK(brig_open_file_in_root(rootfd, "/procfd", O_RDONLY) < 0);
}

static void test_mount_options(void)
{
    char *v1[] = {"rbind", "ro", "nosuid", "noatime", "size=1m", "mode=755", "rprivate", "rro", "nodev", "dev", NULL};
    struct brig_strv o1 = {v1, 10};
    struct brig_mount_opts mo;
    CHECK(brig_parse_mount_options(&o1, NULL, &mo) == 0);
    CHECK(mo.bind && mo.recursive);
    CHECK((mo.flags & (MS_RDONLY | MS_NOSUID | MS_NOATIME)) == (MS_RDONLY | MS_NOSUID | MS_NOATIME));
    CHECK(!(mo.flags & MS_NODEV));
    CHECK((mo.attr_set & BRIG_ATTR_RDONLY) && (mo.attr_set & BRIG_ATTR_NOSUID));
    CHECK((mo.attr_set & BRIG_ATTR__ATIME) == BRIG_ATTR_NOATIME && (mo.attr_clr & BRIG_ATTR__ATIME));
    CHECK(!(mo.attr_set & BRIG_ATTR_NODEV) && (mo.attr_clr & BRIG_ATTR_NODEV));
    CHECK(mo.rattr_set == BRIG_ATTR_RDONLY);
    CHECK_INT(mo.n_propagation, 1);
    CHECK(mo.propagation[0] == (MS_PRIVATE | MS_REC));
    CHECK_STR(mo.data, "size=1m,mode=755");
    brig_mount_opts_free(&mo);

    char *v2[] = {"strictatime", "relatime", "newinstance", "ptmxmode=0666", NULL};
    struct brig_strv o2 = {v2, 4};
    CHECK(brig_parse_mount_options(&o2, "devpts", &mo) == 0);
    CHECK(!mo.bind);
    CHECK((mo.flags & (MS_STRICTATIME | MS_RELATIME)) == MS_RELATIME);
    CHECK_STR(mo.data, "newinstance,ptmxmode=0666");
    brig_mount_opts_free(&mo);

    char *v3[] = {"tmpcopyup", "idmap", NULL};
    struct brig_strv o3 = {v3, 2};
    CHECK(brig_parse_mount_options(&o3, "tmpfs", &mo) < 0); /* idmap needs a bind */
    char *v4[] = {"ridmap", NULL};
    struct brig_strv o4 = {v4, 1};
    CHECK(brig_parse_mount_options(&o4, "bind", &mo) == 0);
    CHECK(mo.bind && mo.idmap && mo.idmap_recursive);
    brig_mount_opts_free(&mo);
    char *v5[] = {"tmpcopyup", "bind", NULL};
    struct brig_strv o5 = {v5, 2};
    CHECK(brig_parse_mount_options(&o5, "tmpfs", &mo) < 0);
}

static int sysctl_check(const char *key, const char *nstype)
{
    char *json = brig_xasprintf("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"linux\": "
                                "{\"namespaces\": [{\"type\": \"%s\"}], \"sysctl\": {\"%s\": \"1\"}}}",
                                nstype, key);
    struct brig_config *cfg = NULL;
    int r = brig_config_parse(json, strlen(json), &cfg);
    free(json);
    if (r < 0)
        return -2;
    r = brig_sysctl_validate(cfg, NULL);
    brig_config_free(cfg);
    return r;
}

static void test_sysctl_rules(void)
{
    CHECK(sysctl_check("net.ipv4.ip_forward", "network") == 0);
    CHECK(sysctl_check("net/ipv4/conf/all/forwarding", "network") == 0);
    CHECK(sysctl_check("net.ipv4.conf.eth0/100.forwarding", "network") == 0);
    CHECK(sysctl_check("net.ipv4.ip_forward", "ipc") == -1);
    CHECK_STR_CONTAINS(brig_last_error(), "network namespace");
    CHECK(sysctl_check("kernel.shmmax", "ipc") == 0);
    CHECK(sysctl_check("kernel.msgmnb", "ipc") == 0);
    CHECK(sysctl_check("fs.mqueue.msg_max", "ipc") == 0);
    CHECK(sysctl_check("kernel.shmmax", "uts") == -1);
    CHECK(sysctl_check("kernel.domainname", "uts") == 0);
    CHECK(sysctl_check("kernel.pid_max", "ipc") == -1);
    CHECK_STR_CONTAINS(brig_last_error(), "not namespaced");
    CHECK(sysctl_check("vm.overcommit_memory", "network") == -1);
    CHECK(sysctl_check("net", "network") == -1);
    CHECK(sysctl_check("net.", "network") == -1);
    CHECK(sysctl_check("net..x", "network") == -1);
    CHECK(sysctl_check("net/../kernel/x", "network") == -1);
    CHECK(sysctl_check("net.ipv4.x/../../../kernel/y", "network") == -1); /* empty components */
    CHECK(sysctl_check("net/ipv4/../../kernel/core_pattern", "network") == -1);
    CHECK(sysctl_check("fs.mqueue", "ipc") == -1);
}

int main(void)
{
    setup();
    RUN(test_walker_stays_in_root);
    RUN(test_openat2_agrees_with_walker);
    RUN(test_walker_creates_inside_root);
    RUN(test_open_in_root_makes_the_last);
    RUN(test_mount_options);
    RUN(test_sysctl_rules);
    cleanup();
    return unit_finish();
}
