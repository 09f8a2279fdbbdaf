/*
 * The replayer's segment decoder, in C: the same one-pass decode as src/replayer/decode.ts (the reference,
 * which tests compare this with on real and mutated streams), into the same flat arrays. TypeScript decodes
 * ~20M steps/s; the ABI checker must walk 20M+ steps/s including inflating and checking, which leaves the
 * decoder a few nanoseconds per step.
 *
 * The input is untrusted: every read is bounds-checked and every output index is checked against the
 * capacity the caller gave. On a malformed stream the function returns a negative code and the byte offset;
 * the caller re-runs the TypeScript decoder on it for the exact message.
 *
 * Numbers that hold addresses are doubles computed exactly as the TypeScript decoder computes them, so both
 * decoders agree bit for bit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_REGS 68
#define PC_SLOT 32
#define V0_SLOT 34
#define V31_SLOT 65
#define MAX_STEP_WRITES 64
#define MAX_OS_WRITE (1u << 24)
#define TWO32 4294967296.0
#define TWO64 18446744073709551616.0

enum { OP_STEP = 0, OP_OS = 1, OP_SWITCH = 2, OP_OS_WRITE = 3 };
enum { E_OK = 0, E_MALFORMED = -1, E_CAPACITY = -2 };

typedef struct wt_decode_io {
    /* In: declared steps, the keyframe's threads and their pcs, the thread on the CPU, capacities. */
    uint32_t steps;
    uint32_t nthreads;        /* entries used in tids/pcs; new threads are appended up to max_threads */
    uint32_t max_threads;
    int32_t key_tid;
    uint32_t cap_ops, cap_ch, cap_wr;
    int32_t *tids;
    double *pcs;
    /* Out. */
    uint8_t *op_kind; int32_t *op_arg; int32_t *op_prev; int32_t *op_tid; uint32_t *op_ch; uint32_t *op_wr;
    uint8_t *ch_reg; uint32_t *ch_val;
    double *wr_addr; uint32_t *wr_size; uint32_t *wr_data; uint32_t *wr_new; int32_t *wr_step; uint32_t *wr_op;
    uint32_t *step_op; int32_t *step_tid; double *step_pc; double *step_next_pc;
    uint32_t ops, nch, nwr, nsteps;
    uint32_t error_at;
} wt_decode_io;

/* LEB128 into lo/hi words; returns the position after it, or 0 with *bad set. */
static inline uint32_t varint(const uint8_t *d, uint32_t pos, uint32_t n, uint32_t *lo, uint32_t *hi, int *bad)
{
    uint64_t v = 0;
    for (int i = 0, shift = 0;; i++, shift += 7) {
        if (pos >= n || i == 10) { *bad = 1; return pos; }
        uint8_t b = d[pos++];
        if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    *lo = (uint32_t)v;
    *hi = (uint32_t)(v >> 32);
    return pos;
}

static inline void unzig(uint32_t *lo, uint32_t *hi)
{
    uint64_t z = ((uint64_t)*hi << 32) | *lo;
    uint64_t v = (z >> 1) ^ (0 - (z & 1));
    *lo = (uint32_t)v;
    *hi = (uint32_t)(v >> 32);
}

/* base + signed 64-bit (lo, hi), as decode.ts addSigned does it in doubles. */
static inline double add_signed(double base, uint32_t lo, uint32_t hi)
{
    double v = base + (double)(int32_t)hi * TWO32 + (double)lo;
    if (v < 0) v += TWO64;
    else if (v >= TWO64) v -= TWO64;
    return v;
}

static inline double u64_at(const uint8_t *d)
{
    double lo = (double)((uint32_t)d[0] | ((uint32_t)d[1] << 8) | ((uint32_t)d[2] << 16)) + (double)d[3] * 16777216.0;
    double hi = (double)((uint32_t)d[4] | ((uint32_t)d[5] << 8) | ((uint32_t)d[6] << 16)) + (double)d[7] * 16777216.0;
    return lo + hi * TWO32;
}

static int thread_slot(wt_decode_io *io, int32_t tid)
{
    for (uint32_t i = 0; i < io->nthreads; i++) if (io->tids[i] == tid) return (int)i;
    if (io->nthreads >= io->max_threads) return -1;
    io->tids[io->nthreads] = tid;
    io->pcs[io->nthreads] = 0;
    return (int)io->nthreads++;
}

#define FAIL(at) do { io->error_at = (at); return E_MALFORMED; } while (0)
#define NEED(k) do { if (pos + (k) > n) FAIL(pos); } while (0)

/*
 * The ABI checker's pass (src/replayer/abi/check.ts, checkPassJs, is the reference): the same record loop as the
 * decoder, but instead of filling arrays it keeps, per thread, only the registers a rule reads and emits a note
 * where a rule may fire or a callee-saved span opens or closes. The TypeScript side turns notes into violations.
 * Kept registers: X18, X19-X29, LR, SP, D8-D15 (low 64 bits), as the TypeScript pass keeps them.
 */
#define KEPT 22
static const int8_t KIDX[TRACE_REGS] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, /* x18..x29, lr (30), sp (31) */
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,          /* pc, nzcv, v0..v7 */
    14, 15, 16, 17, 18, 19, 20, 21,                  /* v8..v15 */
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};
#define K_X18 0
#define K_LR 12
#define K_SP 13

/* Note kinds; wt_check_take documents the layout. */
enum { N_CLOSE = 1, N_OPEN_CALLBACK = 2, N_THREAD_RETURN = 3, N_OPEN_STDCALL = 4, N_X18 = 5, N_SP = 6, N_TEB = 7, N_SP_WINDOWS = 8, N_TEB_BACK = 9 };
#define NOTE_WORDS 10

