"""Regions, salespeople and the demo logins (docs/roles.md §1, §4).

Logins, all with password `demo`: `admin` (admin group, staff, superuser), `manager` (manager group, marked
company-wide: sees all), `manager_south` (manager limited to 广东 through ManagerRegion) and `sales1`..`salesN`
(salespeople).
"""

import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from customers.models import ManagerRegion, Region
from customers.roles import ADMIN, MANAGER
from customers.services import company_wide_group, region_get_or_create, roles_ensure, salesperson_get_or_create

PASSWORD = "demo"  # noqa: S105 - the documented demo password, only ever set by seed_demo
SOUTH_PROVINCE = "广东"

# province -> city -> districts; customers live in districts.
REGIONS: dict[str, dict[str, list[str]]] = {
    "广东": {"广州": ["天河", "越秀", "海珠", "白云"], "深圳": ["南山", "福田", "宝安"], "佛山": ["禅城", "南海"]},
    "广西": {"南宁": ["青秀", "西乡塘"], "柳州": ["城中", "鱼峰"]},
    "福建": {"福州": ["鼓楼", "台江"], "厦门": ["思明", "湖里"]},
    "湖南": {"长沙": ["岳麓", "芙蓉", "天心"], "株洲": ["天元"]},
}
# Heavier weight on the home province: the distributor is based in Guangzhou.
PROVINCE_WEIGHT = {"广东": 0.45, "广西": 0.18, "福建": 0.2, "湖南": 0.17}

# (name, city the salesperson covers, mobile); sales1 covers part of Guangzhou so it owns some, not all.
SALESPEOPLE = [
    ("张伟", "广东/广州", "+8613800138001"),
    ("王芳", "广东/广州", "+8613800138002"),
    ("李娜", "广东/深圳", "+8613900139003"),
    ("刘洋", "广东/佛山", "+8613700137004"),
    ("陈静", "广西/南宁", "+8615800158005"),
    ("杨磊", "广西/柳州", "+8615900159006"),
    ("赵敏", "福建/福州", "+8618600186007"),
    ("黄强", "福建/厦门", "+8618800188008"),
    ("周杰", "湖南/长沙", "+8613500135009"),
    ("吴婷", "湖南/株洲", "+8613600136010"),
]


@dataclass(frozen=True)
class People:
    """The district regions customers are placed in and the salesperson covering each."""

    district_ids: list[int]
    district_paths: list[str]
    district_weights: list[float]
    # per district: the salespeople (ids) covering its city, in SALESPEOPLE order
    district_salespeople: list[list[int]]
    salesperson_ids: list[int]


def people_ensure() -> People:
    """Create (or reuse) regions, salespeople and demo logins; deterministic order throughout."""
    roles = roles_ensure()
    paths, ids, weights = [], [], []
    for province, cities in REGIONS.items():
        n_districts = sum(len(d) for d in cities.values())
        for city, districts in cities.items():
            for district in districts:
                path = f"{province}/{city}/{district}"
                paths.append(path)
                region = region_get_or_create(path)
                if region is None:  # cannot happen: the demo's paths are never blank
                    raise ValueError(f"blank demo region path: {path!r}")
                ids.append(region.id)
                weights.append(PROVINCE_WEIGHT[province] / n_districts)
    salespeople = []
    for i, (name, city, mobile) in enumerate(SALESPEOPLE, start=1):
        sp = salesperson_get_or_create(name, username=f"sales{i}")
        if sp is None:  # cannot happen: the demo's names are never blank
            raise ValueError(f"blank demo salesperson name: {name!r}")
        sp.mobile = mobile
        sp.region = Region.objects.get(path=city)
        sp.save(update_fields=["mobile", "region"])
        _set_password(sp.user)
        salespeople.append(sp)
    by_city = [[sp.id for sp, (_, city, _) in zip(salespeople, SALESPEOPLE, strict=True)
                if path.startswith(city + "/")] for path in paths]
    _logins(roles)
    return People(ids, paths, weights, by_city, [sp.id for sp in salespeople])


def _set_password(user) -> None:
    user.password = _demo_hash()
    user.is_active = True
    user.save(update_fields=["password", "is_active"])


def _logins(roles) -> None:
    user_model = get_user_model()
    # A display name, as the managers have: the back office greets its user by name, not by login.
    admin, _ = user_model.objects.get_or_create(username="admin", defaults={"first_name": "系统管理员"})
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    admin.groups.add(roles[ADMIN])
    _set_password(admin)
    for username, first_name in (("manager", "总经理"), ("manager_south", "华南区经理")):
        user, _ = user_model.objects.get_or_create(username=username, defaults={"first_name": first_name})
        user.groups.add(roles[MANAGER])
        _set_password(user)
    # `manager` sees the whole company because it is marked so: a manager with no region sees nothing.
    user_model.objects.get(username="manager").groups.add(company_wide_group())
    south = user_model.objects.get(username="manager_south")
    ManagerRegion.objects.get_or_create(user=south, region=Region.objects.get(path=SOUTH_PROVINCE))


@functools.cache
def _demo_hash() -> str:
    # One hash for every demo login: PBKDF2 costs ~0.3 s a time, and the password is public anyway.
    return make_password(PASSWORD)
