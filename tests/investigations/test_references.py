import pytest

from investigations.references import body_suffix, format_reference, parse_reference


def test_format_reference_in_ombudsman_style():
    assert format_reference(2022, 1239) == "22 001 239"
    assert format_reference(26, 999_999, "b") == "26 999 999b"


@pytest.mark.parametrize("text", ["22 001 239", "22-001-239", "22001239", " 22 001 239 "])
def test_parse_accepts_common_spellings(text):
    assert parse_reference(text) == ("22 001 239", "")


def test_parse_keeps_joint_case_suffix():
    assert parse_reference("23 001 210A") == ("23 001 210", "a")


@pytest.mark.parametrize("text", ["", "22 01 239", "hello", "22 001 239ab"])
def test_parse_rejects_non_references(text):
    with pytest.raises(ValueError, match="not a case reference"):
        parse_reference(text)


def test_number_out_of_range():
    with pytest.raises(ValueError):
        format_reference(22, 0)
    with pytest.raises(ValueError):
        format_reference(22, 1_000_000)


def test_body_suffixes():
    assert [body_suffix(i) for i in range(3)] == ["a", "b", "c"]
    with pytest.raises(ValueError):
        body_suffix(26)


def test_intakes_at_once_get_consecutive_references_and_a_rollback_gives_its_number_back(db, run):
    """Ten write transactions at once (each its own connection): the year's first row and every
    increment are one atomic statement, so nobody reads a stale number (PostgreSQL) or fails."""
    import asyncio
    from datetime import date

    from investigations.references import next_reference
    from workbench.db import write_transaction

    async def issue() -> str:
        async with write_transaction():
            return await next_reference(date(2026, 3, 2))

    async def rolled_back() -> None:
        async with write_transaction():
            await next_reference(date(2026, 3, 2))
            raise RuntimeError("intake failed after taking a number")

    async def scenario() -> list[str]:
        first = await asyncio.gather(*(issue() for _ in range(10)))
        with pytest.raises(RuntimeError):
            await rolled_back()
        return sorted(first) + [await issue()]

    assert run(scenario()) == [f"26 000 {n:03d}" for n in range(1, 12)]
