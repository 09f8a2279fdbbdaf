// Behaviour checks for the notdirty_write patch: every line printed must be identical between the unmodified
// Unicorn 2.1.4 and a patched build (diff the outputs). Run each test without hooks and with wintrace's
// fault trampoline (UC_HOOK_MEM_*_UNMAPPED | UC_HOOK_MEM_*_PROT over the whole address space, returning false).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unicorn/unicorn.h>

#include "code.h"

#define CODE 0x10000ULL   // driver code, R|X
#define SMC 0x20000ULL    // RWX code page
#define DATA 0x100000ULL  // data pages
#define PAGE 0x1000ULL

#define MOV_X0_1 0xd2800020u
#define MOV_X0_2 0xd2800040u
#define RET 0xd65f03c0u

static int fault_hooks;  // install the wintrace-like trampoline
static int nfault;
static uint64_t last_fault_addr;
static int last_fault_type;

#define CHECK(x)                                                                                    \
    do {                                                                                            \
        uc_err e_ = (x);                                                                            \
        if (e_ != UC_ERR_OK) {                                                                      \
            printf("  setup error %s: %s\n", #x, uc_strerror(e_));                                  \
        }                                                                                           \
    } while (0)

static void load_snippets(uc_engine *uc);
static bool on_fault(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *ud)
{
    nfault++;
    last_fault_addr = addr;
    last_fault_type = type;
    return false;
}

static uc_engine *open_uc(void)
{
    uc_engine *uc;
    CHECK(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc));
    CHECK(uc_ctl_set_page_size(uc, 4096));
    CHECK(uc_mem_map(uc, CODE, 0x10000, UC_PROT_READ | UC_PROT_EXEC));
    load_snippets(uc);
    if (fault_hooks) {
        uc_hook hh;
        CHECK(uc_hook_add(uc, &hh,
                          UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED |
                              UC_HOOK_MEM_READ_PROT | UC_HOOK_MEM_WRITE_PROT | UC_HOOK_MEM_FETCH_PROT,
                          on_fault, NULL, 1, 0));
    }
    nfault = 0;
    last_fault_addr = 0;
    last_fault_type = 0;
    return uc;
}

// Every driver snippet is written into the read-only CODE region once, when the engine is opened: uc_mem_write
// into a read-only region toggles its readonly flag, which flushes the whole TLB and would hide dirty entries.
#define SNIPPETS(X) X(store) X(load_store) X(store_loop) X(dczva) X(str_dczva) X(llsc) X(smc_driver) X(write_code) X(bench)
enum { SNIPPETS_ENUM_START = -1,
#define X(n) SN_##n,
       SNIPPETS(X)
#undef X
};
static void load_snippets(uc_engine *uc)
{
#define X(n) CHECK(uc_mem_write(uc, CODE + 0x100 * SN_##n, code_##n, code_##n##_len));
    SNIPPETS(X)
#undef X
}
static uc_err run_at(uc_engine *uc, uint64_t at, const unsigned char *code, unsigned len)
{
    uc_err e = uc_mem_write(uc, at, code, len);
    if (e != UC_ERR_OK) return e;
    return uc_emu_start(uc, at, at + len, 0, 0);
}
#define RUN(uc, name) uc_emu_start(uc, CODE + 0x100 * SN_##name, CODE + 0x100 * SN_##name + code_##name##_len, 0, 0)
#define RUN_OFF(uc, off, name) RUN(uc, name)

