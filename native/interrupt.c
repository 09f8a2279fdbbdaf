/*
 * Ctrl-C (SIGINT) and SIGTERM while a program runs. The run loop is synchronous JavaScript that calls Unicorn for
 * slices of instructions and never returns to Node's event loop, so Node's own signal handling (process.on) never
 * runs during it. This handler runs in C, whatever the thread is doing:
 *
 *  - the first signal counts itself and raises the engine counter's stop_now word (native/counter.c), so the
 *    instruction hook stops Unicorn before the next instruction; the run loop sees the count and ends the run
 *    like a limit does (the recorder finishes the segment in progress and writes the footer);
 *  - a second signal abandons what is left: if a recording registered its temporary file, the file is renamed to
 *    the output path (a trace without a footer opens up to its last complete segment), then the process exits
 *    with 128 + the signal number, as a shell reports a process killed by it.
 *
 * Only async-signal-safe calls (rename, unlink, _exit) are made from the handler. Loaded through koffi; built by
 * scripts/build-native.sh.
 */
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t signals_seen;
static volatile sig_atomic_t last_signal;
static volatile uint64_t *stop_word;
static char keep_from[PATH_MAX];
static char keep_to[PATH_MAX];
static char drop_path[PATH_MAX];
static volatile sig_atomic_t keep_set;
static struct sigaction old_int, old_term;
static int installed;
static int stderr_tty;

static void say(const char *text)
{
    ssize_t ignored = write(2, text, strlen(text));
    (void)ignored;
}

static void on_signal(int sig)
{
    signals_seen++;
    last_signal = sig;
    if (signals_seen == 1) {
        if (stop_word) *stop_word = 1;
        return;
    }
    /* the progress line may be on the terminal's current line */
    if (stderr_tty) say("\r\033[K");
    if (keep_set && keep_to[0]) {
        rename(keep_from, keep_to);
        say("wintrace: interrupted again: stopped at once; the trace keeps its complete segments, without a footer\n");
    } else {
        if (keep_set) unlink(keep_from);
        say("wintrace: interrupted again: stopped at once\n");
    }
    if (keep_set && drop_path[0]) unlink(drop_path);
    _exit(128 + sig);
}

/* int wt_interrupt_install(void); installs the handler for SIGINT and SIGTERM and resets the count. */
int wt_interrupt_install(void)
{
    struct sigaction sa;
    if (installed) return 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    signals_seen = 0;
    last_signal = 0;
    stderr_tty = isatty(2);
    if (sigaction(SIGINT, &sa, &old_int) != 0) return -1;
    if (sigaction(SIGTERM, &sa, &old_term) != 0) {
        sigaction(SIGINT, &old_int, NULL);
        return -1;
    }
    installed = 1;
    return 0;
}

/* void wt_interrupt_uninstall(void); gives SIGINT and SIGTERM back to whoever handled them before. */
void wt_interrupt_uninstall(void)
{
    if (!installed) return;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    installed = 0;
    stop_word = NULL;
    keep_set = 0;
}

/* void wt_interrupt_watch(uint64_t *counter, int word); the engine counter and the index of its stop_now word. */
void wt_interrupt_watch(uint64_t *counter, int word)
{
    stop_word = counter ? counter + word : NULL;
}

/* int wt_interrupt_count(void); signals received since install. */
int wt_interrupt_count(void)
{
    return signals_seen;
}

/* int wt_interrupt_signal(void); the last signal received (SIGINT 2, SIGTERM 15), 0 if none. */
int wt_interrupt_signal(void)
{
    return last_signal;
}

/*
 * int wt_interrupt_keep(const char *from, const char *to, const char *drop); on a second signal, rename `from` to
 * `to` (or remove `from` when `to` is NULL: nothing readable in it yet) and remove `drop` (a lock file) before
 * exiting. NULL `from` forgets them. Returns -1 if a path is too long.
 */
int wt_interrupt_keep(const char *from, const char *to, const char *drop)
{
    keep_set = 0;
    if (!from) return 0;
    if (strlen(from) >= PATH_MAX || (to && strlen(to) >= PATH_MAX) || (drop && strlen(drop) >= PATH_MAX)) return -1;
    strcpy(keep_from, from);
    if (to) strcpy(keep_to, to);
    else keep_to[0] = 0;
    if (drop) strcpy(drop_path, drop);
    else drop_path[0] = 0;
    keep_set = 1;
    return 0;
}
