/*
 * The per-instruction trace path, in C: a Unicorn code hook and memory-write hook that append compact step
 * records to a buffer the TypeScript recorder drains, so nothing calls into JavaScript per instruction.
 *
 * Register changes are found by diffing against a shadow copy. Reading every register costs ~90 ns per
 * instruction through uc_reg_read_batch (measured: 11M instructions/s with nothing else), and even the few an
 * encoding can write cost ~100 ns through uc_reg_read. So the hook reads X0-X30, SP and the flags straight from
 * Unicorn's CPU state, located and checked against uc_reg_read when the tracer is attached (probe_direct;
 * WINTRACE_NO_DIRECT=1 or any failed check falls back to uc_reg_read), and compares all of them after every
 * instruction. The V registers and FPSR are re-read only for SIMD/FP encodings, at the encoding's fields: the
 * Rd/Rt (4:0), Rn (9:5), Rt2/Ra (14:10) fields (four from Rt for LD1-LD4). Changes are emitted in the order of
 * the encoding's candidate registers (Rd, Rn, Rt2, Rs, X30, SP, NZCV, ...), then any others, so the stream is
 * the same with or without direct access. The emulated Windows changes registers between instructions (API
 * results, context switches, exception dispatch): it calls wt_trace_resync, which compares every register.
 * Each segment opens with a keyframe of all registers, and the round-trip test checks rebuilt state against the
 * emulator, so a write this heuristic missed cannot go unnoticed.
 *
 * Stream (all integers little-endian; varints are LEB128, signed ones zigzag):
 *   step   : u8 tag < 0x80: bits 1:0 pc (0 = previous pc + 4, 1 = varint delta from that, 2 = u64),
 *            bits 5:2 register changes (15 = varint count follows), bit 6 = memory writes follow
 *            [pc] [count] {u8 reg, value} {varint n, {varint zigzag address delta, u8 size, [old[size]], new[size]}}
 *            value: 64-bit registers as zigzag varint of (new - old); V registers as two (low, high)
 *            size bit 7 (elided old bytes): old[] is left out because it equals new[] of the segment's previous
 *            step write at the same address, which had the same size (a loop variable stored again and again).
 *            The decoders keep the last step write per address from the segment's start (os writes do not count);
 *            the recorder's table is lossy, so it only elides where it still knows that write and compared the bytes.
 *   os     : u8 0x80, varint nregs, {u8 reg, value}      registers the emulated Windows changed
 *   oswrite: u8 0x81, u64 address, varint size, old[size], new[size]
 *   switch : u8 0x82, varint tid, varint nregs, {u8 reg, value}
 *            the scheduler put thread `tid` on the CPU; values are differences from that thread's registers
 *            when it last left the CPU (or from the segment's keyframe, or from zero for a thread that never
 *            ran), i.e. exactly what the emulated Windows changed while it was off the CPU (SetThreadContext)
 * Register numbers follow src/arch/arm64.ts: x0..x30 = 0..30, sp 31, pc 32, nzcv 33, v0..v31 34..65, fpcr 66,
 * fpsr 67.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <unicorn/unicorn.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define NREGS 68
#define REG_SP 31
#define REG_PC 32
#define REG_NZCV 33
#define REG_V0 34
#define REG_FPCR 66
#define REG_FPSR 67
#define MAX_STEP_WRITES 64
#define PAGE_SET 8192
#define ICACHE 65536
#define PAGE_SET_MAX 6000
/* A segment's Bloom filter of written 8-byte words: 4096 bits, 3 hashes. A segment writes a few hundred
 * distinct words (measured: std-1000goroutines), about 3% false positives; "last write to this address" then
 * decodes the segment that wrote it, not every segment that wrote its page (a p95 of 249 segments). */
#define WORD_BLOOM_WORDS 128
#define BYTE_BLOOM_WORDS 32 /* 2,048 bits: src/recorder/tracer.ts BYTE_BLOOM_WORDS */
/* Direct-mapped table of the segment's last store at each address (see "elided old bytes" above). */
#define LAST_BITS 12
#define LAST_SLOTS (1u << LAST_BITS)

/* The engine's instruction counter (native/counter.c): while a tracer is attached it counts and enforces the
 * budget itself, so one hook decides whether an instruction runs and both counts agree. */
typedef struct wt_counter {
    uint64_t executed;
    uint64_t budget;
    uint64_t last_pc;
    uint64_t stopped_by_budget;
    uint64_t disabled;
    uint64_t stop_now;
} wt_counter;

#define HM_BITS 12
#define HM_SIZE (1u << HM_BITS)
#define HM_BLOCK_SHIFT 24 /* host-pages.ts BLOCK: 16 MiB */
#define HM_TOMB UINT64_MAX

