"""Seed files and mutations for fuzzing the readers and everything after them.

Seeds are real workbooks (the bundled sample, builder workbooks in both layouts and several variants, the same
tables as .xls, .ods, HTML, SpreadsheetML, GBK CSV, raw-XML xlsx with error cells and formulas, and xlsb).
A case is (seed, mutations), drawn from random.Random(f"{seed}:{case}"): the same case number always builds
the same bytes, so every failure can be replayed with `python -m tests.fuzz.run --replay N`.

Byte-level mutations find what breaks containers (zip directory, OLE sectors, BIFF records); structure-aware ones
decompress an XML part, damage it like a careless tool or an attacker would (huge numbers and counts, far cell
addresses, wrong cell types, removed or repeated tags, entities) and zip it again, so the damage reaches the
XML readers instead of stopping at a CRC check.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from decimal import Decimal
from pathlib import Path

from tests.fuzz.corpus import JS03_DATA, Err, Formula, sheet_xml, xlsb_bytes, xlsx_bytes

_ODD_NUMBERS = [b"1e309", b"-1e309", b"NaN", b"inf", b"99999999999999999999999", b"-0", b"0.000000000000000000001",
                b"4294967296", b"18446744073709551616", b"-1", b"1048577", b"16385", b"\xef\xbc\x91\xef\xbc\x92", b"",
                b"1,234.56", b"(12.30)", b"1e-400", b"12" * 600]
_ODD_TEXT = [b"&lol;", b"&#0;", b"&#x110000;", b"<![CDATA[x]]>", b"\xff\xfe", b"\x00", b"]]>", b"<", b"&", b'"',
             "合计".encode(), "本年支出合计".encode(), "支出决算表".encode(), "单位：元".encode(), "—".encode(), b"#REF!"]
_ATTRS = [(rb'r="[A-Z]+\d+"', [b'r="XFD1048576"', b'r="A0"', b'r="ZZZZ1"', b'r=""', b'r="A99999999999"', b'r="B2"']),
          (rb'\bs="\d+"', [b's="99999"', b's="-1"', b's=""', b's="0"']),
          (rb'\bt="\w+"', [b't="e"', b't="s"', b't="b"', b't="str"', b't="inlineStr"', b't="d"', b't="zz"']),
          (rb'(?:unique)?[cC]ount="\d+"', [b'count="4294967295"', b'uniqueCount="99999999"', b'count="-1"']),
          (rb'ref="[A-Z]+\d+(?::[A-Z]+\d+)?"', [b'ref="A1:XFD1048576"', b'ref="B2:A1"', b'ref="A1"']),
          (rb'number-(?:rows|columns)-repeated="\d+"', [b'number-rows-repeated="1048576"', b'number-columns-repeated="16384"']),
          (rb'(?:rowspan|colspan)="\d+"', [b'rowspan="100000"', b'colspan="0"', b'colspan="-5"']),
          (rb'ss:(?:Index|MergeAcross|MergeDown)="\d+"', [b'ss:Index="1048576"', b'ss:MergeAcross="16384"', b'ss:Index="0"']),
          (rb'sheetId="\d+"', [b'sheetId="1"', b'sheetId="0"']),
          (rb'state="\w+"', [b'state="hidden"', b'state="veryHidden"']),
          (rb'hidden="\w+"', [b'hidden="1"', b'hidden="true"'])]


def seeds(folder: Path) -> list[Path]:
    """Write the seed corpus into `folder` (once; later calls reuse the files) and list it."""
    marker = folder / ".complete"
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _write_seeds(folder)
        marker.write_text("ok")
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _write_seeds(folder: Path) -> None:
    from fixtures.builders import clean_dataset, write_central, write_shanghai
    from tests import formats
    from tests.conftest import JS03_MERGES, js03, write_xlsx

    root = Path(__file__).resolve().parents[2]
    (folder / "sample.xlsx").write_bytes((root / "fixtures" / "sample" / "祁东县行政审批服务局2021年度部门决算公开表.xlsx").read_bytes())
    central = folder / "central.xlsx"
    write_central(clean_dataset(1), central)
    write_shanghai(clean_dataset(2, state_capital=True), folder / "shanghai-stacked.xlsx", stacked=True)
    write_central(clean_dataset(3), folder / "central-text-single.xlsx", code_style="single", amounts_as_text=True,
                  sheet_names="shuffled", seed=3)
    write_shanghai(clean_dataset(4), folder / "shanghai-numeric.xlsx", code_style="split_numeric", total_first=True)
    formats.to_xls(central, folder / "central.xls")
    formats.to_ods(central, folder / "central.ods")
    formats.to_html(central, folder / "central-html.xls", "gbk")
    formats.to_spreadsheetml(central, folder / "central-xml.xls")
    formats.to_csv(central, "支出决算表", folder / "js03-gbk.csv", "gbk")
    formats.to_csv(central, "收入决算表", folder / "js02.tsv", "utf-8-sig", "\t")
    rows = js03([list(r) for r in JS03_DATA])
    rows[9][5] = Err("#REF!")
    rows[10][4] = Formula("F11+G11")
    rows[7][4] = Formula("SUM(E9:E9)", Decimal("100.00"))
    (folder / "js03-raw.xlsx").write_bytes(xlsx_bytes({"支出决算表": sheet_xml(rows, tuple(JS03_MERGES), hidden_rows=(11,))},
                                                      states={}))
    write_xlsx(folder / "js03-openpyxl.xlsx", {"S": js03(JS03_DATA)}, {"S": JS03_MERGES})
    cells = [(r, c, v if isinstance(v, str) else float(v)) for r, row in enumerate(js03([list(x) for x in JS03_DATA]))
             for c, v in enumerate(row) if v is not None]
    (folder / "js03.xlsb").write_bytes(xlsb_bytes(cells, "支出决算表"))


# ── Mutations ─────────────────────────────────────────────────────────────────────────────────────────────────

def mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """Apply one to three mutations; returns the bytes and their names (for the failure log)."""
    names = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        if data[:4] == b"PK\x03\x04" and rng.random() < 0.7:
            name, data = _mutate_zip(data, rng)
        elif data[:1] in (b"<", b"\xef") and rng.random() < 0.6 or _is_text(data) and rng.random() < 0.6:
            name, data = _text_mutation(data, rng)
        else:
            name, data = _byte_mutation(data, rng)
        names.append(name)
    return data, names


def _is_text(data: bytes) -> bool:
    return b"\x00" not in data[:512] and data[:2] not in (b"PK", b"\xd0\xcf")


def _byte_mutation(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    if not data:
        return "grow", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    n = len(data)
    kind = rng.choice(("flip", "flip", "overwrite", "truncate", "insert", "duplicate", "zero", "swap"))
    out = bytearray(data)
    if kind == "flip":
        for _ in range(rng.randrange(1, 20)):
            out[rng.randrange(n)] ^= 1 << rng.randrange(8)
    elif kind == "overwrite":
        at = rng.randrange(n)
        out[at:at + 8] = bytes(rng.choice((0x00, 0xFF, 0x7F, 0x80, rng.randrange(256))) for _ in range(8))
    elif kind == "truncate":
        out = out[: rng.randrange(n)]
    elif kind == "insert":
        at = rng.randrange(n)
        out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    elif kind == "duplicate":
        a = rng.randrange(n)
        b = min(n, a + rng.randrange(1, 4096))
        out[b:b] = out[a:b]
    elif kind == "zero":
        a = rng.randrange(n)
        out[a:a + rng.randrange(1, 2048)] = bytes(min(2048, n - a))
    else:
        a, b = sorted((rng.randrange(n), rng.randrange(n)))
        out[a:b] = out[a:b][::-1]
    return f"bytes:{kind}", bytes(out)


def _mutate_zip(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        parts = {i.filename: src.read(i) for i in src.infolist()}
    except Exception:  # already broken by an earlier mutation: damage the bytes instead
        return _byte_mutation(data, rng)
    names = list(parts)
    xml = [n for n in names if n.endswith((".xml", ".rels"))]
    preferred = [n for n in xml if re.search(r"sheet|sharedStrings|workbook|styles|content", n)]
    kind = rng.choice(("part", "part", "part", "part", "drop", "copy", "rename", "binary"))
    if kind == "part" and (preferred or xml):
        name = rng.choice(preferred or xml)
        label, parts[name] = _text_mutation(parts[name], rng)
        kind = f"{name}:{label}"
    elif kind == "drop" and len(names) > 1:
        del parts[rng.choice(names)]
    elif kind == "copy":
        a, b = rng.choice(names), rng.choice(names)
        parts[b] = parts[a]
    elif kind == "rename":
        a = rng.choice(names)
        parts[rng.choice(("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "content.xml",
                          a.upper(), a + "x"))] = parts.pop(a)
    else:
        name = rng.choice(names)
        label, parts[name] = _byte_mutation(parts[name], rng)
        kind = f"{name}:{label}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (2022, 5, 18, 0, 0, 0)), content, compress_type=zipfile.ZIP_DEFLATED)
    return f"zip:{kind}", buf.getvalue()


_NUMBER = re.compile(rb"(?<=[>\",\t])-?\d+(?:\.\d+)?(?=[<\",\t\r\n])")
_TAG = re.compile(rb"<(\w+:)?(\w+)\b[^>]*>")


def _text_mutation(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    if not data:
        return "text:empty", data
    kind = rng.choice(("number", "number", "attr", "attr", "drop-tag", "repeat-element", "inject", "lines",
                       "truncate", "encoding"))
    if kind == "number":
        found = list(_NUMBER.finditer(data))
        if found:
            m = rng.choice(found)
            return kind, data[: m.start()] + rng.choice(_ODD_NUMBERS) + data[m.end():]
    elif kind == "attr":
        options = [(p, vals) for p, vals in _ATTRS if re.search(p, data)]
        if options:
            pattern, values = rng.choice(options)
            found = list(re.finditer(pattern, data))
            m = rng.choice(found)
            return kind, data[: m.start()] + rng.choice(values) + data[m.end():]
    elif kind == "drop-tag":
        found = list(_TAG.finditer(data))
        if found:
            m = rng.choice(found)
            return kind, data[: m.start()] + data[m.end():]
    elif kind == "repeat-element":
        found = [m for m in re.finditer(rb"<(row|c|si|tr|td|Row|Cell|table:table-row)\b.*?</\1>", data, re.S)][:5000]
        if found:
            m = rng.choice(found)
            return kind, data[: m.end()] + m.group() * rng.choice((1, 2, 50, 2000)) + data[m.end():]
    elif kind == "inject":
        at = rng.randrange(len(data))
        return kind, data[:at] + rng.choice(_ODD_TEXT) + data[at:]
    elif kind == "lines":
        lines = data.split(b"\n")
        if len(lines) > 2:
            i = rng.randrange(len(lines))
            choice = rng.randrange(3)
            if choice == 0:
                del lines[i]
            elif choice == 1:
                lines.insert(i, lines[rng.randrange(len(lines))])
            else:
                lines[i] = lines[i].replace(b",", b"\t") if b"," in lines[i] else lines[i] + b",,,"
            return kind, b"\n".join(lines)
    elif kind == "truncate":
        return kind, data[: rng.randrange(len(data))]
    elif kind == "encoding":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return kind, data.decode("gb18030", "replace").encode("utf-8")
        return kind, text.encode("gb18030", "replace")
    return _byte_mutation(data, rng)
