"""The paper's numbers (hexagan/paper_results.csv): spot checks against the PDF and internal consistency."""
import numpy as np
import pytest

from hexagan import paper


@pytest.mark.parametrize("table, row, column, mean, std", [
    ("table1", "HexaGAN", "breast", 0.0769, None),
    ("table1", "Zeros", "mnist", 0.3319, None),
    ("table1", "K-NN", "madelon", 0.1530, None),
    ("table1", "GAIN", "wine", 0.1406, None),
    ("section4.1.2", "HexaGAN (conv)", "mnist", 0.0914, None),
    ("table2", "HexaGAN", "credit", 0.4627, 0.0040),
    ("table2", "MLP", "breast", 0.9171, 0.0101),
    ("table2", "HexaGAN w/o GCG", "wine", 0.9738, 0.0135),
    ("table3", "MICE + CS + TripleGAN", "madelon", 0.6681, 0.0028),
    ("table3", "GAIN + SMOTE + TripleGAN", "credit", 0.4401, 0.0031),
    ("table4", "HexaGAN", "Wearing_Necklace", 0.35, None),
    ("table4", "GAIN + CRL + TripleGAN", "Mean", 0.5519, None),
])
def test_spot_checks(table, row, column, mean, std):
    got_mean, got_std = paper.value(table, row, column)
    assert got_mean == pytest.approx(mean, abs=1e-12)
    if std is None:
        assert np.isnan(got_std)
    else:
        assert got_std == pytest.approx(std, abs=1e-12)


def test_table_shapes():
    assert paper.table("table1").shape[0] == 7 * 5
    assert paper.table("table2").shape[0] == 5 * 4
    assert paper.table("table3").shape[0] == 5 * 4
    assert paper.table("appendix_table3").shape[0] == 4 * 4
    assert paper.table("table4").shape[0] == 3 * 41  # 40 attributes and the printed mean
    assert paper.table("table4_imbalance").shape[0] == 40


def test_sensitivity_rows():
    assert paper.value("appendix_table3", "alpha1", "credit", setting=0)[0] == 0.1974
    assert paper.value("appendix_table3", "lambda1", "credit", setting=100)[0] == 0.1081
    assert paper.value("appendix_table3", "alpha3", "credit", setting=0.01)[0] == 0.4627
    # The paper prints the alpha2 and alpha3 rows with the same four values; the note says so.
    a2 = paper.table("appendix_table3").query("row == 'alpha2'")["mean"].to_numpy()
    a3 = paper.table("appendix_table3").query("row == 'alpha3'")["mean"].to_numpy()
    np.testing.assert_array_equal(a2, a3)


def test_hexagan_rows_of_tables_2_and_3_agree():
    t2 = paper.table("table2").query("row == 'HexaGAN'").set_index("column")[["mean", "std"]]
    t3 = paper.table("table3").query("row == 'HexaGAN'").set_index("column")[["mean", "std"]]
    assert t2.equals(t3)


def test_celeba_printed_means_match_the_attributes():
    """The transcribed 40 attributes average to the printed means (to the printed rounding)."""
    t4 = paper.table("table4")
    for method in ("GAIN + TripleGAN", "GAIN + CRL + TripleGAN", "HexaGAN"):
        rows = t4[(t4["row"] == method) & (t4["column"] != "Mean")]
        assert len(rows) == 40
        assert rows["mean"].mean() == pytest.approx(paper.value("table4", method, "Mean")[0], abs=6e-4)


def test_c5_exceptions():
    assert set(paper.not_significant()) == {
        ("table1", "GAIN", "wine"),
        ("table2", "HexaGAN w/o DMI", "breast"),
        ("table2", "HexaGAN w/o DMI", "credit"),
        ("table3", "MICE + SMOTE + TripleGAN", "madelon"),
    }


def test_unknown_cell_is_a_clear_error():
    with pytest.raises(KeyError, match="no paper table 'table9'"):
        paper.table("table9")
    with pytest.raises(KeyError, match="0 cells for row 'HexaGAN', column 'iris'"):
        paper.value("table1", "HexaGAN", "iris")