typedef struct pending { double lr; uint32_t id; } pending;

/* What outlives a segment, per thread: open spans, and the state the sp-aligned and teb-consistent rules keep. */
typedef struct tinfo {
    int32_t tid;
    uint8_t has_teb, misaligned, x18dirty;
    uint64_t teb;
    uint32_t depth, cap;
    pending *stack;
} tinfo;

typedef struct wt_check {
    /* Options, fixed at creation. */
    int want_x18, want_sp, want_teb, want_callee;
    double cb_lo, cb_hi, cb_size, stdcall_blr, thread_return;
    double *x18_writers; uint32_t nx18;
    /* Threads of the segment being checked: tid, pc (io->tids/pcs), kept registers, and their tinfo. */
    int32_t *tids; double *pcs; uint64_t *regs; uint32_t *info; uint32_t max_threads;
    tinfo *ti; uint32_t nti, cap_ti;
    uint32_t next_span;
    /* Notes of the segment being checked. */
    uint32_t *notes; double *note_pc; uint32_t nnotes, cap_notes;
    uint32_t *snaps; uint32_t nsnaps, cap_snaps;
    int oom;
    /* Per record: which kept registers the changes touched, and their values before. */
    int touched; uint64_t x18_before, sp_before;
    uint32_t cur;
} wt_check;

static uint32_t tinfo_of(wt_check *ck, int32_t tid)
{
    for (uint32_t i = 0; i < ck->nti; i++) if (ck->ti[i].tid == tid) return i;
    if (ck->nti == ck->cap_ti) {
        uint32_t cap = ck->cap_ti ? ck->cap_ti * 2 : 16;
        tinfo *t = realloc(ck->ti, cap * sizeof *t);
        if (!t) { ck->oom = 1; return 0; }
        ck->ti = t;
        ck->cap_ti = cap;
    }
    memset(&ck->ti[ck->nti], 0, sizeof ck->ti[0]);
    ck->ti[ck->nti].tid = tid;
    return ck->nti++;
}

static int grow_threads(wt_check *ck)
{
    uint32_t cap = ck->max_threads ? ck->max_threads * 2 : 64;
    int32_t *t = realloc(ck->tids, cap * sizeof *t);
    if (t) ck->tids = t;
    double *p = realloc(ck->pcs, cap * sizeof *p);
    if (p) ck->pcs = p;
    uint64_t *r = realloc(ck->regs, (size_t)cap * KEPT * sizeof *r);
    if (r) ck->regs = r;
    uint32_t *i = realloc(ck->info, cap * sizeof *i);
    if (i) ck->info = i;
    if (!t || !p || !r || !i) { ck->oom = 1; return -1; }
    ck->max_threads = cap;
    return 0;
}

/* A note of `kind` at `rel` (a step index, or the steps before a non-step record); its words 4-9 are zero. */
static uint32_t *note(wt_check *ck, uint32_t kind, uint32_t rel, int32_t tid, double pc)
{
    if (ck->nnotes == ck->cap_notes) {
        uint32_t cap = ck->cap_notes ? ck->cap_notes * 2 : 256;
        uint32_t *w = realloc(ck->notes, (size_t)cap * NOTE_WORDS * sizeof *w);
        if (w) ck->notes = w;
        double *p = realloc(ck->note_pc, cap * sizeof *p);
        if (p) ck->note_pc = p;
        if (!w || !p) { ck->oom = 1; return NULL; }
        ck->cap_notes = cap;
    }
    uint32_t *n = ck->notes + (size_t)ck->nnotes * NOTE_WORDS;
    memset(n, 0, NOTE_WORDS * sizeof *n);
    n[0] = kind;
    n[1] = rel;
    n[2] = (uint32_t)tid;
    ck->note_pc[ck->nnotes++] = pc;
    return n;
}

/* Stores the kept registers of thread slot `slot` as 2 words each; the note's word 9 is 1 + its index. */
static void snapshot(wt_check *ck, uint32_t *n, uint32_t slot)
{
    if (!n) return;
    if (ck->nsnaps == ck->cap_snaps) {
        uint32_t cap = ck->cap_snaps ? ck->cap_snaps * 2 : 64;
        uint32_t *w = realloc(ck->snaps, (size_t)cap * KEPT * 2 * sizeof *w);
        if (!w) { ck->oom = 1; return; }
        ck->snaps = w;
        ck->cap_snaps = cap;
    }
    uint32_t *w = ck->snaps + (size_t)ck->nsnaps * KEPT * 2;
    const uint64_t *r = ck->regs + (size_t)slot * KEPT;
    for (int k = 0; k < KEPT; k++) { w[2 * k] = (uint32_t)r[k]; w[2 * k + 1] = (uint32_t)(r[k] >> 32); }
    n[9] = ++ck->nsnaps;
}

static void put64(uint32_t *n, int at, uint64_t v)
{
    n[at] = (uint32_t)v;
    n[at + 1] = (uint32_t)(v >> 32);
}

static void push_span(wt_check *ck, tinfo *t, double lr, uint32_t id)
{
    if (t->depth == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 8;
        pending *s = realloc(t->stack, cap * sizeof *s);
        if (!s) { ck->oom = 1; return; }
        t->stack = s;
        t->cap = cap;
    }
    t->stack[t->depth].lr = lr;
    t->stack[t->depth++].id = id;
}