typedef struct wt_tracer {
    /* Fields shared with TypeScript, u64 each (read through a BigUint64Array). */
    uint64_t steps;          /* instructions recorded since the tracer was attached */
    uint64_t used;           /* bytes of `buf` in use */
    uint64_t capacity;       /* bytes of `buf` */
    uint64_t high_water;     /* past this many bytes the hook stops the engine so the host can drain */
    uint64_t paused;         /* 1 when the hook stopped the engine for a drain */
    uint64_t regmask[2];     /* registers changed by steps since the host last cleared it (bit = slot) */
    uint64_t npages;         /* distinct pages written since the host last cleared the set (see pages) */
    uint64_t pages_overflow; /* 1 when more than PAGE_SET pages were written: the set is incomplete */
    uint64_t pages[8192];    /* open-addressing set of page numbers + 1 (0 = empty) */
    uint64_t switchmask[2];  /* registers the last switch record changed (the host folds them per thread) */
    uint64_t bloom[WORD_BLOOM_WORDS]; /* Bloom filter of the 8-byte words written since the host cleared it */
    uint64_t direct;         /* 1: registers read directly from Unicorn's CPU state; 0: uc_reg_read; 2: a check failed */
    uint64_t recording;      /* 0 while paused (wt_trace_pause): the hooks only count instructions */
    uint64_t calls_open;     /* calls (BL, BLR) recorded since the host cleared the index and not yet returned from */
    uint64_t calls_unret;    /* returns (RET) recorded since then with no call before them to match */
    uint64_t lines[8192];    /* per slot of `pages`: the page's 64-byte lines written (bit k = bytes 64k..64k+63) */
    uint64_t bytebloom[BYTE_BLOOM_WORDS]; /* Bloom filter of the bytes written by stores covering part of a word */
    /* Private. */
    uint8_t *buf;
    uc_engine *uc;
    wt_counter *counter;
    uint64_t prev_pc;        /* pc of the previous step; next sequential pc is prev_pc + 4 */
    uint64_t last_write;     /* address of the previous memory write, for delta coding */
    int have_prev;
    uint32_t prev_word;      /* instruction word of the previous step */
    uint64_t shadow[NREGS][2];
    uint64_t xs[32];         /* shadow[0..31][0] again, contiguous, for the direct compare */
    /* Memory writes of the step in progress, captured by the write hook before they happen. */
    int nwrites;
    struct { uint64_t addr; uint32_t size; uint8_t old[16]; uint8_t new_[16]; } writes[MAX_STEP_WRITES];
    /* The segment's last store at each address, by hash of the address (size 0: empty). A later store of the same
       size there whose old bytes equal this one's new bytes leaves them out of the stream. */
    struct { uint64_t addr; uint32_t size; uint8_t new_[16]; } last[LAST_SLOTS];
    /* Instructions whose stores Unicorn may not report through the write hook (DC ZVA, exclusives, atomics):
       the bytes at their target are captured before and compared after. */
    int watch;
    uint64_t watch_addr;
    uint32_t watch_size;
    uint8_t watch_old[64];
    int uc_ids[NREGS];
    /* Direct access to Unicorn's CPU state (found and validated by probe_direct; 0 = use uc_reg_read). */
    const uint64_t *dx;      /* &xregs[0]; xregs[31] is SP */
    const uint32_t *dflags[4]; /* NF, ZF, CF, VF */
    const uint8_t *dv;       /* &V0 low half */
    uint64_t dv_stride;      /* bytes between V registers */
    /* Instruction words by address (direct-mapped); a write to a cached address drops its entry. */
    struct { uint64_t addr; uint32_t word; } icache[ICACHE];
    /* Guest memory's host blocks (src/recorder/engine/host-pages.ts): open addressing from block number + 1 to the
       block's host address, so a store's old bytes are a memcpy instead of a uc_mem_read. */
    uint64_t hm_key[HM_SIZE];
    uint8_t *hm_host[HM_SIZE];
} wt_tracer;


static void put_u8(wt_tracer *t, uint8_t v) { t->buf[t->used++] = v; }
static void put_u64(wt_tracer *t, uint64_t v) { memcpy(t->buf + t->used, &v, 8); t->used += 8; }
static void put_varint(wt_tracer *t, uint64_t v)
{
    while (v >= 0x80) { t->buf[t->used++] = (uint8_t)(v | 0x80); v >>= 7; }
    t->buf[t->used++] = (uint8_t)v;
}
static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static void put_bytes(wt_tracer *t, const uint8_t *p, uint32_t n) { memcpy(t->buf + t->used, p, n); t->used += n; }

static void init_ids(wt_tracer *t)
{
    for (int i = 0; i <= 28; i++) t->uc_ids[i] = UC_ARM64_REG_X0 + i;
    t->uc_ids[29] = UC_ARM64_REG_X29;
    t->uc_ids[30] = UC_ARM64_REG_X30;
    t->uc_ids[REG_SP] = UC_ARM64_REG_SP;
    t->uc_ids[REG_PC] = UC_ARM64_REG_PC;
    t->uc_ids[REG_NZCV] = UC_ARM64_REG_NZCV;
    for (int i = 0; i < 32; i++) t->uc_ids[REG_V0 + i] = UC_ARM64_REG_V0 + i;
    t->uc_ids[REG_FPCR] = UC_ARM64_REG_FPCR;
    t->uc_ids[REG_FPSR] = UC_ARM64_REG_FPSR;
}

static uint32_t direct_nzcv(const wt_tracer *t)
{
    return (*t->dflags[0] & 0x80000000u) | ((*t->dflags[1] == 0) << 30) | ((*t->dflags[2] & 1u) << 29) |
           ((*t->dflags[3] & 0x80000000u) >> 3);
}

/* The register as uc_reg_read reports it (NZCV/FPCR/FPSR as 32 bits). */
static void read_reg_uc(wt_tracer *t, int r, uint64_t out[2])
{
    out[0] = out[1] = 0;
    uc_reg_read(t->uc, t->uc_ids[r], out);
    if (r == REG_NZCV || r == REG_FPCR || r == REG_FPSR) out[0] &= 0xffffffffu;
}

static void read_reg(wt_tracer *t, int r, uint64_t out[2])
{
    if (t->dx) {
        if (r <= REG_SP) { out[0] = t->dx[r]; out[1] = 0; return; }
        if (r == REG_NZCV) { out[0] = direct_nzcv(t); out[1] = 0; return; }
        if (r >= REG_V0 && r < REG_V0 + 32) { memcpy(out, t->dv + (uint64_t)(r - REG_V0) * t->dv_stride, 16); return; }
    }
    out[0] = out[1] = 0;
    uc_reg_read(t->uc, t->uc_ids[r], out);
    if (r == REG_NZCV || r == REG_FPCR || r == REG_FPSR) out[0] &= 0xffffffffu;
}

/* Appends the change of r to v (which differs from the shadow). */
static void put_change(wt_tracer *t, int r, const uint64_t v[2])
{
    put_u8(t, (uint8_t)r);
    put_varint(t, zigzag((int64_t)(v[0] - t->shadow[r][0])));
    if (r >= REG_V0 && r < REG_V0 + 32) put_varint(t, zigzag((int64_t)(v[1] - t->shadow[r][1])));
    t->shadow[r][0] = v[0];
    t->shadow[r][1] = v[1];
    if (r <= REG_SP) t->xs[r] = v[0];
    t->regmask[r >> 6] |= 1ull << (r & 63);
}

