"""Which targets of a window a mask rule keeps, exactly as hapax-train decides (docs/FORMAT.md,
section 1; `random:P` as docs/FORMAT.md section 6 and hapax-train draw it), and the labels a Hugging
Face causal language model takes."""
import numpy as np

IGNORE_INDEX = -100
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(z):
    """SplitMix64's output function on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


DEFAULT_SEED = 1  # hapax-train's --seed, the seed of random:P everywhere


def check_rule(mask, ngram):
    """Raises ValueError naming what is wrong with a rule, before anything is read or written."""
    kept_targets([0, 0], mask, ngram)


def kept_targets(matches, mask="hapax", ngram=2, window=0, seed=DEFAULT_SEED):
    """A boolean array over target positions 1 … L-1 of a window (index t-1 for position t): whether
    the rule keeps the target in the loss. `window` (the window's number in its split) and `seed` (the
    training seed) matter only for `random:P`, which drops target t of window w when
    mix(mix(seed ^ w) ^ t) >> 11 < P · 2^53."""
    m = np.asarray(matches, dtype=np.int64)
    t = np.arange(1, len(m))
    if mask == "hapax":
        if not 1 <= ngram <= 255:
            raise ValueError(f"ngram must be between 1 and 255, not {ngram}")
        return m[1:] < ngram
    if mask == "none":
        return np.ones(len(m) - 1, dtype=bool)
    if mask == "repeat":
        return m[1:] < 1
    if mask == "offset":
        return ~((t >= 2) & (m[:-1] >= 1))
    if isinstance(mask, str) and mask.startswith("random:"):
        try:
            p = float(mask[len("random:"):])
        except ValueError:
            p = float("nan")
        if not 0 <= p <= 1:
            raise ValueError(f"random:P needs a number P in [0, 1], not {mask[len('random:'):]!r}")
        inner = _mix(np.uint64(seed) ^ np.uint64(window))
        draws = _mix(inner ^ t.astype(np.uint64)) >> np.uint64(11)
        return draws.astype(np.float64) >= p * float(1 << 53)
    raise ValueError(f"unknown mask {mask!r} (hapax, none, repeat, offset, random:P)")


def labels(tokens, kept):
    """Labels aligned with `tokens` (the model shifts them, as Hugging Face causal LMs do): the token
    itself where its target is kept, IGNORE_INDEX (-100) where it is dropped and at position 0, which
    is never a target."""
    out = np.asarray(tokens, dtype=np.int64).copy()
    out[0] = IGNORE_INDEX
    out[1:][~np.asarray(kept, dtype=bool)] = IGNORE_INDEX
    return out
