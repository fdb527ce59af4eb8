/*
 * make-flows: synthetic Ethernet/IPv4/TCP captures for WardWatch benchmarks.
 *
 * Two modes:
 *
 *   make-flows [options] N OUT.pcap
 *       N distinct short TCP flows.  Each flow is, by default,
 *         SYN, SYN-ACK, ACK, D data segments (alternating client->server and
 *         server->client, each acknowledging the other side), FIN, FIN-ACK, ACK
 *       i.e. 6 + D packets per flow.  With -r a flow is SYN, SYN-ACK, ACK, RST.
 *       5-tuples are all distinct: client 198.51.100.1-254 -> server
 *       203.0.113.1-254 (RFC 5737 documentation ranges), client port
 *       1024..65023, server port -P (default 5001).  Up to ~4e9 flows.
 *
 *   make-flows --smb-read MIB OUT.pcap
 *       One large SMB2 transfer over TCP/445: handshake, SMB2 NEGOTIATE,
 *       TREE_CONNECT, CREATE, then READ request/response pairs of 64 KiB until
 *       MIB mebibytes of file data were sent, CLOSE, FIN.  Responses are cut
 *       into MSS-sized (1448 B) segments; the client ACKs every second
 *       segment.  Synthetic (no SESSION_SETUP/NTLMSSP), but every SMB2 message
 *       is well formed and Wireshark decodes it without errors.
 *
 * Options (flow mode):
 *   -d D   data segments per flow (default 1; 0 allowed)
 *   -p P   TCP payload bytes per data segment (default 64, max 1448)
 *   -r     RST flows: SYN, SYN-ACK, ACK, RST (ignores -d/-p)
 *   -c C   C flows in flight at once, interleaved packet by packet
 *          (default 64; 1 = strictly one flow after the other)
 *   -P n   server port (default 5001)
 *   -o k   flow index offset: flows k..k+N-1 (default 0)
 *   -t s   first timestamp, seconds since the epoch (default 1700000000)
 *
 * All packets carry valid IPv4 header and TCP checksums and consistent
 * sequence/acknowledgement numbers.  Timestamps increase by 10 us per packet.
 * Output is classic little-endian pcap, microsecond resolution, DLT_EN10MB.
 * The same arguments always produce the same bytes.
 *
 * Allocation check use: "-d 4" gives 10 packets per flow, "-d 94" gives 100,
 * so the same N flows are written with exactly 10x the packets.
 *
 * Build: cc -O2 -o make-flows make-flows.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSS 1448
#define ETH_LEN 14
#define IP_LEN 20
#define TCP_LEN 20
#define HDRS (ETH_LEN + IP_LEN + TCP_LEN)

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

static FILE *out;
static uint64_t ts_us;           /* current timestamp, microseconds */
static uint64_t n_packets, n_bytes;
static uint16_t ip_id = 1;

static void die(const char *msg) {
    fprintf(stderr, "make-flows: %s: %s\n", msg, errno ? strerror(errno) : "error");
    exit(1);
}

