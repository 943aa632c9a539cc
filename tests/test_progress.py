"""Command progress: a tqdm bar on a terminal, one plain line per finished step anywhere else."""

import io
import re

import pytest
from django.core.management.base import OutputWrapper

from config.progress import FileProgress, StepProgress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_off_a_terminal_each_step_prints_one_line_when_it_ends():
    out = io.StringIO()
    with StepProgress(OutputWrapper(out), 2, label="cmd") as progress:
        progress.step("reading")
        assert out.getvalue() == ""  # nothing until the step ends
        progress.step("writing")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"cmd: step 1/2 reading done in \d+\.\d s", lines[0])
    assert re.fullmatch(r"cmd: step 2/2 writing done in \d+\.\d s", lines[1])


def test_a_step_ended_by_an_error_is_reported_failed():
    out = io.StringIO()
    with pytest.raises(RuntimeError), StepProgress(out, 3) as progress:
        progress.step("reading")
        raise RuntimeError("bad file")
    assert re.fullmatch(r"step 1/3 reading failed in \d+\.\d s\n", out.getvalue())


def test_on_a_terminal_it_draws_a_bar_instead_of_lines():
    out = Terminal()
    with StepProgress(OutputWrapper(out), 2, label="cmd") as progress:
        progress.step("reading")
        progress.step("writing")
    text = out.getvalue()
    assert "\r" in text and "2/2" in text and "done in" not in text


def test_verbosity_0_prints_nothing():
    out = io.StringIO()
    with StepProgress(out, 1, enabled=False) as progress:
        progress.step("reading")
    assert out.getvalue() == ""


def test_off_a_terminal_each_file_prints_one_line_with_what_happened_to_it():
    out = io.StringIO()
    progress = FileProgress(OutputWrapper(out), 2, label="fetch")
    progress.begin("cog/regions.json", 2323)
    progress.end("present")
    progress.begin("cog/ept.json", 16183, initial=16000)
    progress.advance(183)
    progress.end("downloaded")
    lines = out.getvalue().splitlines()
    assert lines[0] == "fetch: file 1/2 cog/regions.json present"
    assert re.fullmatch(r"fetch: file 2/2 cog/ept.json downloaded 0\.2 kB in \d+\.\d s \(resumed at 16\.0 kB\)", lines[1])


def test_on_a_terminal_a_download_draws_a_byte_bar_and_valid_files_stay_quiet():
    out = Terminal()
    progress = FileProgress(OutputWrapper(out), 2, label="fetch")
    progress.begin("cog/regions.json", 2323)
    progress.end("present")
    assert out.getvalue() == ""
    progress.begin("cog/ept.json", 16183)
    progress.advance(16183)
    progress.end("downloaded")
    text = out.getvalue()
    assert "\r" in text and "2/2 cog/ept.json" in text and "/16.2k" in text
    assert text.endswith("fetch: file 2/2 cog/ept.json downloaded 16.2 kB in 0.0 s\n")
