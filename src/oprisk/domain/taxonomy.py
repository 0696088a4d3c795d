"""Basel taxonomies: event types, business lines and causes, with English and Chinese labels.

Codes follow the Federal Reserve AMA Internal Data Template (``ET1``–``ET7``, ``ET2.1``;
``BL1``–``BL8``, ``BL31``); names follow Basel II Annexes 8 and 9; TSA betas follow Basel II
§654. Chinese names follow the 2012 capital rules (Annex 12) and common practice; aliases are
accepted on ingest. ``BL9`` (*Corporate items*, 其他) is the COREP C 17 reporting-only line and the
Chinese rules' ninth line; it is not one of the eight Basel capital lines.

Lookups accept a code or a label in either language, case-, width-, space- and
punctuation-insensitively, in simplified or traditional characters, and reject anything else with
the list of valid values (:class:`~oprisk.errors.UnknownTaxonomyError`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from oprisk.errors import UnknownTaxonomyError

Level = Literal[1, 2]


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


_ET: list[Category] = [
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
]

_D = Decimal
_BL: list[Category] = [
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
]

_CAUSES: list[Category] = [
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
]

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

# Traditional → simplified for the characters our labels use (reference §9: accept both).
_T2S = str.maketrans(
    "內詐業務銀產資實損壞訊統執與處戶場選擇險財經紀託專權監報錄號機構門設計稱額員製銷結貨幣災動護顧問諮詢職僱傭關係環視別當責風錯誤營運維攬檔記賬對應個體發盜竊為勞會規導斷靈網絡電腦來種類錢貸證書單據聘際歧場離認獲覽較態狀況隊齊",
    "内诈业务银产资实损坏讯统执与处户场选择险财经纪托专权监报录号机构门设计称额员制销结货币灾动护顾问咨询职雇佣关系环视别当责风错误营运维揽档记账对应个体发盗窃为劳会规导断灵网络电脑来种类钱贷证书单据聘际歧场离认获览较态状况队齐",
)
_DROP = {"P", "Z", "S"}  # punctuation, separators, symbols (unicode categories' first letter)


def normalise(text: object) -> str:
    """Fold a code or label to the form lookups compare: NFKC, casefold, simplified, no spaces/punctuation."""
    s = unicodedata.normalize("NFKC", str(text)).casefold().translate(_T2S).replace("&", "and")
    return "".join(ch for ch in s if unicodedata.category(ch)[0] not in _DROP)


@dataclass(frozen=True)
class Taxonomy:
    """A family of categories (event types, business lines or causes) with label lookup."""

    kind: str
    categories: tuple[Category, ...]
    _index: dict[str, list[Category]] = field(init=False, repr=False, compare=False)
    _codes: dict[str, Category] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, list[Category]] = {}
        for cat in self.categories:
            for key in (cat.code, cat.name, cat.name_zh, *cat.aliases):
                bucket = index.setdefault(normalise(key), [])
                if cat not in bucket:
                    bucket.append(cat)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_codes", {c.code: c for c in self.categories})

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories)

    def __len__(self) -> int:
        return len(self.categories)

    def __getitem__(self, code: str) -> Category:
        return self.get(code)

    def codes(self, level: int | None = None) -> list[str]:
        return [c.code for c in self.categories if level is None or c.level == level]

    def level(self, level: int, *, basel_only: bool = True) -> list[Category]:
        return [c for c in self.categories if c.level == level and (c.basel or not basel_only)]

    def children(self, code: str) -> list[Category]:
        return [c for c in self.categories if c.parent == code]

    def get(self, value: object, level: int | None = None, parent: str | None = None) -> Category:
        """Find a category by code or label (either language).

        A label shared by a level-1 and a level-2 node resolves to level 1 unless ``level=2``;
        a level-2 label shared by two parents (``Theft and Fraud``) needs ``parent``.
        """
        if isinstance(value, Category):
            value = value.code
        exact = self._codes.get(value) if isinstance(value, str) and parent is None else None
        if exact is not None and level in (None, exact.level):
            return exact  # the common case: a stored code
        hits = self._index.get(normalise(value), []) if value is not None else []
        if level is not None:
            hits = [c for c in hits if c.level == level]
        if parent is not None and len(hits) > 1:
            p = self.get(parent, 1).code
            hits = [c for c in hits if c.l1 == p] or hits
        if hits:
            top = min(c.level for c in hits)
            hits = [c for c in hits if c.level == top]
            if len(hits) == 1:
                return hits[0]
            raise UnknownTaxonomyError(
                self.kind, value, [f"{c.code} ({c.name})" for c in hits], ambiguous=True
            )
        valid = [
            f"{c.code} ({c.name} / {c.name_zh})"
            for c in self.categories
            if level in (None, c.level)
        ]
        raise UnknownTaxonomyError(self.kind, value, valid)

    def __contains__(self, value: object) -> bool:
        try:
            self.get(value)
        except UnknownTaxonomyError:
            return False
        return True


EVENT_TYPES = Taxonomy("event_type", tuple(_ET))
BUSINESS_LINES = Taxonomy("business_line", tuple(_BL))
CAUSES = Taxonomy("cause", tuple(_CAUSES))


def event_type(value: object, level: int | None = None, parent: str | None = None) -> Category:
    """Look up a Basel event type by code (``ET2``, ``ET2.1``) or label (English or Chinese)."""
    return EVENT_TYPES.get(value, level, parent)


def business_line(value: object, level: int | None = None, parent: str | None = None) -> Category:
    """Look up a business line by code (``BL3``, ``BL31``) or label (English or Chinese)."""
    return BUSINESS_LINES.get(value, level, parent)


def cause(value: object) -> Category:
    """Look up a cause (people, process, systems, external) by code or label."""
    return CAUSES.get(value)


def default_cause(event_type_code: str, overrides: Mapping[str, str] | None = None) -> str:
    """The default cause of an event type, with optional per-installation overrides by L1 or L2 code."""
    et = event_type(event_type_code)
    for key in (et.code, et.l1):
        if overrides and key in overrides:
            return cause(overrides[key]).code
    return DEFAULT_CAUSES[et.l1]


def tsa_betas(lines: Iterable[str] | None = None) -> dict[str, Decimal]:
    """TSA betas of the eight Basel level-1 business lines (Basel II §654)."""
    cats = BUSINESS_LINES.level(1) if lines is None else [business_line(x, 1) for x in lines]
    return {c.code: c.beta for c in cats if c.beta is not None}
