"""`hapax-shards`: look at a shard folder, export it for OLMo or Hugging Face, and measure any
Hugging Face model by hapax's definitions."""
import argparse
import json
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


def analyze(args):
    from .model_analysis import analyze as measure

    report = measure(args)
    if args.json:
        print(json.dumps(report))
        return
    print(f"analysis of {report['model']} in {report['seconds']:.1f} s")
    for name in ("uniform", "frequent"):
        m = report if name == "uniform" else report.get("frequent")
        if m is None:
            continue
        print(f"\n{name} random tokens ({m['tokens']} ids): prefix matching on {report['sequences']} sequences of 2 × {m['repeat_length']}")
        print(f"  induction heads (score ≥ {m['threshold']:.2f}): {m['induction_heads']}; top-10 mean {m['top10_mean']:.3f}; "
              f"best {', '.join(m['top_heads'][:4])}")
        for layer, heads in zip(m["attention_layers"], m["prefix_matching"]):
            print(f"  L{layer:<7}" + "".join(f"{score:7.3f}" for score in heads))
        print(f"  repetition (s = {m['repetition_length']}, {report['repetitions']} sequences): accuracy {m['repetition_accuracy']:.3f}; "
              f"loss on the first copy {m['repetition_loss_first']:.3f}, on the second {m['repetition_loss_second']:.3f}")
    if "loss_all" in report:
        early, late = report["icl_positions"]
        dropped = report.get("loss_dropped")
        print(f"\ntoken-loss difference (loss at position {late} minus at {early}): {report['icl_score']:.4f}")
        print(f"validation loss: all {report['loss_all']:.4f}, kept {report['loss_kept']:.4f}, "
              f"dropped {'–' if dropped is None else f'{dropped:.4f}'} (hapax n = 2)")
    if "icl" in report:
        print(f"\nfew-shot accuracy, {args.shots} shots, {args.trials} trials per task")
        for r in report["icl"]["tasks"]:
            print(f"  {r['task']:<28}{r['family']:<13}{r['accuracy']:8.3f}    {r['low']:.3f} – {r['high']:.3f}")
        for family, mean in sorted(report["icl"]["families"].items()):
            print(f"  mean {family}: {mean:.3f}")


def mask_rule(text):
    """--mask's type: a rule kept_targets knows, so that argparse names the option when it is not."""
    try:
        check_rule(text, 2)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def at_least(minimum):
    """An integer option's type that refuses values below `minimum`, as hapax-train's validate() does."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value}: must be at least {minimum}")
        return value
    return parse


def seed(text):
    """--seed's type: hapax's seeds are unsigned 64-bit integers."""
    value = at_least(0)(text)
    if value >= 1 << 64:
        raise argparse.ArgumentTypeError(f"{value}: must be below 2^64")
    return value


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
    p.add_argument("--seed", type=seed, default=DEFAULT_SEED, help=f"seed of random:P, as hapax-train's --seed (default {DEFAULT_SEED})")
    p.set_defaults(run=export)
    p = commands.add_parser(
        "analyze", help="Measure a transformers causal LM as hapax-train analyze measures a run.",
        description="Prefix matching of every head (eager attention), the repetition test, and with --data the same on "
                    "frequent tokens, the validation losses on the targets hapax n = 2 keeps and drops and the token-loss "
                    "difference; with --tasks, few-shot accuracy. The JSON (--json) has hapax-train analyze's fields, so "
                    "`hapax-train report` reads it beside run folders. Any AutoModelForCausalLM folder: GPT-2, GPT-NeoX "
                    "(Pythia), Llama, OLMo, or `hapax-train export --format hf`.")
    p.add_argument("--model", required=True, help="a transformers model folder (config.json and weights)")
    p.add_argument("--data", help="a shard folder made with the model's tokenizer")
    p.add_argument("--tasks", nargs="+", default=[], help="task files or folders (abstractive/*.json, extractive/*.json)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or mps (default cpu); checked before the model loads")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--sequences", type=at_least(1), default=100, help="prefix-matching sequences (default 100)")
    p.add_argument("--repeat-length", type=at_least(2), default=50,
                   help="R, each prefix-matching sequence's first half (default 50; at most half the model's context)")
    p.add_argument("--repetitions", type=at_least(1), default=1000, help="repetition-test sequences (default 1000)")
    p.add_argument("--repetition-length", type=at_least(2), default=20,
                   help="s, each repetition sequence's first copy (default 20; at most half the model's context)")
    p.add_argument("--threshold", type=float, default=0.4, help="score at which a head counts as an induction head (default 0.4)")
    p.add_argument("--seed", type=seed, default=1, help="seed of the random sequences and the trials (default 1)")
    p.add_argument("--eval-windows", type=at_least(1), help="validation windows (default all)")
    p.add_argument("--shots", type=at_least(0), default=5, help="demonstrations per few-shot prompt (default 5)")
    p.add_argument("--trials", type=at_least(1), default=50, help="trials per task (default 50)")
    p.set_defaults(run=analyze)
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