static void set(uc_engine *uc, int reg, uint64_t v) { CHECK(uc_reg_write(uc, reg, &v)); }
static uint64_t get(uc_engine *uc, int reg)
{
    uint64_t v = 0;
    uc_reg_read(uc, reg, &v);
    return v;
}
static uint64_t peek(uc_engine *uc, uint64_t a)
{
    uint64_t v = 0xdeaddeaddeaddeadULL;
    uc_mem_read(uc, a, &v, 8);
    return v;
}
static const char *E(uc_err e)
{
    switch (e) {
    case UC_ERR_OK: return "OK";
    case UC_ERR_WRITE_PROT: return "WRITE_PROT";
    case UC_ERR_WRITE_UNMAPPED: return "WRITE_UNMAPPED";
    case UC_ERR_READ_PROT: return "READ_PROT";
    case UC_ERR_FETCH_PROT: return "FETCH_PROT";
    case UC_ERR_READ_UNMAPPED: return "READ_UNMAPPED";
    default: return uc_strerror(e);
    }
}
static void *host_pages(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 0x11, n);
    return p;
}
static void map_data(uc_engine *uc, int ptr, size_t size, uint32_t perms, void **host)
{
    if (ptr) {
        *host = host_pages(size);
        CHECK(uc_mem_map_ptr(uc, DATA, size, perms, *host));
    } else {
        *host = NULL;
        CHECK(uc_mem_map(uc, DATA, size, perms));
        unsigned char *fill = malloc(size);
        memset(fill, 0x11, size);
        // uc_mem_write refuses nothing for non-writable regions (host write)
        CHECK(uc_mem_write(uc, DATA, fill, size));
        free(fill);
    }
}
static const char *kind(int ptr) { return ptr ? "map_ptr" : "map"; }
#define FAULTS() printf(" faults=%d last=%d@0x%" PRIx64, nfault, last_fault_type, last_fault_addr)

// 1. A store to a read-only or no-access region, after a load primed the TLB.
static void t_readonly(int ptr, uint32_t perms)
{
    void *h;
    uc_engine *uc = open_uc();
    map_data(uc, ptr, 2 * PAGE, perms, &h);
    set(uc, UC_ARM64_REG_X0, 0x4242424242424242ULL);
    set(uc, UC_ARM64_REG_X1, DATA + 8);
    uc_err e1 = RUN(uc, load_store);
    uc_err e2 = RUN(uc, store);
    set(uc, UC_ARM64_REG_X1, DATA + 0x40);
    uc_err e3 = RUN(uc, dczva);
    uc_err e4 = RUN(uc, llsc);
    printf("readonly %s perms=%u: load+store=%s store=%s dczva=%s ldxr/stxr=%s mem=%016" PRIx64 " %016" PRIx64,
           kind(ptr), perms, E(e1), E(e2), E(e3), E(e4), peek(uc, DATA + 8), peek(uc, DATA + 0x40));
    FAULTS();
    printf("\n");
    uc_close(uc);
}

// 2. A page written (dirty after the patch), then made read-only by uc_mem_protect (whole region or a split),
//    or unmapped and mapped again read-only, or unmapped.
static void t_dirty_then(int ptr, const char *how)
{
    void *h;
    uc_engine *uc = open_uc();
    map_data(uc, ptr, 2 * PAGE, UC_PROT_READ | UC_PROT_WRITE, &h);
    set(uc, UC_ARM64_REG_X0, 0x4242424242424242ULL);
    set(uc, UC_ARM64_REG_X1, DATA);
    uc_err e0 = RUN(uc, store_loop);
    set(uc, UC_ARM64_REG_X1, DATA + PAGE);
    uc_err e0b = RUN(uc, store_loop);
    if (!strcmp(how, "protect-ro")) CHECK(uc_mem_protect(uc, DATA, 2 * PAGE, UC_PROT_READ));
    if (!strcmp(how, "protect-none")) CHECK(uc_mem_protect(uc, DATA, 2 * PAGE, UC_PROT_NONE));
    if (!strcmp(how, "protect-split-ro")) CHECK(uc_mem_protect(uc, DATA, PAGE, UC_PROT_READ));
    if (!strcmp(how, "protect-rx")) CHECK(uc_mem_protect(uc, DATA, 2 * PAGE, UC_PROT_READ | UC_PROT_EXEC));
    if (!strcmp(how, "unmap")) CHECK(uc_mem_unmap(uc, DATA, 2 * PAGE));
    if (!strcmp(how, "remap-ro")) {
        CHECK(uc_mem_unmap(uc, DATA, 2 * PAGE));
        if (ptr)
            CHECK(uc_mem_map_ptr(uc, DATA, 2 * PAGE, UC_PROT_READ, h));
        else
            CHECK(uc_mem_map(uc, DATA, 2 * PAGE, UC_PROT_READ));
    }
    set(uc, UC_ARM64_REG_X0, 0x5555555555555555ULL);
    set(uc, UC_ARM64_REG_X1, DATA + 8);
    uc_err e1 = RUN(uc, store);
    set(uc, UC_ARM64_REG_X1, DATA + 0x40);
    uc_err e2 = RUN(uc, dczva);
    set(uc, UC_ARM64_REG_X1, DATA + PAGE + 8);
    uc_err e3 = RUN(uc, store);
    printf("dirty-then-%s %s: prime=%s/%s store=%s dczva=%s store2=%s mem=%016" PRIx64 " %016" PRIx64
           " %016" PRIx64,
           how, kind(ptr), E(e0), E(e0b), E(e1), E(e2), E(e3), peek(uc, DATA + 8), peek(uc, DATA + 0x40),
           peek(uc, DATA + PAGE + 8));
    FAULTS();
    printf("\n");
    uc_close(uc);
}

