/*
 * pcap-floor: the lower bound for any libpcap-based replay tool.
 *
 * Opens each file with pcap_open_offline() and pcap_loop()s over it with a
 * callback that only counts packets and frame bytes (original wire length,
 * pkthdr.len).  Prints "packets bytes" on one line.  Nothing else: no
 * parsing, no allocation per packet.  Anything WardWatch does on top of
 * libpcap's read path shows up as the ratio to this number.
 *
 * Build: cc -O2 -o pcap-floor pcap-floor.c -lpcap
 * Usage: pcap-floor FILE...
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct counts {
    uint64_t packets;
    uint64_t bytes;
    uint64_t touched;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data) {
    struct counts *c = (struct counts *)user;
    c->packets++;
    c->bytes += h->len;
    /* Read one byte of the frame, as any real consumer must; the struct
     * escapes into pcap_loop so the compiler cannot drop the load. */
    if (h->caplen > 0) c->touched += data[0];
}

int main(int argc, char **argv) {
    char errbuf[PCAP_ERRBUF_SIZE];
    struct counts c = {0, 0, 0};
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        pcap_t *p = pcap_open_offline(argv[i], errbuf);
        if (!p) {
            fprintf(stderr, "pcap-floor: %s: %s\n", argv[i], errbuf);
            return 1;
        }
        if (pcap_loop(p, -1, on_packet, (u_char *)&c) == PCAP_ERROR) {
            fprintf(stderr, "pcap-floor: %s: %s\n", argv[i], pcap_geterr(p));
            pcap_close(p);
            return 1;
        }
        pcap_close(p);
    }
    printf("%llu %llu\n", (unsigned long long)c.packets, (unsigned long long)c.bytes);
    return 0;
}
