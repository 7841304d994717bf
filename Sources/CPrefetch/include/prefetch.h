#ifndef HAPAX_PREFETCH_H
#define HAPAX_PREFETCH_H

/// Asks for the cache line holding `address` to be read into every cache level, without waiting for
/// it: Swift has no prefetch of its own.
static inline void hapax_prefetch(const void *_Nonnull address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
