"""Why G_CG lowers credit's F1: a diagnosis with numbers, on a few splits of the published protocol.

Table 2 on credit (MCAR 20 %, 50 splits): HexaGAN w/o GCG 0.4089 F1, the full model 0.3560 (AUROC 0.722 ->
0.693), where the paper has G_CG raising it.  This trains ``hexagan`` and ``hexagan_no_gcg`` of
config/config.yaml on ``--splits`` splits of repeat 0 -- the workflow's masks (results/masks/, read only) and
splits, the paper's budget (2 000 iterations, C selected on validation log-loss every 100), the splits as
replicas as a job trains them -- and measures, per split:

1. **What C's batches hold.**  Labelled batches of 64 drawn as training draws them, topped up by
   :func:`hexagan.model.algorithm.class_balance`: real and G_CG rows of the minority class per batch, the share of
   synthetic rows among them and among all of C's supervised rows.
2. **How far G_CG's rows are from real ones** (the full model): a classifier two-sample test, G_CG's h_c = G_CG(z,
   y) against E's h_l of real training rows of the same class, and G_MI's decoding x̂_c = G_MI(h_c) against x̂ of
   the real rows (what C sees).  Logistic regression and gradient boosting, AUC on held-out folds (5-fold cross
   validation): 0.5 = indistinguishable, 1 = fully told apart.  Beside it, the same test between the real
   minority and majority rows (what C must tell apart).
3. **Where C puts G_CG's rows**: C's mean probability of the minority class on x̂_c, on real minority and on real
   majority training rows.
4. **Ranking against thresholding**: test F1 at C's argmax (as published), at the threshold that maximises F1 on
   the split's labelled validation rows (never the test fold), and the best test F1 over all thresholds (an
   oracle, to bound what any threshold could give); AUROC, and the share of test rows predicted positive.

Our replica fits of 3 splits are not bit-equal to the published 50-split job's (issue 29: replicas drift
from lone fits); the published per-split F1 is printed beside ours.  About 5 CPU-minutes on one thread
(3 splits).  Run from the repository's root (it reads results/masks/ and results/runs/):

    HEXAGAN_DATA=/work/shared/data python bench/gcg_credit.py [--splits 3] [--steps 2000] [--out FILE]

``--out FILE`` also writes the per-split measurements to FILE as a tidy CSV, atomically: label, repeat, fold,
measure, value, and each row's provenance (the git commit as the workflow's run files record it, iterations,
splits, torch and numpy versions, the label's wall seconds).  The published one, results/diagnoses/gcg_credit.csv
(``--splits 3``), is what the report's section on G_CG and credit's F1 renders (:mod:`hexagan.suite.report`).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_curve, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hexagan import protocol
from hexagan.io import write_table
from hexagan.methods import create
from hexagan.model.algorithm import class_balance
from hexagan.model.gan import one_hot
from hexagan.replicas.replica import ReplicaRNG
from hexagan.replicas.training import ReplicaData
from hexagan.suite.config import load_config
from hexagan.suite.data import load
from hexagan.suite.job import git_commit, package_version
from hexagan.suite.plan import Plan

DATASET, MECHANISM, RATE = "credit", "mcar", "0.2"
LABELS = ("hexagan", "hexagan_no_gcg")
BATCHES = 2000  # labelled batches drawn to count C's rows
SEED = 0        # noise of the generated and encoded rows of the diagnosis (not training's)


def best_f1_threshold(y: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) maximising the F1 of ``y == 1`` over thresholds ``score >= t``."""
    precision, recall, thresholds = precision_recall_curve(y, score)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)[:-1]
    best = int(np.argmax(f1))
    return float(thresholds[best]), float(f1[best])


def two_sample_auc(a: np.ndarray, b: np.ndarray, seed: int = SEED) -> dict[str, float]:
    """Held-out AUC of classifiers told to separate rows ``a`` from rows ``b`` (5-fold cross validation)."""
    X = np.vstack([a, b])
    y = np.r_[np.zeros(len(a)), np.ones(len(b))]
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    models = {"logreg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
              "gbm": HistGradientBoostingClassifier(max_iter=200, random_state=seed)}
    return {name: float(roc_auc_score(y, cross_val_predict(model, X, y, cv=folds, method="predict_proba")[:, 1]))
            for name, model in models.items()}