static void put16le(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32le(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }
static void put64le(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = v >> (8 * i); }
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

static void write_global_header(void) {
    uint8_t h[24];
    put32le(h, 0xa1b2c3d4);
    put16le(h + 4, 2);
    put16le(h + 6, 4);
    put32le(h + 8, 0);
    put32le(h + 12, 0);
    put32le(h + 16, 65535);
    put32le(h + 20, 1); /* DLT_EN10MB */
    if (fwrite(h, 1, sizeof h, out) != sizeof h) die("write");
}

struct endpoint {
    uint8_t mac[6];
    uint32_t ip;
    uint16_t port;
};

/* Writes one Ethernet/IPv4/TCP frame src->dst. */
static void emit(const struct endpoint *src, const struct endpoint *dst, uint8_t flags,
                 uint32_t seq, uint32_t ack, const uint8_t *payload, size_t plen) {
    static uint8_t frame[HDRS + 65536];
    uint8_t *eth = frame, *ip = frame + ETH_LEN, *tcp = ip + IP_LEN;
    size_t len = HDRS + plen;

    memcpy(eth, dst->mac, 6);
    memcpy(eth + 6, src->mac, 6);
    eth[12] = 0x08; eth[13] = 0x00;

    ip[0] = 0x45; ip[1] = 0;
    put16be(ip + 2, (uint16_t)(IP_LEN + TCP_LEN + plen));
    put16be(ip + 4, ip_id++);
    put16be(ip + 6, 0x4000); /* DF */
    ip[8] = 64; ip[9] = 6;
    ip[10] = ip[11] = 0;
    put32be(ip + 12, src->ip);
    put32be(ip + 16, dst->ip);
    put16be(ip + 10, csum_fold(csum_add(0, ip, IP_LEN)));

    put16be(tcp, src->port);
    put16be(tcp + 2, dst->port);
    put32be(tcp + 4, seq);
    put32be(tcp + 8, (flags & F_ACK) ? ack : 0);
    tcp[12] = (TCP_LEN / 4) << 4;
    tcp[13] = flags;
    put16be(tcp + 14, 65535);
    tcp[16] = tcp[17] = 0;
    tcp[18] = tcp[19] = 0;
    if (plen) memcpy(tcp + TCP_LEN, payload, plen);
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0; pseudo[9] = 6;
    put16be(pseudo + 10, (uint16_t)(TCP_LEN + plen));
    uint32_t sum = csum_add(0, pseudo, sizeof pseudo);
    sum = csum_add(sum, tcp, TCP_LEN + plen);
    put16be(tcp + 16, csum_fold(sum));

    uint8_t rec[16];
    put32le(rec, (uint32_t)(ts_us / 1000000));
    put32le(rec + 4, (uint32_t)(ts_us % 1000000));
    put32le(rec + 8, (uint32_t)len);
    put32le(rec + 12, (uint32_t)len);
    if (fwrite(rec, 1, 16, out) != 16 || fwrite(frame, 1, len, out) != len) die("write");
    ts_us += 10;
    n_packets++;
    n_bytes += len;
}

/* ---------------------------------------------------------------- flows */

struct flow {
    struct endpoint c, s;
    uint32_t cseq, sseq; /* next sequence number to send */
};

static void flow_init(struct flow *f, uint64_t idx, uint16_t sport) {
    uint32_t ci = 1 + idx % 254, si = 1 + (idx / 254) % 254;
    uint32_t cport = 1024 + (uint32_t)((idx / (254 * 254)) % 64000);
    memset(f, 0, sizeof *f);
    f->c.mac[0] = 0x02; f->c.mac[3] = 0x64; f->c.mac[5] = (uint8_t)ci;
    f->s.mac[0] = 0x02; f->s.mac[3] = 0x71; f->s.mac[5] = (uint8_t)si;
    f->c.ip = 198u << 24 | 51u << 16 | 100u << 8 | ci;
    f->s.ip = 203u << 24 | 0u << 16 | 113u << 8 | si;
    f->c.port = (uint16_t)cport;
    f->s.port = sport;
    /* deterministic, flow-specific initial sequence numbers */
    f->cseq = (uint32_t)(idx * 2654435761u) ^ 0x1000;
    f->sseq = (uint32_t)(idx * 40503u + 0x7fff0000u);
}

/* Emits packet number `step` of a flow; returns 0 when the flow has no
 * such packet (already finished). */
static int flow_step(struct flow *f, int step, int data, const uint8_t *payload, size_t plen, int rst) {
    if (step == 0) { emit(&f->c, &f->s, F_SYN, f->cseq++, 0, NULL, 0); return 1; }
    if (step == 1) { emit(&f->s, &f->c, F_SYN | F_ACK, f->sseq++, f->cseq, NULL, 0); return 1; }
    if (step == 2) { emit(&f->c, &f->s, F_ACK, f->cseq, f->sseq, NULL, 0); return 1; }
    if (rst) {
        if (step == 3) { emit(&f->c, &f->s, F_RST | F_ACK, f->cseq, f->sseq, NULL, 0); return 1; }
        return 0;
    }
    int k = step - 3;
    if (k < data) {
        if ((k & 1) == 0) {
            emit(&f->c, &f->s, F_PSH | F_ACK, f->cseq, f->sseq, payload, plen);
            f->cseq += (uint32_t)plen;
        } else {
            emit(&f->s, &f->c, F_PSH | F_ACK, f->sseq, f->cseq, payload, plen);
            f->sseq += (uint32_t)plen;
        }
        return 1;
    }
    k -= data;
    if (k == 0) { emit(&f->c, &f->s, F_FIN | F_ACK, f->cseq++, f->sseq, NULL, 0); return 1; }
    if (k == 1) { emit(&f->s, &f->c, F_FIN | F_ACK, f->sseq++, f->cseq, NULL, 0); return 1; }
    if (k == 2) { emit(&f->c, &f->s, F_ACK, f->cseq, f->sseq, NULL, 0); return 1; }
    return 0;
}

static void make_flows(uint64_t n, uint64_t offset, int data, size_t plen, int rst, uint64_t conc, uint16_t sport) {
    uint8_t payload[MSS];
    static const char text[] = "WardWatch synthetic flow payload 0123456789 abcdefghijklmnopqrstuvwxyz\r\n";
    for (size_t i = 0; i < sizeof payload; i++) payload[i] = (uint8_t)text[i % (sizeof text - 1)];

    struct flow *batch = calloc(conc, sizeof *batch);
    if (!batch) die("calloc");
    for (uint64_t base = 0; base < n; base += conc) {
        uint64_t m = n - base < conc ? n - base : conc;
        for (uint64_t j = 0; j < m; j++) flow_init(&batch[j], offset + base + j, sport);
        for (int step = 0;; step++) {
            int any = 0;
            for (uint64_t j = 0; j < m; j++) any |= flow_step(&batch[j], step, data, payload, plen, rst);
            if (!any) break;
        }
    }
    free(batch);
}

/* ------------------------------------------------------------ SMB2 read */

struct smb_conn {
    struct flow f;
    uint64_t msg_id;
    int unacked; /* client: server segments not yet acknowledged */
};

/* Sends one NetBIOS-framed SMB2 message in MSS-sized segments. */
static void smb_send(struct smb_conn *c, int from_server, const uint8_t *msg, size_t len) {
    struct flow *f = &c->f;
    for (size_t off = 0; off < len; off += MSS) {
        size_t n = len - off < MSS ? len - off : MSS;
        uint8_t fl = F_ACK | (off + n == len ? F_PSH : 0);
        if (from_server) {
            emit(&f->s, &f->c, fl, f->sseq, f->cseq, msg + off, n);
            f->sseq += (uint32_t)n;
            if (++c->unacked == 2) { emit(&f->c, &f->s, F_ACK, f->cseq, f->sseq, NULL, 0); c->unacked = 0; }
        } else {
            emit(&f->c, &f->s, fl, f->cseq, f->sseq, msg + off, n);
            f->cseq += (uint32_t)n;
        }
    }
    if (from_server && c->unacked) { emit(&f->c, &f->s, F_ACK, f->cseq, f->sseq, NULL, 0); c->unacked = 0; }
    if (!from_server) emit(&f->s, &f->c, F_ACK, f->sseq, f->cseq, NULL, 0);
}

/* Fills NetBIOS header + SMB2 header; returns pointer to the body. */
static uint8_t *smb_hdr(uint8_t *buf, size_t total, uint16_t cmd, int response, uint64_t msg_id, uint32_t tree) {
    memset(buf, 0, 4 + 64);
    buf[0] = 0;
    buf[1] = (uint8_t)((total - 4) >> 16); buf[2] = (uint8_t)((total - 4) >> 8); buf[3] = (uint8_t)(total - 4);
    uint8_t *h = buf + 4;
    h[0] = 0xfe; h[1] = 'S'; h[2] = 'M'; h[3] = 'B';
    put16le(h + 4, 64);          /* StructureSize */
    put16le(h + 6, 1);           /* CreditCharge */
    put32le(h + 8, 0);           /* Status */
    put16le(h + 12, cmd);
    put16le(h + 14, response ? 32 : 1); /* Credits */
    put32le(h + 16, response ? 1 : 0);  /* Flags: SERVER_TO_REDIR */
    put32le(h + 20, 0);          /* NextCommand */
    put64le(h + 24, msg_id);
    put32le(h + 32, 0xfeff);     /* ProcessId */
    put32le(h + 36, tree);       /* TreeId */
    put64le(h + 40, 0x0000040000000001ull); /* SessionId */
    return h + 64;
}

static size_t utf16(uint8_t *dst, const char *s) {
    size_t n = 0;
    for (; *s; s++) { dst[n++] = (uint8_t)*s; dst[n++] = 0; }
    return n;
}

static void make_smb_read(uint64_t mib) {
    enum { NEGOTIATE = 0, TREE_CONNECT = 3, CREATE = 5, CLOSE = 6, READ = 8 };
    const uint32_t chunk = 65536, tree = 1;
    static uint8_t buf[4 + 64 + 16 + 65536];
    static const uint8_t file_id[16] = {1, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd, 1, 0, 0, 0};
    struct smb_conn c = {0};
    flow_init(&c.f, 0, 445);
    struct flow *f = &c.f;
    emit(&f->c, &f->s, F_SYN, f->cseq++, 0, NULL, 0);
    emit(&f->s, &f->c, F_SYN | F_ACK, f->sseq++, f->cseq, NULL, 0);
    emit(&f->c, &f->s, F_ACK, f->cseq, f->sseq, NULL, 0);

    uint8_t *b;
    size_t len;
    /* NEGOTIATE request: one dialect, 2.1 */
    len = 4 + 64 + 36 + 2;
    b = smb_hdr(buf, len, NEGOTIATE, 0, c.msg_id, 0);
    memset(b, 0, 38);
    put16le(b, 36); put16le(b + 2, 1); put16le(b + 4, 1);
    memset(b + 12, 0x11, 16);          /* ClientGuid */
    put16le(b + 36, 0x0210);
    smb_send(&c, 0, buf, len);
    /* NEGOTIATE response */
    len = 4 + 64 + 64;
    b = smb_hdr(buf, len, NEGOTIATE, 1, c.msg_id++, 0);
    memset(b, 0, 64);
    put16le(b, 65); put16le(b + 2, 1); put16le(b + 4, 0x0210);
    memset(b + 8, 0x22, 16);           /* ServerGuid */
    put32le(b + 28, 1 << 20); put32le(b + 32, 1 << 20); put32le(b + 36, 1 << 20);
    put64le(b + 40, 133000000000000000ull); /* SystemTime (FILETIME) */
    put16le(b + 56, 0x80); put16le(b + 58, 0);
    smb_send(&c, 1, buf, len);
    /* TREE_CONNECT request: \\203.0.113.1\images */
    {
        uint8_t path[128];
        size_t pl = utf16(path, "\\\\203.0.113.1\\images");
        len = 4 + 64 + 8 + pl;
        b = smb_hdr(buf, len, TREE_CONNECT, 0, c.msg_id, 0);
        put16le(b, 9); put16le(b + 2, 0); put16le(b + 4, 64 + 8); put16le(b + 6, (uint16_t)pl);
        memcpy(b + 8, path, pl);
        smb_send(&c, 0, buf, len);
    }
    len = 4 + 64 + 16;
    b = smb_hdr(buf, len, TREE_CONNECT, 1, c.msg_id++, tree);
    memset(b, 0, 16);
    put16le(b, 16); b[2] = 1; /* ShareType DISK */
    put32le(b + 12, 0x001f01ff); /* MaximalAccess */
    smb_send(&c, 1, buf, len);
    /* CREATE request: study\series.dcm */
    {
        uint8_t name[128];
        size_t nl = utf16(name, "study\\series-0001.dcm");
        len = 4 + 64 + 56 + nl;
        b = smb_hdr(buf, len, CREATE, 0, c.msg_id, tree);
        memset(b, 0, 56);
        put16le(b, 57);
        put32le(b + 4, 2);             /* ImpersonationLevel */
        put32le(b + 24, 0x00120089);   /* DesiredAccess: generic read */
        put32le(b + 32, 7);            /* ShareAccess */
        put32le(b + 36, 1);            /* CreateDisposition: OPEN */
        put32le(b + 40, 0x40);         /* CreateOptions: NON_DIRECTORY */
        put16le(b + 44, 64 + 56); put16le(b + 46, (uint16_t)nl);
        memcpy(b + 56, name, nl);
        smb_send(&c, 0, buf, len);
    }
    uint64_t total = mib << 20;
    len = 4 + 64 + 88;
    b = smb_hdr(buf, len, CREATE, 1, c.msg_id++, tree);
    memset(b, 0, 88);
    put16le(b, 89);
    put32le(b + 4, 1);                 /* CreateAction: OPENED */
    put64le(b + 40, total);            /* AllocationSize */
    put64le(b + 48, total);            /* EndofFile */
    put32le(b + 56, 0x80);             /* FileAttributes NORMAL */
    memcpy(b + 64, file_id, 16);
    smb_send(&c, 1, buf, len);

    /* READ loop */
    uint8_t data[65536];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 31 + (i >> 8));
    for (uint64_t off = 0; off < total; off += chunk) {
        uint32_t n = total - off < chunk ? (uint32_t)(total - off) : chunk;
        len = 4 + 64 + 49;
        b = smb_hdr(buf, len, READ, 0, c.msg_id, tree);
        memset(b, 0, 49);
        put16le(b, 49); b[2] = 0x50;
        put32le(b + 4, n); put64le(b + 8, off);
        memcpy(b + 16, file_id, 16);
        put32le(b + 32, 1);            /* MinimumCount */
        smb_send(&c, 0, buf, len);

        len = 4 + 64 + 16 + n;
        b = smb_hdr(buf, len, READ, 1, c.msg_id++, tree);
        memset(b, 0, 16);
        put16le(b, 17); b[2] = 0x50;
        put32le(b + 4, n);
        data[0] = (uint8_t)(off >> 16); /* vary content a little per chunk */
        memcpy(b + 16, data, n);
        smb_send(&c, 1, buf, len);
    }
    /* CLOSE */
    len = 4 + 64 + 24;
    b = smb_hdr(buf, len, CLOSE, 0, c.msg_id, tree);
    memset(b, 0, 24);
    put16le(b, 24); memcpy(b + 8, file_id, 16);
    smb_send(&c, 0, buf, len);
    len = 4 + 64 + 60;
    b = smb_hdr(buf, len, CLOSE, 1, c.msg_id++, tree);
    memset(b, 0, 60);
    put16le(b, 60);
    smb_send(&c, 1, buf, len);

    emit(&f->c, &f->s, F_FIN | F_ACK, f->cseq++, f->sseq, NULL, 0);
    emit(&f->s, &f->c, F_FIN | F_ACK, f->sseq++, f->cseq, NULL, 0);
    emit(&f->c, &f->s, F_ACK, f->cseq, f->sseq, NULL, 0);
}

