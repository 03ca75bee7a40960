"""Fast-path rate: sampled specs per second turned into int8 .tflite bytes, on one core.

    PYTHONPATH=. python bench/search_space_fastpath.py [--n 200] [--seed 0] [--spaces kws,ad,vww50,vww160]

Prints, per space, the rate of spec -> .tflite (the fast path alone), of spec -> counts, and of
the full round (sample + build + count the spec + count the written file). The target is at least
20 KWS specs per second for the fast path.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from search_space.counting import count_spec, count_tflite  # noqa: E402
from search_space.fastpath import spec_to_tflite  # noqa: E402
from search_space.sampling import sample_specs  # noqa: E402
from search_space.spaces import get_space  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--spaces", default="kws,ad,vww50,vww160")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    print(f"fast path, {args.n} sampled specs per space, seed {args.seed}, one core")
    print(f"{'space':8s} {'build/s':>9s} {'count/s':>9s} {'round/s':>9s} {'mean KB':>9s} {'mean Mops':>10s}")
    for name in args.spaces.split(","):
        space = get_space(name)
        specs = sample_specs(space, args.n, seed=args.seed)
        t0 = time.perf_counter()
        blobs = [spec_to_tflite(s, seed=i) for i, s in enumerate(specs)]
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        counts = [count_spec(s) for s in specs]
        t_count = time.perf_counter() - t0
        t0 = time.perf_counter()
        for i, s in enumerate(sample_specs(space, args.n, seed=args.seed + 1)):
            c = count_spec(s)
            f = count_tflite(spec_to_tflite(s, seed=i))
            assert c.macs == f.macs
        t_round = time.perf_counter() - t0
        kb = sum(len(b) for b in blobs) / len(blobs) / 1024
        mops = sum(c.mops for c in counts) / len(counts)
        print(
            f"{name:8s} {args.n / t_build:9.1f} {args.n / t_count:9.1f} {args.n / t_round:9.1f} {kb:9.1f} {mops:10.2f}"
        )


if __name__ == "__main__":
    main()
