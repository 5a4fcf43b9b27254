"""Date normalization pairs, generated deterministically by the suite.

A transduction task where only the exact output counts: a date written in
one of many human formats ("21 Nov 2026", "Saturday, November 21st,
2026", "21.11.2026", ...) maps to its ISO form "2026-11-21". Pairs are
drawn from a seeded generator over the years 1900-2099; held-out sets
use calendar days that no training pair contains.

Example:
>>> render(datetime.date(2026, 11, 21), "d_mon_y")
'21 Nov 2026'
>>> pairs(2, seed=0)[0][1]  # doctest: +SKIP
'1994-03-07'
"""

import datetime

import numpy as np

from suite.errors import SuiteError

PAD, START = 0, 1
"""Id 0 pads sources and targets; id 1 starts the decoder."""
SOURCE_CHARS = (
    " ,./-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
TARGET_CHARS = "0123456789-"
SOURCE_LENGTH = 40
"""Longest source string (longer input is refused)."""
TARGET_LENGTH = 10
"""Every target is YYYY-MM-DD."""
FIRST_DAY = datetime.date(1900, 1, 1)
DAYS = (datetime.date(2099, 12, 31) - FIRST_DAY).days + 1

_ORDINAL = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}
FORMATS = {
    "d_mon_y": "{d} {mon} {y}",
    "d_month_y": "{d} {month} {y}",
    "month_d_y": "{month} {d}, {y}",
    "mon_d_y": "{mon} {d}, {y}",
    "weekday_d_month_y": "{weekday}, {d} {month} {y}",
    "weekday_month_dth_y": "{weekday}, {month} {dth}, {y}",
    "dth_of_month_y": "{dth} of {month} {y}",
    "dd_mm_yyyy_dots": "{dd}.{mm}.{y}",
    "mm_dd_yyyy_slashes": "{mm}/{dd}/{y}",
    "yyyy_mm_dd_slashes": "{y}/{mm}/{dd}",
    "d_mon_y_upper": "{d}-{MON}-{y}",
    "mon_d_y_lower": "{mon_lower} {d} {y}",
    "y_mon_d": "{y} {mon} {d}",
    "yyyymmdd": "{y}{mm}{dd}",
}
"""Input formats; numeric ones fix the field order so none is ambiguous."""


def render(date: datetime.date, name: str) -> str:
    """`date` written in format `name` (a key of FORMATS)."""
    month = date.strftime("%B")
    suffix = _ORDINAL.get(date.day, "th")
    return FORMATS[name].format(
        d=date.day,
        dd=f"{date.day:02d}",
        dth=f"{date.day}{suffix}",
        mm=f"{date.month:02d}",
        y=f"{date.year:04d}",
        month=month,
        mon=month[:3],
        MON=month[:3].upper(),
        mon_lower=month[:3].lower(),
        weekday=date.strftime("%A"),
    )


def day_split(seed: int, held_out_fraction: float = 0.2):
    """`(training days, held-out days)`: disjoint day offsets from 1900."""
    order = np.random.default_rng(seed).permutation(DAYS)
    cut = int(DAYS * held_out_fraction)
    return order[cut:], order[:cut]


def pairs(count: int, seed: int, days=None) -> list[tuple[str, str]]:
    """`count` (source, ISO target) pairs over `days` (default: all)."""
    rng = np.random.default_rng(seed)
    days = np.arange(DAYS) if days is None else np.asarray(days)
    names = list(FORMATS)
    chosen = rng.choice(days, size=count)
    formats = rng.integers(0, len(names), size=count)
    result = []
    for offset, index in zip(chosen, formats, strict=True):
        date = FIRST_DAY + datetime.timedelta(days=int(offset))
        result.append((render(date, names[index]), date.isoformat()))
    return result


def encode_sources(texts) -> np.ndarray:
    """Texts -> `[N, SOURCE_LENGTH]` int32 ids, right-padded with 0.

    Raises a `SuiteError` naming the first empty, too long or
    unsupported text.
    """
    ids = np.zeros((len(texts), SOURCE_LENGTH), dtype="int32")
    for row, text in enumerate(texts):
        _check_text(text)
        ids[row, : len(text)] = [SOURCE_CHARS.index(c) + 1 for c in text]
    return ids


def _check_text(text: str) -> None:
    if not text.strip():
        raise SuiteError("empty date text; give e.g. '21 Nov 2026'")
    if len(text) > SOURCE_LENGTH:
        raise SuiteError(
            f"date text {text!r} has {len(text)} characters; at most "
            f"{SOURCE_LENGTH} are supported"
        )
    bad = sorted({c for c in text if c not in SOURCE_CHARS})
    if bad:
        raise SuiteError(
            f"date text {text!r} has unsupported characters {bad}; use "
            "letters, digits, spaces and , . / -"
        )


def encode_targets(texts) -> np.ndarray:
    """ISO dates -> `[N, TARGET_LENGTH]` ids (2 + index in TARGET_CHARS)."""
    return np.array(
        [[TARGET_CHARS.index(c) + 2 for c in text] for text in texts],
        dtype="int32",
    )


def decoder_inputs(targets: np.ndarray) -> np.ndarray:
    """Teacher-forcing inputs: START then the targets shifted right."""
    start = np.full((len(targets), 1), START, dtype="int32")
    return np.concatenate([start, targets[:, :-1]], axis=1)


def decode_targets(ids: np.ndarray) -> list[str]:
    """`[N, L]` target ids -> strings (pad/start ids print as '?')."""
    return [
        "".join(TARGET_CHARS[i - 2] if i >= 2 else "?" for i in row)
        for row in np.asarray(ids)
    ]


def source_vocab_size() -> int:
    return len(SOURCE_CHARS) + 1


def target_vocab_size() -> int:
    return len(TARGET_CHARS) + 2
