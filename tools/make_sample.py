#!/usr/bin/env python3
"""Write the bundled sample project: ``params/departments.csv`` and ``data/<year>/<id>/``.

    python tools/make_sample.py            # into the repository (the default)
    python tools/make_sample.py --root DIR # somewhere else

Deterministic: every random draw comes from ``random.Random`` seeded with a
CRC-32 of a fixed string (never ``hash()``, the clock or the environment), so
running it twice gives byte-identical files.  It overwrites its own outputs and
touches nothing else: only the folders of the departments listed below, and only
their rows of ``params/departments.csv`` (rows of other departments are kept).

What it writes:

* 示例区 — a fictional district of nine departments, report years 2019–2024
  (区医疗保障局 from 2020), both official formats.  Sizes differ: 区自然资源局
  receives hundreds of applications a year, several departments a handful, and
  区档案馆 has 0 in every cell of every year.  Years continue each other (X1, X2,
  X3 hold); from 2021 some departments issue 信息处理费 notices.  One
  department-year (区市场监管局 2022) has a legitimate X1 deviation after a merger,
  explained in its ``waivers.csv``.
* 示例区人民政府 — the district government's own report (``params/governments.csv``,
  members: every body of 示例区), a narrative for each year; its tables are the
  members' sums, computed by the kit.
* 新乡市牧野区 — the one real department-year: 新乡市牧野区政务服务和大数据管理局
  2020, with the figures of the published report (all 0) and a narrative that
  states its published facts.

Every label comes from :mod:`nianbao.formats`; the files are written by
:mod:`nianbao.template`, the figures drawn by :mod:`nianbao.synth`.  Prose numbers
about the tables are computed from the same values (rule S4).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from nianbao import formats as F
from nianbao import synth
from nianbao.contract import WAIVERS_FILE, WAIVERS_HEADER
from nianbao.datafiles import submission_files, write_files
from nianbao.project import DEPARTMENTS_FILE, GOVERNMENTS_FILE
from nianbao.textio import csv_text, decode, write_atomic

REPO = Path(__file__).resolve().parents[1]
REGION = "示例区"
YEARS = tuple(range(2019, 2025))
DEPARTMENT_COLUMNS = ("id", "name", "region", "short_name", "order", "first_year")
H1, H3, H5, H6 = F.SECTION_HEADINGS[0], F.SECTION_HEADINGS[2], F.SECTION_HEADINGS[4], F.SECTION_HEADINGS[5]
A = F.APPLICATIONS
NP = F.NATURAL_PERSON


def rng_for(*parts) -> random.Random:
    """A generator seeded from the parts' text: the same on every machine and run."""
    return random.Random(zlib.crc32("/".join(map(str, parts)).encode("utf-8")))


# ---------------------------------------------------------------------------
# The departments
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dept:
    id: str
    name: str
    short: str  # how the text names it ("区自然资源局")
    size: tuple[int, int]  # new applications a year
    first_year: int = YEARS[0]
    # Section 二: 处理决定数量 ranges per row; rows not listed are 0 in every column.
    decisions: dict = field(default_factory=dict)
    fee_amount: tuple[int, int] | None = None  # V2021 本年收费金额, 万元 (None: no fees)
    docs: int = 1  # scale of 规范性文件 issued a year (0: none)
    fee_notices: dict = field(default_factory=dict)  # year -> 信息处理费 notices issued
    topics: tuple = ()  # (text, first year, last year) of this department's 主动公开 work
    problems: tuple = ()  # (problem, measure, how it was fixed)
    extras: tuple = ()  # section 六 items of its own
    zero: bool = False  # 0 in every cell of every year


_ALL = (2019, 2024)
_COVID = (2020, 2022)


def _t(text, years=_ALL):
    return (text, *years)


