"""Helpers for the ingestion tests: the corpus directory, a fixed "today", XLSX builders."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

DATA = Path(__file__).parents[1] / "data" / "ingest"
TODAY = date(2025, 6, 30)


def cache_formula_values(path: Path, cached: dict[str, str]) -> None:
    """Give formulas a cached value, as Excel does on save (openpyxl writes formulas without one).

    ``cached`` maps a formula's text (without ``=``) to the value to store.
    """
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                for formula, value in cached.items():
                    text = text.replace(
                        f"<f>{formula}</f><v></v>", f"<f>{formula}</f><v>{value}</v>"
                    )
                    text = text.replace(f"<f>{formula}</f><v />", f"<f>{formula}</f><v>{value}</v>")
                    text = (
                        text.replace(f"<f>{formula}</f>", f"<f>{formula}</f><v>{value}</v>")
                        if f"<f>{formula}</f><v>" not in text
                        else text
                    )
                data = text.encode()
            dst.writestr(item, data)
    tmp.replace(path)


ZH_HEADER = [
    "事件编号",
    "事件名称",
    "损失事件类型",
    "业务条线",
    "法人机构",
    "发生日期",
    "发现日期",
    "币种",
    "损失金额(万元)",
    "保险赔付(万元)",
    "已删除",
]


def build_zh_xlsx(path: Path, *, merged_cells: bool = True) -> Path:
    """A Chinese loss register as business units send it.

    Row 1: a merged title; row 2 blank; row 3 the header; data from row 4:
    4  datetime cells, a formula with a cached value (损失金额 = 10+2.5)
    5  an Excel date serial in a General cell, traditional characters
    6  a formula without a cached value in 保险赔付
    7  #N/A in 损失金额
    8  法人机构 merged vertically over rows 8-9 (value only in row 8)
    9  (covered by that merge)
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "损失事件"
    ws.append(["2024年操作风险损失事件清单"])
    ws.merge_cells("A1:F1")
    ws.append([])
    ws.append(ZH_HEADER)
    ws.append(
        [
            "X-1",
            "ATM盗刷",
            "外部欺诈",
            "零售银行",
            "示例银行",
            datetime(2024, 3, 1),
            datetime(2024, 3, 5),
            "CNY",
            "=10+2.5",
            0,
            "否",
        ]
    )
    ws.append(
        [
            "X-2",
            "系统宕机",
            "信息科技系統事件",
            "商業銀行",
            "示例银行",
            45383,
            45384,
            "人民币",
            3,
            0,
            "否",
        ]
    )
    ws.append(
        [
            "X-3",
            "公式无缓存",
            "外部欺诈",
            "零售银行",
            "示例银行",
            datetime(2024, 3, 1),
            datetime(2024, 3, 5),
            "CNY",
            1,
            "=J4*2",
            "否",
        ]
    )
    ws.append(
        [
            "X-4",
            "错误值",
            "外部欺诈",
            "零售银行",
            "示例银行",
            datetime(2024, 3, 1),
            datetime(2024, 3, 5),
            "CNY",
            "#N/A",
            0,
            "否",
        ]
    )
    ws.append(
        [
            "X-5",
            "合并单元格",
            "外部欺诈",
            "零售银行",
            "示例银行",
            datetime(2024, 3, 1),
            datetime(2024, 3, 5),
            "CNY",
            1,
            0,
            "否",
        ]
    )
    ws.append(
        [
            "X-6",
            "合并单元格",
            "外部欺诈",
            "零售银行",
            None,
            datetime(2024, 3, 1),
            datetime(2024, 3, 5),
            "CNY",
            1,
            0,
            "否",
        ]
    )
    if merged_cells:
        ws.merge_cells("E8:E9")
    for row in ws.iter_rows(min_row=4, min_col=6, max_col=7):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd"
    ws2 = wb.create_sheet("说明")
    ws2.append(["本表由业务部门填写"])
    wb.save(path)
    cache_formula_values(path, {"10+2.5": "12.5"})
    return path
