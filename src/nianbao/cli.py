"""The ``nianbao`` command: argument parsing and Chinese messages only.

Heavy modules (pandas, papermill, nbconvert) are imported inside the commands
that need them, so ``nianbao check`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings

from . import __version__, datacmd, deptnotebook, reference
from .cliargs import UsageError, parse_years, split_values
from .errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, NianbaoError

_ARGPARSE_MESSAGES = (
    ("the following arguments are required: ", "缺少必需的参数："),
    ("unrecognized arguments: ", "无法识别的参数："),
    ("expected one argument", "需要一个取值"),
    ("invalid choice: ", "无效的选项："),
    ("invalid int value: ", "不是整数："),
    ("choose from ", "可选："),
    ("argument ", "参数 "),
    ("ambiguous option: ", "有歧义的选项："),
    ("not allowed with argument ", "不能与此参数同时使用："),
)


class _Parser(argparse.ArgumentParser):
    """argparse with its user-facing words in Chinese."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示帮助并退出")

    def format_usage(self):
        return super().format_usage().replace("usage: ", "用法：", 1)

    def format_help(self):
        return super().format_help().replace("usage: ", "用法：", 1)

    def error(self, message):
        for english, chinese in _ARGPARSE_MESSAGES:
            message = message.replace(english, chinese)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"错误：{message}\n")


def selection(args, project) -> tuple[list[int] | None, list[str] | None]:
    years = parse_years(args.year)
    depts = split_values(args.dept) or None
    for dept in depts or []:
        if dept not in project.departments:
            known = "、".join(project.departments) or "（名单为空）"
            raise UsageError(f"部门「{dept}」不在 params/departments.csv 中。已登记的部门：{known}。")
    if years:
        from .formats import FormatError, format_for_year
        from .project import latest_year

        for year in years:
            try:
                format_for_year(year)
            except FormatError as exc:
                raise UsageError(str(exc)) from None
            if year > latest_year():
                raise UsageError(f"年度「{year}」太远：最晚可以处理{latest_year()}年度（明年）的数据，请检查年份是否写错。")
    return years, depts


def _open(args):
    from .project import open_project

    return open_project(args.project)  # a ProjectError exits with code 2


# ---------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------


def cmd_check(args) -> int:
    from .console import print_findings
    from .engine import check_project
    from .findings import ERROR, WARNING, to_record

    project = _open(args)
    years, depts = selection(args, project)
    run = check_project(project, years, depts, keep_submissions=False)  # only the findings are shown
    blocking = {ERROR, WARNING} if args.strict else {ERROR}
    failed = any(f.severity in blocking for f in run.findings)
    if args.json:
        payload = {"checked": len(run.checked), "findings": [to_record(f) for f in run.findings]}
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
        return EXIT_FINDINGS if failed else EXIT_OK
    print_findings(project, run.checked, run.findings, sys.stdout)
    return EXIT_FINDINGS if failed else EXIT_OK


# ---------------------------------------------------------------------------
# template
# ---------------------------------------------------------------------------


def cmd_template(args) -> int:
    from . import formats as F
    from .contract import read_submission
    from .datafiles import carried_over, submission_files, write_files
    from .formats import format_for_year

    project = _open(args)
    years, depts = selection(args, project)
    if not years or len(years) != 1:
        raise UsageError("请用 --year 指定一个年度，如 nianbao template --year 2025。")
    year = years[0]
    fmt = format_for_year(year)
    depts = depts or [d.id for d in project.ordered_departments()]
    # A government's tables are its members' sums: its template is the narrative alone.
    governments = {d for d in depts if project.departments[d].members is not None}
    if args.xlsx:
        from .xlsx import write_workbooks

        if governments:
            print(f"政府年报的表格由成员数据汇总，不生成工作簿：{'、'.join(sorted(governments))}")
        # a SigningError exits with code 2
        return write_workbooks(project, year, [d for d in depts if d not in governments], args.out, args.force)
    if args.out:
        raise UsageError("--out 只与 --xlsx 一起使用（CSV 模板总是写入 data/<年度>/<部门>/）。")
    submitted = set(project.submitted())
    for dept in depts:
        values = {}
        if (year - 1, dept) in submitted and dept not in governments:
            values = carried_over(read_submission(project, dept, year - 1).values)
        folder = project.data_dir(year, dept)
        files = submission_files(fmt, values)
        if dept in governments:
            files = {name: body for name, body in files.items() if name == F.TABLE_FILES[F.NARRATIVE]}
        written, kept = write_files(folder, files, force=args.force)
        rel = project.relative(folder)
        if written:
            print(f"已写入 {rel}/：{'、'.join(written)}（{fmt.version} 格式）")
        if kept:
            print(f"未覆盖 {rel}/ 中已有的文件：{'、'.join(kept)}（如需覆盖请加 --force）")
    return EXIT_OK