static int is_x18_writer(const wt_check *ck, double pc)
{
    uint32_t lo = 0, hi = ck->nx18;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (ck->x18_writers[mid] < pc) lo = mid + 1;
        else hi = mid;
    }
    return lo < ck->nx18 && ck->x18_writers[lo] == pc;
}

/* Before a step's changes: a return to the LR of the thread's innermost open span closes it; an entry opens one. */
static void check_step_before(wt_check *ck, uint32_t step, int32_t tid, double pc)
{
    if (!ck->want_callee) return;
    uint32_t slot = ck->cur;
    tinfo *t = &ck->ti[ck->info[slot]];
    if (t->depth > 0 && t->stack[t->depth - 1].lr == pc) {
        uint32_t *n = note(ck, N_CLOSE, step, tid, pc);
        if (n) n[3] = t->stack[--t->depth].id;
        snapshot(ck, n, slot);
    }
    if (pc >= ck->cb_lo && pc < ck->cb_hi && (uint64_t)(pc - ck->cb_lo) % (uint64_t)ck->cb_size == 0) {
        uint32_t id = ck->next_span++;
        const uint64_t lr = ck->regs[(size_t)slot * KEPT + K_LR];
        uint32_t *n = note(ck, N_OPEN_CALLBACK, step, tid, pc);
        if (n) n[3] = id;
        snapshot(ck, n, slot);
        push_span(ck, t, (double)(lr >> 32) * TWO32 + (double)(uint32_t)lr, id);
    } else if (pc == ck->thread_return) {
        snapshot(ck, note(ck, N_THREAD_RETURN, step, tid, pc), slot);
    }
}

/* After a step's changes: X18 and SP as the program left them, and a call out through asmstdcall's BLR. */
static void check_step_after(wt_check *ck, uint32_t step, int32_t tid, double pc)
{
    uint32_t slot = ck->cur;
    const uint64_t *r = ck->regs + (size_t)slot * KEPT;
    tinfo *t = &ck->ti[ck->info[slot]];
    if (ck->touched || ck->nx18) {
        int x18 = ck->touched & 1;
        /* Both rules read program writes of X18: x18-untouched reports them, teb-consistent follows what they left. */
        if ((ck->want_x18 || ck->want_teb) && (x18 || (ck->nx18 && is_x18_writer(ck, pc)))) {
            uint32_t *n = note(ck, N_X18, step, tid, pc);
            if (n) { put64(n, 4, x18 ? ck->x18_before : r[K_X18]); put64(n, 6, r[K_X18]); n[8] = (uint32_t)x18; }
        }
        if (x18) t->x18dirty = !(t->has_teb && r[K_X18] == t->teb);
        if (ck->touched & 2) {
            int aligned = (r[K_SP] & 15) == 0;
            if (!aligned && !t->misaligned) {
                t->misaligned = 1;
                if (ck->want_sp) {
                    uint32_t *n = note(ck, N_SP, step, tid, pc);
                    if (n) { put64(n, 4, ck->sp_before); put64(n, 6, r[K_SP]); }
                }
            } else if (aligned) t->misaligned = 0;
        }
    }
    if (ck->want_callee && pc == ck->stdcall_blr) {
        uint32_t id = ck->next_span++;
        uint32_t *n = note(ck, N_OPEN_STDCALL, step, tid, pc);
        if (n) n[3] = id;
        snapshot(ck, n, slot);
        push_span(ck, t, pc + 4, id);
    }
}

/* After an os or switch record's changes (steps_before: where it sits): X18 against the TEB, and SP alignment. */
static void check_os_after(wt_check *ck, uint32_t steps_before, int32_t tid, int is_switch, uint32_t sp_was)
{
    uint32_t slot = ck->cur;
    const uint64_t *r = ck->regs + (size_t)slot * KEPT;
    tinfo *t = &ck->ti[ck->info[slot]];
    if (t->has_teb) {
        if (r[K_X18] == t->teb) {
            if (t->x18dirty && ck->want_teb) note(ck, N_TEB_BACK, steps_before, tid, -1);
            t->x18dirty = 0;
        } else if (!t->x18dirty) {
            t->x18dirty = 1;
            if (ck->want_teb) {
                uint32_t *n = note(ck, N_TEB, steps_before, tid, -1);
                if (n) { put64(n, 4, t->teb); put64(n, 6, r[K_X18]); n[8] = (uint32_t)is_switch; }
            }
        }
    }
    if ((uint32_t)r[K_SP] != sp_was || is_switch) {
        int aligned = (r[K_SP] & 15) == 0;
        if (!aligned && !t->misaligned) {
            t->misaligned = 1;
            if (ck->want_sp) {
                uint32_t *n = note(ck, N_SP_WINDOWS, steps_before, tid, -1);
                if (n) { n[4] = sp_was; put64(n, 6, r[K_SP]); n[8] = (uint32_t)is_switch; }
            }
        } else if (aligned) t->misaligned = 0;
    }
}

/*
 * Finding a write (src/replayer/memory.ts lastWrite/nextWrite) in a segment that is not decoded: the record loop
 * with no arrays, looking at writes only. Backward: the last write before step record `limit` (FIND_ALL: the
 * whole segment); forward: the first write from step record `limit` on (FIND_ALL: from the start).
 */
#define FIND_ALL 0xffffffffu

typedef struct wt_find {
    double lo, hi;       /* the bytes [lo, hi) */
    uint32_t limit;
    int forward;
    /* Out: the write found (the latest so far, backward). */
    int found, is_os;
    uint32_t step;       /* a step's index in the segment; for the emulated Windows' write, the steps before it */
    int32_t tid;
    uint32_t old_at, new_at, size;
    double address;
    /*
     * Window mode (wt_window_writes), when bytes is set: every write is applied to the window instead, byte by
     * byte, with where it became visible (pos, relative to the segment's first step; -1: none): backward the
     * last new value before the limit, forward the old value of the first write from the limit on.
     */
    const uint8_t *d;
    uint8_t *bytes;
    double *pos;
    uint32_t len;
} wt_find;