/* Bit r set when x[r] != xs[r], r < 32. */
static uint64_t changed_x(const uint64_t *x, const uint64_t *xs)
{
    uint64_t diff = 0;
#ifdef __SSE2__
    for (int i = 0; i < 32; i += 4) {
        __m128i a0 = _mm_loadu_si128((const __m128i *)(x + i)), b0 = _mm_loadu_si128((const __m128i *)(xs + i));
        __m128i a1 = _mm_loadu_si128((const __m128i *)(x + i + 2)), b1 = _mm_loadu_si128((const __m128i *)(xs + i + 2));
        uint32_t eq = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a0, b0)) | ((uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a1, b1)) << 16);
        if (eq == 0xffffffffu) continue;
        for (int k = 0; k < 4; k++) if (((eq >> (8 * k)) & 0xff) != 0xff) diff |= 1ull << (i + k);
    }
#else
    for (int r = 0; r < 32; r++) diff |= (uint64_t)(x[r] != xs[r]) << r;
#endif
    return diff;
}

static void sync_xs(wt_tracer *t)
{
    for (int r = 0; r <= REG_SP; r++) t->xs[r] = t->shadow[r][0];
}

/* Appends "reg changed" for r if it differs from the shadow; returns 1 when it did. */
static int diff_reg(wt_tracer *t, int r)
{
    uint64_t v[2];
    read_reg(t, r, v);
    if (v[0] == t->shadow[r][0] && v[1] == t->shadow[r][1]) return 0;
    put_change(t, r, v);
    return 1;
}

/* Is this an encoding in the SIMD/FP space (data processing or loads/stores with the V bit)? */
static int is_simd(uint32_t w)
{
    if ((w & 0x0e000000u) == 0x0e000000u) return 1;            /* op0 x111: data processing SIMD & FP */
    if ((w & 0x0a000000u) == 0x08000000u && (w & 0x04000000u)) return 1; /* loads/stores with V = 1 */
    return 0;
}

/* Registers the previous instruction may have written, as a small set (duplicates are harmless). *exact is set
 * for encodings that architecturally write only these (no other register, not the flags): the direct compare of
 * every register can be skipped for them. */
static int candidates(uint32_t w, int *out, int *exact)
{
    int n = 0;
    /* Encodings that write no register at all, or only X30: most branches and plain stores. */
    *exact = 1;
    if ((w & 0xfc000000u) == 0x14000000u) return 0;                    /* B */
    if ((w & 0xfc000000u) == 0x94000000u) { out[0] = 30; return 1; }   /* BL */
    if ((w & 0xff000010u) == 0x54000000u) return 0;                    /* B.cond */
    if ((w & 0x7e000000u) == 0x34000000u) return 0;                    /* CBZ, CBNZ */
    if ((w & 0x7e000000u) == 0x36000000u) return 0;                    /* TBZ, TBNZ */
    if ((w & 0xfffffc1fu) == 0xd61f0000u || (w & 0xfffffc1fu) == 0xd65f0000u) return 0; /* BR, RET */
    if ((w & 0xfffffc1fu) == 0xd63f0000u) { out[0] = 30; return 1; }   /* BLR */
    if ((w & 0xfffff01fu) == 0xd503201fu) {                            /* hints: NOP, YIELD, ... */
        /* From #6 on the hint space holds XPACLRI, PACIASP, AUTIASP, ... which rewrite X30 or X17 on a CPU
           with pointer authentication: only NOP, YIELD, WFE, WFI, SEV and SEVL are known to write nothing. */
        *exact = ((w >> 5) & 0x7f) <= 5;
        return 0;
    }
    if ((w & 0x3b000000u) == 0x39000000u && ((w >> 22) & 3) == 0) return 0; /* STR/STRB/STRH (unsigned offset) */
    if ((w & 0x3bc00000u) == 0x29000000u) return 0;                    /* STP (signed offset) */
    *exact = 0;
    int rd = w & 31, rn = (w >> 5) & 31, rt2 = (w >> 10) & 31, rs = (w >> 16) & 31;
    out[n++] = rd; out[n++] = rn; out[n++] = rt2; out[n++] = rs;
    out[n++] = 30; out[n++] = REG_SP; out[n++] = REG_NZCV;
    if (is_simd(w)) {
        out[n++] = REG_V0 + rd; out[n++] = REG_V0 + rt2; out[n++] = REG_V0 + rn;
        out[n++] = REG_V0 + ((rd + 1) & 31); out[n++] = REG_V0 + ((rd + 2) & 31); out[n++] = REG_V0 + ((rd + 3) & 31);
        out[n++] = REG_FPSR;
    }
    if ((w & 0xfff00000u) == 0xd5100000u || (w & 0xfff00000u) == 0xd5300000u) out[n++] = REG_FPCR; /* MSR/MRS */
    return n;
}

/* DC ZVA, load/store exclusive and atomic memory operations may store without the write hook seeing it. */
static int watch_target(uint32_t w, uint32_t *size)
{
    if ((w & 0xffffffe0u) == 0xd50b7420u) { *size = 64; return 1; }          /* DC ZVA, Xt */
    if ((w & 0x3f000000u) == 0x08000000u) { *size = 16; return 1; }          /* load/store exclusive, CAS(P) */
    if ((w & 0x3f200c00u) == 0x38200000u) { *size = 8; return 1; }          /* LDADD/SWP/... (atomic ops) */
    return 0;
}

/* Sets the three bit positions of a key in a Bloom filter of 2^bits bits: the top `bits` bits of three
 * multiplicative hashes. src/replayer/word-bloom.ts computes the same. */
static void note_key(uint64_t *filter, int bits, uint64_t key)
{
    uint64_t h[3] = { (key * 0x9e3779b97f4a7c15ull) >> (64 - bits), (key * 0xc2b2ae3d27d4eb4full) >> (64 - bits), (key * 0x165667b19e3779f9ull) >> (64 - bits) };
    for (int k = 0; k < 3; k++) filter[h[k] >> 6] |= 1ull << (h[k] & 63);
}

