"""The district view (district.py, notebooks/district.ipynb)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nianbao import formats as F
from nianbao.district import open_district
from nianbao.testing import ProjectBuilder

REPO = Path(__file__).resolve().parents[1]
DEPTS = (("demo", "示例区测试局", "示例区"), ("beta", "示例区乙局", "示例区"))


@pytest.fixture
def district(tmp_path) -> ProjectBuilder:
    builder = ProjectBuilder(tmp_path, DEPTS)
    builder.add("demo", 2023, size=10)
    builder.add("beta", 2023, size=10)
    builder.add("demo", 2024, size=10)  # beta has no 2024 data: 未提交
    put = builder.set_cell
    put("demo", 2023, F.APPLICATIONS, F.NEW, F.TOTAL, "10")
    put("demo", 2024, F.APPLICATIONS, F.NEW, F.TOTAL, "60")  # 6× last year, ≥ 30 cases: a jump
    put("demo", 2024, F.APPLICATIONS, F.GRANTED, F.TOTAL, "20")
    put("demo", 2024, F.APPLICATIONS, F.PARTIAL, F.TOTAL, "7")
    put("demo", 2024, F.APPLICATIONS, F.OUTCOME_TOTAL, F.TOTAL, "36")
    for row, corrected, pending, total in ((F.ADMINISTRATIVE_REVIEW, 3, 2, 40), (F.DIRECT_LAWSUIT, 1, 0, 10),
                                           (F.LAWSUIT_AFTER_REVIEW, 0, 0, 5)):
        put("demo", 2024, F.REVIEW, row, F.CORRECTED, str(corrected))
        put("demo", 2024, F.REVIEW, row, F.PENDING, str(pending))
        put("demo", 2024, F.REVIEW, row, F.TOTAL, str(total))
    return builder


def test_one_department_years_rates_match_a_hand_calculation(district):
    view = open_district("示例区", None, str(district.root))
    substantive, review, lawsuit = view.rates_of(2024, "demo")
    # (予以公开 20 + 部分公开 7) ÷ 办结 36
    assert (substantive.numerator, substantive.denominator, substantive.text()) == (27, 36, "75.0%")
    # 结果纠正 3 ÷ 审结 (40 − 2)
    assert (review.numerator, review.denominator, review.text()) == (3, 38, "7.9%")
    # both lawsuit rows: (1 + 0) ÷ (10 + 5): fewer than 30 cases, marked not ranked
    assert (lawsuit.numerator, lawsuit.denominator, lawsuit.text()) == (1, 15, "样本少")
    assert 'title="实质公开率：27/36">75.0%<' in view.rates_table().html


def test_shares_missing_departments_and_jumps(district):
    view = open_district("示例区", None, str(district.root))
    assert view.years == [2023, 2024]
    assert "2024年 示例区乙局（beta）" in view.not_submitted().html
    assert "本年新收 60 件，上年 10 件" in view.jumps().html
    shares = view.shares().html
    assert "<td>60</td><td>100.0%</td><td>+500.0%</td>" in shares
    assert "2024年</th><td>1</td><td>60</td><td>36</td>" in view.totals().html


def test_an_unknown_region_is_said_in_chinese(district):
    from nianbao.district import DistrictError

    with pytest.raises(DistrictError, match="地区「北区」"):
        open_district("北区", None, str(district.root))


@pytest.mark.kernel
def test_a_draft_build_renders_the_district_notebook_for_each_region_and_links_it(district):
    from test_build import build

    notebooks = district.root / "notebooks"
    notebooks.mkdir(exist_ok=True)
    for name in ("annual_report.ipynb", "district.ipynb"):
        shutil.copy(REPO / "notebooks" / name, notebooks / name)
    done = build(district.root, "--to", "html")
    assert done.code == 0, done.out + done.err
    page = district.root / "outputs" / "draft" / "district" / "示例区.html"
    html = page.read_text(encoding="utf-8")
    assert 'title="实质公开率：27/36">75.0%<' in html and "示例区乙局（beta）" in html
    assert "<script" not in html and "project_root" not in html  # parameters never shown
    index = (district.root / "outputs" / "draft" / "index.html").read_text(encoding="utf-8")
    assert 'href="district/示例区.html"' in index
    assert not (district.root / "outputs" / "publish" / "district").exists()
    kept = page.read_bytes()

    # A district notebook that fails: said, exit code 1, the last good page kept,
    # and tried again by the next build (the notebook is an input of the draft site).
    nb = json.loads((notebooks / "district.ipynb").read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": "raise ValueError('分析员的错误')"})
    (notebooks / "district.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    for _ in range(2):
        failed = build(district.root, "--to", "html")
        assert failed.code == 1, failed.out + failed.err
        assert "示例区的地区汇总未能生成" in failed.out and "ValueError" in failed.out
        assert page.read_bytes() == kept