DEPARTMENTS = (
    Dept(
        "zhengfuban", "示例区人民政府办公室", "区政府办公室", (25, 50), docs=3,
        topics=(
            _t("在区政府门户网站集中发布区政府常务会议议定事项和区政府文件，会后及时公开会议审议通过的政策措施"),
            _t("围绕年度民生实事项目，按季度公开项目推进情况和资金使用情况"),
            _t("组织区政府负责同志围绕重大政策参加“政风行风热线”在线访谈，开展政策解读"),
            _t("督促各部门及时更新政府信息公开指南和主动公开目录，并逐一复核"),
            _t("指导各街道对照基层政务公开标准目录调整公开事项，推动“五公开”向基层延伸"),
            _t("对区政府及区政府办公室行政规范性文件实行统一登记、统一编号、统一公开", (2021, 2024)),
            _t("建设政策文件库，集中展示区政府及区政府办公室现行有效文件，并标注有效性", (2020, 2024)),
            _t("举办“政府开放日”活动，邀请人大代表、政协委员和群众代表走进区政府"),
            _t("开设“优化营商环境”专栏，集中公开涉企政策和惠企资金申报指南", (2020, 2024)),
            _t("配合新条例施行，对区政府门户网站政府信息公开专栏进行全面改版", (2019, 2019)),
        ),
        problems=(
            ("部分部门政策解读形式单一，图文、视频解读占比不高",
             "推行文件与解读材料同步起草、同步审签、同步发布", "建立解读材料随文报审机制"),
            ("个别部门主动公开目录更新不及时", "每季度对各部门主动公开目录开展一次抽查并通报", "开展季度抽查通报"),
            ("基层政务公开标准目录落地不够均衡", "组织街道之间开展交叉检查，推广先进做法", "组织街道交叉检查"),
            ("政务公开培训覆盖面不足，新入职人员业务不熟", "把政务公开纳入新入职公务员初任培训课程", "将政务公开纳入初任培训"),
        ),
        extras=(
            "区政府办公室牵头办理区人大代表建议{a}件、区政协委员提案{b}件，办理复文已按规定在区政府门户网站公开",
            "按照上级年度政务公开工作要点，制定全区任务分解表，逐项明确责任单位和完成时限，年底逐项对账销号",
            "组织对全区政务公开工作开展年度考核，考核结果纳入区直单位绩效考核",
        ),
    ),
    Dept(
        "ziranziyuan", "示例区自然资源局", "区自然资源局", (300, 600), docs=2,
        decisions={F.LICENSING: (400, 900), F.OTHER_SERVICES: (100, 300), F.PENALTIES: (20, 80), F.COMPULSION: (0, 6)},
        fee_amount=(40, 160), fee_notices={2022: 3, 2023: 2, 2024: 4},
        topics=(
            _t("及时发布征收土地预公告、征地补偿安置方案，保障被征地群众的知情权和参与权"),
            _t("公示国土空间总体规划草案，同步发布规划图件和公众意见征集渠道", (2021, 2024)),
            _t("公开不动产登记办事指南、收费标准和办理时限，推行“交房即交证”", (2020, 2024)),
            _t("公开年度国有建设用地供应计划和土地出让结果"),
            _t("公开违法用地查处情况，曝光典型案例"),
            _t("公开地质灾害隐患点分布和汛期防治方案"),
            _t("公开耕地保护“田长制”责任人名单和耕地保护目标任务", (2022, 2024)),
            _t("对建设工程规划许可实行批前公示和批后公布"),
            _t("开展第三次全国国土调查成果的公开和宣传", (2019, 2021)),
        ),
        problems=(
            ("依申请公开申请量大且多涉及历史用地档案，查找核实耗时较长",
             "推进土地档案数字化，建立依申请公开档案调阅快速通道", "完成历年用地档案数字化扫描"),
            ("征地信息公开的时效性有待提高，个别征地批复公开滞后",
             "建立征地批复“收文即转公开”机制，明确公开时限", "建立征地批复收文即转公开机制"),
            ("规划类信息专业性强，群众阅读理解有难度", "规划公示同步配发图解和问答，用群众看得懂的语言说明", "规划公示同步配发图解"),
            ("部分申请内容描述不明确，补正沟通次数多", "完善申请指引，在申请表中增加填写示例，并开展电话预沟通", "修订依申请公开申请指引"),
            ("答复文书说理不够充分", "制定答复文书范本并组织法律顾问审核", "制定答复文书范本"),
        ),
        extras=(
            "承办区人大代表建议{a}件、区政协委员提案{b}件，主要涉及征地补偿和不动产登记，办理结果已公开",
            "落实上级年度政务公开工作要点，重点做好征地信息、国土空间规划等领域的公开",
            "试行依申请公开案件集体研判制度，疑难申请由法规科牵头会商",
        ),
    ),
    Dept(
        "shichangjianguan", "示例区市场监督管理局", "区市场监管局", (40, 90),
        decisions={F.LICENSING: (1500, 3200), F.OTHER_SERVICES: (200, 600), F.PENALTIES: (80, 260), F.COMPULSION: (10, 60)},
        fee_notices={2024: 1},
        topics=(
            _t("通过国家企业信用信息公示系统公示行政许可和行政处罚信息，做到应公示尽公示"),
            _t("公开“双随机、一公开”抽查计划和抽查结果"),
            _t("按月公开食品安全监督抽检结果，及时发布不合格食品核查处置情况"),
            _t("公开市场主体登记办事指南，推行企业开办“一网通办”"),
            _t("公开特种设备安全监督检查情况"),
            _t("公开消费投诉信息，对投诉集中的经营者进行公示", (2021, 2024)),
            _t("公开价格监督检查和重要节日市场价格监测情况"),
            _t("公开药品、医疗器械和化妆品安全监管信息"),
            _t("做好疫情期间口罩等防疫物资价格监管信息的发布", _COVID),
        ),
        problems=(
            ("行政处罚信息公示与办案系统尚未完全打通，人工录入工作量大",
             "推动执法办案系统与信用公示系统数据对接", "完成执法办案系统与公示系统对接"),
            ("食品抽检信息解读不够，群众关注的问题回应不足", "在发布抽检结果时同步发布消费提示", "抽检结果同步发布消费提示"),
            ("基层市场监管所政务公开力量薄弱", "明确各市场监管所政务公开联络员并开展专题培训", "落实市场监管所公开联络员"),
            ("企业对信用修复政策知晓率不高", "编印信用修复指引，在登记窗口和网站同步公开", "编印信用修复指引"),
        ),
        extras=(
            "承办区人大代表建议{a}件、区政协委员提案{b}件，集中在食品安全和消费维权方面，办理结果已公开",
            "按照上级年度政务公开工作要点，做好涉企监管信息和“双随机、一公开”信息的公开",
            "在全区各农贸市场设置食品安全快检结果公示屏，每日公示快检数据",
        ),
    ),
    Dept(
        "jiaoyu", "示例区教育局", "区教育局", (3, 10),
        decisions={F.LICENSING: (10, 40), F.OTHER_SERVICES: (5, 20), F.PENALTIES: (0, 3)},
        topics=(
            _t("提前公开义务教育阶段招生入学政策、学区划分和报名时间"),
            _t("公开中小学校服务性收费和代收费项目及标准"),
            _t("公开学生资助政策和资助名单（隐去个人敏感信息）"),
            _t("公开校外培训机构“白名单”和“黑名单”", (2021, 2024)),
            _t("公开教师公开招聘公告、成绩和拟聘用人员名单"),
            _t("发布中考政策解读和志愿填报指导"),
            _t("公开年度教育经费预决算"),
            _t("发布中小学延期开学和线上教学安排", (2020, 2020)),
        ),
        problems=(
            ("招生政策解读的针对性不够，家长咨询量集中", "招生政策发布前开展家长问卷，按高频问题编写问答", "按家长高频问题编写招生问答"),
            ("学校层面信息公开不够规范", "制定中小学校信息公开清单并纳入督导评估", "出台中小学校信息公开清单"),
            ("教育收费公开的位置分散，查找不便", "在区政府网站设立教育收费公示专栏", "设立教育收费公示专栏"),
        ),
        extras=(
            "承办区人大代表建议{a}件、区政协委员提案{b}件，主要涉及学位供给和校园安全，办理结果已公开",
            "组织全区中小学校开展校务公开自查，督促学校在校门口公示收费项目和投诉电话",
            "在招生季开通招生咨询热线，安排专人解答家长关于学区和报名材料的问题",
        ),
    ),
    Dept(
        "weijian", "示例区卫生健康委员会", "区卫健委", (4, 10),
        decisions={F.LICENSING: (60, 200), F.OTHER_SERVICES: (20, 60), F.PENALTIES: (10, 50), F.COMPULSION: (0, 4)},
        topics=(
            _t("及时准确发布新冠肺炎疫情防控信息和防控政策", _COVID),
            _t("公开医疗机构执业登记和医师执业注册信息"),
            _t("公开公共场所卫生监督检查结果"),
            _t("公开家庭医生签约服务内容和签约团队名单"),
            _t("公开国家基本公共卫生服务项目内容和服务机构"),
            _t("公开预防接种门诊名单和接种时间安排"),
            _t("发布健康科普信息，开展“健康示例”主题宣传"),
            _t("公开医疗服务价格和常用药品价格"),
            _t("公开新冠病毒疫苗接种点位和接种安排", (2021, 2022)),
        ),
        problems=(
            ("卫生监督执法信息公开的及时性有待提高", "将行政处罚决定公开纳入执法流程节点管理", "处罚决定公开纳入流程节点"),
            ("公共卫生信息发布与群众关切的衔接不够紧密", "建立舆情收集和回应机制，及时解答群众关注的问题", "建立健康舆情回应机制"),
            ("基层医疗卫生机构公开内容不统一", "制定基层医疗卫生机构院务公开目录", "出台院务公开目录"),
        ),
        extras=(
            "承办区人大代表建议{a}件、区政协委员提案{b}件，主要涉及基层医疗服务能力，办理结果已公开",
            "按照上级年度政务公开工作要点，做好公共卫生和医疗服务领域信息公开",
            "指导区属医疗机构在门诊大厅公示医疗服务价格和投诉渠道",
        ),
    ),
    Dept(
        "zhujian", "示例区住房和城乡建设局", "区住建局", (60, 120),
        decisions={F.LICENSING: (150, 400), F.OTHER_SERVICES: (30, 90), F.PENALTIES: (15, 60), F.COMPULSION: (0, 5)},
        fee_amount=(5, 30), fee_notices={2023: 1},
        topics=(
            _t("公开保障性住房申请条件、分配过程和分配结果"),
            _t("公开老旧小区改造计划、改造内容和进度", (2020, 2024)),
            _t("公开建筑工程施工许可办理结果"),
            _t("公开国有土地上房屋征收决定和补偿方案"),
            _t("公开商品房预售许可和预售资金监管信息"),
            _t("公开建筑市场主体不良行为记录"),
            _t("公开物业服务企业信用评价结果", (2021, 2024)),
            _t("公开城镇燃气安全专项整治进展", (2023, 2024)),
        ),
        problems=(
            ("房屋征收补偿信息公开的颗粒度不够细", "分项目公开征收范围、补偿标准和签约进度", "按项目分项公开征收信息"),
            ("保障性住房分配信息更新不及时", "实行分配结果“一批一公开”", "实行分配结果一批一公开"),
            ("部分申请人同一事项重复申请，答复口径需要统一", "建立依申请公开台账和答复口径库", "建立答复口径库"),
            ("建筑市场信用信息公开与监管衔接不够", "每月汇总公开建筑市场不良行为记录", "按月公开不良行为记录"),
        ),
        extras=(
            "承办区人大代表建议{a}件、区政协委员提案{b}件，主要涉及老旧小区改造和物业管理，办理结果已公开",
            "落实上级年度政务公开工作要点，做好保障性住房和房屋征收领域信息公开",
        ),
    ),
    Dept(
        "minzheng", "示例区民政局", "区民政局", (1, 6),
        decisions={F.LICENSING: (5, 20), F.OTHER_SERVICES: (10, 40), F.PENALTIES: (0, 2)},
        topics=(
            _t("按月公开城乡最低生活保障和特困人员供养对象人数及资金发放情况"),
            _t("公开临时救助政策和申请流程"),
            _t("公开高龄津贴和养老服务补贴发放情况"),
            _t("公开社会组织登记、年检和抽查结果"),
            _t("公开婚姻登记服务指南和预约方式"),
            _t("公开殡葬服务收费项目和标准"),
            _t("公开困难残疾人生活补贴和重度残疾人护理补贴发放情况"),
            _t("公开地名命名更名信息", (2022, 2024)),
        ),
        problems=(
            ("社会救助信息公开中个人信息保护把关需要加强", "制定救助对象公示信息去标识化规范", "出台公示信息去标识化规范"),
            ("养老服务政策宣传覆盖面不够", "在社区养老服务站点设置政策公开栏", "在社区养老服务站点设置公开栏"),
            ("社会组织监管信息公开不够集中", "在区政府网站设置社会组织信息专栏", "设置社会组织信息专栏"),
        ),
        extras=(
            "承办区人大代表建议{a}件、区政协委员提案{b}件，主要涉及养老服务和社会救助，办理结果已公开",
            "指导各街道在社区公示栏公示低保审核审批结果，接受群众监督",
            "在婚姻登记处设置政务公开电子屏，滚动播放办事指南",
        ),
    ),
    Dept(
        "dangan", "示例区档案馆", "区档案馆", (0, 0), docs=0, zero=True,
        topics=(
            _t("公开档案查阅利用指南、开放时间和联系方式"),
            _t("在区政府现行文件查阅中心提供政府公开信息查阅服务"),
            _t("开展到期档案开放审核，公开开放档案目录", (2021, 2024)),
            _t("结合“6·9国际档案日”开展档案法宣传"),
            _t("宣传解读2021年1月1日起施行的新修订《中华人民共和国档案法》", (2020, 2021)),
            _t("推进馆藏档案数字化，公开可在线查询的档案目录"),
        ),
        problems=(
            ("现行文件查阅中心的利用率不高", "加强宣传，并与区政务服务中心合设查阅点", "与区政务服务中心合设查阅点"),
            ("开放档案目录在线查询功能有待完善", "升级档案目录查询系统，支持按主题检索", "升级档案目录查询系统"),
            ("工作人员政府信息公开业务知识不足", "组织工作人员参加全区政务公开业务培训", "组织参加全区业务培训"),
        ),
        extras=(
            "{short}将政府信息公开工作列入馆务会议议题，全年专题研究{b}次",
            "在区政府现行文件查阅中心接待群众查阅现行文件{a}人次",
            "配合区政务公开办做好政府公开信息纸质版和电子版的接收、整理和归档",
        ),
    ),
    Dept(
        "yibao", "示例区医疗保障局", "区医保局", (2, 8), first_year=2020,
        decisions={F.OTHER_SERVICES: (5, 15), F.PENALTIES: (2, 15)},
        topics=(
            _t("公开城乡居民医疗保险参保缴费政策和缴费标准"),
            _t("公开定点医药机构名单及协议管理情况"),
            _t("公开医保基金监管检查结果和欺诈骗保典型案例"),
            _t("公开国家组织药品和医用耗材集中带量采购落地情况"),
            _t("推广医保电子凭证并公开使用指南", (2020, 2022)),
            _t("公开职工医保门诊共济保障改革政策解读", (2023, 2024)),
            _t("公开异地就医直接结算备案流程", (2021, 2024)),
        ),
        problems=(
            ("医保政策调整频繁，解读不够及时", "政策调整时同步发布图解和问答", "政策调整同步发布图解"),
            ("基金监管信息公开力度不够", "定期公开监督检查结果和典型案例", "按季度公开监督检查结果"),
            ("定点医药机构信息变更后公开不及时", "实行定点机构信息变更“即变即公开”", "实行定点机构信息即变即公开"),
        ),
        extras=(
            "承办区人大代表建议{a}件、区政协委员提案{b}件，主要涉及医保待遇和异地就医，办理结果已公开",
            "在区政务服务中心医保窗口设置政策查询机，群众可自助查询参保和报销政策",
            "联合定点医疗机构开展医保政策进医院宣传，发放政策明白卡",
            "按季度在区政府门户网站公开医保基金收支情况",
        ),
    ),
)

