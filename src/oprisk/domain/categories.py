"""The Basel categories: event types, business lines and causes, with English and Chinese labels.

Codes follow the Federal Reserve AMA Internal Data Template (``ET1``–``ET7``, ``ET2.1``;
``BL1``–``BL8``, ``BL31``); names follow Basel II Annexes 8 and 9; TSA betas follow Basel II
§654. Chinese names follow the 2012 capital rules (Annex 12) and common practice; aliases are
accepted on ingest. ``BL9`` (*Corporate items*, 其他) is the COREP C 17 reporting-only line and the
Chinese rules' ninth line; it is not one of the eight Basel capital lines.

The lookups over these tables are in :mod:`oprisk.domain.taxonomy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType


@dataclass(frozen=True)
class Category:
    """One node of a taxonomy: a code, its level, its parent and its labels."""

    code: str
    name: str
    name_zh: str
    level: int
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    beta: Decimal | None = None  # TSA beta, business lines only
    basel: bool = True  # False for jurisdiction extensions (BL9)

    @property
    def l1(self) -> str:
        """The level-1 code this node belongs to."""
        return self.parent or self.code

    def label(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


EVENT_TYPE_CATEGORIES: tuple[Category, ...] = (
    Category("ET1", "Internal Fraud", "内部欺诈事件", 1, aliases=("内部欺诈",)),
    Category(
        "ET1.1",
        "Unauthorised Activity",
        "未经授权的活动",
        2,
        "ET1",
        ("行为未经授权", "Unauthorized Activity"),
    ),
    Category(
        "ET1.2",
        "Theft and Fraud (internal)",
        "盗窃和欺诈（内部）",
        2,
        "ET1",
        ("Internal Theft and Fraud", "内部盗窃和欺诈", "Theft and Fraud", "盗窃和欺诈"),
    ),
    Category("ET2", "External Fraud", "外部欺诈事件", 1, aliases=("外部欺诈",)),
    Category(
        "ET2.1",
        "Theft and Fraud (external)",
        "盗窃和欺诈（外部）",
        2,
        "ET2",
        ("External Theft and Fraud", "外部盗窃和欺诈", "Theft and Fraud", "盗窃和欺诈"),
    ),
    Category("ET2.2", "Systems Security", "系统安全性", 2, "ET2", ("系统安全",)),
    Category(
        "ET3",
        "Employment Practices and Workplace Safety",
        "就业制度和工作场所安全事件",
        1,
        aliases=(
            "Employment Practices & Workplace Safety",
            "聘用员工做法和工作场所安全性",
            "雇用关系",
            "就业制度和工作场所安全",
        ),
    ),
    Category("ET3.1", "Employee Relations", "劳资关系", 2, "ET3"),
    Category("ET3.2", "Safe Environment", "环境安全性", 2, "ET3", ("安全性环境",)),
    Category(
        "ET3.3",
        "Diversity and Discrimination",
        "歧视及差别待遇事件",
        2,
        "ET3",
        ("Diversity & Discrimination", "歧视及差别待遇"),
    ),
    Category(
        "ET4",
        "Clients, Products and Business Practices",
        "客户、产品和业务活动事件",
        1,
        aliases=(
            "Clients, Products & Business Practices",
            "客户、产品及业务做法",
            "客户产品和业务活动事件",
            "客户、产品和业务活动",
        ),
    ),
    Category(
        "ET4.1",
        "Suitability, Disclosure and Fiduciary",
        "适当性、披露和信托责任",
        2,
        "ET4",
        ("Suitability, Disclosure & Fiduciary",),
    ),
    Category("ET4.2", "Improper Business or Market Practices", "不良的业务或市场行为", 2, "ET4"),
    Category("ET4.3", "Product Flaws", "产品瑕疵", 2, "ET4"),
    Category(
        "ET4.4",
        "Selection, Sponsorship and Exposure",
        "客户选择、业务提起和风险暴露",
        2,
        "ET4",
        ("Selection, Sponsorship & Exposure",),
    ),
    Category("ET4.5", "Advisory Activities", "咨询业务", 2, "ET4"),
    Category("ET5", "Damage to Physical Assets", "实物资产的损坏", 1, aliases=("实物资产损坏",)),
    Category("ET5.1", "Disasters and Other Events", "灾害和其他事件", 2, "ET5"),
    Category(
        "ET6",
        "Business Disruption and System Failures",
        "信息科技系统事件",
        1,
        aliases=(
            "Business Disruption & System Failures",
            "业务中断和系统失灵",
            "业务中断及系统失灵",
        ),
    ),
    Category("ET6.1", "Systems", "系统", 2, "ET6", ("系统失灵",)),
    Category(
        "ET7",
        "Execution, Delivery and Process Management",
        "执行、交割和流程管理事件",
        1,
        aliases=(
            "Execution, Delivery & Process Management",
            "交割及流程管理",
            "执行、交割和流程管理",
        ),
    ),
    Category(
        "ET7.1",
        "Transaction Capture, Execution and Maintenance",
        "交易认定、执行和维护",
        2,
        "ET7",
        ("Transaction Capture, Execution & Maintenance",),
    ),
    Category(
        "ET7.2", "Monitoring and Reporting", "监控和报告", 2, "ET7", ("Monitoring & Reporting",)
    ),
    Category(
        "ET7.3",
        "Customer Intake and Documentation",
        "招揽客户和文件记录",
        2,
        "ET7",
        ("Customer Intake & Documentation",),
    ),
    Category(
        "ET7.4",
        "Customer/Client Account Management",
        "个人/企业客户账户管理",
        2,
        "ET7",
        ("Client Account Management",),
    ),
    Category("ET7.5", "Trade Counterparties", "交易对手方", 2, "ET7", ("交易对手",)),
    Category(
        "ET7.6", "Vendors and Suppliers", "外部销售商和供应商", 2, "ET7", ("Vendors & Suppliers",)
    ),
)

_D = Decimal
BUSINESS_LINE_CATEGORIES: tuple[Category, ...] = (
    Category("BL1", "Corporate Finance", "公司金融", 1, beta=_D("0.18")),
    Category(
        "BL11",
        "Corporate Finance (level 2)",
        "公司金融（二级）",
        2,
        "BL1",
        ("Corporate Finance", "公司金融"),
    ),
    Category(
        "BL12", "Municipal/Government Finance", "市政/政府金融", 2, "BL1", ("Government Finance",)
    ),
    Category("BL13", "Merchant Banking", "商人银行", 2, "BL1"),
    Category("BL14", "Advisory Services", "咨询服务", 2, "BL1"),
    Category(
        "BL2", "Trading and Sales", "交易和销售", 1, aliases=("Trading & Sales",), beta=_D("0.18")
    ),
    Category("BL21", "Sales", "销售", 2, "BL2"),
    Category("BL22", "Market Making", "做市商交易", 2, "BL2", ("做市",)),
    Category("BL23", "Proprietary Positions", "自营业务", 2, "BL2"),
    Category("BL24", "Treasury", "资金管理", 2, "BL2"),
    Category("BL3", "Retail Banking", "零售银行", 1, aliases=("零售银行业务",), beta=_D("0.12")),
    Category(
        "BL31", "Retail Banking (level 2)", "零售业务", 2, "BL3", ("Retail Banking", "零售银行")
    ),
    Category("BL32", "Private Banking", "私人银行业务", 2, "BL3", ("私人银行",)),
    Category("BL33", "Card Services", "银行卡业务", 2, "BL3", ("银行卡",)),
    Category(
        "BL4", "Commercial Banking", "商业银行", 1, aliases=("商业银行业务",), beta=_D("0.15")
    ),
    Category(
        "BL41",
        "Commercial Banking (level 2)",
        "商业银行业务（二级）",
        2,
        "BL4",
        ("Commercial Banking", "商业银行", "商业银行业务"),
    ),
    Category(
        "BL5",
        "Payment and Settlement",
        "支付和清算",
        1,
        aliases=("Payment & Settlement", "支付和结算"),
        beta=_D("0.18"),
    ),
    Category("BL51", "External Clients", "外部客户", 2, "BL5"),
    Category("BL6", "Agency Services", "代理服务", 1, beta=_D("0.15")),
    Category("BL61", "Custody", "托管", 2, "BL6"),
    Category("BL62", "Corporate Agency", "公司代理", 2, "BL6"),
    Category("BL63", "Corporate Trust", "公司受托业务", 2, "BL6"),
    Category("BL7", "Asset Management", "资产管理", 1, beta=_D("0.12")),
    Category("BL71", "Discretionary Fund Management", "可支配基金管理", 2, "BL7"),
    Category("BL72", "Non-Discretionary Fund Management", "非可支配基金管理", 2, "BL7"),
    Category("BL8", "Retail Brokerage", "零售经纪", 1, aliases=("零售经纪业务",), beta=_D("0.12")),
    Category(
        "BL81",
        "Retail Brokerage (level 2)",
        "零售经纪（二级）",
        2,
        "BL8",
        ("Retail Brokerage", "零售经纪", "零售经纪业务"),
    ),
    Category(
        "BL9",
        "Corporate Items",
        "其他",
        1,
        aliases=("Other", "Corporate items / other", "其他业务", "其他项"),
        beta=_D("0.18"),
        basel=False,
    ),
)

CAUSE_CATEGORIES: tuple[Category, ...] = (
    Category("people", "People", "人员", 1, aliases=("员工", "人员因素", "staff")),
    Category(
        "process",
        "Process",
        "流程",
        1,
        aliases=("内部程序", "内部流程", "processes", "internal process"),
    ),
    Category(
        "systems",
        "Systems",
        "系统",
        1,
        aliases=("信息科技系统", "系统缺陷", "system", "IT systems"),
    ),
    Category("external", "External events", "外部事件", 1, aliases=("external event", "external")),
)

#: Default event-type → cause mapping (a convention, not a regulatory rule: reference §5.3).
DEFAULT_CAUSES: Mapping[str, str] = MappingProxyType(
    {
        "ET1": "people",
        "ET2": "external",
        "ET3": "people",
        "ET4": "people",
        "ET5": "external",
        "ET6": "systems",
        "ET7": "process",
    }
)
