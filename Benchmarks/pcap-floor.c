/*
 * pcap-floor: the lower bound for any libpcap-based replay tool.
 *
 * Opens each file with pcap_open_offline() and pcap_loop()s over it with a
 * callback that only counts packets and frame bytes (original wire length,
 * pkthdr.len).  Prints "packets bytes" on one line.  Nothing else: no
 * parsing, no allocation per packet.  Anything WardWatch does on top of
 * libpcap's read path shows up as the ratio to this number.
 *
 * With -b SIZE the file is opened with fopen() and a SIZE-byte stdio buffer
 * and handed to pcap_fopen_offline(), as WardWatch opens files (libpcap's own
 * fopen() reads 4 KiB per read(2)); the floor for that read path.
 *
 * Build: cc -O2 -o pcap-floor pcap-floor.c -lpcap
 * Usage: pcap-floor [-b SIZE] FILE...
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    size_t buffer_size = 0;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "-b") == 0) {
        buffer_size = strtoul(argv[2], NULL, 10);
        first = 3;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: %s [-b SIZE] FILE...\n", argv[0]);
        return 2;
    }
    for (int i = first; i < argc; i++) {
        pcap_t *p;
        if (buffer_size > 0) {
            FILE *f = fopen(argv[i], "rb");
            if (!f) {
                perror(argv[i]);
                return 1;
            }
            /* Leaked at exit like the handle's own buffers: one per file. */
            setvbuf(f, malloc(buffer_size), _IOFBF, buffer_size);
            p = pcap_fopen_offline(f, errbuf);
        } else {
            p = pcap_open_offline(argv[i], errbuf);
        }
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
