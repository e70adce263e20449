"""Batched replicas: K independent small networks trained in one pass.

Small MLPs on a CPU are bound by per-call overhead, not arithmetic, so the
suite trains one replica per (repeat, fold) split at once: every weight has a
leading replica axis ``K`` and a layer is one ``baddbmm``.  Replicas never mix:

* each replica's weights are initialised from its own seed;
* each replica draws its batches and noise from its own :class:`ReplicaRNG`
  stream, which yields the same numbers whether the replica trains alone or
  beside others, and as many rows as it would alone (a replica's share of a
  batch may be its own: HexaGAN's unlabeled rows);
* losses are *summed* over replicas, so replica r's gradient is exactly its
  own; RMSProp and Adam are element-wise, so the optimiser state of one
  replica never touches another's.

Hence a replica computes what the same replica trained alone computes, but
not bit for bit: a batch padded to another replica's size sums its rows in
another order, and vectorised functions (sigmoid, log) round the elements at
a tensor's tail differently from those inside it.  Adversarial training
amplifies that rounding (``bench/replica_drift.py``, breast, HexaGAN with
the paper's schedule, float32): split 0 in a fit of the job's first 8 splits
leaves its lone fit by 1e-6 (relative, the largest over its parameters) at
iteration 5, 1e-2 at 21 and 0.1 at 99 (in the fit of all 50: 2.4e-4 at 1,
1e-2 at 21, 0.1 at 81), and by 500 the two are unrelated runs; in float64
the gap stays below 1e-8 for 300 iterations and reaches 0.1 at 503.  So a
replica equals its lone fit to 1e-2 for about 20 iterations and to 1e-4 for
a few at most (what ``tests/test_replica.py`` and ``tests/test_hexagan.py``
check on tiny networks); over a full run it is another draw of the same
training, whose final scores agree with lone fits' within their spread
(``docs/replicas.md``).

Shapes: activations are ``[K, B, features]``; images ``[K, B, C, H, W]``.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import nn

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "softmax": lambda x: torch.softmax(x, dim=-1),
    "none": lambda x: x,
}


class ReplicaRNG:
    """One independent stream of U(0, 1) numbers per replica.

    Each replica owns a ``torch.Generator`` seeded with its seed and a row of
    buffered draws, which it refills by its own rule alone: when a request
    needs more than the row holds, the row becomes what is left followed by
    ``max(request, chunk)`` fresh numbers.  K replicas thus cost one generator
    call per replica per chunk, not per draw, and replica r's numbers depend
    only on the requests made of it, never on K or on the other replicas.

    A request may differ in size between replicas: the leading size of
    :meth:`uniform` and of :meth:`integers` may be a [K] tensor of sizes, one
    per replica (each replica's own batch of unlabeled rows, say).  Replica r
    then draws exactly that many rows, as it would alone; its slots beyond
    them are 0 and consume nothing.

    Parameters
    ----------
    seeds : sequence of int, one per replica.
    chunk : int, how many uniforms to buffer per replica per refill.
    """

    def __init__(self, seeds: Sequence[int], chunk: int = 1 << 16):
        self.seeds = [int(s) for s in seeds]
        self.generators = [torch.Generator().manual_seed(s) for s in self.seeds]
        self.chunk = chunk
        self._buffer = torch.empty(len(self.seeds), 0)
        # Row r holds replica r's unused draws in self._buffer[r, _pos[r]:_end[r]] (plain ints: cheap to test).
        self._pos = [0] * len(self.seeds)
        self._end = [0] * len(self.seeds)

    @property
    def k(self) -> int:
        return len(self.seeds)

    def _reserve(self, width: int) -> None:
        """Make every row at least ``width`` long, with a chunk to spare (rows refilled one by one vary)."""
        if width > self._buffer.shape[1]:
            grown = self._buffer.new_zeros(self.k, width + self.chunk)
            grown[:, :self._buffer.shape[1]] = self._buffer
            self._buffer = grown

    def _refill(self, replicas: list[int], need: list[int]) -> None:
        """Give each of ``replicas`` what it has left followed by max(its need, chunk) fresh numbers."""
        fresh = {r: max(need[r], self.chunk) for r in replicas}
        held = {r: self._end[r] - self._pos[r] for r in replicas}
        self._reserve(max(held[r] + fresh[r] for r in replicas))
        for r in replicas:
            row = self._buffer[r]
            row[:held[r]] = row[self._pos[r]:self._end[r]].clone()
            torch.rand(fresh[r], generator=self.generators[r], out=row[held[r]:held[r] + fresh[r]])
            self._pos[r], self._end[r] = 0, held[r] + fresh[r]

    def _take(self, need: list[int]) -> torch.Tensor:
        """[K, max(need)]: replica r's next ``need[r]`` numbers, then zeros."""
        short = [r for r in range(self.k) if self._pos[r] + need[r] > self._end[r]]
        if short:
            self._refill(short, need)
        width, equal = max(need), len(set(need)) == 1
        # (a copy, never a view: _refill rewrites the rows in place)
        if equal and len(set(self._pos)) == 1:  # one request for every replica, in step: a slice
            out = self._buffer[:, self._pos[0]:self._pos[0] + width].clone()
        elif width == 0:
            out = self._buffer[:, :0]
        else:  # each replica's window from its own position
            self._reserve(max(self._pos) + width)
            out = self._buffer.unfold(1, width, 1)[torch.arange(self.k), torch.tensor(self._pos)]
            if not equal:
                out = out.masked_fill(torch.arange(width) >= torch.tensor(need)[:, None], 0.0)
        self._pos = [p + n for p, n in zip(self._pos, need)]
        return out

    def _sizes(self, shape: tuple) -> tuple[list[int], int]:
        """(numbers each replica draws, leading size of the result) of a request whose leading size may be a
        [K] tensor of per-replica sizes."""
        lead, per_row = (shape[0], math.prod(shape[1:])) if shape else (1, 1)
        if isinstance(lead, torch.Tensor):
            rows = [int(v) for v in lead.reshape(-1).tolist()]
            if len(rows) != self.k or min(rows, default=0) < 0:
                raise ValueError(f"per-replica sizes must be {self.k} non-negative numbers, got {rows}")
        else:
            rows = [int(lead)] * self.k
        return [n * per_row for n in rows], max(rows, default=0)

    def state_dict(self) -> dict:
        """Everything that decides the next draws: each generator's state and the buffered uniforms not yet used.

        The buffer is saved from each replica's current position on (``held``
        of them per replica, zero-padded): a stream restored from it draws
        exactly the numbers the saved one would have drawn.
        """
        held = [e - p for p, e in zip(self._pos, self._end)]
        buffer = torch.zeros(self.k, max(held, default=0))
        for r, n in enumerate(held):
            buffer[r, :n] = self._buffer[r, self._pos[r]:self._end[r]]
        return {"seeds": list(self.seeds), "chunk": self.chunk, "generators": [g.get_state() for g in self.generators],
                "buffer": buffer, "held": held}

    def load_state_dict(self, state: dict) -> None:
        if list(state["seeds"]) != self.seeds or int(state["chunk"]) != self.chunk:
            raise ValueError(f"a ReplicaRNG state of seeds {list(state['seeds'])} (chunk {state['chunk']}) cannot "
                             f"be loaded into one of seeds {self.seeds} (chunk {self.chunk})")
        for g, g_state in zip(self.generators, state["generators"]):
            g.set_state(g_state)
        self._buffer = state["buffer"].clone()
        # (states saved before per-replica sizes existed hold the same count for every replica)
        self._end = [int(n) for n in state.get("held", [self._buffer.shape[1]] * self.k)]
        self._pos = [0] * self.k

    def uniform(self, *shape) -> torch.Tensor:
        """U(0, 1) draws of shape ``[K, *shape]``; ``shape[0]`` may be a [K] tensor of per-replica sizes (the
        result is then as long as the largest, zero beyond each replica's own)."""
        need, lead = self._sizes(shape)
        return self._take(need).reshape(self.k, *((lead, *shape[1:]) if shape else ()))

    def normal(self, *shape: int) -> torch.Tensor:
        """N(0, 1) draws of shape ``[K, *shape]`` (Box-Muller on the uniform stream)."""
        n = math.prod(shape)
        u = self._take([2 * n] * self.k).reshape(self.k, 2, n)
        z = torch.sqrt(-2 * torch.log1p(-u[:, 0])) * torch.cos(2 * math.pi * u[:, 1])
        return z.reshape(self.k, *shape)

    def integers(self, high: torch.Tensor, size: int | torch.Tensor) -> torch.Tensor:
        """Uniform integers in ``[0, high[r])`` for each replica, shape ``[K, size]``.

        high: int tensor of shape [K] (e.g. each replica's number of rows);
        size: an int, or a [K] tensor of per-replica sizes (slots beyond a
        replica's own are 0).
        """
        u = self.uniform(size)
        return torch.minimum((u * high[:, None]).long(), high[:, None] - 1)


class ReplicaLinear(nn.Module):
    """A fully connected layer with one weight matrix per replica.

    ``y[k] = x[k] @ W[k] + b[k]``, computed for all replicas by one
    ``torch.baddbmm``.  Initialisation is PyTorch's ``nn.Linear`` default
    (U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases), drawn per
    replica from its own generator.
    """

    def __init__(self, in_features: int, out_features: int, generators: Sequence[torch.Generator]):
        super().__init__()
        bound = 1.0 / math.sqrt(in_features)
        w = torch.stack([torch.rand(in_features, out_features, generator=g) for g in generators])
        b = torch.stack([torch.rand(1, out_features, generator=g) for g in generators])
        self.weight = nn.Parameter((2 * w - 1) * bound)
        self.bias = nn.Parameter((2 * b - 1) * bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


class ReplicaMLP(nn.Module):
    """A stack of :class:`ReplicaLinear` layers with an activation after each.

    Parameters
    ----------
    sizes : [in, h1, ..., out] feature counts.
    activations : one name of :data:`ACTIVATIONS` per layer.
    generators : one seeded ``torch.Generator`` per replica (consumed in order).
    """

    def __init__(self, sizes: Sequence[int], activations: Sequence[str], generators: Sequence[torch.Generator]):
        super().__init__()
        if len(activations) != len(sizes) - 1:
            raise ValueError(f"{len(sizes) - 1} layers need {len(sizes) - 1} activations, got {len(activations)}")
        unknown = set(activations) - set(ACTIVATIONS)
        if unknown:
            raise ValueError(f"unknown activation(s) {sorted(unknown)}; choose from {sorted(ACTIVATIONS)}")
        self.layers = nn.ModuleList(ReplicaLinear(a, b, generators) for a, b in zip(sizes[:-1], sizes[1:]))
        self.activations = list(activations)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer, act in zip(self.layers, self.activations):
            x = ACTIVATIONS[act](layer(x))
        return x


class ReplicaModules(nn.Module):
    """K independent copies of an ordinary module, stacked and applied with ``vmap``.

    For networks with no hand-stacked implementation (the convolutional MNIST
    architecture): the same ``[K, B, ...]`` interface as :class:`ReplicaMLP`,
    and the same layout -- every parameter has a leading replica axis -- so
    optimisers, :class:`BestState` and saving treat both alike.

    factory: builds one copy; it runs once per replica with that replica's
    generator seeding the global torch RNG while the copy initialises.
    """

    def __init__(self, factory: Callable[[], nn.Module], generators: Sequence[torch.Generator]):
        super().__init__()
        copies = []
        for g in generators:
            with torch.random.fork_rng(devices=[]):
                # device= the generator's: the same draw, also where the default device is another (a model
                # built on the meta device to count its parameters, bench/gpu_check.py)
                torch.manual_seed(int(torch.randint(0, 2**62, (1,), generator=g, device=g.device)))
                copies.append(factory())
        params, buffers = torch.func.stack_module_state(copies)
        if buffers:
            raise ValueError("ReplicaModules supports modules without buffers (no batch norm)")
        self._names = list(params)
        self.stacked = nn.ParameterDict({n.replace(".", "__"): nn.Parameter(t) for n, t in params.items()})
        # The template holds no trainable state of its own: only its structure is used.
        self._template = [copies[0].to("meta")]

    def forward(self, x: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        template = self._template[0]

        def one(params, *inputs):
            return torch.func.functional_call(template, params, inputs)

        params = {n: self.stacked[n.replace(".", "__")] for n in self._names}
        return torch.func.vmap(one)(params, x, *rest)


def masked_mean(values: torch.Tensor, weights: torch.Tensor | None, dim: int | tuple[int, ...] = 1) -> torch.Tensor:
    """Mean of ``values`` over ``dim`` (by default the rows of ``[K, B, ...]``) counting only the entries whose
    0/1 ``weights`` is 1, as a batch padded to another replica's size needs; 0 where none is.  ``weights``
    None: the plain mean."""
    if weights is None:
        return values.mean(dim=dim)
    return (values * weights).sum(dim) / weights.sum(dim).clamp_min(1.0)


def salted_seeds(seeds: Sequence[int], salt: int) -> list[int]:
    """One seed per replica for a stream apart from the replica's others, distinct per ``salt``."""
    return [int(s) * 1_000_003 + salt for s in seeds]


def replica_generators(seeds: Sequence[int], salt: int) -> list[torch.Generator]:
    """One generator per replica for initialising one network, distinct per ``salt``."""
    return [torch.Generator().manual_seed(s) for s in salted_seeds(seeds, salt)]


def replica_state(module: nn.Module, index: int) -> dict[str, torch.Tensor]:
    """The state of replica ``index`` of a replica module: every tensor sliced on its leading axis."""
    return {name: t[index].detach().clone() for name, t in module.state_dict().items()}


def stack_states(states: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Inverse of :func:`replica_state` over replicas: one state dict with a leading replica axis."""
    return {name: torch.stack([s[name] for s in states]) for name in states[0]}


class BestState:
    """Keeps, per replica, the parameters at its best validation score so far.

    Relies on the layout of every replica module here: each tensor of its
    state has a leading replica axis.  ``update(scores, step)`` takes a [K]
    tensor (lower is better; NaN never wins) and copies the current parameters
    of the replicas that improved; ``restore()`` loads them (a replica that
    never improved keeps its final parameters).

    ``stop(replicas, step)`` is early stopping for replicas trained beside
    others: their selection is frozen (later scores are ignored), so that each
    ends with what a run of its own, stopped at ``step``, would have kept.
    ``linked`` BestStates (other networks selected on another score) are
    stopped with it.
    """

    def __init__(self, modules: dict[str, nn.Module], k: int, linked: Sequence["BestState"] = ()):
        self.modules = modules
        self.linked = list(linked)
        self.best = torch.full((k,), math.inf)
        self.best_step = torch.full((k,), -1, dtype=torch.long)
        self.stopped_at = torch.full((k,), -1, dtype=torch.long)  # -1: still selecting
        self.state = {name: {p: t.detach().clone() for p, t in m.state_dict().items()} for name, m in modules.items()}

    @property
    def k(self) -> int:
        return self.best.shape[0]

    def update(self, scores: torch.Tensor, step: int) -> None:
        improved = (torch.nan_to_num(scores.detach().float(), nan=math.inf) < self.best) & (self.stopped_at < 0)
        if not improved.any():
            return
        self.best = torch.where(improved, scores.detach().float(), self.best)
        self.best_step[improved] = step
        for name, m in self.modules.items():
            for p, t in m.state_dict().items():
                self.state[name][p][improved] = t.detach()[improved]

    def stop(self, replicas: torch.Tensor, step: int) -> None:
        """Freeze the selection of ``replicas`` (bool [K]) at ``step``; one that never improved keeps the
        parameters of now, as its own run ending here would."""
        new = replicas & (self.stopped_at < 0)
        if new.any():
            self.stopped_at[new] = step
            never = new & (self.best_step < 0)
            for name, m in self.modules.items():
                for p, t in m.state_dict().items():
                    self.state[name][p][never] = t.detach()[never]
        for other in self.linked:
            other.stop(replicas, step)

    def state_dict(self) -> dict:
        """Best scores, steps, stops and the kept parameters (views: save them before training goes on)."""
        return {"best": self.best, "best_step": self.best_step, "stopped_at": self.stopped_at, "state": self.state}

    def load_state_dict(self, state: dict) -> None:
        saved = state["state"]
        layout = {name: {p: tuple(t.shape) for p, t in kept.items()} for name, kept in self.state.items()}
        if ({name: {p: tuple(t.shape) for p, t in kept.items()} for name, kept in saved.items()} != layout
                or state["best"].shape != self.best.shape):
            raise ValueError("the saved BestState keeps other networks, replicas or shapes than this one")
        self.best = state["best"].clone().float()
        self.best_step = state["best_step"].clone().long()
        # checkpoints written before early stopping existed have no stops
        self.stopped_at = state.get("stopped_at", torch.full_like(self.best_step, -1)).clone().long()
        for name, kept in self.state.items():
            for p, t in kept.items():
                t.copy_(saved[name][p])

    def restore(self) -> None:
        never = (self.best_step < 0) & (self.stopped_at < 0)
        for name, m in self.modules.items():
            current = m.state_dict()
            for p, t in self.state[name].items():
                t[never] = current[p].detach()[never]
            m.load_state_dict(self.state[name])
