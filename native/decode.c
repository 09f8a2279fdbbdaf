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
    double *wr_addr; uint32_t *wr_size; uint32_t *wr_data; int32_t *wr_step; uint32_t *wr_op;
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

/* Reads `count` register changes into ch_reg/ch_val from nch; moves *pc for a PC change if moves_pc. */
static int changes(wt_decode_io *io, const uint8_t *d, uint32_t *ppos, uint32_t n, uint32_t count, int moves_pc, double *pc)
{
    uint32_t pos = *ppos;
    if (io->nch + count > io->cap_ch) return E_CAPACITY;
    for (uint32_t i = 0; i < count; i++) {
        if (pos >= n) FAIL(pos);
        uint8_t reg = d[pos++];
        if (reg >= TRACE_REGS) FAIL(pos - 1);
        uint32_t k = io->nch * 4, lo, hi;
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
        io->ch_val[k] = lo;
        io->ch_val[k + 1] = hi;
        if (reg >= V0_SLOT && reg <= V31_SLOT) {
            uint32_t at = pos, lo2, hi2;
            pos = varint(d, pos, n, &lo2, &hi2, &bad);
            if (bad) FAIL(at);
            unzig(&lo2, &hi2);
            io->ch_val[k + 2] = lo2;
            io->ch_val[k + 3] = hi2;
        } else {
            io->ch_val[k + 2] = 0;
            io->ch_val[k + 3] = 0;
        }
        io->ch_reg[io->nch++] = reg;
        if (moves_pc && reg == PC_SLOT) *pc = add_signed(*pc, lo, hi);
    }
    *ppos = pos;
    return E_OK;
}

/* int wt_decode(const uint8_t *data, uint32_t n, wt_decode_io *io); */
int wt_decode(const uint8_t *d, uint32_t n, wt_decode_io *io)
{
    uint32_t pos = 0, step = 0;
    io->ops = io->nch = io->nwr = 0;
    int32_t tid = io->key_tid;
    int cur = thread_slot(io, tid);
    if (cur < 0) FAIL(0);
    double pc = io->pcs[cur];
    double last_write = 0;
    while (pos < n) {
        if (io->ops + 1 >= io->cap_ops) return E_CAPACITY;
        uint32_t op = io->ops;
        uint8_t tag = d[pos++];
        io->op_ch[op] = io->nch;
        io->op_wr[op] = io->nwr;
        io->op_tid[op] = tid;
        io->op_prev[op] = 0;
        if (tag < 0x80) {
            if (step >= io->steps) FAIL(pos - 1);
            io->op_kind[op] = OP_STEP;
            io->op_arg[op] = (int32_t)step;
            io->step_op[step] = op;
            io->step_tid[step] = tid;
            io->step_pc[step] = pc;
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
                int e = changes(io, d, &pos, n, count, 0, &pc);
                if (e) return e;
            }
            if (tag & 0x40) {
                uint32_t at = pos, m;
                pos = varint(d, pos, n, &m, &hi, &bad);
                if (bad || hi != 0 || m > MAX_STEP_WRITES) FAIL(bad ? at : pos);
                if (io->nwr + m > io->cap_wr) return E_CAPACITY;
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
                    uint8_t size = d[pos++];
                    if (size == 0 || size > 16) FAIL(pos - 1);
                    if ((uint64_t)pos + 2u * size > n) FAIL(pos);
                    uint32_t w = io->nwr++;
                    io->wr_addr[w] = last_write;
                    io->wr_size[w] = size;
                    io->wr_data[w] = pos;
                    io->wr_step[w] = (int32_t)step;
                    io->wr_op[w] = op;
                    pos += 2u * size;
                }
            }
            io->step_next_pc[step] = next;
            pc = next;
            step++;
            continue;
        }
        if (tag == 0x80) {
            io->op_kind[op] = OP_OS;
            io->op_arg[op] = 0;
            io->ops++;
            uint32_t at = pos, count, hi;
            int bad = 0;
            pos = varint(d, pos, n, &count, &hi, &bad);
            if (bad || hi != 0 || count > TRACE_REGS) FAIL(bad ? at : pos);
            int e = changes(io, d, &pos, n, count, 1, &pc);
            if (e) return e;
            continue;
        }
        if (tag == 0x82) {
            uint32_t at = pos, next, hi, count;
            int bad = 0;
            pos = varint(d, pos, n, &next, &hi, &bad);
            if (bad || hi != 0) FAIL(bad ? at : pos);
            io->op_kind[op] = OP_SWITCH;
            io->op_prev[op] = tid;
            io->op_tid[op] = (int32_t)next;
            io->op_arg[op] = (int32_t)next;
            io->ops++;
            io->pcs[cur] = pc;
            tid = (int32_t)next;
            cur = thread_slot(io, tid);
            if (cur < 0) return E_CAPACITY;
            pc = io->pcs[cur];
            at = pos;
            pos = varint(d, pos, n, &count, &hi, &bad);
            if (bad || hi != 0 || count > TRACE_REGS) FAIL(bad ? at : pos);
            int e = changes(io, d, &pos, n, count, 1, &pc);
            if (e) return e;
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
            if (io->nwr + 1 > io->cap_wr) return E_CAPACITY;
            io->op_kind[op] = OP_OS_WRITE;
            io->op_arg[op] = (int32_t)io->nwr;
            io->ops++;
            uint32_t w = io->nwr++;
            io->wr_addr[w] = address;
            io->wr_size[w] = size;
            io->wr_data[w] = pos;
            io->wr_step[w] = -1;
            io->wr_op[w] = op;
            pos += 2u * size;
            continue;
        }
        FAIL(pos - 1);
    }
    if (step != io->steps) FAIL(n);
    io->op_ch[io->ops] = io->nch;
    io->op_wr[io->ops] = io->nwr;
    io->nsteps = step;
    return E_OK;
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
 *   uint32_t *ch_val, double *wr_addr, uint32_t *wr_size, uint32_t *wr_data, int32_t *wr_step, uint32_t *wr_op,
 *   uint32_t *step_op, int32_t *step_tid, double *step_pc, double *step_next_pc);
 */
int wt_decode_flat(const uint8_t *d, uint32_t n, uint32_t *meta, int32_t *tids, double *pcs, uint8_t *op_kind,
                   int32_t *op_arg, int32_t *op_prev, int32_t *op_tid, uint32_t *op_ch, uint32_t *op_wr,
                   uint8_t *ch_reg, uint32_t *ch_val, double *wr_addr, uint32_t *wr_size, uint32_t *wr_data,
                   int32_t *wr_step, uint32_t *wr_op, uint32_t *step_op, int32_t *step_tid, double *step_pc,
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
    io.wr_addr = wr_addr; io.wr_size = wr_size; io.wr_data = wr_data; io.wr_step = wr_step; io.wr_op = wr_op;
    io.step_op = step_op; io.step_tid = step_tid; io.step_pc = step_pc; io.step_next_pc = step_next_pc;
    int e = wt_decode(d, n, &io);
    meta[7] = io.ops;
    meta[8] = io.nch;
    meta[9] = io.nwr;
    meta[10] = io.error_at;
    return e;
}
