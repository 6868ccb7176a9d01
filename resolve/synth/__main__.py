"""python -m resolve.synth OUT_DIR [--seed N] [--persons N] [--shape default|alt|wild]"""
from __future__ import annotations

import argparse
import json

from .city import generate_city
from .shapes import SHAPES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m resolve.synth", description="Write a synthetic city with ground truth.")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--shape", choices=SHAPES, default="default")
    args = parser.parse_args(argv)
    summary = generate_city(args.out_dir, seed=args.seed, n_persons=args.persons, shape=args.shape)
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