ORDER = {dept.id: i + 1 for i, dept in enumerate(DEPARTMENTS)}

# The department-year with a legitimate X1 deviation, and its explanation.
MERGER = ("shichangjianguan", 2022)
MERGER_EXTRA = 2  # applications handed over by the merged office (自然人)
MERGER_NOTE = (
    "2022年1月原示例区知识产权局职责整体划入本局，该局2021年底尚未办理完毕的2件自然人申请由本局继续办理，"
    "计入本局本年度上年结转数，故与本局2021年报告的结转下年度继续办理数不一致。"
)

MUYE = ("muye-zwfw", "新乡市牧野区政务服务和大数据管理局", "新乡市牧野区", "牧野区政务服务和大数据管理局", 2020)


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def disclosure_values(dept: Dept, fmt: F.Format, rng: random.Random, previous: dict) -> dict:
    """Section 二: synth's continuing values at a small scale, then this department's ranges."""
    values = synth.disclosure(fmt, rng, max(1, dept.docs), previous)
    for item in fmt.disclosure:
        for row in item.rows:
            first = item is fmt.disclosure[0]
            keep = (dept.docs > 0 and row != F.REGULATIONS) if first else (
                row in dept.decisions
                or (row == F.CHARGES and dept.fee_amount)
                or (row == F.PROCUREMENT and not dept.zero)
            )
            if not keep:  # 规章 are made by larger governments, never by a district department
                for col in item.columns:
                    values[(F.DISCLOSURE, row, col.label)] = Decimal(0) if col.domain == F.AMOUNT else 0
                continue
            for col in item.columns:
                if col.label in (F.DECISIONS, F.DECISIONS_THIS_YEAR) and row in dept.decisions:
                    values[(F.DISCLOSURE, row, col.label)] = rng.randint(*dept.decisions[row])
                elif col.label == F.CHARGES_AMOUNT:
                    lo, hi = dept.fee_amount
                    values[(F.DISCLOSURE, row, col.label)] = Decimal(rng.randint(lo * 10_000, hi * 10_000)) / 10_000
    return values


