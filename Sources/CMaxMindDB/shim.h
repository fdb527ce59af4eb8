#ifndef WARDWATCH_CMAXMINDDB_SHIM_H
#define WARDWATCH_CMAXMINDDB_SHIM_H
#include <sys/socket.h>
#include <netinet/in.h>
#include <maxminddb.h>
#endif
