/* brig: scope-bound cleanup helpers (__attribute__((cleanup))). */
#ifndef BRIG_CLEANUP_H
#define BRIG_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void brig_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

static inline void brig_freep(void *p)
{
    free(*(void **)p);
}

static inline void brig_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}

#define cleanup_fd __attribute__((cleanup(brig_closep)))
#define cleanup_free __attribute__((cleanup(brig_freep)))
#define cleanup_file __attribute__((cleanup(brig_fclosep)))

/* Hand ownership out of a cleanup variable. */
static inline int brig_steal_fd(int *fd)
{
    int r = *fd;
    *fd = -1;
    return r;
}

#define brig_steal_ptr(p) ({ __typeof__(*(p)) _v = *(p); *(p) = NULL; _v; })

#endif