/* The keys of a write (format version 5, docs/trace-format.md "wordBloom"): in the word filter, the number
 * w = address >> 3 of each 8-byte word it covers whole, and w | 1 << 62 of a word it covers in part; in the byte
 * filter, the address of each byte of such a part. A read still missing only some bytes of a word (a one-byte
 * local beside bytes written long ago) asks the byte filter for those bytes, not for every store to the word. */
static void note_words(wt_tracer *t, uint64_t address, uint64_t size)
{
    uint64_t end = address + size;
    for (uint64_t w = address >> 3; w <= (end - 1) >> 3; w++) {
        uint64_t lo = w << 3 > address ? w << 3 : address, hi = (w << 3) + 8 < end ? (w << 3) + 8 : end;
        if (hi - lo == 8) {
            note_key(t->bloom, 13, w);
            continue;
        }
        note_key(t->bloom, 13, w | 1ull << 62);
        for (uint64_t b = lo; b < hi; b++) note_key(t->bytebloom, 11, b);
    }
}

/* Notes the bytes [address, address + size) of one page as written: the page in the set, its lines in the mask. */
static void note_page(wt_tracer *t, uint64_t address, uint64_t size)
{
    uint64_t key = (address >> 12) + 1;
    uint32_t first = (uint32_t)(address & 0xfff) >> 6, last = (uint32_t)((address + size - 1) & 0xfff) >> 6;
    uint64_t bits = (last - first == 63 ? ~0ull : ((1ull << (last - first + 1)) - 1)) << first;
    uint64_t h = (key * 0x9e3779b97f4a7c15ull) >> 51; /* 13 bits */
    for (int probe = 0; probe < PAGE_SET; probe++) {
        uint64_t i = (h + probe) & (PAGE_SET - 1);
        if (t->pages[i] == key) { t->lines[i] |= bits; return; }
        if (t->pages[i] == 0) {
            if (t->npages >= PAGE_SET_MAX) { t->pages_overflow = 1; return; }
            t->pages[i] = key;
            t->lines[i] = bits; /* a slot is cleared with its key only: a new key starts its mask */
            t->npages++;
            return;
        }
    }
}

/* Notes [address, address + size) as written, page by page (size > 0). */
static void note_range(wt_tracer *t, uint64_t address, uint64_t size)
{
    uint64_t end = address + size;
    for (uint64_t a = address; a < end;) {
        uint64_t page_end = (a & ~0xfffull) + 0x1000;
        uint64_t n = (end < page_end ? end : page_end) - a;
        note_page(t, a, n);
        a += n;
    }
}

static void icache_drop(wt_tracer *t, uint64_t address, uint64_t size)
{
    for (uint64_t a = address & ~3ull; a < address + size; a += 4) {
        int slot = (int)((a >> 2) & (ICACHE - 1));
        if (t->icache[slot].addr == a + 1) t->icache[slot].addr = 0;
    }
}

static int already_written(wt_tracer *t, uint64_t a)
{
    for (int i = 0; i < t->nwrites; i++) if (t->writes[i].addr == a) return 1;
    return 0;
}

/* Finishes the previous step: registers it changed and the memory it wrote. After a run ended abnormally the
 * step may have faulted after the write hook saw its store: `verify` keeps only writes memory now shows. */
static void flush_step(wt_tracer *t, uint64_t pc, int verify)
{
    if (!t->have_prev) return;
    if (verify) {
        int k = 0;
        for (int i = 0; i < t->nwrites; i++) {
            uint8_t now[16];
            if (uc_mem_read(t->uc, t->writes[i].addr, now, t->writes[i].size) == UC_ERR_OK &&
                memcmp(now, t->writes[i].new_, t->writes[i].size) == 0) t->writes[k++] = t->writes[i];
        }
        t->nwrites = k;
    }
    if (t->watch) {
        uint8_t now[64];
        if (uc_mem_read(t->uc, t->watch_addr, now, t->watch_size) == UC_ERR_OK &&
            memcmp(now, t->watch_old, t->watch_size) != 0 && !already_written(t, t->watch_addr)) {
            for (uint32_t off = 0; off < t->watch_size && t->nwrites < MAX_STEP_WRITES; off += 16) {
                uint32_t n = t->watch_size - off < 16 ? t->watch_size - off : 16;
                if (memcmp(now + off, t->watch_old + off, n) == 0) continue;
                icache_drop(t, t->watch_addr + off, n);
                t->writes[t->nwrites].addr = t->watch_addr + off;
                t->writes[t->nwrites].size = n;
                memcpy(t->writes[t->nwrites].old, t->watch_old + off, n);
                memcpy(t->writes[t->nwrites].new_, now + off, n);
                t->nwrites++;
            }
        }
        t->watch = 0;
    }
    size_t tag_at = t->used;
    put_u8(t, 0);
    uint8_t tag = 0;
    uint64_t expected = t->shadow[REG_PC][0] + 4;
    if (pc != expected) {
        int64_t d = (int64_t)(pc - expected);
        if (d > -(1 << 20) && d < (1 << 20)) { tag |= 1; put_varint(t, zigzag(d)); }
        else { tag |= 2; put_u64(t, pc); }
    }
    t->shadow[REG_PC][0] = pc;
    /* Register changes: written into a scratch area then counted. */
    int cand[16], exact;
    int nc = candidates(t->prev_word, cand, &exact);
    size_t count_at = t->used;
    int changed = 0;
    uint64_t seen_lo = 0, seen_hi = 0;
    if (t->dx && exact) {
        /* A branch or a plain store: at most X30 changed, so the compare of all 32 registers is skipped. */
        for (int i = 0; i < nc; i++) {
            int r = cand[i];
            if (t->dx[r] == t->xs[r]) continue;
            uint64_t v[2] = { t->dx[r], 0 };
            put_change(t, r, v);
            changed++;
        }
        nc = 0;
    } else if (t->dx) {
        /* Direct access makes every general register and NZCV cheap to compare. Changes are emitted in the
           order of the encoding's candidates (as without direct access), then any the candidates missed. */
        const uint64_t *x = t->dx;
        uint64_t diff = changed_x(x, t->xs);
        uint64_t nzcv = direct_nzcv(t);
        if (nzcv != t->shadow[REG_NZCV][0]) diff |= 1ull << REG_NZCV;
        for (int i = 0; i < nc; i++) {
            int r = cand[i];
            if (r < REG_V0) {
                if (!(diff >> r & 1)) continue;
                diff &= ~(1ull << r);
                uint64_t v[2] = { r == REG_NZCV ? nzcv : x[r], 0 };
                put_change(t, r, v);
                changed++;
                continue;
            }
            uint64_t bit = r < 64 ? (1ull << r) : (1ull << (r - 64));
            uint64_t *seen = r < 64 ? &seen_lo : &seen_hi;
            if (*seen & bit) continue;
            *seen |= bit;
            changed += diff_reg(t, r);
        }
        while (diff) {
            int r = __builtin_ctzll(diff);
            diff &= diff - 1;
            uint64_t v[2] = { r == REG_NZCV ? nzcv : x[r], 0 };
            put_change(t, r, v);
            changed++;
        }
        nc = 0;
    }
    for (int i = 0; i < nc; i++) {
        int r = cand[i];
        uint64_t bit = r < 64 ? (1ull << r) : (1ull << (r - 64));
        uint64_t *seen = r < 64 ? &seen_lo : &seen_hi;
        if (*seen & bit) continue;
        *seen |= bit;
        changed += diff_reg(t, r);
    }
    if (changed >= 15) {
        /* Move the entries to make room for a count varint (at most 68 entries of 1 + 2 x 10 bytes). */
        uint8_t tmp[NREGS * 21];
        size_t len = t->used - count_at;
        memcpy(tmp, t->buf + count_at, len);
        t->used = count_at;
        put_varint(t, (uint64_t)changed);
        put_bytes(t, tmp, (uint32_t)len);
        tag |= 15 << 2;
    } else {
        tag |= (uint8_t)(changed << 2);
    }
    if (t->nwrites > 0) {
        tag |= 0x40;
        put_varint(t, (uint64_t)t->nwrites);
        for (int i = 0; i < t->nwrites; i++) {
            note_range(t, t->writes[i].addr, t->writes[i].size);
            note_words(t, t->writes[i].addr, t->writes[i].size);
            put_varint(t, zigzag((int64_t)(t->writes[i].addr - t->last_write)));
            t->last_write = t->writes[i].addr;
            uint32_t size = t->writes[i].size;
            uint64_t a = t->writes[i].addr;
            __typeof__(&t->last[0]) e = &t->last[(a * 0x9e3779b97f4a7c15ull) >> (64 - LAST_BITS)];
            int elide = e->size == size && e->addr == a && memcmp(e->new_, t->writes[i].old, size) == 0;
            put_u8(t, (uint8_t)(size | (elide ? 0x80 : 0)));
            if (!elide) put_bytes(t, t->writes[i].old, size);
            put_bytes(t, t->writes[i].new_, size);
            e->addr = a;
            e->size = size;
            memcpy(e->new_, t->writes[i].new_, 16);
        }
        t->nwrites = 0;
    }
    t->buf[tag_at] = tag;
    t->have_prev = 0;
}

