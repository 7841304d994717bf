"""`hapax-shards`: look at a shard folder, and export it for OLMo or Hugging Face."""
import argparse
import sys

from .export import export_olmo, export_parquet
from .masks import DEFAULT_SEED, check_rule
from .shards import ShardError, ShardFolder, SplitWindows


def info(args):
    folder = ShardFolder(args.folder)
    parameters, statistics = folder.parameters, folder.manifest["statistics"]
    tokenizer = parameters["tokenizer"]
    print(f"{folder.path}: seq_len {folder.seq_len}, scope {parameters['scope']}, "
          f"tokenizer {tokenizer['file']} ({tokenizer['vocab_size']} ids, sha256 {tokenizer['sha256'][:12]}…)")
    for split in ("train", "val"):
        entries = folder.entries(split)
        for entry in entries:
            folder.shard(entry)  # checks the header against the manifest
        print(f"  {split}: {len(SplitWindows(folder, split))} windows in {len(entries)} shard(s)")
    print(f"  {statistics['documents']} documents, {statistics['tokens']} tokens; "
          f"hapax n=2 drops {100 * statistics['hapax_dropped_share']:.2f}% of targets")
    if args.verify:
        folder.verify()
        print("  verified: every shard's SHA-256 and every frame")


def export(args):
    folder = ShardFolder(args.folder)
    exporter = {"olmo": export_olmo, "parquet": export_parquet}[args.format]
    result = exporter(folder, args.out, mask=args.mask, ngram=args.ngram, seed=args.seed)
    print(f"wrote {args.format} export of {folder.path} to {args.out}: {result}", file=sys.stderr)


def mask_rule(text):
    """--mask's type: a rule kept_targets knows, so that argparse names the option when it is not."""
    try:
        check_rule(text, 2)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hapax-shards", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("info", help="Summarize a shard folder and check its shard headers.")
    p.add_argument("folder")
    p.add_argument("--verify", action="store_true", help="Also check every shard's SHA-256 and every frame.")
    p.set_defaults(run=info)
    p = commands.add_parser("export", help="Write the windows with their labels for another training stack.",
                            description="olmo: token and label-mask memmaps for OLMo's data.paths and data.label_mask_paths; "
                                        "parquet: input_ids and labels columns for Hugging Face datasets.")
    p.add_argument("folder")
    p.add_argument("--format", choices=["olmo", "parquet"], required=True)
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--mask", default="hapax", type=mask_rule, help="hapax, none, repeat, offset or random:P (default hapax)")
    p.add_argument("--ngram", type=int, default=2, help="n of the hapax rule (default 2)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed of random:P, as hapax-train's --seed (default {DEFAULT_SEED})")
    p.set_defaults(run=export)
    args = parser.parse_args(argv)
    if args.command == "export":
        try:
            check_rule(args.mask, args.ngram)
        except ValueError as error:
            parser.error(f"--ngram: {error}")
    try:
        args.run(args)
    except (ShardError, ValueError) as error:
        sys.exit(f"hapax-shards: {error}")


if __name__ == "__main__":
    main()
