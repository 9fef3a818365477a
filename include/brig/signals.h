/* brig: signal names <-> numbers (runtime/util/signals.c).  The one list
 * brig kill parses and the bash completion offers (a test compares them). */
#ifndef BRIG_SIGNALS_H
#define BRIG_SIGNALS_H

/* "KILL", "SIGKILL", "sigkill", "9", "RTMIN+3", "SIGRTMAX-1": the number;
 * "0" is 0 (kill's liveness check).  -1 when S names no signal. */
int brig_signal_parse(const char *s);

#endif