# ---------------------------------------------------------------------------
# import
# ---------------------------------------------------------------------------


def cmd_import(args) -> int:
    from pathlib import Path

    from .console import print_findings
    from .engine import check_project
    from .findings import ERROR
    from .importing.sources import SourceError, split_sources
    from .xlsx import import_workbooks
    from .xlsx.importing import ImportRun

    project = _open(args)
    years, depts = selection(args, project)
    try:
        pages, workbooks = split_sources(args.files)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    if args.audit:
        from .importing.audit import audit_pages

        if not pages:
            raise UsageError("--audit 用于审阅已发布的年报（网页 .html/.htm、PDF、Word .docx），没有找到这样的文件。")
        if args.out and (Path(args.out).is_dir() or not Path(args.out).name.lower().endswith(".csv")):
            raise UsageError(f"--out「{args.out}」应是一个 .csv 文件的路径，如 --out 审阅结果.csv。")
        return EXIT_OK if audit_pages(project, pages, years, depts, Path(args.out) if args.out else None) else EXIT_FINDINGS
    if args.out:
        raise UsageError("--out 只与 --audit 一起使用（审阅结果 CSV 的位置）。")
    result = ImportRun()
    if workbooks:  # no workbook (ImportUsageError) or no key (SigningError): exit code 2
        result = import_workbooks(project, workbooks, years, depts, force=args.force, trust_unsigned=args.trust_unsigned)
    if pages:
        from .importing.write import import_pages

        result = import_pages(project, pages, years, depts, force=args.force, run=result)
    failed = result.refused > 0
    try:
        if result.imported:
            pairs = set(result.imported)
            run = check_project(project, {y for y, _ in pairs}, {d for _, d in pairs}, keep_submissions=False)
            findings = [f for f in run.findings if (f.year, f.department) in pairs]
            print("\n校验导入的数据：")
            print_findings(project, sorted(pairs), findings, sys.stdout)
            failed = failed or any(f.severity == ERROR for f in findings)
    finally:  # what was imported is said even when the check itself fails
        what = "报告和工作簿" if pages and workbooks else "报告" if pages else "工作簿"
        print(f"共导入 {len(result.imported)} 份{what}" + (f"，拒绝 {result.refused} 份。" if result.refused else "。"))
    return EXIT_FINDINGS if failed else EXIT_OK


# ---------------------------------------------------------------------------
# render
# ---------------------------------------------------------------------------


