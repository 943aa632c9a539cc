"""Re-banding counts between age-band sets: exact sums, or a clear error instead of a guess."""

import numpy as np
import pandas as pd
import pytest

from indicators.stats import BandError, format_band, parse_band, reband_array, reband_frame
from indicators.stats.standard_populations import ESP2013_19_BANDS, INSEE_BANDS, LIFE_TABLE_BANDS


@pytest.mark.parametrize(("text", "band"), [("0", (0, 0)), ("1-4", (1, 4)), ("90+", (90, None)),
                                            (" 5 - 9 ", (5, 9)), ((85, 89), (85, 89))])
def test_it_reads_text_and_tuple_bands(text, band):
    assert parse_band(text) == band
    assert parse_band(format_band(band)) == band


@pytest.mark.parametrize("bad", ["4-1", "abc", "-3", (5,), 12, ("0", 4)])
def test_it_refuses_unreadable_bands(bad):
    with pytest.raises(BandError):
        parse_band(bad)


def test_it_merges_0_and_1_4_and_the_top_bands():
    values = np.arange(1.0, 21.0)  # 20 life-table bands 0, 1-4, ..., 85-89, 90+
    target = ["0-4"] + list(LIFE_TABLE_BANDS[2:])
    out = reband_array(values, LIFE_TABLE_BANDS, target)
    assert out[0] == 3.0 and out[1:].tolist() == values[2:].tolist()


def test_it_rebands_many_areas_at_once_along_the_last_axis():
    values = np.arange(40.0).reshape(2, 20)  # two areas in INSEE bands
    out = reband_array(values, INSEE_BANDS, ESP2013_19_BANDS)
    assert out.shape == (2, 19)
    assert out[:, -1].tolist() == [18.0 + 19.0, 38.0 + 39.0]
    assert out.sum(axis=1).tolist() == values.sum(axis=1).tolist()


def test_it_refuses_to_split_a_band():
    with pytest.raises(BandError, match="source band 0-9 straddles target band 0-4"):
        reband_array([1.0, 2.0], ["0-9", "10+"], ["0-4", "5-9", "10+"])


def test_it_refuses_to_fill_90_94_from_90_plus():
    with pytest.raises(BandError, match="90\\+ straddles target band 90-94"):
        reband_array(np.ones(19), ESP2013_19_BANDS, list(ESP2013_19_BANDS[:-1]) + ["90-94", "95+"])


def test_it_refuses_an_open_band_from_bands_that_stop():
    with pytest.raises(BandError, match="target band 90\\+ is not covered"):
        reband_array([1.0, 1.0], ["85-89", "90-94"], ["85-89", "90+"])


@pytest.mark.parametrize(("bands", "message"), [
    (["0-4", "3-9"], "overlap"),
    (["0-4", "6-9"], "gap between 0-4 and 6-9"),
    (["0-4", "5+", "10-14"], "open band 5\\+ is not the last"),
])
def test_it_refuses_overlapping_gapped_or_misplaced_open_bands(bands, message):
    with pytest.raises(BandError, match=message):
        reband_array(np.ones(len(bands)), bands, ["0+"])


def test_it_drops_outside_bands_only_when_asked():
    with pytest.raises(BandError, match="fall outside the target bands"):
        reband_array([1.0, 2.0, 3.0], ["0-64", "65-74", "75+"], ["65+"])
    assert reband_array([1.0, 2.0, 3.0], ["0-64", "65-74", "75+"], ["65+"], allow_partial=True).tolist() == [5.0]


def test_it_rebands_a_long_frame_per_group():
    frame = pd.DataFrame({
        "dep": ["29"] * 3 + ["976"] * 3,
        "band": ["0", "1-4", "5+"] * 2,
        "deaths": [1.0, 2.0, 30.0, 4.0, 5.0, 6.0],
    })
    out = reband_frame(frame, "band", ["deaths"], ["0-4", "5+"], ["dep"])
    assert out.to_dict("list") == {"dep": ["29", "29", "976", "976"], "band": ["0-4", "5+", "0-4", "5+"],
                                   "deaths": [3.0, 30.0, 9.0, 6.0]}


def test_it_refuses_a_group_missing_a_band_it_would_sum_over():
    frame = pd.DataFrame({"dep": ["29", "29", "29", "2A", "2A"], "band": ["0", "1-4", "5+", "0", "5+"],
                          "deaths": [1.0, 2.0, 3.0, 4.0, 5.0]})
    with pytest.raises(BandError, match="group '2A' has missing band\\(s\\) \\['1-4'\\]"):
        reband_frame(frame, "band", ["deaths"], ["0-4", "5+"], ["dep"])
