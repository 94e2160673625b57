"""Demo proposals (提案) of the first branch: a current term with representatives,
three handling offices, and proposals of the demo member and their colleagues in
every state, one of them sent back once after a 不满意 rating. Idempotent:
nothing is added once the branch has a term."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from members.models import Member

from . import services
from .models import Term


def _with_account(member):
    if member.user_id is None:
        member.user = get_user_model().objects.create_user(
            username=f"demo-{member.staff_number}", email="", password=None
        )
        member.save(update_fields=["user"])
    return member.user


def load_demo_proposals(*, branch, officer, chair, member):
    if Term.objects.filter(branch=branch).exists():
        return
    today = timezone.localdate()
    start, end = today - timedelta(days=200), today + timedelta(days=900)
    term = services.term_save(
        actor=officer, branch_id=branch.pk, name="第五届", start=start, end=end
    )
    colleagues = list(
        Member.objects.filter(branch=branch, status=Member.Status.ACTIVE)
        .exclude(pk=member.pk)
        .exclude(user=officer)
        .exclude(user=chair)
        .order_by("staff_number")[10:16]
    )
    users = [_with_account(m) for m in colleagues]
    for index, rep in enumerate([member, *colleagues[:3]]):
        services.representative_add(actor=officer, term=term, member=rep,
                                    delegation=f"第{'一二'[index % 2]}代表团")  # fmt: skip
    office_contact = users[5]
    offices = {
        name: services.office_save(
            actor=officer, branch_id=branch.pk, name=name, contacts=contacts
        )  # fmt: skip
        for name, contacts in [
            ("学院办公室", [officer]),
            ("教务办", [office_contact]),
            ("后勤处", [office_contact]),
        ]  # fmt: skip
    }
    me = member.user

    def proposal(title, body, proposer=me, until="draft", office="学院办公室", **extra):
        made = services.proposal_create(actor=proposer, title=title, body=body)
        if until == "draft":
            return made
        services.proposal_open(actor=proposer, proposal=made)
        signers = [u for u in [me, *users[:4]] if u != proposer][:2]
        for signer in signers[: 1 if until == "collecting" else 2]:
            services.cosign(actor=signer, proposal=made)
        if until == "collecting":
            return made
        services.proposal_submit(actor=proposer, proposal=made)
        if until == "submitted":
            return made
        services.review_start(actor=chair, proposal=made)
        if until == "under_review":
            return made
        if until in ("suggestion", "not_accepted"):
            return services.proposal_decide(actor=chair, proposal=made, decision=until,
                                            reason=extra["reason"])  # fmt: skip
        services.proposal_decide(actor=chair, proposal=made, decision="accepted")
        if until == "accepted":
            return made
        services.proposal_assign(actor=chair, proposal=made, office=offices[office])
        if until == "assigned":
            return made
        contact = offices[office].contacts.first()
        services.proposal_answer(actor=contact, proposal=made, text=extra["answer"])
        if until == "answered":
            return made
        if "second" in extra:
            services.proposal_rate(actor=proposer, proposal=made, rating="dissatisfied",
                                   reason=extra["why"])  # fmt: skip
            services.proposal_answer(actor=contact, proposal=made, text=extra["second"])
        return services.proposal_rate(actor=proposer, proposal=made, rating=extra["rating"])

    proposal(
        "关于增加教工健身房开放时间的提案",
        "健身房晚上 8 点关闭，下班较晚的教师无法使用。建议延长至 21:30。",
    )
    proposal("关于改善二号教学楼饮水设施的提案", "二号楼仅一层有饮水机。建议每层设置一台。",
             until="collecting")  # fmt: skip
    proposal("关于青年教师住房补贴的提案", "青年教师租房压力大。建议学院争取学校住房补贴政策。",
             proposer=users[0], until="submitted")  # fmt: skip
    proposal("关于规范教研室活动经费使用的提案", "各教研室经费使用标准不一。建议制定统一细则。",
             proposer=users[1], until="under_review")  # fmt: skip
    proposal("关于设立教工子女暑期托管班的提案", "暑期双职工家庭子女无人照看。建议合办托管班。",
             until="suggestion", reason="涉及校级资源，转为建议报校工会统筹考虑。")  # fmt: skip
    proposal("关于提高个人课时津贴的提案", "建议课时津贴标准提高 30%。",
             proposer=users[2], until="not_accepted",
             reason="课时津贴由学校统一规定，不属于学院职权范围。")  # fmt: skip
    proposal("关于更新多媒体教室设备的提案", "部分教室投影仪老化，影响教学。建议分批更新。",
             until="accepted")  # fmt: skip
    proposal("关于增开早高峰校车班次的提案", "7 点前后校车满员。建议加开一班。",
             until="assigned", office="后勤处")  # fmt: skip
    proposal("关于优化期末监考安排的提案", "监考任务分配不均。建议按课时比例分配。",
             until="answered", office="教务办",
             answer="下学期起监考任务按课时比例分配，并在系统中公示。")  # fmt: skip
    proposal("关于食堂延长晚餐供应时间的提案", "加班教师多，食堂 18:30 停止供应。建议延至 19:30。",
             until="closed", office="后勤处", answer="将与餐饮公司研究。",
             why="没有具体时间表。", second="自下月 1 日起，第一食堂晚餐供应延至 19:30。",
             rating="fairly")  # fmt: skip
    proposal("关于办公室网络提速的提案", "办公网络高峰时段缓慢。建议扩容。", proposer=users[3],
             until="closed", office="学院办公室", answer="已与网络中心协调，带宽已扩容一倍。",
             rating="satisfied")  # fmt: skip


def load_demo_polls(*, branch, officer, member):
    """Demo polls of the first branch: an open poll for all members (not secret)
    with every kind of question, and a closed secret poll with at least 20
    ballots cast through the vote service (so it has results). Idempotent:
    nothing is added once the branch has a poll."""
    from datetime import timedelta

    from .models import Poll

    if Poll.objects.filter(branch=branch).exists():
        return
    now = timezone.now()
    canteen = [
        {"kind": "single", "text": "您最常去哪个食堂？",
         "options": ["第一食堂", "第二食堂", "临港食堂"]},
        {"kind": "multiple", "text": "希望增加哪些品类？（最多两项）",
         "options": ["面食", "清真", "素食", "粤菜"], "max_choices": 2},
        {"kind": "rating", "text": "对食堂的总体评分", "options": []},
        {"kind": "text", "text": "其他意见或建议", "options": [], "required": False},
    ]  # fmt: skip
    open_poll = services.poll_save(
        actor=officer, branch_id=branch.pk, title="教工食堂满意度调查",
        description="请在周五前填写，结果将在问卷结束后公布。", opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=6), questions=canteen,
    )  # fmt: skip
    services.poll_publish(actor=officer, poll=open_poll)

    # The secret poll ran last week: it is saved, published and answered with
    # the clock of then, and closed since.
    opened, then = now - timedelta(days=10), now - timedelta(days=9)
    secret = services.poll_save(
        actor=officer, branch_id=branch.pk, title="分工会年度工作满意度测评（不记名）",
        description="不记名投票：谁投了什么，任何人都无法知道。", secret=True,
        opens_at=opened, closes_at=now - timedelta(days=3), now=then,
        questions=[
            {"kind": "single", "text": "您对本年度分工会工作的总体评价",
             "options": ["满意", "基本满意", "不满意"]},
            {"kind": "multiple", "text": "明年最希望加强哪些工作？",
             "options": ["文体活动", "困难帮扶", "权益维护", "福利发放"], "max_choices": 2},
            {"kind": "rating", "text": "分工会委员的服务态度", "options": []},
            {"kind": "text", "text": "对分工会的建议", "options": [], "required": False},
        ],
    )  # fmt: skip
    secret = services.poll_publish(actor=officer, poll=secret, now=then)
    single, multiple, rating, text = secret.questions.all()
    ones, manies = list(single.options.all()), list(multiple.options.all())
    voters = [member, *Member.objects.filter(branch=branch, status=Member.Status.ACTIVE)
              .exclude(pk=member.pk).order_by("staff_number")[:23]]  # fmt: skip
    suggestions = ["多组织跨校区活动", "帮扶要更及时", "", "希望公开经费使用"]
    for index, voter in enumerate(voters):
        services.poll_vote(
            actor=_with_account(voter), poll=secret, now=then + timedelta(minutes=index),
            answers={
                single.pk: ones[[0, 0, 1, 0, 2, 1][index % 6]].pk,
                multiple.pk: [manies[index % 4].pk, manies[(index + 1) % 4].pk],
                rating.pk: [5, 4, 4, 3, 5][index % 5],
                text.pk: suggestions[index % 4],
            },
        )  # fmt: skip
