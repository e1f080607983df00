"""`workbench due`: the app's working-day arithmetic on the command line (no database)."""

import pytest

from workbench.cli import main


def run_cli(capsys, *args):
    main(["due", *args])
    return capsys.readouterr().out


def test_working_days_over_christmas(capsys):
    out = run_cli(capsys, "--from", "2026-12-18", "--working-days", "20")
    assert "Wednesday 20 January 2027 is 20 working days after Friday 18 December 2026" in out
    assert "Christmas Day" in out and "New Year's Day" in out


def test_months_clamp_to_month_end(capsys):
    assert "28 February 2027" in run_cli(capsys, "--from", "2027-01-31", "--months", "1")


def test_between_counts_and_lists_holidays(capsys):
    out = run_cli(capsys, "--between", "2027-03-25", "2027-04-01")
    assert out.startswith("3 working days after")  # Good Friday and Easter Monday skipped
    assert "Good Friday" in out and "Easter Monday" in out


def test_bad_date_is_a_clear_error(capsys):
    with pytest.raises(SystemExit):
        main(["due", "--from", "18/12/2026", "--working-days", "5"])
    assert "not a date like 2026-12-18" in capsys.readouterr().err


def test_missing_period_is_refused():
    with pytest.raises(SystemExit, match="say how long"):
        main(["due", "--from", "2026-12-18"])
