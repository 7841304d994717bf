"""Read hapax shard folders (docs/FORMAT.md of the hapax repository) from Python.

    from hapax_shards import HapaxDataset
    ds = HapaxDataset("shards", split="train")
    tokens, match = ds.window(0)                       # numpy arrays of seq_len + 1
    ds.example(0, mask="hapax", ngram=2)               # {"input_ids", "labels"}, -100 where dropped

For PyTorch, `hapax_shards.torch_data.HapaxIterableDataset` splits windows over ranks and workers.
`hapax-shards analyze --model DIR` (hapax_shards.model_analysis) measures any transformers causal LM
as `hapax-train analyze` measures a run.
"""
from .dataset import HapaxDataset
from .masks import IGNORE_INDEX, kept_targets, labels
from .shards import ShardError, ShardFolder

__all__ = ["HapaxDataset", "ShardFolder", "ShardError", "kept_targets", "labels", "IGNORE_INDEX"]