/* Notes a write if it touches [lo, hi); returns 1 when the search is over (forward, one write: the first). */
static inline int found_write(wt_find *fw, double address, uint32_t size, uint32_t old_at, uint32_t new_at, uint32_t step, int32_t tid, int is_os)
{
    if (!(address < fw->hi && address + size > fw->lo)) return 0;
    fw->found = 1;
    if (fw->bytes) {
        double visible = is_os ? (double)step : (double)step + 1;
        for (uint32_t k = 0; k < size; k++) {
            double a = address + k;
            if (a < fw->lo || a >= fw->hi) continue;
            uint32_t j = (uint32_t)(a - fw->lo);
            /* Above 2^53 doubles round: lo + len may exceed the window by a rounding step. */
            if (j >= fw->len) continue;
            if (fw->forward && fw->pos[j] >= 0) continue;
            fw->bytes[j] = fw->d[(fw->forward ? old_at : new_at) + k];
            fw->pos[j] = visible;
        }
        return 0;
    }
    fw->is_os = is_os;
    fw->step = step;
    fw->tid = tid;
    fw->old_at = old_at;
    fw->new_at = new_at;
    fw->size = size;
    fw->address = address;
    return fw->forward;
}

/*
 * Reads `count` register changes; moves *pc for a PC change if moves_pc. Decoding: into ch_reg/ch_val from nch.
 * Checking (ck): applied to the current thread's kept registers, noting X18 and SP and their old values. Finding
 * a write: only read past.
 */
static inline __attribute__((always_inline)) int changes(wt_decode_io *io, wt_check *ck, int decoding, const uint8_t *d,
                                                         uint32_t *ppos, uint32_t n, uint32_t count, int moves_pc, double *pc)
{
    uint32_t pos = *ppos;
    if (decoding && io->nch + count > io->cap_ch) return E_CAPACITY;
    for (uint32_t i = 0; i < count; i++) {
        if (pos >= n) FAIL(pos);
        uint8_t reg = d[pos++];
        if (reg >= TRACE_REGS) FAIL(pos - 1);
        uint32_t lo, hi;
        int bad = 0;
        if (pos < n && d[pos] < 0x80) {
            uint8_t b = d[pos++];
            lo = (b & 1) ? ~(uint32_t)(b >> 1) : (uint32_t)(b >> 1);
            hi = (b & 1) ? 0xffffffffu : 0;
        } else {
            uint32_t at = pos;
            pos = varint(d, pos, n, &lo, &hi, &bad);
            if (bad) FAIL(at);
            unzig(&lo, &hi);
        }
        uint32_t lo2 = 0, hi2 = 0;
        if (reg >= V0_SLOT && reg <= V31_SLOT) {
            uint32_t at = pos;
            pos = varint(d, pos, n, &lo2, &hi2, &bad);
            if (bad) FAIL(at);
            unzig(&lo2, &hi2);
        }
        if (ck) {
            int k = KIDX[reg];
            if (k >= 0) {
                uint64_t *r = ck->regs + (size_t)ck->cur * KEPT + k;
                if (k == K_X18) { ck->touched |= 1; ck->x18_before = *r; }
                else if (k == K_SP) { ck->touched |= 2; ck->sp_before = *r; }
                *r += ((uint64_t)hi << 32) | lo;
            }
        } else if (decoding) {
            uint32_t c = io->nch * 4;
            io->ch_val[c] = lo;
            io->ch_val[c + 1] = hi;
            io->ch_val[c + 2] = lo2;
            io->ch_val[c + 3] = hi2;
            io->ch_reg[io->nch++] = reg;
        }
        if (moves_pc && reg == PC_SLOT) *pc = add_signed(*pc, lo, hi);
    }
    *ppos = pos;
    return E_OK;
}

/* The thread slot of tid, checking: its kept registers zeroed when new, its tinfo found. */
static inline __attribute__((always_inline)) int slot_of(wt_decode_io *io, wt_check *ck, int32_t tid)
{
    uint32_t before = io->nthreads;
    int slot = thread_slot(io, tid);
    if (ck && slot < 0) {
        /* The checker's table is its own: grow it and place the thread (the decoder's caller sized its table). */
        if (grow_threads(ck)) return -1;
        io->tids = ck->tids;
        io->pcs = ck->pcs;
        io->max_threads = ck->max_threads;
        slot = thread_slot(io, tid);
    }
    if (ck && slot >= 0) {
        if ((uint32_t)slot >= before) {
            memset(ck->regs + (size_t)slot * KEPT, 0, KEPT * sizeof(uint64_t));
            ck->info[slot] = tinfo_of(ck, tid);
        }
        ck->cur = (uint32_t)slot;
    }
    return slot;
}

/*
 * The last step write at each address in the segment: where its new bytes are and how many. A store flagged
 * "old bytes elided" (size byte bit 7) takes its old bytes from there (docs/trace-format.md, "Step stream").
 * Open addressing on the address's bits, grown at half load; size 0 marks an empty slot.
 */
typedef struct { uint64_t key; uint32_t new_at, size; } lw_slot;
typedef struct { lw_slot *s; uint32_t cap, n; } lw_table;

static inline uint64_t lw_key(double address) { uint64_t k; memcpy(&k, &address, 8); return k; }

