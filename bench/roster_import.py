"""A 20 000-row HR roster imported the way an officer does it: the XLSX uploaded and
checked (the preview), then the import job run (checks every row again, writes them
all in one transaction). Time and the process's peak memory are measured in a
process of their own (`python -m bench.roster_import '<json>'`), as a worker would
run the job. Run by bench/run.py (stage "roster_import"); prints one JSON line."""

import io
import json
import resource
import secrets
import sys
import time
from datetime import date, timedelta

BRANCH_NAME = "名册导入速度测试分工会"
DEPARTMENTS = ["软件工程系", "计算机科学系", "网络工程系", "数据科学系", "学院办公室"]
CAMPUSES = ["江湾校区", "临港校区"]
HEADER = [
    "工号", "姓名", "性别", "出生日期", "部门", "校区", "职务", "入会日期", "邮箱", "手机",
    "状态", "会员代表", "困难职工", "民族", "政治面貌", "身份证号", "备注",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"


def workbook_bytes(rows: int) -> bytes:
    """An HR export: date cells, numbers, text dates in every form, and the columns
    HR keeps that the portal does not (民族, 身份证号…)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(HEADER)
    text_dates = ["{y}/{m}/{d}", "{y}.{m}.{d}", "{y}年{m}月{d}日", "{y}-{m:02d}-{d:02d}"]
    for n in range(rows):
        name = SURNAMES[n % 20] + GIVEN[n % len(GIVEN)] + GIVEN[(n // len(GIVEN)) % len(GIVEN)]
        joined = date(1990, 1, 1) + timedelta(days=n % 12_000)
        born = date(1960, 1, 1) + timedelta(days=(n * 7) % 14_000)
        joined_cell = (
            joined
            if n % 5 == 0
            else text_dates[n % 4].format(y=joined.year, m=joined.month, d=joined.day)
        )
        sheet.append([
            f"R{n:06d}", name,
            "男" if n % 2 else "女", born, DEPARTMENTS[n % 5], CAMPUSES[n % 2],
            "讲师", joined_cell, f"b{n:06d}@bench.example.cn", 13_900_000_000 + n,
            "在册", "否", "否", "汉族", "群众", f"110105196001{n:06d}", "",
        ])  # fmt: skip
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def prepare():
    from django.contrib.auth import get_user_model

    from members.models import Branch, BranchRole, Campus, Department

    branch = Branch.objects.create(name=BRANCH_NAME, short_name="导入测试")
    for name in DEPARTMENTS:
        Department.objects.create(branch=branch, name=name)
    for name in CAMPUSES:
        Campus.objects.get_or_create(name=name)
    token = secrets.token_hex(4)
    officer = get_user_model().objects.create(
        username=f"bench-import-{token}", email=f"bench-import-{token}@example.cn"
    )
    BranchRole.objects.create(user=officer, branch=branch, role="officer")
    return branch, officer


def peak_mb() -> float:
    """This program's peak RSS. Not ru_maxrss: Linux keeps the larger of it and the
    parent's across fork and exec, so it said the 390 MB of bench/run.py (which had
    built the data set) before the import had read a byte."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_import(branch, officer, content):
    from members import services
    from members.models import RosterImport

    t0 = time.perf_counter()
    job = services.roster_import_upload(
        actor=officer, branch=branch, filename="花名册.xlsx", content=content, check_now=True
    )
    t1 = time.perf_counter()
    services.roster_import_confirm(actor=officer, roster_import=job, queue=False)
    services.roster_import_run(roster_import_id=job.pk)
    t2 = time.perf_counter()
    job = RosterImport.objects.get(pk=job.pk)
    return {
        "check_seconds": t1 - t0,
        "job_seconds": t2 - t1,
        "status": job.status,
        "counts": job.counts,
        "ignored": job.summary.get("ignored"),
        "file_left": bool(job.file),
        "peak_mb": peak_mb(),
        "cpu_seconds": cpu_seconds(),
    }


def cleanup(branch, officer):
    from members.models import Branch, BranchRole, Member, RosterImport

    if branch is not None:
        Member.objects.filter(branch=branch).delete()
        RosterImport.objects.filter(branch=branch).delete()
        BranchRole.objects.filter(branch=branch).delete()
        branch.departments.all().delete()
        Branch.objects.filter(pk=branch.pk).delete()
    if officer is not None:
        officer.delete()


def main(rows: int) -> dict:
    import django

    django.setup()
    from members.models import Branch

    baseline = peak_mb()
    content = workbook_bytes(rows)
    cleanup(Branch.objects.filter(name=BRANCH_NAME).first(), None)  # an interrupted run's
    branch, officer = prepare()
    try:
        first = run_import(branch, officer, content)
        again = run_import(branch, officer, content)  # the same file: nothing changes
    finally:
        cleanup(branch, officer)
    return {
        "rows": rows,
        "file_bytes": len(content),
        "baseline_mb": baseline,
        "first": first,
        "again": again,
    }


if __name__ == "__main__":
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    print(json.dumps(main(options.get("rows", 20_000)), ensure_ascii=False))
