"""hairmeta.evidence.meta.escalc: compute_effects / read_effect_input (oracle: metafor escalc via the committed
reference CSVs, hand calculations) and from_outcomes (hand-built coded rows)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from testpaths import REFERENCE

from hairmeta.evidence.errors import DataError, UnknownNameError
from hairmeta.evidence.meta.escalc import compute_effects, read_effect_input


def _smd_reference() -> tuple[pd.DataFrame, pd.DataFrame]:
    inputs = pd.read_csv(REFERENCE / "escalc_means_inputs.csv")
    expected = pd.read_csv(REFERENCE / "escalc_expected.csv", keep_default_na=False)
    rows = expected.query("measure == 'SMD' and options == ''")
    return inputs, rows


def test_compute_effects_on_reference_file_matches_metafor_smd():
    """Oracle: escalc(measure="SMD") on escalc_means_inputs.csv, read through read_effect_input."""
    inputs, rows = _smd_reference()
    table = compute_effects(read_effect_input(REFERENCE / "escalc_means_inputs.csv"), "SMD")
    want = np.array([float(v) if v != "" else np.nan for v in rows["yi"].astype(str)])
    got = table["yi"].to_numpy()
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[~np.isnan(want)], want[~np.isnan(want)], rtol=1e-10)
    assert list(table.columns[: len(inputs.columns)]) == list(inputs.columns)


def test_rows_metafor_cannot_compute_get_a_note_not_a_crash():
    """Rows 1-2 of the reference have n1i = n2i = 1 (no bias correction possible): escalc gives NA."""
    table = compute_effects(read_effect_input(REFERENCE / "escalc_means_inputs.csv"), "SMD")
    assert math.isnan(table.loc[0, "yi"]) and "not computed" in table.loc[0, "derivation"]
    assert table.loc[10, "derivation"] == ""


def test_missing_values_give_nan_and_name_the_column():
    frame = pd.DataFrame(
        {"m1i": [12.0, np.nan], "sd1i": [3, 3], "n1i": [10, 10], "m2i": [10, 9], "sd2i": [4, 4], "n2i": [20, 20]}
    )
    table = compute_effects(frame, "MD")
    assert table.loc[0, "yi"] == 2.0 and table.loc[0, "vi"] == pytest.approx(0.9 + 0.8)
    assert math.isnan(table.loc[1, "yi"]) and table.loc[1, "derivation"] == "not computed: m1i missing"


def test_zero_cell_correction_is_noted():
    """Hand calculation: a=0 → 0.5/10.5 vs 4.5/6.5 after metafor's add=1/2 (only0)."""
    frame = pd.DataFrame({"ai": [0, 3], "n1i": [10, 10], "ci": [4, 5], "n2i": [10, 10]})
    table = compute_effects(frame, "OR")
    assert table.loc[0, "yi"] == pytest.approx(math.log((0.5 / 10.5) / (4.5 / 6.5)), rel=1e-14)
    assert "added 0.5 to each cell" in table.loc[0, "derivation"]
    assert table.loc[1, "derivation"] == ""


def test_existing_derivation_is_kept_and_extended():
    frame = pd.DataFrame({"xi": [0], "ni": [20], "derivation": ["events read off Figure 2"]})
    table = compute_effects(frame, "PLO")
    assert table.loc[0, "derivation"].startswith("events read off Figure 2; added 0.5")


def test_imputed_ri_is_said_in_derivation():
    frame = pd.DataFrame(
        {
            "m1i": [14.0, 15.0],
            "m2i": [10.0, 10.0],
            "sd1i": [4.0, 4.0],
            "sd2i": [5.0, 5.0],
            "ni": [12, 12],
            "ri": [0.7, np.nan],
        }
    )
    table = compute_effects(frame, "MC", ri=0.5)
    assert table.loc[0, "vi"] == pytest.approx((16 + 25 - 2 * 0.7 * 20) / 12)
    assert table.loc[1, "vi"] == pytest.approx((16 + 25 - 2 * 0.5 * 20) / 12)
    assert table.loc[1, "derivation"] == "ri imputed at 0.5 (correlation not reported)"
    assert table.loc[0, "derivation"] == ""