def batch_composition(y_train: np.ndarray, n_classes: int, batch: int, seed: int) -> dict[str, np.ndarray]:
    """Mean rows per class (arrays) in C's supervised batch: real labelled rows, and G_CG's class-balancing rows."""
    data = ReplicaData.from_arrays([np.zeros((len(y_train), 1))], [y_train], n_classes)
    rng = ReplicaRNG([seed])
    real = np.zeros(n_classes)
    generated = np.zeros(n_classes)
    for _ in range(BATCHES):
        y = torch.gather(data.y, 1, data.rows(rng, batch, data.labeled, data.n_labeled))
        y_gen, w_gen = class_balance(y, torch.ones(y.shape), n_classes)
        real += np.bincount(y[0].numpy(), minlength=n_classes)
        generated += np.bincount(y_gen[0].numpy(), weights=w_gen[0].numpy(), minlength=n_classes)
    real, generated = real / BATCHES, generated / BATCHES
    return {"real": real, "generated": generated}


@torch.no_grad()
def generated_rows(model, n: int, cls: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(h_c, x̂_c) of ``n`` rows G_CG generates for class ``cls`` (as :meth:`HexaGAN.sample`, keeping h_c)."""
    z = ReplicaRNG([seed]).uniform(n, model.config["z_dim"]).to(model.device)
    h_c, x_c = model.generate_tensors(z, one_hot(torch.full((1, n), cls, device=model.device), model.n_classes))
    return h_c[0].cpu().double().numpy(), x_c[0].cpu().double().numpy()


class Diagnosis:
    """``on_fit`` hook of :func:`hexagan.protocol.run`: measures each fitted split."""

    def __init__(self, label: str, batch: int):
        self.label, self.batch, self.rows = label, batch, []

    def __call__(self, est, sd) -> None:
        pos = sd.positive_class
        row = dict(label=self.label, repeat=sd.split.repeat, fold=sd.split.fold)
        test = est.predict_proba(sd.X_test)[:, pos]
        val_labelled = sd.y_val >= 0
        val = est.predict_proba(sd.X_val[val_labelled])[:, pos]
        threshold, row["val_f1_at_threshold"] = best_f1_threshold(sd.y_val[val_labelled] == pos, val)
        y_test = sd.y_test == pos
        row |= dict(threshold=threshold, test_f1_argmax=f1_score(y_test, test > 0.5),
                    test_f1_val_threshold=f1_score(y_test, test >= threshold),
                    test_f1_oracle=best_f1_threshold(y_test, test)[1], test_auroc=roc_auc_score(y_test, test),
                    predicted_positive=float(np.mean(test > 0.5)),
                    predicted_positive_val_threshold=float(np.mean(test >= threshold)),
                    positive_share=float(np.mean(y_test)))
        labelled = sd.y_train >= 0
        model = est.model_
        minority = int(np.argmin(np.bincount(sd.y_train[labelled], minlength=sd.n_classes)))
        if model.config["use_g_cg"]:
            composition = batch_composition(sd.y_train[labelled], sd.n_classes, self.batch, sd.split.seed)
            real_min, gen_min = composition["real"][minority], composition["generated"][minority]
            row |= dict(batch_real_minority=real_min, batch_generated_minority=gen_min,
                        synthetic_share_of_minority=gen_min / (real_min + gen_min),
                        synthetic_share_of_batch=gen_min / (composition["real"].sum() + gen_min))
        X_real = {c: sd.X_train[labelled & (sd.y_train == c)] for c in range(sd.n_classes)}
        x_hat = {c: model.impute(X, seed=SEED) for c, X in X_real.items()}
        proba = lambda X: model.predict_proba(X, seed=SEED)[:, minority]  # noqa: E731
        row |= dict(c_on_real_minority=float(proba(X_real[minority]).mean()),
                    c_on_real_majority=float(proba(X_real[1 - minority]).mean()))
        real_vs_real = two_sample_auc(x_hat[minority], x_hat[1 - minority])
        row |= {f"auc_x_real_minority_vs_majority_{k}": v for k, v in real_vs_real.items()}
        if model.config["use_g_cg"]:
            for c, X in X_real.items():
                h_c, x_c = generated_rows(model, len(X), c, SEED + 1 + c)
                name = "minority" if c == minority else "majority"
                for space, gen, real in (("h", h_c, model.encode(X, seed=SEED)), ("x", x_c, x_hat[c])):
                    row |= {f"auc_{space}_{name}_{k}": v for k, v in two_sample_auc(gen, real).items()}
                if c == minority:
                    with torch.no_grad():
                        c_gen = model.nets["classifier"](torch.as_tensor(x_c, dtype=torch.float32, device=model.device)[None])
                    row["c_on_generated_minority"] = float(c_gen[0, :, c].mean())
        self.rows.append(row)


def published_f1(label: str, splits: list[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """The published job's F1 on the given splits (results/runs/, read only), if present."""
    path = Path("results/runs") / DATASET / f"{MECHANISM}_{RATE}" / f"{label}.tsv"
    if not path.is_file():
        return {}
    runs = pd.read_csv(path, sep="\t")
    runs = runs[runs.metric == "f1"].set_index(["repeat", "fold"])["value"]
    return {s: float(runs[s]) for s in splits if s in runs.index}


def tidy(rows: list[dict], provenance: dict, by_label: dict[str, dict]) -> pd.DataFrame:
    """One row per (label, repeat, fold, measure), only the measures a split has (no G_CG measures without
    G_CG), each with ``provenance`` and its label's own (``by_label``)."""
    keys = ("label", "repeat", "fold")
    return pd.DataFrame([{**{k: row[k] for k in keys}, "measure": measure, "value": value, **provenance,
                          **by_label[row["label"]]}
                         for row in rows for measure, value in row.items() if measure not in keys])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=3, help="folds of repeat 0 (at most 5)")
    parser.add_argument("--steps", type=int, help="iterations (default: the protocol's, 2 000)")
    parser.add_argument("--out", type=Path, help="also write the per-split measurements to this CSV (tidy)")
    args = parser.parse_args()
    provenance = dict(git_commit=git_commit(), n_splits=args.splits, torch=package_version("torch"),
                      numpy=package_version("numpy"))  # the commit now, as a workflow job reads it
    by_label = {}
    torch.set_num_threads(1)
    plan = Plan(load_config(), check_data=False)
    masks = {}
    for path in plan.mask_paths(plan.job(DATASET, MECHANISM, RATE, LABELS[0])):
        if Path(path).is_file():  # the workflow's saved masks; a missing one is drawn, the same
            masks[int(Path(path).stem.removeprefix("repeat"))] = protocol.load_masks(path)
    diagnoses = []
    for label in LABELS:
        spec = plan.job_spec(plan.job(DATASET, MECHANISM, RATE, label))
        proto = spec["protocol"]
        params = dict(spec["params"], n_threads=1, device="cpu")
        if args.steps:
            params["max_steps"] = args.steps
        ds = load(spec["dataset"], data_dir=spec.get("data_dir"), options=spec.get("options"), seed=spec["seed"])
        estimator = create(spec["method"], **protocol.method_params(spec["method"], params))
        diagnosis = Diagnosis(label, estimator.batch_size)
        start = time.perf_counter()
        scored = protocol.run(ds, spec["method"], params, mechanism=spec["mechanism"], rate=spec["rate"],
                              label_rate=proto.get("label_rate"), n_repeats=proto["n_repeats"], n_folds=proto["n_folds"],
                              repeats=[0], folds=list(range(args.splits)), val_fraction=proto["val_fraction"],
                              scaling=proto["scaling"], seed=spec["seed"], masks=masks, train_rmse=False,
                              on_fit=diagnosis)
        seconds = time.perf_counter() - start
        by_label[label] = dict(steps=estimator.max_steps, wall_seconds=round(seconds, 1))
        print(f"{label}: {args.splits} splits trained and measured in {seconds:.0f} s", flush=True)
        f1 = scored[scored.metric == "f1"].set_index("fold")["value"]
        published = published_f1(label, [(0, f) for f in range(args.splits)])
        for row in diagnosis.rows:
            assert np.isclose(row["test_f1_argmax"], f1[row["fold"]])  # the protocol's F1 is C's argmax
            row["published_f1"] = published.get((0, row["fold"]), np.nan)
        diagnoses += diagnosis.rows
    table = pd.DataFrame(diagnoses)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 50)
    print(f"\nPer split (credit, MCAR 20 %, repeat 0, folds 0-{args.splits - 1}):")
    print(table.set_index(["label", "fold"]).drop(columns="repeat").T.round(4).to_string())
    print("\nMean over splits:")
    print(table.drop(columns=["repeat", "fold"]).groupby("label").mean().T.round(4).to_string())
    if args.out:
        write_table(args.out, tidy(diagnoses, provenance, by_label))
        print(f"\nWritten: {args.out}")


if __name__ == "__main__":
    main()
