/*
 * make-flood: flood captures for WardWatch's reliability runs (Scripts/flood.sh).
 *
 *   make-flood [-t START_US] [-s SPAN_US] [-S SEED] [-o OOO] KIND N OUT.pcap
 *
 * KIND is one of (addresses are those of the lab in Captures/scenarios/site.yaml):
 *
 *   syn    N TCP SYNs from random IPv4 sources and ports (seeded) to filesrv01
 *          172.16.20.10:445, each a flow that never completes its handshake.
 *   udp    N distinct UDP flows of one datagram each: 198.18.0.0/15 (RFC 2544
 *          benchmarking range) source k % 131072, port 10000 + k / 131072, to
 *          172.16.20.10:514.
 *   smb    N TCP connections to 172.16.20.10:445 from 172.16.20.100-199, each
 *          holding a half-finished SMB message: handshake, then an NBSS header
 *          announcing 128 KiB with an SMB2 CREATE request header, 32 KiB of it
 *          in order, a missing segment, and OOO segments (default 64) after the
 *          hole that never fills.  The connection never ends.
 *   dicom  N TCP connections to the PACS 172.16.10.10 (ports 104 and 11112 in
 *          turn) from 172.16.10.100-199.  Even ones send an A-ASSOCIATE-RQ
 *          header announcing 0xFFFFFFF0 bytes and 8 KiB of it; odd ones
 *          associate properly (RQ, AC) and then send a P-DATA-TF announcing
 *          0xFFFFFFF0 bytes and 8 KiB of it.  None ends.
 *   hl7    N MLLP connections to the HL7 engine 172.16.10.30:2575 from
 *          172.16.10.100-199, each sending 0x0B, an MSH segment and 16 KiB of
 *          NTE segments, never the 0x1C 0x0D end block.  None ends.
 *
 * Packets are spread evenly over [START_US, START_US + SPAN_US] (defaults: the
 * ransomware-smb2 scenario's 20.7 s starting 2026-11-26T04:31:03Z), so that a
 * scenario capture replayed with the flood (`wardwatch replay flood.pcap
 * attack.pcap` merges files in time order) is interleaved with it.  The same
 * arguments always give the same bytes.  IPv4 and TCP/UDP checksums are valid.
 * Output: classic little-endian pcap, microseconds, DLT_EN10MB.  Prints the
 * packet count on standard output.
 *
 * Tests/WardEngineTests/FloodTests.swift builds the same shapes, smaller, in
 * Swift.
 *
 * Build: cc -O2 -o make-flood make-flood.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSS 1448
enum { F_FIN = 0x01, F_SYN = 0x02, F_PSH = 0x08, F_ACK = 0x10 };

static FILE *out;                  /* NULL during the counting pass */
static uint64_t n_packets, total_packets, start_us, span_us;
static uint16_t ip_id = 1;
static uint64_t rng_state;

static void die(const char *msg) {
    fprintf(stderr, "make-flood: %s: %s\n", msg, errno ? strerror(errno) : "error");
    exit(1);
}

