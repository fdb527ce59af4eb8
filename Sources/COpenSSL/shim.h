// The system OpenSSL (libssl-dev) for RFC 5425 syslog over TLS. The inline functions wrap macros Swift cannot import.
#ifndef WARDWATCH_COPENSSL_SHIM_H
#define WARDWATCH_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

static inline long ward_ssl_ctx_set_min_tls12(SSL_CTX *context) {
    return SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}
static inline long ward_ssl_ctx_accept_moving_buffer(SSL_CTX *context) {
    return SSL_CTX_set_mode(context, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}
static inline long ward_ssl_set_server_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
#endif
