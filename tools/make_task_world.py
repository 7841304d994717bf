#!/usr/bin/env python3
"""Writes a task world in which few-shot structure pays: pretraining documents in the prompt format
`hapax-train icl` uses (`Q: {input}\\nA: {output}\\n\\n`), each demonstrating one task on several
inputs, and held-out task files in the function-vectors layout (`abstractive/*.json`,
`extractive/*.json`, lists of {"input", "output"}) whose inputs never occur in the documents.

    tools/make_task_world.py CORPUS_DIR TASKS_DIR [--documents 20000] [--seed 1]

Both families are learned by a small model within minutes, and every example fits about 10 tokens of
a 512-token BPE, so a 5-shot prompt fits a 64-token window (docs/EXPERIMENT.md):
- abstractive: an input is two words `a b`, `a` from one set of 12 and `b` from another; four fixed
  functions (learned in the weights) map it to a word, two through `a` and two through `b`, each
  function into its own set of 12 answers, as real tasks answer in their own kind of word (capitals
  are cities). A document applies one function to distinct `a`s and distinct `b`s, so no answer
  repeats and the query's answer is never in the prompt: the model must infer from the
  demonstrations which function applies. The held-out inputs are 12 pairs `a b` that no document
  contains, so answering them needs the function, not the memory of a line.
- extractive: words of a fifth set, random per example, so the answer must be copied from the prompt:
  `copy` (two words, answered by themselves), `first` (two words, the first), `recall` (two pairs
  and a key seen among them, answered by the key and its value).

Hapax's rule (drop a target whose bigram occurred earlier in the window) drops every extractive answer
word but a recall's echoed key: each follows, in the answer, the token it follows in the input (`:` or
the key). Abstractive answers are kept: their sets are disjoint from the inputs', so `: answer` is new.

Deterministic: the same arguments give the same files. Standard library only.
"""
import argparse
import itertools
import json
import pathlib
import random
import string

FUNCTIONS = ["first_word_code", "first_word_sign", "second_word_code", "second_word_sign"]
EXTRACTIVE = ["copy", "first", "recall"]
HELD_OUT_EXTRACTIVE = 200
DOCUMENTS_PER_FILE = 1000


def example(input_text, output_text):
    return {"input": input_text, "output": output_text}


class World:
    """The word sets and the fixed functions, all drawn from one seed."""

    def __init__(self, rng):
        # Two-letter words: a 512-token BPE trained on the world gives each its own token.
        words = ["".join(p) for p in itertools.product(string.ascii_lowercase, repeat=2)]
        rng.shuffle(words)
        self.first, self.second, self.free = words[0:12], words[12:24], words[24:88]
        # functions[k][i]: the answer for the i-th word of the set function k reads. Each function
        # answers in its own 12 words, as real tasks do (capitals are cities, antonyms adjectives).
        self.functions = [words[88 + 12 * k:100 + 12 * k] for k in range(len(FUNCTIONS))]
        held = rng.sample(range(12), 12)
        self.held_out_pairs = {(i, held[i]) for i in range(12)}

    def answer(self, k, i, j):
        return self.functions[k][i if k < 2 else j]

    def abstractive(self, k, pairs):
        return [example(f"{self.first[i]} {self.second[j]}", self.answer(k, i, j)) for i, j in pairs]

    def extractive(self, task, rng):
        if task == "recall":
            chosen = rng.sample(self.free, 4)
            key = rng.randrange(2)
            return example(" ".join(chosen) + " " + chosen[2 * key], f"{chosen[2 * key]} {chosen[2 * key + 1]}")
        chosen = rng.sample(self.free, 2)
        return example(" ".join(chosen), " ".join(chosen) if task == "copy" else chosen[0])


def document(examples):
    return "".join(f"Q: {e['input']}\nA: {e['output']}\n\n" for e in examples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=pathlib.Path, help="folder to write tasks-NNNN.jsonl into ({\"text\"} a line)")
    parser.add_argument("tasks", type=pathlib.Path, help="folder to write abstractive/*.json and extractive/*.json into")
    parser.add_argument("--documents", type=int, default=20000, help="pretraining documents, half of each family")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.documents < 1:
        parser.error("--documents must be at least 1")

    rng = random.Random(args.seed)
    world = World(rng)
    held_out = {"abstractive": {}, "extractive": {}}
    for k, name in enumerate(FUNCTIONS):
        held_out["abstractive"][name] = world.abstractive(k, sorted(world.held_out_pairs))
    for task in EXTRACTIVE:
        examples, seen = [], set()
        while len(examples) < HELD_OUT_EXTRACTIVE:
            e = world.extractive(task, rng)
            if e["input"] not in seen:
                seen.add(e["input"])
                examples.append(e)
        held_out["extractive"][task] = examples
    excluded = {e["input"] for tasks in held_out.values() for examples in tasks.values() for e in examples}

    documents = []
    for d in range(args.documents):
        if d % 2 == 0:
            k = rng.randrange(len(FUNCTIONS))
            n = rng.randint(8, 12)
            while True:
                pairs = list(zip(rng.sample(range(12), n), rng.sample(range(12), n)))
                if not world.held_out_pairs.intersection(pairs):
                    break
            documents.append(document(world.abstractive(k, pairs)))
        else:
            task = rng.choice(EXTRACTIVE)
            examples, n = [], rng.randint(6, 9)
            while len(examples) < n:
                e = world.extractive(task, rng)
                if e["input"] not in excluded:
                    examples.append(e)
            documents.append(document(examples))

    args.corpus.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(documents), DOCUMENTS_PER_FILE):
        write(args.corpus / f"tasks-{start // DOCUMENTS_PER_FILE:04d}.jsonl",
              "".join(json.dumps({"text": text}) + "\n" for text in documents[start:start + DOCUMENTS_PER_FILE]))
    for family, tasks in held_out.items():
        (args.tasks / family).mkdir(parents=True, exist_ok=True)
        for name, examples in tasks.items():
            write(args.tasks / family / f"{name}.json", json.dumps(examples, indent=1) + "\n")


def write(path, text):
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    temporary.replace(path)


if __name__ == "__main__":
    main()
