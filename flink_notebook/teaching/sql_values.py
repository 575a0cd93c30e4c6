"""SQL expressions that make a data set's values from a row's number and the seed, with
Flink's built-in functions only: the same number and seed give the same value on every
run and machine (no wall clock, no random generator, no transcendental functions)."""

from __future__ import annotations

from math import gcd

#: Every data set's event time counts from here.
EPOCH = "2024-01-01 00:00:00"
#: The values digits() takes, 0 <= value < SPREAD.
SPREAD = 1_000_000


def digits(seed: int, salt: str, key: str) -> str:
    """An INT in [0, SPREAD) that looks random: the decimal digits of the MD5 of seed,
    salt and ``key`` (a BIGINT expression), first six. The hex letters are dropped, so
    each digit left is uniform; the zeros appended only matter in the rare hash with
    fewer than six digits."""
    hashed = f"MD5(CONCAT('{int(seed)}/{salt}/', CAST({key} AS STRING)))"
    return (f"CAST(SUBSTRING(CONCAT(REGEXP_REPLACE({hashed}, '[a-f]', ''), '000000') "
            f"FROM 1 FOR 6) AS INT)")


def pick(seed: int, salt: str, key: str, count: int) -> str:
    """An INT in [0, count)."""
    return f"MOD({digits(seed, salt, key)}, {int(count)})"


def chance(seed: int, salt: str, key: str, fraction: float) -> str:
    """A BOOLEAN, true for about ``fraction`` of the keys."""
    return f"{digits(seed, salt, key)} < {round(fraction * SPREAD)}"


def choice(seed: int, salt: str, key: str, values: tuple[str, ...]) -> str:
    """One of ``values`` (SQL literals), each about as often."""
    cases = " ".join(f"WHEN {i} THEN {value}" for i, value in enumerate(values))
    return f"CASE {pick(seed, salt, key, len(values))} {cases} END"


def at(seconds: str) -> str:
    """The event time ``seconds`` (an integer expression) after EPOCH, as a TIMESTAMP(3).
    Whole seconds: a watermark then moves in steps of a second, more than Flink's
    200 ms emit interval, so it is emitted right after the row that moved it and which
    rows are late does not depend on when the periodic timer fires."""
    return (f"CAST(TIMESTAMPADD(SECOND, CAST({seconds} AS INT), TIMESTAMP '{EPOCH}') "
            f"AS TIMESTAMP(3))")


def shuffled(seed: int, salt: str, key: str, block: int) -> str:
    """A BIGINT: ``key`` moved to another place in its block of ``block`` keys, each block
    in its own order (x -> a*x + c mod block, a bijection as a and block are coprime).
    Follow-up events (a ride's end, an order's shipment) are numbered in time order and
    take their parent from here: every parent gets one, at most two blocks later. The
    follow-ups are counted in whole blocks (those whose parent is beyond the count are
    left out), so a small count still has short and long gaps."""
    offset = f"MOD({key}, {block})"
    start = f"({key} - {offset})"
    return (f"{start} + MOD({_unit_near(block)} * {offset} + "
            f"{pick(seed, salt, start, block)}, {block})")


def whole_blocks(count: int, block: int) -> int:
    """``count`` rounded up to whole blocks."""
    return -(-count // block) * block


def _unit_near(size: int) -> int:
    """A multiplier coprime to ``size`` near its golden section (spreads the order)."""
    candidate = max(1, round(size * 0.618))
    while gcd(candidate, size) != 1:
        candidate += 1
    return candidate
