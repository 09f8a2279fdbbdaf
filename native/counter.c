/*
 * Instruction counting in C, installed as a Unicorn code hook. It does two jobs a JS hook cannot afford:
 * the exact count of executed instructions (virtual time and scheduler quanta depend on it), and keeping
 * Unicorn's pc exact at every instruction (without a code hook Unicorn 2.0.1 reports a fault at the start of the
 * translated block, unicorn#1699). Loaded through koffi; built by scripts/build-native.sh.
 */
#include <stdint.h>
#include <unicorn/unicorn.h>

typedef struct wt_counter {
    uint64_t executed; /* instructions that started executing */
    uint64_t budget;   /* stop before executing the instruction that would exceed this; 0 = none */
    uint64_t last_pc;  /* address of the last instruction that started */
    uint64_t stopped_by_budget;
    uint64_t disabled; /* a tracer (native/trace.c) counts instead while it is attached */
    uint64_t stop_now; /* the host asked to stop: honoured before the next instruction runs */
} wt_counter;

static void wt_on_code(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)
{
    wt_counter *c = (wt_counter *)user_data;
    (void)size;
    if (c->disabled) return;
    /* uc_emu_stop from an interrupt hook is ignored by Unicorn 2.0.1 (measured: a BRK whose hook stopped the
       run executed again until the instruction budget ran out), so the host also raises this flag. */
    if (c->stop_now) {
        c->stop_now = 0;
        uc_emu_stop(uc);
        return;
    }
    if (c->budget != 0 && c->executed >= c->budget) {
        c->stopped_by_budget = 1;
        uc_emu_stop(uc);
        return;
    }
    c->executed++;
    c->last_pc = address;
}

/* uc_err wt_counter_install(uc_engine *uc, uc_hook *hh, wt_counter *counter); */
uc_err wt_counter_install(uc_engine *uc, uc_hook *hh, wt_counter *counter)
{
    return uc_hook_add(uc, hh, UC_HOOK_CODE, (void *)wt_on_code, counter, 1, 0);
}
