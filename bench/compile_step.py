"""torch.compile on the CPU for HexaGAN's per-update work: compile time against the saving (issue 14).

Compiles the five ``HexaGANCore._*_terms`` (the losses of each update; the backward runs through
AOTAutograd's compiled graph) of one core and runs it beside an eager one on breast's 50 splits,
K=50, one thread: the first compiled step's seconds (compilation), the second's (recompiles), then
interleaved eager/compiled steps, the median ratio, the largest parameter difference, the graph breaks.

Measured once (torch 2.13 CPU, 2 busy cores, mlp_authors): first step 281 s, second 50 s, steps
where the replica RNG refills its buffer recompile again (~8 s); 16 graph breaks at ReplicaRNG's
per-replica torch.Generator calls; compiled steps no faster than eager (median eager/compiled
0.42 with the recompiles, ~0.9 without); parameters differ by rounding (1.8e-4 after 6 steps).
Verdict: no saving to set against >5 minutes of compilation, and results no longer bit-identical.
Takes ~6 CPU-minutes.

    python bench/compile_step.py [mlp_authors|mlp]
"""
import statistics
import sys
import time

import torch
torch.set_num_threads(1)
from profile_iteration import build, table
import torch._dynamo
data = table("breast")
arch = sys.argv[1] if len(sys.argv) > 1 else "mlp_authors"
eager = build(data, arch); comp = build(data, arch)
t0 = time.perf_counter()
for name in ("_d_mi_terms", "_eg_terms", "_d_cg_terms", "_g_cg_terms", "_c_terms"):
    setattr(comp, name, torch.compile(getattr(comp, name)))
eager.step(1)
s = time.perf_counter(); comp.step(1); first = time.perf_counter() - s
s = time.perf_counter(); comp.step(2); second = time.perf_counter() - s
print("first compiled step", first, "second", second, flush=True)
eager.step(2)
r = []
for st in range(3, 7):
    a = time.perf_counter(); eager.step(st); b = time.perf_counter(); comp.step(st); c = time.perf_counter()
    r.append(((b - a), (c - b)))
print("eager s", [round(x[0],3) for x in r], "compiled s", [round(x[1],3) for x in r])
print("median eager/compiled", statistics.median(x[0]/x[1] for x in r))
sd_e, sd_c = eager.model.state_dict(), comp.model.state_dict()
print("max |dparam| after 6 steps", max(float((sd_e[k]-sd_c[k]).abs().max()) for k in sd_e))
from torch._dynamo.utils import counters
print("graph breaks", sum(counters["graph_break"].values()), dict(list(counters["graph_break"].items())[:5]))
