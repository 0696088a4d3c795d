"""Regenerate the hostile ingestion corpus in this directory: ``python make_corpus.py``.

The text files are committed (they are tiny); their bytes matter (encodings, BOMs, a missing
final newline), so they are written from here rather than by an editor. XLSX files are built
by test fixtures (``tests/ingest/conftest.py``).
"""

from __future__ import annotations

import codecs
from pathlib import Path

HERE = Path(__file__).parent


def write(name: str, text: str, encoding: str = "utf-8", *, bom: bytes = b"") -> None:
    (HERE / name).write_bytes(bom + text.encode(encoding))


# A clean canonical incidents file: the documented example.
INCIDENTS_EXAMPLE = """\
external_id,title,description,event_type,event_type_l2,cause,business_line,legal_entity,lei,org_unit,occurred_on,discovered_on,accounted_on,currency,gross_loss,recovery_insurance,recovery_other,near_miss,gain,credit_boundary,market_boundary,legal,root_external_id,deleted,exclusion_reference
INC-0001,Card skimming at ATM,"Skimming devices found on three ATMs; 41 customers reimbursed.",ET2,ET2.1,external,BL3,Example Bank AG,5493001KJTIIGC8Y1R12,Retail Ops,2024-01-10,2024-01-15,2024-01-31,EUR,48250.00,0,12000.00,false,false,false,false,false,,false,
INC-0002,Payment sent twice,Batch re-run duplicated 212 SEPA transfers; most recalled.,Execution Delivery and Process Management,Transaction Capture Execution and Maintenance,process,Payment and Settlement,Example Bank AG,,Payments,2024-02-02,2024-02-02,2024-02-29,EUR,1250000,0,1180000,false,false,false,false,false,,false,
INC-0003,Mis-selling complaint,Structured notes sold to retail clients without suitability checks.,ET4,ET4.1,people,BL8,Example Bank AG,,Wealth,2022-06-01,2024-03-05,2024-03-31,EUR,2300000,500000,0,false,false,false,false,true,,false,
INC-0004,Mis-selling complaint (branch 2),Same product sold in a second branch.,ET4,ET4.1,people,BL8,Example Bank AG,,Wealth,2022-06-01,2024-03-07,2024-03-31,EUR,350000,0,0,false,false,false,false,true,INC-0003,false,
INC-0005,Server room flooding,Burst pipe; hardware replaced.,Damage to Physical Assets,,external,BL9,Example Bank AG,,IT,2024-04-12,2024-04-12,2024-04-30,EUR,87000,87000,0,false,false,false,false,false,,false,
INC-0006,Near miss: wrong FX rate,Caught by four-eyes check before settlement.,ET7,ET7.1,process,Trading and Sales,Example Bank AG,,Markets,2024-05-03,2024-05-03,,EUR,0,0,0,true,false,false,true,false,,false,
INC-0007,Duplicate of INC-0001,Entered twice by mistake; withdrawn.,ET2,,,BL3,Example Bank AG,,Retail Ops,2024-01-10,2024-01-15,,EUR,0,0,0,false,false,false,false,false,,true,
"""

# Every row but the first breaks a rule (see test_ingest_corpus.py for the expected rejects).
BAD_ROWS = """\
external_id,title,event_type,business_line,legal_entity,occurred_on,discovered_on,currency,gross_loss,recovery_insurance,recovery_other,gain
B-1,fine,ET2,BL3,Bank,2024-01-01,2024-01-02,EUR,100,0,0,
,blank id,ET2,BL3,Bank,2024-01-01,2024-01-02,EUR,100,0,0,
B-1,duplicate id,ET2,BL3,Bank,2024-01-01,2024-01-02,EUR,100,0,0,
B-4,unknown label,Cyber Fraud,Retail Bankking,Bank,2024-01-01,2024-01-02,EUR,100,0,0,
B-5,impossible date,ET2,BL3,Bank,2024-01-01,2025-02-30,EUR,100,0,0,
B-6,discovery before occurrence,ET2,BL3,Bank,2024-03-01,2024-02-01,EUR,100,0,0,
B-7,negative amount,ET2,BL3,Bank,2024-01-01,2024-01-02,EUR,-100,0,0,
B-8,non-numeric amount,ET2,BL3,Bank,2024-01-01,2024-01-02,EUR,lots,0,0,
B-9,recoveries above gross,ET2,BL3,Bank,2024-01-01,2024-01-02,EUR,100,80,30,
B-10,gain flag allows it,ET2,BL3,Bank,2024-01-01,2024-01-02,EUR,100,80,30,yes
B-11,future discovery,ET2,BL3,Bank,2024-01-01,2031-01-01,EUR,100,0,0,
B-12,many problems,ET99,BL3,Bank,2024-01-01,not a date,EURO,1.2.3,-1,0,perhaps
   ,whitespace id,ET2,BL3,Bank,2024-01-01,2024-01-02,EUR,100,0,0,
"""

