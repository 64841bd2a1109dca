"""Train the triage model (R1.4, R1.5): ``make train`` = ``python -m desk_ops.triage_train``.

Reads the labelled inquiries (``tests/data/triage/train.jsonl``, plus any exported agent
corrections given with ``--extra``), extracts the features the Lambda extracts
(``inquiry_desk.triage.features``: the policy's keywords and urgency signals are features),
fits a linear support vector machine for the category (one-vs-rest, its scores scaled by a
temperature so that their softmax is a calibrated probability for the confidence threshold) and a
logistic regression for the urgency with scikit-learn (a development dependency only), and writes
their weights as JSON into the package (``inquiry_desk/triage/model.json``): one linear model each,
scored by ``inquiry_desk.triage.linear`` in plain Python. The run is deterministic: same data and
policy, same file. The held-out and fresh sets are never read here.

``--cv 5`` instead runs stratified 5-fold cross-validation on the training files (fixed seed),
each fold scored end to end by ``Triage``: the figure every choice of features, model and
hyper-parameters is made on (log in ``tests/data/triage/README.md``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "triage"

# Inverse regularisation strengths (scikit-learn's C), chosen once by cross-validation on the
# training set (never on the held-out set); fixed here so a retrain is quick and reproducible.
C_CATEGORY = 5.0  # LinearSVC
TEMPERATURE = 5.0  # the SVC's scores times this, softmaxed: the lowest out-of-fold log loss (CV)
C_URGENCY = 10.0  # logistic regression
MIN_WEIGHT = 0.01  # a feature whose every weight is smaller changes no decision: not shipped
MIN_COUNT = 2  # a feature seen in fewer training inquiries is dropped (smaller file, less noise)


def _features(examples: list[dict[str, Any]], policy: Any) -> list[dict[str, float]]:
    from inquiry_desk.runtime.composition import triage_for
    from inquiry_desk.triage.features import extract

    t = triage_for(policy, None)
    return [extract(ex["text"], t._keywords, t._signals)[0] for ex in examples]


def _fit(xs: list[dict[str, float]], ys: list[str], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=3000)
    return model.fit(xs, ys)


def _fit_category(xs: Any, ys: list[str]) -> Any:
    from sklearn.svm import LinearSVC

    xs = xs.tocsr()
    xs.indices, xs.indptr = xs.indices.astype("int32"), xs.indptr.astype("int32")  # liblinear takes 32-bit only
    return LinearSVC(C=C_CATEGORY, max_iter=20000, random_state=0).fit(xs, ys)


def _weights(model: Any, vocabulary: list[str], scale: float = 1.0) -> dict[str, Any]:
    """The model as ``LinearModel`` JSON; ``scale`` multiplies every weight and bias (a temperature)."""
    classes = [str(c) for c in model.classes_]
    coef = model.coef_ * scale
    bias = model.intercept_ * scale
    if len(classes) == 2:  # binary: one row for classes[1]; softmax over (0, s) is the same sigmoid
        coef = [[0.0] * len(vocabulary), list(coef[0])]
        bias = [0.0, float(bias[0])]
    rows: dict[str, list[float]] = {}
    for j, name in enumerate(vocabulary):
        row = [round(float(coef[i][j]), 3) for i in range(len(classes))]
        if max(abs(w) for w in row) >= MIN_WEIGHT:
            rows[name] = row
    return {"classes": classes, "bias": [round(float(b), 4) for b in bias], "weights": rows}


def fit(examples: list[dict[str, Any]], policy: Any) -> dict[str, Any]:
    """The category and urgency models for ``examples`` as the JSON ``model.json`` holds."""
    from inquiry_desk.triage.features import RULE_VALUE
    from sklearn.feature_extraction import DictVectorizer

    examples = sorted(examples, key=lambda ex: (str(ex.get("id")), ex["text"]))
    xs = _features(examples, policy)
    counts = Counter(f for x in xs for f in x)
    keep = {f for f, n in counts.items() if n >= MIN_COUNT or f.startswith(("k:", "u:"))}
    xs = [{f: v for f, v in x.items() if f in keep} for x in xs]

    vec = DictVectorizer(sort=True)
    matrix = vec.fit_transform(xs)
    categories = [ex["category"] for ex in examples]
    category_model = _fit_category(matrix, categories)

    # urgency sees the category too (the gold one here; the predicted one at run time)
    ux = [{**x, f"cat:{ex['category']}": RULE_VALUE} for x, ex in zip(xs, examples, strict=True)]
    uvec = DictVectorizer(sort=True)
    umatrix = uvec.fit_transform(ux)
    urgencies = [ex.get("urgency") or "normal" for ex in examples]
    urgency_model = _fit(umatrix, urgencies, C_URGENCY)
    return {
        "category": _weights(category_model, list(vec.get_feature_names_out()), TEMPERATURE),
        "urgency": _weights(urgency_model, list(uvec.get_feature_names_out())),
    }


def train(train_files: list[Path], out: Path) -> dict[str, Any]:
    from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
    from inquiry_desk.triage.evaluation import read_examples

    policy = load_policy(shipped_policy_path())
    examples = [ex for f in train_files for ex in read_examples(f)]
    models = fit(examples, policy)
    categories = [ex["category"] for ex in examples]

    digest = hashlib.sha256()
    for f in train_files:
        digest.update(f.read_bytes())
    digest.update(shipped_policy_path().read_bytes())
    body = {
        "$comment": "Written by `make train` (ops/desk_ops/triage_train.py); do not edit by hand.",
        "version": digest.hexdigest()[:12],
        "trained_on": {
            "files": [str(f.relative_to(ROOT)) if f.is_relative_to(ROOT) else f.name for f in train_files],
            "examples": len(examples),
            "per_category": dict(sorted(Counter(categories).items())),
            "category_model": "LinearSVC",
            "category_c": C_CATEGORY,
            "category_temperature": TEMPERATURE,
            "urgency_c": C_URGENCY,
            "policy_version": policy.version,
        },
        **models,
    }
    out.write_text(json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n", "utf-8")
    return body


def cross_validate(train_files: list[Path], folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """Stratified k-fold on the training files only (fixed seed): every choice of features, model
    and hyper-parameters is made on this figure, never on the held-out set. Each fold is scored
    end to end by the shipped :class:`Triage` (threshold, urgency signals) with that fold's model."""
    from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
    from inquiry_desk.runtime.composition import triage_for
    from inquiry_desk.triage.evaluation import Scores, evaluate, read_examples
    from inquiry_desk.triage.linear import LinearModel, TriageModel
    from sklearn.model_selection import StratifiedKFold

    policy = load_policy(shipped_policy_path())
    examples = [ex for f in train_files for ex in read_examples(f)]
    examples.sort(key=lambda ex: (str(ex.get("id")), ex["text"]))
    labels = [ex["category"] for ex in examples]
    total = Scores()
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(examples, labels):
        models = fit([examples[i] for i in train_idx], policy)
        model = TriageModel(
            version=f"cv{seed}",
            category=LinearModel.from_json(models["category"]),
            urgency=LinearModel.from_json(models["urgency"]),
            trained_on={},
        )
        got = evaluate(triage_for(policy, model), [examples[i] for i in test_idx])
        total.examples += got.examples
        total.correct += got.correct
        total.urgency_correct += got.urgency_correct
        total.unclassified += got.unclassified
        for mine, theirs in ((total.by_category, got.by_category), (total.by_language, got.by_language)):
            for key, (ok, n) in theirs.items():
                mine[key][0] += ok
                mine[key][1] += n
        for key, n in got.confusions.items():
            total.confusions[key] += n
        total.mistakes += got.mistakes
    return {"folds": folds, "seed": seed, **total.summary(), "_mistakes": total.mistakes}


def main(argv: list[str] | None = None) -> int:
    from inquiry_desk.triage.linear import MODEL_FILE

    parser = argparse.ArgumentParser(prog="desk-train", description=__doc__)
    parser.add_argument("--train", type=Path, default=DATA / "train.jsonl")

    parser.add_argument("--extra", type=Path, action="append", default=[], help="more labelled files (exports)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--cv", type=int, default=0, help="k: stratified k-fold cross-validation only")
    parser.add_argument("--mistakes", type=Path, help="with --cv: write the misclassified lines here")
    args = parser.parse_args(argv)
    if args.cv:
        report = cross_validate([args.train, *args.extra], folds=args.cv)
        mistakes = report.pop("_mistakes")
        if args.mistakes:
            args.mistakes.write_text("\n".join(json.dumps(m, ensure_ascii=False) for m in mistakes) + "\n", "utf-8")
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    body = train([args.train, *args.extra], args.out)
    info = body["trained_on"]
    print(
        f"wrote {args.out} (version {body['version']}): {info['examples']} examples, "
        f"{len(body['category']['weights'])} category features, {len(body['urgency']['weights'])} urgency features"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
