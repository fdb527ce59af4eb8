// The system OpenSSL (libssl-dev) for RFC 5425 syslog over TLS and for the SHA-1 of Community IDs. The inline
// functions wrap macros Swift cannot import, and the low-level SHA-1 calls OpenSSL 3 marks deprecated.
#ifndef WARDWATCH_COPENSSL_SHIM_H
#define WARDWATCH_COPENSSL_SHIM_H
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stddef.h>
#include <openssl/sha.h>
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
// SHA-1 of a short message straight through OpenSSL's block function (which uses the processor's SHA extensions
// where it has them): no provider lookup and no allocation, unlike the EVP interface or SHA1() in OpenSSL 3.
static inline void ward_sha1(const void *message, size_t length, unsigned char digest[SHA_DIGEST_LENGTH]) {
    SHA_CTX context;
    SHA1_Init(&context);
    SHA1_Update(&context, message, length);
    SHA1_Final(digest, &context);
}
#endif