// 3. Self-modifying code inside one block, across blocks in an RWX page, and into an RWX page of its own.
static void t_smc(void)
{
    uc_engine *uc = open_uc();
    CHECK(uc_mem_map(uc, SMC, PAGE, UC_PROT_ALL));
    set(uc, UC_ARM64_REG_W3, MOV_X0_2);
    uc_err e1 = run_at(uc, SMC, code_smc_same_tb, code_smc_same_tb_len);
    uint64_t a = get(uc, UC_ARM64_REG_X5);
    set(uc, UC_ARM64_REG_X5, 0);
    // run it again: the block now holds mov x0,#2 already, patch it back to #1 from the host then rerun
    uc_err e2 = run_at(uc, SMC + 0x100, code_smc_sep_tb, code_smc_sep_tb_len - 4);
    uint64_t b6 = get(uc, UC_ARM64_REG_X6), b5 = get(uc, UC_ARM64_REG_X5);
    // again, same code, so the blocks are cached: the store must still invalidate them
    uint32_t one = MOV_X0_1;
    uc_mem_write(uc, SMC + 0x100 + 7 * 4, &one, 4);  // target: back to mov x0,#1 (host write)
    uc_err e3 = uc_emu_start(uc, SMC + 0x100, SMC + 0x100 + code_smc_sep_tb_len - 4, 0, 0);
    uint64_t c6 = get(uc, UC_ARM64_REG_X6), c5 = get(uc, UC_ARM64_REG_X5);
    printf("smc rwx-page: same-tb=%s x5=%" PRIu64 " sep-tb=%s x6=%" PRIu64 " x5=%" PRIu64 " rerun=%s x6=%" PRIu64
           " x5=%" PRIu64,
           E(e1), a, E(e2), b6, b5, E(e3), c6, c5);
    FAULTS();
    printf("\n");
    uc_close(uc);
}

// 4. Code written by the guest into a page, and run from it: page mapped RWX from the start, or RW (written,
//    dirty after the patch) and made RWX by uc_mem_protect (unicorn#2367), or RW → RX → RWX.
static void t_smc_page(const char *how)
{
    void *h = host_pages(PAGE);
    uc_engine *uc = open_uc();
    uint32_t first = !strcmp(how, "rwx") ? UC_PROT_ALL : UC_PROT_READ | UC_PROT_WRITE;
    CHECK(uc_mem_map_ptr(uc, DATA, PAGE, first, h));
    set(uc, UC_ARM64_REG_X7, DATA);
    set(uc, UC_ARM64_REG_W3, MOV_X0_1);
    set(uc, UC_ARM64_REG_W8, RET);
    uc_err e0 = RUN(uc, write_code);
    if (!strcmp(how, "rw-protect-rwx")) CHECK(uc_mem_protect(uc, DATA, PAGE, UC_PROT_ALL));
    if (!strcmp(how, "rw-protect-rx-rwx")) {
        CHECK(uc_mem_protect(uc, DATA, PAGE, UC_PROT_READ | UC_PROT_EXEC));
        CHECK(uc_mem_protect(uc, DATA, PAGE, UC_PROT_ALL));
    }
    set(uc, UC_ARM64_REG_W3, MOV_X0_2);
    uc_err e1 = RUN_OFF(uc, 0x200, smc_driver);
    uint64_t x6 = get(uc, UC_ARM64_REG_X6), x5 = get(uc, UC_ARM64_REG_X5);
    printf("smc-page %s: write=%s run=%s x6=%" PRIu64 " x5=%" PRIu64, how, E(e0), E(e1), x6, x5);
    FAULTS();
    printf("\n");
    uc_close(uc);
}

