#ifndef WARDWATCH_CPCAP_SHIM_H
#define WARDWATCH_CPCAP_SHIM_H
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#endif
