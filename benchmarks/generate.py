"""Generate documents in the seed's report layout, of any size, from the real section V.

The rows of each kind are the seed's own rows repeated in turn; the 처리결과 총괄
table is rewritten so it matches. The front page (committee, date) is kept.
"""

from __future__ import annotations

from pathlib import Path

from domain.vocabulary import FindingKind

SEED = Path(__file__).resolve().parent.parent / "demo" / "seed_2018_business_report.txt"

_HEADERS = {
    "시정 및 처리 요구사항\t": FindingKind.CORRECTIVE,
    "건의사항\t": FindingKind.RECOMMENDATION,
    "자료제출 등 기타사항\t": FindingKind.OTHER,
}
_SUMMARY_LABELS = {
    FindingKind.CORRECTIVE: "\t시정· 처리요구사항",
    FindingKind.RECOMMENDATION: "\t건의 사항",
    FindingKind.OTHER: "\t기타(자료제출 등)",
}


def _seed_parts() -> tuple[list[str], dict[FindingKind, list[str]], dict[FindingKind, str]]:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    section = next(i for i, line in enumerate(lines) if line.startswith("V. 2017년 행정사무감사"))
    front = lines[:section]
    rows: dict[FindingKind, list[str]] = {k: [] for k in FindingKind}
    headers: dict[FindingKind, str] = {}
    kind: FindingKind | None = None
    for line in lines[section:]:
        header = next((k for prefix, k in _HEADERS.items() if line.startswith(prefix)), None)
        if header is not None:
            kind = header
            headers.setdefault(kind, line.split("\t")[0] + "\t" + line.split("\t")[1])
        elif kind and line.startswith(("<p>○", "○")) and "\t" in line:
            rows[kind].append("\t".join(line.split("\t")[:2]))  # drop flattened duplicates
    return front, rows, headers


def generate(total_rows: int) -> str:
    """A document with ``total_rows`` findings, about 2:1:1 corrective:recommendation:other."""
    front, rows, headers = _seed_parts()
    counts = {
        FindingKind.CORRECTIVE: total_rows // 2,
        FindingKind.RECOMMENDATION: total_rows // 4,
    }
    counts[FindingKind.OTHER] = total_rows - sum(counts.values())
    completed: dict[FindingKind, int] = {}
    body: list[str] = []
    for kind in FindingKind:
        source = rows[kind]
        chosen = [source[i % len(source)] for i in range(counts[kind])]
        completed[kind] = sum("추진상황 : 추진중" not in r for r in chosen)
        for start in range(0, len(chosen), 10):  # a page-break header row every 10 rows
            body.append(headers[kind])
            body.extend(chosen[start : start + 10])
        body.append("")

    def summary_row(label: str, total: int, done: int) -> str:
        return "\t".join([label, str(total), str(done), str(total - done) or "-", "-", "-"])

    all_done = sum(completed.values())
    table = [
        "구 분\t\t계\t완 료\t추진중\t검토중\t미반영",
        summary_row("계\t계", total_rows, all_done),
        *(summary_row(_SUMMARY_LABELS[k], counts[k], completed[k]) for k in FindingKind),
    ]
    section = [
        "V. 2017년 행정사무감사 처리결과",
        "",
        "1 처리결과 총괄",
        "",
        f"수감결과 처리요구사항 등 총 {total_rows}건",
        "",
        "조치내역",
        "",
        *table,
        "",
    ]
    return "\n".join(front + section + body)