static inline lw_slot *lw_find(const lw_table *t, uint64_t key)
{
    if (!t->s) return NULL;
    for (uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (t->cap - 1);; h = (h + 1) & (t->cap - 1)) {
        lw_slot *e = &t->s[h];
        if (e->size == 0 || e->key == key) return e;
    }
}

/* Notes the write's new bytes; returns 0 when out of memory. */
static int lw_put(lw_table *t, uint64_t key, uint32_t new_at, uint32_t size)
{
    if (2 * (t->n + 1) > t->cap) {
        uint32_t cap = t->cap ? 2 * t->cap : 4096;
        lw_slot *s = calloc(cap, sizeof *s);
        if (!s) return 0;
        lw_table g = { s, cap, t->n };
        for (uint32_t i = 0; i < t->cap; i++) if (t->s[i].size) *lw_find(&g, t->s[i].key) = t->s[i];
        free(t->s);
        *t = g;
    }
    lw_slot *e = lw_find(t, key);
    if (e->size == 0) t->n++;
    e->key = key;
    e->new_at = new_at;
    e->size = size;
    return 1;
}

/*
 * The record loop (docs/trace-format.md, "Step stream"), shared by the decoder (fills io's arrays), the checker
 * (ck: keeps registers and writes notes) and the write finder (fw: looks at writes only). Inlined into each
 * with constant arguments, so the decoder's copy carries no checking or finding code.
 */
