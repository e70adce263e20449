"""Statistics of appendix C.5: hand-computed values, and scipy as an independent check."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from hexagan.protocol import stats


def test_cohens_d_equal_sizes_by_hand():
    # means 2.5 and 4.5, both sample variances 5/3, pooled SD sqrt(5/3)
    assert stats.cohens_d([1, 2, 3, 4], [3, 4, 5, 6]) == pytest.approx(-2 / math.sqrt(5 / 3))


def test_cohens_d_unequal_sizes_by_hand():
    # a: mean 2, var 1 (n 3); b: mean 5, var 20/3 (n 4); pooled var (2 * 1 + 3 * 20/3) / 5 = 4.4
    assert stats.cohens_d([1, 2, 3], [2, 4, 6, 8]) == pytest.approx(-3 / math.sqrt(4.4))
    assert stats.cohens_d([2, 4, 6, 8], [1, 2, 3]) == pytest.approx(3 / math.sqrt(4.4))


def test_cohens_d_degenerate():
    assert math.isnan(stats.cohens_d([1, 1], [1, 1]))
    assert stats.cohens_d([2, 2], [1, 1]) == math.inf
    assert math.isnan(stats.cohens_d([1], [2]))
    assert stats.cohens_d([1, 2, np.nan], [3, 4]) == pytest.approx(stats.cohens_d([1, 2], [3, 4]))


@pytest.mark.parametrize("d, label", [(0.1, "negligible"), (-0.3, "small"), (0.5, "medium"), (-0.79, "medium"),
                                      (0.8, "large"), (float("nan"), "n/a")])
def test_effect_size_labels(d, label):
    assert stats.effect_size(d) == label


def test_ranksum_by_hand_and_scipy():
    # no ties: rank sum of a = 6, expected 3 * 7 / 2 = 10.5, variance 3 * 3 * 7 / 12 = 5.25
    z = (6 - 10.5) / math.sqrt(5.25)
    statistic, p = stats.ranksum([1, 2, 3], [4, 5, 6])
    assert statistic == pytest.approx(z)
    assert p == pytest.approx(2 * scipy_stats.norm.cdf(z))
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 50), rng.normal(0.5, 1, 50)
    expected = scipy_stats.ranksums(a, b)
    assert stats.ranksum(a, b) == pytest.approx((expected.statistic, expected.pvalue))


def test_holm_by_hand():
    np.testing.assert_allclose(stats.holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(stats.holm([0.01, np.nan, 0.04]), [0.02, np.nan, 0.04])
    np.testing.assert_allclose(stats.holm([0.6, 0.5]), [1.0, 1.0])
    assert stats.holm([]).shape == (0,)


def _frame():
    rng = np.random.default_rng(1)
    rows = []
    for dataset, shift in (("breast", 0.0), ("credit", 0.05)):
        for method, loc in (("HexaGAN", 0.10), ("GAIN", 0.12), ("MICE", 0.101)):
            for split in range(10):
                rows.append(dict(table="table1", dataset=dataset, method=method, split=split,
                                 value=loc + shift + rng.normal(0, 0.002)))
    return pd.DataFrame(rows)


def test_compare_tidy_out():
    values = _frame()
    out = stats.compare(values, "HexaGAN", higher_is_better=False, family="table")
    assert list(out[["dataset", "competitor"]].itertuples(index=False, name=None)) == [
        ("breast", "GAIN"), ("breast", "MICE"), ("credit", "GAIN"), ("credit", "MICE")]
    assert (out["correction"] == "holm").all()
    assert (out[["n_reference", "n_competitor"]] == 10).all().all()
    gain = out[(out["dataset"] == "breast") & (out["competitor"] == "GAIN")].iloc[0]
    ref = values.query("dataset == 'breast' and method == 'HexaGAN'")["value"]
    comp = values.query("dataset == 'breast' and method == 'GAIN'")["value"]
    assert gain["p_value"] == pytest.approx(scipy_stats.ranksums(ref, comp).pvalue)
    assert gain["cohens_d"] == pytest.approx(stats.cohens_d(ref, comp))
    assert gain["cohens_d"] < 0 and gain["reference_better"]  # lower RMSE is better
    assert gain["supported"] and gain["significant"]
    np.testing.assert_allclose(out["p_holm"], stats.holm(out["p_value"]))


def test_compare_direction_for_scores():
    values = _frame()
    out = stats.compare(values, "HexaGAN", higher_is_better=True)
    assert not out["reference_better"].any()
    assert not out["supported"].any()


def test_compare_families_are_corrected_separately():
    values = pd.concat([_frame(), _frame().assign(table="table2")], ignore_index=True)
    out = stats.compare(values, "HexaGAN", higher_is_better=False, family="table")
    for _, part in out.groupby("table"):
        np.testing.assert_allclose(part["p_holm"], stats.holm(part["p_value"]))


def test_compare_without_reference_rows_is_empty():
    out = stats.compare(_frame(), "HexaGAN-typo", higher_is_better=False)
    assert out.empty and "p_holm" in out


def test_compare_takes_the_configured_correction_and_refuses_others():
    values = _frame()
    out = stats.compare(values, "HexaGAN", higher_is_better=False, family="table", correction="holm")
    assert (out["correction"] == "holm").all() and "p_holm" in out
    with pytest.raises(ValueError, match=r"unknown correction 'bonferroni'; choose one of \['holm'\]"):
        stats.compare(values, "HexaGAN", higher_is_better=False, family="table", correction="bonferroni")


def test_stats_renderer_reads_the_configured_correction(tmp_path):
    """The stats experiment's ``correction`` (config.yaml) is what the renderer applies; an unknown one fails."""
    from hexagan.suite.significance import render_stats_files

    files = {ext: str(tmp_path / f"stats.{ext}") for ext in ("csv", "md", "tex")}
    spec = {"name": "stats", "reference": {}, "tables": {}, "alpha": 0.05, "correction": "bonferroni"}
    with pytest.raises(ValueError, match="unknown correction 'bonferroni'"):
        render_stats_files(spec, **files)
    render_stats_files({**spec, "correction": "holm"}, **files)
    assert "Holm's correction within each table" in (tmp_path / "stats.md").read_text()
