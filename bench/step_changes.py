"""Before/after ratios, and bit-identity, of each change that removed work from an iteration of Algorithm 2.

Each change of issue 14's profiling pass (bench/profile_iteration.py) is paired
here with its *legacy* code, put back by a patch; for each change (and for all
of them at once), two HexaGANCore of the same seeds and data train side by
side, iterations interleaved (legacy, new, legacy, new, ...), one thread:

* ratio: median over the pairs of legacy / new seconds per iteration, and of
  the seconds of the update groups the change touches (noise on a shared
  machine moves both of a pair alike; absolute times mean nothing here);
* identical: whether after the run the two cores' parameters, optimiser
  states and every logged loss are bit for bit equal (torch.equal).

The changes:

gather         ReplicaData.gather by index_select on the flattened table instead
               of torch.gather with an index expanded over d (a copy either way);
decode         D_CG's update no longer runs G_MI on G_CG's rows (it uses h_c only);
relu_patterns  D_CG's closed-form penalty reads the ReLU patterns of the forward
               pass that scored the same h_l instead of running D_CG again;
contiguous     the closed form's first Jacobian block made contiguous, so that the
               [K, B, c, h] products are, and reshaping them is a view, not a copy;
foreach        RMSProp/Adam through torch.optim's foreach (multi-tensor) update
               instead of its loop over parameters (the same element-wise ops);
requires_grad  an update flips requires_grad only on parameters that differ, from
               lists made once, instead of nn.Module.requires_grad_ on every net.

    python bench/step_changes.py [--pairs 4] [--tables breast wide] [--archs mlp mlp_authors] [--changes ...]
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import os
import statistics
import time
from unittest import mock

import torch

from hexagan.model import gan as model_module, losses, penalties
from hexagan.model.algorithm import HexaGANCore
from hexagan.model.penalties import ReluMLPCritic
from hexagan.replicas import training
from hexagan.replicas.training import ReplicaData
from profile_iteration import K, build, instrumented, table


# -- the legacy code, verbatim but for what the other changes need ------------------------------------------
def _legacy_gather(self, rows):
    idx = rows[..., None].expand(-1, -1, self.x.shape[2])
    return torch.gather(self.x, 1, idx), torch.gather(self.m, 1, idx), torch.gather(self.y, 1, rows)


def _legacy_generated(self, y, decode=True):
    y_onehot = model_module._one_hot(y, self.n_classes)
    h_c, x_c = self.model.generate_tensors(self._uniform(y.shape[1], self.net_config["z_dim"]), y_onehot)
    return h_c, x_c, y_onehot


def _legacy_call(self, v):
    return self.net(self._inputs(v))[..., self.outputs]


def _legacy_pre_activations(self, v):
    with torch.no_grad():
        a, out = self._inputs(v), []
        for layer in self.net.layers[:-1]:
            out.append(layer(a))
            a = torch.relu(out[-1])
    return out


def _legacy_grad_sq_norms(self, v, n_cols, columns=None, max_chunk_elements=losses.MAX_CHUNK_ELEMENTS):
    """ReluMLPCritic.grad_sq_norms before ``contiguous`` (its patterns from ``_pre_activations``)."""
    layers = list(self.net.layers)
    k, b, n_wrt = v.shape
    active = [(pre > 0).to(pre.dtype)[:, :, None, :] for pre in self._pre_activations(v)]
    n_out = layers[-1].weight.shape[-1]
    positions = torch.arange(n_out, device=v.device)[self.outputs]
    if columns is None:
        columns = torch.arange(n_cols, device=v.device).expand(k, -1)
    columns = positions[columns.to(v.device)]
    w_in = layers[0].weight[:, :n_wrt]
    h_in = w_in.shape[-1]
    gram = w_in.transpose(1, 2) @ w_in if h_in < n_wrt and len(layers) > 1 else None
    width = max([n_wrt] + [layer.weight.shape[-1] for layer in layers[:-1]])
    chunk = max(1, min(columns.shape[1], max_chunk_elements // max(1, k * b * width)))
    norms = []
    for start in range(0, columns.shape[1], chunk):
        cols = columns[:, start:start + chunk]
        w_last = layers[-1].weight
        g = torch.gather(w_last, 2, cols[:, None, :].expand(-1, w_last.shape[1], -1)).transpose(1, 2)[:, None]
        for layer, s in zip(reversed(layers[:-1]), reversed(active)):
            g = g * s
            if layer is layers[0]:
                break
            g = torch.bmm(g.reshape(k, -1, g.shape[-1]), layer.weight.transpose(1, 2)).reshape(
                k, b, cols.shape[1], -1)
        flat = g.reshape(k, -1, g.shape[-1])
        if len(layers) == 1:
            sq = flat[..., :n_wrt].pow(2).sum(-1)
        elif gram is None:
            sq = torch.bmm(flat, w_in.transpose(1, 2)).pow(2).sum(-1)
        else:
            sq = (torch.bmm(flat, gram) * flat).sum(-1)
        norms.append(sq.reshape(k, -1, cols.shape[1]).expand(k, b, -1))
    return torch.cat(norms, dim=-1)


def _loop_update(update):
    """torch.optim's functional update forced onto its single-tensor loop (the default on the CPU before)."""
    def run(*args, **kwargs):
        return update(*args, **{**kwargs, "foreach": False})
    return run