def cmd_render(args) -> int:
    from pathlib import Path

    from .report import ReportError, open_report

    project = _open(args)
    years, depts = selection(args, project)
    if not years or len(years) != 1 or not depts or len(depts) != 1:
        raise UsageError("请用 --dept 和 --year 各指定一个，如 nianbao render --dept ziranziyuan --year 2024。")
    year, dept = years[0], depts[0]
    notebook = Path(args.notebook).resolve() if args.notebook else deptnotebook.notebook_for(project.root, dept)
    check_notebook(notebook)
    if args.mode == "publish" and (refused := deptnotebook.refusal(project.root, notebook)):
        raise ReportError(refused)
    from .folders import is_imported

    if args.mode == "publish" and not args.include_imported and is_imported(project.root, dept, year):
        from .build.plan import HISTORY_MESSAGE

        raise UsageError(f"{year} {project.departments[dept].name}（{dept}）是{HISTORY_MESSAGE}。")
    # Validate before starting a kernel: a bad department or year fails in a blink (ReportError, exit code 1).
    report = open_report(dept, year, project.root, args.mode, args.date)
    from .build import BuildLock, BuildLocked, build, executor_for
    from .console import draft_findings_note
    from .paths import DOCX, record_dir, site_dir

    kinds = parse_kinds(args.to, default=("html",))
    print(f"正在生成 {report.title}（{'草稿' if args.mode == 'draft' else '发布'}）……", file=sys.stderr)
    try:
        with BuildLock(project.root):  # a render is a build of one job, in this process, in a fresh kernel
            result = build(project, years={year}, departments={dept}, mode=args.mode, force=True,
                           publication_date=args.date, notebook=notebook, kinds=kinds, kernel="fresh",
                           executor=executor_for(in_process=True), include_imported=args.include_imported)
    except BuildLocked as exc:
        raise UsageError(f"本项目有一个构建正在运行（{exc}）。请等它结束后再试。") from None
    target = site_dir(project.root, args.mode, year, dept)
    (run,) = result.results
    if run.failure is not None:
        print(f"错误：{run.failure.describe()}", file=sys.stderr)
        print(f"原有的输出（如有）保持不变：{project.relative(target)}/", file=sys.stderr)
        print(f"运行记录：{project.relative(record_dir(project.root, args.mode, year, dept))}/build.log", file=sys.stderr)
        return EXIT_FINDINGS
    if report.settings.late:
        print(f"提示：公开日期晚于法定期限（次年{report.settings.deadline.month}月{report.settings.deadline.day}日）。", file=sys.stderr)
    note = draft_findings_note(report.findings) if args.mode == "draft" else None
    if note:
        print(note, file=sys.stderr)
    print(f"已生成：{project.relative(target)}/report.html")
    if "pdf" in kinds:
        print(f"        {project.relative(target)}/report.pdf")
    if "docx" in kinds:  # for sign-off: beside a draft, with the run records of a publish run (never uploaded)
        print(f"        {project.relative(record_dir(project.root, args.mode, year, dept))}/{DOCX}")
    print(f"        {project.relative(record_dir(project.root, args.mode, year, dept))}/report.ipynb")
    return EXIT_OK


# ---------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------


OUTPUT_KINDS = ("html", "pdf", "docx")  # what a report is made as (the official *formats* are formats.py's)
BUILD_KINDS = ("html", "pdf")  # build's default: the Word file is asked for (--to html,pdf,docx)


def check_notebook(notebook, root=None) -> None:
    """Refuse what is not a Jupyter notebook.  ``root``: a project whose
    outputs/.cache remembers the notebook bytes last found valid, so that a
    build with nothing to run does not import nbformat's validator (seconds)."""
    from .run import NOTEBOOK

    if not notebook.is_file():
        raise UsageError(f"找不到报告笔记本 {notebook}：请用 --notebook 指定，或把 {NOTEBOOK.as_posix()} 复制到项目中。")
    if notebook.suffix != ".ipynb":
        raise UsageError(f"{notebook} 不是 Jupyter 笔记本（.ipynb 文件）。")
    from .build.hashing import ValidNotebooks

    known = ValidNotebooks(root) if root is not None else None
    data = notebook.read_bytes()
    if known is not None and known.holds(notebook, data):
        return
    import nbformat

    try:
        with warnings.catch_warnings():  # nbformat warns in English about what it repairs
            warnings.simplefilter("ignore")
            nbformat.validate(nbformat.reads(data.decode("utf-8"), as_version=4))
    except Exception:  # not JSON, not a notebook, an unknown version: one answer for people
        raise UsageError(
            f"{notebook} 不是有效的 Jupyter 笔记本（内容无法解析）：请在 JupyterLab 中打开检查，"
            f"或从本工具的 {NOTEBOOK.as_posix()} 重新复制一份。"
        ) from None
    if known is not None:
        known.add(notebook, data)


def parse_kinds(text, default) -> tuple[str, ...]:
    if not text:
        return default
    chosen = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in OUTPUT_KINDS]
    if unknown or "html" not in chosen:
        raise UsageError(f"--to「{text}」无效：可选 html、pdf、docx（用逗号分隔），且 html 必须包含在内（PDF 和 Word 文件由网页生成）。")
    return tuple(kind for kind in OUTPUT_KINDS if kind in chosen)


def parse_jobs(text) -> int | None:
    if text is None:
        return None
    text = str(text)
    if not (text.isascii() and text.isdigit() and 1 <= len(text) <= 3) or int(text) < 1:  # int("②") raises
        raise UsageError(f"--jobs「{text}」无效：请写一个不大于999的正整数，如 --jobs 4。")
    return int(text)