static void wt_on_code(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)
{
    wt_tracer *t = (wt_tracer *)user_data;
    (void)size;
    wt_counter *c = t->counter;
    flush_step(t, address, 0);
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
    if (t->used > t->high_water) {
        t->paused = 1;
        uc_emu_stop(uc);
        return;
    }
    c->executed++;
    c->last_pc = address;
    if (!t->recording) return;
    uint32_t w = 0;
    int slot = (int)((address >> 2) & (ICACHE - 1));
    if (t->icache[slot].addr == address + 1) {
        w = t->icache[slot].word;
    } else {
        uc_mem_read(uc, address, &w, 4);
        t->icache[slot].addr = address + 1; /* +1: 0 marks an empty slot */
        t->icache[slot].word = w;
    }
    t->prev_word = w;
    t->have_prev = 1;
    t->steps++;
    /* The same words src/replayer/insn.ts isCall and isReturn know: the footer's per-thread call summary lets the
     * call stack's backward walk pass a segment whose returns its own calls balance without decoding it. */
    if ((w & 0xfc000000u) == 0x94000000u || (w & 0xfffffc1fu) == 0xd63f0000u || (w & 0xfefff800u) == 0xd63f0800u) {
        t->calls_open++;
    } else if ((w & 0xfffffc1fu) == 0xd65f0000u || w == 0xd65f0bffu || w == 0xd65f0fffu) {
        if (t->calls_open > 0) t->calls_open--;
        else t->calls_unret++;
    }
    uint32_t wsize;
    if (watch_target(w, &wsize)) {
        int rn = (w >> 5) & 31;
        int rt = w & 31;
        uint64_t base[2];
        read_reg(t, ((w & 0xffffffe0u) == 0xd50b7420u) ? rt : (rn == 31 ? REG_SP : rn), base);
        uint64_t a = base[0];
        if (wsize == 64) a &= ~63ull;
        t->watch_addr = a;
        t->watch_size = wsize;
        t->watch = uc_mem_read(uc, a, t->watch_old, wsize) == UC_ERR_OK;
    }
}

static uint32_t hm_slot(uint64_t block) { return (uint32_t)((block * 0x9E3779B97F4A7C15ull) >> (64 - HM_BITS)); }

/* The host address of [addr, addr+size) when it lies inside one host block, else NULL (read through Unicorn). */
static uint8_t *host_of(const wt_tracer *t, uint64_t addr, uint32_t size)
{
    uint64_t block = addr >> HM_BLOCK_SHIFT;
    if (((addr + size - 1) >> HM_BLOCK_SHIFT) != block) return NULL;
    uint32_t h = hm_slot(block);
    for (uint32_t n = 0; n < HM_SIZE; n++, h = (h + 1) & (HM_SIZE - 1)) {
        if (t->hm_key[h] == block + 1) return t->hm_host[h] + (addr & ((1ull << HM_BLOCK_SHIFT) - 1));
        if (t->hm_key[h] == 0) return NULL;
    }
    return NULL;
}

/*
 * The host announces a host block of guest memory (host != 0) or its end (host == 0). Returns 0, or -1 when the
 * table is full (stores there are then read through Unicorn, which is only slower).
 * int wt_trace_host_block(wt_tracer *t, uint64_t base, uint64_t host);
 */
