"""docs/orders.md shows the transition table the code runs, row for row."""

from __future__ import annotations

import re
from pathlib import Path

from ecommerce_core.domain.order_flow import DEFAULT_TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "orders.md"


def _documented_rows() -> list[tuple[str, str, str, str, str]]:
    text = DOC.read_text()
    table = text.split("<!-- order-table", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        rows.append((cells[0], cells[1], cells[2], cells[3], cells[4]))
    return rows


def test_the_table_in_the_docs_is_the_table_in_the_code() -> None:
    in_code = [
        (t.source, t.action, t.target, t.payment or "", t.fulfilment or "")
        for t in DEFAULT_TRANSITIONS
    ]
    assert _documented_rows() == in_code


def test_every_status_and_action_the_code_knows_is_named_in_the_docs() -> None:
    text = DOC.read_text()
    names = {t.source for t in DEFAULT_TRANSITIONS} | {t.target for t in DEFAULT_TRANSITIONS}
    names |= {t.action for t in DEFAULT_TRANSITIONS}
    for name in names:
        assert re.search(rf"`{name}`", text), name