def cmd_build(args) -> int:
    from pathlib import Path

    project = _open(args)
    years, depts = selection(args, project)
    jobs = parse_jobs(args.jobs)
    from .build import BuildLock, BuildLocked, build, executor_for, project_notebook, site_fingerprint, site_marker

    notebook = Path(args.notebook).resolve() if args.notebook else None  # None: each department's own, else the project's
    check_notebook(notebook or project_notebook(project), project.root)
    try:
        with BuildLock(project.root):
            from .console import Progress, summary

            result = build(
                project,
                years=set(years or ()),
                departments=set(depts or ()),
                mode=args.mode,
                jobs=jobs,
                force=args.force,
                publication_date=args.date,
                notebook=notebook,
                timeout=args.timeout,
                kinds=parse_kinds(args.to, default=BUILD_KINDS),
                kernel="fresh" if args.fresh_kernels else "reuse",
                executor=executor_for(scheduler=args.scheduler, jobs=jobs),
                progress=Progress(),
                include_imported=args.include_imported,
            )
            site_failed = False
            if site_fingerprint(project, result, args.mode):
                if args.mode == "draft":  # the office's view only: never into the publish folder
                    from .district import render_districts

                    site_failed = bool(render_districts(project))
                site_failed = not write_index(project, result, args) or site_failed
                if site_failed:  # the next build tries the sites again
                    site_marker(project.root, args.mode).unlink(missing_ok=True)
    except BuildLocked as exc:  # (a ClusterError exits with code 2 by itself)
        raise UsageError(f"本项目已有一个构建正在运行（{exc}）。请等它结束后再试。") from None
    print(summary(result, project, args.mode))
    if site_failed:
        return EXIT_FINDINGS
    if not result.interrupted and result.count("skip") == len(result.planned):  # not when some were withheld
        print("所有报告都是最新的，无需重新生成。" if result.planned else "没有需要生成的报告。")
    where = "outputs/draft/index.html" if args.mode == "draft" else "outputs/publish/（上传此文件夹）"
    print(f"请打开 {where}")
    if result.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if result.ok else EXIT_FINDINGS


def write_index(project, result, args) -> bool:
    """The index pages (the build's last stage); a failure there is said, and the
    reports already made stay.  Whether it succeeded."""
    from .build import site_marker
    from .engine import check_project
    from .site import write_sites
    from .support import support_note

    try:
        write_sites(project, check_project(project), result.missing, args.mode)
        return True
    except Exception as exc:  # noqa: BLE001 - the reports are made: say so, and leave the traceback in a log
        site_marker(project.root, args.mode).unlink(missing_ok=True)  # the next build writes the index again
        print(f"错误：报告已生成，但目录页（outputs/{args.mode}/index.html）未能更新；下次运行 nianbao build 时会重新生成。"
              f"{support_note(exc, args.project, sys.argv[1:])}。", file=sys.stderr)
        return False


# ---------------------------------------------------------------------------
# the parser
# ---------------------------------------------------------------------------


