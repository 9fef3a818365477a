/* brig: default options of AddressSanitizer and UBSan, for builds made
 * with ./configure --enable-sanitizers (scripts/ci-sanitizers.sh); empty
 * otherwise.  ASAN_OPTIONS and UBSAN_OPTIONS still override them, but
 * clients such as conmon start the runtime with an environment of their
 * own, so the defaults must be safe without them:
 *
 *  - no leak check at exit: LeakSanitizer stops the process by ptrace from
 *    a helper it clone()s, and once brig has joined a container's pid
 *    namespace (exec) that helper lands in it and cannot see its parent:
 *    it dies, and the process spins forever waiting for it;
 *  - a report exits with status 86, which no brig command uses, so that
 *    an abort cannot pass for an ordinary error. */
#include "config.h"

#if defined(__SANITIZE_ADDRESS__)
#define BRIG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BRIG_ASAN 1
#endif
#endif

#ifdef BRIG_ASAN
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

__attribute__((used, visibility("default"))) const char *__asan_default_options(void)
{
    return "detect_leaks=0:exitcode=86";
}

__attribute__((used, visibility("default"))) const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1:exitcode=86";
}
#else
/* ISO C wants at least one declaration in a file. */
typedef int brig_no_sanitizer_options;
#endif
