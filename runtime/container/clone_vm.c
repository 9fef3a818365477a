/* brig: an init that starts on the runtime's own memory.
 *
 * A forked init costs the runtime's whole address space: clone copies its
 * page tables, both processes then take a copy-on-write fault for every
 * page either writes, the init faults brig's text in again (fork copies no
 * page table of a file mapping), and execve tears the copy down.  On this
 * kind of host (a fault is ~4-8 us in a nested VM) that is ~50 faults a
 * start.  run does not need a second address space: its runtime has
 * nothing to do between clone and the program's execve when no request
 * can come from the init (no hooks, terminal, listener or binds the
 * runtime makes) and the cgroups are complete before the clone.
 *
 * So, as posix_spawn does: CLONE_VM | CLONE_VFORK.  The kernel suspends
 * the runtime until the init has executed the program or exited; the two
 * never run at once, so the C library's state (malloc, errno, stdio),
 * which they share, is only ever used by one of them.  The init runs on
 * the runtime's stack below its stack pointer (dead memory to a caller
 * that is suspended in clone3) and never returns: it execs or _exits.
 * What the init changes in memory the runtime sees after; the globals a
 * process drops before it goes into a container (the cgroup directory
 * table, the log fd) are stashed by the runtime first and taken back after
 * (vm_init.c).
 *
 * With v1 hierarchies the runtime has ~10 cgroups to make, and the init a
 * network namespace (~1 ms): two cores' work.  There the init is cloned
 * without CLONE_VFORK, on a stack of its own, and makes its namespaces
 * while the runtime makes the cgroups; until GO it makes raw system calls
 * only (brig_raw_syscall: not even errno is touched), and from GO on the
 * runtime waits in raw system calls only, until the init's end of the
 * socket closes.  Either way one of the two at a time uses the library.
 *
 * x86_64 only (the entry below is assembly: the child must start on its
 * own stack pointer, which no C wrapper of clone3 gives), and not under
 * AddressSanitizer, whose shadow of the stack the init would leave stale.
 * Elsewhere, and on a kernel without clone3, create forks as before. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "brig/brig.h"
#include "brig/container.h"

#if defined(__x86_64__) && defined(SYS_clone3) && !defined(__SANITIZE_ADDRESS__)

#define STR_(x) #x
#define STR(x) STR_(x)

/* long brig_clone3_fn(struct clone_args *args, size_t size, int (*fn)(void *), void *arg):
 * clone3; the child calls fn(arg) on args->stack and exits with what it
 * returns; the parent gets clone3's return, a pid or -errno.  fn and arg
 * cross in r12 and r13, which the child inherits and the parent restores. */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl brig_clone3_fn\n"
        ".hidden brig_clone3_fn\n"
        ".type brig_clone3_fn, @function\n"
        "brig_clone3_fn:\n"
        "    push %r12\n"
        "    push %r13\n"
        "    mov %rdx, %r12\n"
        "    mov %rcx, %r13\n"
        "    mov $" STR(SYS_clone3) ", %eax\n"
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"
        "    pop %r13\n"
        "    pop %r12\n"
        "    ret\n"
        "1:  xor %ebp, %ebp\n"
        "    mov %r13, %rdi\n"
        "    call *%r12\n"
        "    mov %eax, %edi\n"
        "    mov $" STR(SYS_exit) ", %eax\n"
        "    syscall\n"
        "    ud2\n"
        ".size brig_clone3_fn, .-brig_clone3_fn\n");

long brig_clone3_fn(void *args, size_t size, int (*fn)(void *), void *arg);

long brig_raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    long r;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return r;
}

/* What the kernel may use of the stack below ours: the child's frames. */
#define CHILD_STACK (256 * 1024)

pid_t brig_clone_vm(unsigned long flags, int cgfd, pid_t *tid, int (*fn)(void *), void *arg, void *stack,
                    size_t stack_size)
{
    struct brig_clone_args a = {.flags = flags | CLONE_VM | CLONE_PARENT_SETTID | (stack ? 0 : CLONE_VFORK),
                                .parent_tid = (uint64_t)(uintptr_t)tid,
                                .exit_signal = SIGCHLD};
    if (cgfd >= 0) {
        a.flags |= BRIG_CLONE_INTO_CGROUP;
        a.cgroup = (uint64_t)cgfd;
    }
    if (stack) {
        a.stack = (uint64_t)(uintptr_t)stack;
        a.stack_size = stack_size;
    } else {
        /* The child's stack ends a page below ours: past this frame, the
         * entry's two pushes and the red zone. */
        uintptr_t sp;
        __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
        uintptr_t top = (sp - 4096) & ~(uintptr_t)63;
        a.stack = top - CHILD_STACK;
        a.stack_size = CHILD_STACK;
    }
    long r = brig_clone3_fn(&a, sizeof a, fn, arg);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return (pid_t)r;
}

#else

pid_t brig_clone_vm(unsigned long flags, int cgfd, pid_t *tid, int (*fn)(void *), void *arg, void *stack,
                    size_t stack_size)
{
    (void)flags, (void)cgfd, (void)tid, (void)fn, (void)arg, (void)stack, (void)stack_size;
    errno = ENOSYS;
    return -1;
}

long brig_raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    (void)nr, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6;
    return -ENOSYS;
}

#endif