static inline __attribute__((always_inline)) int run_records(const uint8_t *d, uint32_t n, wt_decode_io *io, wt_check *ck, wt_find *fw,
                                                             lw_table *lw)
{
    const int decoding = !ck && !fw;
    uint32_t pos = 0, step = 0;
    io->ops = io->nch = io->nwr = 0;
    int32_t tid = io->key_tid;
    /* Finding a write needs no thread table: only which thread is running. */
    int cur = fw ? 0 : slot_of(io, ck, tid);
    if (cur < 0) FAIL(0);
    double pc = io->pcs[cur];
    double last_write = 0;
    while (pos < n) {
        if (decoding && io->ops + 1 >= io->cap_ops) return E_CAPACITY;
        uint32_t op = io->ops;
        uint8_t tag = d[pos++];
        if (decoding) {
            io->op_ch[op] = io->nch;
            io->op_wr[op] = io->nwr;
            io->op_tid[op] = tid;
            io->op_prev[op] = 0;
        }
        if (tag < 0x80) {
            if (step >= io->steps) FAIL(pos - 1);
            if (fw && !fw->forward && step == fw->limit) return E_OK; /* writes from here on are after the position */
            if (ck) {
                ck->touched = 0;
                check_step_before(ck, step, tid, pc);
            } else if (decoding) {
                io->op_kind[op] = OP_STEP;
                io->op_arg[op] = (int32_t)step;
                io->step_op[step] = op;
                io->step_tid[step] = tid;
                io->step_pc[step] = pc;
            }
            io->ops++;
            double next = pc + 4;
            uint32_t mode = tag & 3, lo, hi;
            int bad = 0;
            if (mode == 1) {
                uint32_t at = pos;
                pos = varint(d, pos, n, &lo, &hi, &bad);
                if (bad) FAIL(at);
                unzig(&lo, &hi);
                next = add_signed(next, lo, hi);
            } else if (mode == 2) {
                NEED(8);
                next = u64_at(d + pos);
                pos += 8;
            } else if (mode == 3) FAIL(pos - 1);
            uint32_t count = (tag >> 2) & 15;
            if (count == 15) {
                uint32_t at = pos;
                pos = varint(d, pos, n, &lo, &hi, &bad);
                if (bad || hi != 0 || lo > TRACE_REGS) FAIL(bad ? at : pos);
                count = lo;
            }
            if (count) {
                int e = changes(io, ck, decoding, d, &pos, n, count, 0, &pc);
                if (e) return e;
            }
            if (tag & 0x40) {
                uint32_t at = pos, m;
                pos = varint(d, pos, n, &m, &hi, &bad);
                if (bad || hi != 0 || m > MAX_STEP_WRITES) FAIL(bad ? at : pos);
                if (decoding && io->nwr + m > io->cap_wr) return E_CAPACITY;
                for (uint32_t i = 0; i < m; i++) {
                    if (pos < n && d[pos] < 0x80) {
                        uint8_t b = d[pos++];
                        last_write += (b & 1) ? -(double)((b >> 1) + 1) : (double)(b >> 1);
                    } else {
                        uint32_t a0 = pos;
                        pos = varint(d, pos, n, &lo, &hi, &bad);
                        if (bad) FAIL(a0);
                        unzig(&lo, &hi);
                        last_write = add_signed(last_write, lo, hi);
                    }
                    if (pos >= n) FAIL(pos);
                    uint8_t sb = d[pos++];
                    uint32_t size = sb & 0x7fu, elided = sb >> 7;
                    if (size == 0 || size > 16) FAIL(pos - 1);
                    if ((uint64_t)pos + (2u - elided) * size > n) FAIL(pos);
                    uint32_t old_at = pos, new_at = pos + size;
                    if (lw) {
                        /* The checker reads no memory bytes: only the decoder and the finder need the table. */
                        uint64_t key = lw_key(last_write);
                        if (elided) {
                            const lw_slot *e = lw_find(lw, key);
                            if (!e || e->size != size) FAIL(pos - 1);
                            old_at = e->new_at;
                            new_at = pos;
                        }
                        if (!lw_put(lw, key, new_at, size)) return E_CAPACITY;
                    }
                    if (fw && (fw->forward ? fw->limit == FIND_ALL || step >= fw->limit : 1) && found_write(fw, last_write, size, old_at, new_at, step, tid, 0)) return E_OK;
                    if (decoding) {
                        uint32_t w = io->nwr++;
                        io->wr_addr[w] = last_write;
                        io->wr_size[w] = size;
                        io->wr_data[w] = old_at;
                        io->wr_new[w] = new_at;
                        io->wr_step[w] = (int32_t)step;
                        io->wr_op[w] = op;
                    }
                    pos += (2u - elided) * size;
                }
            }
            if (ck) check_step_after(ck, step, tid, pc);
            else if (decoding) io->step_next_pc[step] = next;
            pc = next;
            step++;
            continue;
        }
        if (tag == 0x80) {
            if (decoding) {
                io->op_kind[op] = OP_OS;
                io->op_arg[op] = 0;
            }
            io->ops++;
            uint32_t at = pos, count, hi;
            int bad = 0;
            pos = varint(d, pos, n, &count, &hi, &bad);
            if (bad || hi != 0 || count > TRACE_REGS) FAIL(bad ? at : pos);
            uint32_t sp_was = ck ? (uint32_t)ck->regs[(size_t)ck->cur * KEPT + K_SP] : 0;
            if (ck) ck->touched = 0;
            int e = changes(io, ck, decoding, d, &pos, n, count, 1, &pc);
            if (e) return e;
            if (ck) check_os_after(ck, step, tid, 0, sp_was);
            continue;
        }
        if (tag == 0x82) {
            uint32_t at = pos, next, hi, count;
            int bad = 0;
            pos = varint(d, pos, n, &next, &hi, &bad);
            if (bad || hi != 0) FAIL(bad ? at : pos);
            if (decoding) {
                io->op_kind[op] = OP_SWITCH;
                io->op_prev[op] = tid;
                io->op_tid[op] = (int32_t)next;
                io->op_arg[op] = (int32_t)next;
            }
            io->ops++;
            io->pcs[cur] = pc;
            tid = (int32_t)next;
            cur = fw ? 0 : slot_of(io, ck, tid);
            if (cur < 0) return E_CAPACITY;
            pc = io->pcs[cur];
            at = pos;
            pos = varint(d, pos, n, &count, &hi, &bad);
            if (bad || hi != 0 || count > TRACE_REGS) FAIL(bad ? at : pos);
            uint32_t sp_was = ck ? (uint32_t)ck->regs[(size_t)ck->cur * KEPT + K_SP] : 0;
            if (ck) ck->touched = 0;
            int e = changes(io, ck, decoding, d, &pos, n, count, 1, &pc);
            if (e) return e;
            if (ck) check_os_after(ck, step, tid, 1, sp_was);
            continue;
        }
        if (tag == 0x81) {
            NEED(8);
            double address = u64_at(d + pos);
            pos += 8;
            uint32_t at = pos, size, hi;
            int bad = 0;
            pos = varint(d, pos, n, &size, &hi, &bad);
            if (bad || hi != 0 || size > MAX_OS_WRITE) FAIL(bad ? at : pos);
            if ((uint64_t)pos + 2ull * size > n) FAIL(pos);
            if (fw && (fw->forward ? fw->limit == FIND_ALL || step > fw->limit : 1) && found_write(fw, address, size, pos, pos + size, step, tid, 1)) return E_OK;
            if (decoding) {
                if (io->nwr + 1 > io->cap_wr) return E_CAPACITY;
                io->op_kind[op] = OP_OS_WRITE;
                io->op_arg[op] = (int32_t)io->nwr;
                uint32_t w = io->nwr++;
                io->wr_addr[w] = address;
                io->wr_size[w] = size;
                io->wr_data[w] = pos;
                io->wr_new[w] = pos + size;
                io->wr_step[w] = -1;
                io->wr_op[w] = op;
            }
            io->ops++;
            pos += 2u * size;
            continue;
        }
        FAIL(pos - 1);
    }
    if (step != io->steps) FAIL(n);
    if (decoding) {
        io->op_ch[io->ops] = io->nch;
        io->op_wr[io->ops] = io->nwr;
    }
    io->nsteps = step;
    return ck && ck->oom ? E_CAPACITY : E_OK;
}

static inline __attribute__((always_inline)) int run(const uint8_t *d, uint32_t n, wt_decode_io *io, wt_check *ck, wt_find *fw)
{
    lw_table lw = { NULL, 0, 0 };
    int e = run_records(d, n, io, ck, fw, ck ? NULL : &lw);
    free(lw.s);
    return e;
}

/* int wt_decode(const uint8_t *data, uint32_t n, wt_decode_io *io); */
int wt_decode(const uint8_t *d, uint32_t n, wt_decode_io *io)
{
    return run(d, n, io, NULL, NULL);
}

/* sizeof(wt_decode_io), so the host lays out exactly what the decoder reads. uint32_t wt_decode_io_size(void); */
uint32_t wt_decode_io_size(void)
{
    return (uint32_t)sizeof(wt_decode_io);
}

/*
 * The entry point the host calls, with flat arrays (koffi pins typed arrays for the call's duration).
 * meta (u32, in/out): [0] steps, [1] nthreads, [2] max_threads, [3] key_tid, [4] cap_ops, [5] cap_ch, [6] cap_wr,
 *                     [7] ops, [8] nch, [9] nwr, [10] error_at.
 * int wt_decode_flat(const uint8_t *d, uint32_t n, uint32_t *meta, int32_t *tids, double *pcs, uint8_t *op_kind,
 *   int32_t *op_arg, int32_t *op_prev, int32_t *op_tid, uint32_t *op_ch, uint32_t *op_wr, uint8_t *ch_reg,
 *   uint32_t *ch_val, double *wr_addr, uint32_t *wr_size, uint32_t *wr_data, uint32_t *wr_new, int32_t *wr_step,
 *   uint32_t *wr_op, uint32_t *step_op, int32_t *step_tid, double *step_pc, double *step_next_pc);
 */
