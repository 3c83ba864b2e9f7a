"""The docs stay true: their runnable code runs, and every hook, error code and status is in them.

A fenced ``python`` block right after a ``<!-- runnable ... -->`` comment in README.md or docs/*.md
is a complete program and is run here; other blocks are fragments and are only read.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from pathlib import Path

import pytest

from ecommerce_cli.errors import EXIT_STATUS
from ecommerce_core import hookspecs
from ecommerce_core.domain import errors as error_tree

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCKS = [
    pytest.param(block, id=f"{page.name}-{index}")
    for page in PAGES
    for index, block in enumerate(
        re.findall(r"<!-- runnable[^>]*-->\n```python\n(.*?)```", page.read_text(), re.S)
    )
]
ERROR_CODES = sorted(
    {
        cls.code
        for cls in vars(error_tree).values()
        if isinstance(cls, type) and issubclass(cls, error_tree.EcommerceError)
    }
)


def _page(name: str) -> str:
    return (ROOT / "docs" / name).read_text()


def test_the_readme_and_every_docs_page_exist() -> None:
    names = {page.name for page in PAGES}
    assert {"README.md", "architecture.md", "plugins.md", "cli.md", "errors.md"} <= names
    assert "getting-started.md" in names


def test_there_is_runnable_code_in_the_docs() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS)
def test_a_runnable_block_of_the_docs_runs(block: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "<docs>", "exec"), {"__name__": "__docs__"})
    assert out.getvalue().strip(), "a runnable example should show its result"


@pytest.mark.parametrize(
    "hook", sorted(name for name in vars(hookspecs) if name.startswith("ecommerce_core_"))
)
def test_every_hook_is_documented_by_its_exact_name(hook: str) -> None:
    assert f"### `{hook}(registry)`" in _page("plugins.md")


def test_errors_md_draws_the_same_tree_as_the_errors_module() -> None:
    doc = error_tree.__doc__ or ""
    tree = doc.split("::", 1)[1].split("\n\n")[1]
    drawn = "\n".join(line[4:] for line in tree.splitlines())
    assert drawn.startswith("EcommerceError")
    assert drawn in _page("errors.md")


@pytest.mark.parametrize("code", ERROR_CODES)
def test_every_error_code_has_a_row_in_errors_md(code: str) -> None:
    assert f"| `{code}` |" in _page("errors.md")


def _rows(page: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in page.splitlines()
        if line.startswith("| `")
    ]


def test_the_exit_statuses_in_the_docs_are_those_the_cli_uses() -> None:
    documented = {}
    for line in _page("cli.md").splitlines():
        match = re.match(r"^\| (\d+) \|.*\| (.*) \|$", line)
        if match:
            for code in re.findall(r"`(\w+)`", match[2]):
                documented[code] = int(match[1])
    assert documented == EXIT_STATUS
    for row in _rows(_page("errors.md")):
        assert EXIT_STATUS[row[0].strip("`")] == int(row[-1]), row


def test_the_http_statuses_in_errors_md_are_those_the_wsgi_example_answers() -> None:
    spec = importlib.util.spec_from_file_location("wsgi_shop_docs", ROOT / "examples/wsgi_shop.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = {
        cls.code: cls
        for cls in vars(error_tree).values()
        if isinstance(cls, type) and issubclass(cls, error_tree.EcommerceError)
    }
    logged_in = module.Principal.customer("cus_1")
    for row in _rows(_page("errors.md")):
        code = row[0].strip("`")
        assert module.http_status(classes[code]("x"), logged_in) == int(row[-2]), row
