/* libFuzzer target: the config.json parser (runtime/config/config*.c).
 *
 * Each input is handed to the three entry points that read JSON from the
 * outside world: brig_config_parse (config.json), brig_process_parse (exec
 * --process) and brig_resources_parse (update -r).  Besides the sanitizers'
 * findings, a parse that succeeds must give a structure that keeps the
 * promises of include/brig/oci.h (required fields present, vectors
 * NULL-terminated, resolved enums in range), and a parse that fails must
 * leave exactly one printable line as the error.  A broken promise aborts,
 * which libFuzzer reports as a crash with the input saved. */
#include "config.h"

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "brig/brig.h"
#include "brig/oci.h"
#include "brig/error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Normally defined by runtime/cmd/main.c: defaults (no --debug, no --log). */
struct brig_globals brig_g;

/* Touch every byte of a string, so that ASan sees a dangling or unterminated one. */
static size_t str_ok(const char *s)
{
    return s ? strlen(s) : 0;
}

static void strv_ok(const struct brig_strv *v)
{
    if (!v->v) {
        REQUIRE(v->n == 0);
        return;
    }
    for (size_t i = 0; i < v->n; i++) {
        REQUIRE(v->v[i] != NULL);
        str_ok(v->v[i]);
    }
    REQUIRE(v->v[v->n] == NULL);
}

static void map_ok(const struct brig_map *m)
{
    REQUIRE(m->n == 0 || m->v != NULL);
    for (size_t i = 0; i < m->n; i++) {
        REQUIRE(m->v[i].key != NULL && m->v[i].value != NULL);
        str_ok(m->v[i].key);
        str_ok(m->v[i].value);
    }
}

static void caps_ok(const struct brig_caps *c)
{
    int last = brig_cap_last();
    REQUIRE(last >= 0 && last < 64);
    uint64_t known = last == 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
    REQUIRE(!(c->bounding & ~known) && !(c->effective & ~known) && !(c->inheritable & ~known) &&
            !(c->permitted & ~known) && !(c->ambient & ~known));
    for (int i = 0; i <= last; i++) {
        const char *n = brig_cap_name(i);
        if (n)
            REQUIRE(brig_cap_from_name(n) == i);
    }
}

static void process_ok(const struct brig_process *p)
{
    REQUIRE(p->cwd != NULL);
    str_ok(p->cwd);
    strv_ok(&p->args);
    strv_ok(&p->env);
    str_ok(p->command_line);
    str_ok(p->user.username);
    REQUIRE(p->user.n_additional_gids == 0 || p->user.additional_gids != NULL);
    for (size_t i = 0; i < p->user.n_additional_gids; i++)
        (void)p->user.additional_gids[i];
    if (p->capabilities)
        caps_ok(p->capabilities);
    REQUIRE(p->n_rlimits == 0 || p->rlimits != NULL);
    for (size_t i = 0; i < p->n_rlimits; i++) {
        REQUIRE(p->rlimits[i].type != NULL);
        REQUIRE(p->rlimits[i].resource >= 0 && p->rlimits[i].resource < RLIM_NLIMITS);
    }
    str_ok(p->apparmor_profile);
    str_ok(p->selinux_label);
    if (p->io_priority) {
        REQUIRE(p->io_priority->class_name != NULL);
        REQUIRE(p->io_priority->class_value >= 1 && p->io_priority->class_value <= 3);
    }
    if (p->scheduler) {
        REQUIRE(p->scheduler->policy != NULL);
        strv_ok(&p->scheduler->flags);
    }
    str_ok(p->exec_cpu_affinity_initial);
    str_ok(p->exec_cpu_affinity_final);
}

static void hooks_ok(const struct brig_hook_list *l)
{
    REQUIRE(l->n == 0 || l->v != NULL);
    for (size_t i = 0; i < l->n; i++) {
        REQUIRE(l->v[i].path != NULL);
        strv_ok(&l->v[i].args);
        strv_ok(&l->v[i].env);
        if (l->v[i].timeout.set)
            REQUIRE(l->v[i].timeout.v > 0);
    }
}

static void resources_ok(const struct brig_resources *r)
{
    REQUIRE(r->n_devices == 0 || r->devices != NULL);
    for (size_t i = 0; i < r->n_devices; i++) {
        char t = r->devices[i].type;
        REQUIRE(t == 'a' || t == 'b' || t == 'c');
        const char *a = r->devices[i].access;
        if (a)
            REQUIRE(strspn(a, "rwm") == strlen(a));
    }
    if (r->cpu) {
        str_ok(r->cpu->cpus);
        str_ok(r->cpu->mems);
    }
    if (r->block_io) {
        const struct brig_blkio *b = r->block_io;
        REQUIRE(b->n_weight_device == 0 || b->weight_device != NULL);
        REQUIRE(b->n_throttle_read_bps == 0 || b->throttle_read_bps != NULL);
        REQUIRE(b->n_throttle_write_bps == 0 || b->throttle_write_bps != NULL);
        REQUIRE(b->n_throttle_read_iops == 0 || b->throttle_read_iops != NULL);
        REQUIRE(b->n_throttle_write_iops == 0 || b->throttle_write_iops != NULL);
    }
    for (size_t i = 0; i < r->n_hugepage_limits; i++)
        REQUIRE(r->hugepage_limits[i].page_size != NULL);
    for (size_t i = 0; i < r->n_net_priorities; i++)
        REQUIRE(r->net_priorities[i].name != NULL);
    for (size_t i = 0; i < r->n_rdma; i++)
        REQUIRE(r->rdma[i].device != NULL);
    map_ok(&r->unified);
}