def _legacy_require_grad(self, names):
    for name, net in self.model.nets.items():
        net.requires_grad_(name in names)


# name -> (patches that put the legacy code back, the update groups it touches)
CHANGES = {
    "gather": ([(ReplicaData, "gather", _legacy_gather)], ("d_mi", "eg", "d_cg", "c")),
    "decode": ([(HexaGANCore, "_generated", _legacy_generated)], ("d_cg",)),
    "relu_patterns": ([(ReluMLPCritic, "__call__", _legacy_call),
                       (ReluMLPCritic, "_pre_activations", _legacy_pre_activations)], ("d_cg",)),
    "contiguous": ([(ReluMLPCritic, "grad_sq_norms", _legacy_grad_sq_norms)], ("d_mi", "d_cg")),
    "foreach": ([(training, "rmsprop", _loop_update(training.rmsprop)),
                 (training, "adam", _loop_update(training.adam))], ("d_mi", "eg", "d_cg", "g_cg", "c")),
    "requires_grad": ([(HexaGANCore, "_require_grad", _legacy_require_grad)], ("d_mi", "eg", "d_cg", "g_cg", "c")),
}


@contextlib.contextmanager
def legacy(names):
    with contextlib.ExitStack() as stack:
        for name in names:
            for owner, attribute, value in CHANGES[name][0]:
                stack.enter_context(mock.patch.object(owner, attribute, value))
        yield


def identical(a: HexaGANCore, b: HexaGANCore, logs_a, logs_b) -> bool:
    sa, sb = a.model.state_dict(), b.model.state_dict()
    same = all(torch.equal(sa[k], sb[k]) for k in sa)
    for g in a.optimizers:
        oa, ob = a.optimizers[g].state_dict(), b.optimizers[g].state_dict()
        same &= oa["lr"] == ob["lr"] and all(torch.equal(oa["state"][i][key], ob["state"][i][key])
                                             for i in oa["state"] for key in oa["state"][i])
    return same and all(torch.equal(x[k], y[k]) for x, y in zip(logs_a, logs_b) for k in x)


def compare(data, architecture: str, names, pairs: int, groups) -> tuple[float, float, bool]:
    """(iteration ratio legacy/new, ratio of ``groups``' seconds, bit-identical) over ``pairs`` pairs."""
    with legacy(names):  # built under the legacy code too, in case a change acts at construction
        old = build(data, architecture)
    new = build(data, architecture)
    logs = {"old": [], "new": []}
    ratios, group_ratios = [], []
    for s in range(1, pairs + 2):  # the first pair is untimed
        seconds = {}
        for which, core in (("old", old), ("new", new)):
            spent = collections.Counter()
            with legacy(names) if which == "old" else contextlib.nullcontext(), instrumented(core, spent):
                start = time.perf_counter()
                logs[which].append(core.step(s))
                seconds[which] = (time.perf_counter() - start, sum(spent[g] for g in groups))
        if s > 1:
            ratios.append(seconds["old"][0] / seconds["new"][0])
            group_ratios.append(seconds["old"][1] / seconds["new"][1])
    return statistics.median(ratios), statistics.median(group_ratios), identical(old, new, logs["old"], logs["new"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--tables", nargs="+", default=["breast", "wide"])
    parser.add_argument("--archs", nargs="+", default=["mlp", "mlp_authors"])
    parser.add_argument("--changes", nargs="+", default=[*CHANGES, "all"])
    parser.add_argument("--wide-k", type=int, default=K, help="replicas of the d=500 stand-in (slow at K=50)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; K={K} (wide: {args.wide_k}); legacy/new, median of {args.pairs} interleaved pairs")
    print(f"{'table':12} {'networks':12} {'change':14} {'iteration':>9} {'its groups':>10}  bit-identical")
    for name in args.tables:
        data = table(name, args.wide_k)
        for architecture in args.archs:
            for change in args.changes:
                names = list(CHANGES) if change == "all" else [change]
                groups = sorted({g for n in names for g in CHANGES[n][1]})
                ratio, group_ratio, same = compare(data, architecture, names, args.pairs, groups)
                print(f"{name + ' d=' + str(data[0][0].shape[1]):12} {architecture:12} {change:14} {ratio:8.3f}x "
                      f"{group_ratio:9.3f}x  {same}", flush=True)


if __name__ == "__main__":
    main()