static void usage(void) {
    fprintf(stderr,
            "usage: make-flows [-d D] [-p P] [-r] [-c C] [-P port] [-o offset] [-t start] N OUT.pcap\n"
            "       make-flows [-t start] --smb-read MIB OUT.pcap\n");
    exit(2);
}

static uint64_t num(const char *s) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s) usage();
    return v;
}

int main(int argc, char **argv) {
    int data = 1, rst = 0;
    size_t plen = 64;
    uint64_t conc = 64, offset = 0, start = 1700000000, smb_mib = 0;
    uint16_t sport = 5001;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-r")) { rst = 1; continue; }
        if (i + 1 >= argc) usage();
        if (!strcmp(a, "-d")) data = (int)num(argv[++i]);
        else if (!strcmp(a, "-p")) plen = (size_t)num(argv[++i]);
        else if (!strcmp(a, "-c")) conc = num(argv[++i]);
        else if (!strcmp(a, "-P")) sport = (uint16_t)num(argv[++i]);
        else if (!strcmp(a, "-o")) offset = num(argv[++i]);
        else if (!strcmp(a, "-t")) start = num(argv[++i]);
        else if (!strcmp(a, "--smb-read")) smb_mib = num(argv[++i]);
        else usage();
    }
    if (plen > MSS || conc == 0 || data < 0) usage();
    if (smb_mib ? argc - i != 1 : argc - i != 2) usage();
    uint64_t n = smb_mib ? 0 : num(argv[i]);
    const char *path = argv[argc - 1];

    out = fopen(path, "wb");
    if (!out) die(path);
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    ts_us = start * 1000000;
    write_global_header();
    if (smb_mib) make_smb_read(smb_mib);
    else make_flows(n, offset, data, plen, rst, conc, sport);
    if (fclose(out) != 0) die(path);
    fprintf(stderr, "make-flows: %s: %llu packets, %llu frame bytes\n", path,
            (unsigned long long)n_packets, (unsigned long long)n_bytes);
    return 0;
}
