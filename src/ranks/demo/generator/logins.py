"""Pure: the demo's logins: a user at each level, from the province down to a cell."""

from __future__ import annotations

from ranks.demo.generator.plan import GrantPlan, LoginPlan
from ranks.org.adminunits import NewProvince, OldProvince

# The demo's own focus where the province has it: the district and commune of the seeds.
FOCUS = {"Hải Dương": ("Thanh Miện", "Phạm Kha")}


def plan_logins(
    old: OldProvince, new: NewProvince, same: bool, new_code: dict[str, str]
) -> list[LoginPlan]:
    """Demo users at each level: province, district, two communes, a cell (its secretary, an officer there); and a superuser."""
    P, NP = old.unit_code, new.unit_code
    district_name, commune_name = FOCUS.get(old.short, (None, None))
    district = next((d for d in old.districts if d.short == district_name), None)
    if district is None:
        rural = [d for d in old.districts if d.type == "Huyện"] or list(old.districts)
        district = rural[0]
    commune = next((c for c in district.communes if c.short == commune_name), None)
    if commune is None:
        commune = next((c for c in district.communes if not c.urban), district.communes[0])
    first_new = new_code[commune.new_default]
    other_new = new_code[district.seat().new_default]
    if other_new == first_new:
        other_new = (
            next(
                new_code[c.new_default]
                for d in old.districts
                for c in d.communes
                if new_code[c.new_default] != first_new
            )
            if len(new_code) > 1
            else first_new
        )
    province_grants = [GrantPlan("manager", P, True)]
    if not same:
        province_grants.append(GrantPlan("manager", NP, True))
    return [
        LoginPlan("admin", superuser=True),
        LoginPlan("tinh", grants=tuple(province_grants)),
        LoginPlan("huyen", grants=(GrantPlan("officer", f"{P}-H{district.code}"),)),
        LoginPlan(
            "xa1",
            grants=(
                GrantPlan("officer", first_new, True),
                GrantPlan("officer", f"{P}-X{commune.code}", True),
            ),
        ),
        LoginPlan("xa2", grants=(GrantPlan("officer", other_new),)),
        LoginPlan("chibo", grants=(GrantPlan("officer", f"{P}-X{commune.code}-C01"),)),
    ]
