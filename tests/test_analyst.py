"""Analysts' cells are part of the report (analyst.py, export's notes cells)."""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from nianbao import analyst
from nianbao.export import without_notes_outputs

REPO = Path(__file__).resolve().parents[1]
CHART_TITLE = "分析员图表"
SECRET = "机密-TOPSECRET-7731"


@pytest.fixture
def shell(monkeypatch):
    """A real IPython shell (no kernel): what install() teaches it, and what uninstall() takes back."""
    from IPython.core.interactiveshell import InteractiveShell

    instance = InteractiveShell.instance()
    monkeypatch.setattr("IPython.get_ipython", lambda: instance)
    yield instance
    analyst.uninstall()


def _html(shell, value) -> str:
    data, _ = shell.display_formatter.format(value)
    return data.get("text/html", "")


def _line_chart(title: str | None = CHART_TITLE):
    from matplotlib import pyplot

    fig, ax = pyplot.subplots()
    ax.plot([2022, 2023, 2024], [3, 5, 4])
    if title:
        ax.set_title(title)
    return fig


def test_a_figure_is_an_inline_png_with_its_title_as_alt_and_is_closed(shell):
    from matplotlib import pyplot

    analyst.install(draft=True)
    fig = _line_chart()
    html = _html(shell, fig)
    assert f'alt="{CHART_TITLE}"' in html and f"<figcaption>{CHART_TITLE}</figcaption>" in html
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    assert png.startswith(b"\x89PNG") and b"Software" not in png  # deterministic bytes
    assert fig.number not in pyplot.get_fignums()  # shown once


def test_a_figure_without_alt_or_title_gets_a_draft_warning_only_in_draft(shell):
    analyst.install(draft=True)
    assert analyst.ALT_WARNING.split("：")[0] in _html(shell, _line_chart(None))
    analyst.install(draft=False)
    html = _html(shell, _line_chart(None))
    assert analyst.ALT_WARNING.split("：")[0] not in html and f'alt="{analyst.MISSING_ALT}"' in html


def test_report_figure_takes_the_alt_text(builder):
    from nianbao import open_report

    builder.add("demo", 2021)
    report = open_report("demo", 2021, project_root=str(builder.root))
    assert 'alt="2024年新收5件"' in report.figure(_line_chart(), alt="2024年新收5件").html
    assert "<em>说明</em>" in report.note("一段*说明*").html


def test_open_figures_are_shown_when_the_cell_ends(shell):
    from matplotlib import pyplot

    shown = []
    analyst.install(draft=True)
    shell.display_pub.publish = lambda data, metadata=None, **kw: shown.append(data)
    _line_chart()
    shell.events.trigger("post_execute")
    assert len(shown) == 1 and CHART_TITLE in shown[0]["text/html"] and not pyplot.get_fignums()


def test_dataframes_stylers_and_markdown_become_report_html(shell):
    import pandas as pd
    from IPython.display import Markdown

    analyst.install(draft=True)
    frame = pd.DataFrame({"部门": ["甲", "乙"], "件数": [1, 2]})
    assert '<table class="dataframe official analyst">' in _html(shell, frame)
    styled = _html(shell, frame.style.highlight_max())
    assert 'class="official analyst"' in styled and "<style" not in styled and "T_" not in styled
    assert "<strong>注释</strong>" in _html(shell, Markdown("分析员**注释**"))


def test_uninstall_forgets_everything(shell):
    import pandas as pd

    analyst.install(draft=True)
    analyst.uninstall()
    assert "official analyst" not in _html(shell, pd.DataFrame({"a": [1]}))
    assert not analyst._HOOKS


def test_notes_cells_show_nothing_in_the_record():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("secret", metadata={"tags": ["notes"]})
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": SECRET}, execution_count=1)]
    nb.cells = [cell, nbformat.v4.new_code_cell("1")]
    assert SECRET not in nbformat.writes(without_notes_outputs(nb))
    assert nb.cells[0].outputs  # the copy, not the run's notebook


# ---------------------------------------------------------------------------
# Acceptance: a copy of the sample project, built for real
# ---------------------------------------------------------------------------

DEPT, YEAR = "jiaoyu", 2024


def _copy_sample(root: Path) -> Path:
    for name in ("params", "data", "notebooks"):
        shutil.copytree(REPO / name, root / name)
    return root