// 5. A UC_HOOK_MEM_WRITE hook added after the page was written (dirty after the patch): every later store,
//    including DC ZVA's, must reach it. Optionally with uc_ctl_flush_tb (wintrace's Tracer after --start-at).
static int nwrite, nwrite_bytes;
static void on_write(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *ud)
{
    nwrite++;
    nwrite_bytes += size;
}
static void t_write_hook_later(int flush, int ptr)
{
    void *h;
    uc_engine *uc = open_uc();
    map_data(uc, ptr, 2 * PAGE, UC_PROT_READ | UC_PROT_WRITE, &h);
    set(uc, UC_ARM64_REG_X0, 0x4242424242424242ULL);
    set(uc, UC_ARM64_REG_X1, DATA);
    uc_err e0 = RUN(uc, store_loop);
    set(uc, UC_ARM64_REG_X2, DATA + 0x80);
    uc_err e0b = RUN_OFF(uc, 0x100, str_dczva);  // the same code again later, translated without the hook
    uc_hook wh;
    CHECK(uc_hook_add(uc, &wh, UC_HOOK_MEM_WRITE, on_write, NULL, 1, 0));
    if (flush) CHECK(uc_ctl_flush_tb(uc));
    nwrite = nwrite_bytes = 0;
    set(uc, UC_ARM64_REG_X1, DATA + 8);
    set(uc, UC_ARM64_REG_X2, DATA + 0x40);
    uc_err e1 = RUN_OFF(uc, 0x100, str_dczva);
    int n1 = nwrite, b1 = nwrite_bytes;
    set(uc, UC_ARM64_REG_X1, DATA);
    uc_err e2 = RUN(uc, store_loop);
    printf("write-hook-added-later flush_tb=%d %s: prime=%s/%s str+dczva=%s hook=%d calls/%d bytes store_loop=%s "
           "hook=%d/%d",
           flush, kind(ptr), E(e0), E(e0b), E(e1), n1, b1, E(e2), nwrite - n1, nwrite_bytes - b1);
    FAULTS();
    printf("\n");
    uc_close(uc);
}

// 6. A UC_HOOK_MEM_WRITE hook bounded to the second page: the first page may go fast, the second must not.
static void t_write_hook_bounded(void)
{
    void *h;
    uc_engine *uc = open_uc();
    map_data(uc, 1, 2 * PAGE, UC_PROT_READ | UC_PROT_WRITE, &h);
    uc_hook wh;
    CHECK(uc_hook_add(uc, &wh, UC_HOOK_MEM_WRITE, on_write, NULL, DATA + PAGE, DATA + 2 * PAGE - 1));
    nwrite = nwrite_bytes = 0;
    set(uc, UC_ARM64_REG_X0, 0x4242424242424242ULL);
    for (int round = 0; round < 2; round++) {
        for (int pg = 0; pg < 2; pg++) {
            set(uc, UC_ARM64_REG_X1, DATA + pg * PAGE);
            RUN(uc, store_loop);
            set(uc, UC_ARM64_REG_X1, DATA + pg * PAGE + 0x100);
            set(uc, UC_ARM64_REG_X2, DATA + pg * PAGE + 0x200);
            RUN_OFF(uc, 0x100, str_dczva);
        }
    }
    printf("write-hook-bounded: hook=%d calls/%d bytes mem=%016" PRIx64 " %016" PRIx64, nwrite, nwrite_bytes,
           peek(uc, DATA + 0x200), peek(uc, DATA + PAGE + 0x200));
    FAULTS();
    printf("\n");
    uc_close(uc);
}

