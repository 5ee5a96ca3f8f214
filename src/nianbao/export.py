"""Export of an executed report notebook: an ordered pipeline of tiny transforms,
then a template kept as data (``templates/nianbao_html``).

Also registered as an nbconvert exporter, so
``jupyter nbconvert --to nianbao_html report.ipynb`` gives the same page.
"""

from __future__ import annotations

from pathlib import Path

from nbconvert.exporters import TemplateExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import List, Unicode, default

TEMPLATES = Path(__file__).parent / "templates"
HIDDEN_CELL_TAGS = ("parameters", "injected-parameters", "notes")  # notes: see NOTES_TAG
PUBLISHED_MIMETYPE = "text/html"


class DropNotebookOnlyCells(Preprocessor):
    """Drop what only the notebook's reader sees: the analysts' Markdown notes, the
    (injected) parameter cells, whose values include local paths, and any code cell
    tagged ``notes`` (an analyst's working, whatever it displays)."""

    hidden_tags = List(list(HIDDEN_CELL_TAGS)).tag(config=True)

    def preprocess(self, nb, resources):
        nb.cells = [
            cell
            for cell in nb.cells
            if cell.cell_type == "code" and not set(cell.metadata.get("tags", ())) & set(self.hidden_tags)
        ]
        return nb, resources


NOTES_TAG = "notes"


def without_notes_outputs(nb):
    """A copy of an executed notebook in which ``notes`` cells show nothing: the
    run's record under outputs/ keeps no more of an analyst's working than the report."""
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and NOTES_TAG in cell.metadata.get("tags", ()):
            cell.outputs = []
    return nb


class KeepReportOutputs(Preprocessor):
    """Keep only HTML outputs: a print, a warning or a traceback is never published.
    Results become plain display data so the template handles one kind."""

    def preprocess_cell(self, cell, resources, index):
        kept = []
        for output in cell.get("outputs", []):
            if output.output_type in ("display_data", "execute_result") and PUBLISHED_MIMETYPE in output.data:
                output.output_type = "display_data"
                output.pop("execution_count", None)
                output.data = {PUBLISHED_MIMETYPE: output.data[PUBLISHED_MIMETYPE]}
                kept.append(output)
        cell.outputs = kept
        cell.source = ""
        return cell, resources


class SanitiseHTML(Preprocessor):
    """Every HTML output goes through the one allow-list (:func:`nianbao.html.sanitise`):
    an analyst's cell, a library's repr or a pasted ``display(HTML(...))`` cannot
    put a script, an event handler or an outside resource into a published page.
    The kit's own stylesheet is the only style block kept."""

    def preprocess_cell(self, cell, resources, index):
        from .html import sanitise
        from .report import stylesheet

        for output in cell.get("outputs", []):
            if PUBLISHED_MIMETYPE in output.get("data", {}):
                output.data[PUBLISHED_MIMETYPE] = sanitise(_joined(output.data[PUBLISHED_MIMETYPE]), kit_styles=(stylesheet(),))
        return cell, resources


def _joined(value) -> str:
    # nbformat may store multi-line text as a list of lines.
    return "".join(value) if isinstance(value, list) else value


class CollectReportMetadata(Preprocessor):
    """The report's title and language travel as output metadata; gather them for
    the template's <title> and <html lang>."""

    def preprocess(self, nb, resources):
        meta: dict = {}
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                found = output.get("metadata", {}).get(PUBLISHED_MIMETYPE, {}).get("nianbao") or output.get(
                    "metadata", {}
                ).get("nianbao")
                if found:
                    meta.update(found)
        resources["nianbao"] = meta
        return nb, resources


class ReportHTMLExporter(TemplateExporter):
    """The published page of one report: self-contained, offline, no script."""

    export_from_notebook = "nianbao report (HTML)"
    output_mimetype = "text/html"

    @default("file_extension")
    def _file_extension_default(self):
        return ".html"

    @default("template_name")
    def _template_name_default(self):
        return "nianbao_html"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self):
        return [str(TEMPLATES)]

    @default("exclude_input")
    def _exclude_input_default(self):
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self):
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self):
        return True

    default_preprocessors = List(
        [DropNotebookOnlyCells, KeepReportOutputs, SanitiseHTML, CollectReportMetadata],
        help="The export pipeline, in order.",
    ).tag(config=True)

    template_extension = Unicode(".html.j2").tag(config=True)

    def _init_preprocessors(self):
        # Only our pipeline: nbconvert's stock preprocessors add nothing a
        # published report needs.
        self._preprocessors = []
        for preprocessor in self.default_preprocessors:
            self.register_preprocessor(preprocessor, enabled=True)


class ReportFragmentExporter(ReportHTMLExporter):
    """The report's body only (``report.fragment.html``), styles scoped."""

    export_from_notebook = "nianbao report (HTML fragment)"

    @default("template_name")
    def _template_name_default(self):
        return "nianbao_fragment"
