"""The map-style dataset: window i of a split, and its training example under a mask rule."""
from .masks import DEFAULT_SEED, check_rule, kept_targets, labels
from .shards import ShardFolder, SplitWindows


class HapaxDataset:
    """Windows of one split of a shard folder. `ds[i]` is `ds.example(i)` with the dataset's own mask,
    so it works as a PyTorch map-style dataset (with `DistributedSampler` too) without importing torch.

    Examples hold the whole window, `seq_len + 1` tokens, as `input_ids`, and `labels` aligned with
    them: a causal LM that shifts its labels (Hugging Face's do) then trains exactly on the targets
    hapax-train keeps, positions 1 … seq_len, so its context must hold `seq_len + 1` tokens."""

    def __init__(self, path, split="train", mask="hapax", ngram=2, seed=DEFAULT_SEED):
        self.folder = ShardFolder(path)
        self.split = split
        self.mask, self.ngram, self.seed = mask, ngram, seed
        check_rule(mask, ngram)  # refuse an unknown rule now, not in a worker
        self._windows = SplitWindows(self.folder, split)

    @property
    def seq_len(self):
        return self.folder.seq_len

    def __len__(self):
        return len(self._windows)

    def window(self, i):
        """(tokens, match): int64 token ids and uint8 match lengths, `seq_len + 1` each."""
        tokens, matches = self._windows.window(i)
        return tokens, matches

    def kept(self, i, mask=None, ngram=None, seed=None):
        """Whether each target 1 … seq_len of window i is kept (the rule's choice, as hapax-train's)."""
        _, matches = self.window(i)
        return kept_targets(matches, mask or self.mask, ngram or self.ngram, i, self.seed if seed is None else seed)

    def example(self, i, mask=None, ngram=None, seed=None):
        tokens, _ = self.window(i)
        return {"input_ids": tokens, "labels": labels(tokens, self.kept(i, mask, ngram, seed))}

    def __getitem__(self, i):
        return self.example(i)

    def verify(self):
        """Every shard's SHA-256 and every frame of the folder; raises ShardError naming the file."""
        self.folder.verify()
