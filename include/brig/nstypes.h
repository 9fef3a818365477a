/* brig: the namespace types, one row each.  Everything brig knows about a
 * type is here: the enum, the "type" of linux.namespaces[], the clone flag,
 * the name under /proc/PID/ns and the order of joining.  The parser, create,
 * exec, features and check all read this list; adding a type is adding a row.
 *
 * The rows are in joining order: the user namespace first (it grants the
 * rights to join the others), the mount namespace last (the others are
 * opened by /proc paths, which must still resolve on the host).
 *
 *   X(ENUM, config type, CLONE_NEW* flag, /proc/PID/ns/NAME) */
#ifndef BRIG_NSTYPES_H
#define BRIG_NSTYPES_H

#include <sched.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#define BRIG_NAMESPACE_TYPES(X)                          \
    X(USER, "user", CLONE_NEWUSER, "user")               \
    X(IPC, "ipc", CLONE_NEWIPC, "ipc")                   \
    X(UTS, "uts", CLONE_NEWUTS, "uts")                   \
    X(NETWORK, "network", CLONE_NEWNET, "net")           \
    X(PID, "pid", CLONE_NEWPID, "pid")                   \
    X(CGROUP, "cgroup", CLONE_NEWCGROUP, "cgroup")       \
    X(TIME, "time", CLONE_NEWTIME, "time")               \
    X(MOUNT, "mount", CLONE_NEWNS, "mnt")

/* linux.namespaces[].type; the values are the joining order */
enum brig_ns_type {
#define BRIG_NS_ENUM_(e, name, flag, proc) BRIG_NS_##e,
    BRIG_NAMESPACE_TYPES(BRIG_NS_ENUM_)
#undef BRIG_NS_ENUM_
    BRIG_NS_COUNT
};

/* Every CLONE_NEW* flag of the list, or'ed. */
#define BRIG_NS_FLAG_OR_(e, name, flag, proc) | (flag)
#define BRIG_NS_ALL_FLAGS (0 BRIG_NAMESPACE_TYPES(BRIG_NS_FLAG_OR_))

struct brig_ns_info {
    const char *name;      /* "network": config.json and features */
    int clone_flag;        /* CLONE_NEWNET */
    const char *proc_name; /* "net": /proc/PID/ns/net */
};

/* Indexed by enum brig_ns_type (runtime/config/nstypes.c). */
extern const struct brig_ns_info brig_ns_info[BRIG_NS_COUNT];

/* The type called NAME in config.json, or BRIG_NS_COUNT. */
enum brig_ns_type brig_ns_from_name(const char *name);

#endif
