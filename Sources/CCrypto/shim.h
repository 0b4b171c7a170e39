#ifndef CCrypto_SHIM_H
#define CCrypto_SHIM_H
/* OpenSSL's libcrypto, for the SHA-256 (and git's SHA-1) digests that verify downloads. */
#include <openssl/evp.h>
#endif
