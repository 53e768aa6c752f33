"""Realistic Chinese demo data, built through the same services as real work.

Deterministic (seeded), so every fresh ``make run`` shows the same customers and cases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import Team, User
from aftersales.accounts.services import user_create
from aftersales.cases import services as case_services
from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseStatus, CaseType
from aftersales.cases.models import Case, CaseEvent, CaseNumberSequence, Comment, IdempotencyRecord
from aftersales.catalog.choices import ServiceLevel, WarrantyStart
from aftersales.catalog.models import Asset, Contract, Product
from aftersales.catalog.services import asset_create, contract_create, product_create
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.customers.models import Contact, Customer, Region, Site
from aftersales.customers.services import (
    contact_create,
    customer_create,
    region_create,
    site_create,
)

DEMO_PASSWORD = "demo12345"  # noqa: S105 - published demo credentials, embedded mode only

REGIONS = [
    ("east", "华东区"),
    ("north", "华北区"),
    ("south", "华南区"),
    ("southwest", "西南区"),
    ("central", "华中区"),
]

CUSTOMERS = [
    ("SH-RMYY", "上海市第一人民医院", "east", "医疗", "上海市虹口区海宁路100号"),
    ("JS-DLNJ", "江苏省电力公司南京供电分公司", "east", "能源", "南京市鼓楼区中山北路251号"),
    ("ZJ-HZBANK", "杭州城市商业银行", "east", "金融", "杭州市上城区庆春路46号"),
    ("BJ-HDZW", "北京市海淀区政务服务中心", "north", "政府", "北京市海淀区四季青路7号"),
    ("TJ-SHPC", "天津石化分公司", "north", "能源", "天津市滨海新区大港石化路"),
    ("GZ-METRO", "广州地铁集团有限公司", "south", "交通", "广州市海珠区新港东路1238号"),
    ("SZ-NSJY", "深圳市南山区教育局", "south", "教育", "深圳市南山区南山大道2076号"),
    ("CD-JGJ", "成都市公安局交通管理局", "southwest", "政府", "成都市青羊区光华村街"),
    ("CQ-CAQC", "重庆长安汽车制造有限公司", "southwest", "制造", "重庆市江北区建新东路260号"),
    ("WH-WHU", "武汉大学信息中心", "central", "教育", "武汉市武昌区八一路299号"),
    ("CS-XYYY", "湘雅第二医院", "central", "医疗", "长沙市芙蓉区人民中路139号"),
    ("XM-AIR", "厦门航空有限公司", "east", "交通", "厦门市湖里区高崎北路22号"),
]

PRODUCTS = [
    ("HX-S7700", "HX-S7700 核心交换机", "network", "华信网络"),
    ("HX-S5720", "HX-S5720 接入交换机", "network", "华信网络"),
    ("HX-AR6000", "HX-AR6000 企业路由器", "network", "华信网络"),
    ("HX-USG6000", "HX-USG6000 下一代防火墙", "security", "华信网络"),
    ("TS-R740", "TS-R740 机架式服务器", "server", "泰山计算"),
    ("TS-OS5300", "TS-OS5300 统一存储", "storage", "泰山计算"),
    ("JM-M607", "JM-M607 黑白激光打印机", "printer", "金马办公"),
    ("JM-UPS20K", "JM-UPS20K 不间断电源", "power", "金马办公"),
    ("HX-AP7060", "HX-AP7060 无线接入点", "network", "华信网络"),
    ("YS-VC800", "YS-VC800 视频会议终端", "video", "云视科技"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "杰",
    "军",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "桂英",
]
TITLES = ["信息科科长", "网络管理员", "运维工程师", "设备处主任", "IT主管", "机房值班员"]
SITE_NAMES = ["主数据中心", "灾备中心", "行政楼机房", "分院机房", "调度中心", "教学楼弱电间"]

FAULTS = {
    "network": [
        "核心交换机端口频繁掉线",
        "堆叠链路中断，部分VLAN不通",
        "设备风扇告警，温度过高",
        "光模块收光异常",
        "配置保存后重启丢失",
    ],
    "security": ["防火墙会话数打满导致业务中断", "VPN隧道无法建立", "特征库升级失败"],
    "server": [
        "服务器硬盘告警，RAID降级",
        "内存ECC错误导致宕机",
        "电源模块故障，单路供电",
        "BMC无法登录",
    ],
    "storage": ["存储控制器切换后性能下降", "磁盘框离线", "快照任务失败"],
    "printer": ["打印机卡纸频繁", "打印字迹模糊，硒鼓异常", "网络打印无法连接"],
    "power": ["UPS电池告警，后备时间不足", "UPS旁路运行无法切回"],
    "video": ["视频会议画面卡顿", "终端无法注册到MCU"],
}
REQUESTS = {
    CaseType.CONSULTATION: ["咨询设备固件升级步骤", "咨询网管软件使用方法", "咨询保修期限如何计算"],
    CaseType.REMOTE_SUPPORT: ["申请远程登录排查性能问题", "远程协助配置ACL策略"],
    CaseType.WARRANTY_CLAIM: ["设备保修期内主板损坏申请索赔", "电源故障申请免费更换"],
    CaseType.RETURN_EXCHANGE: ["到货设备外观破损申请换货", "型号与合同不符申请退货"],
    CaseType.COMPLAINT: ["投诉工程师未按约定时间到场", "投诉故障处理超时影响业务"],
    CaseType.INSTALLATION: ["新到货设备安装调试预约", "扩容板卡上架调试"],
    CaseType.VISIT: ["质保期内季度走访", "年度服务回顾走访"],
    CaseType.MAINTENANCE: ["机房设备季度巡检", "UPS年度预防性维护"],
    CaseType.UPGRADE: ["系统软件升级到新版本", "补丁升级窗口申请"],
}

PATHS: dict[str, list[str]] = {
    CaseStatus.NEW: [],
    CaseStatus.RESPONDED: [CaseStatus.RESPONDED],
    CaseStatus.DIAGNOSING: [CaseStatus.RESPONDED, CaseStatus.DIAGNOSING],
    CaseStatus.DISPATCHED: [CaseStatus.RESPONDED, CaseStatus.DIAGNOSING, CaseStatus.DISPATCHED],
    CaseStatus.IN_PROGRESS: [
        CaseStatus.RESPONDED,
        CaseStatus.DIAGNOSING,
        CaseStatus.DISPATCHED,
        CaseStatus.IN_PROGRESS,
    ],
    CaseStatus.WAITING_CUSTOMER: [CaseStatus.RESPONDED, CaseStatus.WAITING_CUSTOMER],
    CaseStatus.WAITING_PARTS: [
        CaseStatus.RESPONDED,
        CaseStatus.DIAGNOSING,
        CaseStatus.WAITING_PARTS,
    ],
    CaseStatus.RESOLVED: [
        CaseStatus.RESPONDED,
        CaseStatus.DIAGNOSING,
        CaseStatus.IN_PROGRESS,
        CaseStatus.RESOLVED,
    ],
    CaseStatus.CLOSED: [
        CaseStatus.RESPONDED,
        CaseStatus.DIAGNOSING,
        CaseStatus.IN_PROGRESS,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    ],
}
RESOLUTIONS = [
    "更换故障模块后测试正常，客户确认业务恢复。",
    "远程调整配置并保存，观察24小时无异常。",
    "升级固件至最新版本，问题已消除。",
    "更换备件并完成回归测试，已填写服务报告。",
]


@dataclass
class DemoSummary:
    users: int
    customers: int
    assets: int
    contracts: int
    cases: int


def demo_is_loaded() -> bool:
    """Return whether the database already holds customers or cases (real or demo)."""
    return Customer.objects.exists() or Case.objects.exists()


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


@transaction.atomic
def demo_clear() -> None:
    """Delete every customer-side object and case (the demo data, or anything like it)."""
    CaseEvent.objects.all()._raw_delete(CaseEvent.objects.db)  # append-only rows: bulk, no save()
    IdempotencyRecord.objects.all().delete()
    _clear_field_service()
    Comment.objects.all().delete()
    Case.objects.all().delete()
    CaseNumberSequence.objects.all().delete()
    Asset.objects.all().delete()
    Contract.objects.all().delete()
    User.objects.filter(role=UserRole.CUSTOMER_CONTACT).delete()
    Contact.objects.all().delete()
    Site.objects.all().delete()
    Customer.objects.all().delete()
    Team.objects.all().delete()
    Region.objects.all().delete()
    Product.objects.all().delete()


def _staff(username: str, role: str, first: str, last: str, **extra: object) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return user_create(
        by=None,
        username=username,
        role=role,
        password=DEMO_PASSWORD,
        first_name=first,
        last_name=last,
        **extra,
    )


@transaction.atomic
def demo_load(
    *, seed: int = 20261125, now: datetime | None = None, case_count: int = 200
) -> DemoSummary:
    """Create demo regions, staff, customers, products, contracts, assets and cases."""
    rng = random.Random(seed)
    now = now or clock.now()

    _staff("admin", UserRole.ADMIN, "系统", "管理员", email="admin@example.com")
    agents = [
        _staff("agent", UserRole.AGENT, "小美", "陈", email="agent@example.com"),
        _staff("agent2", UserRole.AGENT, "晓东", "刘"),
    ]
    engineers = [
        _staff("eng_zhang", UserRole.ENGINEER, "伟", "张"),
        _staff("eng_li", UserRole.ENGINEER, "强", "李"),
        _staff("eng_wang", UserRole.ENGINEER, "磊", "王"),
        _staff("eng_zhao", UserRole.ENGINEER, "敏", "赵"),
    ]
    _staff("parts", UserRole.PARTS_CLERK, "建国", "孙")
    _staff("inspector", UserRole.INSPECTOR, "晓红", "周")
    supervisors = {}
    regions = {}
    for i, (code, name) in enumerate(REGIONS):
        sup = _staff(f"sup_{code}", UserRole.SUPERVISOR, "主管", name[:2])
        supervisors[code] = sup
        regions[code] = region_create(by=None, code=code, name=name, supervisor=sup)
        if i < 3:
            team = Team.objects.create(
                code=f"{code}-field", name=f"{name}现场服务组", lead=sup, region=regions[code]
            )
            team.members.set([sup, *engineers[i : i + 2]])
    products = {
        code: product_create(by=None, code=code, name=name, category=category, manufacturer=maker)
        for code, name, category, maker in PRODUCTS
    }

    customers: list[Customer] = []
    contacts: dict[int, list[Contact]] = {}
    sites: dict[int, list[Site]] = {}
    for code, name, region, industry, address in CUSTOMERS:
        customer = customer_create(
            by=None,
            code=code,
            name=name,
            region=regions[region],
            industry=industry,
            address=address,
            phone=f"0{rng.randint(10, 99)}-{rng.randint(60000000, 89999999)}",
        )
        customers.append(customer)
        contacts[customer.pk] = [
            contact_create(
                by=None,
                customer=customer,
                name=_name(rng),
                title=rng.choice(TITLES),
                phone=_phone(rng),
                mobile=_phone(rng),
                email=f"{code.lower()}.{n}@example.cn",
                is_primary=n == 0,
            )
            for n in range(rng.randint(2, 3))
        ]
        sites[customer.pk] = [
            site_create(by=None, customer=customer, name=site_name, address=f"{address}{site_name}")
            for site_name in rng.sample(SITE_NAMES, rng.randint(1, 3))
        ]
    # The first two customers get a portal login each.
    for customer in customers[:2]:
        user_create(
            by=None,
            username=f"contact_{customer.code.lower().replace('-', '_')}",
            role=UserRole.CUSTOMER_CONTACT,
            customer=customer,
            password=DEMO_PASSWORD,
            first_name=contacts[customer.pk][0].name[1:],
            last_name=contacts[customer.pk][0].name[:1],
        )

    today = timezone.localdate(now)
    contracts: dict[int, list[Contract]] = {}
    for n, customer in enumerate(customers):
        premium = n % 2 == 0
        # Most contracts are in force; the last customer's ran out a month ago (renewal due).
        start = today - timedelta(days=rng.randint(60, 500))
        years = 3 if premium else 2
        if n == len(customers) - 1:
            start = today - timedelta(days=365 * years + 30)
        contracts[customer.pk] = [
            contract_create(
                by=None,
                number=f"C{'24' if premium else '58'}-{today.year}-{n + 1:03d}",
                customer=customer,
                service_level=ServiceLevel.PREMIUM_7X24 if premium else ServiceLevel.STANDARD_5X8,
                hardware_warranty_months=36 if premium else 12,
                warranty_start=WarrantyStart.FINAL_ACCEPTANCE
                if premium
                else WarrantyStart.PURCHASE,
                software_upgrade_months=36 if premium else 12,
                start_date=start,
                end_date=start + timedelta(days=365 * years),
                region=customer.region,
            )
        ]

    assets: list[Asset] = []
    product_list = list(products.values())
    for i in range(50):
        customer = customers[i % len(customers)]
        product = product_list[rng.randrange(len(product_list))]
        purchase = today - timedelta(days=rng.randint(30, 1200))
        with_contract = i % 7 != 6  # a few assets have no contract
        contract = contracts[customer.pk][0] if with_contract else None
        acceptance = purchase + timedelta(days=rng.randint(20, 90)) if rng.random() < 0.8 else None
        assets.append(
            asset_create(
                by=None,
                serial_number=f"{product.code.split('-')[0]}{purchase:%y%m}{i + 1:05d}",
                product=product,
                customer=customer,
                site=rng.choice(sites[customer.pk]),
                contract=contract,
                purchase_date=purchase,
                delivery_date=purchase + timedelta(days=7),
                installation_date=purchase + timedelta(days=14),
                final_acceptance_date=acceptance if acceptance and acceptance <= today else None,
            )
        )

    statuses = list(CaseStatus)
    types = list(CaseType)
    channels = list(CaseChannel)
    severities = list(CaseSeverity)
    staff_pool = [*agents, *engineers]
    for i in range(case_count):
        asset = assets[rng.randrange(len(assets))]
        customer = asset.customer
        case_type = types[i % len(types)]
        status = statuses[i % len(statuses)]
        if case_type == CaseType.FAULT:
            summary = rng.choice(FAULTS.get(asset.product.category, FAULTS["network"]))
        else:
            summary = rng.choice(REQUESTS[case_type])
        # Open cases are recent; finished ones are spread over the last two months.
        age_hours = (
            rng.uniform(0.5, 48)
            if status in (CaseStatus.NEW, CaseStatus.RESPONDED)
            else rng.uniform(6, 60 * 24)
        )
        reported = now - timedelta(hours=age_hours)
        actor = agents[i % len(agents)]
        with clock.override(reported + timedelta(minutes=rng.randint(1, 10))):
            case = case_services.case_create(
                by=actor,
                customer=customer,
                asset=asset,
                contact=rng.choice(contacts[customer.pk]),
                case_type=case_type,
                channel=channels[i % len(channels)],
                severity=severities[i % len(severities)],
                summary=summary,
                description=(
                    f"{customer.name}{asset.site.name if asset.site else ''}报告：{summary}。"
                    f"设备序列号 {asset.serial_number}。"
                ),
                reported_at=reported,
            )
        moment = reported + timedelta(minutes=15)
        path = PATHS[status]
        if path and i % 4 == 0:
            with clock.override(moment):
                case = case_services.case_update(
                    case=case, by=actor, changes={"assignee": staff_pool[i % len(staff_pool)]}
                )
        at = moment
        for target in path:
            # Most steps come within hours; a few cases drag on (and will show breaches).
            gap = (
                timedelta(minutes=rng.randint(10, 150))
                if target == CaseStatus.RESPONDED
                else timedelta(hours=rng.uniform(0.5, 30 if i % 5 else 90))
            )
            at = min(at + gap, now - timedelta(minutes=1))
            with clock.override(at):
                if target == CaseStatus.RESOLVED:
                    case_services.case_comment(
                        case=case, by=actor, body="已安排工程师处理，请保持电话畅通。"
                    )
                case = case_services.case_transition(
                    case=case,
                    to=target,
                    by=actor,
                    note=rng.choice(RESOLUTIONS) if target == CaseStatus.RESOLVED else "",
                )
        if status == CaseStatus.IN_PROGRESS and i % 3 == 0:
            with clock.override(now - timedelta(minutes=5)):
                case_services.case_comment(
                    case=case, by=actor, body="内部备注：备件已从华东库发出。", public=False
                )

    _demo_warranty(now=now, assets=assets, contracts=contracts, supervisors=supervisors)
    _demo_field_service(
        now=now, engineers=engineers, regions=regions, supervisors=supervisors, assets=assets
    )

    return DemoSummary(
        users=User.objects.count(),
        customers=len(customers),
        assets=len(assets),
        contracts=sum(len(c) for c in contracts.values()),
        cases=case_count,
    )


def _demo_warranty(
    *,
    now: datetime,
    assets: list[Asset],
    contracts: dict[int, list[Contract]],
    supervisors: dict[str, User],
) -> None:
    """Decide some open warranty claims, quote one repair, extend a warranty, renew a contract."""
    from aftersales.catalog.services import contract_renew, warranty_extend
    from aftersales.warranty.services import claim_decide, quote_create

    open_claims = list(
        Case.objects.filter(case_type=CaseType.WARRANTY_CLAIM, status__in=[CaseStatus.NEW])
        .select_related("customer__region", "asset")
        .order_by("reported_at")
    )
    sup = next(iter(supervisors.values()))
    moment = now - timedelta(minutes=30)
    for n, case in enumerate(open_claims[:4]):
        boss = supervisors.get(case.customer.region.code, sup)
        with clock.override(moment):
            try:
                if n % 2 == 0:
                    claim_decide(
                        case=case,
                        by=boss,
                        decision="covered",
                        scope=["manufacturing_defect"],
                        remedy="free_replacement",
                        findings="返厂检测：电源模块焊点虚焊，属制造缺陷。",
                    )
                else:
                    claim_decide(
                        case=case,
                        by=boss,
                        decision="not_covered",
                        scope=["performance_fault"],
                        exclusions=["abnormal_environment"],
                        findings="机房温度长期超过 40℃，设备告警日志可见。",
                    )
            except DomainError:
                # Out of warranty when reported: refuse plainly and quote the repair instead.
                claim_decide(case=case, by=boss, decision="not_covered")
                quote_create(
                    case=case,
                    by=boss,
                    lines=[
                        {
                            "kind": "parts",
                            "description": "电源模块",
                            "quantity": 1,
                            "unit_price": 1800,
                        },
                        {"kind": "labour", "description": "工时", "quantity": 2, "unit_price": 200},
                    ],
                    note="设备已过保，维修需按报价收费。",
                )
    with clock.override(moment):
        warranty_extend(
            by=sup,
            asset=assets[0],
            kind="hardware",
            end=timezone.localdate(now) + timedelta(days=730),
            reason="客户购买两年延保服务包",
            reference="SO-DEMO-001",
        )
        first = next(iter(contracts.values()))[0]
        if first.end_date is not None:
            contract_renew(
                by=sup,
                contract=first,
                end_date=first.end_date + timedelta(days=365),
                reason="客户续签一年",
            )


def _clear_field_service() -> None:
    """Remove what field service keeps that points at demo regions, products and cases."""
    from aftersales.dispatch.models import BackupUnit, EngineerProfile, Loan, Rotation
    from aftersales.notifications.models import OnCallShift

    Loan.objects.all().delete()
    BackupUnit.objects.all().delete()
    OnCallShift.objects.filter(rotation_link__isnull=False).delete()
    Rotation.objects.all().delete()
    EngineerProfile.objects.all().delete()


def _demo_field_service(
    *,
    now: datetime,
    engineers: list[User],
    regions: dict[str, Region],
    supervisors: dict[str, User],
    assets: list[Asset],
) -> None:
    """Engineers' skills and regions, a night on-call rotation, a maintenance plan, loaners."""
    from aftersales.dispatch.models import BackupUnit, EngineerProfile, Rotation, ServicePlan
    from aftersales.dispatch.services import (
        plans_open_due,
        rotation_generate,
        rotation_set_members,
    )

    codes = list(regions)
    lines = [["network", "server"], ["storage", "server"], ["network", "printer"], ["server"]]
    for i, user in enumerate(engineers):
        profile, _ = EngineerProfile.objects.get_or_create(
            user=user,
            defaults={
                "product_lines": lines[i % len(lines)],
                "home_region": regions[codes[i % len(codes)]],
                "capacity": 6,
            },
        )
        profile.regions_served.set([regions[codes[(i + 1) % len(codes)]]])
    sup = next(iter(supervisors.values()))
    local = timezone.localtime(now)
    start = local.replace(hour=18, minute=0, second=0, microsecond=0) - timedelta(days=1)
    rotation, _ = Rotation.objects.get_or_create(
        code="night",
        defaults={"name": "夜间值班（全国）", "starts_at": start, "shift_hours": 24},
    )
    rotation_set_members(rotation=rotation, members=engineers, by=sup)
    rotation_generate(rotation=rotation, until=now + timedelta(days=28), by=sup)
    with_contract = next((a for a in assets if a.contract_id), None)
    if with_contract is not None and with_contract.contract.end_date:
        ServicePlan.objects.get_or_create(
            code="pm-quarterly",
            defaults={
                "name": "季度预防性维护",
                "case_type": "maintenance",
                "contract": with_contract.contract,
                "every_months": 3,
                "starts_on": timezone.localdate(now) + timedelta(days=3),
                "lead_days": 7,
                "checklist": "检查风扇与电源\n清洁防尘网\n导出并检查日志\n核对固件版本",
            },
        )
        with clock.override(now):
            plans_open_due(now=now)
    for n, asset in enumerate(assets[:3]):
        BackupUnit.objects.get_or_create(
            serial_number=f"BK-{asset.product.code}-{n + 1:02d}",
            defaults={"product": asset.product, "region": asset.customer.region},
        )
