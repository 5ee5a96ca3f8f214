"""The export pipeline, transform by transform, on in-memory notebooks (no kernel)."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nianbao.export import (
    CollectReportMetadata,
    DropNotebookOnlyCells,
    KeepReportOutputs,
    ReportFragmentExporter,
    ReportHTMLExporter,
)


def executed_notebook():
    params = new_code_cell('department = "x"', metadata={"tags": ["parameters"]})
    injected = new_code_cell('project_root = "/secret/path"', metadata={"tags": ["injected-parameters"]})
    note = new_markdown_cell("## 给分析人员的说明")
    header = new_code_cell("report.header()")
    header.outputs = [
        new_output(
            "execute_result",
            data={"text/html": "<div class=\"nianbao-report\"><h1>某局2024年报告</h1></div>", "text/plain": "<Fragment>"},
            metadata={"text/html": {"nianbao": {"title": "某局2024年政府信息公开工作年度报告", "lang": "zh-CN"}}},
            execution_count=3,
        )
    ]
    noisy = new_code_cell("print('debug')")
    noisy.outputs = [
        new_output("stream", name="stdout", text="debug /secret/path\n"),
        new_output("stream", name="stderr", text="UserWarning: something\n"),
        new_output("display_data", data={"text/plain": "only text"}),
        new_output("display_data", data={"text/html": "<p>第二部分</p>", "application/javascript": "alert(1)"}),
    ]
    return new_notebook(cells=[params, injected, note, header, noisy])


def test_drop_notebook_only_cells_removes_parameters_and_notes():
    nb, _ = DropNotebookOnlyCells().preprocess(executed_notebook(), {})
    sources = [cell.source for cell in nb.cells]
    assert sources == ["report.header()", "print('debug')"]


def test_keep_report_outputs_keeps_html_only():
    nb = executed_notebook()
    nb, _ = KeepReportOutputs().preprocess(nb, {})
    outputs = [o for cell in nb.cells for o in cell.get("outputs", [])]
    assert [o.output_type for o in outputs] == ["display_data", "display_data"]
    assert all(list(o.data) == ["text/html"] for o in outputs)
    assert all(cell.source == "" for cell in nb.cells if cell.cell_type == "code")


def test_collect_report_metadata_reads_output_metadata():
    _, resources = CollectReportMetadata().preprocess(executed_notebook(), {})
    assert resources["nianbao"] == {"title": "某局2024年政府信息公开工作年度报告", "lang": "zh-CN"}


def test_html_exporter_builds_a_lean_offline_page():
    html, _ = ReportHTMLExporter().from_notebook_node(executed_notebook())
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in html
    assert "<title>某局2024年政府信息公开工作年度报告</title>" in html
    assert "<h1>某局2024年报告</h1>" in html and "<p>第二部分</p>" in html
    for absent in ("<script", "/secret/path", "debug", "UserWarning", "给分析人员", "alert(1)", "only text", "In&nbsp;["):
        assert absent not in html, absent
    assert "http://" not in html and "https://" not in html


def test_fragment_exporter_gives_the_body_only():
    fragment, _ = ReportFragmentExporter().from_notebook_node(executed_notebook())
    assert "<html" not in fragment and "<head" not in fragment and "<title" not in fragment
    assert "<h1>某局2024年报告</h1>" in fragment and "<p>第二部分</p>" in fragment


def test_exporters_are_deterministic():
    first = ReportHTMLExporter().from_notebook_node(executed_notebook())[0]
    second = ReportHTMLExporter().from_notebook_node(executed_notebook())[0]
    assert first == second


def test_registered_as_nbconvert_exporter():
    from nbconvert.exporters import get_exporter

    assert get_exporter("nianbao_html") is ReportHTMLExporter


def test_pyproject_registers_every_exporter_with_nbconvert():
    # `jupyter nbconvert --to nianbao_pdf` (README) works only in an install made from these entry points.
    import importlib
    import tomllib
    from pathlib import Path

    from nbconvert.exporters import Exporter

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    declared = pyproject["project"]["entry-points"]["nbconvert.exporters"]
    assert {"nianbao_html", "nianbao_pdf", "nianbao_docx"} <= set(declared)
    for target in declared.values():
        module, _, name = target.partition(":")
        assert issubclass(getattr(importlib.import_module(module), name), Exporter), target
