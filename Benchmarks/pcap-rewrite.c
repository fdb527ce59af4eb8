/*
 * pcap-rewrite: make copy number K of an Ethernet capture look like different
 * hosts, and move it in time.  Used by make-mix.sh to grow the "hospital mix"
 * from a few MB of real captures to > 1 GiB of distinct flows.
 *
 *   pcap-rewrite [-n] [-a] [-g MAXGAP_US] K SHIFT_US IN.pcap OUT.pcap|-
 *
 *   K         copy number 0..65535.  0 keeps all addresses.  Otherwise the
 *             third octet of every unicast IPv4 address, byte 13 of every
 *             unicast IPv6 address and byte 4 of every unicast MAC address is
 *             XORed with m = (K * 167) mod 256 (a bijection, so m != 0 and
 *             copies 1..255 all differ).  For K >= 256 the second IPv4 octet
 *             of non-RFC1918 addresses is also XORed with K >> 8.  First
 *             octets, last octets, multicast, broadcast, 0.0.0.0/8 and ::1
 *             are kept, so private stays private, 127/8 stays loopback and
 *             .255 stays .255.
 *             ARP sender/target addresses are rewritten the same way.
 *   SHIFT_US  added to every timestamp (microseconds, may be negative).
 *   -n        do not write the 24-byte pcap file header (for appending).
 *   -a        SHIFT_US is absolute: the first packet gets this timestamp and
 *             all others keep their distance to it.
 *   -g GAP    cap the time between consecutive packets at GAP microseconds
 *             (and turn backward jumps larger than GAP into 0).  Some
 *             corpus files are several captures years apart glued together;
 *             this squeezes them into one plausible time line.
 *
 * The rewrite is a bijection per copy, so distinct flows stay distinct.
 * IPv4 header, TCP, UDP (unless 0) and ICMPv6 checksums are updated
 * incrementally (RFC 1624), which is exact even for truncated frames and
 * keeps a wrong checksum exactly as wrong as it was.  Handles 802.1Q/802.1ad
 * tags, MPLS and PPPoE session frames.  Tunnelled inner headers are left
 * alone.  Input: classic pcap (either byte order, us or ns), DLT_EN10MB only.
 * Output: little-endian classic pcap with the input's resolution.
 *
 * Build: cc -O2 -o pcap-rewrite pcap-rewrite.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned mask8, mask_hi;

static uint32_t rd32(const uint8_t *p, int swap) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return swap ? __builtin_bswap32(v) : v;
}
static void wr32(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for one 16-bit word change. */
static void csum_update(uint8_t *field, unsigned old16, unsigned new16) {
    uint32_t sum = (~be16(field) & 0xffff) + (~old16 & 0xffff) + new16;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    unsigned hc = ~sum & 0xffff;
    field[0] = hc >> 8;
    field[1] = hc;
}

/* Checksum fields to fix when an address changes; NULL when absent. */
struct csums {
    uint8_t *f[2];
};

/* Rewrites `len` bytes at p (an address), updating every checksum in cs
 * word by word.  p must start at an even offset from the checksummed area,
 * which holds for all IP address fields. */
static void rewrite_bytes(uint8_t *p, const uint8_t *newv, int len, const struct csums *cs) {
    for (int i = 0; i < len; i += 2) {
        unsigned o = be16(p + i), n = be16(newv + i);
        if (o == n) continue;
        for (int j = 0; j < 2; j++)
            if (cs && cs->f[j]) csum_update(cs->f[j], o, n);
        p[i] = newv[i];
        p[i + 1] = newv[i + 1];
    }
}

static void map_ip4(uint8_t *a, const struct csums *cs) {
    uint8_t n[4];
    memcpy(n, a, 4);
    if (a[0] == 0 || a[0] >= 224) return; /* this-net, multicast, broadcast */
    n[2] ^= mask8;
    int rfc1918 = a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168);
    if (mask_hi && !rfc1918) n[1] ^= mask_hi;
    if (a[0] == 10 && mask_hi) n[1] ^= mask_hi;
    rewrite_bytes(a, n, 4, cs);
}

static void map_ip6(uint8_t *a, const struct csums *cs) {
    static const uint8_t zero[15];
    if (a[0] == 0xff) return;                        /* multicast */
    if (!memcmp(a, zero, 15) && a[15] <= 1) return;  /* :: and ::1 */
    uint8_t n[16];
    memcpy(n, a, 16);
    n[13] ^= mask8;
    n[12] ^= mask_hi;
    rewrite_bytes(a, n, 16, cs);
}