int wt_decode_flat(const uint8_t *d, uint32_t n, uint32_t *meta, int32_t *tids, double *pcs, uint8_t *op_kind,
                   int32_t *op_arg, int32_t *op_prev, int32_t *op_tid, uint32_t *op_ch, uint32_t *op_wr,
                   uint8_t *ch_reg, uint32_t *ch_val, double *wr_addr, uint32_t *wr_size, uint32_t *wr_data,
                   uint32_t *wr_new, int32_t *wr_step, uint32_t *wr_op, uint32_t *step_op, int32_t *step_tid, double *step_pc,
                   double *step_next_pc)
{
    wt_decode_io io;
    memset(&io, 0, sizeof io);
    io.steps = meta[0];
    io.nthreads = meta[1];
    io.max_threads = meta[2];
    io.key_tid = (int32_t)meta[3];
    io.cap_ops = meta[4];
    io.cap_ch = meta[5];
    io.cap_wr = meta[6];
    io.tids = tids; io.pcs = pcs;
    io.op_kind = op_kind; io.op_arg = op_arg; io.op_prev = op_prev; io.op_tid = op_tid; io.op_ch = op_ch; io.op_wr = op_wr;
    io.ch_reg = ch_reg; io.ch_val = ch_val;
    io.wr_addr = wr_addr; io.wr_size = wr_size; io.wr_data = wr_data; io.wr_new = wr_new; io.wr_step = wr_step; io.wr_op = wr_op;
    io.step_op = step_op; io.step_tid = step_tid; io.step_pc = step_pc; io.step_next_pc = step_next_pc;
    int e = wt_decode(d, n, &io);
    meta[7] = io.ops;
    meta[8] = io.nch;
    meta[9] = io.nwr;
    meta[10] = io.error_at;
    return e;
}

/*
 * The checker's entry points. wt_check_new's opts (doubles): [0..3] want x18-untouched, sp-aligned,
 * teb-consistent, callee-saved; [4] callback table start, [5] its end (-1 when absent), [6] entry size,
 * [7] asmstdcall's BLR, [8] the thread-return stub (-1 when absent). x18_writers: sorted addresses of
 * instructions that write X18 whatever the value (x18-writers.ts).
 * void *wt_check_new(const double *opts, const double *x18_writers, uint32_t nx18);
 */
void *wt_check_new(const double *opts, const double *x18_writers, uint32_t nx18)
{
    wt_check *ck = calloc(1, sizeof *ck);
    if (!ck) return NULL;
    ck->want_x18 = opts[0] != 0;
    ck->want_sp = opts[1] != 0;
    ck->want_teb = opts[2] != 0;
    ck->want_callee = opts[3] != 0;
    ck->cb_lo = opts[4];
    ck->cb_hi = opts[5];
    ck->cb_size = opts[6] > 0 ? opts[6] : 1;
    ck->stdcall_blr = opts[7];
    ck->thread_return = opts[8];
    if (nx18) {
        ck->x18_writers = malloc(nx18 * sizeof(double));
        if (!ck->x18_writers) { free(ck); return NULL; }
        memcpy(ck->x18_writers, x18_writers, nx18 * sizeof(double));
        ck->nx18 = nx18;
    }
    return ck;
}

/* void wt_check_free(void *h); */
void wt_check_free(void *h)
{
    wt_check *ck = h;
    if (!ck) return;
    for (uint32_t i = 0; i < ck->nti; i++) free(ck->ti[i].stack);
    free(ck->ti);
    free(ck->x18_writers);
    free(ck->tids); free(ck->pcs); free(ck->regs); free(ck->info);
    free(ck->notes); free(ck->note_pc); free(ck->snaps);
    free(ck);
}

/* A thread's TEB, once known (the header's threads, then thread-created events). void wt_check_teb(void *h, int32_t tid, uint32_t lo, uint32_t hi); */
void wt_check_teb(void *h, int32_t tid, uint32_t lo, uint32_t hi)
{
    wt_check *ck = h;
    uint32_t i = tinfo_of(ck, tid); /* may move ck->ti: index it after */
    if (ck->oom) return;
    tinfo *t = &ck->ti[i];
    t->has_teb = 1;
    t->teb = ((uint64_t)hi << 32) | lo;
}

static uint64_t le64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    return v;
}

/*
 * Checks one segment. regs: the keyframe's threads, TRACE_REGS * 16 bytes each (codec.ts packRegs), tids their
 * ids. meta (u32): in [0] steps, [1] keyframe threads, [2] key tid; out [3] notes, [4] snapshots, [5] error_at.
 * Returns 0, E_MALFORMED (the caller decodes the segment in TypeScript for the message) or E_CAPACITY (no memory).
 * int wt_check_segment(void *h, const uint8_t *d, uint32_t n, uint32_t *meta, const int32_t *tids, const uint8_t *regs);
 */
