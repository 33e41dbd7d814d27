"""The worked example of docs/methodology.md, checked against the code.

The document holds the example's input (```yaml example-input), its expected
figures (```yaml example-expected) and the step-by-step calculations as inline
code such as `O1 = (100 + 75) / 2 = 87.5`.  This test

* builds the edition and answers from the input block and scores them;
* checks every expected figure to the decimals shown (halves away from zero);
* checks the arithmetic of every calculation exactly, and that its result is
  the package's figure of the same name;
* and, to prove it would notice, changes each figure of the document in turn
  and checks that the check then fails.
"""

from __future__ import annotations

import ast
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring import (
    Answer,
    Area,
    Band,
    Edition,
    ItemSpec,
    Method,
    ObligationSpec,
    RatingLevel,
    Result,
    score_assessment,
)

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "methodology.md"
BLOCK = re.compile(r"^```yaml (example-input|example-expected)\n(.*?)^```", re.M | re.S)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
CALCULATION = re.compile(r"^(?P<name>[A-Za-z][\w ]*?) = (?P<rest>.+)$")


class _DecimalLoader(yaml.SafeLoader):
    """Reads numbers as Decimal, so that the decimals shown are kept."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    return Decimal(str(loader.construct_scalar(node)))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_DecimalLoader.add_constructor("tag:yaml.org,2002:int", _decimal)


def blocks(text: str) -> dict[str, str]:
    found = {name: body for name, body in BLOCK.findall(text)}
    assert set(found) == {"example-input", "example-expected"}, "example blocks missing"
    return found


def worked_example_section(text: str) -> str:
    start = text.index("## Worked example")
    return text[start:]


def build(spec: dict[str, Any]) -> tuple[Edition, list[Answer]]:
    m = spec["method"]
    method = Method(
        scale=tuple(RatingLevel(s["id"], s["id"], s["value"], s.get("needs_support", False)) for s in m["scale"]),
        bands=tuple(Band(b["id"], b["id"], b["min_score"]) for b in m["bands"]),
        core_threshold=m["core_threshold"],
        core_band_cap=m["core_band_cap"],
        critical_priority=m["critical_priority"],
    )
    edition = Edition(
        hash="worked-example",
        method=method,
        sections=tuple(Area(s["id"], s["title"]) for s in spec["sections"]),
        instruments=tuple(Area(i["id"], i["title"]) for i in spec["instruments"]),
        items=tuple(ItemSpec(i["id"], i["section"]) for i in spec["items"]),
        obligations=tuple(
            ObligationSpec(o["id"], o["instrument"], o["paragraph"], o["weight"], o["core"], tuple(o["items"]))
            for o in spec["obligations"]
        ),
    )
    answers = [
        Answer(
            item=a["item"],
            rating=a.get("rating"),
            description=a.get("description", ""),
            legal_references=tuple(a.get("legal_references", ())),
            justification=a.get("justification", ""),
        )
        for a in spec["answers"]
    ]
    return edition, answers


def shown(actual: float | None, expected: Decimal | None) -> bool:
    """Tell whether `actual` is displayed as `expected`, to the decimals it shows."""
    if expected is None or actual is None:
        return expected is None and actual is None
    quantum = Decimal(1).scaleb(expected.as_tuple().exponent)
    return Decimal(repr(actual)).quantize(quantum, rounding=ROUND_HALF_UP) == expected


def exact(expression: str) -> Fraction:
    """Evaluate + − × / and parentheses exactly."""
    source = expression.replace("×", "*").replace("−", "-").replace("·", "*")

    def walk(node: ast.AST) -> Fraction:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return Fraction(ast.get_source_segment(source, node) or "")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Div):
                return left / right
        raise ValueError(f"not a calculation: {expression!r}")

    return walk(ast.parse(source, mode="eval"))


def literal(part: str) -> Decimal | None:
    return Decimal(part) if re.fullmatch(r"-?\d+(\.\d+)?", part) else None


def figures(result: Result) -> dict[str, float | None]:
    """The package's figures under the names the calculations use."""
    named: dict[str, float | None] = {"overall": result.overall, "check": result.overall}
    named.update({o.obligation: o.score for o in result.obligations})
    named.update({s.id: s.score for s in result.sections})
    named.update({i.id: i.score for i in result.instruments})
    for gap in result.gaps:
        named[f"shortfall {gap.obligation}"] = gap.shortfall
        named[f"priority {gap.obligation}"] = gap.priority
    return named