def test_unknown_measure_raises_unknown_name_error():
    with pytest.raises(UnknownNameError, match="valid: MD, SMD"):
        compute_effects(pd.DataFrame({"xi": [1], "ni": [2]}), "LOGIT")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "table.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("m1i,sd1i,n1i,m2i,sd2i\n1,1,5,1,1\n", ":1:n2i:", "missing column for measure MD"),
        ("m1i,sd1i,n1i,m2i,sd2i,n2i\n1,1,5,1,1,5\n1,abc,5,1,1,5\n", ":3:sd1i:", "not a number: 'abc'"),
        ("m1i,sd1i,n1i,m2i,sd2i,n2i\n1,1,-5,1,1,5\n", ":2:n1i:", "must be > 0"),
        ("m1i,sd1i,n1i,m2i,sd2i,n2i\n1,1,5,1,-1,5\n", ":2:sd2i:", "must not be negative"),
    ],
)
def test_bad_mean_tables_name_file_row_column(tmp_path, text, where, message):
    path = _write(tmp_path, text)
    with pytest.raises(DataError) as info:
        compute_effects(read_effect_input(path), "MD", source_name=str(path))
    assert str(info.value).startswith(f"{path}{where} {message}")


@pytest.mark.parametrize(
    "text, field, message",
    [
        ("ai,n1i,ci,n2i\n3,10,4,10\n12,10,4,10\n", "3:ai", "ai is larger than n1i"),
        ("ai,bi,ci,di,n1i,n2i\n3,7,4,6,10,10\n3,8,4,6,10,10\n", "3:bi", "ai + bi differs from n1i"),
        ("xi,ni\n5,4\n", "2:xi", "xi is larger than ni"),
    ],
)
def test_bad_count_tables_name_file_row_column(tmp_path, text, field, message):
    path = _write(tmp_path, text)
    measure = "PLO" if text.startswith("xi") else "RR"
    with pytest.raises(DataError, match=re.escape(f":{field}: {message}") + "$"):
        compute_effects(read_effect_input(path), measure, source_name=str(path))


def test_correlation_outside_range_is_rejected(tmp_path):
    path = _write(tmp_path, "m1i,m2i,sd1i,sd2i,ni,ri\n5,4,1,1,10,1.2\n")
    with pytest.raises(DataError, match=r":2:ri: a correlation must lie in \[-1, 1\]$"):
        compute_effects(read_effect_input(path), "MC", source_name=str(path))


def test_read_effect_input_missing_file_is_one_line(tmp_path):
    with pytest.raises(DataError, match="nothing.csv: file not found$"):
        read_effect_input(tmp_path / "nothing.csv")


def test_read_effect_input_empty_file(tmp_path):
    with pytest.raises(DataError, match=":1: empty file: no header row"):
        read_effect_input(_write(tmp_path, ""))


def test_read_effect_input_parses_padded_numbers_and_blanks(tmp_path):
    frame = read_effect_input(_write(tmp_path, "xi,ni,note\n 3 ,10, a\n,12,\n 4,,b\n"))
    assert frame["xi"].tolist()[0] == 3 and frame["xi"].isna().tolist() == [False, True, False]
    assert pd.api.types.is_numeric_dtype(frame["ni"]) and not pd.api.types.is_numeric_dtype(frame["note"])


def test_read_effect_input_keeps_integers_and_text(tmp_path):
    frame = read_effect_input(_write(tmp_path, "study,n1i,m1i\nA,10,1.5\nB,12,\n"))
    assert frame["study"].tolist() == ["A", "B"]
    assert pd.api.types.is_integer_dtype(frame["n1i"])
    assert math.isnan(frame.loc[1, "m1i"])