static void seccomp_ok(const struct brig_seccomp *s)
{
    REQUIRE(s->default_action <= BRIG_SECCOMP_NOTIFY);
    strv_ok(&s->architectures);
    strv_ok(&s->flags);
    str_ok(s->listener_path);
    str_ok(s->listener_metadata);
    REQUIRE(s->n_syscalls == 0 || s->syscalls != NULL);
    for (size_t i = 0; i < s->n_syscalls; i++) {
        const struct brig_seccomp_syscall *c = &s->syscalls[i];
        strv_ok(&c->names);
        REQUIRE(c->action <= BRIG_SECCOMP_NOTIFY);
        REQUIRE(c->n_args == 0 || c->args != NULL);
        for (size_t j = 0; j < c->n_args; j++)
            REQUIRE(c->args[j].op <= BRIG_SECCOMP_OP_MASKED_EQ);
    }
}

static void linux_ok(const struct brig_linux *l)
{
    REQUIRE(l->n_uid_mappings == 0 || l->uid_mappings != NULL);
    REQUIRE(l->n_gid_mappings == 0 || l->gid_mappings != NULL);
    map_ok(&l->sysctl);
    if (l->resources)
        resources_ok(l->resources);
    str_ok(l->cgroups_path);
    unsigned seen = 0;
    for (size_t i = 0; i < l->n_namespaces; i++) {
        const struct brig_namespace *ns = &l->namespaces[i];
        REQUIRE(ns->type < BRIG_NS_COUNT);
        /* The parser refuses a namespace type given twice. */
        REQUIRE(!(seen & (1u << ns->type)));
        seen |= 1u << ns->type;
        REQUIRE(ns->clone_flag != 0);
        REQUIRE(brig_ns_type_name(ns->type) != NULL);
        str_ok(ns->path);
    }
    for (size_t i = 0; i < l->n_devices; i++) {
        REQUIRE(l->devices[i].path != NULL);
        char t = l->devices[i].type;
        REQUIRE(t == 'c' || t == 'b' || t == 'u' || t == 'p');
    }
    if (l->seccomp)
        seccomp_ok(l->seccomp);
    str_ok(l->rootfs_propagation);
    strv_ok(&l->masked_paths);
    strv_ok(&l->readonly_paths);
    str_ok(l->mount_label);
    if (l->personality) {
        str_ok(l->personality->domain);
        strv_ok(&l->personality->flags);
    }
    map_ok(&l->net_devices);
}

static void config_ok(const struct brig_config *c)
{
    REQUIRE(c->oci_version != NULL);
    if (c->root)
        REQUIRE(c->root->path != NULL);
    REQUIRE(c->n_mounts == 0 || c->mounts != NULL);
    for (size_t i = 0; i < c->n_mounts; i++) {
        const struct brig_mount *m = &c->mounts[i];
        REQUIRE(m->destination != NULL);
        str_ok(m->source);
        str_ok(m->type);
        strv_ok(&m->options);
        REQUIRE(m->n_uid_mappings == 0 || m->uid_mappings != NULL);
        REQUIRE(m->n_gid_mappings == 0 || m->gid_mappings != NULL);
    }
    if (c->process)
        process_ok(c->process);
    str_ok(c->hostname);
    str_ok(c->domainname);
    if (c->hooks) {
        hooks_ok(&c->hooks->prestart);
        hooks_ok(&c->hooks->create_runtime);
        hooks_ok(&c->hooks->create_container);
        hooks_ok(&c->hooks->start_container);
        hooks_ok(&c->hooks->poststart);
        hooks_ok(&c->hooks->poststop);
    }
    map_ok(&c->annotations);
    if (c->linux_)
        linux_ok(c->linux_);
    for (int t = 0; t < BRIG_NS_COUNT; t++)
        (void)brig_config_namespace(c, (enum brig_ns_type)t);
}

/* A failed parse leaves one line of printable text: it is printed as
 * "brig: create: MESSAGE", and a config must not be able to forge more
 * lines (or terminal escapes) in a log. */
static void error_ok(void)
{
    const char *e = brig_last_error();
    REQUIRE(e != NULL && e[0] != '\0');
    for (const unsigned char *p = (const unsigned char *)e; *p; p++)
        REQUIRE(*p >= 0x20 && *p != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;

    brig_clear_error();
    struct brig_config *c = NULL;
    if (brig_config_parse(json, size, &c) == 0) {
        REQUIRE(c != NULL);
        config_ok(c);
        brig_config_free(c);
    } else {
        error_ok();
    }

    brig_clear_error();
    struct brig_process *p = NULL;
    if (brig_process_parse(json, size, &p) == 0) {
        REQUIRE(p != NULL);
        process_ok(p);
        brig_process_free(p);
    } else {
        error_ok();
    }

    brig_clear_error();
    struct brig_resources *r = NULL;
    if (brig_resources_parse(json, size, &r) == 0) {
        REQUIRE(r != NULL);
        resources_ok(r);
        brig_resources_free(r);
    } else {
        error_ok();
    }
    brig_clear_error();
    return 0;
}