static void map_mac(uint8_t *m) {
    if (m[0] & 1) return; /* group / broadcast */
    static const uint8_t zero[6];
    if (!memcmp(m, zero, 6)) return;
    m[4] ^= mask8;
    m[3] ^= mask_hi;
}

/* L4 checksum field for protocol `proto` at l4 (NULL if none / truncated). */
static uint8_t *l4_csum(uint8_t *l4, uint8_t *end, unsigned proto, int v6) {
    size_t off;
    if (proto == 6) off = 16;
    else if (proto == 17) off = 6;
    else if (proto == 58 && v6) off = 2;
    else return NULL;
    if (l4 + off + 2 > end) return NULL;
    if (proto == 17 && !v6 && l4[off] == 0 && l4[off + 1] == 0) return NULL; /* no UDP checksum */
    return l4 + off;
}

static void do_ip4(uint8_t *ip, uint8_t *end) {
    if (ip + 20 > end || (ip[0] >> 4) != 4) return;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    if (ihl < 20) return;
    struct csums cs = {{ip + 10, NULL}};
    unsigned frag_off = be16(ip + 6) & 0x1fff;
    if (frag_off == 0 && ip + ihl <= end) cs.f[1] = l4_csum(ip + ihl, end, ip[9], 0);
    map_ip4(ip + 12, &cs);
    map_ip4(ip + 16, &cs);
}

static void do_ip6(uint8_t *ip, uint8_t *end) {
    if (ip + 40 > end || (ip[0] >> 4) != 6) return;
    unsigned nh = ip[6];
    uint8_t *p = ip + 40;
    int fragmented_tail = 0, routed = 0;
    while ((nh == 0 || nh == 43 || nh == 60 || nh == 44) && p + 8 <= end) {
        unsigned next = p[0];
        if (nh == 43 && p[3] != 0) routed = 1; /* segments left */
        if (nh == 44) {
            if (be16(p + 2) & 0xfff8) fragmented_tail = 1;
            p += 8;
        } else {
            p += ((size_t)p[1] + 1) * 8;
        }
        nh = next;
    }
    struct csums cs = {{NULL, NULL}}, none = {{NULL, NULL}};
    if (!fragmented_tail && p <= end) cs.f[0] = l4_csum(p, end, nh, 1);
    map_ip6(ip + 8, &cs);
    /* With a routing header the pseudo-header holds the final destination
     * from the routing header, which is not rewritten. */
    map_ip6(ip + 24, routed ? &none : &cs);
}

static void do_arp(uint8_t *a, uint8_t *end) {
    /* Ethernet/IPv4 ARP only */
    if (a + 28 > end || be16(a) != 1 || be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4) return;
    map_mac(a + 8);
    map_ip4(a + 14, NULL);
    map_mac(a + 18);
    map_ip4(a + 24, NULL);
}

static void rewrite_frame(uint8_t *f, size_t caplen) {
    uint8_t *end = f + caplen;
    if (caplen < 14) return;
    map_mac(f);
    map_mac(f + 6);
    uint8_t *p = f + 12;
    unsigned type = be16(p);
    p += 2;
    while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && p + 4 <= end) {
        type = be16(p + 2);
        p += 4;
    }
    if (type == 0x8847 || type == 0x8848) {
        while (p + 4 <= end) {
            int bos = p[2] & 1;
            p += 4;
            if (bos) break;
        }
        if (p >= end) return;
        if ((p[0] >> 4) == 4) type = 0x0800;
        else if ((p[0] >> 4) == 6) type = 0x86dd;
        else return;
    } else if (type == 0x8864) {
        if (p + 8 > end) return;
        unsigned ppp = be16(p + 6);
        p += 8;
        type = ppp == 0x0021 ? 0x0800 : ppp == 0x0057 ? 0x86dd : 0;
    }
    if (type == 0x0800) do_ip4(p, end);
    else if (type == 0x86dd) do_ip6(p, end);
    else if (type == 0x0806) do_arp(p, end);
}