int wt_trace_host_block(wt_tracer *t, uint64_t base, uint64_t host)
{
    uint64_t block = base >> HM_BLOCK_SHIFT;
    uint32_t h = hm_slot(block);
    int64_t free_at = -1;
    for (uint32_t n = 0; n < HM_SIZE; n++, h = (h + 1) & (HM_SIZE - 1)) {
        if (t->hm_key[h] == block + 1) {
            if (host) t->hm_host[h] = (uint8_t *)(uintptr_t)host;
            else t->hm_key[h] = HM_TOMB;
            return 0;
        }
        if (t->hm_key[h] == HM_TOMB && free_at < 0) free_at = h;
        if (t->hm_key[h] == 0) {
            if (free_at < 0) free_at = h;
            break;
        }
    }
    if (!host) return 0;
    if (free_at < 0) return -1;
    t->hm_key[free_at] = block + 1;
    t->hm_host[free_at] = (uint8_t *)(uintptr_t)host;
    return 0;
}

static void wt_on_write(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user_data)
{
    wt_tracer *t = (wt_tracer *)user_data;
    (void)type;
    if (!t->recording) return;
    if (t->nwrites >= MAX_STEP_WRITES || size <= 0 || size > 16) return;
    int i = t->nwrites++;
    icache_drop(t, address, (uint64_t)size);
    t->writes[i].addr = address;
    t->writes[i].size = (uint32_t)size;
    memset(t->writes[i].old, 0, 16);
    const uint8_t *host = host_of(t, address, (uint32_t)size);
    if (host) memcpy(t->writes[i].old, host, (size_t)size);
    else uc_mem_read(uc, address, t->writes[i].old, (size_t)size);
    /* Unicorn passes the value as int64; stores wider than 8 bytes arrive as two 8-byte accesses. */
    memcpy(t->writes[i].new_, &value, size > 8 ? 8 : (size_t)size);
}


/* ---- direct register access ------------------------------------------------------------------------------
 * uc_reg_read costs ~10-15 ns a register (a call through a large switch; NZCV is recomputed each time), ~100 ns
 * an instruction for the registers a step needs. Unicorn keeps the registers in its CPU state (QEMU's
 * CPUARMState: xregs[32] with SP at 31, the flags as NF/ZF/CF/VF words, V registers at a fixed stride). Its
 * layout is not exported, so it is found at attach time: distinctive values are written with uc_reg_write and
 * searched for in the memory the engine's handle points to (read through process_vm_readv, which cannot fault),
 * then every register is checked against uc_reg_read with several patterns. Anything unexpected falls back to
 * uc_reg_read; every run boundary (wt_trace_resync) compares all of them again and reports a disagreement. */

#define PROBE_SPAN (256 * 1024)

static size_t safe_read(uint64_t addr, uint8_t *out, size_t n)
{
    struct iovec l0 = { out, n }, r0 = { (void *)(uintptr_t)addr, n };
    if (process_vm_readv(getpid(), &l0, 1, &r0, 1, 0) == (ssize_t)n) return n;
    /* Page by page, so an unreadable page only leaves a hole (zeros). */
    size_t got = 0;
    memset(out, 0, n);
    for (uint64_t a = addr; a < addr + n;) {
        uint64_t next = (a | 4095) + 1;
        size_t len = (size_t)((next < addr + n ? next : addr + n) - a);
        struct iovec l = { out + (a - addr), len }, r = { (void *)(uintptr_t)a, len };
        if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) == (ssize_t)len) got += len;
        a += len;
    }
    return got;
}

static uint64_t magic(int i, int k) { return 0xc0de5a1700000000ull ^ ((uint64_t)(i + 1) * 0x00010001u) ^ ((uint64_t)k << 28); }

static void write_reg(wt_tracer *t, int r, const uint64_t v[2])
{
    uint64_t tmp[2] = { v[0], v[1] };
    uc_reg_write(t->uc, t->uc_ids[r], tmp);
}

/* Compares every directly read register with uc_reg_read; returns 1 when all agree. */
static int direct_agrees(wt_tracer *t)
{
    for (int r = 0; r < NREGS; r++) {
        if (r == REG_PC || r == REG_FPCR || r == REG_FPSR) continue;
        uint64_t a[2], b[2];
        read_reg(t, r, a);
        read_reg_uc(t, r, b);
        if (a[0] != b[0] || a[1] != b[1]) return 0;
    }
    return 1;
}

/* Searches the memory each pointer in the engine's handle points to for X0..X30, SP holding magic(r, 1): first
 * 64 KiB from each (where the CPU state lies in Unicorn 2.0.1: ~38 KB into the CPU object), then PROBE_SPAN. */
static const uint64_t *find_xregs(wt_tracer *t, uint8_t *buf)
{
    uint8_t top[16384];
    safe_read((uint64_t)(uintptr_t)t->uc, top, sizeof top);
    static const size_t spans[2] = { 65536, PROBE_SPAN };
    for (int pass = 0; pass < 2; pass++) {
        uint64_t seen[512];
        int nseen = 0;
        size_t span = spans[pass];
        for (size_t o = 0; o + 8 <= sizeof top; o += 8) {
            uint64_t p;
            memcpy(&p, top + o, 8);
            if (p < 0x10000 || p >= 0x800000000000ull || (p & 7)) continue;
            int dup = 0;
            for (int i = 0; i < nseen; i++) if (seen[i] == p) { dup = 1; break; }
            if (dup) continue;
            if (nseen == 512) break;
            seen[nseen++] = p;
            if (safe_read(p, buf, span) == 0) continue;
            for (size_t q = 0; q + 32 * 8 <= span; q += 8) {
                uint64_t w;
                memcpy(&w, buf + q, 8);
                if (w != magic(0, 1)) continue;
                int ok = 1;
                for (int i = 1; i < 32 && ok; i++) { memcpy(&w, buf + q + 8 * (size_t)i, 8); ok = w == magic(i, 1); }
                if (ok) return (const uint64_t *)(uintptr_t)(p + q);
            }
        }
    }
    return NULL;
}