int wt_check_segment(void *h, const uint8_t *d, uint32_t n, uint32_t *meta, const int32_t *tids, const uint8_t *regs)
{
    wt_check *ck = h;
    uint32_t nk = meta[1];
    while (ck->max_threads < nk + 1) if (grow_threads(ck)) return E_CAPACITY;
    ck->nnotes = ck->nsnaps = 0;
    for (uint32_t t = 0; t < nk; t++) {
        const uint8_t *b = regs + (size_t)t * TRACE_REGS * 16;
        ck->tids[t] = tids[t];
        uint32_t pc_lo = (uint32_t)le64(b + PC_SLOT * 16), pc_hi = (uint32_t)(le64(b + PC_SLOT * 16) >> 32);
        ck->pcs[t] = (double)pc_hi * TWO32 + (double)pc_lo;
        for (int s = 0; s < TRACE_REGS; s++) if (KIDX[s] >= 0) ck->regs[(size_t)t * KEPT + KIDX[s]] = le64(b + s * 16);
        ck->info[t] = tinfo_of(ck, tids[t]);
    }
    if (ck->oom) return E_CAPACITY;
    wt_decode_io io;
    memset(&io, 0, sizeof io);
    io.steps = meta[0];
    io.nthreads = nk;
    io.max_threads = ck->max_threads;
    io.key_tid = (int32_t)meta[2];
    io.tids = ck->tids;
    io.pcs = ck->pcs;
    int e = run(d, n, &io, ck, NULL);
    meta[3] = ck->nnotes;
    meta[4] = ck->nsnaps;
    meta[5] = io.error_at;
    return e;
}

/*
 * Copies out the last segment's notes. Each note is NOTE_WORDS u32: [0] kind, [1] step index in the segment
 * (for os and switch records: the steps before them), [2] tid, [3] span id (open/close), [4..5] a value before,
 * [6..7] a value after, [8] a flag (N_X18: the changes wrote X18; N_TEB, N_SP_WINDOWS: at a switch), [9] 1 + its
 * snapshot's index, or 0. pcs: each note's pc (-1 for os and switch records). snaps: KEPT registers in KIDX order,
 * 2 words each. void wt_check_take(void *h, uint32_t *notes, double *pcs, uint32_t *snaps);
 */
void wt_check_take(void *h, uint32_t *notes, double *pcs, uint32_t *snaps)
{
    wt_check *ck = h;
    memcpy(notes, ck->notes, (size_t)ck->nnotes * NOTE_WORDS * sizeof *notes);
    memcpy(pcs, ck->note_pc, (size_t)ck->nnotes * sizeof *pcs);
    memcpy(snaps, ck->snaps, (size_t)ck->nsnaps * KEPT * 2 * sizeof *snaps);
}

/* Runs the record loop over a stream to find writes: meta [0] steps, [1] key tid, [2] limit, [3] forward. */
static int find_run(const uint8_t *d, uint32_t n, const uint32_t *meta, wt_find *fw, uint32_t *error_at)
{
    fw->limit = meta[2];
    fw->forward = meta[3] != 0;
    /* The loop keeps one pc slot (run() uses slot 0 when finding): pcs do not locate writes. */
    int32_t tids[1] = { 0 };
    double pcs[1] = { 0 };
    wt_decode_io io;
    memset(&io, 0, sizeof io);
    io.steps = meta[0];
    io.key_tid = (int32_t)meta[1];
    io.tids = tids;
    io.pcs = pcs;
    io.max_threads = 1;
    int e = run(d, n, &io, NULL, fw);
    *error_at = io.error_at;
    return e;
}

/*
 * Finds a write touching [range[0], range[1]) in a segment's stream without decoding it into arrays.
 * meta (u32): in [0] steps, [1] key tid, [2] limit (a step index, or FIND_ALL), [3] 1 forward / 0 backward;
 * out [4] found, [5] 1 when the emulated Windows wrote, [6] step (or steps before the write), [7] tid,
 * [8] offset of the old bytes in the stream, [9] size, [10] error_at, [11] offset of the new bytes (after the old
 * ones, or elsewhere when the old bytes were elided). range[2] (out): the write's address. Returns 0 or E_MALFORMED.
 * int wt_find_write(const uint8_t *d, uint32_t n, uint32_t *meta, double *range);
 */
int wt_find_write(const uint8_t *d, uint32_t n, uint32_t *meta, double *range)
{
    wt_find fw;
    memset(&fw, 0, sizeof fw);
    fw.lo = range[0];
    fw.hi = range[1];
    int e = find_run(d, n, meta, &fw, &meta[10]);
    meta[4] = (uint32_t)fw.found;
    meta[5] = (uint32_t)fw.is_os;
    meta[6] = fw.step;
    meta[7] = (uint32_t)fw.tid;
    meta[8] = fw.old_at;
    meta[9] = fw.size;
    meta[11] = fw.new_at;
    range[2] = fw.address;
    return e;
}

/*
 * Applies a segment's writes to the window [lo, lo + len) without decoding the segment: bytes and pos as wt_find
 * describes (pos must come in as -1 everywhere). meta: in as wt_find_write's; out [4] 1 when some write touched
 * the window, [10] error_at. Returns 0 or E_MALFORMED.
 * int wt_window_writes(const uint8_t *d, uint32_t n, uint32_t *meta, double lo, uint32_t len, uint8_t *bytes, double *pos);
 */
int wt_window_writes(const uint8_t *d, uint32_t n, uint32_t *meta, double lo, uint32_t len, uint8_t *bytes, double *pos)
{
    wt_find fw;
    memset(&fw, 0, sizeof fw);
    fw.lo = lo;
    fw.hi = lo + len;
    fw.len = len;
    fw.d = d;
    fw.bytes = bytes;
    fw.pos = pos;
    int e = find_run(d, n, meta, &fw, &meta[10]);
    meta[4] = (uint32_t)fw.found;
    return e;
}