def problems(text: str) -> list[str]:
    """Every disagreement between the document's worked example and the code."""
    found: list[str] = []
    parts = blocks(text)
    edition, answers = build(yaml.safe_load(parts["example-input"]))
    expected = yaml.load(parts["example-expected"], Loader=_DecimalLoader)
    result = score_assessment(edition, answers)

    def check(label: str, ok: bool) -> None:
        if not ok:
            found.append(label)

    # The expected block -------------------------------------------------------------
    items = {i.item: i for i in result.items}
    check("items listed", set(expected["items"]) == set(items))
    for item_id, want in expected["items"].items():
        got = items.get(item_id)
        check(f"item {item_id}", got is not None and got.status == want["status"])
        check(f"item {item_id} value", got is not None and shown(got.value, want["value"]))
        check(f"item {item_id} flags", got is not None and list(got.flags) == want["flags"])
    for level, areas in (
        ("obligations", {o.obligation: o.score for o in result.obligations}),
        ("sections", {s.id: s.score for s in result.sections}),
        ("instruments", {i.id: i.score for i in result.instruments}),
    ):
        check(f"{level} listed", set(expected[level]) == set(areas))
        for area_id, want in expected[level].items():
            check(f"{level} {area_id}", area_id in areas and shown(areas[area_id], want))
    check("overall", shown(result.overall, expected["overall"]))
    check("band", result.band == expected["band"])
    check("uncapped band", result.uncapped_band == expected["uncapped_band"])
    check("capped by", list(result.capped_by) == expected["capped_by"])
    check("number of gaps", len(result.gaps) == len(expected["gaps"]))
    for gap, want in zip(result.gaps, expected["gaps"], strict=False):
        label = f"gap {want['rank']}"
        check(label, (gap.rank, gap.obligation) == (want["rank"], want["obligation"]))
        for figure in ("score", "shortfall", "priority"):
            check(f"{label} {figure}", shown(getattr(gap, figure), want[figure]))
        check(f"{label} core", gap.core == want["core"])
        check(f"{label} critical", gap.critical == want["critical"])
        check(f"{label} items", list(gap.items) == want["items"])
    flags = result.flags
    check(
        "flags",
        {
            "unsupported": list(flags.unsupported),
            "missing": list(flags.missing),
            "unjustified_not_applicable": list(flags.unjustified_not_applicable),
        }
        == expected["flags"],
    )

    # The calculations in the text ------------------------------------------------------
    named = figures(result)
    calculated: set[str] = set()
    for span in CODE_SPAN.findall(worked_example_section(text)):
        match = CALCULATION.match(span)
        if match is None:
            continue
        name = match["name"]
        steps = [s.strip() for s in match["rest"].split(" = ")]
        calculated.add(name)
        value = exact(steps[0])
        for step in steps[1:]:
            rounded = literal(step)
            if rounded is not None and Fraction(rounded) != value:
                # A shown figure may round the exact value, to the decimals it shows.
                check(f"calculation {name}: {step}", shown(float(value), rounded))
                value = Fraction(rounded)
            else:
                now = exact(step)
                check(f"calculation {name}: {step}", now == value)
                value = now
        final = literal(steps[-1])
        check(f"calculation {name} ends with a figure", final is not None)
        check(f"calculation {name} is a known figure", name in named)
        if final is not None and name in named:
            check(f"calculation {name} agrees with the code", shown(named[name], final))
    wanted = {k for k, v in named.items() if v is not None}
    check(f"calculations missing for {sorted(wanted - calculated)}", wanted <= calculated)
    return found


def test_worked_example_matches_the_code() -> None:
    assert problems(DOCUMENT.read_text(encoding="utf-8")) == []


def mutations(text: str) -> list[tuple[str, str]]:
    """Copies of the document with one figure of the worked example changed."""
    start = text.index("## Worked example")
    expected_start = text.index("```yaml example-expected")
    input_end = text.index("```", text.index("```yaml example-input") + 3)
    changed: list[tuple[str, str]] = []

    def bump(number: str) -> str:
        digits = number.split(".")
        if len(digits) == 1:
            return str(int(number) + 1)
        return f"{digits[0]}.{(int(digits[1]) + 1) % 10 ** len(digits[1]):0{len(digits[1])}d}"

    # Every number in the expected block, and every figure a calculation shows.
    for match in re.finditer(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", text[expected_start:]):
        at = expected_start + match.start()
        changed.append((f"expected {match[0]}", text[:at] + bump(match[0]) + text[at + len(match[0]) :]))
    for span in re.finditer(r"`([^`\n]+)`", text[input_end:expected_start]):
        if CALCULATION.match(span[1]) is None:
            continue
        for figure in re.finditer(r"= (\d+(?:\.\d+)?)(?= =|$)", span[1]):
            at = input_end + span.start(1) + figure.start(1)
            changed.append(
                (
                    f"{span[1]} → {figure[1]}",
                    text[:at] + bump(figure[1]) + text[at + len(figure[1]) :],
                )
            )
    # Words: the band, flags and criticality.
    for old, new in (
        ("band: D", "band: C"),
        ("uncapped_band: B", "uncapped_band: A"),
        ("critical: true", "critical: false"),
        ("capped_by: [O2]", "capped_by: []"),
        ("missing: [B2]", "missing: []"),
    ):
        at = text.index(old, expected_start)
        changed.append((old, text[:at] + new + text[at + len(old) :]))
    assert start < input_end < expected_start
    return changed


def test_changing_any_figure_of_the_example_makes_the_check_fail() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    changed = mutations(text)
    assert len(changed) > 40
    unnoticed = [label for label, mutated in changed if not problems(mutated)]
    assert unnoticed == []


@pytest.mark.parametrize(
    ("expression", "value"),
    [("(100 + 75) / 2", Fraction(175, 2)), ("3 × 12.5", Fraction(75, 2)), ("100 - 25", 75)],
)
def test_calculations_are_evaluated_exactly(expression: str, value: Fraction) -> None:
    assert exact(expression) == value