static int probe_direct(wt_tracer *t)
{
    if (getenv("WINTRACE_NO_DIRECT")) return 0;
    uint64_t saved[NREGS][2];
    for (int r = 0; r < NREGS; r++) read_reg_uc(t, r, saved[r]);
    uint8_t *buf = malloc(PROBE_SPAN);
    if (!buf) return 0;
    int ok = 0;
    /* General registers and SP. */
    for (int r = 0; r <= REG_SP; r++) { uint64_t v[2] = { magic(r, 1), 0 }; write_reg(t, r, v); }
    const uint64_t *x = find_xregs(t, buf);
    if (!x) goto out;
    /* The flags: set one at a time and see which 32-bit word of the state near xregs changes. */
    {
        uint64_t base = (uint64_t)(uintptr_t)x;
        static uint8_t w0[4096], w1[4096];
        uint64_t z[2] = { 0, 0 };
        write_reg(t, REG_NZCV, z);
        safe_read(base, w0, sizeof w0);
        /* QEMU keeps N and V in bit 31 of NF and VF, C as 0/1 in CF, and Z as "ZF == 0"; setting one flag may touch
           another word too (NF holds the whole written value), so each is told by the value it takes. */
        static const uint32_t bit[4] = { 1u << 31, 1u << 30, 1u << 29, 1u << 28 };
        for (int f = 0; f < 4; f++) {
            uint64_t v[2] = { bit[f], 0 };
            write_reg(t, REG_NZCV, v);
            safe_read(base, w1, sizeof w1);
            int found = -1, n = 0;
            for (int o = 0; o < 4096; o += 4) {
                uint32_t a, b;
                memcpy(&a, w0 + o, 4);
                memcpy(&b, w1 + o, 4);
                if (a == b) continue;
                int match = f == 1 ? b == 0 : f == 2 ? (a == 0 && b == 1) : (a == 0 && b == 0x80000000u);
                if (match) { found = o; n++; }
            }
            if (n != 1) goto out;
            t->dflags[f] = (const uint32_t *)(uintptr_t)(base + (uint64_t)found);
        }
        write_reg(t, REG_NZCV, z);
    }
    /* V registers: V0's 16 bytes anywhere in the span after xregs, V1 at the stride. */
    {
        for (int i = 0; i < 32; i++) { uint64_t v[2] = { magic(i, 2), magic(i, 3) }; write_reg(t, REG_V0 + i, v); }
        uint64_t base = (uint64_t)(uintptr_t)x;
        safe_read(base, buf, PROBE_SPAN);
        const uint8_t *v0 = NULL;
        uint64_t stride = 0;
        for (size_t q = 0; q + 16 <= PROBE_SPAN && !v0; q += 8) {
            uint64_t lo, hi;
            memcpy(&lo, buf + q, 8);
            memcpy(&hi, buf + q + 8, 8);
            if (lo != magic(0, 2) || hi != magic(0, 3)) continue;
            for (size_t s = 16; q + s + 16 <= PROBE_SPAN && s <= 4096; s += 8) {
                memcpy(&lo, buf + q + s, 8);
                memcpy(&hi, buf + q + s + 8, 8);
                if (lo == magic(1, 2) && hi == magic(1, 3)) { v0 = (const uint8_t *)(uintptr_t)(base + q); stride = s; break; }
            }
        }
        if (!v0) goto out;
        t->dv = v0;
        t->dv_stride = stride;
    }
    t->dx = x;
    /* Every register against uc_reg_read, with the probe's values, then three other patterns. */
    ok = direct_agrees(t);
    for (int k = 4; k < 7 && ok; k++) {
        for (int r = 0; r < NREGS; r++) {
            if (r == REG_PC || r == REG_FPCR || r == REG_FPSR) continue;
            uint64_t v[2] = { magic(r, k), r >= REG_V0 && r < REG_V0 + 32 ? magic(r, k + 8) : 0 };
            if (r == REG_NZCV) v[0] = (uint64_t)(k * 5 + r) << 28 & 0xf0000000u;
            write_reg(t, r, v);
        }
        ok = direct_agrees(t);
    }
    for (int n = 0; n < 16 && ok; n++) {
        uint64_t v[2] = { (uint64_t)n << 28, 0 };
        write_reg(t, REG_NZCV, v);
        ok = direct_agrees(t);
    }
out:
    for (int r = 0; r < NREGS; r++) if (r != REG_PC) write_reg(t, r, saved[r]);
    if (ok) ok = direct_agrees(t);
    if (!ok) t->dx = NULL;
    free(buf);
    return ok;
}

/* uc_err wt_trace_attach(uc_engine *uc, wt_tracer *t, uint8_t *buf, wt_counter *counter, uc_hook *code_hook,
 *                        uc_hook *write_hook); */
uc_err wt_trace_attach(uc_engine *uc, wt_tracer *t, uint8_t *buf, wt_counter *counter, uc_hook *code_hook,
                       uc_hook *write_hook)
{
    t->uc = uc;
    t->buf = buf;
    t->counter = counter;
    counter->disabled = 1;
    t->have_prev = 0;
    t->nwrites = 0;
    t->watch = 0;
    t->last_write = 0;
    t->recording = 1;
    memset(t->last, 0, sizeof t->last);
    init_ids(t);
    t->dx = NULL;
    t->direct = (uint64_t)probe_direct(t);
    for (int r = 0; r < NREGS; r++) read_reg(t, r, t->shadow[r]);
    sync_xs(t);
    uc_err e = uc_hook_add(uc, code_hook, UC_HOOK_CODE, (void *)wt_on_code, t, 1, 0);
    if (e != UC_ERR_OK) return e;
    return uc_hook_add(uc, write_hook, UC_HOOK_MEM_WRITE, (void *)wt_on_write, t, 1, 0);
}

/*
 * Called by the host between runs. Completes the step in progress (its pc successor is the current pc), then
 * records every register that differs from the shadow as a change made by the emulated Windows.
 * void wt_trace_resync(wt_tracer *t);
 */