// 7. A WRITE_PROT hook that handles the fault: by making the page writable, or by returning true alone.
static int nprot;
static bool on_prot_fix(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *ud)
{
    nprot++;
    if (ud) uc_mem_protect(uc, addr & ~(PAGE - 1), PAGE, UC_PROT_READ | UC_PROT_WRITE);
    return true;
}
static void t_prot_handled(int fix, int ptr)
{
    void *h;
    uc_engine *uc = open_uc();
    map_data(uc, ptr, 2 * PAGE, UC_PROT_READ, &h);
    uc_hook ph;
    nprot = 0;
    CHECK(uc_hook_add(uc, &ph, UC_HOOK_MEM_WRITE_PROT, on_prot_fix, fix ? (void *)1 : NULL, 1, 0));
    set(uc, UC_ARM64_REG_X0, 0x4242424242424242ULL);
    set(uc, UC_ARM64_REG_X1, DATA);
    uc_err e1 = RUN(uc, store_loop);
    int n1 = nprot;
    uc_err e2 = RUN(uc, store_loop);
    int n2 = nprot - n1;
    // read-only again from outside: the next store must fault again
    CHECK(uc_mem_protect(uc, DATA, 2 * PAGE, UC_PROT_READ));
    set(uc, UC_ARM64_REG_X0, 0x5555555555555555ULL);
    uc_err e3 = RUN(uc, store);
    int n3 = nprot - n1 - n2;
    printf("prot-hook-returns-true %s %s: loop=%s hook=%d loop2=%s hook=%d after-reprotect=%s hook=%d mem=%016" PRIx64,
           fix ? "protect-rw" : "alone", kind(ptr), E(e1), n1, E(e2), n2, E(e3), n3, peek(uc, DATA));
    FAULTS();
    printf("\n");
    uc_close(uc);
}

// 8. A WRITE_UNMAPPED hook that maps the page and returns true; then the page is unmapped again.
static bool on_unmapped_map(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *ud)
{
    nprot++;
    return uc_mem_map(uc, addr & ~(PAGE - 1), PAGE, UC_PROT_READ | UC_PROT_WRITE) == UC_ERR_OK;
}
static void t_unmapped_handled(void)
{
    uc_engine *uc = open_uc();
    uc_hook ph;
    nprot = 0;
    CHECK(uc_hook_add(uc, &ph, UC_HOOK_MEM_WRITE_UNMAPPED, on_unmapped_map, NULL, 1, 0));
    set(uc, UC_ARM64_REG_X0, 0x4242424242424242ULL);
    set(uc, UC_ARM64_REG_X1, DATA);
    uc_err e1 = RUN(uc, store_loop);
    uc_err e2 = RUN(uc, store_loop);
    int n1 = nprot;
    CHECK(uc_mem_unmap(uc, DATA, PAGE));
    uc_err e3 = RUN(uc, store);
    printf("unmapped-hook-maps: loop=%s loop2=%s hook=%d after-unmap=%s hook=%d mem=%016" PRIx64, E(e1), E(e2), n1,
           E(e3), nprot - n1, peek(uc, DATA));
    FAULTS();
    printf("\n");
    uc_close(uc);
}

// 9. Memory snapshots (copy-on-write regions): a context restore must bring back the bytes written.
static void t_snapshot(void)
{
    void *h;
    uc_engine *uc = open_uc();
    map_data(uc, 0, 2 * PAGE, UC_PROT_READ | UC_PROT_WRITE, &h);
    CHECK(uc_ctl_context_mode(uc, UC_CTL_CONTEXT_CPU | UC_CTL_CONTEXT_MEMORY));
    uc_context *ctx;
    CHECK(uc_context_alloc(uc, &ctx));
    set(uc, UC_ARM64_REG_X0, 0x4242424242424242ULL);
    set(uc, UC_ARM64_REG_X1, DATA);
    RUN(uc, store_loop);
    CHECK(uc_context_save(uc, ctx));
    set(uc, UC_ARM64_REG_X0, 0x5555555555555555ULL);
    set(uc, UC_ARM64_REG_X1, DATA);
    uc_err e1 = RUN(uc, store_loop);
    uc_err e1b = RUN(uc, store_loop);
    uint64_t before = peek(uc, DATA);
    CHECK(uc_context_restore(uc, ctx));
    uint64_t after = peek(uc, DATA);
    set(uc, UC_ARM64_REG_X0, 0x6666666666666666ULL);
    set(uc, UC_ARM64_REG_X1, DATA);
    uc_err e2 = RUN(uc, store_loop);
    uint64_t again = peek(uc, DATA);
    CHECK(uc_context_restore(uc, ctx));
    printf("snapshot: loop=%s/%s mem=%016" PRIx64 " restored=%016" PRIx64 " loop=%s mem=%016" PRIx64
           " restored=%016" PRIx64,
           E(e1), E(e1b), before, after, E(e2), again, peek(uc, DATA));
    FAULTS();
    printf("\n");
    uc_context_free(ctx);
    uc_close(uc);
}