def report_options(sub, kinds_help: str) -> None:
    """The options render and build share: what report to make, and how."""
    sub.add_argument("--mode", choices=("draft", "publish"), default="draft", help="draft 草稿（默认，含数据校验）或 publish 发布")
    sub.add_argument("--date", metavar="日期", help="公开日期，如 2025-01-20（覆盖 params/project.toml 和部门的 report.toml）")
    sub.add_argument("--notebook", metavar="文件", help="报告笔记本（默认：项目中的 notebooks/annual_report.ipynb）")
    sub.add_argument("--to", metavar="格式", help=kinds_help)
    sub.add_argument("--include-imported", action="store_true",
                     help="发布模式下也重新发布从已发布的年报导入的历史年度（默认不重新发布）")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nianbao", description="政府信息公开工作年度报告工具：校验数据、生成报告。")
    parser.add_argument("--version", action="version", version=f"nianbao {__version__}", help="显示版本号")
    commands = parser.add_subparsers(dest="command", title="命令", metavar="命令", parser_class=_Parser)

    def common(sub):
        sub.add_argument("--project", metavar="目录", help="项目目录（默认：当前目录或其上级中含 params/departments.csv 的目录）")
        sub.add_argument("--year", action="append", metavar="年度", help="只处理这些年度（可重复，或用逗号分隔）")
        sub.add_argument("--dept", action="append", metavar="部门", help="只处理这些部门编号（可重复，或用逗号分隔）")

    check = commands.add_parser("check", help="校验数据（不启动 Jupyter）",
                                description="校验每个部门每个年度的数据是否符合官方格式和勾稽关系。")
    common(check)
    check.add_argument("--json", action="store_true", help="以 JSON 输出全部问题")
    check.add_argument("--strict", action="store_true", help="提示也视为不通过")
    check.set_defaults(func=cmd_check)

    template = commands.add_parser("template", help="生成某年度的填报模板",
                                   description="为某年度生成数据模板：官方标签齐全，数字预填0，上年结转按上年数据预填。")
    common(template)
    template.add_argument("--force", action="store_true", help="覆盖已有文件")
    template.add_argument("--xlsx", action="store_true", help="生成 Excel 填报工作簿（每个部门一个 <部门>-<年度>.xlsx），而不是 CSV 文件")
    template.add_argument("--out", metavar="目录", help="工作簿的存放目录（默认：项目中的 workbooks/<年度>/）")
    template.set_defaults(func=cmd_template)

    imp = commands.add_parser(
        "import", help="导入填好的 Excel 工作簿，或已发布的年报（网页、PDF、Word）",
        description="读取填好的填报工作簿或已发布的年报（网页 .html/.htm、PDF、Word .docx），"
                    "写入 data/<年度>/<部门>/ 的数据文件，然后校验导入的数据。",
    )
    imp.add_argument("files", nargs="+", metavar="文件或文件夹",
                     help="填好的工作簿（.xlsx）、已发布的年报（.html/.htm、.pdf、.docx），或含有它们的文件夹")
    common(imp)
    imp.add_argument("--force", action="store_true", help="覆盖已有的不同数据")
    imp.add_argument("--audit", action="store_true", help="只审阅已发布的年报：识别并校验，不写入 data/，结果另存为 CSV")
    imp.add_argument("--out", metavar="文件.csv", help="--audit 结果 CSV 的位置（默认：outputs/import-audit.csv）")
    imp.add_argument("--trust-unsigned", action="store_true", help="也导入旧版本生成、没有签名的工作簿（按其自称的部门和年度，逐份列出）")
    imp.set_defaults(func=cmd_import)

    render = commands.add_parser("render", help="生成一个部门一个年度的报告",
                                 description="用 papermill 运行报告笔记本（真实的 Jupyter 内核），再用 nbconvert 导出 HTML。")
    common(render)
    report_options(render, kinds_help="输出格式：html（默认）、html,pdf，加 docx 另生成供审签的 Word 文件")
    render.set_defaults(func=cmd_render)

    build = commands.add_parser("build", help="生成全部报告（并行、增量）",
                                description="为每个部门每个年度生成报告：并行运行、跳过未变更的报告，并生成目录页。")
    common(build)
    report_options(build, kinds_help="输出格式（默认 html,pdf；只要网页用 html；加 docx 另生成供审签的 Word 文件）")
    build.add_argument("--jobs", metavar="N", help="并行的工作进程数（默认：CPU 核数）")
    build.add_argument("--force", action="store_true", help="全部重新生成，不跳过未变更的报告")
    build.add_argument("--timeout", type=int, default=600, metavar="秒", help="每个单元格的最长运行时间（默认 600 秒）")
    build.add_argument("--scheduler", metavar="地址", help="在 Dask 集群上运行，如 tcp://10.0.0.5:8786（默认：本机多进程）")
    build.add_argument("--fresh-kernels", action="store_true",
                       help="每份报告启动一个新内核（较慢；默认每个工作进程复用一个内核，报告之间重置）")
    build.set_defaults(func=cmd_build)
    reference.add_parser(commands)
    datacmd.add_parser(commands)
    deptnotebook.add_parser(commands)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except NianbaoError as exc:  # the one place the kit's own failures become exit codes
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the one place every other failure is turned into words
        from .support import report_exception

        return report_exception(exc, getattr(args, "project", None), sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