def _add_analyst_cells(notebook: Path, secret_file: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    at = next(i for i, cell in enumerate(nb.cells) if "section_review()" in cell.source) + 1
    nb.cells[at:at] = [
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([2022, 2023, 2024], [3, 5, 4])\n"
            f'ax.set_title("{CHART_TITLE}")\nprint("只在笔记本中")\nplt.show()'),
        nbformat.v4.new_code_cell('import pandas as pd\npd.DataFrame({"部门": ["甲", "乙"], "件数": [1, 2]})'),
        nbformat.v4.new_code_cell(
            f"secret = open({str(secret_file)!r}, encoding='utf-8').read()\ndisplay(secret)\n"
            "from IPython.display import HTML\ndisplay(HTML(f'<p>{secret}</p>'))\nsecret",
            metadata={"tags": ["notes"]}),
    ]
    nbformat.write(nb, notebook)


def _pdf_images(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return sum(len(page.images) for page in pdf.pages)


def _pdf_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


@pytest.mark.kernel
@pytest.mark.pdf
def test_analysts_cells_are_published_and_their_notes_never(tmp_path):
    from test_build import build, out_dir

    root = _copy_sample(tmp_path / "project")
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET, encoding="utf-8")
    select = ("--dept", DEPT, "--year", YEAR, "--to", "html,pdf")
    assert build(root, "--mode", "publish", *select).code == 0
    before = _pdf_images(out_dir(root, "publish", YEAR, DEPT) / "report.pdf")

    _add_analyst_cells(root / "notebooks" / "annual_report.ipynb", secret_file)
    for mode in ("publish", "draft"):
        done = build(root, "--mode", mode, *select)
        assert done.code == 0, done.out + done.err
        site = out_dir(root, mode, YEAR, DEPT)
        html = (site / "report.html").read_text(encoding="utf-8")
        assert re.search(rf'<img src="data:image/png;base64,[^"]+" alt="{CHART_TITLE}">', html)
        assert 'class="dataframe official analyst"' in html and "<td>甲</td>" in html
        assert "只在笔记本中" not in html
        assert _pdf_images(site / "report.pdf") == before + 1
        assert CHART_TITLE in _pdf_text(site / "report.pdf")
    assert "笔记本已变更" in done.out or "已生成" in done.out

    for path in (root / "outputs").rglob("*"):
        if path.is_file():
            assert SECRET.encode("utf-8") not in path.read_bytes(), path
            if path.suffix == ".pdf":
                assert SECRET not in _pdf_text(path), path

    copy = _copy_sample(tmp_path / "copy")
    shutil.copy(root / "notebooks" / "annual_report.ipynb", copy / "notebooks" / "annual_report.ipynb")
    assert build(copy, "--mode", "publish", "--force", *select).code == 0
    # The published files' lines of SHA256SUMS: the run's record notebook carries
    # papermill's cell timings, so its own line differs between any two runs.
    assert _published_sums(copy) == _published_sums(root) and len(_published_sums(root)) == 3


def _published_sums(root: Path) -> list[str]:
    from test_build import record_dir

    text = (record_dir(root, "publish", YEAR, DEPT) / "SHA256SUMS").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.endswith(("report.html", "report.fragment.html", "report.pdf"))]


@pytest.mark.kernel
def test_a_reused_kernel_forgets_the_analyst_displays_between_reports(tmp_path):
    from nianbao.kernels import KernelSession

    def notebook(name: str, *sources: str) -> Path:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
        path = tmp_path / name
        nbformat.write(nb, path)
        return path

    frame = 'import pandas as pd\npd.DataFrame({"a": [1]})'
    figure = "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.set_title('x')"
    first = notebook("first.ipynb", "from nianbao import analyst\nanalyst.install(draft=True)", frame, figure)
    second = notebook("second.ipynb", frame, figure)
    session = KernelSession(tmp_path / "kernel")
    try:
        ran = [session.execute(path, {}, tmp_path / f"out-{path.name}", 120)[0] for path in (first, second)]
    finally:
        session.stop()
    assert all(run.failure is None for run in ran)

    def html_outputs(run) -> list[str]:
        return ["".join(out.get("data", {}).get("text/html", "")) for cell in run.notebook.cells for out in cell.outputs]

    first_html, second_html = html_outputs(ran[0]), html_outputs(ran[1])
    assert any("official analyst" in h for h in first_html) and any("data:image/png" in h for h in first_html)
    assert not any("official analyst" in h or "data:image/png" in h for h in second_html)