/* SplitMix64, as WardTestSupport's SeededGenerator. */
static uint64_t next_random(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void put16le(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32le(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }
static void put16be(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32be(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n) {
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1) sum += (uint32_t)p[n - 1] << 8;
    return sum;
}
static uint16_t csum_fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint32_t ip4(int a, int b, int c, int d) { return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d; }

struct endpoint {
    uint8_t mac[6];
    uint32_t ip;
    uint16_t port;
};

static struct endpoint host(const uint8_t mac[6], uint32_t ip, uint16_t port) {
    struct endpoint e;
    memcpy(e.mac, mac, 6);
    e.ip = ip;
    e.port = port;
    return e;
}

/* Lab MACs: the servers are the site file's devices; clients and the router are locally administered. */
static const uint8_t MAC_FILESRV[6] = {0x02, 0x57, 0x57, 0x10, 0x14, 0x0a};
static const uint8_t MAC_PACS[6] = {0x00, 0x0b, 0xdb, 0x10, 0x00, 0x0a};
static const uint8_t MAC_HL7[6] = {0x02, 0x57, 0x57, 0x10, 0x0a, 0x1e};
static const uint8_t MAC_ROUTER[6] = {0x02, 0x57, 0x57, 0x10, 0x14, 0x01};

static void client_mac(uint8_t mac[6], uint32_t ip) {
    mac[0] = 0x02; mac[1] = 0x46; mac[2] = 0x4c;  /* "FL" */
    mac[3] = ip >> 16; mac[4] = ip >> 8; mac[5] = ip;
}

/* Writes one Ethernet/IPv4 frame with a TCP (proto 6) or UDP (17) header; the timestamp spreads packets evenly. */
static void emit(const struct endpoint *src, const struct endpoint *dst, int proto, uint8_t flags, uint32_t seq,
                 uint32_t ack, const uint8_t *payload, size_t plen) {
    static uint8_t frame[14 + 20 + 20 + 65536];
    uint64_t index = n_packets++;
    if (!out) return;
    size_t l4 = proto == 6 ? 20 : 8;
    uint8_t *eth = frame, *ip = frame + 14, *th = ip + 20;
    size_t len = 14 + 20 + l4 + plen;

    memcpy(eth, dst->mac, 6);
    memcpy(eth + 6, src->mac, 6);
    eth[12] = 0x08; eth[13] = 0x00;
    ip[0] = 0x45; ip[1] = 0;
    put16be(ip + 2, (uint16_t)(20 + l4 + plen));
    put16be(ip + 4, ip_id++);
    put16be(ip + 6, 0x4000);
    ip[8] = 64; ip[9] = (uint8_t)proto;
    ip[10] = ip[11] = 0;
    put32be(ip + 12, src->ip);
    put32be(ip + 16, dst->ip);
    put16be(ip + 10, csum_fold(csum_add(0, ip, 20)));

    put16be(th, src->port);
    put16be(th + 2, dst->port);
    if (proto == 6) {
        put32be(th + 4, seq);
        put32be(th + 8, (flags & F_ACK) ? ack : 0);
        th[12] = 5 << 4;
        th[13] = flags;
        put16be(th + 14, 65535);
        th[16] = th[17] = th[18] = th[19] = 0;
    } else {
        put16be(th + 4, (uint16_t)(8 + plen));
        th[6] = th[7] = 0;
    }
    if (plen) memcpy(th + l4, payload, plen);
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0; pseudo[9] = (uint8_t)proto;
    put16be(pseudo + 10, (uint16_t)(l4 + plen));
    uint16_t sum = csum_fold(csum_add(csum_add(0, pseudo, sizeof pseudo), th, l4 + plen));
    put16be(th + (proto == 6 ? 16 : 6), proto == 17 && sum == 0 ? 0xffff : sum);

    uint64_t ts = start_us + (total_packets > 1 ? index * span_us / (total_packets - 1) : 0);
    uint8_t rec[16];
    put32le(rec, (uint32_t)(ts / 1000000));
    put32le(rec + 4, (uint32_t)(ts % 1000000));
    put32le(rec + 8, (uint32_t)len);
    put32le(rec + 12, (uint32_t)len);
    if (fwrite(rec, 1, 16, out) != 16 || fwrite(frame, 1, len, out) != len) die("write");
}

/* One TCP connection seen from the mirror port: the handshake, then client data segments. */
struct conn {
    struct endpoint c, s;
    uint32_t cseq, sseq; /* next sequence number each side sends */
};

static void conn_open(struct conn *k, struct endpoint c, struct endpoint s) {
    k->c = c;
    k->s = s;
    k->cseq = (uint32_t)next_random();
    k->sseq = (uint32_t)next_random();
    emit(&k->c, &k->s, 6, F_SYN, k->cseq++, 0, NULL, 0);
    emit(&k->s, &k->c, 6, F_SYN | F_ACK, k->sseq++, k->cseq, NULL, 0);
    emit(&k->c, &k->s, 6, F_ACK, k->cseq, k->sseq, NULL, 0);
}

/* Sends `len` bytes in MSS-sized segments from the client (from_server = 0) or the server. */
static void conn_send(struct conn *k, int from_server, const uint8_t *data, size_t len) {
    for (size_t off = 0; off < len; off += MSS) {
        size_t n = len - off < MSS ? len - off : MSS;
        if (from_server) {
            emit(&k->s, &k->c, 6, F_PSH | F_ACK, k->sseq, k->cseq, data + off, n);
            k->sseq += (uint32_t)n;
        } else {
            emit(&k->c, &k->s, 6, F_PSH | F_ACK, k->cseq, k->sseq, data + off, n);
            k->cseq += (uint32_t)n;
        }
    }
}

/* Client `index` of a /24 range base.100-199, with a distinct source port per connection. */
static struct endpoint flood_client(uint32_t net, uint64_t index) {
    uint32_t ip = net | (uint32_t)(100 + index % 100);
    uint8_t mac[6];
    client_mac(mac, ip);
    return host(mac, ip, (uint16_t)(20000 + (index / 100) % 45000));
}

/* ------------------------------------------------------------------ kinds */

static void make_syn(uint64_t n) {
    struct endpoint dst = host(MAC_FILESRV, ip4(172, 16, 20, 10), 445);
    for (uint64_t k = 0; k < n; k++) {
        uint64_t r = next_random();
        uint32_t ip = (uint32_t)r;
        uint8_t first = ip >> 24;
        if (first == 0 || first == 127 || first >= 224) ip ^= 0x40000000u; /* unicast, not 0/8 or loopback */
        struct endpoint src = host(MAC_ROUTER, ip, (uint16_t)(1024 + (r >> 32) % 64512));
        emit(&src, &dst, 6, F_SYN, (uint32_t)(r >> 16), 0, NULL, 0);
    }
}

static void make_udp(uint64_t n) {
    static const uint8_t payload[32] = "wardwatch udp flood 0123456789";
    struct endpoint dst = host(MAC_FILESRV, ip4(172, 16, 20, 10), 514);
    for (uint64_t k = 0; k < n; k++) {
        struct endpoint src = host(MAC_ROUTER, ip4(198, 18, 0, 0) + (uint32_t)(k % 131072),
                                   (uint16_t)(10000 + k / 131072));
        emit(&src, &dst, 17, 0, 0, 0, payload, sizeof payload);
    }
}

static void make_smb(uint64_t n, int ooo) {
    enum { ANNOUNCED = 128 * 1024, IN_ORDER = 32 * 1024 };
    static uint8_t msg[4 + ANNOUNCED];
    memset(msg, 0, sizeof msg);
    msg[0] = 0x00; /* NBSS session message, 24-bit length */
    msg[1] = (uint8_t)(ANNOUNCED >> 16); msg[2] = (uint8_t)(ANNOUNCED >> 8); msg[3] = (uint8_t)ANNOUNCED;
    uint8_t *h = msg + 4;
    h[0] = 0xfe; h[1] = 'S'; h[2] = 'M'; h[3] = 'B';
    put16le(h + 4, 64);  /* StructureSize */
    put16le(h + 12, 5);  /* CREATE */
    put16le(h + 14, 1);  /* Credits */
    for (size_t i = 4 + 64; i < sizeof msg; i++) msg[i] = (uint8_t)(i * 7 + (i >> 9));
    struct endpoint server = host(MAC_FILESRV, ip4(172, 16, 20, 10), 445);
    for (uint64_t k = 0; k < n; k++) {
        struct conn c;
        conn_open(&c, flood_client(ip4(172, 16, 20, 0), k), server);
        put32le(h + 24, (uint32_t)k); /* MessageId */
        conn_send(&c, 0, msg, IN_ORDER);
        c.cseq += MSS; /* a segment that never arrives */
        conn_send(&c, 0, msg + IN_ORDER + MSS, (size_t)ooo * MSS);
    }
}

static size_t dicom_item(uint8_t *p, uint8_t type, const char *text) {
    size_t len = strlen(text);
    p[0] = type; p[1] = 0; put16be(p + 2, (uint16_t)len);
    memcpy(p + 4, text, len);
    return 4 + len;
}

/* An A-ASSOCIATE-RQ (type 1) or -AC (type 2): fixed part, application context, one presentation context, user
 * information with a maximum length; returns its length. */
static size_t dicom_associate(uint8_t *p, uint8_t type) {
    size_t n = 6;
    memset(p, 0, 74);
    p[0] = type;
    put16be(p + 6, 1); /* protocol version */
    memcpy(p + 10, "PACS1           ", 16);
    memcpy(p + 26, "FLOODSCU        ", 16);
    n = 74;
    n += dicom_item(p + n, 0x10, "1.2.840.10008.3.1.1.1");
    uint8_t *pc = p + n;
    size_t m = 8;
    pc[0] = type == 1 ? 0x20 : 0x21; pc[1] = 0;
    pc[4] = 1; pc[5] = 0; pc[6] = 0; pc[7] = 0; /* context id 1; result 0 (acceptance) in an AC */
    if (type == 1) m += dicom_item(pc + m, 0x30, "1.2.840.10008.5.1.4.1.1.2");
    m += dicom_item(pc + m, 0x40, "1.2.840.10008.1.2");
    put16be(pc + 2, (uint16_t)(m - 4));
    n += m;
    uint8_t *ui = p + n;
    ui[0] = 0x50; ui[1] = 0; put16be(ui + 2, 8);
    ui[4] = 0x51; ui[5] = 0; put16be(ui + 6, 4); put32be(ui + 8, 16384);
    n += 12;
    put32be(p + 2, (uint32_t)(n - 6));
    return n;
}

static void make_dicom(uint64_t n) {
    enum { BODY = 8 * 1024 };
    static uint8_t buf[6 + 6 + BODY], assoc[512];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 13 + 1);
    for (uint64_t k = 0; k < n; k++) {
        struct conn c;
        struct endpoint pacs = host(MAC_PACS, ip4(172, 16, 10, 10), k % 2 ? 11112 : 104);
        conn_open(&c, flood_client(ip4(172, 16, 10, 0), k), pacs);
        if (k % 2 == 0) {
            /* A-ASSOCIATE-RQ announcing ~4 GB: header, protocol version, then 8 KiB of it */
            buf[0] = 0x01; buf[1] = 0; put32be(buf + 2, 0xFFFFFFF0u);
            put16be(buf + 6, 1);
            conn_send(&c, 0, buf, 6 + BODY);
        } else {
            conn_send(&c, 0, assoc, dicom_associate(assoc, 1));
            conn_send(&c, 1, assoc, dicom_associate(assoc, 2));
            /* P-DATA-TF announcing ~4 GB, one PDV of the same size (context 1, data), then 8 KiB of it */
            buf[0] = 0x04; buf[1] = 0; put32be(buf + 2, 0xFFFFFFF0u);
            put32be(buf + 6, 0xFFFFFFECu); buf[10] = 1; buf[11] = 0x00;
            conn_send(&c, 0, buf, sizeof buf);
        }
    }
}

static void make_hl7(uint64_t n) {
    enum { BODY = 16 * 1024 };
    static uint8_t buf[BODY + 256];
    static const char nte[] = "NTE|1||flood filler without an end block 0123456789 abcdefghijklmnopqrstuvwxyz\r";
    struct endpoint engine = host(MAC_HL7, ip4(172, 16, 10, 30), 2575);
    for (uint64_t k = 0; k < n; k++) {
        struct conn c;
        conn_open(&c, flood_client(ip4(172, 16, 10, 0), k), engine);
        int len = snprintf((char *)buf, sizeof buf,
                           "\x0bMSH|^~\\&|FLOOD|WARD|REGADT|HOSP|20261126043100||ADT^A01|FLOOD%llu|P|2.5\r",
                           (unsigned long long)k);
        size_t used = (size_t)len;
        while (used + sizeof nte - 1 <= BODY) {
            memcpy(buf + used, nte, sizeof nte - 1);
            used += sizeof nte - 1;
        }
        conn_send(&c, 0, buf, used);
    }
}

/* ------------------------------------------------------------------- main */

static void usage(void) {
    fprintf(stderr, "usage: make-flood [-t START_US] [-s SPAN_US] [-S SEED] [-o OOO] syn|udp|smb|dicom|hl7 N OUT.pcap\n");
    exit(2);
}

static uint64_t num(const char *s) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s) usage();
    return v;
}

