#ifndef HAPAX_SHA256_EXTENSIONS_H
#define HAPAX_SHA256_EXTENSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Whether this processor has the x86 SHA extensions (the `sha_ni` flag of /proc/cpuinfo).
bool hapax_sha256_has_extensions(void);

/// SHA-256's compression function over `blocks` consecutive 64-byte blocks, with the SHA extensions;
/// `state` holds the eight working words a..h, `round_constants` the 64 constants K of FIPS 180-4.
/// Call only when `hapax_sha256_has_extensions()`.
void hapax_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks, const uint32_t round_constants[64]);

#endif