// 10. Timing: DC ZVA and stores over 16 KiB, repeated, on a RW map_ptr region.
static void t_bench(int reps)
{
    void *h;
    uc_engine *uc = open_uc();
    map_data(uc, 1, 16 * PAGE, UC_PROT_READ | UC_PROT_WRITE, &h);
    set(uc, UC_ARM64_REG_X0, 0x4242424242424242ULL);
    set(uc, UC_ARM64_REG_X1, DATA);
    set(uc, UC_ARM64_REG_X3, reps);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uc_err e = RUN(uc, bench);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    fprintf(stderr, "bench hooks=%d reps=%d: %s %.3f s (%.1f ns per 64-byte block)\n", fault_hooks, reps, E(e), s,
            s * 1e9 / (reps * 256.0));
    uc_close(uc);
}

// Runs one test in a child: a crash (a bug of Unicorn itself) is an outcome to compare, not the end of the run.
#define T(call)                                                                                         \
    do {                                                                                                \
        fflush(stdout);                                                                                 \
        pid_t p_ = fork();                                                                              \
        if (p_ == 0) {                                                                                  \
            call;                                                                                       \
            fflush(stdout);                                                                             \
            _exit(0);                                                                                   \
        }                                                                                               \
        int st_;                                                                                        \
        waitpid(p_, &st_, 0);                                                                           \
        if (WIFSIGNALED(st_)) printf("%s: CRASHED, signal %d\n", #call, WTERMSIG(st_));                  \
    } while (0)

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    unsigned maj, min;
    uc_version(&maj, &min);
    if (argc > 1 && !strcmp(argv[1], "bench")) {
        int reps = argc > 2 ? atoi(argv[2]) : 2000;
        for (fault_hooks = 0; fault_hooks < 2; fault_hooks++) t_bench(reps);
        return 0;
    }
    for (fault_hooks = 0; fault_hooks < 2; fault_hooks++) {
        printf("== unicorn %u.%u, fault hooks %s\n", maj, min, fault_hooks ? "on (wintrace)" : "off");
        for (int ptr = 0; ptr < 2; ptr++) {
            T(t_readonly(ptr, UC_PROT_READ));
            T(t_readonly(ptr, UC_PROT_NONE));
            T(t_readonly(ptr, UC_PROT_READ | UC_PROT_EXEC));
            const char *hows[] = {"none", "protect-ro", "protect-none", "protect-split-ro", "protect-rx", "unmap",
                                  "remap-ro"};
            for (unsigned i = 0; i < sizeof hows / sizeof *hows; i++) t_dirty_then(ptr, hows[i]);
        }
        T(t_smc());
        T(t_smc_page("rwx"));
        T(t_smc_page("rw-protect-rwx"));
        T(t_smc_page("rw-protect-rx-rwx"));
        for (int ptr = 0; ptr < 2; ptr++) {
            T(t_write_hook_later(0, ptr));
            T(t_write_hook_later(1, ptr));
        }
        T(t_write_hook_bounded());
        for (int ptr = 0; ptr < 2; ptr++) {
            T(t_prot_handled(0, ptr));
            T(t_prot_handled(1, ptr));
        }
        T(t_unmapped_handled());
        T(t_snapshot());
    }
    return 0;
}