def department_values(dept: Dept, year: int, previous: dict | None) -> dict:
    fmt = F.format_for_year(year)
    if dept.zero:
        return {}  # every cell 0, every year
    rng = rng_for("values", dept.id, year)
    size = rng.randint(*dept.size)
    if previous is None:  # the first report: some applications came over from the year before
        carried = {NP: rng.randint(0, max(1, size // 12)), F.ORGANISATIONS[0]: rng.randint(0, max(0, size // 60))}
        previous = {}
    else:
        carried = {col: previous.get((A, F.CARRIED_OUT, col), 0) for col in F.APPLICATION_COLUMNS}
    if (dept.id, year) == MERGER:
        carried[NP] += MERGER_EXTRA
    values = disclosure_values(dept, fmt, rng, previous)
    values.update(synth.applications(fmt, rng, size, carried))
    values.update(synth.review(rng, size // 25))
    values.update(synth.fees(rng, dept.fee_notices.get(year, 0) if year >= F.V2021.first_year else 0))
    return values


# ---------------------------------------------------------------------------
# Narrative
# ---------------------------------------------------------------------------

YEAR_CONTEXT = {
    2019: ("以新修订的《中华人民共和国政府信息公开条例》于2019年5月15日起施行为契机", "认真贯彻新修订的《中华人民共和国政府信息公开条例》"),
    2020: ("在统筹推进疫情防控和经济社会发展的特殊之年", "围绕“六稳”“六保”工作任务"),
    2021: ("在庆祝中国共产党成立100周年的重要之年", "在“十四五”开局之年"),
    2022: ("紧扣迎接和学习宣传贯彻党的二十大这条主线", "按照《2022年政务公开工作要点》的部署"),
    2023: ("在全面贯彻党的二十大精神的开局之年", "围绕全面建设社会主义现代化国家的开局起步"),
    2024: ("在新修订的《中华人民共和国政府信息公开条例》施行五周年之际", "围绕深化政务公开、优化政务服务的年度目标"),
}
GOALS = (
    "坚持以公开为常态、不公开为例外",
    "把政务公开作为建设法治政府的重要抓手",
    "以群众需求为导向推进决策、执行、管理、服务、结果公开",
    "着力提升政务公开的标准化、规范化水平",
    "围绕中心工作做好信息发布、政策解读和回应关切",
)
HANDLING = (
    "严格按照法定时限答复，答复文书统一经法规审核后出具",
    "对每件申请实行登记、承办、审核、答复、归档全流程台账管理",
    "对内容不明确的申请主动电话联系申请人，指导其补正",
    "对涉及第三方权益的申请依法书面征求第三方意见",
    "建立疑难申请会商机制，由分管负责同志牵头研究",
)
MANAGEMENT = (
    "落实公文公开属性源头认定，拟制公文时同步明确公开方式",
    "严格执行信息发布“三审三校”制度，杜绝泄密和个人信息泄露",
    "对已公开的政府信息开展年度评估，及时调整公开内容",
    "按要求开展行政规范性文件清理，清理结果向社会公开",
    "建立政府信息公开工作台账，按月梳理主动公开事项",
)
PLATFORM = (
    "区政府门户网站信息公开专栏是主动公开的第一平台，本单位栏目内容按期更新",
    "用好政务新媒体，同步推送重要政策和办事提醒",
    "在办事大厅设置政府信息公开查阅点，方便群众现场查询",
    "按照网站集约化要求迁移栏目数据，栏目设置与主动公开目录保持一致",
    "规范政务新媒体账号管理，定期开展内容安全检查",
)
READY = (
    "已在政府信息公开指南中写明申请渠道、办理流程和联系方式，确保收到申请后能依法及时办理",
    "明确了依申请公开的承办人员和审核流程，做好随时受理的准备",
)
SUPERVISION = (
    "调整政务公开工作领导小组，主要负责同志为第一责任人",
    "组织政务公开专题培训{n}次，提升工作人员依法公开能力",
    "把政务公开工作纳入年度目标考核，本年度未发生因信息公开不当引起的责任追究",
    "聘请社会监督员对公开工作提出意见建议",
    "将政府信息公开工作纳入单位内部督查事项，按季度通报",
)
GENERIC_PROBLEMS = (
    ("政策解读形式较为单一", "综合运用图解、短视频等形式开展解读", "增加图解和短视频解读"),
    ("主动公开内容的及时性有待提高", "建立信息发布提醒机制，明确发布时限", "建立信息发布提醒机制"),
    ("工作人员业务能力与新要求还有差距", "加强业务培训，组织学习典型案例", "开展依申请公开案例学习"),
    ("回应社会关切不够主动", "完善舆情收集研判和回应机制", "完善舆情回应机制"),
)
SIX_GENERIC = (
    "{year}年{short}未发生因政府信息公开工作引发的责任追究情况",
    "按照区政务公开办的统一部署，{short}于{month}月完成政府信息公开指南的修订",
    "{short}按规定于{next}年1月完成{year}年度政府信息公开工作年度报告的编制和发布",
    "{short}于{month}月组织开展政务公开自查，对发现的栏目空白和链接失效问题当即整改",
)


def _money(value) -> str:
    """An amount in 万元 as written in prose: exact, without trailing zeros."""
    return f"{Decimal(value):.4f}".rstrip("0").rstrip(".")


def _v(values, row, col=F.TOTAL):
    return values.get((A, row, col), 0)


def _group(values, fmt, group):
    return sum(_v(values, row.label) for row in fmt.application_rows if row.group == group or row.label == group)


def _review_total(values, *groups):
    return sum(values.get((F.REVIEW, g, F.TOTAL), 0) for g in groups)


def _cn_list(items) -> str:
    return "；".join(items)


def _pick(rng, pool, k):
    return rng.sample(list(pool), k)


def _topics_for(dept: Dept, year: int):
    return [text for text, first, last in dept.topics if first <= year <= last]


def _applications_paragraph(dept: Dept, year: int, values, rng) -> str:
    new, cin, done, out = (_v(values, r) for r in (F.NEW, F.CARRIED_IN, F.OUTCOME_TOTAL, F.CARRIED_OUT))
    if new == 0 and cin == 0:
        text = rng.choice((
            f"本年度{dept.short}未收到政府信息公开申请，也无上年结转的申请",
            f"全年没有公民、法人或其他组织向{dept.short}提出政府信息公开申请",
        ))
    else:
        text = f"全年新收政府信息公开申请{new}件"
        if cin:
            text += f"，上年结转{cin}件"
        text += f"，办结{done}件"
        text += f"，{F.plain(F.CARRIED_OUT)}{out}件" if out else "，无结转下年度办理的申请"
    return f"（二）依申请公开。{text}。{rng.choice(HANDLING if new or cin else READY)}。"


def _decisions_sentence(values, fmt) -> str:
    parts = []
    for row in (F.LICENSING, F.PENALTIES, F.COMPULSION):
        verb = f"{row}决定"
        col = F.DECISIONS if fmt is F.V2019 else F.DECISIONS_THIS_YEAR
        n = values.get((F.DISCLOSURE, row, col), 0)
        if n:
            parts.append(f"{verb}{n}件")
    return f"按规定公开{'、'.join(parts)}" if parts else ""


def _docs_sentence(values, fmt) -> str:
    if fmt is F.V2019:
        made = values.get((F.DISCLOSURE, F.NORMATIVE_DOCUMENTS, F.NEWLY_MADE), 0)
        total = values.get((F.DISCLOSURE, F.NORMATIVE_DOCUMENTS, F.PUBLISHED_TOTAL), 0)
        if not made and not total:
            return ""
        return f"本年新制作{F.NORMATIVE_DOCUMENTS}{made}件，对外公开的{F.NORMATIVE_DOCUMENTS}共{total}件"
    issued = values.get((F.DISCLOSURE, F.ADMINISTRATIVE_NORMATIVE_DOCUMENTS, F.ISSUED), 0)
    valid = values.get((F.DISCLOSURE, F.ADMINISTRATIVE_NORMATIVE_DOCUMENTS, F.IN_FORCE), 0)
    if not issued and not valid:
        return ""
    return f"本年制发{F.ADMINISTRATIVE_NORMATIVE_DOCUMENTS}{issued}件，现行有效{valid}件，均已在政策文件库公开"


def section_one(dept: Dept, year: int, values, rng) -> str:
    fmt = F.format_for_year(year)
    ctx = rng.choice(YEAR_CONTEXT[year])
    role = "作为全区政务公开工作主管部门，" if dept.id == "zhengfuban" else "在区政务公开工作主管部门的指导下，"
    intro = f"{year}年，{dept.name}{ctx}，{role}{rng.choice(GOALS)}，认真落实《中华人民共和国政府信息公开条例》，各项工作有序推进。"
    topics = _pick(rng, _topics_for(dept, year), 2)
    extra = [s for s in (_docs_sentence(values, fmt), _decisions_sentence(values, fmt)) if s]
    published = rng.randint(40, 400) if not dept.zero else rng.randint(8, 30)
    active = f"（一）主动公开。全年通过区政府门户网站公开政府信息{published}条。{_cn_list(topics)}。"
    if extra:
        active += "，".join(extra) + "。"
    review = _review_total(values, F.ADMINISTRATIVE_REVIEW)
    suits = _review_total(values, *F.LAWSUIT_ROWS)
    if review or suits:
        legal = f"因政府信息公开工作被申请行政复议{review}件，" if review else "未发生因政府信息公开引起的行政复议，"
        legal += f"被提起行政诉讼{suits}件。" if suits else "未被提起行政诉讼。"
    else:
        legal = rng.choice(("本年度未发生因政府信息公开引起的行政复议、行政诉讼。",
                            "全年没有因政府信息公开被申请行政复议或被提起行政诉讼的情况。"))
    supervision = rng.choice(SUPERVISION).format(n=rng.randint(1, 4))
    return "\n\n".join((
        intro,
        active,
        _applications_paragraph(dept, year, values, rng) + legal,
        f"（三）政府信息管理。{rng.choice(MANAGEMENT)}。",
        f"（四）平台建设。{rng.choice(PLATFORM)}。",
        f"（五）监督保障。{supervision}。",
    ))


def section_three(dept: Dept, year: int, values) -> str | None:
    """Remarks after the generated table, for departments with many applications."""
    fmt = F.format_for_year(year)
    new = _v(values, F.NEW)
    if new < 20:
        return None
    persons = _v(values, F.NEW, NP)
    text = (
        f"本年度新收政府信息公开申请{new}件，其中{NP}提出{persons}件，{F.ORGANISATION_HEADER}提出{new - persons}件。"
        f"从办理结果看，{'，'.join(f'{F.OUTCOME_GROUP_NAMES[g]}{_group(values, fmt, g)}件' for g in F.OUTCOME_GROUPS)}。"
    )
    if (dept.id, year) == MERGER:
        text += (
            f"上年结转的{_v(values, F.CARRIED_IN)}件申请中，有{MERGER_EXTRA}件为原示例区知识产权局职责划入本局时"
            "尚未办理完毕、由本局继续办理的申请。"
        )
    return text


def section_five(dept: Dept, year: int, rng, last_problem) -> tuple[str, tuple]:
    own = [p for p in dept.problems if p != last_problem]
    first = rng.choice(own)
    pool = [p for p in (*dept.problems, *GENERIC_PROBLEMS) if p not in (first, last_problem)]
    problems = [first, rng.choice(pool)]
    text = (
        f"{year}年，{dept.short}政府信息公开工作取得了一定成效，但仍存在一些不足："
        f"一是{problems[0][0]}；二是{problems[1][0]}。"
        f"\n\n改进措施：{problems[0][1]}；{problems[1][1]}，推动政府信息公开工作提质增效。"
    )
    if last_problem is not None:
        text += f"\n\n上年度报告提出的“{last_problem[0]}”问题，已通过{last_problem[2]}完成整改。"
    return text, problems[0]


def section_six(dept: Dept, year: int, values, rng, last_items) -> tuple[str, list]:
    # The 信息处理费 facts are not written here: the report states them, generated
    # from fees.csv, at the head of section 六 (stating them twice would be padding).
    items = []
    fill = dict(a=rng.randint(2, 12), b=rng.randint(1, 9), year=year, next=year + 1,
                month=rng.randint(3, 11), short=dept.short)
    own = [text for text in dept.extras if text not in last_items]
    generic = [text for text in SIX_GENERIC if text not in last_items]
    chosen = [rng.choice(own)] if own else []
    if rng.random() < 0.6:
        chosen.append(rng.choice(generic))
    items += [text.format(**fill) for text in chosen]
    if not items:
        return "本年度无其他需要报告的事项。", chosen
    return "。".join(items) + "。", chosen


def narrative(dept: Dept, year: int, values, last_problem, last_items):
    rng = rng_for("narrative", dept.id, year)
    parts = [f"## {H1}\n\n{section_one(dept, year, values, rng)}\n"]
    remarks = section_three(dept, year, values)
    if remarks:
        parts.append(f"## {H3}\n\n{remarks}\n")
    five, problem = section_five(dept, year, rng, last_problem)
    parts.append(f"## {H5}\n\n{five}\n")
    six, items = section_six(dept, year, values, rng, last_items)
    parts.append(f"## {H6}\n\n{six}\n")
    return "\n".join(parts), problem, items


MUYE_NARRATIVE = f"""## {H1}

2020年，新乡市牧野区政务服务和大数据管理局在区政务公开工作主管部门的指导下，贯彻《中华人民共和国政府信息公开条例》，围绕政务服务事项的公开和办理便利开展工作。

（一）政务服务事项公开。依照《新乡市（区级）基本目录政务服务事项》清单，完成全区27家单位共1431项最小颗粒化政务服务事项在平台上的录入和修改，继续完善“最多跑一次”“不见面审批”的办理流程，行政许可即办件450项。

（二）咨询服务。在政务服务大厅公开高频事项和办事指南，做好办事咨询、答疑和投诉处理。

（三）办事便利度。以“减环节、减时间、减材料、减跑动”为目标，通过优化流程、精简材料、共享数据，梳理出111项可实现“一证通办”的事项，清单已在牧野区政府网站公布。

（四）办事流程优化。对上述1431项事项的办事流程、办理时限、申请材料等要素逐项完善，要素完成率达到100%；经逐项测试，所有事项均可“一网通办”。

## {H5}

存在的问题：政务信息的质量还有待提高。

改进措施：日常工作中的政务信息做到及时上报、内容详实，提高信息质量，畅通公开渠道，方便群众获取政府信息。

## {H6}

本年度的政务公开工作依据《新乡市牧野区人民政府办公室〈关于印发全面推进牧野区基层政务公开标准化规范化工作实施方案〉的通知》（牧政办〔2020〕4号）和《新乡市牧野区人民政府办公室关于印发牧野区2020年政务公开工作要点任务分解表的通知》（牧政办〔2020〕19号）的要求开展，上述两份文件所列本局任务已在“一、总体情况”中报告，此处不再重复。
"""


# ---------------------------------------------------------------------------
# The district government's own report (params/governments.csv, issue 18)
# ---------------------------------------------------------------------------

GOVERNMENT = ("quzhengfu", "示例区人民政府", REGION)  # members: every body of the region
GOVERNMENT_COLUMNS = ("id", "name", "region", "members")
GOV_ASSESSMENT = (
    "区政府将政务公开工作纳入全区高质量发展综合考核，分值占{p}%，考核结果在全区通报",
    "区政府把政务公开工作列入年度目标责任考核，对{n}个单位逐一打分并反馈问题清单",
    "区政府组织对各单位政务公开工作开展年度考核，考核结果与单位评先评优挂钩",
)
GOV_EVALUATION = (
    "邀请人大代表、政协委员和群众代表{n}人开展社会评议，收集意见建议{m}条，均已交办落实",
    "委托第三方机构开展政务公开社会评议，回收有效问卷{m}份，群众满意度较上年有所提升",
    "通过政府网站“我为政务公开提建议”栏目开展社会评议，收到意见建议{m}条并逐条回复",
)
GOV_ACCOUNTABILITY = (
    "全年未发生因政务公开工作不力被责任追究的情况",
    "对考核中排名靠后的{n}个单位进行约谈，督促限期整改，未发生需要责任追究的情形",
    "对政府网站栏目长期不更新的{n}个单位予以通报，全年未发生政务公开责任追究事项",
)
GOV_PROBLEMS = (
    ("部分单位主动公开内容更新不及时，栏目空白现象仍有发生", "建立全区政府网站栏目月度巡查和通报制度"),
    ("各单位政策解读质量参差不齐，图解、视频等形式运用不多", "组织政策解读培训，推行解读材料与政策文件同步审签"),
    ("基层政务公开标准目录落实不均衡，部分街道目录更新滞后", "开展基层政务公开标准化规范化交叉检查"),
    ("依申请公开答复文书说理不够充分，个别答复引用条款不准确", "制定依申请公开答复文书范本，实行疑难申请会商"),
    ("政务公开专区建设与群众实际需求结合不够紧密", "在政务服务中心公开专区增设查阅终端和咨询岗"),
)


def government_narrative(year: int, values, last_problem) -> tuple[str, tuple]:
    """The government's narrative: its figures are its members' sums (S4 holds)."""
    rng = rng_for("narrative", GOVERNMENT[0], year)
    new, done = _v(values, F.NEW), _v(values, F.OUTCOME_TOTAL)
    review, suits = _review_total(values, F.ADMINISTRATIVE_REVIEW), _review_total(values, *F.LAWSUIT_ROWS)
    fill = dict(p=rng.randint(3, 6), n=rng.randint(2, 6), m=rng.randint(20, 180))
    one = "\n\n".join((
        f"{year}年，{GOVERNMENT[1]}{rng.choice(YEAR_CONTEXT[year])}，统筹全区各单位做好政府信息公开工作。"
        f"全区各单位全年新收政府信息公开申请{new}件，办结{done}件；"
        f"因政府信息公开工作被申请行政复议{review}件，被提起行政诉讼{suits}件。",
        f"（一）考核。{rng.choice(GOV_ASSESSMENT).format(**fill)}。",
        f"（二）社会评议。{rng.choice(GOV_EVALUATION).format(**fill)}。",
        f"（三）责任追究。{rng.choice(GOV_ACCOUNTABILITY).format(**fill)}。",
        f"（四）监督保障。{rng.choice(SUPERVISION).format(n=rng.randint(1, 4))}。",
    ))
    problem = rng.choice([p for p in GOV_PROBLEMS if p != last_problem])
    five = (f"{year}年，全区政府信息公开工作仍存在一些不足，主要是{problem[0]}。"
            f"\n\n改进措施：{problem[1]}，推动全区政务公开工作提质增效。")
    if last_problem is not None:
        five += f"\n\n上年度报告提出的“{last_problem[0]}”问题，已通过{last_problem[1]}完成整改。"
    six = (f"本报告汇总全区各单位{year}年度政府信息公开工作情况，各单位年度报告已在区政府门户网站"
           "“政府信息公开年报”栏目同步发布。")
    return f"## {H1}\n\n{one}\n\n## {H5}\n\n{five}\n\n## {H6}\n\n{six}\n", problem


def write_government(root: Path, sums: dict[int, dict]) -> list[str]:
    """params/governments.csv and the government's narratives (its tables are sums)."""
    write_atomic(root / GOVERNMENTS_FILE, csv_text(GOVERNMENT_COLUMNS, [[*GOVERNMENT, ""]]), bom=True)
    remove_unowned_years(root, GOVERNMENT[0], list(sums))
    written, last_problem = [], None
    for year in sorted(sums):
        text, last_problem = government_narrative(year, sums[year], last_problem)
        folder = root / "data" / str(year) / GOVERNMENT[0]
        for name in CONTRACT_FILES:
            (folder / name).unlink(missing_ok=True)
        write_files(folder, {F.TABLE_FILES[F.NARRATIVE]: text}, force=True)
        written.append(f"data/{year}/{GOVERNMENT[0]}")
    return written


def add_values(total: dict, values: dict) -> None:
    for key, value in values.items():
        total[key] = total.get(key, 0) + value


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

CONTRACT_FILES = (*F.TABLE_FILES.values(), WAIVERS_FILE)


def write_department_year(root: Path, dept_id: str, year: int, values: dict, text: str,
                          waivers: list[list[str]] | None = None) -> None:
    fmt = F.format_for_year(year)
    files = submission_files(fmt, values, text)
    if not fmt.fees_required:  # fees.csv is optional before 2021; the sample leaves it out
        del files[F.TABLE_FILES[F.FEES]]
    folder = root / "data" / str(year) / dept_id
    stale = [name for name in CONTRACT_FILES if name not in files and name != WAIVERS_FILE]
    for name in stale:
        (folder / name).unlink(missing_ok=True)
    write_files(folder, files, force=True)
    if waivers:
        write_atomic(folder / WAIVERS_FILE, csv_text(WAIVERS_HEADER, waivers), bom=True)
    else:
        (folder / WAIVERS_FILE).unlink(missing_ok=True)


def remove_unowned_years(root: Path, dept_id: str, years) -> None:
    """Folders of an owned department for years the generator no longer writes."""
    data = root / "data"
    if not data.is_dir():
        return
    for year_dir in sorted(data.iterdir()):
        folder = year_dir / dept_id
        if year_dir.name.isdigit() and int(year_dir.name) not in years and folder.is_dir():
            if all(p.name in CONTRACT_FILES for p in folder.iterdir()):
                shutil.rmtree(folder)


def write_departments(root: Path, rows: list[list[str]]) -> None:
    """Our rows first, then any rows of departments this script does not own."""
    path = root / DEPARTMENTS_FILE
    owned = {row[0] for row in rows}
    kept = []
    if path.exists():
        import csv
        import io

        records = list(csv.reader(io.StringIO(decode(path.read_bytes(), str(path)))))
        if records:
            header = records[0]
            for record in records[1:]:
                item = dict(zip(header, record, strict=False))
                if item.get("id") and item["id"] not in owned:
                    kept.append([item.get(col, "") for col in DEPARTMENT_COLUMNS])
    write_atomic(path, csv_text(DEPARTMENT_COLUMNS, rows + kept), bom=True)


def generate(root: Path) -> list[str]:
    written = []
    # first_year only where a department was set up after the district's first year.
    rows = [
        [d.id, d.name, REGION, d.short, str(ORDER[d.id]), str(d.first_year) if d.first_year > YEARS[0] else ""]
        for d in DEPARTMENTS
    ]
    rows.append([MUYE[0], MUYE[1], MUYE[2], MUYE[3], str(len(DEPARTMENTS) + 1), ""])
    write_departments(root, rows)
    sums: dict[int, dict] = {}  # year → the region's totals (the government's tables)
    for dept in DEPARTMENTS:
        years = [y for y in YEARS if y >= dept.first_year]
        remove_unowned_years(root, dept.id, years)
        previous, last_problem, last_items = None, None, []
        for year in years:
            values = department_values(dept, year, previous)
            text, last_problem, last_items = narrative(dept, year, values, last_problem, last_items)
            waivers = None
            if (dept.id, year) == MERGER:
                title = F.TABLE_TITLES[F.APPLICATIONS]
                waivers = [["X1", title, F.CARRIED_IN, col, MERGER_NOTE] for col in (NP, F.TOTAL)]
            write_department_year(root, dept.id, year, values, text, waivers)
            written.append(f"data/{year}/{dept.id}")
            add_values(sums.setdefault(year, {}), values)
            previous = values
    remove_unowned_years(root, MUYE[0], [MUYE[4]])
    write_department_year(root, MUYE[0], MUYE[4], {}, MUYE_NARRATIVE)  # every figure of the report is 0
    written.append(f"data/{MUYE[4]}/{MUYE[0]}")
    written += write_government(root, sums)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the bundled sample project (deterministic).")
    parser.add_argument("--root", type=Path, default=REPO, help="project root (default: the repository)")
    args = parser.parse_args(argv)
    written = generate(args.root)
    print(f"wrote {DEPARTMENTS_FILE.as_posix()} and {len(written)} department-years under {args.root / 'data'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