void wt_trace_resync(wt_tracer *t)
{
    uint64_t pc[2];
    read_reg(t, REG_PC, pc);
    flush_step(t, pc[0], 1);
    if (t->dx && !direct_agrees(t)) {
        /* Never seen: report it (the host refuses to go on) and read through Unicorn from here on. */
        t->dx = NULL;
        t->direct = 2;
    }
    size_t at = t->used;
    put_u8(t, 0x80);
    size_t count_at = t->used;
    put_u8(t, 0); /* placeholder: at most 68 changes, a one-byte varint */
    int changed = 0;
    /* The register index counts these too: "previous change of X0" must find an API's result. */
    for (int r = 0; r < NREGS; r++) changed += diff_reg(t, r);
    if (changed == 0) t->used = at;
    else t->buf[count_at] = (uint8_t)changed;
}

/*
 * Called by the host after it put thread `tid` on the CPU (the outgoing thread was settled by wt_trace_resync
 * before its registers left the engine). `prev` holds the incoming thread's registers as the trace last knew
 * them, NREGS x 2 u64. Records a switch whose changes are relative to `prev`; they are that thread's, so they go
 * to switchmask, not regmask (which holds the outgoing thread's).
 * void wt_trace_switch(wt_tracer *t, uint32_t tid, const uint64_t *prev);
 */
void wt_trace_switch(wt_tracer *t, uint32_t tid, const uint64_t *prev)
{
    t->have_prev = 0;
    t->nwrites = 0;
    t->watch = 0;
    uint64_t mask0 = t->regmask[0], mask1 = t->regmask[1];
    t->regmask[0] = t->regmask[1] = 0;
    memcpy(t->shadow, prev, sizeof t->shadow);
    sync_xs(t);
    put_u8(t, 0x82);
    put_varint(t, tid);
    size_t count_at = t->used;
    put_u8(t, 0); /* at most 68 changes: a one-byte varint */
    int changed = 0;
    for (int r = 0; r < NREGS; r++) changed += diff_reg(t, r);
    t->buf[count_at] = (uint8_t)changed;
    t->switchmask[0] = t->regmask[0];
    t->switchmask[1] = t->regmask[1];
    t->regmask[0] = mask0;
    t->regmask[1] = mask1;
}

/* Called by the host when the emulated Windows writes guest memory. old/new point at `size` bytes each.
 * void wt_trace_os_write(wt_tracer *t, uint64_t address, uint32_t size, const uint8_t *old, const uint8_t *new_);
 */
void wt_trace_os_write(wt_tracer *t, uint64_t address, uint32_t size, const uint8_t *old, const uint8_t *new_)
{
    /* An API's output or an exception frame is written inside the SVC's or BRK's interrupt hook, before anything
     * else settled that instruction: settle it now, or the write would land in the stream (and at a position)
     * before the instruction that caused it. */
    if (t->have_prev) {
        uint64_t pc[2];
        read_reg(t, REG_PC, pc);
        flush_step(t, pc[0], 1);
    }
    if (size > 0) {
        note_range(t, address, size);
        note_words(t, address, size);
    }
    icache_drop(t, address, size);
    put_u8(t, 0x81);
    put_u64(t, address);
    put_varint(t, size);
    put_bytes(t, old, size);
    put_bytes(t, new_, size);
}

/* Forgets the shadow so the next resync or keyframe starts from the engine's state; used at segment starts so
 * each segment decodes on its own: register deltas are relative to the segment's keyframe.
 * void wt_trace_rebase(wt_tracer *t);
 */
void wt_trace_rebase(wt_tracer *t)
{
    t->have_prev = 0;
    for (int r = 0; r < NREGS; r++) read_reg(t, r, t->shadow[r]);
    sync_xs(t);
    t->last_write = 0;
    memset(t->last, 0, sizeof t->last);
}

/* Copies the shadow (the running thread's registers after wt_trace_rebase) as NREGS x 16 bytes, lo then hi, the
 * layout of a trace register file. void wt_trace_regs(wt_tracer *t, uint8_t *out); */
void wt_trace_regs(wt_tracer *t, uint8_t *out)
{
    memcpy(out, t->shadow, sizeof t->shadow);
}

/*
 * Stops recording but keeps the hooks, which go on counting instructions (a record --jobs worker between its
 * shares): removing them and adding them again would need a flush of every translated block, because Unicorn 2
 * does not call a hook from blocks translated before it was added (~0.5 s and 1 GiB of RSS a time in 2.0.1).
 * The host has drained the buffer and settled the last step (wt_trace_resync).
 * void wt_trace_pause(wt_tracer *t);
 */
void wt_trace_clear_index(wt_tracer *t);

void wt_trace_pause(wt_tracer *t)
{
    t->recording = 0;
    t->have_prev = 0;
    t->nwrites = 0;
    t->watch = 0;
}

/*
 * Records again from the engine's state now, as a tracer attached here would: empty buffer and index, shadow
 * registers read again, and no cached instruction words (code may have changed while nothing watched writes).
 * void wt_trace_resume(wt_tracer *t);
 */
void wt_trace_resume(wt_tracer *t)
{
    memset(t->icache, 0, sizeof t->icache);
    memset(t->bloom, 0, sizeof t->bloom);
    memset(t->bytebloom, 0, sizeof t->bytebloom);
    wt_trace_clear_index(t);
    t->switchmask[0] = t->switchmask[1] = 0;
    t->steps = 0;
    t->used = 0;
    t->paused = 0;
    wt_trace_rebase(t);
    t->recording = 1;
}

/* Gives counting back to the counter hook. void wt_trace_detach(wt_tracer *t); */
void wt_trace_detach(wt_tracer *t)
{
    t->counter->disabled = 0;
}

/* Clears the page set, register mask and call counts (the host read them). void wt_trace_clear_index(wt_tracer *t); */
void wt_trace_clear_index(wt_tracer *t)
{
    memset(t->pages, 0, sizeof t->pages);
    t->npages = 0;
    t->pages_overflow = 0;
    t->regmask[0] = t->regmask[1] = 0;
    t->calls_open = t->calls_unret = 0;
}

/* sizeof(struct wt_tracer), so the host allocates exactly what the hooks use. uint64_t wt_trace_size(void); */
uint64_t wt_trace_size(void)
{
    return sizeof(wt_tracer);
}
