/*
 * The memory part of the emulated state's digest (src/recorder/state-digest.ts), over guest memory held in host
 * pages. A record --jobs worker takes it twice a share; hashing every mapped byte made it grow with what a program
 * maps, not with what it uses: 20 s a digest for mem-4gib's 4 GiB under load. Here a page the process never
 * touched is skipped without being read: /proc/self/pagemap says it is neither present nor swapped, and such a
 * page of a private anonymous mapping (what host-pages.ts maps) reads as zeros. Every other page is read, and an
 * all-zero page is skipped too, so the digest is that of the non-zero pages with their guest addresses, whatever
 * the host did with its page tables. Without a readable pagemap, every page is read (only slower).
 *
 * The hash is not cryptographic: the digest catches a determinism bug, not an adversary. Each page is hashed in
 * four independent 64-bit lanes (XXH64's round), folded into two 64-bit accumulators with the guest address.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define PAGE 4096
#define WORDS (PAGE / 8)
#define BATCH 512

static const uint64_t P1 = 0x9E3779B185EBCA87ull, P2 = 0xC2B2AE3D27D4EB4Full, P3 = 0x165667B19E3779F9ull;

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static uint64_t round64(uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; }
static uint64_t avalanche(uint64_t h)
{
    h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32;
    return h;
}

static int is_zero(const uint64_t *w)
{
    uint64_t any = 0;
    for (int i = 0; i < WORDS; i++) any |= w[i];
    return any == 0;
}

/* state: [0], [1] the accumulators, [2] pages folded in. */
static void fold_page(uint64_t *state, const uint64_t *w, uint64_t guest)
{
    uint64_t v1 = guest + P1 + P2, v2 = guest + P2, v3 = guest, v4 = guest - P1;
    for (int i = 0; i < WORDS; i += 4) {
        v1 = round64(v1, w[i]);
        v2 = round64(v2, w[i + 1]);
        v3 = round64(v3, w[i + 2]);
        v4 = round64(v4, w[i + 3]);
    }
    uint64_t h1 = avalanche(rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18));
    uint64_t h2 = avalanche((v1 * P3) ^ rotl(v2, 29) ^ (v3 * P1) ^ rotl(v4, 41));
    state[0] = round64(state[0] ^ guest, h1);
    state[1] = round64(state[1] + guest, h2);
    state[2]++;
}

static int pagemap = -2;

/*
 * Folds the non-zero pages of host memory [host, host+len) into state, guest address `guest` at `host`; host and
 * len are page-aligned. Returns 1 when pagemap let untouched pages be skipped, 0 when every page was read.
 * int wt_digest_pages(uint64_t host, uint64_t len, uint64_t guest, uint64_t *state);
 */
int wt_digest_pages(uint64_t host, uint64_t len, uint64_t guest, uint64_t *state)
{
    if (pagemap == -2) pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    uint64_t pages = len / PAGE;
    int skipped = pagemap >= 0;
    for (uint64_t first = 0; first < pages; first += BATCH) {
        uint64_t n = pages - first < BATCH ? pages - first : BATCH;
        uint64_t entries[BATCH];
        int known = 0;
        if (pagemap >= 0) {
            off_t at = (off_t)((host / PAGE + first) * 8);
            known = pread(pagemap, entries, n * 8, at) == (ssize_t)(n * 8);
            if (!known) skipped = 0;
        }
        for (uint64_t i = 0; i < n; i++) {
            /* Bit 63: present; bit 62: swapped. Neither: never touched since mapped (or dropped): zeros. */
            if (known && (entries[i] >> 62) == 0) continue;
            const uint64_t *w = (const uint64_t *)(uintptr_t)(host + (first + i) * PAGE);
            if (is_zero(w)) continue;
            fold_page(state, w, guest + (first + i) * PAGE);
        }
    }
    return skipped;
}
