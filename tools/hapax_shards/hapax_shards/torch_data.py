"""PyTorch datasets over hapax shards (needs torch).

`HapaxDataset` (the map-style dataset) works as it is with `DataLoader` and `DistributedSampler`.
`HapaxIterableDataset` streams one epoch of a split, shuffled by seed and epoch, split across
distributed ranks and data-loader workers with no window read twice and every rank taking the same
number of steps, and can start mid-epoch at a position the training loop reports.
"""
import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import IterableDataset, get_worker_info

from .dataset import HapaxDataset
from .masks import _mix

GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def epoch_order(windows, seed, epoch):
    """The shuffle of `windows` windows in `epoch`: hapax-train's (docs/FORMAT.md, section 6), a
    Fisher-Yates permutation driven by SplitMix64 seeded with mix(seed + epoch · 0xD1B54A32D192ED03)."""
    with np.errstate(over="ignore"):
        state = _mix(np.uint64(seed) + np.uint64(epoch) * np.uint64(0xD1B54A32D192ED03))
        draws = _mix(state + np.arange(1, windows, dtype=np.uint64) * GOLDEN)
    order = np.arange(windows, dtype=np.int64)
    for k, i in enumerate(range(windows - 1, 0, -1)):
        j = int(draws[k] % np.uint64(i + 1))
        order[i], order[j] = order[j], order[i]
    return order


class HapaxIterableDataset(IterableDataset):
    """One epoch of a split as a stream of examples, for `DataLoader(ds, batch_size=batch_size)`.

    The epoch's shuffled order is cut into chunks of `batch_size` windows. Under R ranks each with W
    workers, training step s takes chunk s·R + r on rank r, delivered by worker s mod W (a DataLoader
    takes batches from its workers in turn), so after S steps the job has consumed exactly the first
    S·R·batch_size windows of the order: that count is the position to resume from
    (`position_after(S)`), given back as `start`, a multiple of R·batch_size.

    An epoch has `windows // (R·batch_size)` steps, the same on every rank, so that no rank waits at
    the end of an epoch for peers that have finished it; the last `windows mod (R·batch_size)` windows
    of each epoch's order (other ones each epoch) are not read in that epoch. `len()` is the number of
    examples this rank reads from `start` to the end of the epoch.

    `set_epoch` reaches data-loader workers that already exist (`persistent_workers=True`): the epoch
    and start live in shared memory, read by each worker when an epoch's iteration begins."""

    def __init__(self, path, split="train", batch_size=1, mask="hapax", ngram=2, seed=1, epoch=0, start=0, shuffle=True):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.data = HapaxDataset(path, split, mask, ngram, seed)
        self.batch_size = batch_size
        self.seed, self.shuffle = seed, shuffle
        # Read here, in the training process: data-loader workers have no process group.
        distributed = dist.is_available() and dist.is_initialized()
        self.rank, self.world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
        self._position = torch.zeros(2, dtype=torch.int64).share_memory_()
        self.set_epoch(epoch, start)

    @property
    def epoch(self):
        return int(self._position[0])

    @property
    def start(self):
        return int(self._position[1])

    @property
    def steps_per_epoch(self):
        return len(self.data) // (self.world * self.batch_size)

    def set_epoch(self, epoch, start=0):
        step = self.world * self.batch_size
        if start % step or not 0 <= start <= self.steps_per_epoch * step:
            raise ValueError(f"start {start} is not a step boundary of the epoch: a multiple of ranks × batch size = {step}, "
                             f"at most {self.steps_per_epoch * step}")
        self._position[0], self._position[1] = epoch, start

    def position_after(self, steps):
        """The position in the epoch after `steps` more training steps from `start`."""
        return self.start + steps * self.world * self.batch_size

    def __len__(self):
        return (self.steps_per_epoch - self.start // (self.world * self.batch_size)) * self.batch_size

    def __iter__(self):
        info = get_worker_info()
        workers, worker = (info.num_workers, info.id) if info else (1, 0)
        ranks, rank, b = self.world, self.rank, self.batch_size
        epoch, start = self.epoch, self.start
        count = len(self.data)
        order = epoch_order(count, self.seed, epoch) if self.shuffle else np.arange(count)
        for step in range(start // (ranks * b) + worker, self.steps_per_epoch, workers):
            chunk = step * ranks + rank
            for position in range(chunk * b, chunk * b + b):
                window = int(order[position])
                example = self.data.example(window)
                yield {"input_ids": torch.from_numpy(example["input_ids"]), "labels": torch.from_numpy(example["labels"]),
                       "window": window}