# Chinese headers, GB18030 bytes, amounts in 万元, Chinese dates and labels.
ZH_CN = """\
事件编号,事件名称,事件描述,损失事件类型,业务条线,原因/风险成因,法人机构,发生日期,发现日期,入账日期,币种,损失金额(万元),保险赔付(万元),其他回收(万元),已删除
ZH-001,ATM盗刷,客户银行卡在ATM被盗刷,外部欺诈,零售银行,外部事件,示例银行股份有限公司,2024年3月1日,2024年3月5日,2024年3月31日,人民币,12.5,0,2,否
ZH-002,系统宕机,核心系统宕机四小时,信息科技系统事件,商业银行,系统,示例银行股份有限公司,2024/4/2,2024/4/2,2024/4/30,CNY,"1,030.25",0,0,否
ZH-003,内部人员挪用资金,柜员挪用客户资金,內部欺詐,零售銀行,人员,示例银行股份有限公司,2023年11月20日,2024年1月8日,2024年1月31日,元,88,0,30,否
ZH-004,录入错误,交易金额录入错误,执行、交割和流程管理事件,交易和销售,流程,示例银行股份有限公司,2024年5月6日,2024年5月6日,,,0.8,0,0,是
ZH-005,未知类型,类型填写错误,网络诈骗,零售银行,外部事件,示例银行股份有限公司,2024年6月1日,2024年6月2日,,,1,0,0,否
ZH-006,日期错误,发现早于发生,外部欺诈,零售银行,外部事件,示例银行股份有限公司,2024年6月10日,2024年6月2日,,,1,0,0,否
"""

# UTF-8 with BOM, semicolons, European decimals and thousands, € symbols, day-first dates.
EUROPEAN = """\
External ID;Title;Event Type;Business Line;Legal Entity;Occurrence Date;Discovery Date;Gross Loss;Insurance Recovery
EU-1;Betrug;ET2;BL3;Beispielbank AG;05.03.2024;07.03.2024;1.234,56 €;0
EU-2;Fehlbuchung;ET7;BL5;Beispielbank AG;01.02.2024;01.02.2024;€ 12.000;"2.000,50"
EU-3;falsches Format;ET7;BL5;Beispielbank AG;01.02.2024;01.02.2024;1,234.56;0
EU-4;Tausender ohne Dezimal;ET7;BL5;Beispielbank AG;01.02.2024;01.02.2024;"1.000.000";0
"""
EUROPEAN_TOML = """\
extends = "canonical"
date_formats = ["%d.%m.%Y"]
decimal = ","
thousands = "."

[defaults]
currency = "EUR"
"""

# UTF-16 (BOM), tab-delimited, quoted multi-line description.
UTF16_TAB = (
    "external_id\ttitle\tdescription\tevent_type\tbusiness_line\tlegal_entity\tdiscovered_on\tcurrency\tgross_loss\r\n"
    'U-1\tLine one\t"first line\r\nsecond line"\tET6\tBL4\tBank\t2024-02-01\tUSD\t$1,500.00\r\n'
    "U-2\tSecond\tplain\tET6\tBL4\tBank\t2024-02-02\tUSD\t£20\r\n"
    "U-3\tThird\tplain\tET6\tBL4\tBank\t2024-02-03\t\tUS$ 7\r\n"
)

# Pipe-delimited, thousands separators and currency symbols/codes in the amounts.
PIPES = """\
external_id|event_type|business_line|legal_entity|discovered_on|currency|gross_loss
P-1|ET1|BL2|Bank|2024-01-05||¥1,000,000
P-2|ET1|BL2|Bank|2024-01-05||RMB 2,500.50
P-3|ET1|BL2|Bank|2024-01-05||3,000元
P-4|ET1|BL2|Bank|2024-01-05|GBP|£1,250
P-5|ET1|BL2|Bank|2024-01-05|USD|€100
P-6|ET1|BL2|Bank|2024-01-05||(1,000.00)
P-7|ET1|BL2|Bank|2024-01-05|JPY|1,00,000
"""