static void generate(const char *kind, uint64_t n, uint64_t seed, int ooo) {
    rng_state = seed;
    n_packets = 0;
    ip_id = 1;
    if (!strcmp(kind, "syn")) make_syn(n);
    else if (!strcmp(kind, "udp")) make_udp(n);
    else if (!strcmp(kind, "smb")) make_smb(n, ooo);
    else if (!strcmp(kind, "dicom")) make_dicom(n);
    else if (!strcmp(kind, "hl7")) make_hl7(n);
    else usage();
}

int main(int argc, char **argv) {
    uint64_t seed = 1, ooo = 64;
    start_us = 1795667463000000ull; /* 2026-11-26T04:31:03Z */
    span_us = 20700000ull;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "-t")) start_us = num(argv[i + 1]);
        else if (!strcmp(argv[i], "-s")) span_us = num(argv[i + 1]);
        else if (!strcmp(argv[i], "-S")) seed = num(argv[i + 1]);
        else if (!strcmp(argv[i], "-o")) ooo = num(argv[i + 1]);
        else usage();
    }
    if (argc - i != 3 || ooo > 1000) usage();
    const char *kind = argv[i], *path = argv[i + 2];
    uint64_t n = num(argv[i + 1]);

    out = NULL;
    generate(kind, n, seed, (int)ooo); /* counting pass: the timestamps need the total */
    total_packets = n_packets;
    out = fopen(path, "wb");
    if (!out) die(path);
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    uint8_t h[24];
    put32le(h, 0xa1b2c3d4); put16le(h + 4, 2); put16le(h + 6, 4);
    put32le(h + 8, 0); put32le(h + 12, 0); put32le(h + 16, 65535); put32le(h + 20, 1);
    if (fwrite(h, 1, sizeof h, out) != sizeof h) die("write");
    generate(kind, n, seed, (int)ooo);
    if (fclose(out) != 0) die(path);
    printf("%llu\n", (unsigned long long)n_packets);
    return 0;
}