int main(int argc, char **argv) {
    int no_header = 0, absolute = 0, i = 1;
    long long maxgap = -1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "-n")) no_header = 1;
        else if (!strcmp(argv[i], "-a")) absolute = 1;
        else if (!strcmp(argv[i], "-g") && i + 1 < argc) maxgap = strtoll(argv[++i], NULL, 10);
        else break;
    }
    if (argc - i != 4) {
        fprintf(stderr, "usage: pcap-rewrite [-n] [-a] [-g MAXGAP_US] K SHIFT_US IN.pcap OUT.pcap|-\n");
        return 2;
    }
    long k = strtol(argv[i], NULL, 10);
    long long shift = strtoll(argv[i + 1], NULL, 10);
    if (k < 0 || k > 65535) { fprintf(stderr, "pcap-rewrite: K out of range\n"); return 2; }
    mask8 = (unsigned)(k * 167) & 0xff;
    mask_hi = (unsigned)(k >> 8) & 0xff;

    FILE *in = fopen(argv[i + 2], "rb");
    if (!in) { perror(argv[i + 2]); return 1; }
    FILE *out = strcmp(argv[i + 3], "-") ? fopen(argv[i + 3], "wb") : stdout;
    if (!out) { perror(argv[i + 3]); return 1; }
    static char ibuf[1 << 20], obuf[1 << 20];
    setvbuf(in, ibuf, _IOFBF, sizeof ibuf);
    setvbuf(out, obuf, _IOFBF, sizeof obuf);

    uint8_t gh[24];
    if (fread(gh, 1, 24, in) != 24) { fprintf(stderr, "pcap-rewrite: short file\n"); return 1; }
    uint32_t magic = rd32(gh, 0);
    int swap, nsec;
    if (magic == 0xa1b2c3d4) { swap = 0; nsec = 0; }
    else if (magic == 0xd4c3b2a1) { swap = 1; nsec = 0; }
    else if (magic == 0xa1b23c4d) { swap = 0; nsec = 1; }
    else if (magic == 0x4d3cb2a1) { swap = 1; nsec = 1; }
    else { fprintf(stderr, "pcap-rewrite: not a classic pcap file\n"); return 1; }
    uint32_t snaplen = rd32(gh + 16, swap), linktype = rd32(gh + 20, swap);
    if ((linktype & 0x0fffffff) != 1) { fprintf(stderr, "pcap-rewrite: link type %u is not Ethernet\n", linktype); return 1; }
    if (!no_header) {
        uint8_t oh[24];
        wr32(oh, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
        oh[4] = 2; oh[5] = 0; oh[6] = 4; oh[7] = 0;
        wr32(oh + 8, 0); wr32(oh + 12, 0);
        wr32(oh + 16, snaplen); wr32(oh + 20, 1);
        fwrite(oh, 1, 24, out);
    }
    const int64_t unit = nsec ? 1000000000 : 1000000;
    const int64_t shift_units = nsec ? shift * 1000 : shift;
    const int64_t gap_units = maxgap < 0 ? -1 : (nsec ? maxgap * 1000 : maxgap);
    int64_t prev_in = 0, prev_out = 0;
    static uint8_t frame[1 << 18];
    uint8_t rh[16];
    uint64_t n = 0;
    while (fread(rh, 1, 16, in) == 16) {
        int64_t sec = rd32(rh, swap), frac = rd32(rh + 4, swap);
        uint32_t caplen = rd32(rh + 8, swap), len = rd32(rh + 12, swap);
        if (caplen > sizeof frame) { fprintf(stderr, "pcap-rewrite: record too large\n"); return 1; }
        if (fread(frame, 1, caplen, in) != caplen) { fprintf(stderr, "pcap-rewrite: truncated record\n"); break; }
        int64_t t_in = sec * unit + frac, t;
        if (n == 0) {
            t = absolute ? shift_units : t_in + shift_units;
        } else if (gap_units >= 0) {
            int64_t d = t_in - prev_in;
            if (d > gap_units) d = gap_units;
            else if (d < -gap_units) d = 0;
            t = prev_out + d;
        } else {
            t = prev_out + (t_in - prev_in);
        }
        prev_in = t_in;
        prev_out = t;
        if (t < 0) t = 0;
        wr32(rh, (uint32_t)(t / unit));
        wr32(rh + 4, (uint32_t)(t % unit));
        wr32(rh + 8, caplen);
        wr32(rh + 12, len);
        if (k) rewrite_frame(frame, caplen);
        if (fwrite(rh, 1, 16, out) != 16 || fwrite(frame, 1, caplen, out) != caplen) { perror("write"); return 1; }
        n++;
    }
    if (fflush(out) != 0) { perror("write"); return 1; }
    if (out != stdout) fclose(out);
    fclose(in);
    return 0;
}