# The last record opens a quote and the file ends (no final newline either).
TRUNCATED = (
    "external_id,title,event_type,business_line,legal_entity,discovered_on,currency,gross_loss,description\n"
    "T-1,ok,ET2,BL3,Bank,2024-01-02,EUR,10,fine\n"
    'T-2,"multi\nline title",ET2,BL3,Bank,2024-01-02,EUR,20,fine\n'
    'T-3,cut,ET2,BL3,Bank,2024-01-02,EUR,30,"the export stopped here'
)

MALFORMED_JSONL = """\
{"external_id": "J-1", "event_type": "ET2", "business_line": "BL3", "legal_entity": "Bank", "discovered_on": "2024-01-02", "currency": "EUR", "gross_loss": 10.50}
{"external_id": "J-2", "event_type": "ET2", "business_line": "BL3", "legal_entity": "Bank", "discovered_on": "2024-01-02", "currency": "EUR", "gross_loss":
[1, 2, 3]

{"external_id": "J-4", "event_type": "ET2", "business_line": "BL3", "legal_entity": "Bank", "discovered_on": "2024-01-02", "currency": "EUR", "gross_loss": "1e400", "near_miss": true}
{"external_id": "J-5", "event_type": "ET2", "business_line": "BL3", "legal_entity": "Bank", "discovered_on": "2024-01-02", "currency": "EUR", "gross_loss": 0.1, "near_miss": false, "deleted": null}
"""

MOVEMENTS = """\
external_id,line_id,kind,amount,currency,accounted_on,received
INC-0001,L-1,loss,48250.00,EUR,2024-01-31,
INC-0001,L-2,insurance recovery,12000,EUR,2024-03-31,false
INC-0002,L-3,provision,1250000,EUR,2024-02-29,
INC-0002,L-4,Provision Release,70000,EUR,2024-06-30,
INC-0002,L-3,cost,10,EUR,2024-06-30,
INC-0002,L-6,refund,10,EUR,2024-06-30,
INC-0002,L-7,loss,0,EUR,2024-06-30,
INC-0002,L-8,loss,-5,EUR,2024-06-30,
INC-0002,L-9,cost,5,EUR,,
INC-0002,L-10,cost,5,EUR,2024-06-30,false
"""

FINANCIALS = """\
legal_entity,year,item,business_line,amount,currency
Example Bank AG,2023,gross_income,BL3,"1,200,000,000",EUR
Example Bank AG,2023,gross_income,,"-5,000,000",EUR
Example Bank AG,2023,loans_and_advances,Retail Banking,"30,000,000,000",EUR
Example Bank AG,2023,loans_and_advances,BL2,"1,000",EUR
Example Bank AG,2023,interest_income,,"900,000,000",EUR
Example Bank AG,2023,interest_income,,"900,000,000",EUR
Example Bank AG,2023,fee_expense,,-10,EUR
Example Bank AG,2023,net_pnl_trading_book,,-2500000,EUR
Example Bank AG,2023,interest_expense,BL3,10,EUR
Example Bank AG,2023,dividends,,10,EUR
Example Bank AG,2051,gross_income,,10,EUR
"""


def main() -> None:
    write("incidents_example.csv", INCIDENTS_EXAMPLE)
    write("bad_rows.csv", BAD_ROWS)
    write("zh_CN_incidents_gb18030.csv", ZH_CN, "gb18030")
    write("european_semicolon.csv", EUROPEAN, bom=codecs.BOM_UTF8)
    write("european.toml", EUROPEAN_TOML)
    write("utf16_tab.txt", UTF16_TAB, "utf-16")  # Python writes the BOM for "utf-16"
    write("utf16be_bom.tsv", UTF16_TAB, "utf-16-be", bom=codecs.BOM_UTF16_BE)
    write("pipes_symbols.csv", PIPES)
    write("truncated.csv", TRUNCATED)
    write("malformed.jsonl", MALFORMED_JSONL)
    write("movements.csv", MOVEMENTS)
    write("financials.csv", FINANCIALS)
    write("empty.csv", "")
    write(
        "header_only.csv",
        "external_id,event_type,business_line,legal_entity,discovered_on,currency,gross_loss\n",
    )
    (HERE / "undecodable.csv").write_bytes(b"external_id,title\nX-1,caf\xff\xfe\x80\n")


if __name__ == "__main__":
    main()
